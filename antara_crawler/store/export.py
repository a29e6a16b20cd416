"""Stream the archive (or a filter of it) out as JSON Lines, JSON or CSV, in constant memory.

    from antara_crawler.store.export import export
    counts = export(archive.engine, "out.jsonl", ArchiveFilter(portals=["babel"], since="2024-01-01"))

Articles are read in chunks, in id order, inside one read transaction (a consistent snapshot even while a crawl
writes): the whole archive by keyset pagination over ``articles.id`` (``id > last ORDER BY id LIMIT n``), a filter by
one streamed query for the matching ids whose rows are then fetched chunk by chunk. The tags and related links of a
chunk are fetched with one query each, never one per row. Memory stays flat whatever the archive's size.

Record shape (JSON and JSON Lines): exactly the feeds' (:data:`~antara_crawler.items.ARTICLE_FEED_FIELDS`), with
``published_at`` as printed on the page (ISO 8601 with the portal's offset), related links nested as ``{url, title,
published_at, kind}`` (their dates in the zone of the portal they point to, like the feeds) and ``fetched_at`` =
``last_crawled_at`` as ISO 8601 UTC. CSV: ``<out>.csv`` holds one row per article (``tags`` as a JSON array) and
``<out>_related.csv`` one row per related link, keyed by ``portal, antara_id``, with what the archive knows about
each target (``target_portal``, ``target_antara_id``, ``target_status``).
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import logging
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.portals import tz_for
from antara_crawler.progress import Progress
from antara_crawler.store import schema as s
from antara_crawler.store.search import (
    ArchiveFilter,
    QueryError,
    articles_fts,
    fts_match,
    is_query_error,
    is_sqlite,
    query_error,
    text_match,
)
from antara_crawler.store.stories import require, story_sizes

logger = logging.getLogger(__name__)

FORMATS = ("jsonl", "json", "csv", "parquet", "graphml", "gexf")
EXTENSIONS = {
    ".jsonl": "jsonl",
    ".jl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".graphml": "graphml",
    ".gexf": "gexf",
}
#: formats written by a library to a binary file (the ``analysis`` extra): never to stdout
BINARY_FORMATS = ("parquet", "graphml", "gexf")
#: articles per chunk (one SELECT for the articles, one for their tags, one for their related links)
CHUNK_SIZE = 1000
#: the article columns of the CSV export: the feed fields without ``related`` (which has its own file)
CSV_FIELDS = [f for f in ARTICLE_FEED_FIELDS if f != "related"]
RELATED_CSV_FIELDS = [
    "portal",
    "antara_id",
    "position",
    "kind",
    "url",
    "title",
    "published_at",
    "published_raw",
    "target_portal",
    "target_antara_id",
    "target_status",
]
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


class ExportError(Exception):
    """The export cannot be written (bad path, unknown format); the message is one line."""


def infer_format(path: str, given: str | None = None) -> str:
    """The output format: ``given`` if any, else from the extension (``-`` means JSON Lines)."""
    if given:
        fmt = given.lower()
        if fmt == "jl":
            fmt = "jsonl"
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {given!r} (use {', '.join(FORMATS)})")
        return fmt
    if path == "-":
        return "jsonl"
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ExportError(
            f"cannot tell the format of {path!r} from its extension: name it .jsonl, .json, .csv, .parquet, "
            ".graphml or .gexf or give --format"
        )
    return fmt


def related_csv_path(path: str | Path) -> Path:
    """``out.csv`` -> ``out_related.csv`` (next to it)."""
    p = Path(path)
    return p.with_name(f"{p.stem}_related{p.suffix or '.csv'}")


# --- reading ---------------------------------------------------------------------------------------------------


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
    return select(*(a.c[name] for name in _ARTICLE_COLUMNS)).where(_id_in(a.c.id, ids)).order_by(a.c.id)


def _id_in(col: Any, ids: list[int]) -> Any:
    """``col IN (ids)``, or a range when the sorted ids have no gaps (the usual case: cheaper than a long IN list)."""
    return col.between(ids[0], ids[-1]) if ids[-1] - ids[0] + 1 == len(ids) else col.in_(ids)


def _tags_of(conn: Connection, ids: list[int]) -> dict[int, list[str]]:
    at, t = s.article_tags, s.tags
    stmt = (
        select(at.c.article_id, t.c.name)
        .join(t, t.c.id == at.c.tag_id)
        .where(_id_in(at.c.article_id, ids))
        .order_by(at.c.article_id, at.c.position)
    )
    out: dict[int, list[str]] = defaultdict(list)
    for article_id, name in conn.execute(stmt).all():
        out[article_id].append(name)
    return out


def _related_of(conn: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    r = s.related_links
    stmt = (
        select(
            r.c.article_id,
            r.c.position,
            r.c.kind,
            r.c.url,
            r.c.title,
            r.c.published_at,
            r.c.published_raw,
            r.c.target_portal,
            r.c.target_antara_id,
            r.c.target_status,
        )
        .where(_id_in(r.c.article_id, ids))
        .order_by(r.c.article_id, r.c.position)
    )
    result = conn.execute(stmt)
    keys = list(result.keys())
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in result.all():
        out[row[0]].append(dict(zip(keys, row, strict=True)))
    return out


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
            tags = _tags_of(conn, ids)
            related = _related_of(conn, ids)
            sizes = story_sizes(conn, [row.story_id for row in rows])
            for row in rows:
                yield _to_record(row, tags.get(row.id, []), related.get(row.id, []), sizes.get(row.story_id, 1))


def iter_records(engine: Engine, flt: ArchiveFilter | None = None, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every matching article as a feed record (the shape of ``scrapy crawl -O out.jsonl``)."""
    for item in iter_archive(engine, flt, **kwargs):
        yield item.record


