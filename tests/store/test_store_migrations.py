"""Alembic migrations: an archive made with the first schema upgrades in place, rows intact; schema.py matches."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from antara_crawler.store import Archive
from antara_crawler.store import schema as s
from antara_crawler.store.archive import alembic_config, current_revision, head_revision, make_engine, upgrade
from antara_crawler.store.search import ArchiveFilter, search
from tests.helpers import ROOT
from tests.helpers.articles import make_article

REVISION_1_ROWS = [
    """INSERT INTO articles (id, portal, antara_id, url, title, body, published_at, published_at_local, content_hash,
       first_seen_at, last_crawled_at, last_changed_at) VALUES
       (1, 'babel', 100, 'https://babel.antaranews.com/berita/100/a', 'Lada Bangka', 'Harga lada naik', '2022-01-05 03:00:00',
        '2022-01-05T10:00:00+07:00', 'h1', '2022-01-05 04:00:00', '2022-01-05 04:00:00', '2022-01-05 04:00:00'),
       (2, 'babel', 101, 'https://babel.antaranews.com/berita/101/b', 'Timah', 'Ekspor timah', '2022-01-06 03:00:00',
        '2022-01-06T10:00:00+07:00', 'h2', '2022-01-06 04:00:00', '2022-01-06 04:00:00', '2022-01-06 04:00:00')""",
    """INSERT INTO related_links (article_id, position, kind, url, title, target_portal, target_antara_id) VALUES
       (2, 0, 'berita_terkait', 'https://babel.antaranews.com/berita/100/a', 'Lada Bangka', 'babel', 100),
       (2, 1, 'baca_juga', 'https://babel.antaranews.com/berita/555/c', 'Hilang', 'babel', 555)""",
    "INSERT INTO tags (id, name) VALUES (1, 'lada')",
    "INSERT INTO article_tags (article_id, tag_id, position) VALUES (1, 1, 0)",
    """INSERT INTO article_versions (article_id, content_hash, title, body, data, valid_from, superseded_at)
       VALUES (1, 'h0', 'Lada', 'lama', '{}', '2022-01-01 00:00:00', '2022-01-05 04:00:00')""",
    "INSERT INTO crawl_runs (spider, arguments, started_at) VALUES ('antara', '{}', '2022-01-05 04:00:00')",
]


def search_ids(archive: Archive, query: str, portal: str | None = None) -> list[int]:
    """The antara_ids the archive's one full-text search (``store.search.search``) finds, best first."""
    flt = ArchiveFilter(portals=[portal] if portal else [])
    return [h.antara_id for h in search(archive.engine, query, flt)]


def make_revision_1_archive(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0001")
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        for sql in REVISION_1_ROWS:
            conn.execute(text(sql))
    engine.dispose()


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("articles", "related_links", "tags", "article_tags", "article_versions", "crawl_runs")
        }


def test_revision_1_archive_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_revision_1_archive(path)
    before = table_counts(path)
    with sqlite3.connect(path) as conn:
        cols = {r[1] for r in conn.execute("PRAGMA table_info(related_links)")}
        assert "target_status" not in cols
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'view'").fetchone()[0] == 0

    archive = Archive.open(f"sqlite:///{path}")
    try:
        with archive.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
        assert table_counts(path) == before
        row = archive.get_article("babel", 101)
        assert row is not None and row["title"] == "Timah"
        assert [r["url"] for r in row["related"]] == [
            "https://babel.antaranews.com/berita/100/a",
            "https://babel.antaranews.com/berita/555/c",
        ]
        assert search_ids(archive, "lada") == [100]  # FTS rows written at revision 1 survive
        with archive.engine.connect() as conn:
            graph = conn.execute(text("SELECT target_title, target_status FROM related_graph ORDER BY position")).all()
            indexes = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert graph == [("Lada Bangka", None), (None, None)]
        assert {"ix_articles_portal_published", "ix_related_links_target"} <= indexes
        # the upgraded archive takes new writes and link statuses
        result = archive.write_batch([make_article(102)])
        assert result.new == 1
        assert archive.record_link_status("babel", 555, 404) == 1
        assert archive.known_keys([("babel", 100), ("babel", 101), ("babel", 102), ("babel", 103)]) == {
            ("babel", 100),
            ("babel", 101),
            ("babel", 102),
        }
    finally:
        archive.close()


def test_schema_module_matches_migrations(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    upgrade(engine)

    def include(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
        if type_ == "table" and name and (name.startswith("articles_fts") or name == "alembic_version"):
            return False
        if type_ == "index" and name in s.SQLITE_ONLY_INDEXES:  # the search's covering index (migration 0009)
            return False
        return not (type_ == "table" and name in s.VIEWS)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        diff = compare_metadata(ctx, s.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"))}
        assert names <= {"alembic_version"}
    upgrade(engine)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    engine.dispose()


def test_two_processes_opening_a_new_archive_do_not_collide(tmp_path: Path) -> None:
    """Migrations take the write lock first (BEGIN IMMEDIATE), so a second opener waits and finds head."""
    import subprocess
    import sys

    path = tmp_path / "race.db"
    code = "import sys; from antara_crawler.store import Archive; Archive.open(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, f"sqlite:///{path}"], cwd=ROOT) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head_revision(),)]


def test_revision_5_keeps_stored_pages_as_position_1_and_back(tmp_path: Path) -> None:
    """0005 rebuilds ``pages`` with a ``position`` column: pages stored before it are each article's page 1, and
    ``scrapy reparse`` reads them; a downgrade keeps page 1 only."""
    import zlib

    path = tmp_path / "old.db"
    make_revision_1_archive(path)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0004")
    html = b"<html><body><h1>Lada</h1></body></html>"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pages (article_id, url, fetched_at, compression, size, html) "
                "VALUES (1, 'https://babel.antaranews.com/berita/100/a', '2022-01-05 04:00:00', 'zlib', :n, :h)"
            ),
            {"n": len(html), "h": zlib.compress(html)},
        )
    upgrade(engine, "0005")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT article_id, position, url FROM pages")).all() == [
            (1, 1, "https://babel.antaranews.com/berita/100/a")
        ]
    with Archive.open(f"sqlite:///{path}") as archive:
        assert list(archive.iter_article_pages()) == [
            ("babel", 100, "2022-01-05 04:00:00", [("https://babel.antaranews.com/berita/100/a", html)])
        ]
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO pages (article_id, position, url, fetched_at, compression, size, html) "
                "VALUES (1, 2, 'https://babel.antaranews.com/berita/100/a?page=2', '2022-01-05 04:00:00', 'zlib', 1, :h)"
            ),
            {"h": zlib.compress(b"x")},
        )
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT article_id, url FROM pages").fetchall() == [
            (1, "https://babel.antaranews.com/berita/100/a")
        ]


def test_head_revision_constant_is_alembics_head():
    """store.revision.HEAD_REVISION lets a current archive open without importing Alembic: it must name the newest
    migration."""
    from antara_crawler.store.revision import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_stamped_revision_reads_the_version_table_without_alembic(tmp_path: Path):
    from antara_crawler.store.engine import stamped_revision

    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert stamped_revision(conn) is None  # no alembic_version table yet
    upgrade(engine, "0003")
    with engine.connect() as conn:
        assert stamped_revision(conn) == "0003"
    upgrade(engine)
    with engine.connect() as conn:
        assert stamped_revision(conn) == head_revision()
    engine.dispose()
