"""Helpers of the reliability tests (``tests/test_reliability_*.py``): crawl subprocesses, log stats, archive dumps.

Every crawl goes to a ``MirrorServer`` on 127.0.0.1 (``ANTARA_URL_TEMPLATE``), politeness off, small and fast.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.site.server import MirrorServer

#: politeness off, short limits: a fault costs at most a second or two
FAST = (
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=0",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "DOWNLOAD_TIMEOUT=2",
    "-s", "RETRY_TIMES=2",
)  # fmt: skip


def article_args(server: MirrorServer, db: Path, urls: Sequence[str], *extra: str, tag: str = "urls") -> list[str]:
    """``scrapy crawl article`` arguments for ``urls`` (written to ``<tag>.txt`` next to ``db``)."""
    urls_file = db.with_name(f"{tag}.txt")
    urls_file.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return [
        "crawl", "article", "-a", f"urls_file={urls_file}",
        "-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL=sqlite:///{db}",
        *FAST, *extra,
    ]  # fmt: skip


def antara_args(
    server: MirrorServer, db: Path, portals: str, *spider_args: str, extra: Sequence[str] = ()
) -> list[str]:
    """``scrapy crawl antara`` arguments (discovery through the mirror's RSS and listings)."""
    pairs = [x for a in spider_args for x in ("-a", a)]
    return [
        "crawl", "antara", "-a", f"portals={portals}", *pairs,
        "-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL=sqlite:///{db}",
        *FAST, *extra,
    ]  # fmt: skip


def explain(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stderr tail ---\n{result.stderr[-4000:]}"


_STAT = r"'{key}': (\d+)"


def stat(log: str, key: str) -> int:
    """An integer stat from the "Dumping Scrapy stats" block of a crawl log (0 when absent)."""
    m = re.search(_STAT.format(key=re.escape(key)), log)
    return int(m.group(1)) if m else 0


def stats_with_prefix(log: str, prefix: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"'(" + re.escape(prefix) + r"[^']*)': (\d+)", log)}


def finish_reason(log: str) -> str | None:
    m = re.search(r"'finish_reason': '([^']+)'", log)
    return m.group(1) if m else None


# --- the archive ---------------------------------------------------------------------------------------------------


def query(db: Path, sql: str, params: Sequence[object] = ()) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, tuple(params)).fetchall()
    finally:
        conn.close()


def archived_keys(db: Path) -> list[tuple[str, int]]:
    """(portal, antara_id) of every archived article, duplicates kept (so a test can see them)."""
    return sorted((p, int(i)) for p, i in query(db, "SELECT portal, antara_id FROM articles"))


def link_statuses(db: Path) -> dict[int, tuple[int, str]]:
    """antara_id -> (status, reason) of every recorded dead or failed link."""
    return {int(i): (s, r) for i, s, r in query(db, "SELECT antara_id, status, reason FROM link_statuses")}


#: content columns per table, joined to the article key; no ids, no timestamps
_DUMPS = {
    "articles": """SELECT portal, antara_id, url, title, body, dateline, published_at, published_at_local,
        published_raw, reporter, editor, category, image_url, image_caption, template, content_hash FROM articles""",
    "related_links": """SELECT a.portal, a.antara_id, r.position, r.kind, r.url, r.title, r.published_at,
        r.published_raw, r.target_portal, r.target_antara_id, r.target_status
        FROM related_links r JOIN articles a ON a.id = r.article_id""",
    "article_tags": """SELECT a.portal, a.antara_id, t.name, at.position
        FROM article_tags at JOIN articles a ON a.id = at.article_id JOIN tags t ON t.id = at.tag_id""",
    "tags": "SELECT name FROM tags",
    "article_versions": """SELECT a.portal, a.antara_id, v.content_hash, v.title, v.body, v.data
        FROM article_versions v JOIN articles a ON a.id = v.article_id""",
    "link_statuses": "SELECT portal, antara_id, url, status, reason FROM link_statuses",
}


def dump(db: Path) -> dict[str, list[tuple]]:
    """Every content table of an archive as sorted rows (duplicates kept), pages decompressed."""
    out = {name: sorted(query(db, sql), key=repr) for name, sql in _DUMPS.items()}
    pages = query(
        db, "SELECT a.portal, a.antara_id, p.url, p.size, p.html FROM pages p JOIN articles a ON a.id = p.article_id"
    )
    out["pages"] = sorted(((p, i, u, s, zlib.decompress(h)) for p, i, u, s, h in pages), key=repr)
    return out


def integrity_problems(db: Path) -> list[tuple]:
    """What ``PRAGMA integrity_check`` and ``foreign_key_check`` report (nothing on a sound archive)."""
    problems = [row for row in query(db, "PRAGMA integrity_check") if row != ("ok",)]
    return problems + query(db, "PRAGMA foreign_key_check")


#: ``-s DOWNLOADER_MIDDLEWARES=...`` with the project's middlewares but Retry-After ignored (Scrapy's own behaviour)
WITHOUT_RETRY_AFTER = (
    '{"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": null, '
    '"antara_crawler.middlewares.SharedRobotsTxtMiddleware": 100, '
    '"antara_crawler.middlewares.RetryAfterMiddleware": null}'
)


_AUTOTHROTTLE_LINE = re.compile(
    r"slot: (?P<slot>\S+) \| conc:\s*\d+ \| delay:\s*(?P<delay>-?\d+) ms \((?P<diff>[+-]\d+)\) \| "
    r"latency:\s*(?P<latency>\d+) ms"
)


@dataclass(frozen=True)
class Adjustment:
    """One AutoThrottle debug line: the slot's delay after a response (ms), its change, the response's latency."""

    slot: str
    delay: int
    diff: int
    latency: int

    @property
    def before(self) -> int:
        return self.delay - self.diff


def adjustments(log: str) -> list[Adjustment]:
    """AutoThrottle's ``AUTOTHROTTLE_DEBUG`` lines of a crawl log, in order."""
    return [
        Adjustment(m["slot"], int(m["delay"]), int(m["diff"]), int(m["latency"]))
        for m in _AUTOTHROTTLE_LINE.finditer(log)
    ]
