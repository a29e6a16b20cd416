"""Ledger and backfill benchmark.

1. **Ledger size and ``scrapy gaps`` time for 1,000,000 probed ids**, written through the real write path
   (:func:`antara_crawler.store.ledger.record`, batches of 1,000 ids) into a real SQLite archive, for three id
   mixes: a *realistic* one (runs of archived ids broken by a hole, a foto id or a failure every ~8 ids on
   average), a *random* one (every id's state drawn at random: 85% archived, 8% not_found, 5% not_article, 2%
   failed) and the *alternating* worst case (archived, not_found, archived, ...: one run per id). Baseline,
   measured in the same run: the same outcomes as one row per id ``(portal, antara_id, state, checked_at)`` with
   its primary key; sizes and report times are printed as ratios.
   Target: at most 50 MB for 1,000,000 ids, ``gaps`` under a second.
2. **Backfill by id against backfill by listing walk** on one offline mirror (a fresh archive each): requests per
   archived article and pages per second of ``sources=ids`` over the portal's id range against ``sources=terkini
   max_pages=0``. The mirror's ids are sparser than ANTARA's (listed ids 2-6 apart, so most ids are holes);
   the requests per article of the id backfill are an upper bound for the live site, where most ids are articles.

Run alone with ``python -m bench.bench_ledger``; ``ANTARA_BENCH_SCALE`` (default 1.0) shrinks both parts.
"""

from __future__ import annotations

import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from antara_crawler.backfill import STATES
from antara_crawler.store import Archive, ledger
from bench.bench_crawl import FAST, ROOT, _scrapy

BATCH = 1000
START_ID = 500_000
NOW = "2026-12-01 12:00:00"


