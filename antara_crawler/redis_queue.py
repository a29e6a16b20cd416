"""The shared Redis queue of a distributed run (see :mod:`antara_crawler.distributed`): ``REDIS_URL``, the run id,
the run's Redis keys, the Redis connection and clock, and the duplicate filter and scheduler built on scrapy-redis."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

try:  # the optional extra
    from scrapy_redis.connection import get_redis_from_settings
    from scrapy_redis.dupefilter import RFPDupeFilter as _RedisRFPDupeFilter
    from scrapy_redis.scheduler import Scheduler as _RedisScheduler
except ImportError:  # pragma: no cover - exercised only without the extra
    _RedisRFPDupeFilter = object  # type: ignore[assignment,misc]
    _RedisScheduler = object  # type: ignore[assignment,misc]
    get_redis_from_settings = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

KEY_PREFIX = "antara"
_RUN_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
#: flag of a robots.txt response that came from Redis (not stored again)
SHARED_FLAG = "redis-shared"
MISSING_EXTRA = "REDIS_URL is set but scrapy-redis is not installed: pip install 'antara_crawler[distributed]'"


# --- configuration ---------------------------------------------------------------------------------------------


def redis_url(settings: BaseSettings | None = None) -> str:
    """``REDIS_URL`` from the settings, else the environment; empty when distributed crawling is off."""
    value = settings.get("REDIS_URL") if settings is not None else None
    return str(value or os.environ.get("REDIS_URL") or "")


def run_id(settings: BaseSettings) -> str:
    """The run id shared by every process of one distributed crawl (``ANTARA_RUN_ID``, declared in settings.py)."""
    value = str(settings.get("ANTARA_RUN_ID") or "")
    if not _RUN_ID.match(value):
        raise ValueError(f"ANTARA_RUN_ID must be 1-100 letters, digits, '.', '_' or '-', not {value!r}")
    return value


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one run of one spider."""

    base: str

    @classmethod
    def for_run(cls, run: str, spider: str) -> RunKeys:
        return cls(f"{KEY_PREFIX}:{run}:{spider}")

    @property
    def requests(self) -> str:
        return f"{self.base}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.base}:dupefilter"

    @property
    def workers(self) -> str:
        """Every process that joined the run (a set)."""
        return f"{self.base}:workers"

    @property
    def live(self) -> str:
        """Processes of the run that are still open (a set)."""
        return f"{self.base}:live"

    @property
    def busy(self) -> str:
        """Processes with work in hand: a sorted set, scored by when the claim expires (Redis time, ms)."""
        return f"{self.base}:busy"

    @property
    def robots(self) -> str:
        return f"{self.base}:robots"

    def robots_lock(self, url: str) -> str:
        return f"{self.base}:robots-lock:{url}"

    def all(self) -> list[str]:
        return [self.requests, self.dupefilter, self.workers, self.live, self.busy, self.robots]


def _ttl(settings: BaseSettings) -> int:
    return max(0, settings.getint("ANTARA_REDIS_TTL"))


def _server(settings: BaseSettings) -> Redis:
    if get_redis_from_settings is None:
        raise NotConfigured(MISSING_EXTRA)
    return get_redis_from_settings(settings)


def _now_ms(server: Redis) -> int:
    """Redis's clock in milliseconds: one clock for every host of the run."""
    seconds, micros = server.time()
    return int(seconds) * 1000 + int(micros) // 1000


# --- the duplicate filter ----------------------------------------------------------------------------------------


