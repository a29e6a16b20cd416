"""GcFreeze: the start-up heap leaves the garbage collector's walks when the spider opens; later objects do not."""

from __future__ import annotations

import gc

from scrapy import Spider, signals

from antara_crawler import settings as project
from antara_crawler.gc_freeze import GcFreeze
from tests.helpers import spider_with_crawler


class FreezeSpider(Spider):
    name = "freeze"


def test_opening_the_spider_freezes_what_start_up_allocated():
    spider = spider_with_crawler(FreezeSpider, {})
    extension = GcFreeze.from_crawler(spider.crawler)  # held: Scrapy connects signal handlers weakly
    try:
        gc.unfreeze()
        start_up = [[] for _ in range(10)]  # stand-ins for what start-up keeps (lists: tracked by the collector)
        spider.crawler.signals.send_catch_log(signal=signals.spider_opened, spider=spider)
        later = []  # allocated after the spider opened: walked and collected as before
        walked = {id(x) for x in gc.get_objects()}  # the collector's generations (not the frozen ones)
        assert extension is not None and gc.get_freeze_count() > 0
        assert not any(id(x) in walked for x in start_up)
        assert id(later) in walked
    finally:
        gc.unfreeze()


def test_the_project_enables_it():
    assert "antara_crawler.gc_freeze.GcFreeze" in project.EXTENSIONS
