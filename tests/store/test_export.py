"""``scrapy export`` and antara_crawler.store.export: round trips, filters, chunked reads, one-line errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from sqlalchemy import event

from antara_crawler.items import ARTICLE_FEED_FIELDS
from antara_crawler.store import Archive
from antara_crawler.store.export import (
    CSV_FIELDS,
    RELATED_CSV_FIELDS,
    ExportError,
    export,
    infer_format,
    iter_records,
    related_csv_path,
)
from antara_crawler.store.search import ArchiveFilter, QueryError
from tests.helpers import fixture_archive as fx

#: the fixture's articles are all different stories: each is a story of its own, its id the article's (id order)
EXPECTED = {a.key: {**fx.feed_record(a), "story_id": n, "story_size": 1} for n, a in enumerate(fx.ARTICLES, 1)}


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return fx.build(tmp_path_factory.mktemp("archive") / "antara.db")


@pytest.fixture
def archive(db_path):
    with Archive.open(f"sqlite:///{db_path}") as archive:
        yield archive


def _keys(records):
    return [(r["portal"], r["antara_id"]) for r in records]


def _read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _read_csv_export(path):
    """Rebuild feed records from ``out.csv`` + ``out_related.csv``."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(related_csv_path(path), encoding="utf-8", newline="") as f:
        links = list(csv.DictReader(f))
    records = []
    for row in rows:
        record = {k: (v if v != "" else None) for k, v in row.items()}
        record["antara_id"] = int(row["antara_id"])
        record["story_id"], record["story_size"] = int(row["story_id"]), int(row["story_size"])
        record["tags"] = json.loads(row["tags"])
        record["related"] = [
            {
                "url": link["url"],
                "title": link["title"] or None,
                "published_at": link["published_at"] or None,
                "kind": link["kind"],
            }
            for link in links
            if (link["portal"], int(link["antara_id"])) == (record["portal"], record["antara_id"])
        ]
        records.append({name: record[name] for name in ARTICLE_FEED_FIELDS})
    return records, links


# --- round trips -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_json_round_trip_equals_the_archive(archive, tmp_path, suffix):
    out = tmp_path / f"all{suffix}"
    counts = export(archive.engine, str(out), ArchiveFilter())
    records = _read_jsonl(out) if suffix == ".jsonl" else json.loads(out.read_text(encoding="utf-8"))
    assert counts.articles == len(fx.ARTICLES) == len(records)
    assert counts.related == sum(len(a.related) for a in fx.ARTICLES) == 21
    assert _keys(records) == [a.key for a in fx.ARTICLES]  # id order = the order they were archived
    for record in records:
        assert list(record) == ARTICLE_FEED_FIELDS
        assert record == EXPECTED[(record["portal"], record["antara_id"])]
    # the corrected version, not the first one; clean UTF-8, never ASCII-escaped
    assert next(r for r in records if r["antara_id"] == 520002)["title"] == "Banjir rendam 300 rumah di Medan"
    raw = out.read_text(encoding="utf-8")
    assert "“Nelayan bekerja dengan risiko tinggi,”" in raw and "\\u201c" not in raw
    assert not list(tmp_path.glob("*.part"))


def test_json_layout_matches_scrapys_json_feed(archive, tmp_path):
    out = tmp_path / "x.json"
    export(archive.engine, str(out), ArchiveFilter(portals=["papua"]))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 3
    empty = tmp_path / "empty.json"
    assert export(archive.engine, str(empty), ArchiveFilter(portals=["kepri"])).articles == 0
    assert json.loads(empty.read_text(encoding="utf-8")) == []


