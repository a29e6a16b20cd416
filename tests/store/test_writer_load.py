"""What a writer loads when it opens (``Archive.load_writer``, called by the store pipeline before the first request),
so that a crawl's first batch does not stop for the story grouping's numpy import. Each case runs in a new Python
process: the test process has imported numpy long ago."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_opening_the_store_pipeline_loads_numpy_before_the_first_item(tmp_path):
    code = f"""
import sys
from scrapy import Spider
from antara_crawler.pipelines.store import StorePipeline
from tests.helpers import spider_with_crawler
class S(Spider):
    name = "s"
spider = spider_with_crawler(S, {{"ANTARA_DB_URL": "sqlite:///{tmp_path / "a.db"}"}})
pipeline = StorePipeline.from_crawler(spider.crawler)
assert "numpy" not in sys.modules
pipeline.open_spider()
assert "numpy" in sys.modules
assert "datasketch" not in sys.modules and "scipy" not in sys.modules
"""
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr


def test_without_the_analysis_extra_loading_is_a_quiet_no(tmp_path):
    """Loading says no and logs nothing; the first write still reports the missing extra once (test_stories.py)."""
    code = """
import logging, sys
sys.modules["datasketch"] = None
logging.basicConfig(level=logging.DEBUG)
from antara_crawler.store import stories
print("loaded" if stories.load() else "not loaded")
"""
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "not loaded"
    assert "analysis" not in proc.stderr


def test_loading_twice_is_harmless():
    proc = _run("from antara_crawler.store import stories\nassert stories.load() and stories.load()\n")
    assert proc.returncode == 0, proc.stderr


def test_creating_a_new_archive_does_not_load_numpy(tmp_path):
    """Revision 0008 recomputes the story bands of the articles an archive holds; a new archive holds none, so
    creating one (every test, every first run) does not pay for the numpy import."""
    code = f"""
import sys
from antara_crawler.store import Archive
Archive.open("sqlite:///{tmp_path / "new.db"}").close()
assert "numpy" not in sys.modules
"""
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
