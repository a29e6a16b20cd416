"""Parquet export benchmark: ``scrapy export -o out.parquet`` of a 200,000-article archive, rows per second and
peak memory, against two baselines measured the same way in the same run: ``scrapy export -o out.jsonl`` (the same
records as JSON Lines) and a bare pyarrow loop (``SELECT * FROM articles`` in batches into a ParquetWriter, no tags,
no related links, no story sizes).

Run with ``python -m bench.bench_parquet [--articles 200000]``. ``ANTARA_BENCH_SCALE`` multiplies the size. The
archive is bench_export's (three related links and two tags per article, built by bulk inserts). Each export runs
in its own subprocess and its peak RSS is that child's alone (bench_export's launcher). Flat memory: the export is
also measured on a tenth of the archive (``--portal``); the two peaks should match.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench.bench_export import _scale, build_archive, measure

BASELINE = """
import sqlite3, sys
import pyarrow as pa, pyarrow.parquet as pq
conn = sqlite3.connect(sys.argv[1])
cur = conn.execute("SELECT * FROM articles ORDER BY id")
cols = [d[0] for d in cur.description]
writer = None
n = 0
while rows := cur.fetchmany(20000):
    table = pa.Table.from_pylist([dict(zip(cols, r)) for r in rows])
    writer = writer or pq.ParquetWriter(sys.argv[2], table.schema, compression="zstd")
    writer.write_table(table)
    n += len(rows)
writer.close()
print(n)
"""


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_metadata(path).num_rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    args = parser.parse_args(argv if argv is not None else [])
    n = max(100, int(args.articles * _scale()))
    work = Path(tempfile.mkdtemp(prefix="bench_parquet_"))
    db = work / "bench.db"
    try:
        print(f"building an archive of {n:,} articles ({3 * n:,} related links, {2 * n:,} tags) ...")
        built = build_archive(db, n)
        print(f"  built in {built:.1f} s, {db.stat().st_size / 2**20:,.0f} MiB")
        scrapy = [sys.executable, "-m", "scrapy", "export", "--db", str(db)]
        bare = measure([sys.executable, "-c", BASELINE, str(db), str(work / "bare.parquet")], n)
        jsonl = measure([*scrapy, "-o", str(work / "out.jsonl")], n)
        full = measure([*scrapy, "-o", str(work / "out.parquet")], n)
        assert _rows(work / "out.parquet") == n, "the Parquet export lost rows"
        tenth = measure([*scrapy, "--portal", "aceh", "-o", str(work / "tenth.parquet")], 0)
        tenth.rows = _rows(work / "tenth.parquet")
        print(f"\n{'':36}{'rows':>10}{'wall s':>9}{'rows/s':>10}{'CPU s':>8}{'peak RSS':>12}")
        for label, run in (
            ("bare pyarrow loop (articles only)", bare),
            ("scrapy export -o .jsonl", jsonl),
            ("scrapy export -o .parquet, a tenth", tenth),
            ("scrapy export -o .parquet", full),
        ):
            print(
                f"{label:36}{run.rows:>10,}{run.seconds:>9.2f}{run.rows / run.seconds:>10,.0f}{run.cpu:>8.2f}"
                f"{run.max_rss_mb:>8.0f} MiB"
            )
        size = (work / "out.parquet").stat().st_size / 2**20
        print(
            f"\nParquet export: {n / full.seconds:,.0f} rows/s = {jsonl.seconds / full.seconds:.2f}x the JSON Lines "
            f"export's speed, {bare.seconds / full.seconds:.2f}x the bare pyarrow loop's (no tags, related or "
            f"stories); peak RSS {full.max_rss_mb:.0f} MiB (JSON Lines {jsonl.max_rss_mb:.0f} MiB), on a tenth "
            f"{tenth.max_rss_mb:.0f} MiB (flat memory: the two should be close); file {size:.0f} MiB"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
