"""Several ``scrapy crawl antara`` processes (on one or more machines) sharing one Redis queue.

Optional: ``pip install .[distributed]`` (scrapy-redis, redis, psycopg). Nothing here is active unless ``REDIS_URL``
is set (``-s REDIS_URL=...`` or the environment variable); the add-on :class:`RedisAddon` then switches the crawl to:

* :class:`RedisScheduler`: scrapy-redis's scheduler with a persistent priority queue in Redis. Every process pushes
  what its callbacks find and pops whatever is next, so the processes share the work. Only the scheduler and the
  duplicate filter come from scrapy-redis; the spider stays ours (scrapy-redis's spider classes predate Scrapy 2.13's
  ``async def start()``).
* :class:`RedisDupeFilter`: scrapy-redis's duplicate filter, fed by the crawler's ``REQUEST_FINGERPRINTER_CLASS``
  (scrapy-redis 0.9.1 hashes the canonical URL itself, so two slugs of one article would be two requests). Its set
  expires (``ANTARA_REDIS_TTL``) and is deleted by the last process of a run.
* Seeds: each process's ``start()`` yields the same feed and listing URLs, with ``dont_filter=True``. Start requests
  (``meta["is_start_request"]``) go through the shared filter anyway (``ANTARA_REDIS_SHARE_SEEDS``, default on), so
  N processes fetch each seed once, like one process.
* :class:`RedisCoordinator` (extension): a process whose own work is done stays open while another process of the
  run is still busy (it may still find new links) and, with ``ANTARA_REDIS_WORKERS=N``, until N processes joined the
  run; the last process out deletes the run's keys.
* :class:`RedisRobotsCache` (downloader middleware): robots.txt is fetched once per run and portal, not once per
  process; every process still obeys it.

Keys live under ``antara:<run id>:<spider>:`` where the run id is ``ANTARA_RUN_ID`` (setting or environment variable,
default ``default``). Redis holds pickled requests: it must be reachable only from the crawler hosts (see
docs/scaling-out.md).

Settings (all optional, declared with their defaults in settings.py): ``REDIS_URL``, ``ANTARA_RUN_ID``,
``ANTARA_REDIS_TTL``, ``ANTARA_REDIS_WORKERS``, ``ANTARA_REDIS_JOIN_TIMEOUT``, ``ANTARA_REDIS_BUSY_TTL``,
``ANTARA_REDIS_POLL``, ``ANTARA_REDIS_SHARE_SEEDS``, ``ANTARA_REDIS_ROBOTS_WAIT``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.http import Request, Response
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


def distributed_settings(url: str, run: str) -> dict[str, Any]:
    """The settings :class:`RedisAddon` applies when ``REDIS_URL`` is set (also usable from a settings module)."""
    base = f"{KEY_PREFIX}:{run}:%(spider)s"
    return {
        "REDIS_URL": url,
        "ANTARA_RUN_ID": run,
        "SCHEDULER": "antara_crawler.distributed.RedisScheduler",
        "DUPEFILTER_CLASS": "antara_crawler.distributed.RedisDupeFilter",
        "SCHEDULER_PERSIST": True,  # never flush on close: other processes still use the queue and the filter
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",  # Request.priority is kept across processes
        "SCHEDULER_QUEUE_KEY": f"{base}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{base}:dupefilter",
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,  # never block the reactor; RedisCoordinator decides when to stop
    }


class RedisAddon:
    """A Scrapy add-on: ``ADDONS = {"antara_crawler.distributed.RedisAddon": 0}``. Inert without ``REDIS_URL``."""

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        if get_redis_from_settings is None:
            # not NotConfigured: Scrapy would only log it and crawl alone, repeating the other processes' work
            raise RuntimeError(MISSING_EXTRA)
        for name, value in distributed_settings(url, run_id(settings)).items():
            settings.set(name, value, priority="addon")
        # merged into whatever EXTENSIONS/DOWNLOADER_MIDDLEWARES hold (project, spider or command line)
        settings.set_in_component_priority_dict("EXTENSIONS", RedisCoordinator, 600)
        settings.set_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", RedisRobotsCache, 90)  # before robots (100)
        logger.info("Distributed crawl: shared Redis queue, run id %r", settings.get("ANTARA_RUN_ID"))


def _server(settings: BaseSettings) -> Redis:
    if get_redis_from_settings is None:
        raise NotConfigured(MISSING_EXTRA)
    return get_redis_from_settings(settings)


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


# --- coordination between processes ------------------------------------------------------------------------------


def _now_ms(server: Redis) -> int:
    """Redis's clock in milliseconds: one clock for every host of the run."""
    seconds, micros = server.time()
    return int(seconds) * 1000 + int(micros) // 1000


