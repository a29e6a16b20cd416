"""Export benchmark: ``scrapy export`` of a 200,000-article archive to JSON Lines, rows per second and peak memory,
against a bare ``SELECT * FROM articles`` loop writing ``json.dumps`` lines, measured the same way in the same run.

Run with ``python -m bench.bench_export [--articles 200000] [--keep DIR]``. ``ANTARA_BENCH_SCALE`` (default 1.0)
multiplies the size, e.g. 0.1 for a quick look.

The archive is built fast: ``Archive.open`` (real migrations, FTS triggers), then bulk ``executemany`` of articles
(three related links and two tags each) straight into the real tables. Each export runs in its own subprocess and its
peak RSS is that child's ``ru_maxrss`` (``RUSAGE_CHILDREN`` of a small launcher process that runs only it, so one
child's peak never hides another's and the benchmark's own memory is not counted). The export's
memory must not grow with the archive: it is also measured on a tenth of the archive (``--portal``), and with no rows
at all (an empty archive: the cost of starting Scrapy and SQLAlchemy).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert

from antara_crawler.store import Archive
from antara_crawler.store import schema as s

ROOT = Path(__file__).resolve().parent.parent
PORTALS = ["aceh", "sumut", "sumbar", "riau", "kepri", "jambi", "sumsel", "babel", "bengkulu", "lampung"]
CHUNK = 5000

#: the baseline: the least a JSON Lines dump of the articles table can do (no related links, no tags)
BASELINE = """
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
cur = conn.execute("SELECT * FROM articles ORDER BY id")
cols = [d[0] for d in cur.description]
n = 0
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for row in cur:
        out.write(json.dumps(dict(zip(cols, row)), ensure_ascii=False) + "\\n")
        n += 1
print(n)
"""


def _scale() -> float:
    try:
        return max(0.00001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    except ValueError:
        return 1.0


def _sentences(rng: random.Random, n: int = 400) -> list[str]:
    words = [
        "pemerintah", "provinsi", "warga", "pekerja", "nelayan", "banjir", "jalan", "pasar", "harga", "beras",
        "sekolah", "kesehatan", "BPJS", "Ketenagakerjaan", "bantuan", "desa", "kota", "kabupaten", "dinas", "kepala",
        "mengatakan", "menyebutkan", "Jumat", "Senin", "program", "anggaran", "miliar", "persen", "tahun", "ini",
    ]  # fmt: skip
    return [" ".join(rng.choice(words) for _ in range(rng.randint(10, 18))).capitalize() + "." for _ in range(n)]


def build_archive(path: Path, n: int, seed: int = 7) -> float:
    """``n`` articles with 3 related links and 2 tags each, into a fresh archive at ``path``; returns seconds."""
    started = time.perf_counter()
    rng = random.Random(seed)
    sentences = _sentences(rng)
    with Archive.open(f"sqlite:///{path}") as archive, archive.engine.begin() as conn:
        tag_ids = (
            conn.execute(
                insert(s.tags).returning(s.tags.c.id, sort_by_parameter_order=True),
                [{"name": f"tag {i}"} for i in range(50)],
            )
            .scalars()
            .all()
        )
        next_id = 1
        for start in range(0, n, CHUNK):
            articles, links, tags = [], [], []
            for i in range(start, min(n, start + CHUNK)):
                portal = PORTALS[i % len(PORTALS)]
                antara_id = 100000 + i
                day = 1 + i % 28
                month = 1 + (i // 28) % 12
                published = f"2024-{month:02d}-{day:02d} {i % 24:02d}:{i % 60:02d}:00"
                local_hour = (i % 24 + 7) % 24
                articles.append(
                    {
                        "id": next_id,
                        "portal": portal,
                        "antara_id": antara_id,
                        "url": f"https://{portal}.antaranews.com/berita/{antara_id}/berita-{i}",
                        "title": rng.choice(sentences)[:90],
                        "body": "Kota (ANTARA) - " + "\n\n".join(rng.choice(sentences) for _ in range(6)),
                        "dateline": "Kota",
                        "published_at": published,
                        "published_at_local": f"2024-{month:02d}-{day:02d}T{local_hour:02d}:{i % 60:02d}:00+07:00",
                        "published_raw": f"Jumat, {day} Maret 2024 {local_hour:02d}:{i % 60:02d} WIB",
                        "reporter": "Pewarta",
                        "editor": "Editor",
                        "category": "Ekonomi",
                        "image_url": f"https://img.antaranews.com/cache/800x533/{i}.jpg",
                        "image_caption": "Keterangan foto. ANTARA/HO",
                        "template": "classic",
                        "content_hash": f"{i:064x}",
                        "first_seen_at": "2024-12-20 01:00:00",
                        "last_crawled_at": "2024-12-20 01:00:00",
                        "last_changed_at": "2024-12-20 01:00:00",
                    }
                )
                for pos, target in enumerate(100000 + t for t in rng.sample(range(n), 3)):
                    links.append(
                        {
                            "article_id": next_id,
                            "position": pos,
                            "kind": "berita_terkait" if pos else "baca_juga",
                            "url": f"https://{portal}.antaranews.com/berita/{target}/terkait",
                            "title": rng.choice(sentences)[:80],
                            "published_at": published if pos else None,
                            "target_portal": portal,
                            "target_antara_id": target,
                        }
                    )
                for pos, tag in enumerate(rng.sample(tag_ids, 2)):
                    tags.append({"article_id": next_id, "tag_id": tag, "position": pos})
                next_id += 1
            conn.execute(insert(s.articles), articles)
            conn.execute(insert(s.related_links), links)
            conn.execute(insert(s.article_tags), tags)
    return time.perf_counter() - started


@dataclass
class Run:
    seconds: float  # wall time
    cpu: float  # user + system CPU seconds of the command: steadier than wall time on a busy machine
    max_rss_mb: float
    rows: int


#: runs a command and reports its peak RSS. A child's ru_maxrss counts the pages it had at fork time, i.e. its
#: parent's; forked from this small launcher instead of the benchmark process, the command is measured alone.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print("MAXRSS_KB", usage.ru_maxrss, "CPU_S", usage.ru_utime + usage.ru_stime, file=sys.stderr)
sys.exit(code)
"""


