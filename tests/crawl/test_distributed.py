"""Distributed crawling: scrapy-redis's scheduler and duplicate filter with our spider, on real Redis/PostgreSQL.

The end-to-end test runs one ``scrapy crawl antara`` process against the offline mirror, then two processes sharing
one Redis queue against a fresh copy of the same mirror, both archiving into PostgreSQL, and compares what the
mirror served: the same requests, each article archived exactly once.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import Settings
from sqlalchemy import text

from antara_crawler.distributed import (
    RedisAddon,
    RedisCoordinator,
    RedisDupeFilter,
    RedisRobotsCache,
    RedisScheduler,
    RunKeys,
    _now_ms,
    distributed_settings,
    run_id,
)
from antara_crawler.store import Archive
from tests.helpers import ROOT, antara_settings, spider_with_crawler
from tests.site.build import build_site
from tests.site.server import MirrorServer

logger = logging.getLogger(__name__)

PORTALS = "babel,makassar,papua,www"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
ADDON = '{"antara_crawler.distributed.RedisAddon": 0}'
FINGERPRINTER = "antara_crawler.fingerprint.AntaraRequestFingerprinter"


def crawl_cmd(server: MirrorServer, db_url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "antara",
        "-a",
        f"portals={PORTALS}",
        "-s",
        f"ANTARA_URL_TEMPLATE={server.url_template}",
        "-s",
        f"ANTARA_DB_URL={db_url}",
        *FAST,
        *extra,
    ]


def redis_args(redis_url: str, run: str, workers: int) -> list[str]:
    return [
        "-s",
        f"ADDONS={ADDON}",  # settings.py may enable it too; harmless twice
        "-s",
        f"REDIS_URL={redis_url}",
        "-s",
        f"ANTARA_RUN_ID={run}",
        "-s",
        f"ANTARA_REDIS_WORKERS={workers}",
        "-s",
        "ANTARA_REDIS_POLL=0.2",
    ]


def run_all(cmds: list[list[str]], timeout: float = 240) -> list[subprocess.CompletedProcess]:
    """Start every command at once, wait for all."""
    env = {"ANTARA_LOG_LEVEL": "INFO", "PYTHONWARNINGS": "always"}  # warnings are logged: see no_redis_warnings()
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for cmd in cmds
    ]
    out = []
    for cmd, proc in zip(cmds, procs, strict=True):
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        out.append(subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr))
    return out


def explain(results: list[subprocess.CompletedProcess]) -> str:
    return "\n".join(f"--- exit {r.returncode} ---\n{r.stderr[-3000:]}" for r in results)


def no_redis_warnings(stderr: str) -> list[str]:
    """Warning lines that name scrapy-redis or our Redis wiring (there must be none)."""
    return [
        line
        for line in stderr.splitlines()
        if "Warning" in line and ("scrapy_redis" in line or "distributed.py" in line or "RedisScheduler" in line)
    ]


def stat(stderr: str, name: str) -> int:
    m = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(m.group(1)) if m else 0


def archived(db_url: str) -> list[tuple[str, int]]:
    with Archive.open(db_url) as archive, archive.engine.connect() as conn:
        return [(p, int(i)) for p, i in conn.execute(text("SELECT portal, antara_id FROM articles"))]


# --- components, against a real Redis -------------------------------------------------------------------------------


def test_addon_is_inert_without_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = Settings({"EXTENSIONS": {}, "DOWNLOADER_MIDDLEWARES": {}})
    RedisAddon().update_settings(settings)
    assert "scrapy_redis" not in str(settings.get("SCHEDULER")) and "Redis" not in str(settings.get("SCHEDULER"))
    assert "RedisDupeFilter" not in str(settings.get("DUPEFILTER_CLASS"))


def test_addon_switches_scheduler_and_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    settings = Settings(
        antara_settings(
            ANTARA_RUN_ID="2026-02-21",
            EXTENSIONS={"antara_crawler.extensions.RunSummary": 500},
            DOWNLOADER_MIDDLEWARES={},
        )
    )
    settings.set("EXTENSIONS", {"antara_crawler.extensions.RunSummary": 500}, priority="spider")  # as the spider does
    RedisAddon().update_settings(settings)
    assert "antara_crawler.extensions.RunSummary" in settings.getdict("EXTENSIONS")
    assert settings.get("SCHEDULER") == "antara_crawler.distributed.RedisScheduler"
    assert settings.get("DUPEFILTER_CLASS") == "antara_crawler.distributed.RedisDupeFilter"
    assert settings.getbool("SCHEDULER_PERSIST") is True
    assert settings.get("SCHEDULER_DUPEFILTER_KEY") == "antara:2026-02-21:%(spider)s:dupefilter"
    assert settings.getdict("EXTENSIONS")[RedisCoordinator] == 600
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[RedisRobotsCache] == 90


def test_run_id_is_validated() -> None:
    assert run_id(Settings({"ANTARA_RUN_ID": "2026-02-21"})) == "2026-02-21"
    for bad in ("a b%(x)s", ""):
        with pytest.raises(ValueError, match="ANTARA_RUN_ID"):
            run_id(Settings({"ANTARA_RUN_ID": bad}))


def _crawler(redis_url: str, **extra):
    settings = {
        **distributed_settings(redis_url, "t1"),
        "REQUEST_FINGERPRINTER_CLASS": FINGERPRINTER,
        "ANTARA_REDIS_TTL": 3600,
        **extra,
    }
    spider = spider_with_crawler(Spider, settings, name="antara")
    return spider.crawler, spider


@pytest.mark.redis
def test_dupefilter_uses_the_crawlers_fingerprints(redis_url: str) -> None:
    crawler, spider = _crawler(redis_url)
    df = RedisDupeFilter.from_spider(spider)
    assert df.key == "antara:t1:antara:dupefilter"
    assert not df.request_seen(Request("https://babel.antaranews.com/berita/556301/satu-judul"))
    # the same article by another slug, with utm, as AMP: one fingerprint (scrapy-redis alone sees three URLs)
    assert df.request_seen(Request("https://babel.antaranews.com/berita/556301/judul-lain?utm_source=x"))
    assert df.request_seen(Request("https://babel.antaranews.com/amp/berita/556301/judul-lain"))
    assert not df.request_seen(Request("https://babel.antaranews.com/berita/556302/lain"))
    assert 0 < df.server.ttl(df.key) <= 3600  # the set expires
    fp = crawler.request_fingerprinter.fingerprint(Request("https://babel.antaranews.com/berita/556302/x")).hex()
    assert df.server.sismember(df.key, fp)


@pytest.mark.redis
def test_scheduler_filters_shared_seeds_but_honours_dont_filter(redis_url: str) -> None:
    crawler, spider = _crawler(redis_url)
    first, second = RedisScheduler.from_crawler(crawler), RedisScheduler.from_crawler(crawler)
    first.open(spider)
    second.open(spider)  # two processes of one run
    seed = Request("https://babel.antaranews.com/rss/terkini.xml", dont_filter=True, meta={"is_start_request": True})
    assert first.enqueue_request(seed)
    assert not second.enqueue_request(seed.replace())  # the other process's copy of the seed
    retry = Request("https://babel.antaranews.com/terkini/2", dont_filter=True)  # not a seed: never filtered
    assert first.enqueue_request(retry) and second.enqueue_request(retry.replace())
    article = Request("https://babel.antaranews.com/berita/1/a")
    assert first.enqueue_request(article)
    assert not second.enqueue_request(Request("https://babel.antaranews.com/berita/1/b"))
    # scrapy-redis's priority queue is a sorted set: two identical pickled requests are one member
    assert len(first) == 3 and second.has_pending_requests()
    popped = [second.next_request() for _ in range(3)]
    assert all(r is not None for r in popped) and second.next_request() is None
    assert [r.url for r in popped][0] == seed.url or popped[0].priority >= popped[-1].priority
    assert crawler.stats.get_value("scheduler/enqueued/redis") == 4
    assert crawler.stats.get_value("scheduler/dequeued/redis") == 3
    first.close("finished")
    assert first.server.exists(RunKeys.for_run("t1", "antara").dupefilter)  # persistent: others still use it


@pytest.mark.redis
def test_scrapy_redis_scheduler_alone_warns_on_scrapy_2_13_plus(redis_url: str) -> None:
    """Why RedisScheduler overrides open/enqueue_request/next_request: scrapy-redis 0.9.1 passes ``spider=`` to the
    stats collector and calls ``spider.log()`` when it joins a non-empty queue; both are ScrapyDeprecationWarnings
    on Scrapy 2.19 (errors under this suite's warning filter)."""
    from scrapy.exceptions import ScrapyDeprecationWarning
    from scrapy_redis.scheduler import Scheduler

    crawler, spider = _crawler(redis_url)
    plain = Scheduler.from_crawler(crawler)
    plain.open(spider)
    with pytest.warns(ScrapyDeprecationWarning, match="spider"):
        plain.enqueue_request(Request("https://babel.antaranews.com/berita/9/x"))
    with pytest.warns(ScrapyDeprecationWarning, match=r"Spider\.log"):
        Scheduler.from_crawler(crawler).open(spider)  # the queue is not empty: "Resuming crawl"
    ours = RedisScheduler.from_crawler(crawler)
    ours.open(spider)
    assert ours.next_request() is not None
    assert ours.enqueue_request(Request("https://babel.antaranews.com/berita/10/x"))  # no warning (errors here)


# --- end to end: two processes, one queue, PostgreSQL -----------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    return build_site(tmp_path_factory.mktemp("mirror"), articles_per_portal=12, seed=1)


@pytest.mark.e2e
@pytest.mark.redis
@pytest.mark.postgres
def test_two_processes_share_one_queue(site, redis_url: str, postgres_server, redis_server) -> None:
    single_db = postgres_server.url(postgres_server.create_database())
    shared_db = postgres_server.url(postgres_server.create_database())
    # shared_db is left empty: the two crawlers create the schema at the same moment (one migrates, one waits)

    # a slow mirror and 4 requests per portal at a time: the crawl lasts long enough for both processes to take part
    slow = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
    with MirrorServer(site.root, delay=0.25) as server:
        (single,) = run_all([crawl_cmd(server, single_db, *slow)])
        single_requests = Counter(server.requests)
    assert single.returncode == 0, explain([single])

    with MirrorServer(site.root, delay=0.25) as server:
        args = [*slow, *redis_args(redis_url, "e2e", workers=2)]
        pair = run_all([crawl_cmd(server, shared_db, *args), crawl_cmd(server, shared_db, *args)])
        shared_requests = Counter(server.requests)
    assert [r.returncode for r in pair] == [0, 0], explain(pair)

    # each process joined the run and did part of the work
    for result in pair:
        assert "Joined distributed run 'e2e'" in result.stderr
        assert no_redis_warnings(result.stderr) == []
    dequeued = [stat(r.stderr, "scheduler/dequeued/redis") for r in pair]
    assert all(n > 0 for n in dequeued), dequeued
    logger.info("dequeued per process: %s; requests: %d", dequeued, sum(shared_requests.values()))

    # the same requests as one process: seeds, listings and articles once, robots.txt once per portal
    assert shared_requests == single_requests, (shared_requests - single_requests, single_requests - shared_requests)
    assert max(shared_requests.values()) == 1

    # every reachable article archived exactly once, as by one process
    keys = archived(shared_db)
    assert len(keys) == len(set(keys))
    assert set(keys) == site.expected_keys() == set(archived(single_db))
    new = [int(m) for r in pair for m in re.findall(r"'antara/store/new': (\d+)", r.stderr)]
    assert sum(new) == len(keys)
    assert all(stat(r.stderr, "antara/store/unchanged") == 0 for r in pair)

    # the last process out deleted the run's keys
    client = redis_server.client()
    assert client.keys("antara:e2e:*") == []
    client.close()


@pytest.mark.e2e
@pytest.mark.redis
def test_late_worker_of_a_finished_run_finds_nothing_new(site, redis_url: str, tmp_path: Path) -> None:
    """A run's keys are gone once it finished: a second run with the same id is a new incremental run, which the
    archive (not Redis) keeps from fetching the articles again."""
    db = f"sqlite:///{tmp_path / 'a.db'}"
    with MirrorServer(site.root) as server:
        (first,) = run_all([crawl_cmd(server, db, *redis_args(redis_url, "again", workers=1))])
        before = len(server.requests)
        (second,) = run_all([crawl_cmd(server, db, *redis_args(redis_url, "again", workers=1))])
        again = server.requests[before:]
    assert [first.returncode, second.returncode] == [0, 0], explain([first, second])
    assert [p for p in again if "/berita/" in p] == []
    assert set(archived(db)) == site.expected_keys()


@pytest.mark.redis
def test_coordinator_waits_for_busy_workers_then_the_last_one_cleans_up(redis_url: str) -> None:
    # a busy claim far longer than the test: whether b's claim still holds never depends on how fast this runs (its
    # end is set by hand below, as if b had been killed)
    ttl = 60
    crawler, spider = _crawler(
        redis_url, ANTARA_REDIS_BUSY_TTL=ttl, ANTARA_REDIS_WORKERS=2, ANTARA_REDIS_JOIN_TIMEOUT=30
    )
    keys = RunKeys.for_run("t1", "antara")
    a, b = RedisCoordinator(crawler), RedisCoordinator(crawler)
    for ext in (a, b):  # what spider_opened does, without the reactor loop
        ext.keys, ext.opened_at = keys, time.monotonic()
    a.server.sadd(keys.workers, a.worker)
    a.server.sadd(keys.live, a.worker)
    with pytest.raises(DontCloseSpider):  # only one of the two expected processes joined
        a.spider_idle(spider)
    a.server.sadd(keys.workers, b.worker)
    a.server.sadd(keys.live, b.worker)
    b.mark_busy()  # b has work in hand: a must stay (b may still find links)
    with pytest.raises(DontCloseSpider):
        a.spider_idle(spider)
    a.server.zadd(keys.requests, {b"queued": 0})
    b.mark_idle()
    with pytest.raises(DontCloseSpider):  # a request is queued
        a.spider_idle(spider)
    a.server.delete(keys.requests)
    a.spider_idle(spider)  # nothing queued, nobody busy: a may close
    before = _now_ms(a.server)
    b.mark_busy()
    now = _now_ms(a.server)
    claim = a.server.zscore(keys.busy, b.worker)
    # b's claim ends ANTARA_REDIS_BUSY_TTL after it was renewed, whenever that was between the two readings of the
    # server's clock (no bound on how long the renewal itself took)
    assert before + ttl * 1000 <= claim <= now + ttl * 1000
    with pytest.raises(DontCloseSpider):
        a.spider_idle(spider)
    a.server.zadd(keys.busy, {b.worker: now - 1})  # b was killed: no renewal, its claim's end has passed
    a.spider_idle(spider)
    a.server.sadd(keys.dupefilter, "fp")
    a.spider_closed(spider, "finished")
    assert a.server.exists(keys.dupefilter)  # b is still open
    b.spider_closed(spider, "finished")
    assert a.server.keys(f"{keys.base}:*") == []  # the last one out deleted the run
