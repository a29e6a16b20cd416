"""Distributed crawling: scrapy-redis's scheduler and duplicate filter with our spider, on a real Redis, in process.

The end-to-end runs (``scrapy crawl antara`` processes sharing one Redis queue) are in
``tests/e2e/test_e2e_distributed.py``.
"""

from __future__ import annotations

import logging
import time

import pytest
from scrapy import Spider
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.settings import Settings

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
from tests.helpers import antara_settings, spider_with_crawler

logger = logging.getLogger(__name__)

FINGERPRINTER = "antara_crawler.fingerprint.AntaraRequestFingerprinter"


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
