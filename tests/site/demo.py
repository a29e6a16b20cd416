"""``make demo``: build the offline mirror, serve it on 127.0.0.1, crawl it into ``data/demo.db`` and query it.

Nothing leaves the machine: the crawl fetches every page from the local mirror through ``ANTARA_URL_TEMPLATE``.
Run it again and it starts from an empty ``data/demo.db``; pass ``--keep`` to crawl incrementally into the existing
one instead (the second run then fetches no article page).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from tests.helpers import ROOT, run_scrapy
from tests.site.build import build_site
from tests.site.server import MirrorServer

PORTALS = ("babel", "makassar", "papua", "www")
EXAMPLE_SQL = """\
SELECT a.portal, a.published_at_local, a.title, COUNT(r.id) AS related
FROM articles a LEFT JOIN related_links r ON r.article_id = a.id
WHERE a.portal IN ('makassar', 'papua') AND a.published_at >= '2026-02-20'
GROUP BY a.id ORDER BY a.published_at DESC LIMIT 5"""


def _summary(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    start = next((i for i, ln in enumerate(lines) if "Run summary" in ln), None)
    if start is None:
        return lines[-20:]
    end = next((i for i in range(start, len(lines)) if lines[i].strip().startswith("result:")), start)
    return [lines[start].split("INFO: ", 1)[-1], *lines[start + 1 : end + 1]]


def _table(rows: list[tuple], header: tuple[str, ...]) -> str:
    cells = [tuple("" if v is None else str(v) for v in r) for r in [header, *rows]]
    widths = [min(60, max(len(c[i]) for c in cells)) for i in range(len(header))]
    out = []
    for n, row in enumerate(cells):
        out.append("  " + " | ".join(v[:60].ljust(w) for v, w in zip(row, widths, strict=True)))
        if n == 0:
            out.append("  " + "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "demo.db"))
    parser.add_argument("--articles", type=int, default=20, help="listed articles per portal (default 20)")
    parser.add_argument("--related-depth", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the existing demo database (incremental run)")
    args = parser.parse_args(argv)

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    if not args.keep:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)

    with tempfile.TemporaryDirectory(prefix="antara-mirror-") as tmp:
        site = build_site(tmp, articles_per_portal=args.articles, seed=0, portals=PORTALS)
        print(f"Mirror: {len(site.articles)} article pages on {', '.join(PORTALS)} in {tmp}")
        with MirrorServer(site.root) as server:
            print(f"Serving it on {server.url_template}; crawling into {db} ...")
            started = time.perf_counter()
            result = run_scrapy(
                [
                    "crawl",
                    "antara",
                    "-a",
                    f"portals={','.join(PORTALS)}",
                    "-a",
                    f"related_depth={args.related_depth}",
                    "-s",
                    f"ANTARA_URL_TEMPLATE={server.url_template}",
                    "-s",
                    f"ANTARA_DB_URL=sqlite:///{db.resolve()}",
                    "-s",
                    "DOWNLOAD_DELAY=0",
                    "-s",
                    "AUTOTHROTTLE_ENABLED=0",
                    "-s",
                    "CONCURRENT_REQUESTS_PER_DOMAIN=16",
                ]
            )
            elapsed = time.perf_counter() - started
            requests = len(server.requests)
    print(f"\nscrapy crawl antara exited with {result.returncode} after {elapsed:.1f} s and {requests} requests")
    print("\n".join("  " + ln for ln in _summary(result.stderr)))
    if result.returncode not in (0, 3):
        print(result.stderr[-3000:], file=sys.stderr)
        return result.returncode

    with sqlite3.connect(db) as conn:
        print("\nArticles per portal:")
        rows = conn.execute(
            "SELECT portal, COUNT(*), MIN(published_at_local), MAX(published_at_local) FROM articles "
            "GROUP BY portal ORDER BY portal"
        ).fetchall()
        print(_table(rows, ("portal", "articles", "oldest", "newest")))
        links = conn.execute(
            "SELECT kind, COUNT(*), SUM(target_status = 404) FROM related_links GROUP BY kind ORDER BY kind"
        ).fetchall()
        print("\nRelated links:")
        print(_table(links, ("kind", "links", "dead (404)")))
        print("\nExample query:\n" + "\n".join("  " + ln for ln in EXAMPLE_SQL.splitlines()))
        rows = conn.execute(EXAMPLE_SQL).fetchall()
        print(_table(rows, ("portal", "published (local)", "title", "related")))
    print(f"\nBrowse it: sqlite3 {db}   (or: make browse DB={db})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
