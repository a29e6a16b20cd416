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

Layout: this module holds the add-on and the robots.txt cache and re-exports the rest: the run's keys, the duplicate
filter and the scheduler live in :mod:`antara_crawler.redis_queue`, the coordinator in :mod:`antara_crawler.coordination`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings

from antara_crawler.coordination import RedisCoordinator
from antara_crawler.redis_queue import (
    KEY_PREFIX,
    MISSING_EXTRA,
    SHARED_FLAG,
    RedisDupeFilter,
    RedisScheduler,
    RunKeys,
    _now_ms,
    _server,
    _ttl,
    get_redis_from_settings,
    redis_url,
    run_id,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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
    "_now_ms",
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
