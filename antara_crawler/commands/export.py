"""``scrapy export``: dump the archive, or a filter of it, to JSON Lines, JSON, CSV or Parquet (streaming, constant
memory), or its related-link graph to GraphML or GEXF.

    scrapy export -o archive.jsonl                                   # everything, in the feeds' record shape
    scrapy export --portal aceh,sumut --since 2024-01-01 --until 2024-12-31 -o sumatra-2024.json
    scrapy export --query '"BPJS Ketenagakerjaan"' -o bpjs.csv       # bpjs.csv + bpjs_related.csv
    scrapy export --db data/other.db --format jsonl -o - | jq .title
    scrapy export -o archive.parquet                                 # pandas, Polars, DuckDB (the analysis extra)
    scrapy export --portal babel -o links.graphml                    # or links.gexf: networkx, Gephi

``--db`` takes a path or an SQLAlchemy URL (default ``ANTARA_DB_URL``). ``--since``/``--until`` take a day
(inclusive, the day printed on the page) or an ISO 8601 date-time. ``--query`` is FTS5 syntax, as in ``scrapy search``.
The format comes from the extension (``.jsonl``/``.jl``, ``.json``, ``.csv``, ``.parquet``, ``.graphml``, ``.gexf``)
unless ``--format`` says; ``-o -`` writes JSON Lines (or ``--format json``) to stdout. A bad option, query or path, or
a missing library of the ``analysis`` extra, prints one line and exits 2. A progress bar on a terminal, a log line
every ``ANTARA_PROGRESS_INTERVAL`` seconds elsewhere (to stderr; not with ``-o -``).
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from scrapy.commands import ScrapyCommand

from antara_crawler.commands.common import USAGE_EXIT, ArchiveCommandMixin

logger = logging.getLogger(__name__)

__all__ = ["USAGE_EXIT", "ArchiveCommandMixin", "Command"]


class Command(ArchiveCommandMixin, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] -o PATH"

    def short_desc(self) -> str:
        return "Export the archive (or a filter of it) to JSON Lines, JSON, CSV, Parquet, or its link graph"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        self.add_archive_options(parser)
        parser.add_argument("--query", default=None, help="only articles matching this full-text (FTS5) query")
        parser.add_argument(
            "--format", default=None, help="jsonl, json, csv, parquet, graphml or gexf; by default from the extension"
        )  # checked by store.export.infer_format, the one owner of the formats
        parser.add_argument("-o", "--output", default=None, metavar="PATH", help="file to write, or - for stdout")

    def run(self, args: list[str], opts: Any) -> None:
        if args:
            self.fail(f"unexpected argument {args[0]!r} (give the output with -o PATH)")
            return
        if not opts.output:
            self.fail("give the output file with -o PATH (or -o - for stdout)")
            return
        from antara_crawler.progress import Progress
        from antara_crawler.store.export import ExportError, check_libraries, count_matching, export, infer_format
        from antara_crawler.store.extras import MissingExtra
        from antara_crawler.store.search import ArchiveFilter, QueryError

        try:
            flt = ArchiveFilter.from_options(opts.portal, opts.since, opts.until, opts.query)
        except QueryError as exc:
            self.fail(str(exc))
            return
        archive = self.open_archive(opts)
        if archive is None:
            return
        progress = None
        completed = False
        try:
            check_libraries(infer_format(opts.output, opts.format))  # before the progress bar starts
            if opts.output != "-":
                total = count_matching(archive.engine, flt)
                interval = self.settings.getfloat("ANTARA_PROGRESS_INTERVAL")
                progress = Progress(total, "export", unit="articles", interval=interval)
            counts = export(archive.engine, opts.output, flt, fmt=opts.format, progress=progress)
            completed = True
        except (ExportError, QueryError, MissingExtra) as exc:
            self.fail(str(exc))
            return
        except BrokenPipeError:  # `scrapy export -o - | head`: the reader has had enough
            return
        finally:
            if progress is not None:
                progress.close(completed=completed)
            archive.close()
        if opts.output != "-":
            where = " and ".join(counts.paths)
            graph = f", a graph of {counts.nodes} nodes and {counts.edges} edges" if counts.nodes else ""
            print(
                f"exported {counts.articles} articles ({counts.related} related links{graph}) to {where}",
                file=sys.stderr,
            )
