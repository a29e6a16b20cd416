"""Reliability: a crawl killed with SIGKILL mid-run, then run again, ends with the archive an uninterrupted run writes.

The mirror answers slowly (a per-request delay) so the kill lands in the middle: after some batches were committed
and while others were in memory or in flight. The archives are compared table by table on their content columns
(ids and timestamps left out). SIGINT (sent once) must flush what was scraped and exit cleanly.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from antara_crawler.items import LinkStatus
from antara_crawler.pipelines.store import StorePipeline
from antara_crawler.spiders.antara import AntaraCrawlSpider
from antara_crawler.store import Archive
from tests.helpers import popen_scrapy, run_scrapy, spider_with_crawler
from tests.helpers.articles import make_article
from tests.helpers.reliability import (
    antara_args,
    archived_keys,
    article_args,
    dump,
    explain,
    finish_reason,
    integrity_problems,
    query,
)
from tests.site.build import SiteManifest, build_site
from tests.site.server import MirrorServer

TABLES = ["articles", "related_links", "article_tags", "tags", "pages", "link_statuses", "article_versions"]

PORTALS = ("babel", "papua")


def _count_articles(db: Path) -> int:
    try:
        return query(db, "SELECT COUNT(*) FROM articles")[0][0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def _wait_for(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> SiteManifest:
    return build_site(tmp_path_factory.mktemp("crash_site"), articles_per_portal=20, portals=PORTALS, seed=5)


def _reference(site: SiteManifest, db: Path, *spider_args: str) -> Path:
    with MirrorServer(site.root) as server:
        result = run_scrapy(antara_args(server, db, ",".join(PORTALS), *spider_args))
    assert result.returncode == 0, explain(result)
    return db


def _kill_and_rerun(site: SiteManifest, db: Path, *spider_args: str, ready, faults: dict | None = None) -> dict:
    """Crawl (batches of 3, 30 ms a request), SIGKILL once ``ready(db)``, then run the same command again."""
    with MirrorServer(site.root, delay=0.03, faults=faults) as server:
        args = antara_args(server, db, ",".join(PORTALS), *spider_args, extra=("-s", "ANTARA_BATCH_SIZE=3"))
        proc = popen_scrapy(args)
        reached = _wait_for(lambda: ready(db) or proc.poll() is not None)
        still_running = proc.poll() is None
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        at_kill = dump(db)
        problems_at_kill = integrity_problems(db)
        server.delay, server.faults = 0, []
        rerun = run_scrapy(args)  # at once: the spider finds the killed run by run id, not by its start time
    return {
        "db": db,
        "reached": reached,
        "still_running": still_running,
        "killed_rc": proc.returncode,
        "at_kill": at_kill,
        "problems_at_kill": problems_at_kill,
        "rerun": rerun,
    }


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory) -> Path:
    """The archive of one uninterrupted run."""
    db = _reference(site, tmp_path_factory.mktemp("reference") / "a.db")
    assert len(archived_keys(db)) == len(site.expected_keys())
    return db


@pytest.fixture(scope="module")
def killed_then_rerun(site, tmp_path_factory):
    """SIGKILL once 15 articles are committed, then the same command again."""
    db = tmp_path_factory.mktemp("killed") / "a.db"
    return _kill_and_rerun(site, db, ready=lambda d: _count_articles(d) >= 15)


def test_the_kill_lands_mid_crawl(site, killed_then_rerun):
    assert killed_then_rerun["reached"] and killed_then_rerun["still_running"]
    assert killed_then_rerun["killed_rc"] == -signal.SIGKILL
    held = len(killed_then_rerun["at_kill"]["articles"])
    assert 0 < held < len(site.expected_keys())


def test_the_killed_archive_is_sound(killed_then_rerun):
    assert killed_then_rerun["problems_at_kill"] == []


def test_no_half_written_article_after_the_kill(reference, killed_then_rerun):
    """Every article the killed run committed is complete: same row, same links, tags and page as the reference."""
    ref, got = dump(reference), killed_then_rerun["at_kill"]
    for table in ("articles", "related_links", "article_tags", "pages"):
        assert set(got[table]) <= set(ref[table]), table
    keys = {(p, i) for p, i, *_ in got["articles"]}
    for table in ("related_links", "article_tags", "pages"):
        assert sorted(r for r in ref[table] if (r[0], r[1]) in keys) == sorted(got[table]), table


def test_the_rerun_finishes(killed_then_rerun):
    rerun = killed_then_rerun["rerun"]
    assert rerun.returncode == 0, explain(rerun)
    assert finish_reason(rerun.stderr) == "finished"
    assert "did not finish" in rerun.stderr  # the catch-up mode of the antara spider


@pytest.mark.parametrize("table", TABLES)
def test_killed_and_rerun_archive_equals_the_uninterrupted_one(reference, killed_then_rerun, table):
    assert dump(killed_then_rerun["db"])[table] == dump(reference)[table]


def test_no_duplicates_after_the_rerun(killed_then_rerun):
    keys = archived_keys(killed_then_rerun["db"])
    assert len(keys) == len(set(keys))
    assert integrity_problems(killed_then_rerun["db"]) == []


# --- with related links followed (related_depth=1) ----------------------------------------------------------------


def _dead_link_orphaned(site: SiteManifest):
    """ready(db): every article linking to some dead link is committed (so a re-run has no path left to it)."""
    referrers: dict[int, set[int]] = {}
    for (_, antara_id), article in site.articles.items():
        for url, _kind in article.links:
            if url in site.dead_links:
                referrers.setdefault(site.dead_links[url][1], set()).add(antara_id)
    assert referrers

    def ready(db: Path) -> bool:
        try:
            archived = {i for (i,) in query(db, "SELECT antara_id FROM articles")}
        except sqlite3.OperationalError:
            return False
        return any(refs <= archived for refs in referrers.values())

    hidden = {i for (_, i), a in site.articles.items() if a.hops} | set(referrers)
    return ready, hidden


@pytest.fixture(scope="module")
def killed_with_related(site, tmp_path_factory):
    ready, hidden = _dead_link_orphaned(site)
    slow = {rf"^/[a-z]+/berita/{i}/": ("delay", 5) for i in hidden}  # targets stay in flight until the kill
    db = tmp_path_factory.mktemp("killed_related") / "a.db"
    run = _kill_and_rerun(site, db, "related_depth=1", ready=ready, faults=slow)
    run["reference"] = _reference(site, tmp_path_factory.mktemp("reference_related") / "a.db", "related_depth=1")
    return run


def test_killed_related_crawl_is_sound_and_finishes(killed_with_related):
    assert killed_with_related["reached"] and killed_with_related["still_running"]
    assert killed_with_related["problems_at_kill"] == []
    assert killed_with_related["rerun"].returncode == 0, explain(killed_with_related["rerun"])
    keys = archived_keys(killed_with_related["db"])
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("table", ["link_statuses", "related_links"])
def test_killed_related_crawl_reruns_to_the_uninterrupted_archive(killed_with_related, table):
    assert dump(killed_with_related["db"])[table] == dump(killed_with_related["reference"])[table]


# --- in process: how the re-run finds the killed run, and what its catch-up follows ---------------------------------


def _spider_and_pipeline(db: Path, **spider_args) -> tuple[AntaraCrawlSpider, StorePipeline]:
    """An antara spider and the store pipeline of its crawler, opened (the pipeline records this run)."""
    settings = {"ANTARA_DB_URL": f"sqlite:///{db}", "ROBOTSTXT_OBEY": False}
    spider = spider_with_crawler(AntaraCrawlSpider, settings, portals="babel", **spider_args)
    pipeline = StorePipeline.from_crawler(spider.crawler)
    pipeline.open_spider()
    return spider, pipeline


def _run(coro):
    """The spider's archive reads are coroutines; outside a crawl they run (blocking) in asyncio.run."""
    return asyncio.run(coro)