def test_csv_round_trip_with_related_in_a_second_file(archive, db_path, tmp_path):
    out = tmp_path / "all.csv"
    counts = export(archive.engine, str(out))
    assert counts.paths == (str(out), str(tmp_path / "all_related.csv"))
    with open(out, encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == CSV_FIELDS
    records, links = _read_csv_export(out)
    assert records == [EXPECTED[a.key] for a in fx.ARTICLES]
    assert list(links[0]) == RELATED_CSV_FIELDS
    # the related file carries what the archive knows about each link, row for row
    with sqlite3.connect(db_path) as conn:
        stored = conn.execute(
            "SELECT a.portal, a.antara_id, r.position, r.kind, r.url, r.title, r.published_raw, r.target_portal,"
            " r.target_antara_id, r.target_status FROM related_links r JOIN articles a ON a.id = r.article_id"
            " ORDER BY a.id, r.position"
        ).fetchall()
    got = [
        (
            row["portal"],
            int(row["antara_id"]),
            int(row["position"]),
            row["kind"],
            row["url"],
            row["title"] or None,
            row["published_raw"] or None,
            row["target_portal"] or None,
            int(row["target_antara_id"]) if row["target_antara_id"] else None,
            int(row["target_status"]) if row["target_status"] else None,
        )
        for row in links
    ]
    assert got == stored
    dead = [row for row in links if row["target_status"]]
    assert [(d["portal"], d["antara_id"], d["target_antara_id"], d["target_status"]) for d in dead] == [
        ("aceh", "410001", "409999", "404")
    ]


def test_related_dates_come_back_in_the_zone_of_the_linked_portal(archive):
    www = next(r for r in iter_records(archive.engine, ArchiveFilter(portals=["www"])))
    assert [link["published_at"] for link in www["related"]] == [
        "2024-03-12T09:00:00+07:00",
        "2024-03-10T20:00:00+09:00",
    ]
    assert www["fetched_at"] == fx.FETCHED


# --- filters -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (ArchiveFilter(portals=["sumut", "papua"]), [("sumut", 520002), ("papua", 150009)]),
        # a day is the day printed on the page: sumbar's 06:30 WIB on 1 January is 2023 in UTC but 2024 here
        (ArchiveFilter(since="2024-01-01", until="2024-01-31"), [("sumut", 520002), ("sumbar", 330003)]),
        (ArchiveFilter(until="2023-12-31"), [("babel", 366104), ("riau", 250004)]),
        # a date-time compares in UTC
        (ArchiveFilter(since="2023-12-31T23:00:00Z", until="2024-01-01T00:00:00+00:00"), [("sumbar", 330003)]),
        (ArchiveFilter(query="banjir"), [("sumut", 520002), ("riau", 250010), ("papua", 150009)]),
        (
            ArchiveFilter(
                portals=list(fx.SUMATRA), since="2024-01-01", until="2024-12-31", query='"BPJS Ketenagakerjaan"'
            ),
            [("aceh", 410001), ("sumbar", 330003), ("lampung", 700006), ("babel", 448393)],
        ),
    ],
)
def test_filters(archive, flt, expected):
    assert _keys(iter_records(archive.engine, flt)) == expected


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 1000])
def test_chunked_reads_give_the_same_records(archive, chunk_size):
    everything = list(iter_records(archive.engine, ArchiveFilter()))
    assert list(iter_records(archive.engine, ArchiveFilter(), chunk_size=chunk_size)) == everything
    hits = list(iter_records(archive.engine, ArchiveFilter(query="BPJS"), chunk_size=chunk_size))
    assert len(hits) == 8


@pytest.mark.parametrize(
    ("flt", "expected_records", "expected_selects"),
    [
        # everything: 3 chunks (4 + 4 + 3 articles), 4 SELECTs each: articles, tags, related links, story sizes
        (ArchiveFilter(), 11, 12),
        # a filter: one streamed SELECT of the matching ids, then 3 chunks of 4 SELECTs
        (ArchiveFilter(since="2024-01-01"), 9, 1 + 12),
        (ArchiveFilter(query="BPJS OR banjir"), 11, 1 + 12),
    ],
)
def test_related_links_and_tags_are_read_per_chunk_not_per_row(archive, flt, expected_records, expected_selects):
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(archive.engine, "before_cursor_execute", listener)
    try:
        records = list(iter_records(archive.engine, flt, chunk_size=4))
    finally:
        event.remove(archive.engine, "before_cursor_execute", listener)
    assert len(records) == expected_records
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == expected_selects, selects


def test_bad_inputs_raise_one_line_errors(archive, tmp_path):
    with pytest.raises(QueryError, match="invalid search query") as exc:
        export(archive.engine, str(tmp_path / "x.jsonl"), ArchiveFilter(query='"unbalanced'))
    assert "\n" not in str(exc.value)
    assert not list(tmp_path.iterdir())  # nothing written, not even a .part
    with pytest.raises(QueryError, match="not a date"):
        ArchiveFilter(since="2024-13-01")
    with pytest.raises(ExportError, match="cannot tell the format"):
        infer_format("out.txt")
    assert infer_format("-") == "jsonl" and infer_format("a.JL") == "jsonl" and infer_format("x", "csv") == "csv"
    with pytest.raises(ExportError, match="two files"):
        export(archive.engine, "-", fmt="csv")


def test_stdout(archive):
    buf = io.StringIO()
    counts = export(archive.engine, "-", ArchiveFilter(portals=["aceh"]), stdout=buf)
    assert counts.articles == 1
    assert [json.loads(line)["antara_id"] for line in buf.getvalue().splitlines()] == [410001]
