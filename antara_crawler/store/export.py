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
import itertools
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError

from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.progress import Progress
from antara_crawler.store import schema as s
from antara_crawler.store.extras import require
from antara_crawler.store.reads import RELATED_ALL_FIELDS
from antara_crawler.store.records import (
    CHUNK_SIZE,
    ArchiveRecord,
    _ids_statement,
    _is_everything,
    iter_archive,
    iter_records,
)
from antara_crawler.store.search import (
    ArchiveFilter,
    QueryError,
    is_query_error,
    query_error,
)

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
#: the article columns of the CSV export: the feed fields without ``related`` (which has its own file)
CSV_FIELDS = [f for f in ARTICLE_FEED_FIELDS if f != "related"]
#: the columns of the related-links CSV: the article's key, then every column of its link
RELATED_CSV_FIELDS = ["portal", "antara_id", *RELATED_ALL_FIELDS]


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
    """Raise :class:`~antara_crawler.store.extras.MissingExtra` (one line) when ``fmt`` needs a missing library."""
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
    "CHUNK_SIZE",
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
