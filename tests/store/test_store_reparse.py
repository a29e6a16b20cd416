"""``scrapy reparse``: stored pages re-extracted with the current parser, archive updated, no network."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from antara_crawler.commands.reparse import reparse
from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.extract.paging import build_article
from antara_crawler.items import RelatedLink
from antara_crawler.store import Archive
from tests.helpers import ROOT
from tests.helpers.articles import make_article

SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "regional_current_babel_article.html"
URL = "https://babel.antaranews.com/berita/366104/bpjs-ketenagakerjaan-babel-perluas-perlindungan-pekerja-rentan-sektor-informal"

# the command runs in a subprocess whose sockets cannot connect anywhere: any network request fails the run
NO_NETWORK = """
import socket, sys
def refuse(*args, **kwargs):
    raise RuntimeError("network access attempted")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from scrapy.cmdline import execute
execute(["scrapy", "reparse", *sys.argv[1:]])
"""


def stale_archive(path: Path) -> Archive:
    """An archive holding the sample page, extracted by an "old parser" (a wrong title, no related links),
    plus a stored page that is not an article at all."""
    archive = Archive.open(f"sqlite:///{path}")
    html = SAMPLE.read_bytes()
    old = make_article(
        366104,
        url=URL,
        title="Judul lama",
        related=[],
        raw_html=html,
        fetched_at="2024-01-01T00:00:00+00:00",
    )
    junk = make_article(5, raw_html=b"<html><body>Halaman tidak ditemukan</body></html>")
    result = archive.write_batch([old, junk])
    assert result.new == 2
    return archive


def test_reparse_updates_from_stored_pages(tmp_path: Path) -> None:
    archive = stale_archive(tmp_path / "a.db")
    try:
        counts = reparse(archive, build_article, not_article=NotArticle)
        assert (counts["pages"], counts["updated"], counts["unchanged"], counts["new"]) == (2, 1, 0, 0)
        assert counts["failed"] == 1
        row = archive.get_article("babel", 366104)
        assert row is not None
        assert row["title"] == "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal"
        assert len(row["related"]) > 0
        assert row["last_crawled_at"] == "2024-01-01 00:00:00"  # the page's fetch time, not now
        assert [v["title"] for v in archive.versions("babel", 366104)] == ["Judul lama"]
        assert archive.count("pages") == 2  # pages are kept
        assert [p[3] for p in archive.iter_pages(portal="babel") if p[1] == 366104] == [SAMPLE.read_bytes()]
        # a second pass finds nothing to change
        again = reparse(archive, build_article, not_article=NotArticle)
        assert (again["updated"], again["unchanged"]) == (0, 1)
        assert reparse(archive, build_article, portal="jatim", not_article=NotArticle)["pages"] == 0
    finally:
        archive.close()


def test_reparse_command_without_network(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    stale_archive(path).close()
    env = {**os.environ, "ANTARA_DB_URL": "sqlite:////nonexistent/never-used.db"}
    proc = subprocess.run(
        [sys.executable, "-c", NO_NETWORK, "--db", f"sqlite:///{path}", "--portal", "babel"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "reparse: 2 pages, 0 new, 1 updated, 0 unchanged, 1 failed" in proc.stdout, proc.stdout + proc.stderr
    assert "network access attempted" not in proc.stderr
    with sqlite3.connect(path) as conn:
        title = conn.execute("SELECT title FROM articles WHERE antara_id = 366104").fetchone()[0]
        assert conn.execute("SELECT COUNT(*) FROM article_versions").fetchone()[0] == 1
    assert title.startswith("BPJS Ketenagakerjaan Babel")


BOTH_KINDS = ROOT / "tests" / "fixtures" / "pages" / "classic_related_utm_amp_decoy_dates.html"
BOTH_URL = "https://kalsel.antaranews.com/berita/402115/dishub-kalsel-uji-coba-bus-listrik-rute-banjarmasin-banjarbaru"
BOTH_STORY = "https://kalsel.antaranews.com/berita/399870/angkutan-umum-banjarbaru-tambah-halte"


def _old_code_related(links: list[RelatedLink]) -> list[RelatedLink]:
    """What the code before issue 11 stored: one ``seen`` set across both kinds (a Berita Terkait item that was
    also a Baca juga link was lost)."""
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out


def test_reparse_of_an_old_archive_adds_the_lost_berita_terkait_entries(tmp_path: Path) -> None:
    html = BOTH_KINDS.read_bytes()
    article = parse_article(html, BOTH_URL, fetched_at="2024-03-19T02:00:00+00:00")
    article.related = _old_code_related(article.related)
    article.raw_html = html
    archive = Archive.open(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        archive.write_batch([article])
        before = [(r["kind"], r["url"]) for r in archive.get_article(article.portal, article.antara_id)["related"]]
        assert ("berita_terkait", BOTH_STORY) not in before and ("baca_juga", BOTH_STORY) in before
        counts = reparse(archive, build_article, not_article=NotArticle)
        assert counts["updated"] == 1 and counts["failed"] == 0
        after = [(r["kind"], r["url"]) for r in archive.get_article(article.portal, article.antara_id)["related"]]
        assert ("baca_juga", BOTH_STORY) in after and ("berita_terkait", BOTH_STORY) in after
        assert [k for k, _ in after].count("berita_terkait") == [k for k, _ in before].count("berita_terkait") + 1
    finally:
        archive.close()
