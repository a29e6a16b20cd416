"""Count the dates an article could not be given: ``antara/dates/unparsed``.

Dates are filled in one place, when the page is extracted (``extract.parse_article`` and the stitching of a
multi-page article call :func:`antara_crawler.dates.fill_article_dates`; relative forms such as "2 jam lalu" are
resolved against the fetch time, the raw strings kept). This pipeline only counts the raw strings left without a
date and logs each distinct one once, at DEBUG level.
"""

from __future__ import annotations

import logging

from antara_crawler.dates import unparsed_dates
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
        for raw in unparsed_dates(item):
            self.stats.inc_value("antara/dates/unparsed")
            if raw not in self._logged and len(self._logged) < 10_000:
                self._logged.add(raw)
                logger.debug("Unparsed date %r in %s", raw, item.url)
        return item
