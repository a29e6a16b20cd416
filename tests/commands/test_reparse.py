"""``scrapy reparse`` takes ``--db`` as every archive command does: a path or a URL; a missing archive is one line,
exit 2 (the subprocess smoke test, without network, is in tests/store/test_store_reparse.py)."""

from __future__ import annotations

from pathlib import Path

from antara_crawler.store import Archive
from tests.helpers.articles import make_article


def test_reparse_takes_a_plain_path_for_db(tmp_path: Path, scrapy_command):
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}", store_html=False) as arc:
        arc.write_batch([make_article(7)])
    result = scrapy_command(["reparse", "--db", str(db)])
    assert result.returncode == 0, result.stderr
    assert "reparse: 0 pages" in result.stdout  # the archive kept no pages: nothing to re-extract


def test_reparse_of_a_missing_archive_is_one_line_with_exit_2(tmp_path: Path, scrapy_command):
    missing = tmp_path / "none.db"
    result = scrapy_command(["reparse", "--db", str(missing)])
    assert result.returncode == 2
    assert result.stderr.strip() == f"scrapy reparse: error: no archive at {missing}"
    assert not missing.exists()