# --- writing ---------------------------------------------------------------------------------------------------


@dataclass
class ExportCounts:
    articles: int = 0
    related: int = 0
    paths: tuple[str, ...] = ()
    nodes: int = 0  # GraphML/GEXF: nodes and edges of the link graph
    edges: int = 0


def _dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def _write_jsonl(items: Iterable[ArchiveRecord], out: IO[str], counts: ExportCounts) -> None:
    for item in items:
        out.write(_dumps(item.record))
        out.write("\n")
        counts.articles += 1
        counts.related += len(item.related_rows)


def _write_json(items: Iterable[ArchiveRecord], out: IO[str], counts: ExportCounts) -> None:
    # the layout of Scrapy's JsonItemExporter: "[", one record per line, "]"
    out.write("[")
    for item in items:
        out.write("\n" if counts.articles == 0 else ",\n")
        out.write(_dumps(item.record))
        counts.articles += 1
        counts.related += len(item.related_rows)
    out.write("\n]\n" if counts.articles else "]\n")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _write_csv(items: Iterable[ArchiveRecord], out: IO[str], related_out: IO[str], counts: ExportCounts) -> None:
    articles = csv.writer(out, lineterminator="\n")
    related = csv.writer(related_out, lineterminator="\n")
    articles.writerow(CSV_FIELDS)
    related.writerow(RELATED_CSV_FIELDS)
    for item in items:
        record = item.record
        articles.writerow([_csv_cell(record[name]) for name in CSV_FIELDS])
        feed_links = record["related"]
        for row, feed_link in zip(item.related_rows, feed_links, strict=True):
            values = {
                **row,
                "portal": record["portal"],
                "antara_id": record["antara_id"],
                "published_at": feed_link["published_at"],
            }
            related.writerow([_csv_cell(values[name]) for name in RELATED_CSV_FIELDS])
        counts.articles += 1
        counts.related += len(item.related_rows)


def _primed(items: Iterator[ArchiveRecord]) -> Iterator[ArchiveRecord]:
    """Run the first query now (its errors surface here), then hand back every item."""
    first = next(items, None)
    return items if first is None else itertools.chain([first], items)


