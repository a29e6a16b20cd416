"""The ``antara`` spider: discover articles through RSS and the ``/terkini`` listings, incrementally.

    scrapy crawl antara -a portals=babel[,sumbar,...|all] [-a since=YYYY-MM-DD] [-a until=YYYY-MM-DD]
                        [-a max_pages=N] [-a related_depth=N] [-a refresh=1] [-a sources=rss,terkini,ids,gaps]
                        [-a ids=FIRST-LAST | -a ids=portal:FIRST-LAST,...]

* **Sources.** Each portal's ``/rss/terkini.xml`` and its ``/terkini`` pages (``/terkini/N``, falling back to
  ``/terkini?page=N`` when the path form answers 404). Only ``/berita/<id>`` links are kept.
* **Backfills by id.** ``sources=ids`` (with ``ids=`` or ``since``/``until``) and ``sources=gaps`` request
  ``/berita/<id>`` for the ids the id ledger has not settled; see :mod:`antara_crawler.spiders.ids`.
* **Incremental.** The archive is the source of truth: an article already archived is not requested again (unless
  ``refresh=1``), and paging stops at the first listing page whose articles are all archived, or all older than
  ``since``, or at ``max_pages`` (default 50; 0 = no limit). One archive query per feed or listing page. A run with
  nothing new fetches robots.txt, the feed and the first listing page of each portal, and no article page.
* **Date window.** ``since``/``until`` are calendar days in each portal's zone, both inclusive. They are applied to
  the dates shown on feeds and listings, and to the article's own date when the link carried none.
* **Related links.** ``related_depth=N`` follows *Berita Terkait* and *Baca juga* targets up to N hops and archives
  them too. A dead target is recorded on its link (the store keeps the 404) and the crawl goes on.
* **Resumable.** With ``-s JOBDIR=...`` a paused run continues where it stopped (the run's own bookkeeping lives in
  ``spider.state``); without it a killed run simply starts over and skips what the archive already holds. A run
  that follows an unfinished one (``crawl_runs``, by run id) walks the listings to ``max_pages`` and, with
  ``related_depth``, follows the stored related links of the archived articles it meets (targets neither archived
  nor recorded as dead), so the targets that were in flight at the kill are fetched too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Collection, Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response

from antara_crawler.discovery import (
    archived_before,
    article_date,
    day_of,
    is_listing_of,
    listing_page_url,
    parse_count,
    parse_day,
    stop_reason,
    window_ok,
)
from antara_crawler.extract.listing import Listing, page_number, parse_listing
from antara_crawler.extract.rss import article_entries, parse_rss
from antara_crawler.items import Article
from antara_crawler.portals import parse_portal_list
from antara_crawler.spiders.base import AntaraSpider, survives_archive_outage
from antara_crawler.spiders.ids import IdBackfillMixin
from antara_crawler.store import ArchiveUnavailable
from antara_crawler.urls import parse_article_url, portal_url
from antara_crawler.utc import utc_now

SOURCES = ("rss", "terkini", "ids", "gaps")
DEFAULT_SOURCES = ("rss", "terkini")
DEFAULT_MAX_PAGES = 50
#: Discovery pages go before article pages, so paging decisions are taken early.
DISCOVERY_PRIORITY = 10


class AntaraCrawlSpider(IdBackfillMixin, AntaraSpider):
    name = "antara"

    def __init__(
        self,
        portals: str = "all",
        since: str | None = None,
        until: str | None = None,
        max_pages: str | int | None = None,
        related_depth: str | int = 0,
        refresh: str | int = 0,
        sources: str = ",".join(DEFAULT_SOURCES),
        ids: str | None = None,
        *args: Any,
        **kwargs: Any,
    ):
        passed = {"portals": portals, "since": since, "until": until, "max_pages": max_pages}
        passed |= {"related_depth": related_depth, "refresh": refresh, "sources": sources, "ids": ids}
        super().__init__(*args, **{k: v for k, v in passed.items() if v is not None}, **kwargs)
        self.portal_names: list[str] = parse_portal_list(portals)
        self.since: date | None = parse_day(since, "since")
        self.until: date | None = parse_day(until, "until")
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        self.max_pages: int = parse_count(max_pages, "max_pages", DEFAULT_MAX_PAGES)
        self.related_depth: int = parse_count(related_depth, "related_depth", 0)
        self.refresh: bool = str(refresh).strip().lower() in ("1", "true", "yes", "on")
        self.sources: list[str] = [s.strip() for s in sources.split(",") if s.strip()]
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown or not self.sources:
            raise ValueError(f"unknown source(s) {unknown}; choose among {', '.join(SOURCES)}")
        self._started_at = utc_now()  # crawl_runs.started_at format
        self._outside: set[tuple[str, int]] = set()  # fetched, but outside the date window: do not follow
        self._cut: dict[tuple[str, int], list[tuple[str, str | None]]] = {}  # links not followed (depth limit)
        self._archived_depths: dict[tuple[str, int], int] = {}  # catch-up: archived articles whose links we followed
        self.init_backfill(ids)  # sources=ids / sources=gaps (spiders/ids.py)

    # -- plumbing ---------------------------------------------------------------------------------------------------

    @property
    def _depths(self) -> dict[tuple[str, int], int]:
        """Best related depth of every article scheduled in this run; kept in ``spider.state`` under JOBDIR."""
        state = getattr(self, "state", None)
        if state is None:
            state = self.__dict__.setdefault("_local_state", {})
        return state.setdefault("antara_depths", {})

    async def _robots_allowed(self, entries: list) -> list:
        """The entries robots.txt lets us fetch (all of them when ROBOTSTXT_OBEY is off or robots.txt failed)."""
        mw = self._robots_middleware()
        if mw is None or not entries:
            return entries
        agent = self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings.get("USER_AGENT")
        parsers = {}
        for portal in dict.fromkeys(e.portal for e in entries):  # one robots.txt per portal, fetched once by Scrapy
            parsers[portal] = await mw.robot_parser(Request(portal_url(portal, "/robots.txt")))
        allowed = [e for e in entries if parsers[e.portal] is None or parsers[e.portal].allowed(e.url, agent)]
        if len(allowed) < len(entries):
            self._inc("robots_disallowed", len(entries) - len(allowed))
        return allowed

    def _robots_middleware(self) -> RobotsTxtMiddleware | None:
        if "_robots_mw" not in self.__dict__:
            found = None
            if self.settings.getbool("ROBOTSTXT_OBEY"):
                for mw in self.crawler.engine.downloader.middleware.middlewares:
                    if isinstance(mw, RobotsTxtMiddleware):
                        found = mw
            self.__dict__["_robots_mw"] = found
        return self.__dict__["_robots_mw"]

    async def _catching_up(self) -> bool:
        """True when the previous run of this spider never finished (killed, interrupted, crashed, or ended by an
        archive outage).

        Such a run may have archived the newest articles of a listing but not the older ones further down, so this
        run does not stop at the first fully archived page: it walks the listings to ``max_pages`` or ``since``
        (fetching only what is missing), which is how a killed run resumes through incrementality.
        """
        if "_catch_up" not in self.__dict__:
            previous = await self._previous_run()
            catch_up = previous is not None and (
                previous["finished_at"] is None or previous["finish_reason"] != "finished"
            )
            if catch_up:
                self._inc("catch_up")
                self.logger.info(
                    "The previous run (%s, started %s) did not finish (%s): walking the listings up to max_pages=%s",
                    previous["id"], previous["started_at"], previous["finish_reason"] or "killed",
                    self.max_pages or "unlimited",
                )  # fmt: skip
            self.__dict__["_catch_up"] = catch_up
        return self.__dict__["_catch_up"]

    async def _previous_run(self) -> dict[str, Any] | None:
        """The last crawl_runs row of this spider before this run's own.

        Compared by run id (the store pipeline publishes ours as the stat ``antara/run_id``), not by start time:
        ``started_at`` has one-second resolution, so a re-run within the second of a killed run would miss it.
        Without the store pipeline (no run of ours recorded), the last run started no later than this one.
        """
        own = self.crawler.stats.get_value("antara/run_id")
        before = int(own) if own is not None else None
        return await self.archive_read(
            lambda archive: archive.previous_run(self.name, before_run_id=before, started_before=self._started_at)
        )

    async def _known(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """The archived keys among ``keys`` with their ``first_seen_at`` (for the paging rule); none on refresh."""
        keys = list(dict.fromkeys(keys))
        if self.refresh or not keys:
            return {}
        return await self.archive_read(lambda archive: archive.first_seen(keys))

    def _inc(self, key: str, n: int = 1) -> None:
        self.crawler.stats.inc_value(f"antara/discovery/{key}", n)

    # -- start ------------------------------------------------------------------------------------------------------

    async def start(self):
        try:
            # read once, before any request: a run that follows an unfinished one pages further (see _catching_up)
            await self._catching_up()
        except ArchiveUnavailable:
            return  # the spider is closing (archive_unavailable): no request at all
        self.logger.info(
            "Discovering %d portal(s) %s via %s; since=%s until=%s max_pages=%s related_depth=%d refresh=%s",
            len(self.portal_names),
            ",".join(self.portal_names[:8]) + ("..." if len(self.portal_names) > 8 else ""),
            "+".join(self.sources),
            self.since,
            self.until,
            self.max_pages or "unlimited",
            self.related_depth,
            self.refresh,
        )
        for portal in self.portal_names:
            if "rss" in self.sources:
                yield Request(
                    portal_url(portal, "/rss/terkini.xml"),
                    callback=self.parse_feed,
                    errback=self.discovery_error,
                    dont_filter=True,  # re-read on a resumed JOBDIR run: cheap, and it may hold new items
                    priority=DISCOVERY_PRIORITY,
                    meta={"antara_portal": portal, "handle_httpstatus_list": [404, 410]},
                )
            if "terkini" in self.sources:
                yield self._listing_request(portal, 1, portal_url(portal, "/terkini"), dont_filter=True)
        async for request in self.backfill_start():
            yield request

    # -- RSS --------------------------------------------------------------------------------------------------------

    @survives_archive_outage
    async def parse_feed(self, response: Response):
        portal = response.meta["antara_portal"]
        if response.status != 200:
            self._inc("feed_missing")
            self.logger.info("No feed at %s (HTTP %d); the listings still run", response.url, response.status)
            return
        entries = parse_rss(response.body, response.url, fetched_at=datetime.now(UTC))
        articles = article_entries(entries)
        self._inc("feeds")
        self._inc("feed_entries", len(entries))
        self._inc("skipped_not_article", len(entries) - len(articles))
        if not entries:
            self.logger.warning(
                "Feed %s held no item: markup change? (scrapy savefixture %s)", response.url, response.url
            )
        articles = await self._robots_allowed(articles)
        in_window = [e for e in articles if self._window_ok(e.published_at, e.portal or portal) is not False]
        self._inc("outside_window", len(articles) - len(in_window))
        known = await self._known(e.key for e in in_window)
        for e in in_window:
            async for request in self._discover(e.url, e.key, known, dated=e.published_at is not None, source="rss"):
                yield request
        async for request in self._follow_archived([e.key for e in in_window if e.key in known], 0):
            yield request

    # -- listings ---------------------------------------------------------------------------------------------------

    def _listing_request(self, portal: str, page: int, url: str, *, dont_filter: bool = False) -> Request:
        return Request(
            url,
            callback=self.parse_listing_page,
            errback=self.discovery_error,
            dont_filter=dont_filter,
            priority=DISCOVERY_PRIORITY,
            meta={"antara_portal": portal, "antara_page": page, "handle_httpstatus_list": [404, 410]},
        )

    @survives_archive_outage
    async def parse_listing_page(self, response: Response):
        portal, page = response.meta["antara_portal"], response.meta["antara_page"]
        if response.status != 200:
            for request in self._listing_missing(response, portal, page):
                yield request
            return
        listing = parse_listing(response.text, response.url, fetched_at=datetime.now(UTC))
        self._inc("listing_pages")
        if not listing.items:
            self._inc("stop/empty_page")
            level = self.logger.warning if page == 1 else self.logger.info
            level("No list item on %s: end of the listing or a markup change (scrapy savefixture %s)",
                  response.url, response.url)  # fmt: skip
            return
        allowed = await self._robots_allowed(listing.items)
        if len(allowed) < len(listing.items):
            listing = dataclasses.replace(listing, items=allowed)  # what we may not fetch does not hold paging
        known = await self._known(e.key for e in listing.items)  # all of them, one query: the stop rule needs it too
        async for request in self._schedule_listing(listing, known):
            yield request
        # only what earlier runs archived shows they walked this far (discovery.archived_before)
        before = archived_before(known, self._started_at)
        stop = self._stop_reason(listing, before, page, catching_up=await self._catching_up())
        if stop:
            self._inc(f"stop/{stop}")
            self.logger.debug("Paging of %s stops at page %d (%s)", portal, page, stop)
            return
        next_url = self._next_page_url(listing, portal, page)
        if next_url:
            yield self._listing_request(portal, page + 1, next_url)
        else:
            self._inc("stop/last_page")

    async def _schedule_listing(self, listing: Listing, known: Collection[tuple[str, int]]) -> AsyncIterator[Request]:
        self._inc("listing_entries", len(listing.items))
        wanted = [e for e in listing.items if self._window_ok(e.published_at, e.portal) is not False]
        self._inc("outside_window", len(listing.items) - len(wanted))
        for e in wanted:
            async for request in self._discover(
                e.url, e.key, known, dated=e.published_at is not None, source="listing"
            ):
                yield request
        async for request in self._follow_archived([e.key for e in wanted if e.key in known], 0):
            yield request

    def _stop_reason(
        self, listing: Listing, known: set[tuple[str, int]], page: int, *, catching_up: bool
    ) -> str | None:
        """Why paging stops after this page, or None to go on (:func:`antara_crawler.discovery.stop_reason`)."""
        return stop_reason(
            listing.items,
            known,
            page,
            since=self.since,
            until=self.until,
            max_pages=self.max_pages,
            refresh=self.refresh,
            catching_up=catching_up,
        )

    def _next_page_url(self, listing: Listing, portal: str, page: int) -> str | None:
        pagination = listing.pagination
        nxt = pagination.next
        if nxt and is_listing_of(nxt, portal) and page_number(nxt) == page + 1:
            return nxt
        last = pagination.last_page
        if last is not None and page >= last:
            return None
        style = self._page_styles().get(portal, "path")
        return listing_page_url(portal, page + 1, style)

    def _listing_missing(self, response: Response, portal: str, page: int) -> Iterator[Request]:
        """A 404 on ``/terkini/N`` retries once as ``/terkini?page=N`` (and remembers the form for the portal)."""
        if page > 1 and "?" not in response.url:
            self._page_styles()[portal] = "query"
            self._inc("pagination_fallback")
            self.logger.info("%s answered %d; trying the ?page=N form", response.url, response.status)
            yield self._listing_request(portal, page, listing_page_url(portal, page, "query"))
            return
        self._inc("stop/listing_missing")
        level = self.logger.warning if page == 1 else self.logger.info
        level("Listing page %s answered %d", response.url, response.status)

    def _page_styles(self) -> dict[str, str]:
        return self.__dict__.setdefault("_styles", {})

    @staticmethod
    def _page_url(portal: str, page: int, style: str) -> str:
        return listing_page_url(portal, page, style)

    def discovery_error(self, failure):
        request = failure.request
        self.crawler.stats.inc_value("antara/errors/discovery")
        self.logger.warning("Discovery page failed: %s (%s)", request.url, failure.getErrorMessage())

    # -- scheduling -------------------------------------------------------------------------------------------------

    async def _discover(
        self, url: str, key: tuple[str, int], known: Collection[tuple[str, int]], *, dated: bool, source: str
    ) -> AsyncIterator[Request]:
        if key in known:
            self._inc("known")
            return
        async for request in self._schedule(url, key, 0, check_window=not dated, source=source):
            yield request

    async def _schedule(
        self, url: str, key: tuple[str, int], depth: int, *, check_window: bool, source: str
    ) -> AsyncIterator[Request]:
        depths = self._depths
        previous = depths.get(key)
        if previous is not None and previous <= depth:
            self._inc("already_scheduled")
            return
        depths[key] = depth
        if previous is not None:
            # reached by a shorter path: no second fetch; follow the links a depth limit cut off, if fetched
            cut = self._cut.pop(key, None)
            if cut is not None and depth < self.related_depth:
                async for request in self._follow(cut, depth + 1):
                    yield request
            return
        request = self.article_request(url, depth=depth, antara_check_window=check_window, antara_source=source)
        if request is not None:
            self._inc(f"scheduled/{source}")
            yield request

    # -- articles and related links ---------------------------------------------------------------------------------

    def keep_article(self, article: Article, meta: dict[str, Any]) -> bool:
        check_window = meta.get("antara_check_window") and (self.since or self.until)
        if check_window and self._window_ok(article_date(article), article.portal) is False:
            self._outside.add(article.key)
            self.crawler.stats.inc_value("antara/skipped/outside_window")
            return False
        return True

    # Without related links to follow (related_depth=0, the default) an article page needs no archive read: the base
    # callback's plain generator goes to Scrapy as it is, which spares every page the asynchronous path through the
    # spider middlewares (an async generator per middleware per page). The method names stay the callbacks' names,
    # so JOBDIR and scrapy-redis requests resume whichever way the next run is started.

    def parse_article(self, response: Response):
        if not self.related_depth:
            return super().parse_article(response)
        return self._article_with_related(response, super().parse_article(response))

    def parse_article_page(self, response: Response):
        if not self.related_depth:
            return super().parse_article_page(response)
        return self._article_with_related(response, super().parse_article_page(response))

    @survives_archive_outage  # (self, response, ...): the decorator reports an outage against the response's URL
    async def _article_with_related(self, response: Response, outputs: Iterable[Any]):
        async for out in self._with_related(outputs, response):
            yield out

    async def _with_related(self, outputs: Iterable[Any], response: Response) -> AsyncIterator[Any]:
        """The base callback's outputs, each finished Article followed by its related links (once the article itself
        is on its way to the store): following them may read the archive, so it happens here, asynchronously."""
        depth = response.meta.get("antara_depth", 0)
        for out in outputs:
            yield out
            if isinstance(out, Article):
                async for request in self._follow_related(out, depth):
                    yield request

    def follow_from_article(self, article: Article, response: Response, depth: int) -> Iterable[Request]:
        """Nothing here: related links may need the archive, so ``parse_article`` follows them asynchronously."""
        return ()

    async def _follow_related(self, article: Article, depth: int) -> AsyncIterator[Request]:
        key = article.key
        if key in self._outside or not self.related_depth or not article.related:
            return
        depth = min(depth, self._depths.get(key, depth))
        links = [(r.url, r.published_at) for r in article.related]
        if depth >= self.related_depth:
            self._cut[key] = links
            return
        async for request in self._follow(links, depth + 1):
            yield request

    async def _follow(self, links: list[tuple[str, str | None]], depth: int) -> AsyncIterator[Request]:
        targets: dict[tuple[str, int], tuple[str, bool]] = {}
        for url, published_at in links:
            ref = parse_article_url(url)
            if ref is None or ref.key in targets:
                continue
            if self._window_ok(published_at, ref.portal) is False:
                self._inc("outside_window")
                continue
            targets[ref.key] = (ref.url, published_at is None)
        fresh = [k for k in targets if k not in self._depths and k not in self._archived_depths]
        known = await self._known(fresh)
        self._inc("related_links", len(targets))
        archived = []
        for key, (url, undated) in targets.items():
            if key in known or key in self._archived_depths:
                self._inc("known")
                archived.append(key)
                continue
            async for request in self._schedule(url, key, depth, check_window=undated, source="related"):
                yield request
        async for request in self._follow_archived(archived, depth):
            yield request

    async def _follow_archived(self, keys: list[tuple[str, int]], depth: int) -> AsyncIterator[Request]:
        """Catch-up only: follow the stored related links of archived articles reached at ``depth``.

        A killed run may have archived an article while its related targets were still in flight; this run skips
        the article (it is archived), so its links are read from the archive instead and followed within the depth
        budget. Targets already recorded as dead (``link_statuses``) are not fetched again. A normal run never
        gets here: it fetches no article page when nothing is new.
        """
        if not keys or not self.related_depth or depth >= self.related_depth or not await self._catching_up():
            return
        best = self._archived_depths
        todo = [k for k in dict.fromkeys(keys) if best.get(k, depth + 1) > depth]
        if not todo:
            return
        for key in todo:
            best[key] = depth
        # stored in UTC (+00:00); _window_ok reads each in the portal's zone
        links = await self.archive_read(lambda archive: archive.archived_related(todo))
        if links:
            self._inc("catch_up_related", len(links))
            async for request in self._follow(links, depth + 1):
                yield request

    def closed(self, reason: str) -> None:
        """A finished run forgets its bookkeeping, so a JOBDIR reused by mistake does not hide articles next time."""
        self.stop_backfill()
        state = getattr(self, "state", None)
        if reason == "finished" and isinstance(state, dict):
            state.pop("antara_depths", None)

    # -- date window ------------------------------------------------------------------------------------------------

    def _day_of(self, iso: str | None, portal: str | None) -> date | None:
        return day_of(iso, portal)

    def _window_ok(self, iso: str | None, portal: str | None) -> bool | None:
        """True/False when the date is inside/outside ``since..until``; None when unknown (no date shown)."""
        return window_ok(iso, portal, self.since, self.until)
