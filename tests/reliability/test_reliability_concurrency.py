"""Reliability: concurrent runs writing one SQLite archive.

Decision: both run. The archive uses WAL, ``busy_timeout`` 30 s, short batch transactions that take the write lock
at once (``BEGIN IMMEDIATE``) and idempotent upserts keyed by ``(portal, antara_id)``; the Alembic upgrade on open
runs under ``BEGIN IMMEDIATE`` too, so processes that open a fresh file at the same moment wait for each other
instead of both creating tables. No run lock is needed, and no run refuses to start.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from antara_crawler.store.archive import head_revision
from tests.helpers import ROOT, popen_scrapy
from tests.helpers.reliability import (
    antara_args,
    archived_keys,
    article_args,
    finish_reason,
    integrity_problems,
    query,
    stat,
)
from tests.site.build import build_site
from tests.site.server import MirrorServer

LOCK_ERRORS = ("database is locked", "database table is locked", "SQLITE_BUSY")


def _run_together(argss: list[list[str]]) -> list[tuple[int, str]]:
    procs = [popen_scrapy(args) for args in argss]
    logs = [p.communicate(timeout=180)[1] for p in procs]
    return [(p.returncode, log) for p, log in zip(procs, logs, strict=True)]


def _assert_clean(rc: int, log: str) -> None:
    assert rc == 0, log[-3000:]
    assert finish_reason(log) == "finished", log[-3000:]
    for text in (*LOCK_ERRORS, "Traceback", "could not write"):
        assert text not in log, log[-3000:]


@pytest.mark.e2e
def test_two_article_crawls_on_overlapping_urls_share_a_fresh_archive(tmp_path: Path):
    site = build_site(tmp_path / "site", articles_per_portal=20, portals=("babel", "papua"), seed=11)
    (site.root / "babel" / "robots.txt").write_text("User-agent: *\nDisallow: /search\n")  # every URL is fetched
    urls = sorted(a.url for a in site.articles.values())
    half = len(urls) // 2
    first, second = urls[: half + 8], urls[half - 8 :]  # 16 URLs in both
    db = tmp_path / "a.db"  # not created yet: both processes create and migrate it at once
    tiny = ("-s", "ANTARA_BATCH_SIZE=2")  # many short write transactions, interleaved
    with MirrorServer(site.root, delay=0.01) as server:
        runs = _run_together(
            [article_args(server, db, first, *tiny, tag="first"), article_args(server, db, second, *tiny, tag="second")]
        )
    for rc, log in runs:
        _assert_clean(rc, log)
    keys = archived_keys(db)
    assert len(keys) == len(set(keys)) == len(site.articles)  # every article exactly once, none lost
    both = sum(stat(log, "antara/store/new") + stat(log, "antara/store/unchanged") for _, log in runs)
    assert both == len(first) + len(second)  # the overlap was stored twice, as an unchanged re-crawl the 2nd time
    assert query(db, "SELECT COUNT(*), COUNT(finished_at) FROM crawl_runs") == [(2, 2)]
    assert query(db, "SELECT COUNT(*) FROM article_versions") == [(0,)]
    assert integrity_problems(db) == []


@pytest.mark.e2e
def test_two_discovery_crawls_on_overlapping_portals_at_once(tmp_path: Path):
    site = build_site(tmp_path / "site", articles_per_portal=12, portals=("babel", "papua", "makassar"), seed=12)
    db = tmp_path / "a.db"
    with MirrorServer(site.root, delay=0.01) as server:
        tiny = ("-s", "ANTARA_BATCH_SIZE=2")
        runs = _run_together(
            [
                antara_args(server, db, "babel,papua", "related_depth=1", extra=tiny),
                antara_args(server, db, "papua,makassar", "related_depth=1", extra=tiny),
            ]
        )
    for rc, log in runs:
        _assert_clean(rc, log)
    keys = archived_keys(db)
    assert len(keys) == len(set(keys))
    assert set(keys) == site.expected_keys(related_depth=1)
    assert integrity_problems(db) == []


_OPEN_AT = """
import sys, time
from antara_crawler.store import Archive
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
archive = Archive.open(sys.argv[1])
archive.start_run("race", {})
archive.close()
"""


def test_processes_opening_a_fresh_archive_at_the_same_instant_migrate_it_once(tmp_path: Path):
    """Four processes open (create and migrate) the same new file at one instant, five times over."""
    for attempt in range(5):
        url = f"sqlite:///{tmp_path}/race{attempt}.db"
        start = time.time() + 1.5  # after every interpreter has imported SQLAlchemy and Alembic
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPEN_AT, url, str(start)], cwd=ROOT, stderr=subprocess.PIPE, text=True
            )
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * 4, errors
        db = tmp_path / f"race{attempt}.db"
        assert query(db, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
        assert query(db, "SELECT COUNT(*) FROM crawl_runs") == [(4,)]
