"""Every example query in docs/SCHEMA.md runs against the fixture archive and returns the rows it should.

A query is a ```sql block whose first line is ``-- name: <name>``; each name must have its expected rows below, so a
new example cannot be added untested and a schema change that breaks one fails here. docs/datasette.json carries the
same queries as Datasette canned queries; they must stay identical.
"""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from antara_crawler.items import Article
from antara_crawler.store import Archive
from tests.helpers import ROOT
from tests.helpers import fixture_archive as fx

SCHEMA_MD = ROOT / "docs" / "SCHEMA.md"
DATASETTE_JSON = ROOT / "docs" / "datasette.json"
_BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)
_NAME = re.compile(r"^--\s*name:\s*(\w+)\s*$", re.MULTILINE)

BPJS_AND_LINKS = "https://babel.antaranews.com/berita/366104/bpjs-ketenagakerjaan-babel-perluas-perlindungan-pekerja"
SAMPLE_TITLE = "BPJS Ketenagakerjaan Babel perluas perlindungan pekerja rentan sektor informal"
ACEH = ("aceh", 410001, "BPJS Ketenagakerjaan Aceh lindungi 50.000 nelayan", "2024-03-12T09:00:00+07:00")
SUMBAR = ("sumbar", 330003, "BPJS Ketenagakerjaan Sumbar bayar klaim JHT Rp200 miliar", "2024-01-01T06:30:00+07:00")
LAMPUNG = (
    "lampung",
    700006,
    "Disnaker Lampung minta perusahaan daftarkan pekerja ke BPJS Ketenagakerjaan",
    "2024-07-20T10:00:00+07:00",
)
BABEL = (
    "babel",
    448393,
    'Pekerja di Bangka Barat terima santunan manfaat "Return To Work" sebesar Rp351 juta',
    "2024-11-16T07:29:00+07:00",
)
MENAKER = "Menaker: kepesertaan BPJS Ketenagakerjaan naik 10 persen"


def story_copies() -> list[Article]:
    """Two republications, written after the fixture: jogja runs babel's BPJS story a day later (another dateline,
    a Baca juga line, the last paragraph trimmed), kalbar runs www's Menaker story two hours later."""
    sample = fx.sample_article()
    paragraphs = (sample.body or "").split("\n\n")
    jogja_body = "\n\n".join(
        [
            paragraphs[0].replace("Pangkalpinang (ANTARA)", "Yogyakarta (ANTARA)"),
            "Baca juga: Lain cerita",
            *paragraphs[1:-1],
        ]
    )
    www = next(a for a in fx.ARTICLES if a.portal == "www")
    return [
        Article(url="https://jogja.antaranews.com/berita/600001/bpjs-babel", portal="jogja", antara_id=600001,
                title="BPJS Babel lindungi pekerja rentan", body=jogja_body, published_at="2023-09-02T08:00:00+07:00"),
        Article(url="https://kalbar.antaranews.com/berita/700001/menaker", portal="kalbar", antara_id=700001,
                title="Kepesertaan BPJS naik", body=www.body, published_at="2024-02-14T18:00:00+07:00"),
    ]  # fmt: skip


