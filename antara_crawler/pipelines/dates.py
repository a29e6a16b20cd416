"""Fill ``published_at`` of articles and of their related links from the raw strings.

The raw strings are kept; relative forms ("2 jam lalu") are resolved against the fetch time. What cannot be parsed
is counted (``antara/dates/unparsed``) and logged once, at DEBUG level, per distinct raw string.
"""

from __future__ import annotations

import logging

from antara_crawler.dates import fill_article_dates
from antara_crawler.items import Article

logger = logging.getLogger(__name__)


class DatesPipeline:
    def __init__(self, stats):
        self.stats = stats
        self._logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        for raw in fill_article_dates(item):
            self.stats.inc_value("antara/dates/unparsed")
            if raw not in self._logged and len(self._logged) < 10_000:
                self._logged.add(raw)
                logger.debug("Unparsed date %r in %s", raw, item.url)
        return item
