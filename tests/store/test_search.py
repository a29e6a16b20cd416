"""``scrapy search`` and antara_crawler.store.search: ranking, snippets, filters, one-line errors.

The tests taking ``archive_url`` run on each archive backend (tests/conftest.py, ``--archive-backends``): SQLite
searches with FTS5 (bm25, snippet()), PostgreSQL with its own text search (the same FTS5 query language translated
to a tsquery, ts_rank_cd, ts_headline(), the GIN index of migration 0004).
"""

from __future__ import annotations

import sqlite3

import pytest

from antara_crawler.store import Archive
from antara_crawler.store.export import iter_archive
from antara_crawler.store.location import db_url_from
from antara_crawler.store.search import ArchiveFilter, QueryError, fts5_to_tsquery, search
from tests.helpers import fixture_archive as fx

BPJS_SUMATRA_2024 = [("aceh", 410001), ("babel", 448393), ("lampung", 700006), ("sumbar", 330003)]


@pytest.fixture
def db_url(archive_url):
    """The fixture archive (tests/helpers/fixture_archive.py) on the backend under test."""
    with Archive.open(archive_url) as archive:
        fx.write(archive)
    return archive_url


@pytest.fixture
def engine(db_url):
    with Archive.open(db_url) as archive:
        yield archive.engine


def _keys(hits):
    return [(h.portal, h.antara_id) for h in hits]


def test_title_matches_rank_above_body_matches(engine):
    hits = search(engine, "nelayan")
    # aceh has "nelayan" in its title; the babel sample only in its body (twice)
    assert _keys(hits) == [("aceh", 410001), ("babel", 366104)]
    assert [h.rank for h in hits] == [1, 2]
    assert hits[0].score < hits[1].score  # lower is better: bm25 on SQLite, -ts_rank_cd on PostgreSQL


def test_phrase_query_ranks_and_snippets(engine, archive_backend):
    hits = search(engine, '"BPJS Ketenagakerjaan"')
    assert len(hits) == 8
    assert all(hits[i].score <= hits[i + 1].score for i in range(len(hits) - 1))
    top = hits[0]
    assert top.title is not None and "BPJS Ketenagakerjaan" in top.title
    for hit in hits:
        assert "[BPJS Ketenagakerjaan]" in hit.snippet, hit.snippet
        assert "\n" not in hit.snippet
    aceh = next(h for h in hits if h.antara_id == 410001)
    lede = "Banda Aceh (ANTARA) - [BPJS Ketenagakerjaan] Cabang Banda Aceh melindungi 50.000 nelayan di pesisir Aceh "
    assert aceh.snippet == lede + {"sqlite": "melalui…", "postgresql": "melalui program…"}[archive_backend]
    assert aceh.published_at == "2024-03-12T09:00:00+07:00"
    assert aceh.url == fx.ACEH.url
    lampung = next(h for h in hits if h.antara_id == 700006)
    assert lampung.snippet.endswith("pekerja ke [BPJS Ketenagakerjaan]."), lampung.snippet  # the body's end: no "…"


def test_search_is_case_insensitive_with_prefixes(engine):
    assert _keys(search(engine, "BANJIR")) == _keys(search(engine, "banjir"))
    assert {h.antara_id for h in search(engine, "ketenaga*")} >= {410001, 700006}
    assert {h.antara_id for h in search(engine, "ketenaga*")} == {
        h.antara_id for h in search(engine, "ketenagakerjaan")
    }


def test_phrase_not_or_and_column_filters(engine):
    assert sorted(_keys(search(engine, "banjir NOT bandang"))) == [("riau", 250010), ("sumut", 520002)]
    assert sorted(_keys(search(engine, "bandang OR nelayan"))) == [
        ("aceh", 410001),
        ("babel", 366104),
        ("papua", 150009),
    ]
    assert _keys(search(engine, '"banjir bandang" AND jayapura')) == [("papua", 150009)]
    assert search(engine, '"bandang banjir"') == []  # a phrase keeps its order
    assert _keys(search(engine, "title:nelayan")) == [("aceh", 410001)]
    assert sorted(_keys(search(engine, "body:nelayan"))) == [("aceh", 410001), ("babel", 366104)]
    assert sorted(_keys(search(engine, "-title:nelayan"))) == [("aceh", 410001), ("babel", 366104)]
    assert _keys(search(engine, "{title body}:(nelayan AND aceh)")) == [("aceh", 410001)]


