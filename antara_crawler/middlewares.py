"""Downloader middlewares that fix what Scrapy 2.19 gets wrong for a polite crawler.

``SharedRobotsTxtMiddleware`` replaces Scrapy's ``RobotsTxtMiddleware``. In Scrapy 2.13+ every request that arrives
while a portal's robots.txt is still downloading awaits the same Deferred through ``Deferred.asFuture``, whose
callback returns None: only the first waiter gets the parser, the others go through **unchecked** (found by
tests/e2e/test_reliability_safety_crawls.py: 3 of 13 disallowed pages were fetched). Each waiter gets its own Deferred here.

``RetryAfterMiddleware`` honours ``Retry-After`` on 429 and 503, which Scrapy's RetryMiddleware ignores (it retries
at once): the portal's download slot waits that long (capped by ``ANTARA_RETRY_AFTER_MAX``, default 120 s) before
the retry and the portal's next requests. Stat ``antara/retry_after``. AutoThrottle, when on, brings the delay back
down afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            mine: Deferred = Deferred()

            def share(result):
                mine.callback(result)
                return result  # pass the parser on to the next waiter (asFuture's callback would return None)

            parser.addCallback(share)
            return await maybe_deferred_to_future(mine)
        return await super().robot_parser(request)


def retry_after_seconds(value: bytes | str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware:
    """Priority 560: its ``process_response`` runs before RetryMiddleware's (550) re-queues the request."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("ANTARA_RETRY_AFTER_MAX")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if response.status in (429, 503):
            seconds = retry_after_seconds(response.headers.get(b"Retry-After"))
            slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot"))
            if seconds and slot is not None:
                slot.delay = max(slot.delay, min(seconds, self.cap))
                self.crawler.stats.inc_value("antara/retry_after")
        return response
