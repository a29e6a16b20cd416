"""Reliability: two ``scrapy crawl`` processes writing one SQLite archive at once (see
``tests/reliability/test_reliability_concurrency.py`` for the decision: both run, WAL, ``BEGIN IMMEDIATE``,
idempotent upserts)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import popen_scrapy
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
