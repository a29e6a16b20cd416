"""Distributed crawl benchmark: one ``scrapy crawl antara`` process against two and four processes sharing one Redis
queue, on the same offline mirror with an artificial delay per request (so that parallel fetching shows).

Run with ``python -m bench.bench_distributed [--articles 250] [--per-page 50] [--delay 1.0] [--per-domain 1]``. Needs redis-server
and the ``distributed`` extra. Each configuration crawls a fresh SQLite archive under a fresh run id; the figures
are requests per second of wall time (from the first process's start to the last one's exit, Python and Scrapy
start-up included) and over the mirror's busy window (first request to last), as ratios against one process.
Every configuration must make the same requests and archive the same articles. Each process's own peak memory
(``VmHWM``, see procmem.py) is reported too.

The defaults make the run long enough to mean something: about 1,000 requests, each answered after 1 s, so one
process fetches for a couple of minutes and start-up (about a second of CPU per process) is a small share of it; the
ideal ratio for N processes is N. ``ANTARA_BENCH_SCALE`` shrinks the number of articles.

What bounds the gain: each portal's /terkini pages are fetched one after the other (page N links to page N+1), so
that chain is the floor of any crawl however many processes share it; Python and Scrapy start-up (about a second of
CPU per process) and the coordinated end (a process waits until no other one is busy) are paid once per run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from antara_crawler.store import Archive
from bench.procmem import PeakMemory, wait_measured
from tests.helpers import ROOT
from tests.site.build import build_site
from tests.site.server import MirrorServer

PORTALS = ("babel", "makassar", "papua", "www")


class _TimedList(list):
    """``MirrorServer.requests`` that also remembers when each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self._lock = threading.Lock()

    def append(self, item: str) -> None:  # type: ignore[override]
        with self._lock:
            self.times.append(time.monotonic())
            super().append(item)


@dataclass
class Result:
    processes: int
    wall: float
    busy: float
    startup: float  # from starting the processes to the mirror's first request
    requests: Counter
    articles: int
    peak_mb: list[float]  # each process's own peak memory

    @property
    def total(self) -> int:
        return sum(self.requests.values())


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    from tests.helpers.servers import _wait_port, free_port

    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found (apt-get install redis-server)")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not _wait_port(port, 15):
        proc.kill()
        raise RuntimeError("redis-server did not start")
    return proc, f"redis://127.0.0.1:{port}/0"


def run(site_root: Path, work: Path, redis_url: str, n: int, delay: float, per_domain: int) -> Result:
    db = work / f"p{n}.db"
    Archive.open(f"sqlite:///{db}").close()  # the schema first, so the processes start alike
    with MirrorServer(site_root, delay=delay) as server:
        server.requests = _TimedList()
        cmd = [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "antara",
            "-a",
            f"portals={','.join(PORTALS)}",
            "-s",
            f"ANTARA_URL_TEMPLATE={server.url_template}",
            "-s",
            f"ANTARA_DB_URL=sqlite:///{db}",
            "-s",
            "DOWNLOAD_DELAY=0",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            f"CONCURRENT_REQUESTS_PER_DOMAIN={per_domain}",
            "-s",
            "LOG_LEVEL=WARNING",
            "-s",
            'ADDONS={"antara_crawler.distributed.RedisAddon": 0}',
            "-s",
            f"REDIS_URL={redis_url}",
            "-s",
            f"ANTARA_RUN_ID=bench-{n}-{int(time.time())}",
            "-s",
            f"ANTARA_REDIS_WORKERS={n}",
            "-s",
            "ANTARA_REDIS_POLL=0.2",
        ]
        started = time.monotonic()
        logs = [work / f"p{n}-{i}.log" for i in range(n)]
        procs, samplers = [], []
        for log in logs:
            with log.open("w") as out:
                procs.append(subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out))
            samplers.append(PeakMemory(procs[-1].pid))
        measured = [wait_measured(p, s) for p, s in zip(procs, samplers, strict=True)]
        wall = time.monotonic() - started
        errors = [log.read_text(encoding="utf-8", errors="replace") for log in logs]
        failed = [e[-2000:] for m, e in zip(measured, errors, strict=True) if m.returncode != 0]
        if failed:
            raise RuntimeError(f"{len(failed)} process(es) failed:\n" + "\n".join(failed))
        times = server.requests.times
        busy = (times[-1] - times[0]) if len(times) > 1 else 0.0
        startup = (times[0] - started) if times else 0.0
        requests = Counter(server.requests)
    with Archive.open(f"sqlite:///{db}") as archive:
        articles = archive.count()
    return Result(n, wall, busy, startup, requests, articles, [m.peak_mb for m in measured])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=250, help="listed articles per portal (4 portals)")
    ap.add_argument("--per-page", type=int, default=50, help="articles per /terkini page (pages are fetched in turn)")
    ap.add_argument("--delay", type=float, default=1.0, help="seconds the mirror waits before each answer")
    ap.add_argument("--per-domain", type=int, default=1, help="CONCURRENT_REQUESTS_PER_DOMAIN of each process")
    ap.add_argument("--processes", default="1,2,4")
    args = ap.parse_args(argv if argv is not None else [])
    scale = max(0.0001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    articles = max(5, int(args.articles * scale))
    counts = [int(x) for x in args.processes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="antara-bench-distributed-"))
    redis_proc = None
    try:
        site = build_site(work / "site", articles_per_portal=articles, seed=3, portals=PORTALS, per_page=args.per_page)
        redis_proc, redis_url = start_redis(work)
        print(f"{os.cpu_count()} CPU(s); each process needs about a second of CPU to start")
        print(
            f"mirror: {len(site.expected_keys())} reachable articles on {len(PORTALS)} portals, "
            f"{args.delay:.2f} s per request, {args.per_domain} requests per portal at a time per process"
        )
        results = [run(site.root, work, redis_url, n, args.delay, args.per_domain) for n in counts]
        base = results[0]
        print(f"{'processes':>9} {'requests':>8} {'articles':>8} {'wall s':>7} {'req/s':>6} {'ratio':>6} "
              f"{'busy s':>7} {'req/s':>6} {'ratio':>6} {'ideal':>5} {'start-up s':>10} {'peak MB each':>14}")  # fmt: skip
        for r in results:
            print(
                f"{r.processes:>9} {r.total:>8} {r.articles:>8} {r.wall:>7.2f} {r.total / r.wall:>6.1f} "
                f"{base.wall / r.wall:>6.2f} {r.busy:>7.2f} {r.total / max(r.busy, 1e-9):>6.1f} "
                f"{base.busy / max(r.busy, 1e-9):>6.2f} {r.processes / base.processes:>5.1f} {r.startup:>10.2f} "
                f"{'/'.join(f'{mb:.0f}' for mb in r.peak_mb):>14}"
            )
        same = all(r.requests == base.requests for r in results)
        print(f"same requests in every configuration: {same}; "
              f"same articles: {all(r.articles == base.articles for r in results)}")  # fmt: skip
        if not same:
            for r in results[1:]:
                print(f"  {r.processes} processes: extra {dict(r.requests - base.requests)}, "
                      f"missing {dict(base.requests - r.requests)}")  # fmt: skip
    finally:
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main(sys.argv[1:])
