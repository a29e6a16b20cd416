"""``make bench``: every benchmark, each printing its figures as ratios against a baseline measured in the same run.

Run one alone with ``python -m bench.bench_dates`` (or bench_extract, bench_store, bench_crawl, bench_export).
``ANTARA_BENCH_SCALE`` (default 1.0) shrinks the big ones, e.g. 0.1 for a quick look.
"""

from __future__ import annotations

import importlib
import sys
import time

MODULES = [
    "bench_dates",
    "bench_extract",
    "bench_store",
    "bench_crawl",
    "bench_export",
    "bench_distributed",
    "bench_stories",
    "bench_parquet",
    "bench_ledger",
]


def main(argv: list[str]) -> int:
    wanted = argv or MODULES
    failed = []
    for name in wanted:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            print(f"== {name}: not available ({exc})")
            continue
        print(f"\n== {name} " + "=" * (100 - len(name)))
        started = time.perf_counter()
        try:
            module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(name)
            print(f"!! {name} failed: {exc!r}")
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
