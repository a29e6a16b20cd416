"""``scrapy export`` on the command line: a filter to a file, stdout (the subprocess smoke test), one-line errors.

The errors run in process through the command class (``scrapy_command``); the archive is
``tests/helpers/fixture_archive.py``.
"""

from __future__ import annotations

import json

import pytest

from tests.helpers import fixture_archive as fx
from tests.helpers import run_scrapy
from tests.store.test_export import EXPECTED, _keys

# --- the command -------------------------------------------------------------------------------------------------


def test_command_exports_a_filter(db_path, tmp_path, scrapy_command):
    out = tmp_path / "sub" / "bpjs.json"
    result = scrapy_command(
        [
            "export",
            "--db",
            str(db_path),
            "--portal",
            ",".join(fx.SUMATRA),
            "--since",
            "2024-01-01",
            "--until",
            "2024-12-31",
            "--query",
            '"BPJS Ketenagakerjaan"',
            "-o",
            str(out),
        ]
    )
    assert result.returncode == 0, result.stderr
    records = json.loads(out.read_text(encoding="utf-8"))
    assert _keys(records) == [("aceh", 410001), ("sumbar", 330003), ("lampung", 700006), ("babel", 448393)]
    assert records[0] == EXPECTED[("aceh", 410001)]
    assert f"exported 4 articles (10 related links) to {out}" in result.stderr


def test_command_to_stdout_as_jsonl(db_path):
    result = run_scrapy(["export", "--db", f"sqlite:///{db_path}", "--portal", "papua", "-o", "-"])
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == [EXPECTED[("papua", 150009)]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--query", '"unbalanced', "-o", "{tmp}/x.jsonl"], "invalid search query '\"unbalanced': unterminated string"),
        (["--query", "AND AND", "-o", "{tmp}/x.jsonl"], "invalid search query 'AND AND': fts5: syntax error"),
        (["-o", "/proc/no/such/dir/x.jsonl"], "cannot write /proc/no/such/dir/x.jsonl"),
        (["-o", "{tmp}/a_file/x.csv"], "cannot write {tmp}/a_file/x.csv: "),  # a file where a folder should be
        (["-o", "{tmp}/x.txt"], "cannot tell the format"),
        (["--since", "yesterday", "-o", "{tmp}/x.jsonl"], "not a date: 'yesterday'"),
        (["--portal", "aceh,sumbarr", "-o", "{tmp}/x.jsonl"], "unknown portal(s): sumbarr"),
        ([], "give the output file with -o PATH"),
    ],
)
def test_command_errors_are_one_line_with_exit_2(db_path, tmp_path, args, message, scrapy_command):
    (tmp_path / "a_file").write_text("not a folder")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = scrapy_command(["export", "--db", str(db_path), *args])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("scrapy export: error: ")
    assert message.replace("{tmp}", str(tmp_path)) in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_command_refuses_a_missing_archive_without_creating_it(tmp_path, scrapy_command):
    result = scrapy_command(["export", "--db", str(tmp_path / "nope.db"), "-o", str(tmp_path / "x.jsonl")])
    assert result.returncode == 2
    assert result.stderr.strip() == f"scrapy export: error: no archive at {tmp_path / 'nope.db'}"
    assert not (tmp_path / "nope.db").exists()
