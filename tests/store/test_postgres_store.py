"""The archive on PostgreSQL (a throwaway server started by tests/helpers/servers.py) and, for the portable tests, SQLite.

Tests taking ``archive_url`` run once per backend (see tests/conftest.py: ``--archive-backends``); the others need
PostgreSQL. What they pin down: the Alembic migrations build the same schema on PostgreSQL, the write path
(insert, unchanged re-crawl, changed article + version, idempotent double write) behaves the same, several writers
in separate processes with overlapping items leave no duplicate and lose nothing, and search answers.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from antara_crawler.items import LinkStatus, RelatedLink
from antara_crawler.store import Archive, content_hash
from antara_crawler.store import schema as s
from antara_crawler.store.archive import current_revision, head_revision
from antara_crawler.store.search import ArchiveFilter, search
from tests.helpers import ROOT
from tests.helpers.articles import make_article

logger = logging.getLogger(__name__)
TABLES = ("articles", "related_links", "tags", "article_tags", "article_versions", "pages")


def search_ids(archive: Archive, query: str, portal: str | None = None) -> list[int]:
    """The antara_ids the archive's one full-text search (``store.search.search``) finds, best first."""
    flt = ArchiveFilter(portals=[portal] if portal else [])
    return [h.antara_id for h in search(archive.engine, query, flt)]


@pytest.fixture
def archive(archive_url: str) -> Iterator[Archive]:
    arc = Archive.open(archive_url)
    yield arc
    arc.close()


def counts(archive: Archive) -> dict[str, int]:
    with archive.engine.connect() as conn:
        return {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()) for t in TABLES}


# --- portable: SQLite and PostgreSQL ------------------------------------------------------------------------------


def test_migrations_reach_head(archive: Archive) -> None:
    with archive.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    names = set(inspect(archive.engine).get_table_names())
    views = set(inspect(archive.engine).get_view_names())
    assert {"articles", "related_links", "tags", "article_tags", "article_versions", "pages"} <= names
    assert {"crawl_runs", "link_statuses"} <= names
    assert set(s.VIEWS) <= views


def test_schema_module_matches_migrations(archive: Archive) -> None:
    def include(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
        if type_ == "table" and name and (name.startswith("articles_fts") or name == "alembic_version"):
            return False
        if type_ == "index" and name in s.POSTGRESQL_ONLY_INDEXES:  # an expression index (full-text search)
            return False
        if type_ == "index" and name in s.SQLITE_ONLY_INDEXES:  # the search's covering index (migration 0009)
            return False
        return not (type_ == "table" and name in s.VIEWS)

    with archive.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        assert compare_metadata(ctx, s.metadata) == []


def test_insert_then_reopen(archive_url: str, archive: Archive) -> None:
    art = make_article(7, n_related=3)
    result = archive.write_batch([art])
    assert (result.new, result.updated, result.unchanged, result.dropped) == (1, 0, 0, {})
    row = archive.get_article("babel", 7)
    assert row is not None
    assert row["published_at"] == "2023-09-01 03:15:00"
    assert row["content_hash"] == content_hash(art)
    assert row["tags"] == ["timah", "babel"]
    assert [r["url"] for r in row["related"]] == [link.url for link in art.related]
    assert list(archive.iter_pages()) == [("babel", 7, art.url, art.raw_html, "2024-01-02 03:04:05")]
    archive.close()
    with Archive.open(archive_url) as again:
        assert again.count() == 1


def test_unchanged_recrawl_only_moves_last_crawled_at(archive: Archive) -> None:
    archive.write_batch([make_article(1)])
    before = archive.get_article("babel", 1)
    snapshot = counts(archive)
    result = archive.write_batch([make_article(1, fetched_at="2024-02-01T00:00:00+00:00", template="amp")])
    assert (result.new, result.updated, result.unchanged) == (0, 0, 1)
    after = archive.get_article("babel", 1)
    assert before is not None and after is not None
    assert {k for k in before if before[k] != after[k]} == {"last_crawled_at"}
    assert counts(archive) == snapshot


def test_changed_article_keeps_previous_version(archive: Archive) -> None:
    old = make_article(1, tags=["a", "b"])
    archive.write_batch([old])
    link = RelatedLink(url="https://babel.antaranews.com/berita/5/x", title="X", published_at=None, kind="baca_juga")
    new = make_article(1, title="Judul diperbarui", tags=["b", "c"], related=[link], fetched_at="2024-03-01T00:00:00Z")
    result = archive.write_batch([new])
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)
    row = archive.get_article("babel", 1)
    assert row is not None and row["title"] == "Judul diperbarui" and row["tags"] == ["b", "c"]
    assert row["first_seen_at"] == "2024-01-02 03:04:05" and row["last_changed_at"] == "2024-03-01 00:00:00"
    versions = archive.versions("babel", 1)
    assert [v["title"] for v in versions] == [old.title]
    assert json.loads(versions[0]["data"])["tags"] == ["a", "b"]
    c = counts(archive)
    assert (c["related_links"], c["article_tags"], c["article_versions"], c["tags"]) == (1, 2, 1, 3)


