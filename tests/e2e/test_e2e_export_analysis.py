"""``scrapy export`` to Parquet in a real process, on the fixture archive plus the story corpus (the Parquet export
itself is tested in process in ``tests/store/test_export_analysis.py``)."""

from __future__ import annotations

import pytest

from antara_crawler.store import Archive
from antara_crawler.store.export import iter_records
from tests.helpers import fixture_archive as fx
from tests.helpers import run_scrapy

pq = pytest.importorskip("pyarrow.parquet")


@pytest.fixture(scope="module")
def db_path(tmp_path_factory):
    return fx.build_with_stories(tmp_path_factory.mktemp("analysis") / "antara.db")


def test_scrapy_export_writes_parquet(db_path, tmp_path):
    out = tmp_path / "cli.parquet"
    result = run_scrapy(["export", "--db", str(db_path), "-o", str(out)], env={"ANTARA_PROGRESS_INTERVAL": "0"})
    assert result.returncode == 0, result.stderr
    assert pq.read_metadata(out).num_rows == len(list(iter_records_of(db_path)))
    assert "[antara_crawler.progress] INFO: export:" in result.stderr  # not a terminal: log lines


def iter_records_of(db_path):
    with Archive.open(f"sqlite:///{db_path}") as archive:
        yield from iter_records(archive.engine)
