"""Reading the archive back as records: articles in chunks, in id order, inside one read transaction.

The whole archive by keyset pagination over ``articles.id``; a filter by one streamed query for the matching ids whose
rows are then fetched chunk by chunk; the tags and related links of a chunk with one query each. Each article becomes
the feeds' record shape (:data:`~antara_crawler.items.ARTICLE_FEED_FIELDS`); :mod:`~antara_crawler.store.export`
writes them out.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError

from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.portals import tz_for
from antara_crawler.store import schema as s
from antara_crawler.store.reads import RELATED_ALL_FIELDS, id_in, related_of, tags_of
from antara_crawler.store.search import (
    ArchiveFilter,
    articles_fts,
    fts_match,
    is_query_error,
    is_sqlite,
    query_error,
    text_match,
)
from antara_crawler.store.stories import story_sizes

CHUNK_SIZE = 1000
_ARTICLE_COLUMNS = (
    "id",
    "url",
    "portal",
    "antara_id",
    "title",
    "body",
    "dateline",
    "published_at",
    "published_at_local",
    "published_raw",
    "reporter",
    "editor",
    "category",
    "image_url",
    "image_caption",
    "template",
    "last_crawled_at",
    "story_id",
)


@functools.lru_cache(maxsize=65536)  # crawl times and link dates repeat a lot
def _utc_iso(utc_text: str | None, portal: str | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) -> ISO 8601 in ``portal``'s zone (UTC when ``portal`` is None)."""
    if not utc_text:
        return None
    try:
        dt = datetime.fromisoformat(utc_text).replace(tzinfo=UTC)
    except ValueError:
        return utc_text
    return (dt.astimezone(tz_for(portal)) if portal else dt).isoformat(timespec="seconds")


def _is_everything(flt: ArchiveFilter) -> bool:
    return not (flt.portals or flt.since or flt.until or flt.query)


def _page_statement(last_id: int, size: int) -> Any:
    """The whole archive, keyset-paginated: the next ``size`` articles after ``last_id`` (a primary-key range scan)."""
    a = s.articles
    return select(*(a.c[name] for name in _ARTICLE_COLUMNS)).where(a.c.id > last_id).order_by(a.c.id).limit(size)


def _ids_statement(engine: Engine, flt: ArchiveFilter) -> Any:
    """The ids of the matching articles, in id order (narrow rows: the filters use their indexes, then one sort)."""
    a = s.articles
    if flt.query and is_sqlite(engine):
        # FTS5 yields its matches in rowid order, so this ORDER BY costs no sort
        return (
            select(articles_fts.c.rowid)
            .select_from(articles_fts.join(a, a.c.id == articles_fts.c.rowid))
            .where(fts_match(flt.query), *flt.conditions())
            .order_by(articles_fts.c.rowid)
        )
    stmt = select(a.c.id).where(*flt.conditions())
    if flt.query:  # PostgreSQL: text search through the GIN index ix_articles_tsv (store.search)
        stmt = stmt.where(text_match(engine, flt.query))
    return stmt.order_by(a.c.id)


def _rows_statement(ids: list[int]) -> Any:
    a = s.articles
    return select(*(a.c[name] for name in _ARTICLE_COLUMNS)).where(id_in(a.c.id, ids)).order_by(a.c.id)


@dataclass
class ArchiveRecord:
    """One article as exported: the feed record, plus the related links as the archive keeps them."""

    record: dict[str, Any]
    related_rows: list[dict[str, Any]]


def _to_record(row: Any, tags: list[str], related: list[dict[str, Any]], story_size: int = 1) -> ArchiveRecord:
    portal = row.portal
    links = [
        {
            "url": link["url"],
            "title": link["title"],
            # a related link's date is in the zone of the portal it points to, as in the feeds (see dates.py)
            "published_at": _utc_iso(link["published_at"], link["target_portal"] or portal),
            "kind": link["kind"],
        }
        for link in related
    ]
    values = {
        "url": row.url,
        "portal": portal,
        "antara_id": int(row.antara_id),
        "title": row.title,
        "body": row.body,
        "dateline": row.dateline,
        "published_at": row.published_at_local or _utc_iso(row.published_at, portal),
        "published_raw": row.published_raw,
        "reporter": row.reporter,
        "editor": row.editor,
        "category": row.category,
        "tags": tags,
        "image_url": row.image_url,
        "image_caption": row.image_caption,
        "related": links,
        "template": row.template,
        "fetched_at": _utc_iso(row.last_crawled_at, None),
        # an article with no story yet (archived before revision 0007, not rebuilt) is a story of its own
        "story_id": int(row.story_id) if row.story_id is not None else int(row.id),
        "story_size": story_size,
    }
    record = {name: values[name] for name in ARTICLE_FEED_FIELDS}
    return ArchiveRecord(record, related)


def _chunks(conn: Connection, engine: Engine, flt: ArchiveFilter, size: int) -> Iterator[list[Any]]:
    """The matching article rows, ``size`` at a time, in id order.

    Everything: keyset pagination (``id > last ORDER BY id LIMIT size``), one pass over the primary key. A filter:
    one streamed query for the matching ids (so a selective filter never re-sorts its matches once per chunk), and
    the rows of each chunk of ids fetched by id.
    """
    if _is_everything(flt):
        last_id = 0
        while rows := conn.execute(_page_statement(last_id, size)).all():
            yield rows
            last_id = rows[-1].id
            if len(rows) < size:
                return
        return
    try:
        ids = conn.execution_options(yield_per=size).execute(_ids_statement(engine, flt))
    except OperationalError as exc:
        if flt.query and is_query_error(exc):
            raise query_error(flt.query, exc) from None
        raise
    for part in ids.partitions(size):
        yield conn.execute(_rows_statement([row[0] for row in part])).all()


def iter_archive(
    engine: Engine, flt: ArchiveFilter | None = None, *, chunk_size: int = CHUNK_SIZE
) -> Iterator[ArchiveRecord]:
    """Every article matching ``flt`` in id order, as :class:`ArchiveRecord`, read ``chunk_size`` at a time.

    Raises :class:`~antara_crawler.store.search.QueryError` for a malformed full-text query (before any record).
    """
    flt = flt or ArchiveFilter()
    with engine.connect() as conn:  # one read transaction: a consistent snapshot
        for rows in _chunks(conn, engine, flt, chunk_size):
            ids = [row.id for row in rows]
            tags = tags_of(conn, ids)
            related = related_of(conn, ids, RELATED_ALL_FIELDS)
            sizes = story_sizes(conn, [row.story_id for row in rows])
            for row in rows:
                yield _to_record(row, tags.get(row.id, []), related.get(row.id, []), sizes.get(row.story_id, 1))


def iter_records(engine: Engine, flt: ArchiveFilter | None = None, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every matching article as a feed record (the shape of ``scrapy crawl -O out.jsonl``)."""
    for item in iter_archive(engine, flt, **kwargs):
        yield item.record


__all__ = ["CHUNK_SIZE", "ArchiveRecord", "iter_archive", "iter_records"]
