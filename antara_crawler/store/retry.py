"""Archive outages: which database errors are transient, and retrying them with backoff within one time budget.

A crawl uses the archive all the time (the spider's incremental reads, the store pipeline's batch writes, the run
record). When the database goes away for a while (a restart, a failover, a full disk, another process holding the
SQLite write lock) every such use goes through one :class:`ArchiveRetry` per crawl:

* :func:`is_transient` is the one rule for "a retry may work": connection refused, reset or lost, the server shutting
  down (PostgreSQL SQLSTATE class 08, 57P01/57P02/57P03), ``database is locked``/busy, disk I/O errors and a full
  disk (``SQLITE_FULL``, PostgreSQL class 53), serialization failures and deadlocks.
* :meth:`ArchiveRetry.call` runs a blocking archive call in a thread and retries transient errors with exponential
  backoff (non-blocking sleeps), so the crawl goes on while one callback waits. The budget
  (``ANTARA_ARCHIVE_RETRY_SECONDS``) is measured on **one outage clock** shared by every caller: it starts at the
  first failure and stops at the first success, so concurrent waiters give up together.
* Past the budget the archive is declared **unavailable**: the waiting calls raise :class:`ArchiveUnavailable`, the
  ``on_unavailable`` hook runs once (the crawl closes the spider with ``archive_unavailable``), and later calls get
  one attempt each (what can still be flushed is flushed) and no more waiting.

Figures: ``retries`` (failed attempts that were retried), ``outage_seconds`` (wall time the archive was down, summed
over outages), ``unavailable`` (the one-line reason, or None).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: first pause after a failure, doubled on every further failure up to BACKOFF_MAX (seconds)
BACKOFF_START = 0.1
BACKOFF_MAX = 5.0

#: PostgreSQL SQLSTATEs that mean "try again later": admin/crash shutdown, cannot connect now, serialization, deadlock
_TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "40001", "40P01"})
#: SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk full, out of memory, too many clients)
_TRANSIENT_SQLSTATE_CLASSES = ("08", "53")
#: words of driver messages that mean the same, for SQLite and for drivers that give no SQLSTATE
_TRANSIENT_WORDS = (
    "database is locked",
    "database table is locked",
    "busy",
    "disk i/o error",
    "database or disk is full",
    "disk is full",
    "no space left",
    "unable to open database file",
    "connection",  # refused, reset, lost, closed unexpectedly
    "server closed",
    "terminating",
    "shutting down",
    "starting up",
    "could not receive data",
    "could not send data",
    "deadlock",
    "serializ",
)


class ArchiveUnavailable(Exception):
    """The archive stayed unavailable longer than the retry budget (or failed with an error no retry can fix)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_transient(exc: BaseException) -> bool:
    """True when a retry of the failed archive operation may succeed (the batch or read must then be kept)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "diag", None), "sqlstate", None)
    if isinstance(sqlstate, str) and (
        sqlstate in _TRANSIENT_SQLSTATES or sqlstate.startswith(_TRANSIENT_SQLSTATE_CLASSES)
    ):
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    # SQLITE_BUSY 5, SQLITE_LOCKED 6, SQLITE_IOERR 10, SQLITE_FULL 13, SQLITE_CANTOPEN 14 (and their extended codes)
    if isinstance(orig, sqlite3.Error) and isinstance(code, int) and code & 0xFF in (5, 6, 10, 13, 14):
        return True
    msg = str(orig).lower()
    return any(word in msg for word in _TRANSIENT_WORDS)


def describe(exc: BaseException) -> str:
    """One line naming the driver error (no SQL, no parameters, no traceback)."""
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split()) or type(orig).__name__
    return f"{type(orig).__name__}: {text[:200]}"


class ArchiveRetry:
    """Retries transient archive errors within ``budget`` seconds of one shared outage clock (see module doc)."""

    def __init__(
        self,
        budget: float,
        *,
        on_retry: Callable[[BaseException], None] | None = None,
        on_unavailable: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.budget = max(0.0, float(budget))
        self.on_retry = on_retry
        self.on_unavailable = on_unavailable
        self.clock = clock
        self.retries = 0
        self.outage_seconds = 0.0
        self.unavailable: str | None = None
        self._down_since: float | None = None
        self._last_error = ""

    # --- the outage clock -------------------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> float:
        """Note a transient failure; returns how long the archive has been down."""
        now = self.clock()
        if self._down_since is None:
            self._down_since = now
            logger.warning("archive unavailable (%s); retrying for up to %g s", describe(exc), self.budget)
        self._last_error = describe(exc)
        return now - self._down_since

    def _succeeded(self) -> None:
        if self._down_since is not None:
            down = self.clock() - self._down_since
            self.outage_seconds += down
            self._down_since = None
            logger.warning("archive available again after %.1f s", down)

    @property
    def waited_seconds(self) -> float:
        """Seconds the archive has been down during this crawl (the outage in progress included)."""
        ongoing = self.clock() - self._down_since if self._down_since is not None else 0.0
        return self.outage_seconds + ongoing

    def give_up(self, reason: str) -> ArchiveUnavailable:
        """Declare the archive unavailable (once: the hook runs the first time) and return the exception to raise."""
        if self.unavailable is None:
            self.unavailable = reason
            if self._down_since is not None:
                self.outage_seconds += self.clock() - self._down_since
                self._down_since = None
            logger.error("%s", reason)
            if self.on_unavailable is not None:
                self.on_unavailable(reason)
        return ArchiveUnavailable(self.unavailable)

    def _verdict(self, exc: BaseException) -> float | None:
        """After a failure: the pause before the next attempt, or None to give up (raises for non-transient)."""
        if not isinstance(exc, SQLAlchemyError | OSError) or not is_transient(exc):
            raise exc
        down = self._failed(exc)
        if self.unavailable is not None or down >= self.budget:
            return None
        self.retries += 1
        if self.on_retry is not None:
            self.on_retry(exc)
        return down

    def _reason(self) -> str:
        return f"archive unavailable for {self.budget:g} s: {self._last_error}"

    def _pause(self, attempt: int, down: float) -> float:
        return max(0.0, min(BACKOFF_START * 2**attempt, BACKOFF_MAX, self.budget - down))

    # --- calls ------------------------------------------------------------------------------------------------

    def call_blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args)`` with retries, sleeping in this thread (for commands and threads, never the reactor's)."""
        attempt = 0
        while True:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                down = self._verdict(exc)
                if down is None:
                    raise self.give_up(self._reason()) from exc
                time.sleep(self._pause(attempt, down))
                attempt += 1
                continue
            self._succeeded()
            return result

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args)`` in a reactor thread, retried with non-blocking pauses; raises :class:`ArchiveUnavailable`
        past the budget and re-raises errors that are not transient. Await it from Scrapy callbacks and pipelines."""
        if not reactor_running():  # outside a crawl (a unit test, a script): plain blocking retries
            return self.call_blocking(fn, *args, **kwargs)
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor, threads
        from twisted.internet.task import deferLater

        attempt = 0
        while True:
            try:
                result = await maybe_deferred_to_future(threads.deferToThread(fn, *args, **kwargs))
            except Exception as exc:
                down = self._verdict(exc)
                if down is None:
                    raise self.give_up(self._reason()) from exc
                await maybe_deferred_to_future(deferLater(reactor, self._pause(attempt, down), lambda: None))
                attempt += 1
                continue
            self._succeeded()
            return result


def reactor_running() -> bool:
    """True inside a running crawl (never imports, and so never installs, a reactor)."""
    reactor = sys.modules.get("twisted.internet.reactor")
    return bool(getattr(reactor, "running", False))


__all__ = ["ArchiveRetry", "ArchiveUnavailable", "describe", "is_transient", "reactor_running"]
