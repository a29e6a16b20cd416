"""The id ledger in the archive (store/ledger.py), on SQLite and PostgreSQL, and the ``scrapy gaps`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from antara_crawler.backfill import Run
from antara_crawler.items import LinkStatus
from antara_crawler.store import Archive, ledger
from antara_crawler.store.archive import make_engine, upgrade
from tests.helpers import ROOT
from tests.helpers.articles import make_article


@pytest.fixture
def archive(archive_url: str):
    arc = Archive.open(archive_url)
    yield arc
    arc.close()


def status(antara_id: int, reason: str, portal: str = "babel", code: int = 404) -> LinkStatus:
    return LinkStatus(f"https://{portal}.antaranews.com/berita/{antara_id}", portal, antara_id, code, reason)


def shape(runs: list[Run]) -> list[tuple[int, int, str, int]]:
    return [(r.first, r.last, r.state, r.tries) for r in runs]


def test_archived_ids_become_one_run(archive):
    archive.write_batch([make_article(i) for i in (10, 11, 12)])
    archive.write_batch([make_article(13), make_article(15)])
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 100)) == [
        (10, 13, "archived", 1),
        (15, 15, "archived", 1),
    ]


def test_each_outcome_gets_its_state(archive):
    archive.write_batch(
        [
            make_article(20),
            status(21, "http_404"),
            status(22, "redirected_away", code=200),
            status(23, "http_503", code=503),
            status(24, "not_found_page", code=200),
        ]
    )
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 100)) == [
        (20, 20, "archived", 1),
        (21, 21, "not_found", 1),
        (22, 22, "not_article", 1),
        (23, 23, "failed", 1),
        (24, 24, "not_article", 1),
    ]


def test_a_failed_id_archived_later_joins_its_neighbours(archive):
    archive.write_batch([make_article(30), status(31, "timeout", code=0), make_article(32)])
    archive.write_batch([make_article(31)])
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 100)) == [(30, 32, "archived", 1)]


def test_an_archived_id_stays_archived_after_a_404(archive):
    archive.write_batch([make_article(40)])
    archive.write_batch([status(40, "http_404")])
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 100)) == [(40, 40, "archived", 1)]


def test_a_404_seen_twice_counts_two_tries(archive):
    archive.write_batch([status(50, "http_404")])
    archive.write_batch([status(50, "http_404")])
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 100)) == [(50, 50, "not_found", 2)]


def test_report_gives_the_exact_figures(archive):
    archive.write_batch([make_article(i) for i in (100, 101, 102, 110)] + [make_article(7, portal="papua")])
    archive.write_batch([status(103, "http_404"), status(104, "http_404"), status(105, "redirected_away")])
    archive.write_batch([status(106, "timeout", code=0), status(200, "http_404")])
    babel, papua, sumbar = ledger.report(archive.engine, ["babel", "papua", "sumbar"])
    assert babel.as_dict() == {
        "portal": "babel", "low": 100, "high": 110, "archived": 4, "not_found": 3, "not_article": 1,
        "failed": 1, "unprobed": 3,  # 107, 108, 109 (200 is outside [low, high])
    }  # fmt: skip
    assert (papua.low, papua.high, papua.archived, papua.unprobed) == (7, 7, 1, 0)
    assert sumbar.as_dict() == dict.fromkeys(ledger.REPORT_KEYS, 0) | {"portal": "sumbar", "low": None, "high": None}
    assert [r.portal for r in ledger.report(archive.engine)] == ["babel", "papua"]


def test_totals_stay_in_step_with_the_runs(archive):
    import random

    rng = random.Random(5)
    reasons = ["http_404", "redirected_away", "timeout", "http_404"]
    for _ in range(30):
        items = []
        for i in rng.sample(range(1000, 1300), 25):
            items.append(make_article(i, n_related=0) if rng.random() < 0.5 else status(i, rng.choice(reasons)))
        archive.write_batch(items)
    runs = ledger.runs_between(archive.engine, "babel", 0, 10_000)
    counts = {state: sum(len(r) for r in runs if r.state == state) for state in ("archived", "not_found")}
    archived_runs = [r for r in runs if r.state == "archived"]
    (rep,) = ledger.report(archive.engine, ["babel"])
    assert (rep.archived, rep.not_found) == (counts["archived"], counts["not_found"])
    assert rep.archived + rep.not_found + rep.not_article + rep.failed == sum(len(r) for r in runs)
    assert (rep.low, rep.high) == (archived_runs[0].first, archived_runs[-1].last)
    covered = sum(len(r) for r in runs if rep.low <= r.first and r.last <= rep.high)
    assert rep.unprobed == rep.high - rep.low + 1 - covered


def test_far_apart_ids_of_one_batch_splitting_one_run(archive):
    archive.write_batch([status(i, "timeout", code=0) for i in range(1, 5001)])
    archive.write_batch([make_article(100, n_related=0), make_article(4000, n_related=0)])  # two windows, one run
    assert shape(ledger.runs_between(archive.engine, "babel", 0, 10_000)) == [
        (1, 99, "failed", 1),
        (100, 100, "archived", 1),
        (101, 3999, "failed", 1),
        (4000, 4000, "archived", 1),
        (4001, 5000, "failed", 1),
    ]
    (rep,) = ledger.report(archive.engine, ["babel"])
    assert (rep.archived, rep.failed, rep.low, rep.high, rep.unprobed) == (2, 4998, 100, 4000, 0)


def test_one_read_for_the_first_windows_of_more_portals_than_one_statement_holds(archive, monkeypatch):
    """A batch over more portals than WINDOWS_PER_READ (several statements, the last one padded) joins and splits
    every portal's runs exactly as a batch of one portal does."""
    monkeypatch.setattr(ledger, "WINDOWS_PER_READ", 4)
    portals = [f"p{i:02d}" for i in range(11)]
    archive.write_batch([status(i, "http_404", portal=p) for p in portals for i in range(1, 9)])
    archive.write_batch([status(9, "http_404", portal=p) for p in portals] + [status(4, "timeout", "p03", 0)])
    for p in portals:
        want = [(1, 3, "not_found", 1), (4, 4, "failed", 1), (5, 9, "not_found", 1)] if p == "p03" else None
        assert shape(ledger.runs_between(archive.engine, p, 0, 100)) == (want or [(1, 9, "not_found", 1)])
    assert sum(rep.not_found for rep in ledger.report(archive.engine, portals)) == 11 * 9 - 1


