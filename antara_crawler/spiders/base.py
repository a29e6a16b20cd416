"""Plumbing shared by the spiders: article requests, the article callback, errors turned into records.

Spiders decide what to fetch; extraction lives in ``antara_crawler.extract`` and storage in the pipelines.
No exception escapes a callback: a page that is not an article is counted (``antara/dropped/<reason>``) and
recorded as a ``LinkStatus`` so a link to it can say what it led to.

**The archive from a spider.** A callback that needs the archive is an ``async def`` decorated with
:func:`survives_archive_outage` and reads through :meth:`AntaraSpider.archive_read`::

    @survives_archive_outage
    async def parse_listing_page(self, response):
        known = await self.archive_read(lambda archive: archive.known_keys(keys))

The read runs in a thread and transient errors are retried with backoff (``ANTARA_ARCHIVE_RETRY_SECONDS``), so the
request waits in its callback, neither lost nor fetched twice. Past the budget the spider is closed
(``archive_unavailable``) and the decorator ends the callback quietly, counting the page in
``antara/archive/lost/pages`` (what it would have scheduled is found again by the next run).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import scrapy
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.items import Article, LinkStatus
from antara_crawler.store import Archive, ArchiveUnavailable, archive_retry, describe, get_archive
from antara_crawler.urls import ArticleRef, parse_article_url

T = TypeVar("T")

#: Statuses handed to the article callback instead of being dropped by HttpErrorMiddleware.
ARTICLE_STATUSES = [404, 410]
#: How many pages that fell short are remembered per run, for the summary and savefixture hints.
SHORT_PAGES_KEPT = 50


def survives_archive_outage(
    callback: Callable[..., AsyncIterator[Any]],
) -> Callable[..., AsyncIterator[Any]]:
    """For async-generator callbacks that read the archive: an archive that stayed unavailable ends the callback
    (counted in ``antara/archive/lost/pages``, logged once) instead of reaching Scrapy as a spider error."""

    @functools.wraps(callback)
    async def wrapper(self: AntaraSpider, response: Response, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        try:
            async for out in callback(self, response, *args, **kwargs):
                yield out
        except ArchiveUnavailable as exc:
            self.crawler.stats.inc_value("antara/archive/lost/pages")
            self._log_once("archive_unavailable", "Not following %s: %s (the next run does)", response.url, exc.reason)

    return wrapper


class AntaraSpider(scrapy.Spider):
    allowed_domains = ["antaranews.com"]

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.run_arguments: dict[str, str] = {k: str(v) for k, v in kwargs.items() if k not in ("name", "_job")}
        self.short_pages: list[tuple[str, str]] = []  # (url, reason) of pages that gave no complete article
        self._logged_reasons: set[str] = set()

    # -- the archive ------------------------------------------------------------------------------------------------

    async def archive_read(self, read: Callable[[Archive], T]) -> T:
        """``read(archive)`` in a thread, transient errors retried within ``ANTARA_ARCHIVE_RETRY_SECONDS`` (one outage
        clock for the whole crawl). Raises :class:`ArchiveUnavailable` past it, or at once on an error no retry can
        fix (the spider is then closed with ``archive_unavailable``); callers are ``@survives_archive_outage``
        callbacks, or catch it."""
        retry = archive_retry(self.crawler)
        crawler = self.crawler
        try:
            return await retry.call(lambda: read(get_archive(crawler)))
        except ArchiveUnavailable:
            raise
        except Exception as exc:  # not transient (a missing table, a bug): deciding blind would lose articles
            raise retry.give_up(f"archive read failed: {describe(exc)}") from exc

    # -- requests ---------------------------------------------------------------------------------------------------

    def article_request(self, url: str, *, depth: int = 0, priority: int = 0, **meta: Any) -> Request | None:
        """A request for the article behind ``url`` (canonicalised), or None when ``url`` is not an article."""
        ref = parse_article_url(url)
        if ref is None:
            return None
        return Request(
            ref.url,
            callback=self.parse_article,
            errback=self.article_error,
            priority=priority,
            meta={"antara_ref": ref, "antara_depth": depth, "handle_httpstatus_list": ARTICLE_STATUSES, **meta},
        )

    def follow_from_article(self, article: Article, response: Response, depth: int) -> Iterable[Request]:
        """Further requests after an article was parsed (related links, for instance). Default: none."""
        return ()

    # -- callbacks --------------------------------------------------------------------------------------------------

    def parse_article(self, response: Response):
        ref: ArticleRef = response.meta.get("antara_ref") or parse_article_url(response.url)
        depth = response.meta.get("antara_depth", 0)
        stats = self.crawler.stats
        if response.status in ARTICLE_STATUSES:
            stats.inc_value(f"antara/http/{response.status}")
            if ref is not None:
                yield LinkStatus(ref.url, ref.portal, ref.antara_id, response.status, f"http_{response.status}")
            return
        final = parse_article_url(response.url)
        if ref is None or final is None or final.key != ref.key:
            # redirected to a home page, a section, or another article: nothing we asked for
            yield from self._not_article(ref, response, "redirected_away")
            return
        try:
            article = parse_article(
                response.body,
                response.url,
                fetched_at=datetime.now(UTC),
                encoding=getattr(response, "encoding", None),
            )
        except NotArticle as exc:
            yield from self._not_article(ref, response, exc.reason)
            return
        except Exception:  # the parser promises NotArticle only; this is the last guard of "keep going"
            self.logger.exception("Parser failure on %s", response.url)
            yield from self._not_article(ref, response, "parse_error")
            return
        if self.settings.getbool("ANTARA_STORE_HTML", True):
            article.raw_html = response.body
        self._count_sources(article)
        yield article
        yield from self.follow_from_article(article, response, depth)

    def article_error(self, failure):
        """Errback: network failures and HTTP errors after retries become counted LinkStatus records."""
        request = failure.request
        ref: ArticleRef | None = request.meta.get("antara_ref")
        if failure.check(HttpError):
            status = failure.value.response.status
            reason = f"http_{status}"
        elif failure.check(DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError):  # Scrapy 2.19 raises the 1st
            status, reason = 0, "timeout"
        elif failure.check(CannotResolveHostError, DNSLookupError):
            status, reason = 0, "dns"
        elif failure.check(scrapy.exceptions.IgnoreRequest):
            status, reason = 0, "ignored"
        else:
            status, reason = 0, "network"
        self.crawler.stats.inc_value(f"antara/errors/{reason}")
        self._log_once(reason, "Gave up on %s (%s): %s", request.url, reason, failure.getErrorMessage())
        if ref is not None and reason != "ignored":
            yield LinkStatus(ref.url, ref.portal, ref.antara_id, status, reason)

    # -- helpers ----------------------------------------------------------------------------------------------------

    def _not_article(self, ref: ArticleRef | None, response: Response, reason: str):
        self.crawler.stats.inc_value(f"antara/dropped/{reason}")
        self._log_once(
            reason,
            "No article at %s (%s); to keep it as a fixture: scrapy savefixture %s",
            response.url,
            reason,
            response.url,
        )
        if len(self.short_pages) < SHORT_PAGES_KEPT:
            self.short_pages.append((response.url, reason))
        if ref is not None:
            yield LinkStatus(ref.url, ref.portal, ref.antara_id, response.status, reason)

    def _count_sources(self, article: Article) -> None:
        stats = self.crawler.stats
        stats.inc_value(f"antara/template/{article.template}")
        for field_name, layer in article.field_sources.items():
            stats.inc_value(f"antara/field_source/{field_name}/{layer}")

    def _log_once(self, key: str, msg: str, *args: Any) -> None:
        """Log the first occurrence of each kind of problem at INFO; the rest at DEBUG (the stats count them all)."""
        if key in self._logged_reasons:
            self.logger.debug(msg, *args)
        else:
            self._logged_reasons.add(key)
            self.logger.info(msg, *args)
