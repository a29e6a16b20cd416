"""Parquet and GraphML/GEXF exports: round trips through pyarrow, pandas, DuckDB and networkx (``scrapy export`` to
Parquet in a real process: ``tests/e2e/test_e2e_export_analysis.py``)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from antara_crawler.store import Archive
from antara_crawler.store.export import ExportError, export, iter_records
from antara_crawler.store.parquet import ROW_GROUP_ROWS
from antara_crawler.store.search import ArchiveFilter
from tests.helpers import ROOT
from tests.helpers import fixture_archive as fx

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
nx = pytest.importorskip("networkx")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    """The fixture archive (tags, related links of both kinds, dead and unarchived targets) plus the synthetic copy
    set (stories of several articles)."""
    return fx.build_with_stories(tmp_path_factory.mktemp("analysis") / "antara.db")


@pytest.fixture
def archive(db_path):
    with Archive.open(f"sqlite:///{db_path}") as archive:
        yield archive


def _instant(value):
    if value is None:
        return None
    dt = datetime.fromisoformat(value)
    return dt.astimezone(UTC)


def _as_parquet_row(record):
    """What a feed record becomes in Parquet: timestamps as aware UTC instants, everything else as is."""
    row = dict(record)
    row["published_at"] = _instant(record["published_at"])
    row["fetched_at"] = _instant(record["fetched_at"])
    row["related"] = [{**link, "published_at": _instant(link["published_at"])} for link in record["related"]]
    row["time_zone"] = {"papua": "Asia/Jayapura", "makassar": "Asia/Makassar"}.get(record["portal"], "Asia/Jakarta")
    return row


@pytest.fixture(scope="module")
def parquet_file(db_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "all.parquet"
    with Archive.open(f"sqlite:///{db_path}") as archive:
        export(archive.engine, str(out), ArchiveFilter())
    return out


def test_parquet_round_trip_equals_the_archive(archive, parquet_file):
    rows = pq.read_table(parquet_file).to_pylist()
    expected = [_as_parquet_row(r) for r in iter_records(archive.engine)]
    assert len(rows) == archive.count() == len(expected)
    assert rows == expected


def test_parquet_story_ids_are_the_archives(archive, parquet_file):
    table = pq.read_table(parquet_file, columns=["portal", "antara_id", "story_id", "story_size"])
    with archive.engine.connect() as conn:
        db = {
            (p, i): (sid, n)
            for p, i, sid, n in conn.execute(
                text(
                    "SELECT portal, antara_id, story_id, (SELECT COUNT(*) FROM articles b WHERE b.story_id = a.story_id)"
                    " FROM articles a"
                )
            )
        }
    got = {(r["portal"], r["antara_id"]): (r["story_id"], r["story_size"]) for r in table.to_pylist()}
    assert got == db
    assert max(n for _, n in got.values()) == 4  # the chains of four copies


def test_parquet_columns_are_typed(parquet_file):
    schema = pq.read_schema(parquet_file)
    assert schema.field("published_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("fetched_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("tags").type == pa.list_(pa.string())
    related = schema.field("related").type.value_type
    assert [related.field(i).name for i in range(related.num_fields)] == ["url", "title", "published_at", "kind"]
    assert related.field("published_at").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("story_id").type == pa.int64()


def test_parquet_reads_in_pandas_with_zones_and_lists(parquet_file):
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(parquet_file)
    assert str(frame["published_at"].dt.tz) == "UTC"
    babel = frame[(frame.portal == "babel") & (frame.antara_id == 366104)].iloc[0]
    assert list(babel["tags"]) == ["BPJS Ketenagakerjaan", "pekerja rentan", "Pangkalpinang"]
    assert {link["kind"] for link in babel["related"]} == {"baca_juga", "berita_terkait"}


def test_parquet_reads_in_duckdb_without_conversion(parquet_file):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    types = dict(
        con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{parquet_file}')").fetchall()
    )
    assert types["published_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["tags"] == "VARCHAR[]"
    assert types["related"].startswith("STRUCT(")
    kinds = con.execute(f"SELECT DISTINCT unnest(related).kind AS kind FROM '{parquet_file}' ORDER BY kind").fetchall()
    assert kinds == [("baca_juga",), ("berita_terkait",)]


def test_parquet_is_written_in_row_groups(archive, tmp_path):
    from antara_crawler.store.parquet import write_parquet

    out = tmp_path / "groups.parquet"
    rows = write_parquet(iter_records(archive.engine), out, row_group_rows=50)
    meta = pq.ParquetFile(out).metadata
    assert rows == archive.count()
    assert meta.num_row_groups == -(-rows // 50)
    assert ROW_GROUP_ROWS >= 1_000


def test_parquet_refuses_stdout(archive):
    with pytest.raises(ExportError, match="parquet is written to a file"):
        export(archive.engine, "-", fmt="parquet")


def _expected_graph(archive):
    with archive.engine.connect() as conn:
        articles = conn.execute(text("SELECT COUNT(*) FROM articles")).scalar_one()
        outside = conn.execute(
            text(
                "SELECT COUNT(DISTINCT COALESCE(r.target_portal || '/' || r.target_antara_id, r.url)) "
                "FROM related_links r LEFT JOIN articles t "
                "ON t.portal = r.target_portal AND t.antara_id = r.target_antara_id WHERE t.id IS NULL"
            )
        ).scalar_one()
        edges = conn.execute(text("SELECT COUNT(*) FROM related_links")).scalar_one()
        dead = conn.execute(
            text("SELECT COUNT(DISTINCT target_portal || '/' || target_antara_id) FROM related_links r "
                 "WHERE target_status IS NOT NULL")
        ).scalar_one()  # fmt: skip
    return articles + outside, edges, dead


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_graph_round_trip_through_networkx(archive, tmp_path, suffix):
    out = tmp_path / f"links{suffix}"
    counts = export(archive.engine, str(out), ArchiveFilter())
    graph = nx.read_graphml(out) if suffix == ".graphml" else nx.read_gexf(out)
    nodes, edges, dead = _expected_graph(archive)
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges) == (counts.nodes, counts.edges)
    statuses = [data["status"] for _, data in graph.nodes(data=True)]
    assert statuses.count("archived") == archive.count()
    assert statuses.count("dead") == dead >= 1
    assert statuses.count("unarchived") == nodes - archive.count() - dead >= 1
    kinds = {data["kind"] for _, _, data in graph.edges(data=True)}
    assert kinds == {"baca_juga", "berita_terkait"}


def test_graph_nodes_carry_portal_title_time_and_story(archive, tmp_path):
    out = tmp_path / "links.graphml"
    export(archive.engine, str(out), ArchiveFilter())
    node = nx.read_graphml(out).nodes["babel/366104"]
    row = archive.get_article("babel", 366104)
    assert node["portal"] == "babel" and node["title"] == row["title"]
    assert node["published_at"] == row["published_at_local"]
    assert int(node["story_id"]) == row["story_id"]


def test_graph_of_a_filter_marks_archived_targets_outside_it(archive, tmp_path):
    out = tmp_path / "lampung.graphml"
    export(archive.engine, str(out), ArchiveFilter(portals=["lampung"]))
    graph = nx.read_graphml(out)
    sources = {u for u, _ in graph.edges()}
    assert sources and all(u.startswith("lampung/") for u in sources)
    outside = {n: d for n, d in graph.nodes(data=True) if not n.startswith("lampung/")}
    assert {n for n, d in outside.items() if d["status"] == "archived"} == {"aceh/410001", "www/4000005"}
    assert all("story_id" in d and "title" in d for d in outside.values() if d["status"] == "archived")


@pytest.mark.parametrize(("blocked", "command"), [("pyarrow", "export"), ("datasketch", "stories")])
def test_a_missing_library_is_one_line_naming_the_extra(db_path, tmp_path, blocked, command):
    args = ["-o", str(tmp_path / "x.parquet")] if command == "export" else ["--rebuild"]
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"  # as if not installed: importing it raises ImportError
        "from scrapy.cmdline import execute\n"
        f"execute(['scrapy', {command!r}, '--db', {str(db_path)!r}, *{args!r}])"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"scrapy {command}: error: {blocked} is not installed: install the 'analysis' extra, pip install -e '.[analysis]'"
    ]
