"""The run summary extension (``RunSummary``): field coverage, failure decisions, pages that fell short."""

from __future__ import annotations

import logging

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler

from antara_crawler.extensions import RunSummary
from antara_crawler.items import Article, LinkStatus
from tests.helpers import antara_settings


def make(**settings):
    crawler = get_crawler(Spider, antara_settings(ANTARA_MIN_COVERAGE=90, ANTARA_MAX_ERROR_RATE=0.25, **settings))
    crawler.stats.open_spider()
    return crawler, RunSummary.from_crawler(crawler)


def article(i: int, **fields) -> Article:
    base = {"title": "T", "body": "B", "published_at": "2026-02-21T10:00:00+07:00", "category": "Ekonomi"}
    return Article(url=f"https://babel.antaranews.com/berita/{i}/x", portal="babel", antara_id=i, **(base | fields))


def close(crawler, ext, reason="finished", spider=None):
    ext.spider_closed(spider or Spider("antara"), reason)
    return crawler.stats.get_value("antara/run_failed")


def test_coverage_per_field():
    crawler, ext = make()
    for i in range(4):
        ext.item_scraped(article(i, category=None if i else "Ekonomi"))
    ext.item_scraped(LinkStatus("u", "babel", 9, 404, "http_404"))  # not an article: not counted
    cov = ext.coverage()
    assert cov["title"] == 100.0 and cov["category"] == 25.0 and cov["tags"] == 0.0
    assert "url" not in cov


def test_healthy_run_passes(caplog):
    crawler, ext = make()
    crawler.stats.set_value("antara/store/new", 3)
    crawler.stats.set_value("downloader/request_count", 10)
    for i in range(3):
        ext.item_scraped(article(i))
    with caplog.at_level(logging.INFO):
        assert close(crawler, ext) is None
    text = caplog.text
    assert "Run summary (finished): new=3 updated=0 unchanged=0" in text
    assert "title 100.0%" in text and "result: ok" in text
    assert crawler.stats.get_value("antara/coverage/published_at") == 100.0


def test_nothing_new_is_not_a_failure():
    crawler, ext = make()
    crawler.stats.set_value("downloader/request_count", 3)
    assert close(crawler, ext) is None


def test_low_coverage_fails_and_names_the_pages(caplog):
    crawler, ext = make()
    crawler.stats.set_value("antara/store/new", 10)
    for i in range(10):
        ext.item_scraped(article(i, published_at=None if i < 2 else "2026-02-21T10:00:00+07:00"))
    with caplog.at_level(logging.INFO):
        failed = close(crawler, ext)
    assert failed.startswith("coverage: published_at 80.0%")
    assert "scrapy savefixture https://babel.antaranews.com/berita/0/x    # missing published_at" in caplog.text
    assert "Run FAILED" in caplog.text


def test_nothing_stored_fails():
    crawler, ext = make()
    crawler.stats.set_value("downloader/request_count", 10)
    ext.item_dropped(article(1, title=None), exception=Exception("missing_title"))
    crawler.stats.set_value("antara/dropped/no_article_markup", 4)
    assert close(crawler, ext).startswith("nothing_stored")


def test_interrupted_run_is_not_nothing_stored():
    crawler, ext = make()
    crawler.stats.set_value("antara/dropped/no_article_markup", 1)
    assert close(crawler, ext, reason="shutdown") is None


def test_a_callback_that_raised_fails_the_run():
    crawler, ext = make()
    crawler.stats.set_value("antara/store/new", 5)
    crawler.stats.set_value("downloader/request_count", 12)
    crawler.stats.set_value("spider_exceptions/count", 1)
    crawler.stats.set_value("spider_exceptions/TypeError", 1)
    assert close(crawler, ext).startswith("spider_errors: 1 callback(s) raised")


@pytest.mark.parametrize(("errors", "failed"), [(2, False), (3, True)])
def test_error_rate_threshold(errors, failed):
    crawler, ext = make()
    crawler.stats.set_value("antara/store/new", 5)
    crawler.stats.set_value("downloader/request_count", 12)
    crawler.stats.set_value("retry/count", 2)  # retries are not requests of their own
    crawler.stats.set_value("antara/errors/http_503", errors)
    crawler.stats.set_value("antara/errors/ignored", 5)  # robots.txt refusals are not errors
    assert bool(close(crawler, ext)) is failed


def test_spider_short_pages_listed(caplog):
    crawler, ext = make()
    crawler.stats.set_value("antara/store/new", 1)
    ext.item_scraped(article(1))
    spider = Spider("antara")
    spider.short_pages = [("https://papua.antaranews.com/berita/7/z", "no_article_markup")]
    with caplog.at_level(logging.INFO):
        close(crawler, ext, spider=spider)
    assert "scrapy savefixture https://papua.antaranews.com/berita/7/z    # no_article_markup" in caplog.text


def test_disabled_by_setting():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        RunSummary(get_crawler(Spider, {"ANTARA_RUN_SUMMARY": False}))


def test_connected_to_signals():
    crawler, ext = make()
    crawler.signals.send_catch_log(signals.item_scraped, item=article(1), response=None, spider=None)
    assert ext.articles == 1
