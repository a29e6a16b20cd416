"""``scrapy search`` and antara_crawler.store.search: bm25 ranking, snippets, filters, one-line errors."""

from __future__ import annotations

import json

import pytest

from antara_crawler.store import Archive
from antara_crawler.store.search import ArchiveFilter, QueryError, db_url_from, search
from tests import fixture_archive as fx
from tests.support import run_scrapy


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return fx.build(tmp_path_factory.mktemp("archive") / "antara.db")


@pytest.fixture
def engine(db_path):
    with Archive.open(f"sqlite:///{db_path}") as archive:
        yield archive.engine


def _keys(hits):
    return [(h.portal, h.antara_id) for h in hits]


def test_title_matches_rank_above_body_matches(engine):
    hits = search(engine, "nelayan")
    # aceh has "nelayan" in its title; the babel sample only in its body (twice)
    assert _keys(hits) == [("aceh", 410001), ("babel", 366104)]
    assert [h.rank for h in hits] == [1, 2]
    assert hits[0].score < hits[1].score  # bm25: lower is better


def test_phrase_query_ranks_and_snippets(engine):
    hits = search(engine, '"BPJS Ketenagakerjaan"')
    assert len(hits) == 8
    assert all(hits[i].score <= hits[i + 1].score for i in range(len(hits) - 1))
    top = hits[0]
    assert top.title is not None and "BPJS Ketenagakerjaan" in top.title
    for hit in hits:
        assert "[BPJS Ketenagakerjaan]" in hit.snippet, hit.snippet
        assert "\n" not in hit.snippet
    aceh = next(h for h in hits if h.antara_id == 410001)
    assert aceh.snippet == (
        "Banda Aceh (ANTARA) - [BPJS Ketenagakerjaan] Cabang Banda Aceh melindungi 50.000 nelayan di pesisir Aceh "
        "melalui…"
    )
    assert aceh.published_at == "2024-03-12T09:00:00+07:00"
    assert aceh.url == fx.ACEH.url


def test_search_is_case_and_accent_insensitive_with_prefixes(engine):
    assert _keys(search(engine, "BANJIR")) == _keys(search(engine, "banjir"))
    assert {h.antara_id for h in search(engine, "ketenaga*")} >= {410001, 700006}


def test_filters_and_limit(engine):
    sumatra_2024 = ArchiveFilter(portals=list(fx.SUMATRA), since="2024-01-01", until="2024-12-31")
    hits = search(engine, '"BPJS Ketenagakerjaan"', sumatra_2024)
    assert sorted(_keys(hits)) == [("aceh", 410001), ("babel", 448393), ("lampung", 700006), ("sumbar", 330003)]
    assert len(search(engine, '"BPJS Ketenagakerjaan"', limit=3)) == 3
    assert _keys(search(engine, "banjir", ArchiveFilter(portals=["papua"]))) == [("papua", 150009)]
    assert search(engine, "tidakadakatainidiarsip") == []


@pytest.mark.parametrize("query", ['"unbalanced', "AND AND", "foo:bar", "NEAR(", "*", ""])
def test_malformed_queries_raise_one_line_query_errors(engine, query):
    with pytest.raises(QueryError) as exc:
        search(engine, query)
    assert "\n" not in str(exc.value)


def test_db_url_from():
    assert db_url_from("data/antara.db") == "sqlite:///data/antara.db"
    assert db_url_from("postgresql+psycopg://u@h/antara") == "postgresql+psycopg://u@h/antara"


# --- the command -------------------------------------------------------------------------------------------------


def test_command_json_output(db_path):
    result = run_scrapy(
        [
            "search",
            "--db",
            str(db_path),
            "--portal",
            ",".join(fx.SUMATRA),
            "--since",
            "2024-01-01",
            "--until",
            "2024-12-31",
            "--limit",
            "2",
            "--json",
            '"BPJS Ketenagakerjaan"',
        ]
    )
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    assert list(hits[0]) == ["rank", "score", "portal", "antara_id", "url", "title", "published_at", "snippet"]
    assert [h["rank"] for h in hits] == [1, 2]
    assert all(h["portal"] in fx.SUMATRA and h["published_at"].startswith("2024-") for h in hits)
    assert "[BPJS Ketenagakerjaan]" in hits[0]["snippet"]


def test_command_text_output(db_path):
    result = run_scrapy(["search", "--db", str(db_path), "banjir", "bandang"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "  1. Banjir bandang di Jayapura, warga diminta waspada",
        f"     papua · 2024-03-10 20:00 · {fx.PAPUA.url}",
        "     Jayapura (ANTARA) - [Banjir] [bandang] melanda Kota Jayapura; BMKG meminta warga waspada hujan",
        "     lebat.",  # snippets wrap at 100 columns
    ]
    empty = run_scrapy(["search", "--db", str(db_path), "tidakada"])
    assert empty.returncode == 0 and empty.stdout.strip() == "no articles match 'tidakada'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['"unbalanced'], "invalid search query '\"unbalanced': unterminated string"),
        (["AND AND"], "invalid search query 'AND AND': fts5: syntax error near \"AND\""),
        (["--since", "2024-02-30", "banjir"], "not a date: '2024-02-30'"),
        ([], "give a search query"),
    ],
)
def test_command_errors_are_one_line_with_exit_2(db_path, args, message):
    result = run_scrapy(["search", "--db", str(db_path), *args])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrapy search: error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_fallback_snippet_for_databases_without_fts5():
    from antara_crawler.store.search import _python_snippet

    body = "Jayapura (ANTARA) - " + "kata " * 30 + "Banjir bandang melanda Kota Jayapura. " + "lagi " * 30
    snippet = _python_snippet(body, "banjir bandang", width=20)
    assert snippet == "…kata kata kata kata [Banjir bandang] melanda Kota Jayapu…"
    assert _python_snippet(None, "x") == ""
