"""The ``antara`` spider's discovery policy as pure functions: the date window, when paging stops, listing URLs.

No Scrapy, no archive: each function takes what it decides on and returns the decision, so the policy has unit tests
of its own (``tests/crawl/test_discovery_policy.py``) and :mod:`antara_crawler.spiders.antara` only wires it to requests.

* **Date window.** ``since``/``until`` are calendar days in each portal's zone, both inclusive (:func:`window_ok`).
* **Paging.** :func:`stop_reason` says why paging stops after a listing page: all its dated items are older than
  ``since``; all its items inside the window are archived (unless ``refresh`` or catching up after an unfinished
  run); or ``max_pages`` is reached (0 = no limit).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Protocol

from antara_crawler.dates import parse_date
from antara_crawler.items import Article
from antara_crawler.portals import tz_for
from antara_crawler.urls import portal_url


class ListedItem(Protocol):
    """What the paging policy reads of a feed or listing entry (:class:`antara_crawler.extract.listing.ListingItem`)."""

    @property
    def portal(self) -> str: ...

    @property
    def published_at(self) -> str | None: ...

    @property
    def key(self) -> tuple[str, int]: ...


def day_of(iso: str | None, portal: str | None) -> date | None:
    """The calendar day of an ISO 8601 date in ``portal``'s zone (a naive date is in that zone); None if unreadable."""
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz_for(portal))
    return dt.astimezone(tz_for(portal)).date()


def window_ok(iso: str | None, portal: str | None, since: date | None, until: date | None) -> bool | None:
    """True/False when the date is inside/outside ``since..until``; None when unknown (no date shown)."""
    if not (since or until):
        return True
    day = day_of(iso, portal)
    if day is None:
        return None
    return (since is None or day >= since) and (until is None or day <= until)


def archived_before(first_seen: Mapping[tuple[str, int], str], started_at: str) -> set[tuple[str, int]]:
    """The keys of ``first_seen`` (key -> ``first_seen_at``, UTC text) archived before ``started_at`` (this run's
    start, same format): the evidence the ``all_archived`` rule takes that earlier runs walked a listing this far.

    An article this run archived (from the feed, a related link, a sibling process, or a page of the listing read
    after its articles were stored) says nothing of the kind; counting it stopped a first run's paging early. A key
    first seen in the very second the run started is left out too: paging goes on one page more, never less.
    """
    return {key for key, seen in first_seen.items() if seen < started_at}


def stop_reason(
    items: Sequence[ListedItem],
    known: Collection[tuple[str, int]],
    page: int,
    *,
    since: date | None,
    until: date | None,
    max_pages: int,
    refresh: bool,
    catching_up: bool,
) -> str | None:
    """Why paging stops after this listing page (``older_than_since``, ``all_archived``, ``max_pages``), or None to
    go on. ``known`` holds the keys among ``items`` archived before this run (:func:`archived_before`)."""
    dated = [day_of(e.published_at, e.portal) for e in items]
    if since and all(d is not None and d < since for d in dated):
        return "older_than_since"
    if not refresh and not catching_up:
        relevant = [e for e, d in zip(items, dated, strict=True) if not (until and d and d > until)]
        if relevant and all(e.key in known for e in relevant):
            return "all_archived"
    if max_pages and page >= max_pages:
        return "max_pages"
    return None


def article_date(article: Article) -> str | None:
    """The article's own date (ISO 8601), parsed from ``published_raw`` when ``published_at`` is not set."""
    if article.published_at:
        return article.published_at
    dt = parse_date(article.published_raw, portal=article.portal) if article.published_raw else None
    return dt.isoformat() if dt else None


def is_listing_of(url: str, portal: str) -> bool:
    """Whether ``url`` is a ``/terkini`` listing page of ``portal``."""
    ref_portal = url.split("//", 1)[-1].split(".", 1)[0]
    return ref_portal == portal and "/terkini" in url


def listing_page_url(portal: str, page: int, style: str) -> str:
    """Listing page ``page`` of ``portal``: ``/terkini/N`` (style ``path``) or ``/terkini?page=N`` (``query``)."""
    if style == "query":
        return portal_url(portal, f"/terkini?page={page}")
    return portal_url(portal, f"/terkini/{page}")


def parse_day(value: str | None, name: str) -> date | None:
    """A ``since``/``until`` argument: ``YYYY-MM-DD``, or None when empty; ValueError names the argument."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{name} must be a date like 2026-02-21, not {value!r}") from None


def parse_count(value: str | int | None, name: str, default: int) -> int:
    """A whole, non-negative spider argument (``max_pages``, ``related_depth``); ``default`` when empty."""
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ValueError(f"{name} must not be negative")
    return number


__all__ = [
    "article_date",
    "day_of",
    "is_listing_of",
    "listing_page_url",
    "parse_count",
    "parse_day",
    "stop_reason",
    "window_ok",
]
