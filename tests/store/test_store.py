"""The archive on real SQLite files: upsert, versions, batches, bad input, FTS, views, link status, queries."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest
from sqlalchemy import text

from antara_crawler.items import Article, LinkStatus, RelatedLink
from antara_crawler.store import Archive, WriteResult, content_hash
from antara_crawler.store.archive import head_revision, to_utc_text
from antara_crawler.store.search import ArchiveFilter, search
from tests.helpers import REAL
from tests.helpers.articles import make_article


def search_ids(archive: Archive, query: str, portal: str | None = None) -> list[int]:
    """The antara_ids the archive's one full-text search (``store.search.search``) finds, best first."""
    flt = ArchiveFilter(portals=[portal] if portal else [])
    return [h.antara_id for h in search(archive.engine, query, flt)]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "folder" / "antara.db"


@pytest.fixture
def archive(db_path: Path):
    arc = Archive.open(f"sqlite:///{db_path}")
    yield arc
    arc.close()


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("articles", "related_links", "tags", "article_tags", "article_versions", "pages")
        }


def test_open_creates_folder_file_and_head_schema(db_path: Path, archive: Archive) -> None:
    assert db_path.exists()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == head_revision()
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"articles", "related_links", "tags", "article_tags", "article_versions", "pages", "crawl_runs"} <= names
    assert {"link_statuses", "articles_fts", "related_graph", "portal_months", "missing_targets"} <= names
    with archive.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_reopen_is_a_no_op(db_path: Path, archive: Archive) -> None:
    archive.write_batch([make_article(1)])
    archive.close()
    again = Archive.open(f"sqlite:///{db_path}")
    assert again.count() == 1
    again.close()


def test_insert_stores_every_field(db_path: Path, archive: Archive) -> None:
    art = make_article(7, n_related=3)
    result = archive.write_batch([art])
    assert (result.new, result.updated, result.unchanged, result.dropped) == (1, 0, 0, {})
    assert result.new_articles == [art]
    row = archive.get_article("babel", 7)
    assert row is not None
    assert row["url"] == art.url and row["title"] == art.title and row["body"] == art.body
    assert row["published_at"] == "2023-09-01 03:15:00"  # UTC
    assert row["published_at_local"] == "2023-09-01T10:15:00+07:00"
    assert row["published_raw"] == art.published_raw
    assert (row["reporter"], row["editor"], row["category"], row["dateline"]) == (
        "Pewarta A",
        "Editor B",
        "Ekonomi",
        "Pangkalpinang",
    )
    assert row["template"] == "classic"
    assert row["content_hash"] == content_hash(art)
    assert row["first_seen_at"] == row["last_crawled_at"] == row["last_changed_at"] == "2024-01-02 03:04:05"
    assert row["tags"] == ["timah", "babel"]
    assert [r["url"] for r in row["related"]] == [link.url for link in art.related]
    assert row["related"][0]["published_at"] == "2023-08-31 02:00:00"
    with sqlite3.connect(db_path) as conn:
        targets = conn.execute("SELECT target_portal, target_antara_id FROM related_links ORDER BY position").fetchall()
        # SQLite's date functions read the stored text
        assert conn.execute("SELECT strftime('%Y-%m', published_at) FROM articles").fetchone()[0] == "2023-09"
    assert targets == [("babel", 1007), ("babel", 1008), ("babel", 1009)]
    pages = list(archive.iter_pages())
    assert pages == [("babel", 7, art.url, art.raw_html, "2024-01-02 03:04:05")]


def test_a_real_size_page_is_kept_as_zlib_and_reads_back_byte_for_byte(db_path: Path, archive: Archive) -> None:
    html = (REAL / "html" / "www-527615.html").read_bytes()
    archive.write_batch([make_article(3, raw_html=html)])
    assert [page[3] for page in archive.iter_pages()] == [html]
    with sqlite3.connect(db_path) as conn:
        compression, size, blob = conn.execute("SELECT compression, size, html FROM pages").fetchone()
    assert (compression, size) == ("zlib", len(html))
    assert zlib.decompress(blob) == html  # what a SQL user or an older reader does with the column
    assert len(blob) < len(html) / 3


def test_unchanged_recrawl_only_moves_last_crawled_at(db_path: Path, archive: Archive) -> None:
    archive.write_batch([make_article(1)])
    before = archive.get_article("babel", 1)
    snapshot = counts(db_path)
    result = archive.write_batch([make_article(1, fetched_at="2024-02-01T00:00:00+00:00", template="amp")])
    assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
    after = archive.get_article("babel", 1)
    assert before is not None and after is not None
    assert after["last_crawled_at"] == "2024-02-01 00:00:00"
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"last_crawled_at"}
    assert counts(db_path) == snapshot