def test_filters_and_limit(engine):
    sumatra_2024 = ArchiveFilter(portals=list(fx.SUMATRA), since="2024-01-01", until="2024-12-31")
    hits = search(engine, '"BPJS Ketenagakerjaan"', sumatra_2024)
    assert sorted(_keys(hits)) == BPJS_SUMATRA_2024
    assert len(search(engine, '"BPJS Ketenagakerjaan"', limit=3)) == 3
    assert _keys(search(engine, "banjir", ArchiveFilter(portals=["papua"]))) == [("papua", 150009)]
    assert search(engine, "tidakadakatainidiarsip") == []


def test_export_query_filter(engine):
    """``scrapy export --query``: the same full-text condition, records in id order."""
    flt = ArchiveFilter(
        portals=list(fx.SUMATRA), since="2024-01-01", until="2024-12-31", query='"BPJS Ketenagakerjaan"'
    )
    keys = [(r.record["portal"], r.record["antara_id"]) for r in iter_archive(engine, flt)]
    assert keys == [("aceh", 410001), ("sumbar", 330003), ("lampung", 700006), ("babel", 448393)]
    without = ArchiveFilter(query="banjir NOT bandang")
    assert sorted((r.record["portal"], r.record["antara_id"]) for r in iter_archive(engine, without)) == [
        ("riau", 250010),
        ("sumut", 520002),
    ]
    with pytest.raises(QueryError, match="invalid search query"):
        list(iter_archive(engine, ArchiveFilter(query='"unbalanced')))


MALFORMED = ['"unbalanced', "AND AND", "foo:bar", "NEAR(", "*", "", "lada -putih", "a (b)", "NOT banjir", "banjir OR"]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_raise_one_line_query_errors(engine, query):
    with pytest.raises(QueryError) as exc:
        search(engine, query)
    assert "\n" not in str(exc.value)


def test_near_and_caret_are_sqlite_only(engine, archive_backend):
    if archive_backend == "sqlite":
        assert _keys(search(engine, "NEAR(banjir jayapura, 5)")) == [("papua", 150009)]
        return
    for query in ("NEAR(banjir jayapura, 5)", "^banjir"):
        with pytest.raises(QueryError, match="needs SQLite FTS5"):
            search(engine, query)


def test_db_url_from():
    assert db_url_from("data/antara.db") == "sqlite:///data/antara.db"
    assert db_url_from("postgresql+psycopg://u@h/antara") == "postgresql+psycopg://u@h/antara"


# --- the FTS5 -> tsquery translation (PostgreSQL), no database needed -----------------------------------------------


@pytest.mark.parametrize(
    ("query", "tsquery"),
    [
        ("lada", "'lada'"),
        ('"lada putih"', "'lada putih'"),  # PostgreSQL parses the operand into 'lada' <-> 'putih'
        ("lada putih", "('lada' & 'putih')"),
        ("lada AND putih", "('lada' & 'putih')"),
        ("lada NOT putih", "('lada' & !'putih')"),
        ("lada OR putih", "('lada' | 'putih')"),
        ("a OR b AND c NOT d", "('a' | ('b' & ('c' & !'d')))"),
        ("(a OR b) AND c", "(('a' | 'b') & 'c')"),
        ("ketenaga*", "'ketenaga':*"),
        ("a + b*", "('a' <-> 'b':*)"),
        ("title:lada", "'lada':A"),
        ("-title:lada", "'lada':B"),
        ("{title body}:lada*", "'lada':*AB"),
        ("body:(a OR b)", "('a':B | 'b':B)"),
        ("lada or not putih", "('lada' & 'or' & 'not' & 'putih')"),  # lower-case operators are words, as in FTS5
        ('"it\'s" "a""b"', "('it\\'s' & 'a\"b')"),
        ('""', "' '"),  # no word: matches nothing, as on SQLite
    ],
)
def test_fts5_to_tsquery(query, tsquery):
    assert fts5_to_tsquery(query) == tsquery


def test_translation_accepts_exactly_what_fts5_accepts():
    """Whatever SQLite's FTS5 rejects, the translation rejects too (and the reverse), so both backends give the same
    one-line error for a malformed query."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    queries = MALFORMED[:-1] + ["a*b", "title : lada", '"lada" *', "NEAR", "NEAR a", "a NOT b c", "(a) (b)", "x:"]
    queries += ["{title}: (a b)", "-{title body}:a", "title:-a", "{}:a", "a)", "(", "a.b", "a'b", "a - b", "é ü"]
    for query in queries:
        try:
            conn.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()
            fts5_ok = True
        except sqlite3.OperationalError:
            fts5_ok = False
        try:
            fts5_to_tsquery(query)
            ours_ok = True
        except QueryError:
            ours_ok = False
        assert ours_ok == fts5_ok, query
