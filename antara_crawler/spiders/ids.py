"""Backfills by article id for the ``antara`` spider: ``sources=ids`` and ``sources=gaps``.

    scrapy crawl antara -a portals=babel -a sources=ids -a ids=537000-537900
    scrapy crawl antara -a portals=babel,makassar -a sources=ids -a ids=babel:537000-537900,makassar:612000-612900
    scrapy crawl antara -a portals=babel -a sources=ids -a since=2024-01-01 -a until=2024-12-31
    scrapy crawl antara -a portals=all -a sources=rss,terkini,gaps

* **ids** requests ``/berita/<id>`` for every id of the range the ledger has not settled (never tried, ``failed``,
  or a ``not_found`` due again: ``ANTARA_RECHECK_DAYS``, ``ANTARA_NOT_FOUND_RECHECKS``). Without ``ids``, the
  range comes from ``since``/``until``: the archived articles around those days, the ids and dates the portal's feed
  and first listing page show (the newest id closes the top), then a bisection on the dates of probed articles
  (:class:`antara_crawler.backfill.BoundSearch`; every probed page is archived like any other).
* **gaps** requests the unsettled ids between the portal's lowest and highest archived id.
* **Order**: newest id first, the portals taking turns (:func:`antara_crawler.backfill.interleave`); requests are
  generated as the scheduler drains (``ANTARA_BACKFILL_QUEUE`` waiting at most), so a million ids cost no memory.
* Outcomes go to the ledger through the store pipeline (an article, or a ``LinkStatus`` whose reason maps to a
  state). Id requests go through the duplicate filter (shared with ``REDIS_URL``, persisted with ``JOBDIR``), so
  several processes sharing one backfill request each id once; the fingerprint is per article id, and a redirect
  is fingerprinted by the id that asked for it (see ``fingerprint.py``).
* Every ``ANTARA_PROGRESS_INTERVAL`` seconds one line per active portal says ids done of total, articles found, the
  rate and the time left; the run summary ends with the completeness of each range covered.

The archive reads are ``async`` methods over plain store functions, routed through the spider's resilient
(retrying) helper without changing the callbacks.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scrapy.http import Request, Response
from twisted.internet import task

from antara_crawler import backfill
from antara_crawler.extract.listing import parse_listing
from antara_crawler.extract.rss import article_entries, parse_rss
from antara_crawler.items import Article, LinkStatus
from antara_crawler.store import ArchiveUnavailable, get_archive, ledger
from antara_crawler.urls import ArticleRef, portal_url

#: Probes of a bisection go before the backfill's own requests (the range waits for them).
PROBE_PRIORITY = 5


@dataclass
class PortalBackfill:
    """What a backfill of one portal has to do and has done."""

    total: int = 0  # ids scheduled
    done: int = 0  # ids with an outcome (an article, a status, an error)
    found: int = 0  # articles among them
    started: float = 0.0
    covered: tuple[int, int] | None = None  # the id range it covers (for the summary)


class IdBackfillMixin:
    """Mixed into the ``antara`` spider; needs its ``portal_names``, ``sources``, ``since``, ``until``, ``archive``,
    ``crawler``, ``settings``, ``logger``, ``_inc``, ``_day_of``, ``_robots_middleware``, ``parse_article`` and
    ``article_error``."""

    id_ranges: dict[str, tuple[int, int]] | None
    crawler: Any
    logger: Any
    portal_names: list[str]
    sources: list[str]
    since: date | None
    until: date | None
    settings: Any

    def init_backfill(self, ids: str | None) -> None:
        self.id_ranges = backfill.parse_ids(ids, self.portal_names) if ids not in (None, "") else None
        if "ids" in self.sources and self.id_ranges is None and self.since is None:
            raise ValueError("sources=ids needs ids=FIRST-LAST (or portal:FIRST-LAST,...) or since=YYYY-MM-DD")
        self.backfills: dict[str, PortalBackfill] = {}
        self._searches: dict[str, list[backfill.BoundSearch]] = {}
        self._probing: dict[str, set[int]] = {}
        self._newest: dict[str, int] = {}
        self._points: dict[str, list[tuple[int, date]]] = {}
        self._progress: task.LoopingCall | None = None

    @property
    def backfilling(self) -> bool:
        return "ids" in self.sources or "gaps" in self.sources

    # -- start ------------------------------------------------------------------------------------------------------

    async def backfill_start(self):
        """Start requests of ``sources=ids`` and ``sources=gaps`` (after the feeds and listings)."""
        if not self.backfilling:
            return
        self._start_progress()
        ranges: dict[str, list[tuple[int, int]]] = {}
        if "gaps" in self.sources:
            for portal in self.portal_names:
                low, high = await self.archived_bounds(portal)
                if low is not None and high is not None:
                    ranges.setdefault(portal, []).append((low, high))
                    self._inc("gaps/portals")
        if "ids" in self.sources and self.id_ranges is not None:
            for portal, bounds in self.id_ranges.items():
                ranges.setdefault(portal, []).append(bounds)
        elif "ids" in self.sources:
            for portal in self.portal_names:
                yield self._bounds_feed_request(portal)
        async for request in self._emit_id_requests(ranges):
            yield request

    async def _emit_id_requests(self, ranges: dict[str, list[tuple[int, int]]]):
        """Requests for the unsettled ids of ``ranges``, in the documented order, as the scheduler drains."""
        todos: dict[str, list[tuple[int, int]]] = {}
        for portal, spans in ranges.items():
            todo: list[tuple[int, int]] = []
            for lo, hi in spans:
                todo.extend(await self.unsettled_ids(portal, lo, hi))
            todos[portal] = backfill.merge_ranges(todo)
        allowed = await self._robots_for_ids(list(todos))
        per_portal = {}
        for portal, todo in todos.items():
            spans = ranges[portal]
            # robots.txt is applied before the total is counted, so the progress lines show one total from the start
            refused = await self._disallowed_ids(portal, todo, allowed)
            state = self.backfills.setdefault(portal, PortalBackfill(started=time.monotonic()))
            state.total += backfill.count_ids(todo) - len(refused)
            covered = [state.covered] if state.covered else []
            state.covered = (min(lo for lo, _ in spans + covered), max(hi for _, hi in spans + covered))
            self.logger.info(
                "Backfill of %s: ids %d-%d, %d to request (the ledger settled the rest)",
                portal, state.covered[0], state.covered[1], backfill.count_ids(todo) - len(refused),
            )  # fmt: skip
            if refused:
                self._inc("robots_disallowed", len(refused))
            per_portal[portal] = _without(backfill.descending(todo), refused)
        limit = self.crawler.settings.getint("ANTARA_BACKFILL_QUEUE")
        for portal, antara_id in backfill.interleave(per_portal):
            await self._wait_for_room(limit)
            self._inc("scheduled/ids")
            yield self.id_request(portal, antara_id)

    async def _disallowed_ids(
        self, portal: str, todo: list[tuple[int, int]], allowed: Callable[[str, int], bool] | None
    ) -> set[int]:
        """The ids of ``todo`` that robots.txt keeps us from, checked once each before any is requested (the
        reactor gets a turn every few thousand ids, so a backfill of a million ids does not stall the crawl)."""
        refused: set[int] = set()
        if allowed is None:
            return refused
        for n, antara_id in enumerate(backfill.descending(todo), 1):
            if not allowed(portal, antara_id):
                refused.add(antara_id)
            if n % 5000 == 0:
                await asyncio.sleep(0)
        return refused

    async def _robots_for_ids(self, portals: list[str]) -> Callable[[str, int], bool] | None:
        """``allowed(portal, id)``: robots.txt lets us fetch the article at every URL form, ``/berita/<id>`` and
        ``/berita/<id>/<slug>`` (a rule written for the slug form, ``Disallow: /berita/123/``, must not be dodged
        by asking for the id alone). None when ROBOTSTXT_OBEY is off: every id is allowed."""
        mw = self._robots_middleware()
        if mw is None:
            return None
        agent = self.settings.get("ROBOTSTXT_USER_AGENT") or self.settings.get("USER_AGENT")
        parsers = {p: await mw.robot_parser(Request(portal_url(p, "/robots.txt"))) for p in portals}

        def allowed(portal: str, antara_id: int) -> bool:
            parser = parsers.get(portal)
            if parser is None:
                return True
            base = portal_url(portal, f"/berita/{antara_id}")
            return parser.allowed(base, agent) and parser.allowed(base + "/x", agent)

        return allowed

    async def _wait_for_room(self, limit: int) -> None:
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        try:
            while scheduler is not None and len(scheduler) >= limit:
                await asyncio.sleep(0.05)
        except TypeError:  # a scheduler without a length: no back-pressure
            return

    def id_request(self, portal: str, antara_id: int, *, probe: bool = False) -> Request:
        ref = ArticleRef(portal, antara_id, None)
        return Request(
            portal_url(portal, f"/berita/{antara_id}"),
            callback=self.parse_probe if probe else self.parse_id,
            errback=self.probe_error if probe else self.id_error,
            priority=PROBE_PRIORITY if probe else 0,
            dont_filter=probe,  # a probe must answer (two searches may ask for one id); the range's request is filtered
            meta={
                "antara_ref": ref, "antara_depth": 0, "antara_id_request": portal, "antara_settle_check": not probe,
                "handle_httpstatus_list": [404, 410],
            },
        )  # fmt: skip

    # -- id responses -----------------------------------------------------------------------------------------------

    async def _article_outputs(self, response: Response):
        """What the article callback yields, whether it is a plain or an ``async`` generator."""
        outputs = self.parse_article(response)
        if hasattr(outputs, "__aiter__"):
            async for out in outputs:
                yield out
        else:
            for out in outputs:
                yield out

    async def parse_id(self, response: Response):
        found = False
        async for out in self._article_outputs(response):
            found = found or isinstance(out, Article)
            if isinstance(out, LinkStatus) and backfill.state_for_reason(out.reason) == backfill.NOT_ARTICLE:
                # an id that is a foto page or a redirect home is an answer, not a failed page (run summary)
                self.crawler.stats.inc_value("antara/backfill/not_article")
            yield out
        self._count_done(response.request, found)

    def id_error(self, failure):
        yield from self.article_error(failure)
        self._count_done(failure.request, False)

    def _count_done(self, request: Request, found: bool) -> None:
        state = self.backfills.get(request.meta.get("antara_id_request"))
        if state is not None:
            state.done += 1
            state.found += int(found)

    # -- bounds from dates ------------------------------------------------------------------------------------------

    def _bounds_feed_request(self, portal: str) -> Request:
        return Request(
            portal_url(portal, "/rss/terkini.xml"),
            callback=self.parse_bounds_feed,
            errback=self.bounds_error,
            dont_filter=True,
            priority=PROBE_PRIORITY,
            meta={"antara_portal": portal, "antara_bounds": "feed", "handle_httpstatus_list": [404, 410]},
        )

    def _bounds_listing_request(self, portal: str) -> Request:
        return Request(
            portal_url(portal, "/terkini"),
            callback=self.parse_bounds_listing,
            errback=self.bounds_error,
            dont_filter=True,
            priority=PROBE_PRIORITY,
            meta={"antara_portal": portal, "antara_bounds": "listing", "handle_httpstatus_list": [404, 410]},
        )

    async def parse_bounds_feed(self, response: Response):
        portal = response.meta["antara_portal"]
        if response.status == 200:
            entries = article_entries(parse_rss(response.body, response.url, fetched_at=datetime.now(UTC)))
            self._add_points(portal, [(e.key[1], e.published_at) for e in entries if e.portal == portal])
        yield self._bounds_listing_request(portal)

    async def parse_bounds_listing(self, response: Response):
        portal = response.meta["antara_portal"]
        if response.status == 200:
            listing = parse_listing(response.text, response.url, fetched_at=datetime.now(UTC))
            self._add_points(portal, [(e.key[1], e.published_at) for e in listing.items if e.portal == portal])
        async for request in self._start_bisection(portal):
            yield request

    async def bounds_error(self, failure):
        request = failure.request
        portal = request.meta["antara_portal"]
        self.logger.warning("Bounds of %s: %s failed (%s)", portal, request.url, failure.getErrorMessage())
        if request.meta["antara_bounds"] == "feed":
            yield self._bounds_listing_request(portal)
            return
        async for out in self._start_bisection(portal):
            yield out

    def _add_points(self, portal: str, pairs: list[tuple[int, str | None]]) -> None:
        for antara_id, published_at in pairs:
            self._newest[portal] = max(self._newest.get(portal, 0), antara_id)
            day = self._day_of(published_at, portal)
            if day is not None:
                self._points.setdefault(portal, []).append((antara_id, day))

    async def _start_bisection(self, portal: str):
        assert self.since is not None
        days = [self.since] + ([self.until + timedelta(days=1)] if self.until else [])
        points = self._points.get(portal, []) + await self.dated_neighbours(portal, days)
        newest = max([self._newest.get(portal, 0), *(i for i, _ in points)])
        if not newest:
            self._inc("bounds/unknown")
            self.logger.warning("Backfill of %s: no id known (no feed, listing or archived article); skipped", portal)
            return
        neighbours = self.crawler.settings.getint("ANTARA_PROBE_NEIGHBOURS")
        lower, upper = backfill.bound_searches(points, self.since, self.until, newest, neighbours=neighbours)
        self._searches[portal] = [s for s in (lower, upper) if s is not None]
        self._newest[portal] = newest
        self._probing[portal] = set()
        async for request in self._probe_or_emit(portal):
            yield request

    async def parse_probe(self, response: Response):
        portal = response.meta["antara_id_request"]
        article = None
        async for out in self._article_outputs(response):
            if isinstance(out, Article):
                article = out
            yield out
        day = self._day_of(article.published_at, portal) if article is not None else None
        self._probed(portal, response.meta["antara_ref"].antara_id, day)
        async for request in self._probe_or_emit(portal):
            yield request

    async def probe_error(self, failure):
        for out in self.article_error(failure):
            yield out
        portal = failure.request.meta["antara_id_request"]
        self._probed(portal, failure.request.meta["antara_ref"].antara_id, None)
        async for request in self._probe_or_emit(portal):
            yield request

    def _probed(self, portal: str, antara_id: int, day: date | None) -> None:
        self._inc("probes")
        self._probing[portal].discard(antara_id)
        for search in self._searches[portal]:
            search.record(antara_id, day)

    async def _probe_or_emit(self, portal: str):
        """The next probe of each unfinished search; once every search is done, the range itself."""
        searches = self._searches.get(portal)
        if searches is None:
            return
        for search in searches:
            probe = search.next_probe()
            if probe is not None and probe not in self._probing[portal]:
                self._probing[portal].add(probe)
                yield self.id_request(portal, probe, probe=True)
        if self._probing[portal] or any(s.next_probe() is not None for s in searches):
            return
        lower = searches[0]
        hi = searches[1].first_id - 1 if len(searches) > 1 else self._newest[portal]
        del self._searches[portal]
        self.logger.info(
            "Backfill of %s: %s..%s is ids %d-%d (found with %d probes)",
            portal, self.since, self.until or "now", lower.first_id, hi, self.crawler.stats.get_value(
                "antara/discovery/probes", 0),
        )  # fmt: skip
        if lower.first_id > hi:
            self._inc("bounds/empty")
            return
        async for request in self._emit_id_requests({portal: [(lower.first_id, hi)]}):
            yield request

    # -- archive reads (plain store calls; async so they can be routed through a retrying helper) -------------------

    async def archived_bounds(self, portal: str) -> tuple[int | None, int | None]:
        try:
            return await self.archive_read(lambda archive: ledger.archived_bounds(archive.engine, portal))
        except ArchiveUnavailable:  # the run is being closed (exit 4); the next run backfills
            return None, None

    async def unsettled_ids(self, portal: str, lo: int, hi: int) -> list[tuple[int, int]]:
        settings = self.crawler.settings
        recheck_days = settings.getfloat("ANTARA_RECHECK_DAYS")
        max_rechecks = settings.getint("ANTARA_NOT_FOUND_RECHECKS")
        try:
            return await self.archive_read(
                lambda archive: ledger.unsettled(
                    archive.engine, portal, lo, hi, recheck_days=recheck_days, max_rechecks=max_rechecks
                )
            )
        except ArchiveUnavailable:  # the run is being closed (exit 4); the next run requests these ids
            return []

    async def dated_neighbours(self, portal: str, days: list[date]) -> list[tuple[int, date]]:
        try:
            return await self.archive_read(lambda archive: ledger.dated_neighbours(archive.engine, portal, days))
        except ArchiveUnavailable:
            return []

    # -- progress and completeness ----------------------------------------------------------------------------------

    def _start_progress(self) -> None:
        interval = self.crawler.settings.getfloat("ANTARA_PROGRESS_INTERVAL")
        if interval > 0 and self._progress is None:
            self._progress = task.LoopingCall(self.log_progress)
            self._progress.start(interval, now=False)

    def log_progress(self) -> None:
        now = time.monotonic()
        for portal, state in self.backfills.items():
            if state.done < state.total:
                line = backfill.progress_line(portal, state.done, state.total, state.found, now - state.started)
                self.logger.info("Backfill progress %s", line)

    def stop_backfill(self) -> None:
        if self._progress is not None and self._progress.running:
            self._progress.stop()
        self._progress = None

    def completeness_lines(self) -> list[str]:
        """The ``scrapy gaps`` figures of each range this run's backfill covered (for the run summary)."""
        lines = []
        for portal, state in sorted(self.backfills.items()):
            if state.covered is None:
                continue
            lo, hi = state.covered
            try:  # the store pipeline may have closed the archive already: get_archive reopens it
                rep = ledger.range_report(get_archive(self.crawler).engine, portal, lo, hi)
            except Exception:  # noqa: BLE001 - the summary is best effort: an archive gone at the end loses no data
                self.logger.warning("Could not read the ledger of %s", portal, exc_info=True)
                continue
            lines.append(
                f"{portal} ids {lo}-{hi}: archived={rep.archived} not_found={rep.not_found} "
                f"not_article={rep.not_article} failed={rep.failed} unprobed={rep.unprobed} "
                f"(requested {state.done} of {state.total}, {state.found} articles)"
            )
        return lines


def _without(ids: Iterable[int], refused: set[int]) -> Iterator[int]:
    """``ids`` without those in ``refused`` (a function, so each portal keeps its own set)."""
    return (i for i in ids if i not in refused)
