"""``GcFreeze``: when the spider opens, move everything allocated so far into the collector's permanent generation,
and make the young collections rarer.

By ``spider_opened`` a crawl process holds a few hundred thousand long-lived objects it never frees: the modules of
Scrapy, Twisted, SQLAlchemy, lxml and ours, the settings, the archive's engine and compiled statements. Python's
cyclic garbage collector walks all of them on every full (generation 2) collection, which the crawl's steady
allocation triggers every few hundred pages: on a 1,000-page crawl of the offline mirror, 3 such passes cost 0.38 s
(about 125 ms each, the reactor held meanwhile), 0.03 s after ``gc.freeze()``. Nothing changes for what the crawl
allocates afterwards, which is collected as before; the frozen start-up objects are the ones that live as long as
the process anyway.

Then the youngest generation is collected every :data:`THRESHOLDS` ``[0]`` net allocations instead of Python's 700:
a page's parse allocates thousands of container objects (tree proxies, items, requests, rows) that reference counting
frees at once, and the default threshold ran about 360 young and 33 middle collections on that crawl (0.33-0.39 s of
its ~6.5 s CPU, each walking whatever the reactor held at that moment), against 4 young ones (0.02-0.04 s) at 10,000.
The middle and old thresholds keep their ratios, so cyclic garbage is still found, only in larger steps; what can pile
up in between is at most 10,000 young objects (a few MB). Enabled through ``EXTENSIONS`` (set it to ``None`` there to
turn both off).
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: ``gc.set_threshold`` once the start-up heap is frozen (Python's default: 700, 10, 10)
THRESHOLDS = (10_000, 10, 10)


class GcFreeze:
    def __init__(self, crawler: Crawler):
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GcFreeze:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        # No gc.collect() first: it would be one more full pass (~75 ms) to free the ~2,000 objects start-up left
        # as garbage (a few hundred KB), which stay frozen instead.
        gc.freeze()
        gc.set_threshold(*THRESHOLDS)
        logger.debug(
            "start-up heap frozen: %d objects the collector no longer walks; thresholds %s",
            gc.get_freeze_count(),
            THRESHOLDS,
        )
