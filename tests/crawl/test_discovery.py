"""The ``antara`` spider's discovery decisions, in process: arguments, feeds, listings, paging, window, depth.

The archive is replaced by a fake that answers ``first_seen`` (and counts the queries), robots.txt is off, and
callbacks run on saved pages built with ``file_response``.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from antara_crawler.items import Article, RelatedLink
from antara_crawler.spiders.antara import AntaraCrawlSpider
from tests.helpers import SAMPLES, antara_settings, file_response, load_json

LISTING = SAMPLES / "regional_terkini_listing_page2.html"
LISTING_URL = "https://babel.antaranews.com/terkini/2"
LISTING_KEYS = [("babel", i["antara_id"]) for i in load_json(SAMPLES / "regional_terkini_listing_page2.json")["items"]]
FEED = SAMPLES / "regional_rss_terkini.xml"
FEED_URL = "https://babel.antaranews.com/rss/terkini.xml"


#: when the fake's known keys were first seen: before any spider of these tests started
EARLIER_RUN = "2000-01-01 00:00:00"


class FakeArchive:
    closed = False

    def __init__(self, known=(), first_seen_at: str = EARLIER_RUN):
        self.known = set(known)
        self.first_seen_at = first_seen_at
        self.queries: list[list[tuple[str, int]]] = []

    def first_seen(self, keys):
        keys = list(keys)
        self.queries.append(keys)
        return {k: self.first_seen_at for k in keys if k in self.known}


def make_spider(known=(), first_seen_at: str = EARLIER_RUN, **kwargs) -> AntaraCrawlSpider:
    crawler = get_crawler(AntaraCrawlSpider, antara_settings(ROBOTSTXT_OBEY=False))
    spider = AntaraCrawlSpider.from_crawler(crawler, **{"portals": "babel", **kwargs})
    crawler.antara_archive = FakeArchive(known, first_seen_at)  # what store.get_archive(crawler) answers
    spider.__dict__["_catch_up"] = False  # the previous run finished (no crawl_runs table here)
    return spider


def run(agen) -> list:
    async def collect():
        return [x async for x in agen]

    return asyncio.run(collect())


def listing_response(page: int = 2) -> HtmlResponse:
    response = file_response(LISTING, LISTING_URL)
    response.meta.update({"antara_portal": "babel", "antara_page": page})
    return response


def feed_response():
    response = file_response(FEED, FEED_URL)
    response.meta.update({"antara_portal": "babel"})
    return response


def article_requests(out) -> list[Request]:
    return [r for r in out if isinstance(r, Request) and "/berita/" in r.url]


def listing_requests(out) -> list[Request]:
    return [r for r in out if isinstance(r, Request) and "/terkini" in r.url]


def stat(spider, key):
    return spider.crawler.stats.get_value(f"antara/discovery/{key}")


# --- arguments -----------------------------------------------------------------------------------------------------


def test_defaults():
    spider = make_spider()
    assert spider.portal_names == ["babel"]
    assert (spider.since, spider.until, spider.max_pages, spider.related_depth, spider.refresh) == (
        None,
        None,
        50,
        0,
        False,
    )
    assert spider.sources == ["rss", "terkini"]


def test_all_portals():
    assert len(make_spider(portals="all").portal_names) > 30


@pytest.mark.parametrize(
    "kwargs",
    [
        {"portals": "babel,atlantis"},
        {"since": "21-02-2026"},
        {"since": "2026-02-21", "until": "2026-02-20"},
        {"max_pages": "many"},
        {"related_depth": "-1"},
        {"sources": "rss,sitemap"},
    ],
)
def test_bad_arguments_fail_loudly(kwargs):
    with pytest.raises(ValueError):
        make_spider(**kwargs)


def test_start_requests_feed_and_first_page():
    spider = make_spider(portals="babel,papua")

    async def collect():
        return [r async for r in spider.start()]

    urls = [r.url for r in asyncio.run(collect())]
    assert urls == [
        "https://babel.antaranews.com/rss/terkini.xml",
        "https://babel.antaranews.com/terkini",
        "https://papua.antaranews.com/rss/terkini.xml",
        "https://papua.antaranews.com/terkini",
    ]


def test_sources_rss_only():
    spider = make_spider(sources="rss")

    async def collect():
        return [r async for r in spider.start()]

    assert [r.url for r in asyncio.run(collect())] == ["https://babel.antaranews.com/rss/terkini.xml"]


# --- feeds ---------------------------------------------------------------------------------------------------------


def test_feed_schedules_unknown_articles_only():
    spider = make_spider(known=[("babel", 556231)])
    out = run(spider.parse_feed(feed_response()))
    ids = [int(r.url.split("/")[4]) for r in article_requests(out)]
    assert ids == [556228, 556224, 556219, 556215]  # the archived one and the /foto/ item are left out
    assert len(spider.crawler.antara_archive.queries) == 1  # one archive query for the whole feed
    assert stat(spider, "skipped_not_article") == 1


def test_feed_missing_is_not_an_error():
    spider = make_spider()
    response = HtmlResponse(FEED_URL, status=404, body=b"<html></html>", request=Request(FEED_URL))
    response.meta["antara_portal"] = "babel"
    assert run(spider.parse_feed(response)) == []
    assert stat(spider, "feed_missing") == 1


# --- listings and paging -------------------------------------------------------------------------------------------


def test_listing_schedules_articles_and_next_page():
    spider = make_spider()
    out = run(spider.parse_listing_page(listing_response()))
    assert [r.url for r in article_requests(out)] == [
        i["url"] for i in load_json(SAMPLES / "regional_terkini_listing_page2.json")["items"]
    ]
    assert [r.url for r in listing_requests(out)] == ["https://babel.antaranews.com/terkini/3"]
    assert len(spider.crawler.antara_archive.queries) == 1


def test_listing_all_archived_stops_paging():
    spider = make_spider(known=LISTING_KEYS)
    out = run(spider.parse_listing_page(listing_response()))
    assert out == []
    assert stat(spider, "stop/all_archived") == 1


def test_listing_archived_by_this_run_goes_on():
    # every entry is archived, but by this run (from the feed or a related link before the listing page came):
    # that says nothing about the older pages, so paging goes on (a first run once stopped here and lost them)
    spider = make_spider(known=LISTING_KEYS, first_seen_at="9999-12-31 00:00:00")
    out = run(spider.parse_listing_page(listing_response()))
    assert article_requests(out) == [] and len(listing_requests(out)) == 1
    assert stat(spider, "stop/all_archived") is None


def test_listing_all_archived_goes_on_after_an_unfinished_run():
    spider = make_spider(known=LISTING_KEYS)
    spider.__dict__["_catch_up"] = True  # the previous run was killed: older pages may still miss articles
    out = run(spider.parse_listing_page(listing_response()))
    assert article_requests(out) == [] and len(listing_requests(out)) == 1


def test_previous_run_read_from_crawl_runs(tmp_path):
    from antara_crawler.store import Archive

    archive = Archive.open(f"sqlite:///{tmp_path / 'a.db'}")
    finished = archive.start_run("antara", {})
    archive.finish_run(finished, {}, "finished")
    spider = make_spider()
    spider.crawler.antara_archive = archive
    del spider.__dict__["_catch_up"]
    spider._started_at = "9999-12-31 00:00:00"
    assert asyncio.run(spider._catching_up()) is False
    archive.start_run("antara", {})  # killed: never finished
    del spider.__dict__["_catch_up"]
    assert asyncio.run(spider._catching_up()) is True
    archive.close()


def test_listing_paging_reads_first_seen_from_a_real_archive(tmp_path):
    from antara_crawler.store import Archive
    from tests.helpers.articles import make_article

    archive = Archive.open(f"sqlite:///{tmp_path / 'a.db'}")
    before_the_run = [make_article(i, fetched_at="2026-02-20T08:00:00+07:00") for _, i in LISTING_KEYS]
    archive.write_batch(before_the_run)
    spider = make_spider()
    spider.crawler.antara_archive = archive
    assert run(spider.parse_listing_page(listing_response())) == []  # earlier runs walked this page
    assert stat(spider, "stop/all_archived") == 1

    spider = make_spider()
    spider.crawler.antara_archive = archive
    spider._started_at = "2026-02-20 00:00:00"  # a run that started before they were first seen (01:00 UTC)
    assert len(listing_requests(run(spider.parse_listing_page(listing_response())))) == 1
    archive.close()


def test_listing_partly_archived_goes_on():
    spider = make_spider(known=LISTING_KEYS[:-1])
    out = run(spider.parse_listing_page(listing_response()))
    assert len(article_requests(out)) == 1 and len(listing_requests(out)) == 1


def test_listing_refresh_refetches_and_goes_on():
    spider = make_spider(known=LISTING_KEYS, refresh="1")
    out = run(spider.parse_listing_page(listing_response()))
    assert len(article_requests(out)) == len(LISTING_KEYS) and len(listing_requests(out)) == 1


def test_listing_older_than_since_stops_paging():
    spider = make_spider(since="2026-02-22")
    out = run(spider.parse_listing_page(listing_response()))
    assert out == []
    assert stat(spider, "stop/older_than_since") == 1


def test_listing_window_filters_by_listing_date():
    spider = make_spider(since="2026-02-21", until="2026-02-21")
    out = run(spider.parse_listing_page(listing_response()))
    assert len(article_requests(out)) == 6  # the two items of 20 February are left out
    assert len(listing_requests(out)) == 1  # only a page older than since as a whole ends the paging
    spider = make_spider(until="2026-02-20")
    out = run(spider.parse_listing_page(listing_response()))
    assert len(article_requests(out)) == 2 and len(listing_requests(out)) == 1  # newer items: keep paging


def test_listing_max_pages():
    spider = make_spider(max_pages="2")
    out = run(spider.parse_listing_page(listing_response(page=2)))
    assert listing_requests(out) == [] and stat(spider, "stop/max_pages") == 1


def test_listing_404_falls_back_to_query_form():
    spider = make_spider()
    url = "https://babel.antaranews.com/terkini/3"
    response = HtmlResponse(url, status=404, body=b"", request=Request(url))
    response.meta.update({"antara_portal": "babel", "antara_page": 3})
    (request,) = run(spider.parse_listing_page(response))
    assert request.url == "https://babel.antaranews.com/terkini?page=3"
    assert spider._page_url("babel", 4, spider._page_styles()["babel"]).endswith("/terkini?page=4")


def test_empty_listing_page_ends_paging():
    spider = make_spider()
    response = HtmlResponse(LISTING_URL, body=b"<html><body>kosong</body></html>", request=Request(LISTING_URL))
    response.meta.update({"antara_portal": "babel", "antara_page": 2})
    assert run(spider.parse_listing_page(response)) == []
    assert stat(spider, "stop/empty_page") == 1


def test_same_article_scheduled_once_per_run():
    spider = make_spider()
    first = article_requests(run(spider.parse_feed(feed_response())))
    second = article_requests(run(spider.parse_listing_page(listing_response())))
    assert len(first) == 5
    assert {r.url for r in first}.isdisjoint({r.url for r in second})


# --- related links and depth ---------------------------------------------------------------------------------------


def _article(antara_id: int, *related: tuple[int, str | None]) -> Article:
    return Article(
        url=f"https://babel.antaranews.com/berita/{antara_id}/x",
        portal="babel",
        antara_id=antara_id,
        title="T",
        body="B",
        published_at="2026-02-21T10:00:00+07:00",
        related=[
            RelatedLink(f"https://babel.antaranews.com/berita/{rid}/y", "R", pub, "berita_terkait")
            for rid, pub in related
        ],
    )


def _ids(requests) -> list[int]:
    return [int(r.url.split("/")[4]) for r in requests]


def test_related_depth_zero_follows_nothing():
    spider = make_spider()
    assert run(spider._follow_related(_article(1, (2, None)), 0)) == []


def test_related_followed_up_to_depth():
    spider = make_spider(related_depth="1", known=[("babel", 3)])
    spider._depths[("babel", 1)] = 0
    out = run(spider._follow_related(_article(1, (2, None), (3, None)), 0))
    assert _ids(out) == [2]  # 3 is archived already
    assert out[0].meta["antara_depth"] == 1
    assert run(spider._follow_related(_article(2, (4, None)), 1)) == []  # the limit


def test_shorter_path_follows_cut_links_without_refetch():
    spider = make_spider(related_depth="2")
    spider._depths.update({("babel", 1): 0, ("babel", 2): 2})
    assert run(spider._follow_related(_article(2, (5, None)), 2)) == []  # at the limit: links cut
    out = run(spider._follow_related(_article(1, (2, None)), 0))  # 2 is one hop from 1 after all
    assert _ids(out) == [5]  # 2 is not fetched again; its cut link is followed now
    assert spider._depths[("babel", 2)] == 1


def test_related_window_uses_the_link_date():
    spider = make_spider(related_depth="1", since="2026-01-01")
    out = run(spider._follow_related(_article(1, (2, "2025-12-31T10:00:00+07:00"), (3, None)), 0))
    assert _ids(out) == [3]
    assert out[0].meta["antara_check_window"] is True  # undated: the article's own date decides


def test_window_ok_uses_the_portal_zone():
    spider = make_spider(since="2026-02-21")
    # 2026-02-20 23:30 WIB is 2026-02-21 00:30 WITA: the portal's own calendar decides
    assert spider._window_ok("2026-02-20T23:30:00+07:00", "babel") is False
    assert spider._window_ok("2026-02-20T23:30:00+07:00", "makassar") is True
    assert spider._window_ok(None, "babel") is None
    assert spider.since == date(2026, 2, 21)


def test_project_settings_enable_feeds_summary_and_new_items_feed():
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    extensions = settings.getdict("EXTENSIONS")
    assert extensions["antara_crawler.extensions.RunSummary"] == 500
    assert extensions["antara_crawler.feeds.FeedExporter"] == 0
    assert extensions["antara_crawler.newfeed.NewItemsFeed"] == 500
    assert extensions["scrapy.extensions.feedexport.FeedExporter"] is None
    assert settings.getint("CONCURRENT_ITEMS") == 16