def realistic_states(n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        out.extend(["archived"] * rng.randint(1, 14))
        out.append(rng.choices(["not_found", "not_article", "failed"], weights=[6, 3, 1])[0])
    return out[:n]


def random_states(n: int, rng: random.Random) -> list[str]:
    return rng.choices(list(STATES), weights=[85, 8, 5, 2], k=n)


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of a command run in the project (the ``scrapy`` command's start-up
    included). CPU time is the steadier figure when other processes share the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def command_times(db: Path, rounds: int = 5) -> dict[str, tuple[float, float, float]]:
    """``scrapy gaps --json`` on ``db`` against ``scrapy version`` (any scrapy command's start-up) and a bare
    ``python -c pass``, interleaved: ``{name: (best wall, median wall, best CPU)}``."""
    commands = {
        "gaps": [sys.executable, "-m", "scrapy", "gaps", "--db", str(db), "--json"],
        "version": [sys.executable, "-m", "scrapy", "version"],
        "python": [sys.executable, "-c", "pass"],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            runs[name].append(_timed(cmd))
    return {
        name: (min(w for w, _ in r), statistics.median(w for w, _ in r), min(c for _, c in r))
        for name, r in runs.items()
    }


def _vacuum(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def ledger_figures(states: list[str], tmp: Path, name: str) -> dict[str, float]:
    db, empty_db = tmp / f"{name}.db", tmp / f"{name}-empty.db"
    Archive.open(f"sqlite:///{empty_db}", store_html=False).close()
    _vacuum(empty_db)
    empty = _file_size(empty_db)
    archive = Archive.open(f"sqlite:///{db}", store_html=False)
    started = time.perf_counter()
    for i in range(0, len(states), BATCH):
        outcomes = {START_ID + i + k: state for k, state in enumerate(states[i : i + BATCH])}
        with archive.engine.begin() as conn:
            ledger.record(conn, {"babel": outcomes}, NOW)
    write_seconds = time.perf_counter() - started
    with archive.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT COUNT(*) FROM id_ledger").scalar_one()
    archive.close()
    _vacuum(db)
    size = _file_size(db) - empty
    reports = []
    for _ in range(3):
        archive = Archive.open(f"sqlite:///{db}", store_html=False, migrate=False)
        started = time.perf_counter()
        (rep,) = ledger.report(archive.engine, None)
        reports.append(time.perf_counter() - started)
        archive.close()
    assert rep.archived + rep.not_found + rep.not_article + rep.failed == len(states), rep
    commands = command_times(db)

    naive = tmp / f"{name}-per-id.db"
    with sqlite3.connect(naive) as conn:
        conn.execute(
            "CREATE TABLE per_id (portal TEXT, antara_id INTEGER, state TEXT, checked_at TEXT,"
            " PRIMARY KEY (portal, antara_id)) WITHOUT ROWID"
        )
        conn.executemany(
            "INSERT INTO per_id VALUES ('babel', ?, ?, ?)", ((START_ID + k, s, NOW) for k, s in enumerate(states))
        )
        conn.commit()
        started = time.perf_counter()
        conn.execute("SELECT state, COUNT(*), MIN(antara_id), MAX(antara_id) FROM per_id GROUP BY state").fetchall()
        naive_seconds = time.perf_counter() - started
    _vacuum(naive)
    naive_size = _file_size(naive)
    return {
        "rows": rows,
        "size": size,
        "naive_size": naive_size,
        "write_seconds": write_seconds,
        "gaps_seconds": min(reports),
        "commands": commands,
        "naive_seconds": naive_seconds,
    }


def backfill_figures(scale: float, tmp: Path) -> None:
    from tests.site.build import build_site
    from tests.site.server import MirrorServer

    per_portal = max(20, int(600 * scale))
    site = build_site(tmp / "site", articles_per_portal=per_portal, portals=("babel",), per_page=20, rss_items=10)
    x = site.id_extras["babel"]
    print(f"mirror: babel, {per_portal} listed articles, ids {x.low}-{x.high} ({x.high - x.low + 1} ids)")
    results = {}
    with MirrorServer(site.root) as server:
        common = ["-s", f"ANTARA_URL_TEMPLATE={server.url_template}", *FAST, "-s", "ANTARA_PROGRESS_INTERVAL=0"]
        for name, args in (
            ("listing walk", ["-a", "sources=terkini", "-a", "max_pages=0"]),
            ("backfill by id", ["-a", "sources=ids", "-a", f"ids={x.low}-{x.high}"]),
        ):
            db = tmp / f"{name.replace(' ', '_')}.db"
            crawl = ["crawl", "antara", "-a", "portals=babel", *args, "-s", f"ANTARA_DB_URL=sqlite:///{db}", *common]
            run = _scrapy(crawl, server, tmp / "crawl.log")
            if run.returncode != 0:
                print((tmp / "crawl.log").read_text()[-3000:])
                raise RuntimeError(f"{name} exited with {run.returncode}")
            with sqlite3.connect(db) as conn:
                n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            results[name] = (run, n)
    base_run, base_n = results["listing walk"]
    print(f"{'':<16} {'requests':>9} {'archived':>9} {'req/article':>12} {'pages/s':>9} {'ratio':>7}")
    for name, (run, n) in results.items():
        per_article = run.requests / n if n else float("nan")
        ratio = per_article / (base_run.requests / base_n) if base_n else float("nan")
        print(f"{name:<16} {run.requests:>9} {n:>9} {per_article:>12.2f} {run.pages_per_second:>9.1f} {ratio:>6.2f}x")
    id_run, id_n = results["backfill by id"]
    print(
        f"backfill by id: {id_run.pages_per_second / base_run.pages_per_second:.2f}x the pages per second of the "
        f"listing walk; it archived {id_n - base_n} more articles (orphans no listing links)"
    )


def main() -> None:
    scale = max(0.0001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    n = max(10_000, int(1_000_000 * scale))
    rng = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as tmp:
        tmp_path = Path(tmp)
        print(f"ledger of {n:,} probed ids (one portal), SQLite; baseline: one row per id")
        print(f"{'mix':<12} {'rows':>9} {'size MB':>8} {'per-id MB':>10} {'size ratio':>11} {'write s':>8} "
              f"{'gaps s':>7} {'per-id s':>9} {'time ratio':>11}")  # fmt: skip
        mixes = (
            ("realistic", realistic_states(n, rng)),
            ("random", random_states(n, rng)),
            ("alternating", ["archived", "not_found"] * (n // 2)),  # the true worst case: a new run at every id
        )
        for name, states in mixes:
            f = ledger_figures(states, tmp_path, name.replace(" ", "_"))
            print(
                f"{name:<12} {f['rows']:>9,} {f['size'] / 1e6:>8.1f} {f['naive_size'] / 1e6:>10.1f} "
                f"{f['size'] / f['naive_size']:>10.2f}x {f['write_seconds']:>8.1f} {f['gaps_seconds']:>7.3f} "
                f"{f['naive_seconds']:>9.3f} {f['gaps_seconds'] / f['naive_seconds']:>10.2f}x"
            )
            c = f["commands"]
            print(
                f"{'':<12} scrapy gaps --json as a command: {c['gaps'][0]:.2f} s wall best, {c['gaps'][1]:.2f} s "
                f"median, {c['gaps'][2]:.2f} s CPU; scrapy version {c['version'][0]:.2f} s wall, "
                f"{c['version'][2]:.2f} s CPU; python -c pass {c['python'][0]:.2f} s"
            )
        print("targets: at most 50 MB per 1,000,000 ids; scrapy gaps under 1 s")
        backfill_figures(scale, tmp_path)


if __name__ == "__main__":
    main()
