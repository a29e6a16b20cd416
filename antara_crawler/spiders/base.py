"""Plumbing shared by the spiders: article requests, the article callback, errors turned into records.

Spiders decide what to fetch; extraction lives in ``antara_crawler.extract`` and storage in the pipelines.
No exception escapes a callback: a page that is not an article is counted (``antara/dropped/<reason>``) and
recorded as a ``LinkStatus`` so a link to it can say what it led to.

Multi-page articles (``extract/paging.py``): when page 1 links to other pages of itself, the record is built from
all of them. The ``?page=all`` view is requested first when page 1 links to it (and kept if it is the whole
article); otherwise, or when it is not, pages 2..N are fetched one after another, each page's own pager read too.
The pages fetched so far travel in ``Request.meta`` as ``(url, bytes)`` pairs (picklable: JOBDIR, scrapy-redis).
A page that still fails after Scrapy's retries leaves the whole article out (a short body would be a silent loss):
counted as ``antara/dropped/incomplete_pages``, logged once, not archived, so the next run tries again.

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
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import scrapy
from scrapy.exceptions import CannotResolveHostError, DownloadTimeoutError
from scrapy.http import Request, Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from antara_crawler.extract import NotArticle
from antara_crawler.extract.paging import build_article, find_paging
from antara_crawler.items import Article, LinkStatus
from antara_crawler.store import Archive, ArchiveUnavailable, archive_retry, describe, get_archive
from antara_crawler.urls import ArticleRef, article_page, page_url, parse_article_url

T = TypeVar("T")

#: Statuses handed to the article callback instead of being dropped by HttpErrorMiddleware.
ARTICLE_STATUSES = [404, 410]
#: How many pages that fell short are remembered per run, for the summary and savefixture hints.
SHORT_PAGES_KEPT = 50
#: ``(field, layer)`` -> its stats key ``antara/field_source/<field>/<layer>`` (a few dozen pairs exist)
_SOURCE_KEYS: dict[tuple[str, str], str] = {}


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
        """Page 1 of an article: the record, or the request for its next page when it has several."""
        ref: ArticleRef = response.meta.get("antara_ref") or parse_article_url(response.url)
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
        pages = [(response.url, response.body)]
        paging = find_paging(response.body, response.url)
        if not paging.is_multipage:
            yield from self._emit(ref, response, pages)
            return
        stats.inc_value("antara/multipage/articles")
        if paging.too_long and not paging.has_all:
            yield from self._not_article(ref, response, "too_many_pages")
            return
        if paging.has_all:  # the whole article in one request, when the view is what it says
            numbers = [] if paging.too_long else list(paging.numbers)  # a pager past MAX_PAGES: the view or nothing
            yield self._page_request(ref, response.meta, response.request, pages, "all", numbers, [])
        else:
            yield self._page_request(ref, response.meta, response.request, pages, paging.numbers[0], [], [1])

    def parse_article_page(self, response: Response):
        """A further page (``?page=N`` or ``?page=all``) of a multi-page article: the next request, or the record."""
        meta = response.meta
        ref: ArticleRef = meta["antara_ref"]
        pages: list[tuple[str, bytes]] = meta["antara_pages"]
        page = meta["antara_page"]
        final = parse_article_url(response.url)
        got_page = response.status == 200 and final is not None and final.key == ref.key
        got_page = got_page and article_page(response.url) == page
        if page == "all":
            if got_page:
                try:
                    article = self._build([*pages, (response.url, response.body)], response)
                except NotArticle as exc:
                    if exc.reason not in ("page_all_rejected", "incomplete_pages"):
                        yield from self._not_article(ref, response, exc.reason)
                        return
                else:
                    yield from self._emit_article(article, response)
                    return
            self.crawler.stats.inc_value("antara/multipage/page_all_rejected")
            yield from self._after_all(ref, meta, response.request)
            return
        if not got_page:
            yield from self._incomplete(ref, response.url, f"status {response.status}")
            return
        pages = [*pages, (response.url, response.body)]
        done = [*meta["antara_done"], page]
        # this page's pager too: a pager may show only the next page, or the next few
        later = find_paging(response.body, response.url).numbers
        pending = sorted({n for n in (*meta["antara_pending"], *later) if n not in done})
        if pending:
            yield self._page_request(ref, meta, response.request, pages, pending[0], pending[1:], done)
        else:
            yield from self._emit(ref, response, pages)

    def article_page_error(self, failure):
        """Errback of a further page. After Scrapy's retries the article is left out; a ``?page=all`` view that
        failed is replaced by the numbered pages."""
        request = failure.request
        ref: ArticleRef = request.meta["antara_ref"]
        _status, reason = _failure_reason(failure)
        self.crawler.stats.inc_value(f"antara/errors/{reason}")
        if request.meta.get("antara_page") == "all":
            yield from self._after_all(ref, request.meta, request)
            return
        yield from self._incomplete(ref, request.url, failure.getErrorMessage())

    def _after_all(self, ref: ArticleRef, meta: dict[str, Any], previous: Request | None):
        """The ``?page=all`` view was not the whole article (or not there): read the numbered pages instead."""
        numbers = [n for n in meta["antara_pending"] if isinstance(n, int)]
        if not numbers:
            yield from self._incomplete(
                ref, page_url(ref.url, "all"), "page 1 links only to a ?page=all view, unusable"
            )
            return
        yield self._page_request(ref, meta, previous, meta["antara_pages"], numbers[0], numbers[1:], [1])

    def _page_request(
        self,
        ref: ArticleRef,
        meta: dict[str, Any],
        previous: Request | None,
        pages: list[tuple[str, bytes]],
        page: int | str,
        pending: list[int],
        done: list[int | str],
    ) -> Request:
        """The request for one further page, carrying the pages fetched so far (picklable: JOBDIR, scrapy-redis)."""
        self.crawler.stats.inc_value("antara/multipage/page_requests")
        carried = {k: v for k, v in meta.items() if k.startswith("antara_")}
        carried.update(
            antara_ref=ref,
            antara_pages=pages,
            antara_page=page,
            antara_pending=list(pending),
            antara_done=list(done),
            handle_httpstatus_list=ARTICLE_STATUSES,
        )
        return Request(
            page_url(ref.url, page),
            callback=self.parse_article_page,
            errback=self.article_page_error,
            priority=(previous.priority if previous is not None else 0) + 1,  # finish what is in flight first
            meta=carried,
        )

    def _incomplete(self, ref: ArticleRef, url: str, why: str) -> Iterator[LinkStatus]:
        """A page of a multi-page article is missing: no article is stored (a short body would be a silent loss)."""
        self.crawler.stats.inc_value("antara/dropped/incomplete_pages")
        self._log_once(
            "incomplete_pages",
            "Left out %s: page %s could not be fetched (%s); not archived, the next run tries again",
            ref.url,
            url,
            why,
        )
        if len(self.short_pages) < SHORT_PAGES_KEPT:
            self.short_pages.append((ref.url, "incomplete_pages"))
        # a failure record: the id ledger keeps the article as ``failed`` (tried again next run), like a timeout
        yield LinkStatus(ref.url, ref.portal, ref.antara_id, 0, "incomplete_pages")

    def _build(self, pages: list[tuple[str, bytes]], response: Response) -> Article:
        """The record from its pages (:func:`~antara_crawler.extract.paging.build_article`); raises NotArticle."""
        try:
            article = build_article(pages, fetched_at=datetime.now(UTC), encoding=getattr(response, "encoding", None))
        except NotArticle:
            raise
        except Exception:  # the parser promises NotArticle only; this is the last guard of "keep going"
            self.logger.exception("Parser failure on %s", response.url)
            raise NotArticle("parse_error") from None
        if self.settings.getbool("ANTARA_STORE_HTML"):
            article.raw_html = pages[0][1]
            article.more_pages = list(pages[1:])
        return article

    def _emit(self, ref: ArticleRef, response: Response, pages: list[tuple[str, bytes]]):
        try:
            article = self._build(pages, response)
        except NotArticle as exc:
            if exc.reason == "incomplete_pages":
                yield from self._incomplete(ref, response.url, exc.detail or "no body")
            else:
                yield from self._not_article(ref, response, exc.reason)
            return
        yield from self._emit_article(article, response)

    def _emit_article(self, article: Article, response: Response):
        if not self.keep_article(article, response.meta):
            return
        self._count_sources(article)
        yield article
        yield from self.follow_from_article(article, response, response.meta.get("antara_depth", 0))

    def keep_article(self, article: Article, meta: dict[str, Any]) -> bool:
        """Whether a parsed article is yielded (the discovery spider leaves out those outside its date window)."""
        return True

    def article_error(self, failure):
        """Errback: network failures and HTTP errors after retries become counted LinkStatus records."""
        request = failure.request
        ref: ArticleRef | None = request.meta.get("antara_ref")
        status, reason = _failure_reason(failure)
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
        inc = self.crawler.stats.inc_value  # one lookup: Scrapy 2.19 wraps every stats attribute access
        keys = _SOURCE_KEYS
        inc(f"antara/template/{article.template}")
        for pair in article.field_sources.items():  # ~12 fields: the key strings are built once per run, not per page
            key = keys.get(pair)
            if key is None:
                key = keys[pair] = "antara/field_source/{}/{}".format(*pair)
            inc(key)

    def _log_once(self, key: str, msg: str, *args: Any) -> None:
        """Log the first occurrence of each kind of problem at INFO; the rest at DEBUG (the stats count them all)."""
        if key in self._logged_reasons:
            self.logger.debug(msg, *args)
        else:
            self._logged_reasons.add(key)
            self.logger.info(msg, *args)


def _failure_reason(failure) -> tuple[int, str]:
    """``(status, reason)`` of a failed request: the HTTP status, or 0 and the kind of network failure."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return status, f"http_{status}"
    if failure.check(DownloadTimeoutError, TwistedTimeoutError, TCPTimedOutError):  # Scrapy 2.19 raises the 1st
        return 0, "timeout"
    if failure.check(CannotResolveHostError, DNSLookupError):
        return 0, "dns"
    if failure.check(scrapy.exceptions.IgnoreRequest):
        return 0, "ignored"
    return 0, "network"