EXPECTED: dict[str, list[tuple]] = {
    "articles_per_portal_month": [
        ("aceh", "2024-03", 1),
        ("babel", "2023-09", 1),
        ("babel", "2024-11", 1),
        ("jatim", "2024-05", 1),
        ("jogja", "2023-09", 1),
        ("kalbar", "2024-02", 1),
        ("lampung", "2024-07", 1),
        ("papua", "2024-03", 1),
        ("riau", "2023-12", 1),
        ("riau", "2024-06", 1),
        ("sumbar", "2024-01", 1),  # 2023-12 in UTC: months as printed on the page
        ("sumut", "2024-01", 1),
        ("www", "2024-02", 1),
    ],
    # one story per article everywhere: the copies are on other portals than their originals
    "stories_per_portal_month": [
        ("aceh", "2024-03", 1, 1),
        ("babel", "2023-09", 1, 1),
        ("babel", "2024-11", 1, 1),
        ("jatim", "2024-05", 1, 1),
        ("jogja", "2023-09", 1, 1),
        ("kalbar", "2024-02", 1, 1),
        ("lampung", "2024-07", 1, 1),
        ("papua", "2024-03", 1, 1),
        ("riau", "2023-12", 1, 1),
        ("riau", "2024-06", 1, 1),
        ("sumbar", "2024-01", 1, 1),
        ("sumut", "2024-01", 1, 1),
        ("www", "2024-02", 1, 1),
    ],
    "own_share_per_portal": [
        ("aceh", 1, 1, 100.0),
        ("babel", 2, 2, 100.0),
        ("jatim", 1, 1, 100.0),
        ("jogja", 1, 0, 0.0),  # babel's story
        ("kalbar", 1, 0, 0.0),  # www's story
        ("lampung", 1, 1, 100.0),
        ("papua", 1, 1, 100.0),
        ("riau", 2, 2, 100.0),
        ("sumbar", 1, 1, 100.0),
        ("sumut", 1, 1, 100.0),
        ("www", 1, 1, 100.0),
    ],
    "stories_on_several_portals": [
        (1, 2, 2, "babel,jogja", "2023-09-01 03:15:00", "babel", 366104, SAMPLE_TITLE),
        (10, 2, 2, "kalbar,www", "2024-02-14 09:00:00", "www", 4000005, MENAKER),
    ],
    "most_linked_stories": [
        ("aceh", 410001, ACEH[2], 3, 1),
        ("www", 4000005, MENAKER, 3, 1),
        ("babel", 366104, SAMPLE_TITLE, 2, 1),
        # not archived: the title is the link's text
        ("babel", 441906, "BPJS Ketenagakerjaan dorong desa di Belitung Timur daftarkan perangkat desa", 2, 0),
    ],
    "story_link_graph": [
        ("links to", "berita_terkait", "babel", 366104, SAMPLE_TITLE, 1, 0),
        ("links to", "berita_terkait", "babel", 441906, "BPJS Ketenagakerjaan dorong desa di Belitung Timur", 0, 1),
        ("linked from", "berita_terkait", "babel", 366104, SAMPLE_TITLE, 1, 2),
    ],
    "term_in_date_range": [
        (
            "papua",
            150009,
            "Banjir bandang di Jayapura, warga diminta waspada",
            "2024-03-10T20:00:00+09:00",
            "Jayapura (ANTARA) - [Banjir] bandang melanda Kota Jayapura; BMKG…",
        ),
        (
            "sumut",
            520002,
            "Banjir rendam 300 rumah di Medan",
            "2024-01-01T03:00:00+07:00",
            "Medan (ANTARA) - [Banjir] merendam 300 rumah warga di…",
        ),
    ],
    "articles_with_missing_targets": [
        ("babel", 366104, SAMPLE_TITLE, 5),
        ("babel", 448393, BABEL[2], 1),
        ("lampung", 700006, LAMPUNG[2], 1),
        ("sumbar", 330003, SUMBAR[2], 1),
        ("sumut", 520002, "Banjir rendam 300 rumah di Medan", 1),
        # aceh 410001 links to aceh 409999, which is dead (404): not "missing"
    ],
    "unarchived_targets": [
        ("babel", 441906, "https://babel.antaranews.com/berita/441906/bpjs-ketenagakerjaan-dorong-desa-di-belitung", 2),
        *[
            (link.url.split("/")[2].split(".")[0], int(link.url.split("/")[4]), link.url, 1)
            for link in sorted(fx.sample_article().related, key=lambda r: int(r.url.split("/")[4]))
            if int(link.url.split("/")[4]) not in (441906, 448393)
        ],
        (
            "lampung",
            699000,
            "https://lampung.antaranews.com/berita/699000/pengawasan-ketenagakerjaan-di-lampung-diperketat",
            1,
        ),
        ("sumbar", 329000, "https://sumbar.antaranews.com/berita/329000/klaim-jht-di-padang-naik", 1),
        ("sumut", 519990, "https://sumut.antaranews.com/berita/519990/sungai-deli-meluap", 1),
    ],
    "dead_related_links": [
        ("aceh", 410001, "https://aceh.antaranews.com/berita/409999/nelayan-aceh-jaya-terima-kartu-bpjs", 404),
    ],
    "corrected_stories": [
        # superseded_at is when the fixture was written: checked apart
        (
            "sumut",
            520002,
            "Banjir rendam 200 rumah di Medan",
            "Banjir rendam 300 rumah di Medan",
            "2024-01-01 02:00:00",
        ),
    ],
    "sumatra_bpjs_2024": [
        (
            *SUMBAR,
            "berita_terkait",
            "https://sumbar.antaranews.com/berita/329000/klaim-jht-di-padang-naik",
            "Klaim JHT di Padang naik",
            0,
        ),
        (
            *SUMBAR,
            "berita_terkait",
            "https://www.antaranews.com/berita/4000005/menaker-kepesertaan-bpjs-ketenagakerjaan-naik-10",
            MENAKER,
            1,
        ),
        (
            *ACEH,
            "berita_terkait",
            "https://sumut.antaranews.com/berita/520002/banjir-rendam-300-rumah-di-medan",
            "Banjir rendam 300 rumah di Medan",
            1,
        ),
        (
            *ACEH,
            "berita_terkait",
            "https://aceh.antaranews.com/berita/409999/nelayan-aceh-jaya-terima-kartu-bpjs",
            "Nelayan Aceh Jaya terima kartu BPJS",
            0,
        ),
        (*ACEH, "baca_juga", BPJS_AND_LINKS, SAMPLE_TITLE, 1),
        (
            *LAMPUNG,
            "berita_terkait",
            "https://lampung.antaranews.com/berita/699000/pengawasan-ketenagakerjaan-di-lampung-diperketat",
            "Pengawasan ketenagakerjaan di Lampung diperketat",
            0,
        ),
        (
            *LAMPUNG,
            "berita_terkait",
            "https://aceh.antaranews.com/berita/410001/bpjs-ketenagakerjaan-aceh-lindungi-50.000-nelayan",
            ACEH[2],
            1,
        ),
        (
            *LAMPUNG,
            "baca_juga",
            "https://www.antaranews.com/berita/4000005/menaker-kepesertaan-bpjs-ketenagakerjaan-naik-10",
            MENAKER,
            1,
        ),
        (*BABEL, "berita_terkait", BPJS_AND_LINKS, SAMPLE_TITLE, 1),
        (
            *BABEL,
            "berita_terkait",
            "https://babel.antaranews.com/berita/441906/bpjs-ketenagakerjaan-dorong-desa-di-belitung",
            "BPJS Ketenagakerjaan dorong desa di Belitung Timur",
            0,
        ),
    ],
}


