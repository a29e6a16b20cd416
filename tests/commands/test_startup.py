"""What a command loads: Scrapy imports every module of ``antara_crawler.commands`` to list the commands, so those
modules load neither SQLAlchemy nor the store nor the extractors until a command needs them, and ``scrapy gaps`` on
an SQLite archive already at the newest revision imports neither SQLAlchemy nor Alembic (issue 14: ``scrapy gaps``
under a second)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from antara_crawler.store import Archive
from tests.helpers import ROOT
from tests.helpers.articles import make_article

#: loaded by these commands only when they run (lxml is not among them: Scrapy itself imports it)
HEAVY = ("sqlalchemy", "alembic", "antara_crawler.store.archive", "antara_crawler.extract", "datasketch", "dateparser")

LIST_COMMANDS = f"""
import sys
from scrapy.utils.project import get_project_settings
from scrapy.cmdline import _get_commands_dict
names = sorted(_get_commands_dict(get_project_settings(), inproject=True))
print(",".join(names))
print(",".join(m for m in {HEAVY!r} if m in sys.modules))
"""

GAPS_THEN_REPORT = """
import atexit, sys
atexit.register(lambda: print(sorted(m for m in ("alembic", "sqlalchemy") if m in sys.modules), file=sys.stderr))
from scrapy.cmdline import execute
execute(["scrapy", "gaps", *sys.argv[1:]])
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-c", code, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_listing_the_commands_loads_no_database_or_parser_library():
    proc = _python(LIST_COMMANDS)
    assert proc.returncode == 0, proc.stderr
    names, heavy = proc.stdout.splitlines()
    assert {"crawl", "export", "gaps", "reparse", "savefixture", "search", "stories"} <= set(names.split(","))
    assert heavy == ""


def test_gaps_on_a_current_sqlite_archive_imports_neither_sqlalchemy_nor_alembic(tmp_path: Path):
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as arc:
        arc.write_batch([make_article(i) for i in (100, 103)])
    proc = _python(GAPS_THEN_REPORT, "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["unprobed"] == 2
    assert proc.stderr.strip().splitlines()[-1] == "[]"


def test_gaps_on_an_older_archive_migrates_it_and_reports(tmp_path: Path, scrapy_command):
    from antara_crawler.store.archive import make_engine, upgrade
    from antara_crawler.store.engine import stamped_revision
    from antara_crawler.store.revision import HEAD_REVISION

    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0005")
    engine.dispose()
    result = scrapy_command(["gaps", "--db", str(db), "--json"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert stamped_revision(conn) == HEAD_REVISION
    engine.dispose()