def measure(cmd: list[str], rows: int) -> Run:
    """Run ``cmd`` in a child process: its wall time and its own peak RSS."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:4]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    fields = proc.stderr.rsplit("MAXRSS_KB", 1)[1].split()
    rss_kb, cpu = int(fields[0]), float(fields[2])
    if sys.platform == "darwin":  # bytes there
        rss_kb //= 1024
    return Run(seconds, cpu, rss_kb / 1024, rows)


def _line_count(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--keep", default=None, help="build the archive in this folder and keep it")
    args = parser.parse_args(argv if argv is not None else [])
    n = max(100, int(args.articles * _scale()))
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_export_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    try:
        if not db.exists():
            print(f"building an archive of {n:,} articles ({3 * n:,} related links, {2 * n:,} tags) ...")
            built = build_archive(db, n)
            print(f"  built in {built:.1f} s ({n / built:,.0f} articles/s), {db.stat().st_size / 2**20:,.0f} MiB")
        out = work / "out.jsonl"
        scrapy = [sys.executable, "-m", "scrapy", "export", "--db", str(db)]
        empty_db = work / "empty.db"
        Archive.open(f"sqlite:///{empty_db}").close()
        empty = measure(
            [sys.executable, "-m", "scrapy", "export", "--db", str(empty_db), "-o", str(work / "e.jsonl")], 0
        )
        baseline = measure([sys.executable, "-c", BASELINE, str(db), str(work / "baseline.jsonl")], n)
        full = measure([*scrapy, "-o", str(out)], n)
        assert _line_count(out) == n, "the export lost rows"
        tenth = measure([*scrapy, "--portal", "aceh", "-o", str(work / "tenth.jsonl")], 0)
        tenth.rows = _line_count(work / "tenth.jsonl")
        print(f"\n{'':34}{'rows':>10}{'wall s':>9}{'rows/s':>10}{'CPU s':>8}{'rows/CPU-s':>12}{'peak RSS':>12}")
        for label, run in (
            ("bare SELECT * + json.dumps", baseline),
            ("scrapy export, empty archive", empty),
            ("scrapy export, a tenth (--portal)", tenth),
            ("scrapy export, everything", full),
        ):
            rate = f"{run.rows / run.seconds:,.0f}" if run.rows else "-"
            cpu_rate = f"{run.rows / run.cpu:,.0f}" if run.rows else "-"
            print(
                f"{label:34}{run.rows:>10,}{run.seconds:>9.2f}{rate:>10}{run.cpu:>8.2f}{cpu_rate:>12}"
                f"{run.max_rss_mb:>8.0f} MiB"
            )
        net_cpu = max(full.cpu - empty.cpu, 1e-9)
        print(
            f"\nexport: {n / full.seconds:,.0f} rows/s wall, {n / full.cpu:,.0f} rows per CPU-second "
            f"({n / net_cpu:,.0f} without Scrapy's start-up) = {(n / full.cpu) / (n / baseline.cpu):.2f}x the bare "
            "loop's (which writes no related links or tags)"
        )
        print(
            f"export peak RSS: {full.max_rss_mb:.0f} MiB = start-up {empty.max_rss_mb:.0f} MiB "
            f"+ {full.max_rss_mb - empty.max_rss_mb:.0f} MiB; on a tenth of the rows "
            f"+ {tenth.max_rss_mb - empty.max_rss_mb:.0f} MiB (constant memory: the two should match); "
            f"{full.max_rss_mb / baseline.max_rss_mb:.2f}x the bare loop's {baseline.max_rss_mb:.0f} MiB"
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