class RedisDupeFilter(_RedisRFPDupeFilter):  # type: ignore[misc,valid-type]
    """scrapy-redis's shared filter with the crawler's request fingerprints and an expiring key.

    scrapy-redis 0.9.1 computes its own sha1 over the canonical URL and ignores ``REQUEST_FINGERPRINTER_CLASS``;
    here the fingerprint is the crawler's (one per article whatever its slug, utm or /amp/). Each ``SADD`` renews the
    set's expiry (``ANTARA_REDIS_TTL``), so a run that was killed does not leave a set that grows forever.
    """

    def __init__(self, server: Redis, key: str, debug: bool = False, *, fingerprinter: Any = None, ttl: int = 0):
        super().__init__(server, key, debug)
        if fingerprinter is None:
            from scrapy.utils.request import RequestFingerprinter

            fingerprinter = RequestFingerprinter()
        self.fingerprinter = fingerprinter
        self.ttl = ttl

    @classmethod
    def from_spider(cls, spider: Spider) -> RedisDupeFilter:
        crawler = spider.crawler
        settings = crawler.settings
        key = settings.get("SCHEDULER_DUPEFILTER_KEY") or RunKeys.for_run(run_id(settings), "%(spider)s").dupefilter
        return cls(
            _server(settings),
            key=key % {"spider": spider.name},
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            ttl=_ttl(settings),
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDupeFilter:
        """Standalone use (with Scrapy's own scheduler): a key per spider and run, as with the Redis scheduler."""
        settings = crawler.settings
        name = crawler.spidercls.name if crawler.spidercls else "spider"
        return cls(
            _server(settings),
            key=RunKeys.for_run(run_id(settings), name).dupefilter,
            debug=settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
            ttl=_ttl(settings),
        )

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RedisDupeFilter:  # pragma: no cover - scrapy-redis API only
        raise NotConfigured("RedisDupeFilter needs the crawler (its request fingerprinter): use from_crawler")

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        fp = self.request_fingerprint(request)
        if not self.ttl:
            return self.server.sadd(self.key, fp) == 0
        pipe = self.server.pipeline(transaction=False)
        pipe.sadd(self.key, fp)
        pipe.expire(self.key, self.ttl)
        added, _ = pipe.execute()
        return added == 0

    def close(self, reason: str = "") -> None:
        """Keep the shared set: other processes still filter with it (the last process out deletes it)."""


# --- the scheduler ------------------------------------------------------------------------------------------------


class RedisScheduler(_RedisScheduler):  # type: ignore[misc,valid-type]
    """scrapy-redis's scheduler, adapted to Scrapy 2.13+ and to our spider.

    * Start requests are filtered by the shared filter even with ``dont_filter=True`` (``ANTARA_REDIS_SHARE_SEEDS``):
      the ``antara`` spider marks its feed and first listing requests ``dont_filter`` so that a resumed JOBDIR run
      re-reads them; with Redis, N processes starting together would otherwise fetch every seed N times.
    * Stats are counted without the ``spider`` argument (deprecated since Scrapy 2.13) and ``open()`` logs without
      ``spider.log()`` (deprecated; warns on 2.19); stats go under Scrapy's own names
      (``scheduler/enqueued``, ``scheduler/dequeued``) and scrapy-redis's (``.../redis``).
    * Popping a request marks this process busy in Redis at once (see :class:`RedisCoordinator`).
    """

    crawler: Crawler | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        instance = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.share_seeds = crawler.settings.getbool("ANTARA_REDIS_SHARE_SEEDS")
        instance.ttl = _ttl(crawler.settings)
        instance.on_pop = None
        return instance

    def open(self, spider: Spider) -> None:
        """scrapy-redis's ``open`` without ``spider.log()`` (a ScrapyDeprecationWarning on Scrapy 2.19)."""
        self.spider = spider
        try:
            self.queue = load_object(self.queue_cls)(
                server=self.server,
                spider=spider,
                key=self.queue_key % {"spider": spider.name},
                serializer=self.serializer,
            )
        except TypeError as exc:
            raise ValueError(f"Failed to instantiate queue class '{self.queue_cls}': {exc}") from exc
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        queued = len(self.queue)
        if queued:
            logger.info("Joining a run with %d request(s) already queued in Redis (%s)", queued, self.queue.key)

    def enqueue_request(self, request: Request) -> bool:
        check = not request.dont_filter or (
            getattr(self, "share_seeds", True) and request.meta.get("is_start_request", False)
        )
        if check and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        ttl = getattr(self, "ttl", 0)
        if ttl:
            self.server.expire(self.queue.key, ttl)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
            self.stats.inc_value("scheduler/enqueued")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(self.idle_before_close)
        if request is not None:
            on_pop = getattr(self, "on_pop", None)
            if on_pop is not None:
                on_pop()
            if self.stats:
                self.stats.inc_value("scheduler/dequeued/redis")
                self.stats.inc_value("scheduler/dequeued")
        return request


__all__ = [
    "KEY_PREFIX",
    "MISSING_EXTRA",
    "SHARED_FLAG",
    "RedisDupeFilter",
    "RedisScheduler",
    "RunKeys",
    "redis_url",
    "run_id",
]