def _collect(agen) -> list:
    async def collect():
        return [x async for x in agen]

    return asyncio.run(collect())


def _close(spider: AntaraCrawlSpider, pipeline: StorePipeline) -> None:
    pipeline.close_spider()
    pipeline.spider_closed(spider, "finished")


@pytest.mark.parametrize("previous", ["killed", "finished"])
def test_the_previous_run_is_found_by_id_even_within_the_same_second(tmp_path: Path, previous: str):
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        earlier = archive.start_run("antara", {})
        if previous == "finished":
            archive.finish_run(earlier, {}, "finished")
    spider, pipeline = _spider_and_pipeline(db)
    own = pipeline.run_id
    assert spider.crawler.stats.get_value("antara/run_id") == own != earlier
    # both runs started in the same second (crawl_runs.started_at has one-second resolution)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE crawl_runs SET started_at = '2026-07-07 10:00:00'")
    spider._started_at = "2026-07-07 10:00:00"
    assert _run(spider._previous_run())["id"] == earlier
    assert _run(spider._catching_up()) is (previous == "killed")
    _close(spider, pipeline)


def _ids(requests) -> list[int]:
    return [r.meta["antara_ref"].antara_id for r in requests]


@pytest.mark.parametrize(("related_depth", "expected"), [(0, []), (1, [1003]), (2, [1003, 2002, 2003])])
def test_catch_up_follows_the_stored_related_links_of_archived_articles(tmp_path: Path, related_depth, expected):
    """babel 1 (archived) links to 1001 (recorded dead), 1002 (archived, linking to 2002 and 2003, both missing)
    and 1003 (missing): catch-up fetches what the uninterrupted run would, within the depth budget."""
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        archive.start_run("antara", {})  # killed: never finished
        archive.write_batch([make_article(1, n_related=3), make_article(1002)])
        archive.write_batch([LinkStatus("https://babel.antaranews.com/berita/1001/x", "babel", 1001, 404, "http_404")])
    spider, pipeline = _spider_and_pipeline(db, related_depth=related_depth)
    assert _run(spider._catching_up())
    requests = _collect(spider._follow_archived([("babel", 1)], 0))
    assert _ids(requests) == expected
    assert [r.meta["antara_depth"] for r in requests] == [1, 2, 2][: len(expected)]
    assert _collect(spider._follow_archived([("babel", 1)], 0)) == []  # once per run
    _close(spider, pipeline)


