"""The ``scrapy gaps`` report read with ``sqlite3`` (store/gaps.py) equals the one read through SQLAlchemy, and an
archive not at the newest revision is left to SQLAlchemy (which migrates it)."""

from __future__ import annotations

from pathlib import Path

from antara_crawler.store import Archive, ledger
from antara_crawler.store.archive import make_engine, upgrade
from antara_crawler.store.gaps import sqlite_report
from antara_crawler.store.location import sqlite_path
from antara_crawler.store.revision import HEAD_REVISION
from tests.helpers.articles import make_article
from tests.store.test_ledger import status


def _archive(path: Path) -> Archive:
    arc = Archive.open(f"sqlite:///{path}")
    arc.write_batch([make_article(i) for i in (100, 101, 102, 110)] + [make_article(7, portal="papua")])
    arc.write_batch([status(103, "http_404"), status(104, "http_404"), status(105, "redirected_away")])
    arc.write_batch([status(106, "timeout", code=0), status(200, "http_404"), status(90, "http_404")])
    return arc


def test_sqlite3_report_equals_the_sqlalchemy_report(tmp_path: Path):
    db = tmp_path / "a.db"
    with _archive(db) as arc:
        for names in (None, ["babel"], ["sumbar", "papua", "babel"]):
            assert sqlite_report(db, HEAD_REVISION, names) == ledger.report(arc.engine, names)
    babel = sqlite_report(db, HEAD_REVISION, ["babel"])[0]
    assert (babel.low, babel.high, babel.not_found, babel.unprobed) == (100, 110, 4, 3)


def test_an_archive_at_an_older_revision_is_left_to_sqlalchemy(tmp_path: Path):
    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0005")  # before the ledger existed
    engine.dispose()
    assert sqlite_report(db, HEAD_REVISION) is None
    assert sqlite_report(tmp_path / "a-file-that-is-no-archive.db", HEAD_REVISION) is None


def test_only_plain_sqlite_urls_of_existing_files_take_the_sqlite3_path(tmp_path: Path):
    db = tmp_path / "a.db"
    db.write_bytes(b"")
    assert sqlite_path(f"sqlite:///{db}") == db
    assert sqlite_path(f"sqlite:///{tmp_path / 'missing.db'}") is None  # SQLAlchemy's path says "no archive at"
    assert sqlite_path(f"sqlite:///{db}?timeout=5") is None
    assert sqlite_path("postgresql+psycopg://u@h/antara") is None
