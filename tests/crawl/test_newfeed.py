"""The per-run feed of new and changed articles (``ANTARA_NEW_ITEMS_FEED``, antara_crawler.newfeed.NewItemsFeed), in
process; two real runs feeding what they added are in ``tests/e2e/test_e2e_feeds.py``."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

import pytest
from scrapy import Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from antara_crawler import signals as antara_signals
from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.newfeed import NewItemsFeed, feed_path
from tests.helpers import fixture_archive as fx


class _Spider(Spider):
    name = "antara"
    portals = "babel"


def _extension(pattern: str):
    crawler = get_crawler(_Spider, {"ANTARA_NEW_ITEMS_FEED": pattern})
    crawler.spider = _Spider()
    crawler.stats.open_spider()
    return crawler, NewItemsFeed.from_crawler(crawler)


def test_off_unless_configured():
    with pytest.raises(NotConfigured):
        NewItemsFeed.from_crawler(get_crawler(_Spider, {"ANTARA_NEW_ITEMS_FEED": ""}))


def test_path_placeholders_like_scrapy_feeds(tmp_path):
    now = datetime(2024, 12, 20, 1, 2, 3, 456, tzinfo=UTC)
    path = feed_path(str(tmp_path / "feeds/%(name)s/%(portals)s-%(time)s.jsonl"), _Spider(), now)
    assert path == tmp_path / "feeds/antara/babel-2024-12-20T01-02-03+00-00.jsonl"
    assert feed_path("file:///srv/%(name)s.jsonl", _Spider(), now).as_posix() == "/srv/antara.jsonl"


def test_writes_each_stored_new_or_updated_article_once_as_a_feed_record(tmp_path):
    crawler, ext = _extension(str(tmp_path / "feeds/%(name)s/%(time)s.jsonl"))
    spider = crawler.spider
    crawler.signals.send_catch_log(signal=signals.spider_opened, spider=spider)
    assert ext.path is not None and ext.path.parent == tmp_path / "feeds" / "antara"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\+00-00\.jsonl", ext.path.name)
    first, second = fx.ARTICLES[:2], fx.ARTICLES[2:4]
    crawler.signals.send_catch_log(signal=antara_signals.articles_stored, new=first, updated=[])
    crawler.signals.send_catch_log(signal=antara_signals.articles_stored, new=[second[0]], updated=[second[1]])
    crawler.signals.send_catch_log(signal=antara_signals.articles_stored, new=[], updated=[])
    crawler.signals.send_catch_log(signal=signals.spider_closed, spider=spider, reason="finished")
    raw = ext.path.read_text(encoding="utf-8")
    records = [json.loads(line) for line in raw.splitlines()]
    assert records == [fx.feed_record(a) for a in fx.ARTICLES[:4]]
    assert all(list(r) == ARTICLE_FEED_FIELDS for r in records)
    assert "“Nelayan" in raw and "\\u201c" not in raw  # UTF-8, not ASCII-escaped
    assert crawler.stats.get_value("antara/new_items_feed/items") == 4


def test_an_unwritable_path_disables_the_feed_without_stopping_the_crawl(tmp_path, caplog):
    (tmp_path / "a_file").write_text("x")
    crawler, ext = _extension(str(tmp_path / "a_file" / "%(name)s.jsonl"))
    with caplog.at_level(logging.ERROR, logger="antara_crawler.newfeed"):
        ext.spider_opened(crawler.spider)
    assert "new-items feed disabled: cannot write" in caplog.text
    ext.articles_stored(new=fx.ARTICLES[:1], updated=[])  # no error
    ext.spider_closed(crawler.spider)
    assert crawler.stats.get_value("antara/new_items_feed/error")
