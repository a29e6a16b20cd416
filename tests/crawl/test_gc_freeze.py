"""GcFreeze: the start-up heap leaves the garbage collector's walks when the spider opens; later objects do not; the
young collections become rarer (cyclic garbage is still collected)."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy import Spider, signals

from antara_crawler import settings as project
from antara_crawler.gc_freeze import THRESHOLDS, GcFreeze
from tests.helpers import spider_with_crawler

#: ``gc.get_threshold()`` of a fresh interpreter
PYTHON_DEFAULT = (700, 10, 10)


class FreezeSpider(Spider):
    name = "freeze"


@pytest.fixture(autouse=True)
def _collector_restored():
    """Each test leaves the collector as it found it (thresholds, nothing frozen)."""
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)
    gc.unfreeze()


def test_opening_the_spider_freezes_what_start_up_allocated():
    spider = spider_with_crawler(FreezeSpider, {})
    extension = GcFreeze.from_crawler(spider.crawler)  # held: Scrapy connects signal handlers weakly
    gc.unfreeze()
    start_up = [[] for _ in range(10)]  # stand-ins for what start-up keeps (lists: tracked by the collector)
    spider.crawler.signals.send_catch_log(signal=signals.spider_opened, spider=spider)
    later = []  # allocated after the spider opened: walked and collected as before
    walked = {id(x) for x in gc.get_objects()}  # the collector's generations (not the frozen ones)
    assert extension is not None and gc.get_freeze_count() > 0
    assert not any(id(x) in walked for x in start_up)
    assert id(later) in walked


def test_opening_the_spider_raises_the_young_threshold_and_cycles_are_still_collected():
    spider = spider_with_crawler(FreezeSpider, {})
    extension = GcFreeze.from_crawler(spider.crawler)
    gc.set_threshold(*PYTHON_DEFAULT)
    spider.crawler.signals.send_catch_log(signal=signals.spider_opened, spider=spider)
    assert extension is not None and gc.get_threshold() == THRESHOLDS
    assert THRESHOLDS[0] > PYTHON_DEFAULT[0] and THRESHOLDS[1:] == PYTHON_DEFAULT[1:]

    class Node:
        pass

    cycle = Node()
    cycle.self = cycle  # freed only by the cyclic collector
    ref = weakref.ref(cycle)
    del cycle
    kept = [[] for _ in range(THRESHOLDS[0] * 2)]  # net allocations of tracked objects past the young threshold
    assert ref() is None
    del kept


def test_the_project_enables_it():
    assert "antara_crawler.gc_freeze.GcFreeze" in project.EXTENSIONS
