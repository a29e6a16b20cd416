"""Feeds carry articles only, each with its story.

Spiders also yield ``LinkStatus`` records (a dead related target, a soft 404) for the archive; they have no place
in a feed of articles. ``FeedExporter`` here is Scrapy's, with two changes, and replaces Scrapy's FeedExporter in
settings.EXTENSIONS:

- a feed that names no ``item_classes`` and no ``item_filter`` of its own gets ``ArticleFilter``;
- with the store pipeline on, an Article is exported once the archive has stored it, so its ``story_id`` and
  ``story_size`` (set by the archive, see :mod:`antara_crawler.store.stories`) are in the feed: the exporter holds
  each Article until the batch holding it is committed (:data:`antara_crawler.signals.articles_stored`; at most a
  batch, ``ANTARA_BATCH_SIZE``, is held), and writes whatever is still held when the spider closes (an item the
  archive refused, or a batch that could not be written, then goes out without a story).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.extensions.feedexport import FeedExporter as ScrapyFeedExporter
from scrapy.extensions.feedexport import ItemFilter
from scrapy.utils.misc import load_object

from antara_crawler import signals as antara_signals
from antara_crawler.items import Article


class ArticleFilter(ItemFilter):
    def accepts(self, item: Any) -> bool:
        return isinstance(item, Article)


class FeedExporter(ScrapyFeedExporter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FeedExporter:
        exporter = super().from_crawler(crawler)
        exporter.hold_until_stored = _stores(crawler)
        exporter.held = []
        crawler.signals.connect(exporter.articles_stored, signal=antara_signals.articles_stored)
        return exporter

    def _load_filter(self, feed_options: dict[str, Any]) -> ItemFilter:
        if not feed_options.get("item_classes") and not feed_options.get("item_filter"):
            return ArticleFilter(feed_options)
        return super()._load_filter(feed_options)

    def item_scraped(self, item: Any, spider: Any) -> None:
        if getattr(self, "hold_until_stored", False) and isinstance(item, Article) and item.story_id is None:
            self.held.append((item, spider))
            return
        super().item_scraped(item, spider)

    def articles_stored(self, **_: Any) -> None:
        """A batch is committed: export the held Articles that now have their story, in the order they came."""
        ready = [(item, spider) for item, spider in self.held if item.story_id is not None]
        if ready:
            self.held = [(item, spider) for item, spider in self.held if item.story_id is None]
            for item, spider in ready:
                super().item_scraped(item, spider)

    async def close_spider(self, spider: Any) -> None:
        held, self.held = getattr(self, "held", []), []
        for item, item_spider in held:
            super().item_scraped(item, item_spider)
        await super().close_spider(spider)


def _stores(crawler: Crawler) -> bool:
    """Whether the crawl's pipelines include the archive's store pipeline (or a subclass of it)."""
    from antara_crawler.pipelines.store import StorePipeline

    for path, order in crawler.settings.getwithbase("ITEM_PIPELINES").items():
        if order is None:
            continue
        cls = load_object(path) if isinstance(path, str) else path
        if isinstance(cls, type) and issubclass(cls, StorePipeline):
            return True
    return False
