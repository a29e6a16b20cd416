"""``scrapy search`` on the command line: JSON and text output (the subprocess smoke test), one-line errors.

The errors run in process through the command class (``scrapy_command``).
"""

from __future__ import annotations

import itertools
import json

import pytest

from tests.helpers import fixture_archive as fx
from tests.helpers import run_scrapy

BPJS_SUMATRA_2024 = [("aceh", 410001), ("babel", 448393), ("lampung", 700006), ("sumbar", 330003)]


# --- the command -------------------------------------------------------------------------------------------------


def test_command_json_output(db_url, scrapy_command):
    result = scrapy_command(
        [
            "search",
            "--db",
            db_url,
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


def test_command_text_output(db_url, archive_backend):
    """The subprocess smoke test of ``scrapy search``: the real command line, end to end."""
    result = run_scrapy(["search", "--db", db_url, "banjir", "bandang"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        "  1. Banjir bandang di Jayapura, warga diminta waspada",
        f"     papua · 2024-03-10 20:00 · {fx.PAPUA.url}",
    ]
    snippet = list(itertools.takewhile(lambda line: line.startswith("     "), lines[2:]))
    # FTS5 marks each matched word; neighbouring ts_headline marks are joined into one
    marked = {"sqlite": "[Banjir] [bandang]", "postgresql": "[Banjir bandang]"}[archive_backend]
    expected = f"Jayapura (ANTARA) - {marked} melanda Kota Jayapura; BMKG meminta warga waspada hujan lebat."
    assert " ".join(line.strip() for line in snippet) == expected
    assert len(snippet) == 2 and all(len(line) <= 100 for line in snippet)  # snippets wrap at 100 columns
    empty = run_scrapy(["search", "--db", db_url, "tidakada"])
    assert empty.returncode == 0 and empty.stdout.strip() == "no articles match 'tidakada'"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['"unbalanced'], "invalid search query '\"unbalanced': unterminated string"),
        (["AND AND"], "invalid search query 'AND AND': "),
        (["AND AND"], 'syntax error near "AND"'),  # FTS5 says "fts5: syntax error ...", PostgreSQL "syntax error ..."
        (["lada -putih"], "no such column: putih"),
        (["--since", "2024-02-30", "banjir"], "not a date: '2024-02-30'"),
        ([], "give a search query"),
    ],
)
def test_command_errors_are_one_line_with_exit_2(db_url, args, message, scrapy_command):
    result = scrapy_command(["search", "--db", db_url, *args])
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


def test_postgres_snippet_shape():
    from antara_crawler.store.search import _pg_snippet

    body = "Jayapura (ANTARA) - Banjir bandang melanda Kota Jayapura.\n\nWarga diminta waspada."
    assert _pg_snippet("[Banjir] [bandang] melanda Kota", body) == "…[Banjir bandang] melanda Kota…"
    assert _pg_snippet("Jayapura (ANTARA) - [Banjir]", body) == "Jayapura (ANTARA) - [Banjir]…"
    assert _pg_snippet("Warga diminta [waspada]", body) == "…Warga diminta [waspada]."  # only a full stop left out
    assert _pg_snippet("", body) == ""
