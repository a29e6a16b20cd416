"""Drop articles that must never reach the archive, each with a counted reason.

The rule is :func:`antara_crawler.validation.drop_reason` (the one owner of "what may be stored"); this pipeline only
counts and drops. Stats: ``antara/dropped/<reason>`` with reasons ``missing_id``, ``missing_title``,
``missing_body``, ``bad_field`` (a field of the wrong type). The URL of each dropped page is logged once at INFO level
so the page can become a fixture (``scrapy savefixture URL``).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from antara_crawler.items import Article
from antara_crawler.validation import drop_reason

logger = logging.getLogger(__name__)


class ValidationPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        reason = drop_reason(item)
        if reason:
            self.stats.inc_value(f"antara/dropped/{reason}")
            logger.info("Dropped %s (%s); to keep it as a fixture: scrapy savefixture %s", item.url, reason, item.url)
            raise DropItem(f"{reason}: {item.url}")
        return item