class RedisCoordinator:
    """Keeps the processes of one run together until the shared work is done, then cleans up.

    Each process joins the run (``workers`` and ``live`` sets) and, while it has work in hand (start requests not
    consumed, downloads or callbacks in progress, or requests queued), keeps a claim in the ``busy`` sorted set that
    it renews every ``ANTARA_REDIS_POLL`` seconds and that lapses after ``ANTARA_REDIS_BUSY_TTL`` (a killed process
    stops blocking the others). A process whose own work is done stays open (``DontCloseSpider``) while the queue is
    not empty, another process is busy, or fewer than ``ANTARA_REDIS_WORKERS`` processes joined (at most
    ``ANTARA_REDIS_JOIN_TIMEOUT`` seconds). The last process to close after a finished run deletes the run's keys.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not redis_url(settings) or "RedisScheduler" not in str(settings.get("SCHEDULER")):
            raise NotConfigured
        self.crawler = crawler
        self.server = _server(settings)
        self.poll = max(0.05, settings.getfloat("ANTARA_REDIS_POLL"))
        self.busy_ttl_ms = int(max(1.0, settings.getfloat("ANTARA_REDIS_BUSY_TTL")) * 1000)
        self.expected = max(1, settings.getint("ANTARA_REDIS_WORKERS"))
        self.join_timeout = settings.getfloat("ANTARA_REDIS_JOIN_TIMEOUT")
        self.ttl = _ttl(settings)
        self.run = run_id(settings)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.keys: RunKeys | None = None
        self.opened_at = 0.0
        self._loop: Any = None
        self._busy = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisCoordinator:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        self.keys = RunKeys.for_run(self.run, spider.name)
        self.opened_at = time.monotonic()
        pipe = self.server.pipeline()
        pipe.sadd(self.keys.workers, self.worker)
        pipe.sadd(self.keys.live, self.worker)
        if self.ttl:
            pipe.expire(self.keys.workers, self.ttl)
            pipe.expire(self.keys.live, self.ttl)
        pipe.execute()
        self.mark_busy()  # start() is about to run
        engine = self.crawler.engine
        scheduler = getattr(engine, "scheduler", None) or getattr(getattr(engine, "_slot", None), "scheduler", None)
        if isinstance(scheduler, RedisScheduler):
            scheduler.on_pop = self.mark_busy
        # An idle engine looks at the scheduler once per heartbeat (5 s by default); poll the shared queue faster.
        # (ExecutionEngine._SLOT_HEARTBEAT_INTERVAL is read when the engine starts, after spider_opened.)
        if engine is not None and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = min(engine._SLOT_HEARTBEAT_INTERVAL, self.poll)
        from twisted.internet import task

        self._loop = task.LoopingCall(self.beat)
        self._loop.start(self.poll, now=False)
        logger.info("Joined distributed run %r as %s (%s)", self.run, self.worker, self.keys.base)

    # -- busy claims ----------------------------------------------------------------------------------------------

    def mark_busy(self) -> None:
        if self.keys is None:
            return
        self.server.zadd(self.keys.busy, {self.worker: _now_ms(self.server) + self.busy_ttl_ms})
        self._busy = True

    def mark_idle(self) -> None:
        if self.keys is not None and self._busy:
            self.server.zrem(self.keys.busy, self.worker)
            self._busy = False

    def _locally_busy(self) -> bool:
        engine = self.crawler.engine
        if engine is None or getattr(engine, "_slot", None) is None:
            return False
        try:
            return not engine.spider_is_idle()
        except RuntimeError:
            return False

    def beat(self) -> None:
        try:
            if self._locally_busy():
                self.mark_busy()
            else:
                self.mark_idle()
        except Exception:  # a Redis hiccup must not stop the loop; the claim lapses on its own
            logger.warning("Could not renew the busy claim in Redis", exc_info=True)

    def others_busy(self) -> list[str]:
        assert self.keys is not None
        now = _now_ms(self.server)
        self.server.zremrangebyscore(self.keys.busy, "-inf", now)  # lapsed claims (killed processes)
        return [w.decode() if isinstance(w, bytes) else w for w in self.server.zrange(self.keys.busy, 0, -1)]

    # -- signals --------------------------------------------------------------------------------------------------

    def spider_idle(self, spider: Spider) -> None:
        assert self.keys is not None
        self.mark_idle()
        if self.server.zcard(self.keys.requests):
            raise DontCloseSpider
        busy = [w for w in self.others_busy() if w != self.worker]
        if busy:
            raise DontCloseSpider
        joined = self.server.scard(self.keys.workers)
        if joined < self.expected and time.monotonic() - self.opened_at < self.join_timeout:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        if self.keys is None:
            return
        keys = self.keys
        pipe = self.server.pipeline()
        pipe.zrem(keys.busy, self.worker)
        pipe.srem(keys.live, self.worker)
        pipe.scard(keys.live)
        pipe.zcard(keys.requests)
        *_, live, queued = pipe.execute()
        if reason == "finished" and live == 0 and queued == 0:
            self.server.delete(*keys.all())
            logger.info("Last process of run %r: deleted its Redis keys", self.run)
        else:
            logger.info("Left run %r (%d process(es) still open, %d request(s) queued)", self.run, live, queued)


# --- robots.txt once per run -------------------------------------------------------------------------------------


class RedisRobotsCache:
    """Shares each portal's robots.txt between the processes of a run (Redis hash ``robots``).

    The first process to ask fetches it (holding a short lock); the others wait up to ``ANTARA_REDIS_ROBOTS_WAIT``
    seconds for its answer and use it, or fetch it themselves. 5xx answers and failures are not shared.
    """

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not redis_url(settings) or "RedisScheduler" not in str(settings.get("SCHEDULER")):
            raise NotConfigured
        self.crawler = crawler
        self.server = _server(settings)
        self.wait = settings.getfloat("ANTARA_REDIS_ROBOTS_WAIT")
        self.ttl = _ttl(settings)
        self.run = run_id(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisRobotsCache:
        return cls(crawler)

    def _keys(self) -> RunKeys:
        spider = self.crawler.spider
        return RunKeys.for_run(self.run, spider.name if spider else "spider")

    @staticmethod
    def _is_robots(request: Request) -> bool:
        return bool(request.meta.get("dont_obey_robotstxt")) and urlsplit(request.url).path == "/robots.txt"

    def _cached(self, request: Request) -> Response | None:
        data = self.server.hget(self._keys().robots, request.url)
        if not data:
            return None
        status, _, body = bytes(data).partition(b"\n")
        self.crawler.stats.inc_value("antara/redis/robots_shared")
        return Response(url=request.url, status=int(status), body=body, request=request, flags=[SHARED_FLAG])

    async def process_request(self, request: Request) -> Response | None:
        if not self._is_robots(request):
            return None
        cached = self._cached(request)
        if cached is not None:
            return cached
        if self.server.set(self._keys().robots_lock(request.url), self.crawler_id(), nx=True, ex=60):
            return None  # ours to fetch
        deadline = time.monotonic() + self.wait
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            cached = self._cached(request)
            if cached is not None:
                return cached
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if self._is_robots(request) and response.status < 500 and SHARED_FLAG not in response.flags:
            keys = self._keys()
            pipe = self.server.pipeline()
            pipe.hsetnx(keys.robots, request.url, b"%d\n" % response.status + response.body)
            if self.ttl:
                pipe.expire(keys.robots, self.ttl)
            pipe.delete(keys.robots_lock(request.url))
            pipe.execute()
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        if self._is_robots(request):
            self.server.delete(self._keys().robots_lock(request.url))

    def crawler_id(self) -> str:
        return f"{socket.gethostname()}:{os.getpid()}"


__all__ = [
    "RedisAddon",
    "RedisCoordinator",
    "RedisDupeFilter",
    "RedisRobotsCache",
    "RedisScheduler",
    "RunKeys",
    "distributed_settings",
    "redis_url",
    "run_id",
]
