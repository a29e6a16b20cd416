"""Drop articles that must never reach the archive, each with a counted reason.

Stats: ``antara/dropped/<reason>`` with reasons ``missing_id``, ``missing_title``, ``missing_body``,
``bad_field`` (a field of the wrong type). The URL of each dropped page is logged once at INFO level so the page can
become a fixture (``scrapy savefixture URL``).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from antara_crawler.items import Article

logger = logging.getLogger(__name__)

_TEXT_FIELDS = ("url", "portal", "title", "body", "dateline", "published_at", "published_raw", "reporter", "editor")


def validation_problem(article: Article) -> str | None:
    """The reason an article must be dropped, or None when it can be stored."""
    if not isinstance(article.antara_id, int) or isinstance(article.antara_id, bool) or article.antara_id <= 0:
        return "missing_id"
    if not article.portal or not article.url:
        return "missing_id"
    for name in _TEXT_FIELDS:
        value = getattr(article, name)
        if value is not None and not isinstance(value, str):
            return "bad_field"
    if not isinstance(article.tags, list) or not all(isinstance(t, str) for t in article.tags):
        return "bad_field"
    if not (article.title or "").strip():
        return "missing_title"
    if not (article.body or "").strip():
        return "missing_body"
    return None


class ValidationPipeline:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, Article):
            return item
        reason = validation_problem(item)
        if reason:
            self.stats.inc_value(f"antara/dropped/{reason}")
            logger.info("Dropped %s (%s); to keep it as a fixture: scrapy savefixture %s", item.url, reason, item.url)
            raise DropItem(f"{reason}: {item.url}")
        return item
