"""Feeds of what a run added or changed, and a CSV feed exporter with readable list cells.

``NewItemsFeed`` (extension): with ``ANTARA_NEW_ITEMS_FEED`` set (e.g. ``feeds/%(name)s/%(time)s.jsonl``), every run
writes one JSON Lines file holding only the articles that the run stored as new or changed, in the feeds' record
shape (:data:`~antara_crawler.items.ARTICLE_FEED_FIELDS`, UTF-8). The path takes Scrapy's feed URI placeholders
(``%(name)s``, ``%(time)s``, any spider attribute); folders are created. It listens to
:data:`antara_crawler.signals.articles_stored`, sent by the store pipeline after each committed batch, so a line is
written only once its article is safely in the archive; an article that the run saw but that did not change is not
in the file. Enable it in ``EXTENSIONS`` (``"antara_crawler.newfeed.NewItemsFeed": 500``).

``CsvArticleExporter``: Scrapy's ``CsvItemExporter`` joins a list of strings with commas and writes a list of dicts as
a Python ``repr`` (``[{'url': ...}]``). This one writes every list or dict cell (``tags``, ``related``) as JSON text,
so ``-O out.csv`` can be read back without guessing. It only handles CSV (``FEED_EXPORTERS = {"csv": ...}``); JSON
and JSON Lines feeds are unchanged.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.exporters import CsvItemExporter, JsonLinesItemExporter

from antara_crawler import signals as antara_signals
from antara_crawler.items import ARTICLE_FEED_FIELDS, Article

try:  # recent Scrapy: fills the placeholders and leaves other % characters (e.g. %20) alone
    from scrapy.extensions.feedexport import apply_uri_params
except ImportError:  # pragma: no cover - older Scrapy formats the whole URI

    def apply_uri_params(uri_template: str, uri_params: dict[str, Any]) -> str:
        return uri_template % uri_params


logger = logging.getLogger(__name__)


def feed_path(pattern: str, spider: Spider, now: datetime | None = None) -> Path:
    """``pattern`` with Scrapy's feed URI placeholders filled in: ``%(name)s``, ``%(time)s`` and spider attributes.

    ``%(time)s`` is the UTC time without microseconds and with ``-`` for ``:``, as in Scrapy's feeds. A ``file://``
    prefix is accepted.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    params: dict[str, Any] = {}
    for name in dir(spider):
        if name.startswith("__"):
            continue
        try:
            params[name] = getattr(spider, name)
        except Exception:  # a property that cannot be read now (e.g. needs the crawler) is no placeholder
            continue
    params["name"] = spider.name
    params["time"] = now.replace(microsecond=0).isoformat().replace(":", "-")
    params["batch_time"] = now.isoformat().replace(":", "-")
    params["batch_id"] = 1
    path = apply_uri_params(pattern, params)
    if path.startswith("file://"):
        path = path[len("file://") :]
    return Path(path)


class NewItemsFeed:
    """Writes each new or changed Article, as stored, to one JSON Lines file per run (``ANTARA_NEW_ITEMS_FEED``)."""

    def __init__(self, crawler: Crawler, pattern: str):
        self.crawler = crawler
        self.stats = crawler.stats
        self.pattern = pattern
        self.path: Path | None = None
        self.file: IO[bytes] | None = None
        self.exporter: JsonLinesItemExporter | None = None
        self.count = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NewItemsFeed:
        pattern = (crawler.settings.get("ANTARA_NEW_ITEMS_FEED") or "").strip()
        if not pattern:
            raise NotConfigured("ANTARA_NEW_ITEMS_FEED is empty")
        ext = cls(crawler, pattern)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.articles_stored, signal=antara_signals.articles_stored)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        path = feed_path(self.pattern, spider)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "wb")  # noqa: SIM115 - closed at spider_closed
        except OSError as exc:
            # the archive is the crawl's job; a feed that cannot be written must not stop it, but must be seen
            logger.error("new-items feed disabled: cannot write %s: %s", path, exc.strerror or exc)
            if self.stats is not None:
                self.stats.set_value("antara/new_items_feed/error", f"{path}: {exc.strerror or exc}")
            return
        self.path = path
        self.exporter = JsonLinesItemExporter(self.file, fields_to_export=ARTICLE_FEED_FIELDS, encoding="utf-8")
        self.exporter.start_exporting()
        logger.info("new-items feed: %s", path)

    def articles_stored(self, new: list[Article] | None = None, updated: list[Article] | None = None, **_: Any) -> None:
        if self.exporter is None or self.file is None:
            return
        written = 0
        for article in [*(new or []), *(updated or [])]:
            if isinstance(article, Article):
                self.exporter.export_item(article)
                written += 1
        if written:
            self.file.flush()  # a downstream reader tailing the file sees whole batches
            self.count += written
            if self.stats is not None:
                self.stats.inc_value("antara/new_items_feed/items", written)

    def spider_closed(self, spider: Spider) -> None:
        if self.exporter is None or self.file is None:
            return
        self.exporter.finish_exporting()
        self.file.close()
        self.exporter, self.file = None, None
        logger.info("new-items feed: %d new or changed articles in %s", self.count, self.path)


class CsvArticleExporter(CsvItemExporter):
    """Scrapy's CSV exporter, with list and dict cells (``tags``, ``related``) written as JSON text."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        value = super(CsvItemExporter, self).serialize_field(field, name, value)  # the field's own serializer
        if isinstance(value, list | tuple | dict):
            return json.dumps(value, ensure_ascii=False)
        return value