def test_range_report_clips_to_the_range(archive):
    archive.write_batch([make_article(i) for i in (100, 101, 102)] + [status(104, "http_404")])
    rep = ledger.range_report(archive.engine, "babel", 101, 106)
    assert (rep.low, rep.high, rep.archived, rep.not_found, rep.unprobed) == (101, 102, 2, 1, 3)


def test_unsettled_skips_settled_ids(archive):
    archive.write_batch([make_article(60), status(61, "http_404"), status(62, "timeout", code=0)])
    got = ledger.unsettled(archive.engine, "babel", 58, 64, recheck_days=30, max_rechecks=3)
    assert got == [(58, 59), (62, 64)]


def test_dated_neighbours_are_the_articles_around_a_day(archive):
    archive.write_batch(
        [
            make_article(70, published_at="2024-03-01T10:00:00+07:00"),
            make_article(75, published_at="2024-03-02T00:30:00+07:00"),  # 1 March in UTC, 2 March in Babel
            make_article(80, published_at="2024-03-05T10:00:00+07:00"),
        ]
    )
    from datetime import date

    points = ledger.dated_neighbours(archive.engine, "babel", [date(2024, 3, 2)])
    assert points == [(70, date(2024, 3, 1)), (75, date(2024, 3, 2))]


def test_migration_fills_the_ledger_from_archived_articles(tmp_path: Path):
    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for antara_id in (5, 6, 7, 9):
            conn.execute(
                text(
                    "INSERT INTO articles (portal, antara_id, url, content_hash, first_seen_at, last_crawled_at,"
                    " last_changed_at) VALUES ('babel', :i, :u, 'h', '2024-01-01 00:00:00', '2024-01-01 00:00:00',"
                    " '2024-01-01 00:00:00')"
                ),
                {"i": antara_id, "u": f"https://babel.antaranews.com/berita/{antara_id}/x"},
            )
    engine.dispose()
    with Archive.open(f"sqlite:///{path}") as arc:
        assert shape(ledger.runs_between(arc.engine, "babel", 0, 100)) == [(5, 7, "archived", 1), (9, 9, "archived", 1)]
        (rep,) = ledger.report(arc.engine)
        assert (rep.portal, rep.low, rep.high, rep.archived, rep.unprobed) == ("babel", 5, 9, 4, 1)


WRITER = """
import sys
from antara_crawler.items import LinkStatus
from antara_crawler.store import Archive
from tests.helpers.articles import make_article
url, parity = sys.argv[1], int(sys.argv[2])
arc = Archive.open(url)
for start in range(1000, 1400, 20):
    items = []
    for i in range(start, start + 20):
        if i % 2 != parity:
            continue
        if i % 10 == 3:
            items.append(LinkStatus(f"https://babel.antaranews.com/berita/{i}", "babel", i, 404, "http_404"))
        else:
            items.append(make_article(i, n_related=0))
    arc.write_batch(items)
arc.close()
"""


def test_two_processes_writing_interleaved_ids_leave_exact_runs(archive_url):
    Archive.open(archive_url).close()  # migrate once, before the writers race
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, archive_url, str(p)], cwd=ROOT, stderr=subprocess.PIPE)
        for p in (0, 1)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err.decode()[-2000:]
    with Archive.open(archive_url) as arc:
        runs = ledger.runs_between(arc.engine, "babel", 0, 10_000)
    expected = []
    for i in range(1000, 1400):
        state = "not_found" if i % 10 == 3 else "archived"
        if expected and expected[-1][2] == state:
            expected[-1] = (expected[-1][0], i, state, 1)
        else:
            expected.append((i, i, state, 1))
    assert shape(runs) == expected
    assert all(a.last < b.first for a, b in zip(runs, runs[1:], strict=False))  # no overlap
    with Archive.open(archive_url) as arc:
        (rep,) = ledger.report(arc.engine, ["babel"])
    assert (rep.archived, rep.not_found, rep.low, rep.high, rep.unprobed) == (360, 40, 1000, 1399, 0)