def documented_queries() -> dict[str, str]:
    queries: dict[str, str] = {}
    for block in _BLOCK.findall(SCHEMA_MD.read_text(encoding="utf-8")):
        match = _NAME.search(block)
        assert match, f"a ```sql block in docs/SCHEMA.md has no '-- name:' line:\n{block}"
        name = match.group(1)
        assert name not in queries, f"two queries named {name}"
        queries[name] = block.strip()
    return queries


QUERIES = documented_queries()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    path = fx.build(tmp_path_factory.mktemp("docs") / "antara.db")
    with Archive.open(f"sqlite:///{path}") as archive:
        archive.write_batch(story_copies())
    return path


@pytest.fixture(scope="module")
def conn(db_path):
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)  # as a reader would: read-only, plain sqlite3
    yield conn
    conn.close()


def test_every_documented_query_has_expectations():
    assert set(QUERIES) == set(EXPECTED)
    # the brief's questions are all answered
    assert {
        "articles_per_portal_month",
        "most_linked_stories",
        "story_link_graph",
        "term_in_date_range",
        "articles_with_missing_targets",
        "sumatra_bpjs_2024",
    } <= set(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_documented_query_returns_the_expected_rows(conn, name):
    rows = conn.execute(QUERIES[name]).fetchall()
    if name == "corrected_stories":
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[-1]) for row in rows)
        rows = [row[:-1] for row in rows]
    assert rows == EXPECTED[name]


def test_sumatra_query_leaves_out_what_it_must(conn):
    keys = {(row[0], row[1]) for row in conn.execute(QUERIES["sumatra_bpjs_2024"])}
    assert ("babel", 366104) not in keys  # 2023
    assert ("riau", 250004) not in keys  # 23:30 WIB on 31 December 2023 (2023 on the page)
    assert ("jatim", 800007) not in keys and ("www", 4000005) not in keys  # not Sumatra
    assert ("sumbar", 330003) in keys  # 2024 on the page, 2023 in UTC


_DUCKDB_BLOCK = re.compile(r"```duckdb\n(.*?)```", re.DOTALL)
DUCKDB_QUERIES = {_NAME.search(b).group(1): b.strip() for b in _DUCKDB_BLOCK.findall(SCHEMA_MD.read_text("utf-8"))}


def test_the_parquet_questions_are_documented():
    assert set(DUCKDB_QUERIES) == {"stories_per_portal_month", "own_share_per_portal"}


@pytest.mark.parametrize("name", sorted(DUCKDB_QUERIES))
def test_duckdb_on_the_parquet_export_answers_as_the_archive(db_path, tmp_path, name):
    """The same question, from ``scrapy export -o antara.parquet`` with DuckDB: the same rows as the SQL query."""
    duckdb = pytest.importorskip("duckdb")
    from antara_crawler.store.export import export

    out = tmp_path / "antara.parquet"
    with Archive.open(f"sqlite:///{db_path}") as archive:
        export(archive.engine, str(out))
    sql = DUCKDB_QUERIES[name].replace("'antara.parquet'", f"'{out}'")
    assert duckdb.connect().execute(sql).fetchall() == EXPECTED[name]


def test_datasette_canned_queries_are_the_documented_queries():
    metadata = json.loads(DATASETTE_JSON.read_text(encoding="utf-8"))
    canned = metadata["databases"]["antara"]["queries"]
    assert set(canned) == set(QUERIES)
    for name, query in canned.items():
        documented = "\n".join(line for line in QUERIES[name].splitlines() if not _NAME.match(line))
        assert query["sql"] == documented, name
        assert query["title"]