def test_idempotent_double_write(archive: Archive) -> None:
    items = [make_article(i, portal=p) for i in range(1, 60) for p in ("babel", "jatim")]
    assert archive.write_batch(items).new == len(items)
    snapshot = counts(archive)
    second = archive.write_batch(items)
    assert (second.new, second.updated, second.unchanged) == (0, 0, len(items))
    assert counts(archive) == snapshot


def test_same_key_twice_in_one_batch(archive: Archive) -> None:
    result = archive.write_batch([make_article(1), make_article(1, title="Kedua")])
    assert (result.new, result.updated) == (1, 1)
    assert len(archive.versions("babel", 1)) == 1


def test_integrity_error_drops_only_the_offending_item(archive: Archive) -> None:
    archive.write_batch([make_article(1)])
    clash = make_article(2, url=make_article(1).url)  # another key claiming an archived URL
    result = archive.write_batch([make_article(3), clash, make_article(4)])
    assert result.new == 2 and result.dropped == {"integrity_error": 1}
    assert archive.known_keys([("babel", i) for i in range(1, 5)]) == {("babel", 1), ("babel", 3), ("babel", 4)}


def test_link_status_and_views(archive: Archive) -> None:
    archive.write_batch([make_article(1), make_article(2)])
    status = LinkStatus(
        url="https://babel.antaranews.com/berita/1001/x", portal="babel", antara_id=1001, status=404, reason="x"
    )
    assert archive.write_batch([status]).link_statuses == 1
    with archive.engine.connect() as conn:
        missing = {r[1] for r in conn.execute(text("SELECT portal, antara_id FROM missing_targets"))}
        months = [tuple(r) for r in conn.execute(text("SELECT portal, month, articles FROM portal_months"))]
    assert 1001 not in missing and 1002 in missing
    assert months == [("babel", "2023-09", 2)]


def test_runs_are_recorded(archive: Archive) -> None:
    run = archive.start_run("antara", {"portals": "babel"})
    archive.finish_run(run, {"new": 4, "dropped": {"bad_tags": 1}}, "finished")
    with archive.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM crawl_runs WHERE id = :id"), {"id": run}).mappings().one()
    assert (row["new"], row["dropped"], row["finish_reason"]) == (4, 1, "finished")


def test_search_finds_words_in_title_and_body(archive: Archive) -> None:
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


def test_search_module_on_the_backend(archive: Archive) -> None:
    from antara_crawler.store.search import ArchiveFilter, search

    archive.write_batch([make_article(1, title="Harga lada naik", body="Petani lada di Bangka senang.")])
    hits = search(archive.engine, "lada", ArchiveFilter(portals=["babel"]))
    assert [h.antara_id for h in hits] == [1]
    assert "[" in hits[0].snippet


# --- PostgreSQL only -----------------------------------------------------------------------------------------------

WRITER = """
import json, sys, time
from antara_crawler.store import Archive
from tests.helpers.articles import make_article

url, start, stop, batch, go = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
archive = Archive.open(url)
time.sleep(max(0.0, go - time.time()))  # every writer starts at the same moment
totals = {"new": 0, "updated": 0, "unchanged": 0, "dropped": {}}
items = [make_article(i, portal=p, tags=["timah", f"tag-{i % 7}"]) for i in range(start, stop) for p in ("babel", "jatim")]
for k in range(0, len(items), batch):
    r = archive.write_batch(items[k : k + batch])
    totals["new"] += r.new
    totals["updated"] += r.updated
    totals["unchanged"] += r.unchanged
    for reason, n in r.dropped.items():
        totals["dropped"][reason] = totals["dropped"].get(reason, 0) + n
archive.close()
print(json.dumps(totals))
"""


def _writers(url: str, ranges: list[tuple[int, int]], batch: int) -> list[dict]:
    go = time.time() + 4.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(a), str(b), str(batch), str(go)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a, b in ranges
    ]
    out = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=240)
        assert proc.returncode == 0, stderr[-3000:]
        result = json.loads(stdout.strip().splitlines()[-1])
        result["fallbacks"] = stderr.count("retrying item by item")
        result["log"] = [ln[-160:] for ln in stderr.splitlines() if "retrying" in ln or "dropped" in ln][:5]
        out.append(result)
    return out


