"""End to end: backfills by id (``sources=ids``, ``sources=gaps``, ``since``/``until``) and the id ledger.

Real ``scrapy crawl antara`` subprocesses against the offline mirror on 127.0.0.1, whose portals have ids that no
listing, feed or related block links: orphans, holes (404), a foto and a video id (redirects), an id redirecting to
the home page, a soft "not found" page and, when the test sets the fault, a 503 that recovers.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import popen_scrapy, run_scrapy
from tests.site.server import MirrorServer

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]


def crawl_cmd(server: MirrorServer, db: Path, *args: str, portals: str = "babel", extra: tuple = ()) -> list[str]:
    spider_args = [x for a in args for x in ("-a", a)]
    return [
        "crawl", "antara", "-a", f"portals={portals}", *spider_args,
        "-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL=sqlite:///{db}", *FAST, *extra,
    ]  # fmt: skip


def crawl(server: MirrorServer, db: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    result = run_scrapy(crawl_cmd(server, db, *args, **kw))
    assert result.returncode == 0, result.stderr[-4000:]
    return result


def id_requests(server: MirrorServer, since: int = 0) -> list[int]:
    return [int(m.group(1)) for p in server.requests[since:] if (m := re.search(r"/berita/(\d+)$", p))]


def ledger_states(db: Path, portal: str = "babel") -> dict[int, str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT first_id, last_id, state FROM id_ledger WHERE portal = ?", (portal,)).fetchall()
    return {i: state for first, last, state in rows for i in range(first, last + 1)}


def ledger_rows(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT portal, first_id, last_id, state, tries FROM id_ledger ORDER BY 1, 2").fetchall()


def archived(db: Path) -> set[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return {(p, int(i)) for p, i in conn.execute("SELECT portal, antara_id FROM articles")}


def expected_states(site, portal: str = "babel") -> dict[int, str]:
    """Every id of the listed range with its state; the robots.txt-disallowed article is never tried."""
    x = site.id_extras[portal]
    listed = [a for a in site.articles.values() if a.portal == portal and a.hops == 0 and not a.disallowed]
    states = {a.antara_id: "archived" for a in listed}
    states |= dict.fromkeys(x.orphans, "archived")
    states |= dict.fromkeys(x.not_article, "not_article")
    states |= dict.fromkeys(x.holes, "not_found")
    return states


def flaky_faults(site, portal: str = "babel") -> dict:
    return {rf"^/{portal}/berita/{i}$": ("flaky", 1, 503) for i in site.id_extras[portal].flaky}


@pytest.fixture(scope="module")
def ids_run(site, tmp_path_factory):
    """One ``sources=ids`` run over babel's listed range (the orphans' 503 recovers), then the same run again."""
    db = tmp_path_factory.mktemp("ids") / "a.db"
    x = site.id_extras["babel"]
    with MirrorServer(site.root, faults=flaky_faults(site)) as server:
        first = crawl(server, db, "sources=ids", f"ids={x.low}-{x.high}")
        first_requests = id_requests(server)
        mark = len(server.requests)
        second = crawl(server, db, "sources=ids", f"ids={x.low}-{x.high}")
        second_requests = id_requests(server, mark)
    return db, first, first_requests, second, second_requests


def test_ids_run_archives_every_orphan(site, ids_run):
    db = ids_run[0]
    assert {("babel", i) for i in site.id_extras["babel"].orphans} <= archived(db)


def test_ids_run_records_every_outcome_with_its_state(site, ids_run):
    db = ids_run[0]
    assert ledger_states(db) == expected_states(site)


def test_ids_run_requests_each_id_once_and_retries_the_503(site, ids_run):
    x = site.id_extras["babel"]
    requests = ids_run[2]
    disallowed = {i for p, i in site.disallowed if p == "babel"}
    assert disallowed  # babel's robots.txt forbids one article, written for its slug URL
    assert sorted(set(requests)) == [i for i in range(x.low, x.high + 1) if i not in disallowed]
    assert sorted(i for i in requests if requests.count(i) > 1) == x.flaky * 2  # the 503, then the retry


def test_second_run_over_the_range_requests_nothing(ids_run):
    assert ids_run[4] == []


def test_run_summary_ends_with_the_range_completeness(site, ids_run):
    x = site.id_extras["babel"]
    line = next(line for line in ids_run[1].stderr.splitlines() if f"babel ids {x.low}-{x.high}:" in line)
    expected = expected_states(site)
    counts = {s: sum(1 for v in expected.values() if v == s) for s in ("archived", "not_found", "not_article")}
    assert f"archived={counts['archived']} not_found={counts['not_found']} " in line
    assert f"not_article={counts['not_article']} failed=0 unprobed=1" in line  # the disallowed one


def test_gaps_json_gives_the_exact_figures(site, ids_run):
    result = run_scrapy(["gaps", "--db", str(ids_run[0]), "--json"])
    assert result.returncode == 0, result.stderr
    x = site.id_extras["babel"]
    expected = expected_states(site)
    assert json.loads(result.stdout) == [
        {
            "portal": "babel",
            "low": x.low,
            "high": x.high,
            "archived": sum(1 for v in expected.values() if v == "archived"),
            "not_found": len(x.holes),
            "not_article": len(x.not_article),
            "failed": 0,
            "unprobed": 1,  # the article robots.txt disallows
        }
    ]


def test_an_id_that_keeps_failing_is_failed_and_tried_again(site, tmp_path):
    db = tmp_path / "a.db"
    low, hole = site.id_extras["babel"].low, site.id_extras["babel"].holes[0]
    tolerant = ("-s", "ANTARA_MAX_ERROR_RATE=1")  # one id of two failing is the point here, not a failed run
    with MirrorServer(site.root, faults={rf"^/babel/berita/{hole}$": 503}) as server:
        crawl(server, db, "sources=ids", f"ids={low}-{hole}", extra=tolerant)
        assert ledger_states(db)[hole] == "failed"
        mark = len(server.requests)
        again = run_scrapy(crawl_cmd(server, db, "sources=ids", f"ids={low}-{hole}", extra=tolerant))
        assert set(id_requests(server, mark)) == {hole}  # failed is retried; the settled ids are not
    assert again.returncode == 3  # a run that only met the failing id stored nothing: a failed run
    assert ledger_states(db)[hole] == "failed"


def test_gaps_after_a_listing_crawl_finds_the_orphans(site, tmp_path):
    db = tmp_path / "a.db"
    with MirrorServer(site.root, faults=flaky_faults(site)) as server:
        crawl(server, db, "sources=terkini", "max_pages=0")
        listed = archived(db)
        mark = len(server.requests)
        crawl(server, db, "sources=gaps")
        requested = id_requests(server, mark)
    x = site.id_extras["babel"]
    assert {("babel", i) for i in x.orphans} <= archived(db)
    assert not {("babel", i) for i in requested} & listed  # no archived article is requested again
    assert ledger_states(db) == expected_states(site)


def test_since_until_finds_the_id_bounds(site, mirror, tmp_path):
    db = tmp_path / "a.db"
    babel = sorted(
        (a for a in site.articles.values() if a.portal == "babel" and a.hops == 0), key=lambda a: a.antara_id
    )
    # a window of the older listed days: below the feed's items, so the bisection has to find its lower end
    since = babel[1].published.date()
    until = babel[3].published.date()
    inside = [a for a in babel if since <= a.published.date() <= until]
    older = [a.antara_id for a in babel if a.published.date() < since]
    newer = [a.antara_id for a in babel if a.published.date() > until]
    result = crawl(mirror, db, "sources=ids", f"since={since}", f"until={until}")
    m = re.search(r"Backfill of babel: \S+\.\.\S+ is ids (\d+)-(\d+)", result.stderr)
    assert m, result.stderr[-3000:]
    lo, hi = int(m.group(1)), int(m.group(2))
    assert (max(older) if older else 0) < lo <= min(a.antara_id for a in inside)
    assert max(a.antara_id for a in inside) <= hi < (min(newer) if newer else hi + 1)
    assert {a.key for a in inside} <= archived(db)
    orphans_inside = [i for i, a in site.id_extras["babel"].orphans.items() if since <= a.published.date() <= until]
    assert {("babel", i) for i in orphans_inside} <= archived(db)
    assert since - timedelta(days=1) <= until  # a real window


SLOW = ("-s", "ANTARA_BATCH_SIZE=3", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


def _kill_mid_backfill(server: MirrorServer, db: Path, ids: str, extra: tuple = ()) -> set[int]:
    """Start a backfill, ``kill -9`` it once 10 ids are in the ledger; returns the ids it settled."""
    proc = popen_scrapy(crawl_cmd(server, db, "sources=ids", ids, extra=SLOW + extra), log_level=None, text=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _ledger_size(db) < 10:
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    return set(ledger_states(db))


def test_kill_9_then_rerun_ends_like_an_uninterrupted_run(site, tmp_path):
    x = site.id_extras["babel"]
    ids = f"ids={x.low}-{x.high}"
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    with MirrorServer(site.root, delay=0.05) as server:
        crawl(server, whole, "sources=ids", ids, extra=SLOW)
        settled = _kill_mid_backfill(server, killed, ids)
        assert 0 < len(settled) < x.high - x.low + 1  # killed mid-way
        mark = len(server.requests)
        crawl(server, killed, "sources=ids", ids, extra=SLOW)
        rerun = set(id_requests(server, mark))
    assert not rerun & settled  # settled ids are not requested again
    assert archived(killed) == archived(whole)
    assert ledger_rows(killed) == ledger_rows(whole)


def test_kill_9_with_jobdir_resumes_without_settled_ids(site, tmp_path):
    """JOBDIR keeps Scrapy's queue and seen requests; the ids in flight at the kill (seen, but their outcome not
    written) are left for the next run without that JOBDIR, which completes the ledger."""
    x = site.id_extras["babel"]
    ids = f"ids={x.low}-{x.high}"
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    jobdir = ("-s", f"JOBDIR={tmp_path / 'job'}")
    with MirrorServer(site.root, delay=0.05) as server:
        crawl(server, whole, "sources=ids", ids, extra=SLOW)
        settled = _kill_mid_backfill(server, killed, ids, jobdir)
        assert 0 < len(settled) < x.high - x.low + 1
        mark = len(server.requests)
        crawl(server, killed, "sources=ids", ids, extra=SLOW + jobdir)
        resumed = id_requests(server, mark)
        mark = len(server.requests)
        crawl(server, killed, "sources=ids", ids, extra=SLOW)
        last = set(id_requests(server, mark))
    assert not set(resumed) & settled  # the resumed run requests no settled id
    assert len(resumed) == len(set(resumed)), sorted(i for i in resumed if resumed.count(i) > 1)
    assert not last & (settled | set(resumed))  # the run after it only what was in flight at the kill
    assert archived(killed) == archived(whole)
    assert ledger_rows(killed) == ledger_rows(whole)


def _ledger_size(db: Path) -> int:
    try:
        return len(ledger_states(db))
    except sqlite3.Error:
        return 0


@pytest.mark.redis
@pytest.mark.postgres
def test_two_processes_share_one_backfill_through_redis(site, redis_url, postgres_server):
    from collections import Counter

    from antara_crawler.store import Archive, ledger
    from tests.helpers.distributed import explain, redis_args, run_all, stat

    db_url = postgres_server.url(postgres_server.create_database())
    b, m = site.id_extras["babel"], site.id_extras["makassar"]
    ids = f"ids=babel:{b.low}-{b.high},makassar:{m.low}-{m.high}"
    with MirrorServer(site.root, delay=0.1) as server:
        cmd = [
            sys.executable, "-m", "scrapy", "crawl", "antara", "-a", "portals=babel,makassar", "-a", "sources=ids",
            "-a", ids, "-s", f"ANTARA_URL_TEMPLATE={server.url_template}", "-s", f"ANTARA_DB_URL={db_url}", *FAST,
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4", *redis_args(redis_url, "ids", workers=2),
        ]  # fmt: skip
        pair = run_all([cmd, cmd])
        requests = Counter(id_requests(server))
    assert [r.returncode for r in pair] == [0, 0], explain(pair)
    assert all(stat(r.stderr, "scheduler/dequeued/redis") > 0 for r in pair)  # both took part
    assert max(requests.values()) == 1  # each id requested once in total
    assert set(requests) == set(expected_states(site, "babel")) | set(expected_states(site, "makassar"))
    with Archive.open(db_url) as arc:
        for portal in ("babel", "makassar"):
            x = site.id_extras[portal]
            runs = ledger.runs_between(arc.engine, portal, x.low, x.high)
            states = {i: r.state for r in runs for i in range(r.first, r.last + 1)}
            assert states == expected_states(site, portal)


def test_a_long_backfill_logs_progress_per_portal(site, tmp_path):
    b, m = site.id_extras["babel"], site.id_extras["makassar"]
    ids = f"ids=babel:{b.low}-{b.high},makassar:{m.low}-{m.high}"
    with MirrorServer(site.root, delay=0.05) as server:
        result = crawl(
            server, tmp_path / "a.db", "sources=ids", ids, portals="babel,makassar",
            extra=("-s", "ANTARA_PROGRESS_INTERVAL=0.5", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        )  # fmt: skip
    lines = [line for line in result.stderr.splitlines() if "Backfill progress" in line]
    rx = r"Backfill progress (babel|makassar): (\d+)/(\d+) ids \([\d.]+%\), \d+ articles, [\d.]+ ids/s, (about .+ left|eta unknown)"
    matches = [re.search(rx, line) for line in lines]
    assert matches and all(matches), lines
    assert {mt.group(1) for mt in matches} == {"babel", "makassar"}
    assert {int(mt.group(3)) for mt in matches if mt.group(1) == "babel"} == {len(expected_states(site))}


def test_not_found_ids_are_rechecked_when_due_at_most_the_documented_times(site, tmp_path):
    db = tmp_path / "a.db"
    x = site.id_extras["babel"]
    holes = [i for i in x.holes if i < x.holes[0] + 10]
    ids = f"ids={holes[0]}-{holes[-1]}"
    due_at_once = ("-s", "ANTARA_RECHECK_DAYS=0", "-s", "ANTARA_NOT_FOUND_RECHECKS=1")
    runs = []
    with MirrorServer(site.root) as server:
        for _ in range(3):
            mark = len(server.requests)
            run_scrapy(crawl_cmd(server, db, "sources=ids", ids, extra=due_at_once))  # holes only: may exit 3
            runs.append(set(id_requests(server, mark)))
    assert set(holes) <= runs[0]  # first check
    assert runs[1] == set(holes)  # due again at once (0 days): the one recheck allowed
    assert runs[2] == set()  # checked 1 + 1 times: settled for good
    with sqlite3.connect(db) as conn:
        tries = {t for (t,) in conn.execute("SELECT tries FROM id_ledger WHERE state = 'not_found'")}
    assert tries == {2}


def test_since_until_bounds_start_from_archived_dates(site, mirror, tmp_path):
    babel = sorted(
        (a for a in site.articles.values() if a.portal == "babel" and a.hops == 0), key=lambda a: a.antara_id
    )
    # a day with older listed articles below it: only an archive that holds them can bracket its lower end at once
    window = (f"since={babel[5].published.date()}", f"until={babel[8].published.date()}")
    fresh, seeded = tmp_path / "fresh.db", tmp_path / "seeded.db"
    first = crawl(mirror, fresh, "sources=ids", *window)
    crawl(mirror, seeded, "sources=terkini", "max_pages=0")  # the archive now knows every listed date
    second = crawl(mirror, seeded, "sources=ids", *window)

    def probes(result) -> int:
        m = re.search(r"'antara/discovery/probes': (\d+)", result.stderr)
        return int(m.group(1)) if m else 0

    assert probes(second) < probes(first)
    bounds = [re.search(r"is ids (\d+-\d+)", r.stderr).group(1) for r in (first, second)]
    assert bounds[0] == bounds[1]  # the same range, found with fewer probes