class _AtomicFile:
    """A text file written as ``<path>.part`` and renamed into place on success (removed on failure)."""

    def __init__(self, path: Path):
        self.path = path
        self.part = path.with_name(path.name + ".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file: IO[str] = open(self.part, "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        self.file.close()
        os.replace(self.part, self.path)

    def abort(self) -> None:
        self.file.close()
        self.part.unlink(missing_ok=True)


def export(
    engine: Engine,
    output: str,
    flt: ArchiveFilter | None = None,
    *,
    fmt: str | None = None,
    chunk_size: int = CHUNK_SIZE,
    stdout: IO[str] | None = None,
    progress: Progress | None = None,
) -> ExportCounts:
    """Write the matching articles to ``output`` (``-``: stdout) as JSON Lines, JSON or CSV, or (to a file) as
    Parquet (:mod:`~antara_crawler.store.parquet`) or their related-link graph as GraphML or GEXF
    (:mod:`~antara_crawler.store.graph`). ``progress`` is advanced by one per article.

    Files appear whole or not at all (written to ``.part`` and renamed). Raises :class:`ExportError` for a path that
    cannot be written or an unknown format, :class:`QueryError` for a malformed full-text query.
    """
    fmt = infer_format(output, fmt)
    check_libraries(fmt)
    flt = flt or ArchiveFilter()
    counts = ExportCounts()
    items = _primed(iter_archive(engine, flt, chunk_size=chunk_size))  # a bad query fails before any output
    if progress is not None:
        items = _counted(items, progress)
    if fmt in BINARY_FORMATS:
        if output == "-":
            raise ExportError(f"{fmt} is written to a file: give -o FILE.{fmt}, not stdout")
        return _export_binary(engine, items, Path(output), fmt, counts)
    if output == "-":
        if fmt == "csv":
            raise ExportError("CSV goes to two files (articles and related links): give -o FILE.csv, not stdout")
        out = stdout or sys.stdout
        (_write_jsonl if fmt == "jsonl" else _write_json)(items, out, counts)
        out.flush()
        counts.paths = ("-",)
        return counts
    files = [_AtomicFile(Path(output))]
    try:
        if fmt == "csv":
            files.append(_AtomicFile(related_csv_path(output)))
            _write_csv(items, files[0].file, files[1].file, counts)
        else:
            (_write_jsonl if fmt == "jsonl" else _write_json)(items, files[0].file, counts)
    except BaseException as exc:
        for f in files:
            f.abort()
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {output}: {exc.strerror or exc}") from None
        raise
    for f in files:
        f.commit()
    counts.paths = tuple(str(f.path) for f in files)
    logger.info(
        "exported %d articles (%d related links) to %s", counts.articles, counts.related, ", ".join(counts.paths)
    )
    return counts


def count_matching(engine: Engine, flt: ArchiveFilter | None = None) -> int:
    """How many articles ``flt`` matches (the total of a progress bar)."""
    flt = flt or ArchiveFilter()
    with engine.connect() as conn:
        if _is_everything(flt):
            return int(conn.execute(select(func.count()).select_from(s.articles)).scalar_one())
        ids = _ids_statement(engine, flt).order_by(None).subquery()
        try:
            return int(conn.execute(select(func.count()).select_from(ids)).scalar_one())
        except OperationalError as exc:
            if flt.query and is_query_error(exc):
                raise query_error(flt.query, exc) from None
            raise


#: the libraries (of the ``analysis`` extra) each binary format needs
FORMAT_LIBRARIES = {"parquet": ("pyarrow", "pyarrow.parquet"), "graphml": ("networkx",), "gexf": ("networkx",)}


def check_libraries(fmt: str) -> None:
    """Raise :class:`~antara_crawler.store.stories.MissingExtra` (one line) when ``fmt`` needs a missing library."""
    for module in FORMAT_LIBRARIES.get(fmt, ()):
        require(module)


def _counted(items: Iterator[ArchiveRecord], progress: Progress) -> Iterator[ArchiveRecord]:
    for item in items:
        yield item
        progress.update()


def _export_binary(
    engine: Engine, items: Iterator[ArchiveRecord], path: Path, fmt: str, counts: ExportCounts
) -> ExportCounts:
    """Parquet, GraphML or GEXF, written to ``<path>.part`` by the library and renamed into place on success."""
    part = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            from antara_crawler.store.parquet import write_parquet

            def records() -> Iterator[dict[str, Any]]:
                for item in items:
                    counts.articles += 1
                    counts.related += len(item.related_rows)
                    yield item.record

            write_parquet(records(), part)
        else:
            from antara_crawler.store.graph import build_graph, write_graph

            def tally() -> Iterator[ArchiveRecord]:
                for item in items:
                    counts.articles += 1
                    counts.related += len(item.related_rows)
                    yield item

            graph = build_graph(engine, tally())
            write_graph(graph, part, fmt)
            counts.nodes, counts.edges = graph.number_of_nodes(), graph.number_of_edges()
        os.replace(part, path)
    except BaseException as exc:
        part.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise
    counts.paths = (str(path),)
    logger.info("exported %d articles (%d related links) to %s", counts.articles, counts.related, path)
    return counts


__all__ = [
    "BINARY_FORMATS",
    "CSV_FIELDS",
    "FORMATS",
    "RELATED_CSV_FIELDS",
    "ArchiveRecord",
    "ExportCounts",
    "ExportError",
    "check_libraries",
    "count_matching",
    "QueryError",
    "export",
    "infer_format",
    "iter_archive",
    "iter_records",
    "related_csv_path",
]