def test_last_crawled_at_never_moves_back(archive: Archive) -> None:
    archive.write_batch([make_article(1, fetched_at="2024-05-01T00:00:00+00:00")])
    archive.write_batch([make_article(1, fetched_at="2024-01-01T00:00:00+00:00")])  # e.g. a reparse of an old page
    row = archive.get_article("babel", 1)
    assert row is not None and row["last_crawled_at"] == "2024-05-01 00:00:00"


def test_changed_article_keeps_previous_version(db_path: Path, archive: Archive) -> None:
    old = make_article(1, tags=["a", "b"])
    archive.write_batch([old])
    new = make_article(
        1,
        title="Judul diperbarui",
        tags=["b", "c"],
        related=[
            RelatedLink(url="https://babel.antaranews.com/berita/5/x", title="X", published_at=None, kind="baca_juga")
        ],
        fetched_at="2024-03-01T00:00:00+00:00",
    )
    result = archive.write_batch([new])
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)
    assert result.updated_articles == [new]
    row = archive.get_article("babel", 1)
    assert row is not None
    assert row["title"] == "Judul diperbarui"
    assert row["tags"] == ["b", "c"]
    assert [r["url"] for r in row["related"]] == ["https://babel.antaranews.com/berita/5/x"]
    assert row["last_changed_at"] == row["last_crawled_at"] == "2024-03-01 00:00:00"
    assert row["first_seen_at"] == "2024-01-02 03:04:05"
    versions = archive.versions("babel", 1)
    assert len(versions) == 1
    assert versions[0]["title"] == old.title
    assert versions[0]["content_hash"] == content_hash(old)
    assert versions[0]["valid_from"] == "2024-01-02 03:04:05"
    data = json.loads(versions[0]["data"])
    assert data["tags"] == ["a", "b"]
    assert [r["url"] for r in data["related"]] == [link.url for link in old.related]
    c = counts(db_path)
    assert (c["related_links"], c["article_tags"], c["article_versions"], c["tags"]) == (1, 2, 1, 3)
    # FTS follows the update
    assert search_ids(archive, "diperbarui") == [1]
    assert search_ids(archive, '"Judul berita 1"') == []


def test_idempotent_double_run(db_path: Path, archive: Archive) -> None:
    items = [make_article(i, portal=p) for i in range(1, 60) for p in ("babel", "jatim")]
    first = archive.write_batch(items)
    assert first.new == len(items)
    snapshot = counts(db_path)
    second = archive.write_batch(items)
    assert (second.new, second.updated, second.unchanged) == (0, 0, len(items))
    assert counts(db_path) == snapshot


def test_same_key_twice_in_one_batch(archive: Archive) -> None:
    result = archive.write_batch([make_article(1), make_article(1, title="Kedua")])
    assert (result.new, result.updated) == (1, 1)
    row = archive.get_article("babel", 1)
    assert row is not None and row["title"] == "Kedua"
    assert len(archive.versions("babel", 1)) == 1


def test_bad_items_are_dropped_whole_with_a_reason(db_path: Path, archive: Archive) -> None:
    good = make_article(1)
    bad = [
        make_article(2, portal=""),
        make_article(3, title=123),  # type: ignore[arg-type]
        make_article(4, tags=["ok", 5]),  # type: ignore[list-item]
        make_article(5, related=[object()]),  # type: ignore[list-item]
        Article(url="https://babel.antaranews.com/berita/x", portal="babel", antara_id="x"),  # type: ignore[arg-type]
        {"not": "an item"},
    ]
    result = archive.write_batch([good, *bad])  # type: ignore[list-item]
    assert result.new == 1
    assert result.dropped == {
        "missing_portal": 1,
        "bad_field_type": 1,
        "bad_tags": 1,
        "bad_related": 1,
        "bad_antara_id": 1,
        "unsupported_item": 1,
    }
    c = counts(db_path)
    assert (c["articles"], c["related_links"], c["pages"]) == (1, 2, 1)