def test_a_normal_run_follows_no_stored_related_link(tmp_path: Path):
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as archive:
        archive.finish_run(archive.start_run("antara", {}), {}, "finished")
        archive.write_batch([make_article(1, n_related=3)])
    spider, pipeline = _spider_and_pipeline(db, related_depth=2)
    assert not _run(spider._catching_up())
    assert _collect(spider._follow_archived([("babel", 1)], 0)) == []
    _close(spider, pipeline)


# --- SIGINT --------------------------------------------------------------------------------------------------------

_SCRAPED = re.compile(r"Scraped from <200 https://([a-z]+)\.antaranews\.com/berita/(\d+)/")


def test_sigint_flushes_everything_scraped_and_exits_cleanly(site, tmp_path):
    db = tmp_path / "a.db"
    urls = [a.url for a in sorted(site.articles.values(), key=lambda a: a.key)]
    with MirrorServer(site.root, delay=0.05) as server:
        # batches of 100: whatever was scraped before the signal sits in memory until the close flush
        args = article_args(server, db, urls, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        proc = popen_scrapy(args, log_level="DEBUG")
        fetched = _wait_for(lambda: server.count(r"/berita/") >= 8 or proc.poll() is not None)
        assert fetched and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        _, log = proc.communicate(timeout=90)
        total_fetched = server.count(r"/berita/")
    assert proc.returncode == 0, log[-3000:]
    assert finish_reason(log) == "shutdown"
    assert "Received SIGINT, shutting down gracefully" in log
    scraped = {(p, int(i)) for p, i in _SCRAPED.findall(log)}
    assert scraped and len(scraped) < len(urls)  # stopped early
    assert set(archived_keys(db)) == scraped  # every article the log says was scraped is in the archive
    assert total_fetched < len(urls)
    assert integrity_problems(db) == []
    runs = query(db, "SELECT finish_reason, finished_at IS NOT NULL FROM crawl_runs")
    assert runs == [("shutdown", 1)]
