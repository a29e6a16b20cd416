"""``scrapy gaps``: the JSON keys (the subprocess smoke test), a portal without entries, the table, one-line errors.

The other cases run in process through the command class (``scrapy_command``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from antara_crawler.store import Archive
from tests.helpers import run_scrapy
from tests.helpers.articles import make_article
from tests.store.test_ledger import status

# --- scrapy gaps -------------------------------------------------------------------------------------------------


@pytest.fixture
def gaps_db(tmp_path: Path) -> Path:
    db = tmp_path / "a.db"
    with Archive.open(f"sqlite:///{db}") as arc:
        arc.write_batch([make_article(i) for i in (100, 101, 105)] + [status(102, "http_404")])
    return db


def test_gaps_json_has_exactly_the_documented_keys(gaps_db):
    result = run_scrapy(["gaps", "--db", str(gaps_db), "--json"])
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows == [
        {"portal": "babel", "low": 100, "high": 105, "archived": 3, "not_found": 1, "not_article": 0, "failed": 0,
         "unprobed": 2}
    ]  # fmt: skip


def test_gaps_for_a_portal_without_entries_reports_nulls(gaps_db, scrapy_command):
    result = scrapy_command(["gaps", "--db", str(gaps_db), "--portal", "babel,sumbar", "--json"])
    assert result.returncode == 0, result.stderr
    assert [r["portal"] for r in json.loads(result.stdout)] == ["babel", "sumbar"]
    assert json.loads(result.stdout)[1]["low"] is None


def test_gaps_prints_a_table_by_default(gaps_db, scrapy_command):
    result = scrapy_command(["gaps", "--db", str(gaps_db)])
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.strip().splitlines()
    assert header.split()[:3] == ["portal", "low", "high"]
    assert row.split() == ["babel", "100", "105", "3", "1", "0", "0", "2"]


@pytest.mark.parametrize(
    "args, message",
    [(["--portal", "atlantis"], "unknown portal(s): atlantis"), (["--db", "/nonexistent/x.db"], "no archive at")],
)
def test_gaps_errors_are_one_line_with_exit_2(gaps_db, args, message, scrapy_command):
    args = args if "--db" in args else ["--db", str(gaps_db), *args]
    result = scrapy_command(["gaps", *args])
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
