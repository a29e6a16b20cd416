"""Coordination between the processes of one distributed run (see :mod:`antara_crawler.distributed`)."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured

from antara_crawler.redis_queue import RedisScheduler, RunKeys, _now_ms, _server, _ttl, redis_url, run_id

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


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


__all__ = ["RedisCoordinator"]
