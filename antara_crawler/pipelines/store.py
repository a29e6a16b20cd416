"""The store pipeline: buffer Article and LinkStatus items and write them to the archive in batches.

Settings: ``ANTARA_DB_URL``, ``ANTARA_BATCH_SIZE`` (items per transaction), ``ANTARA_STORE_HTML``, and
``ANTARA_STORE_BACKGROUND`` (default off). Off: a full batch is converted and written inline by ``process_item``
(``make bench`` measures this at a few tens of ms per batch of 100, well under 1 ms per article, so the crawl is
held about 1% of the time at crawl speeds). On: one writer thread converts and writes batches while the crawl goes
on; at most one batch is in flight, and when the next one is full first, the crawl waits for it (backpressure, and
a bound on what a kill can lose). The thread shares the GIL with the crawl, so it pays off only when writes are slow
(a remote database), not for a local SQLite file.

**Outages.** A batch that fails with a transient error (see ``antara_crawler/store/retry.py``) is kept, and the
pipeline switches to recovery: one task rewrites the kept batches in a thread with backoff, and every item that
arrives meanwhile waits for it (``process_item`` then returns a coroutine), so the crawl pauses instead of piling up
items in memory and nothing is fetched twice. Recovery gives up after ``ANTARA_ARCHIVE_RETRY_SECONDS`` of outage
(one clock shared with the spider's reads): the spider is closed with ``archive_unavailable``, the close flushes
what it can with one more attempt, and what is still unwritten is counted (``antara/store/dropped/write_failed``)
and listed in the log; those articles are not archived, so the next run fetches them. The run record
(``start_run``/``finish_run``) is retried the same way.

Each run is recorded in ``crawl_runs``. Everything is flushed when the spider closes (Ctrl-C included); a killed
process loses at most its uncommitted batch (two with the writer thread), which the next run fetches again because they are not archived.

Stats: ``antara/store/new``, ``/updated``, ``/unchanged``, ``/link_statuses`` (LinkStatus records stored),
``/link_status`` (related links marked with their target's status), ``/ledger_ids`` (ids whose outcome
went to the id ledger), ``/dropped/<reason>``, ``/batches``,
``/seconds`` (time spent writing), ``/wait_seconds`` (time the crawl's thread spent on inline writes),
``/write_failures`` (batches that failed and were kept); ``antara/archive/retries`` and ``/wait_seconds`` (the
outage) come from the shared :class:`~antara_crawler.store.retry.ArchiveRetry`; ``antara/run_id``
is this run's ``crawl_runs`` id. After each committed batch the signal :data:`antara_crawler.signals.articles_stored`
carries the new and updated Articles (keyword arguments ``new``, ``updated``; also ``result``, the batch's
WriteResult). Signals and stats are handled on the crawl's thread.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred

from antara_crawler.items import Article, LinkStatus
from antara_crawler.signals import articles_stored
from antara_crawler.store import (
    Archive,
    ArchiveUnavailable,
    WriteResult,
    archive_retry,
    close_archive,
    describe,
    get_archive,
)
from antara_crawler.store.retry import reactor_running

logger = logging.getLogger(__name__)

#: URLs of unwritten items listed in the log when a run ends with the archive unavailable
UNWRITTEN_LISTED = 20


class StorePipeline:
    """Writes Article and LinkStatus items to the archive; passes every item on unchanged."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = max(1, crawler.settings.getint("ANTARA_BATCH_SIZE"))
        self.background = crawler.settings.getbool("ANTARA_STORE_BACKGROUND")
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.buffer: list[Article | LinkStatus] = []
        self.totals = WriteResult()
        self.batches = 0
        self.seconds = 0.0
        self.wait_seconds = 0.0
        self.write_failures = 0
        self.retry = archive_retry(crawler)
        #: recovery in progress: the items arriving meanwhile wait on these Deferreds
        self._recovering = False
        self._waiters: list[Deferred[None]] = []
        self._executor: ThreadPoolExecutor | None = None
        self._pending: tuple[list[Article | LinkStatus], Future[tuple[WriteResult, float]]] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    # --- Scrapy hooks (2.13+ signatures: the spider comes from the crawler) ---------------------------------------

    def open_spider(self) -> None:
        spider = self.crawler.spider
        name = getattr(spider, "name", None) or "unknown"
        arguments = getattr(spider, "run_arguments", None) or {}
        # before the first request (the crawl command checked the archive just before): waiting here holds nothing
        self.run_id = self.retry.call_blocking(lambda: self._archive().start_run(name, arguments))
        self._archive().load_writer()  # the first batch's one-off imports, now rather than in the middle of the crawl
        self.stats.set_value("antara/run_id", self.run_id)  # the antara spider finds the previous run by id
        if self.background:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="antara-store")
        logger.info(
            "archive open (run %s, batches of %d, %s writer)",
            self.run_id,
            self.batch_size,
            "background" if self.background else "inline",
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article | LinkStatus):
            if self._recovering:
                return self._wait_for_recovery(item)
            self._collect(block=False)
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def close_spider(self) -> Any:
        if self._recovering:  # closing during an outage (Ctrl-C): let the recovery end (within the budget) first
            return self._close_after_recovery()
        self.flush(final=True)
        return None

    async def _close_after_recovery(self) -> None:
        waiter: Deferred[None] = Deferred()
        self._waiters.append(waiter)
        await maybe_deferred_to_future(waiter)
        self.flush(final=True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """After every pipeline closed: record the run's counts and close reason, then close the archive.

        Nothing is in flight any more, so waiting for the archive here (up to the retry budget) holds no request."""
        self.flush(final=True)
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self.run_id is not None:
            run_id, counts = self.run_id, self.counts()
            try:
                self.retry.call_blocking(lambda: self._archive().finish_run(run_id, counts, reason))
            except Exception as exc:  # the archive is unavailable or refused: the next run sees an unfinished run
                self.stats.set_value("antara/archive/run_record_lost", 1)
                logger.error("could not record the end of run %s (%s); the next run catches up", run_id, exc)
        close_archive(self.crawler)

    # --- writing ----------------------------------------------------------------------------------------------

    def flush(self, *, final: bool = False) -> None:
        """Hand the current batch to the writer (after the previous one is committed); ``final``: write it now."""
        self._collect(block=True)
        if not self.buffer or (self.retry.unavailable is not None and not final):
            return  # archive given up: keep the items for the close's last attempt, without holding the crawl
        batch, self.buffer = self.buffer, []
        archive = self._archive()
        if self._executor is not None and not final:
            self._pending = (batch, self._executor.submit(_timed_write, archive, batch))
            return
        started = time.perf_counter()
        try:
            if final:  # nothing is in flight at close: wait for the archive here, within the retry budget
                result, seconds = self.retry.call_blocking(_timed_write, archive, batch)
            else:
                result, seconds = _timed_write(archive, batch)
        except Exception as exc:  # any failure: kept for a retry (or counted as lost), never half-written
            self._failed(batch, final=final, exc=exc)
            return
        finally:
            self._waited(time.perf_counter() - started)
        self._apply(result, seconds)

    def _waited(self, seconds: float) -> None:
        """Count time the crawl's thread spent on the archive (an inline write, or waiting for the writer)."""
        self.wait_seconds += seconds
        self.stats.set_value("antara/store/wait_seconds", round(self.wait_seconds, 3))

    def _collect(self, *, block: bool) -> None:
        """Take the result of the batch in flight, if it is done (or wait for it when ``block``)."""
        if self._pending is None:
            return
        batch, future = self._pending
        if not future.done():
            if not block:
                return
            started = time.perf_counter()
            future.exception()  # waits
            self._waited(time.perf_counter() - started)
        self._pending = None
        try:
            result, seconds = future.result()
        except Exception as exc:  # any failure: kept for a retry (or counted as lost), never half-written
            self._failed(batch, final=False, exc=exc)
            return
        self._apply(result, seconds)

    def _failed(self, batch: list[Article | LinkStatus], *, final: bool, exc: BaseException | None = None) -> None:
        """A batch could not be written (locked, disk full, server gone): keep it and recover in the background, or,
        at close, count it as not written (the next run fetches those articles again)."""
        self.write_failures += 1
        self.stats.inc_value("antara/store/write_failures")
        n = len(batch)
        if final:
            self._lost(batch, exc)
            return
        logger.warning("could not write %d items to the archive (%s); keeping them for a retry", n, describe(exc))
        self.buffer = batch + self.buffer
        self._start_recovery()

    def _lost(self, items: list[Article | LinkStatus], exc: BaseException | None) -> None:
        n = len(items)
        self.stats.inc_value("antara/store/dropped/write_failed", n)
        self.totals.drop("write_failed", n)
        urls = [getattr(item, "url", "?") for item in items[:UNWRITTEN_LISTED]]
        more = f" and {n - len(urls)} more" if n > len(urls) else ""
        logger.error(
            "%d items were not written to the archive (%s); the next run fetches them again: %s%s",
            n, describe(exc), " ".join(urls), more,
        )  # fmt: skip

    # --- recovery after a failed write --------------------------------------------------------------------------

    def _start_recovery(self) -> None:
        if self._recovering or self.retry.unavailable is not None or not reactor_running():
            return  # (without a running reactor, as in unit tests, the kept items wait for the next flush)
        self._recovering = True
        deferred_from_coro(self._recover())

    async def _recover(self) -> None:
        """Write the kept items batch by batch, retrying in a thread (see module doc); then release the waiters."""
        archive = self._archive()
        try:
            while self.buffer:
                batch = self.buffer[: self.batch_size]
                try:  # in a thread: the crawl's thread is not held (the outage is in antara/archive/wait_seconds)
                    result, seconds = await self.retry.call(_timed_write, archive, batch)
                except ArchiveUnavailable:
                    return  # the spider is closing; the kept items are flushed (or counted) at close
                except Exception as exc:  # not transient: a retry cannot help
                    del self.buffer[: len(batch)]
                    self._lost(batch, exc)
                    continue
                del self.buffer[: len(batch)]
                self._apply(result, seconds)
                if len(self.buffer) < self.batch_size:
                    break  # the rest waits for a full batch, as usual
        finally:
            self._recovering = False
            waiters, self._waiters = self._waiters, []
            for waiter in waiters:
                waiter.callback(None)

    async def _wait_for_recovery(self, item: Article | LinkStatus) -> Any:
        """``process_item`` while the archive recovers: keep the item, and hold its response until recovery ends."""
        self.buffer.append(item)
        waiter: Deferred[None] = Deferred()
        self._waiters.append(waiter)
        await maybe_deferred_to_future(waiter)
        if len(self.buffer) >= self.batch_size and self.retry.unavailable is None and not self._recovering:
            self.flush()
        return item

    def _apply(self, result: WriteResult, seconds: float) -> None:
        """Count a committed batch (on the crawl's thread) and announce what it added or changed."""
        self.batches += 1
        self.seconds += seconds
        self.totals.merge(_counts_only(result))
        self.stats.set_value("antara/store/seconds", round(self.seconds, 3))
        self.stats.inc_value("antara/store/batches")
        for name in ("new", "updated", "unchanged"):
            if value := getattr(result, name):
                self.stats.inc_value(f"antara/store/{name}", value)
        if result.statuses_recorded:
            self.stats.inc_value("antara/store/link_statuses", result.statuses_recorded)
        if result.link_statuses:
            self.stats.inc_value("antara/store/link_status", result.link_statuses)
        if result.ledger_ids:
            self.stats.inc_value("antara/store/ledger_ids", result.ledger_ids)
        for reason, n in result.dropped.items():
            self.stats.inc_value(f"antara/store/dropped/{reason}", n)
        if result.new_articles or result.updated_articles:
            self.crawler.signals.send_catch_log(
                signal=articles_stored,
                new=result.new_articles,
                updated=result.updated_articles,
                result=result,
                crawler=self.crawler,
            )

    def _archive(self) -> Archive:
        if self.archive is None or self.archive.closed:
            self.archive = get_archive(self.crawler)
        return self.archive

    def counts(self) -> dict[str, Any]:
        t = self.totals
        return {
            "new": t.new,
            "updated": t.updated,
            "unchanged": t.unchanged,
            "link_statuses": t.statuses_recorded,
            "dead_links_marked": t.link_statuses,
            "dropped": dict(t.dropped),
            "batches": self.batches,
            "store_seconds": round(self.seconds, 3),
            "store_wait_seconds": round(self.wait_seconds, 3),
            "item_scraped_count": self.stats.get_value("item_scraped_count", 0),
            "run_failed": self.stats.get_value("antara/run_failed"),
        }


def _timed_write(archive: Archive, batch: list[Article | LinkStatus]) -> tuple[WriteResult, float]:
    started = time.perf_counter()
    result = archive.write_batch(batch)
    return result, time.perf_counter() - started


def _counts_only(result: WriteResult) -> WriteResult:
    """A copy of ``result`` without its article lists (the run totals must not keep every item in memory)."""
    return WriteResult(
        new=result.new,
        updated=result.updated,
        unchanged=result.unchanged,
        link_statuses=result.link_statuses,
        statuses_recorded=result.statuses_recorded,
        ledger_ids=result.ledger_ids,
        dropped=dict(result.dropped),
    )
