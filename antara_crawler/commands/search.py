"""``scrapy search "kata kunci"``: full-text search over the archive, best first, with snippets.

    scrapy search '"BPJS Ketenagakerjaan"' --portal aceh,sumut --since 2024-01-01 --until 2024-12-31
    scrapy search 'banjir NOT rob' --limit 5 --json

The query is FTS5 syntax over title and body: words (all must occur), "a phrase", OR, NOT, prefix*, title:word and
NEAR(a b, 5) (SQLite only). Ranked by bm25 on SQLite and ts_rank_cd on PostgreSQL (the same syntax is translated
there; a title word weighs ten body words); each hit shows its portal, the date printed on the
page, the URL and a snippet with the matches in [brackets]. ``--json`` prints a JSON array of
``{rank, score, portal, antara_id, url, title, published_at, snippet}``. A malformed query prints one line, exit 2.
"""

from __future__ import annotations

import json
import textwrap
from typing import TYPE_CHECKING, Any

from scrapy.commands import ScrapyCommand

from antara_crawler.commands.common import ArchiveCommandMixin

if TYPE_CHECKING:
    from antara_crawler.store.search import SearchHit


def format_hit(hit: SearchHit) -> str:
    date = (hit.published_at or "")[:16].replace("T", " ") or "undated"
    lines = [f"{hit.rank:>3}. {hit.title or '(untitled)'}", f"     {hit.portal} · {date} · {hit.url}"]
    lines += textwrap.wrap(hit.snippet, width=100, initial_indent="     ", subsequent_indent="     ")
    return "\n".join(lines)


class Command(ArchiveCommandMixin, ScrapyCommand):
    def syntax(self) -> str:
        return "[options] <query>"

    def short_desc(self) -> str:
        return "Full-text search over the archive (FTS5 syntax, on SQLite or PostgreSQL), ranked, with snippets"

    def add_options(self, parser: Any) -> None:
        super().add_options(parser)
        self.add_archive_options(parser)
        parser.add_argument("--limit", type=int, default=20, help="how many hits (default 20)")
        parser.add_argument("--json", action="store_true", help="print the hits as a JSON array")

    def run(self, args: list[str], opts: Any) -> None:
        if not args:
            self.fail("give a search query, e.g. scrapy search '\"BPJS Ketenagakerjaan\"'")
            return
        from antara_crawler.store.search import ArchiveFilter, QueryError, search

        query = " ".join(args)
        try:
            flt = ArchiveFilter.from_options(opts.portal, opts.since, opts.until)
        except QueryError as exc:
            self.fail(str(exc))
            return
        archive = self.open_archive(opts)
        if archive is None:
            return
        try:
            hits = search(archive.engine, query, flt, limit=opts.limit)
        except QueryError as exc:
            self.fail(str(exc))
            return
        finally:
            archive.close()
        if opts.json:
            print(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
            return
        if not hits:
            print(f"no articles match {query!r}")
            return
        print("\n\n".join(format_hit(h) for h in hits))
