"""Feeds carry articles only.

Spiders also yield ``LinkStatus`` records (a dead related target, a soft 404) for the archive; they have no place
in a feed of articles. ``FeedExporter`` here is Scrapy's, with one change: a feed that names no ``item_classes`` and
no ``item_filter`` of its own gets ``ArticleFilter``. It replaces Scrapy's FeedExporter in settings.EXTENSIONS.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.feedexport import FeedExporter as ScrapyFeedExporter
from scrapy.extensions.feedexport import ItemFilter

from antara_crawler.items import Article


class ArticleFilter(ItemFilter):
    def accepts(self, item: Any) -> bool:
        return isinstance(item, Article)


class FeedExporter(ScrapyFeedExporter):
    def _load_filter(self, feed_options: dict[str, Any]) -> ItemFilter:
        if not feed_options.get("item_classes") and not feed_options.get("item_filter"):
            return ArticleFilter(feed_options)
        return super()._load_filter(feed_options)
