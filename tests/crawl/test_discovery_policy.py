"""The pure discovery policy (antara_crawler/discovery.py): date window, paging stop, listing URLs, arguments."""

from __future__ import annotations

from datetime import date

import pytest

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
from antara_crawler.extract.listing import ListingEntry
from antara_crawler.items import Article


def entry(antara_id: int, published_at: str | None, portal: str = "babel") -> ListingEntry:
    url = f"https://{portal}.antaranews.com/berita/{antara_id}/x"
    return ListingEntry(url, portal, antara_id, None, None, None, published_at)


def stop(items, known=(), page: int = 2, **kwargs) -> str | None:
    policy = {"since": None, "until": None, "max_pages": 50, "refresh": False, "catching_up": False} | kwargs
    return stop_reason(items, set(known), page, **policy)


def test_day_of_reads_the_day_in_the_portal_zone():
    assert day_of("2026-02-20T23:30:00+07:00", "babel") == date(2026, 2, 20)
    assert day_of("2026-02-20T23:30:00+07:00", "makassar") == date(2026, 2, 21)  # WITA
    assert day_of("2026-02-20T23:30:00+07:00", "papua") == date(2026, 2, 21)  # WIT
    assert day_of("2026-02-20T23:30:00", "babel") == date(2026, 2, 20)  # naive: the portal's zone
    assert day_of(None, "babel") is None
    assert day_of("", "babel") is None
    assert day_of("not a date", "babel") is None


def test_window_ok_bounds_are_inclusive_portal_days():
    since, until = date(2026, 2, 21), date(2026, 2, 22)
    assert window_ok("2026-02-21T00:00:00+07:00", "babel", since, until) is True
    assert window_ok("2026-02-22T23:59:00+07:00", "babel", since, until) is True
    assert window_ok("2026-02-20T23:30:00+07:00", "babel", since, until) is False
    assert window_ok("2026-02-20T23:30:00+07:00", "makassar", since, until) is True
    assert window_ok("2026-02-23T00:00:00+07:00", "babel", since, until) is False
    assert window_ok(None, "babel", since, until) is None  # unknown: the article's own date decides later
    assert window_ok(None, "babel", None, None) is True  # no window: everything is in it
    assert window_ok("2026-02-23T00:00:00+07:00", "babel", None, until) is False
    assert window_ok("2020-01-01T00:00:00+07:00", "babel", None, until) is True


def test_archived_before_keeps_only_keys_first_seen_before_the_run_started():
    first_seen = {
        ("babel", 1): "2026-02-20 23:59:59",  # an earlier run
        ("babel", 2): "2026-02-21 00:00:00",  # the second the run started: not counted (one page more, never less)
        ("babel", 3): "2026-02-21 00:05:00",  # archived by this run (its feed, a related link, a sibling process)
    }
    assert archived_before(first_seen, "2026-02-21 00:00:00") == {("babel", 1)}
    assert archived_before({}, "2026-02-21 00:00:00") == set()


def test_stop_when_every_dated_item_is_older_than_since():
    items = [entry(1, "2026-01-01T10:00:00+07:00"), entry(2, "2026-01-02T10:00:00+07:00")]
    assert stop(items, since=date(2026, 1, 3)) == "older_than_since"
    assert stop(items, since=date(2026, 1, 2)) is None  # one item is on the first day of the window
    assert stop([*items, entry(3, None)], since=date(2026, 1, 3)) is None  # an undated item keeps paging


def test_stop_when_every_item_in_the_window_is_archived():
    items = [entry(1, "2026-01-05T10:00:00+07:00"), entry(2, "2026-01-04T10:00:00+07:00")]
    known = {("babel", 1), ("babel", 2)}
    assert stop(items, known) == "all_archived"
    assert stop(items, {("babel", 1)}) is None  # partly archived: go on
    assert stop(items, known, refresh=True) is None  # refresh re-fetches
    assert stop(items, known, catching_up=True) is None  # after an unfinished run: walk on to max_pages
    # items newer than until do not count: the archived ones inside the window decide
    assert stop([entry(3, "2026-01-09T10:00:00+07:00"), *items], known, until=date(2026, 1, 6)) == "all_archived"
    # an empty page (or one with only items after until) is not "all archived"
    assert stop([], known) is None


def test_stop_at_max_pages_and_zero_means_no_limit():
    items = [entry(1, "2026-01-05T10:00:00+07:00")]
    assert stop(items, page=3, max_pages=3) == "max_pages"
    assert stop(items, page=2, max_pages=3) is None
    assert stop(items, page=1000, max_pages=0) is None
    # older_than_since wins over max_pages (the reason is counted in the run's stats)
    assert stop(items, page=3, max_pages=3, since=date(2026, 2, 1)) == "older_than_since"


def test_listing_urls():
    assert listing_page_url("babel", 2, "path") == "https://babel.antaranews.com/terkini/2"
    assert listing_page_url("babel", 2, "query") == "https://babel.antaranews.com/terkini?page=2"
    assert is_listing_of("https://babel.antaranews.com/terkini/3", "babel")
    assert not is_listing_of("https://sumbar.antaranews.com/terkini/3", "babel")
    assert not is_listing_of("https://babel.antaranews.com/berita/1/x", "babel")


def test_article_date_falls_back_to_the_printed_date():
    art = Article(url="https://babel.antaranews.com/berita/1/x", portal="babel", antara_id=1)
    assert article_date(art) is None
    art.published_raw = "Senin, 5 Januari 2026 10:15 WIB"
    assert article_date(art) == "2026-01-05T10:15:00+07:00"
    art.published_at = "2026-01-06T08:00:00+07:00"
    assert article_date(art) == "2026-01-06T08:00:00+07:00"


def test_arguments():
    assert parse_day("2026-02-21", "since") == date(2026, 2, 21)
    assert parse_day(" 2026-02-21 ", "since") == date(2026, 2, 21)
    assert parse_day(None, "since") is None and parse_day("", "since") is None
    with pytest.raises(ValueError, match="since must be a date"):
        parse_day("21/02/2026", "since")
    assert parse_count(None, "max_pages", 50) == 50 and parse_count("", "max_pages", 50) == 50
    assert parse_count("0", "max_pages", 50) == 0 and parse_count(3, "max_pages", 50) == 3
    with pytest.raises(ValueError, match="whole number"):
        parse_count("many", "max_pages", 50)
    with pytest.raises(ValueError, match="negative"):
        parse_count("-1", "max_pages", 50)