def test_database_error_drops_only_the_offending_item(db_path: Path, archive: Archive) -> None:
    archive.write_batch([make_article(1)])
    # a different key claiming an archived URL breaks the unique url: only that item is dropped
    clash = make_article(2, url=make_article(1).url)
    result = archive.write_batch([make_article(3), clash, make_article(4)])
    assert result.new == 2
    assert result.dropped == {"integrity_error": 1}
    assert archive.known_keys([("babel", i) for i in range(1, 5)]) == {("babel", 1), ("babel", 3), ("babel", 4)}
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM related_links").fetchone()[0] == 3 * 2
        assert conn.execute("SELECT COUNT(*) FROM articles_fts").fetchone()[0] == 3


def test_known_keys_and_urls_chunk_big_inputs(archive: Archive) -> None:
    archive.write_batch([make_article(i, portal=p) for i in range(1, 1201) for p in ("babel", "jatim")])
    asked = [(p, i) for i in range(1, 2401) for p in ("babel", "jatim", "papua")]
    known = archive.known_keys(asked)
    assert len(known) == 2400
    assert ("papua", 1) not in known and ("babel", 1200) in known and ("babel", 1201) not in known
    urls = [
        "https://babel.antaranews.com/berita/5/any-slug",
        "https://babel.antaranews.com/berita/99999/x",
        "https://example.com/",
    ]
    assert archive.known_urls(urls) == {"https://babel.antaranews.com/berita/5/any-slug"}


def test_first_seen_gives_each_archived_key_its_first_fetch_time(archive: Archive) -> None:
    archive.write_batch([make_article(1, fetched_at="2026-02-20T08:00:00+07:00")])
    archive.write_batch([make_article(1, fetched_at="2026-02-21T08:00:00+07:00", title="Judul baru")])
    archive.write_batch([make_article(2, portal="jatim", fetched_at="2026-02-22T10:30:00+00:00")])
    assert archive.first_seen([("babel", 1), ("jatim", 2), ("babel", 3)]) == {
        ("babel", 1): "2026-02-20 01:00:00",  # UTC; a changed re-crawl keeps the first time
        ("jatim", 2): "2026-02-22 10:30:00",
    }