@pytest.mark.postgres
def test_concurrent_writers_with_overlapping_items(postgres_url: str) -> None:
    """Three writer processes started at the same moment, two with the same items and one overlapping half of
    them, batches of 25: each article is stored once, every item is counted new or unchanged, none is dropped
    (the store serializes writers of one article key with a PostgreSQL advisory lock; tags use ON CONFLICT)."""
    Archive.open(postgres_url).close()  # schema first: concurrent first-time migrations are a separate test
    results = _writers(postgres_url, [(1, 151), (1, 151), (76, 226)], batch=25)
    with Archive.open(postgres_url) as archive:
        c = counts(archive)
        with archive.engine.connect() as conn:
            dupes = conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT portal, antara_id FROM articles GROUP BY 1, 2 HAVING COUNT(*) > 1) d"
                )
            ).scalar_one()
    logger.info("concurrent writers: %s", results)
    assert dupes == 0
    assert c["articles"] == 2 * 225 and c["pages"] == 2 * 225
    assert c["tags"] == 1 + 7
    assert c["article_tags"] == 2 * 2 * 225 and c["related_links"] == 2 * 2 * 225
    assert c["article_versions"] == 0  # the same content from every writer: no version
    assert [r["dropped"] for r in results] == [{}, {}, {}], results
    assert sum(r["new"] for r in results) == 2 * 225
    assert all(r["new"] + r["unchanged"] == 300 for r in results), results


@pytest.mark.postgres
def test_concurrent_first_open_migrates_once(postgres_url: str) -> None:
    """Four processes open a new PostgreSQL archive at once: one migrates (under an advisory lock), the others wait
    and find head."""
    code = "import sys; from antara_crawler.store import Archive; Archive.open(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, postgres_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], "\n".join(e[-1500:] for e in errors)
    with Archive.open(postgres_url) as archive, archive.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(head_revision(),)]


@pytest.mark.postgres
def test_postgres_types_and_constraints(postgres_url: str) -> None:
    with Archive.open(postgres_url) as archive:
        insp = inspect(archive.engine)
        uniques = {u["name"] for u in insp.get_unique_constraints("articles")}
        assert {"uq_articles_key", "uq_articles_url"} <= uniques
        cols = {c["name"]: c for c in insp.get_columns("pages")}
        assert cols["html"]["type"].__class__.__name__ in ("BYTEA", "LargeBinary")
        assert archive.engine.dialect.name == "postgresql"
        big = make_article(5_000_000_000)  # antara_id is BIGINT
        assert archive.write_batch([big]).new == 1
        assert archive.known_keys([("babel", 5_000_000_000)]) == {("babel", 5_000_000_000)}


def test_search_query_syntax(archive: Archive) -> None:
    """The documented query syntax (a "phrase", NOT, OR, prefix*) works on every backend."""
    from antara_crawler.store.search import search

    archive.write_batch(
        [
            make_article(1, title="Harga lada naik", body="Petani lada di Bangka senang."),
            make_article(3, title="Lada putih Muntok", body="Ekspor lada meningkat."),
        ]
    )
    assert [h.antara_id for h in search(archive.engine, '"lada putih"')] == [3]
    assert [h.antara_id for h in search(archive.engine, "lada NOT putih")] == [1]
    assert search(archive.engine, '"naik petani"') == []  # a phrase does not run from the title into the body
    assert sorted(h.antara_id for h in search(archive.engine, "naik OR muntok")) == [1, 3]
    assert sorted(h.antara_id for h in search(archive.engine, "pet*")) == [1]
    assert search_ids(archive, '"lada putih"') == search_ids(archive, "lada putih NOT naik") != []


@pytest.mark.postgres
def test_postgres_search_index_is_built_and_used(postgres_url: str) -> None:
    """Migration 0004 builds the GIN index ix_articles_tsv; the search's WHERE clause is its expression exactly (so
    the planner uses it), and downgrading to 0003 drops it."""
    from alembic import command

    from antara_crawler.store.archive import alembic_config
    from antara_crawler.store.search import ArchiveFilter, search, search_statement

    with Archive.open(postgres_url) as archive:
        archive.write_batch([make_article(i, title=f"Judul {i}", body=f"Isi berita nomor {i}.") for i in range(1, 40)])
        assert "ix_articles_tsv" in {i["name"] for i in inspect(archive.engine).get_indexes("articles")}
        stmt = search_statement(archive.engine, '"berita nomor" OR judul*', ArchiveFilter(), 5)
        sql = str(stmt.compile(archive.engine, compile_kwargs={"literal_binds": True}))
        with archive.engine.connect() as conn:
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # a tiny table: make the index worth it
            plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
        assert "ix_articles_tsv" in plan, plan
        cfg = alembic_config()
        with archive.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        assert "ix_articles_tsv" not in {i["name"] for i in inspect(archive.engine).get_indexes("articles")}
    with Archive.open(postgres_url) as archive:  # back to head
        assert "ix_articles_tsv" in {i["name"] for i in inspect(archive.engine).get_indexes("articles")}
        assert [h.antara_id for h in search(archive.engine, '"nomor 7"')] == [7]
