"""The archive: open (and migrate) a database, write items in batches, answer the questions crawls and commands ask.

:class:`Archive` is a thin facade over the store's modules: :mod:`~antara_crawler.store.engine` (engine, PRAGMAs,
migrations), :mod:`~antara_crawler.store.rows` (validation, hashing, rows), :mod:`~antara_crawler.store.writer`
(upserts, versions, link statuses, locks), :mod:`~antara_crawler.store.reads` and :mod:`~antara_crawler.store.runs`.

Every write goes through :meth:`Archive.write_batch`: one transaction per batch, keyed by ``(portal, antara_id)``.
A new article is inserted; a re-crawl with the same ``content_hash`` only moves ``last_crawled_at``; changed content
keeps the previous version in ``article_versions`` and replaces the article's related links and tags. An item that
cannot be stored is dropped whole, with a counted reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from antara_crawler.items import Article, LinkStatus
from antara_crawler.store import reads, runs, stories, writer
from antara_crawler.store.engine import (
    DEFAULT_BUSY_SECONDS,
    DEFAULT_DB_URL,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)
from antara_crawler.store.rows import (
    CONTENT_FIELDS,
    BadItem,
    PreparedBatch,
    WriteResult,
    content_hash,
    prepare,
    to_utc_text,
    utc_now,
)


class Archive:
    """The article archive behind one API. Create it with :meth:`open`."""

    def __init__(self, engine: Engine, *, store_html: bool = True):
        self.engine = engine
        self.store_html = store_html
        self.closed = False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        store_html: bool = True,
        migrate: bool = True,
        busy_seconds: float = DEFAULT_BUSY_SECONDS,
    ) -> Archive:
        """Open the archive at ``url`` (default: $ANTARA_DB_URL or sqlite:///data/antara.db), upgraded to head."""
        url = url or os.environ.get("ANTARA_DB_URL") or DEFAULT_DB_URL
        engine = make_engine(url, busy_seconds=busy_seconds)
        if migrate:
            upgrade(engine)
        return cls(engine, store_html=store_html)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads (store/reads.py) --------------------------------------------------------------------------------

    def known_keys(self, keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of these ``(portal, antara_id)`` keys are archived."""
        return reads.known_keys(self.engine, keys)

    def first_seen(self, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], str]:
        """When each of these keys that is archived was first seen (UTC text; see :func:`reads.first_seen`)."""
        return reads.first_seen(self.engine, keys)

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical article URLs are archived (compared by their key, so any slug matches)."""
        return reads.known_urls(self.engine, urls)

    def archived_related(self, keys: Iterable[tuple[str, int]]) -> list[tuple[str, str | None]]:
        """``(url, published_at)`` of the related links of these archived articles (see :func:`reads.archived_related`)."""
        return reads.archived_related(self.engine, keys)

    def count(self, table: str = "articles") -> int:
        return reads.count(self.engine, table)

    def get_article(self, portal: str, antara_id: int) -> dict[str, Any] | None:
        """The archived row of one article with its ``tags`` and ``related`` lists, or None."""
        return reads.get_article(self.engine, portal, antara_id)

    def versions(self, portal: str, antara_id: int) -> list[dict[str, Any]]:
        """Previous versions of an article, oldest first."""
        return reads.versions(self.engine, portal, antara_id)

    def month_listing(self, portal: str, month: str) -> list[dict[str, Any]]:
        """Articles of one portal published in a month (``YYYY-MM``, UTC), oldest first."""
        return reads.month_listing(self.engine, portal, month)

    def iter_pages(self, portal: str | None = None) -> Iterator[tuple[str, int, str, bytes, str]]:
        """Every stored page, decompressed: ``(portal, antara_id, url, html_bytes, fetched_at)``."""
        return reads.iter_pages(self.engine, portal)

    def iter_article_pages(
        self, portal: str | None = None, batch: int = 200
    ) -> Iterator[tuple[str, int, str, list[tuple[str, bytes]]]]:
        """Every article's stored pages, decompressed: ``(portal, antara_id, fetched_at, [(url, html), ...])``."""
        return reads.iter_article_pages(self.engine, portal, batch)

    def link_status_of(self, portal: str, antara_id: int) -> dict[str, Any] | None:
        return reads.link_status_of(self.engine, portal, antara_id)

    # --- runs (store/runs.py) ----------------------------------------------------------------------------------

    def previous_run(
        self, spider: str, *, before_run_id: int | None = None, started_before: str | None = None
    ) -> dict[str, Any] | None:
        """The last ``crawl_runs`` row of ``spider`` before a run (see :func:`runs.previous_run`)."""
        return runs.previous_run(self.engine, spider, before_run_id=before_run_id, started_before=started_before)

    def start_run(self, spider: str, arguments: Mapping[str, Any] | None = None) -> int:
        return runs.start_run(self.engine, spider, arguments)

    def finish_run(self, run_id: int, counts: Mapping[str, Any], finish_reason: str | None) -> None:
        runs.finish_run(self.engine, run_id, counts, finish_reason)

    # --- writes (store/writer.py) ------------------------------------------------------------------------------

    def check_writable(self) -> None:
        """Raises when the archive cannot be written (see :func:`writer.check_writable`)."""
        writer.check_writable(self.engine)

    def record_link_status(
        self, portal: str, antara_id: int, status: int, *, url: str | None = None, reason: str | None = None
    ) -> int:
        """Mark the related links pointing at ``(portal, antara_id)`` with ``status``; returns the rows marked."""
        return writer.record_link_status(self.engine, portal, antara_id, status, url=url, reason=reason)

    def new_batch(self) -> PreparedBatch:
        """An empty batch to :meth:`PreparedBatch.add` items to, then :meth:`write_prepared`."""
        return PreparedBatch(now=utc_now(), store_html=self.store_html)

    def load_writer(self) -> None:
        """Load what the first write of this process needs and would otherwise load then (the story grouping's numpy,
        about 0.1 s of CPU): the store pipeline calls it when it opens, before the crawl's first request."""
        stories.load()

    def write_batch(self, items: Sequence[Article | LinkStatus]) -> WriteResult:
        """Store a batch in one transaction. Bad items are dropped (counted by reason), never half-written."""
        batch = self.new_batch()
        for item in items:
            batch.add(item)
        return self.write_prepared(batch)

    def write_prepared(self, batch: PreparedBatch) -> WriteResult:
        """Write a prepared batch in one transaction (thread-safe: may run in a writer thread)."""
        return writer.write_prepared(self.engine, batch)


__all__ = [
    "CONTENT_FIELDS",
    "DEFAULT_DB_URL",
    "Archive",
    "BadItem",
    "PreparedBatch",
    "WriteResult",
    "alembic_config",
    "content_hash",
    "current_revision",
    "head_revision",
    "make_engine",
    "prepare",
    "to_utc_text",
    "upgrade",
    "utc_now",
]