def test_a_batch_over_several_probe_statements_finds_every_stored_key(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The existing-article probe (one index lookup per key, KEYS_PER_PROBE keys per padded statement) tells new,
    unchanged and changed articles apart across portals sharing ids."""
    from antara_crawler.store import writer

    monkeypatch.setattr(writer, "KEYS_PER_PROBE", 4)
    portals = ["babel", "jogja", "papua"]
    archive.write_batch([make_article(i, p, n_related=0) for p in portals for i in (1, 2, 3)])
    again = [make_article(i, p, n_related=0) for p in portals for i in (2, 3, 4)]
    again[0] = make_article(2, "babel", n_related=0, body="isi baru")
    result = archive.write_batch(again)
    assert (result.new, result.updated, result.unchanged) == (3, 1, 5)


def test_fts_search(archive: Archive) -> None:
    archive.write_batch(
        [
            make_article(1, title="Harga lada naik", body="Petani lada di Bangka senang."),
            make_article(2, title="Banjir di Padang", body="Hujan deras sejak pagi.", portal="sumbar"),
            make_article(3, title="Lada putih Muntok", body="Ekspor lada meningkat."),
        ]
    )
    assert set(search_ids(archive, "lada")) == {1, 3}
    assert search_ids(archive, "banjir", "sumbar") == [2]
    assert search_ids(archive, "banjir", "babel") == []
    assert search_ids(archive, "muntok") == [3]


def test_views(db_path: Path, archive: Archive) -> None:
    a = make_article(1, n_related=0, related=[])
    b = make_article(
        2,
        related=[
            RelatedLink(url=a.url, title="Ke satu", published_at=None, kind="baca_juga"),
            RelatedLink(
                url="https://babel.antaranews.com/berita/77/hilang", title="Hilang", published_at=None, kind="baca_juga"
            ),
            RelatedLink(url="https://www.antaranews.com/foto/1/x", title="Foto", published_at=None, kind="baca_juga"),
        ],
    )
    archive.write_batch([a, b])
    with archive.engine.connect() as conn:
        graph = conn.execute(
            text("SELECT * FROM related_graph WHERE source_antara_id = :id ORDER BY position"), {"id": 2}
        ).mappings()
        graph = [dict(r) for r in graph]
        months = conn.execute(text("SELECT * FROM portal_months")).mappings().all()
        missing = conn.execute(text("SELECT portal, antara_id, linked_from FROM missing_targets")).all()
    assert [g["target_title"] for g in graph] == [a.title, None, None]
    assert graph[0]["target_id"] is not None and graph[0]["source_title"] == b.title
    assert (graph[1]["target_portal"], graph[1]["target_antara_id"]) == ("babel", 77)
    assert graph[2]["target_portal"] is None
    assert [dict(m) for m in months] == [{"portal": "babel", "month": "2023-09", "articles": 2}]
    assert missing == [("babel", 77, 1)]


def test_link_status_marks_related_rows(archive: Archive) -> None:
    archive.write_batch([make_article(1), make_article(2)])  # both link to babel/1001
    result = archive.write_batch(
        [
            LinkStatus(
                url="https://babel.antaranews.com/berita/1001/x",
                portal="babel",
                antara_id=1001,
                status=404,
                reason="http_404",
            )
        ]
    )
    assert result.link_statuses == 1  # only article 1 links to 1001 (article 2 links to 1002, 1003)
    with archive.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT target_status, target_checked_at FROM related_graph WHERE target_antara_id = 1001")
        ).all()
        missing = {r[1] for r in conn.execute(text("SELECT portal, antara_id FROM missing_targets"))}
    assert [r[0] for r in rows] == [404] and rows[0][1] is not None
    assert 1001 not in missing and 1002 in missing
    assert archive.link_status_of("babel", 1001)["status"] == 404  # type: ignore[index]
    assert archive.record_link_status("babel", 1002, 410, reason="gone") == 2
    assert archive.link_status_of("babel", 1002)["status"] == 410  # type: ignore[index]


def test_month_listing_and_runs(archive: Archive) -> None:
    archive.write_batch(
        [
            make_article(1, published_at="2023-09-01T06:00:00+07:00"),  # 2023-08-31 23:00 UTC
            make_article(2, published_at="2023-09-15T10:00:00+07:00"),
            make_article(3, published_at="2023-10-01T10:00:00+07:00"),
            make_article(4, published_at="2023-12-31T10:00:00+07:00"),
        ]
    )
    assert [r["antara_id"] for r in archive.month_listing("babel", "2023-09")] == [2]
    assert [r["antara_id"] for r in archive.month_listing("babel", "2023-12")] == [4]
    run = archive.start_run("antara", {"portals": "babel"})
    archive.finish_run(run, {"new": 4, "dropped": {"bad_tags": 1}}, "finished")
    with archive.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM crawl_runs WHERE id = :id"), {"id": run}).mappings().one()
    assert (row["spider"], row["arguments"], row["new"], row["dropped"], row["finish_reason"]) == (
        "antara",
        '{"portals": "babel"}',
        4,
        1,
        "finished",
    )
    assert row["finished_at"] is not None


def test_store_html_off_keeps_no_pages(tmp_path: Path) -> None:
    arc = Archive.open(f"sqlite:///{tmp_path / 'a.db'}", store_html=False)
    arc.write_batch([make_article(1)])
    assert arc.count("pages") == 0
    arc.close()


def test_write_result_merge() -> None:
    a, b = WriteResult(new=1, dropped={"x": 1}), WriteResult(updated=2, dropped={"x": 2, "y": 1})
    a.merge(b)
    assert (a.new, a.updated, a.dropped) == (1, 2, {"x": 3, "y": 1})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-01T10:15:00+07:00", "2023-09-01 03:15:00"),
        ("2023-09-01T00:15:00+09:00", "2023-08-31 15:15:00"),
        ("2023-09-01T03:15:00Z", "2023-09-01 03:15:00"),
        ("2023-09-01T03:15:00", "2023-09-01 03:15:00"),
        ("not a date", None),
        (None, None),
    ],
)
def test_to_utc_text(value: str | None, expected: str | None) -> None:
    assert to_utc_text(value) == expected


def test_content_hash_ignores_fetch_details() -> None:
    a = make_article(1)
    assert content_hash(a) == content_hash(make_article(1, fetched_at="2030-01-01T00:00:00+00:00", template="amp"))
    assert content_hash(a) != content_hash(make_article(1, body="lain"))
    assert content_hash(a) != content_hash(make_article(1, tags=["babel", "timah"]))


def test_open_default_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from antara_crawler.store import DEFAULT_DB_URL, db_url

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANTARA_DB_URL", raising=False)
    assert db_url() == DEFAULT_DB_URL == "sqlite:///data/antara.db"
    Archive.open().close()
    assert (tmp_path / "data" / "antara.db").exists()  # the folder is created as needed
    monkeypatch.setenv("ANTARA_DB_URL", f"sqlite:///{tmp_path / 'env' / 'x.db'}")
    assert db_url({"ANTARA_DB_URL": ""}) == f"sqlite:///{tmp_path / 'env' / 'x.db'}"
    assert db_url({"ANTARA_DB_URL": "sqlite:///y.db"}) == "sqlite:///y.db"
    Archive.open().close()
    assert (tmp_path / "env" / "x.db").exists()


def test_common_queries_use_indexes(archive: Archive) -> None:
    archive.write_batch([make_article(i) for i in range(1, 30)])
    with archive.engine.connect() as conn:
        listing = " ".join(
            r[3]
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id, title FROM articles WHERE portal = 'babel' "
                "AND published_at >= '2023-09-01 00:00:00' AND published_at < '2023-10-01 00:00:00' "
                "ORDER BY published_at"
            )
        )
        keys = " ".join(
            r[3]
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE portal IN ('babel', 'jatim') AND antara_id IN (1, 2)"
            )
        )
        targets = " ".join(
            r[3]
            for r in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM related_links WHERE target_portal = 'babel' AND target_antara_id = 5"
            )
        )
    assert "ix_articles_portal_published" in listing and "TEMP B-TREE" not in listing
    assert "SEARCH articles USING COVERING INDEX" in keys
    assert "ix_related_links_target" in targets


def test_fts_follows_deletes_and_cascades(db_path: Path, archive: Archive) -> None:
    archive.write_batch([make_article(1, title="Kopi Liberika"), make_article(2)])
    with archive.engine.begin() as conn:
        conn.execute(text("DELETE FROM articles WHERE antara_id = 1"))
    assert search_ids(archive, "liberika") == []
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
        # foreign keys are on: the article's links, tags and page went with it
        assert conn.execute("SELECT COUNT(*) FROM related_links").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM article_tags").fetchone()[0] == 2
        assert conn.execute("SELECT COUNT(*) FROM pages").fetchone()[0] == 1


def test_every_public_name_of_the_store_resolves():
    """store/__init__.py loads its names on first use: each name of ``__all__`` is there, from its own module."""
    import antara_crawler.store as store

    for name in store.__all__:
        assert getattr(store, name) is not None, name
    assert store.DEFAULT_DB_URL == "sqlite:///data/antara.db"


def test_insert_tuples_by_position_and_by_name(tmp_path):
    """sql.insert_tuples writes the same rows whether the driver binds by position (tuples as they are) or by name
    (as dicts, PostgreSQL's psycopg)."""
    from sqlalchemy import create_engine, select

    from antara_crawler.store import schema as s
    from antara_crawler.store.sql import insert_tuples

    rows = [(11, 1, 0), (-12, 1, 1), (2**62, 2, 0)]
    sb = s.story_bands
    for paramstyle in ("qmark", "named"):
        # in the table's column order (as they are) and in another (reordered)
        for n, cols in enumerate([("article_id", "band", "key"), ("key", "article_id", "band")]):
            engine = create_engine(f"sqlite:///{tmp_path / paramstyle}{n}.db", paramstyle=paramstyle)
            sb.create(engine)
            with engine.begin() as conn:
                insert_tuples(conn, sb, cols, rows)
                got = conn.execute(select(*(sb.c[c] for c in cols))).all()
            assert sorted(got) == sorted(rows), (paramstyle, cols)
            engine.dispose()


def _names_in(names: tuple) -> object:
    from sqlalchemy import select

    from antara_crawler.store import schema as s

    return select(s.tags.c.name).where(s.tags.c.name.in_(names))


def test_fetch_in_reads_every_chunk_and_pads_without_repeating_rows(tmp_path):
    """sql.fetch_in: more values than one chunk (CHUNK), the last chunk padded with its last value: each matching
    row once, whether the driver binds by position or by name."""
    from sqlalchemy import create_engine, insert

    from antara_crawler.store import schema as s
    from antara_crawler.store.sql import CHUNK, fetch_in

    names = [f"tag{i:04d}" for i in range(CHUNK + 37)]
    for paramstyle in ("qmark", "named"):
        engine = create_engine(f"sqlite:///{tmp_path / paramstyle}.db", paramstyle=paramstyle)
        s.tags.create(engine)
        with engine.begin() as conn:
            conn.execute(insert(s.tags), [{"name": n} for n in names[::2]])
            got = [name for (name,) in fetch_in(conn, _names_in, names + ["absent"])]
            assert fetch_in(conn, _names_in, []) == []
        assert sorted(got) == names[::2], paramstyle
        engine.dispose()
