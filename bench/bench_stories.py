"""Story assignment benchmark: time per new article and storage per article on an archive of 1,000,000 articles.

Run with ``python -m bench.bench_stories [--articles 1000000]``. ``ANTARA_BENCH_SCALE`` multiplies the size.

The archive is built fast: ``Archive.open`` (real migrations), then bulk ``executemany`` of ``n`` background
articles (short bodies, published over 2024) with their ``story_id`` and :data:`~antara_crawler.store.stories`'s
band count of ``story_bands`` rows each. Their band keys are random 64-bit values (computing a million MinHashes would
take most of the run; a random key collides with a real one about never, as real keys of different stories do), so
what is measured is the indexed lookup in a table of ``n × b`` rows. Then the synthetic copy set of the tests
(``tests/story_corpus.py``, several seeds: originals, copies in pairs and chains, template reports, follow-ups) is
written through ``Archive.write_batch`` in batches of 100, with the story hook on, and a second, identical set (other
portals, so other keys) with the hook off: the difference is the time assignment adds per article. The same runs on
an archive of ``n / 100`` articles show whether it grows with the archive (it must not: no rescan).

Storage: SQLite's ``dbstat`` (bytes of every b-tree) for ``story_bands`` and its key index, the ``story_id`` index,
and the growth of ``articles`` when ``story_id`` is filled in, divided by ``n``.
"""

from __future__ import annotations

import argparse
import copy
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from antara_crawler.store import Archive
from antara_crawler.store import stories as st
from tests import story_corpus

CHUNK = 20_000
PORTALS = ["aceh", "sumut", "riau", "kepri", "jambi", "sumsel", "bengkulu", "lampung", "jatim", "jateng"]


def _scale() -> float:
    try:
        return max(0.00001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    except ValueError:
        return 1.0


def _bytes(conn, *names: str) -> int:
    marks = ",".join(f"'{n}'" for n in names)  # constant names of this module, not input
    return int(conn.exec_driver_sql(f"SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name IN ({marks})").scalar())


def build_archive(path: Path, n: int, seed: int = 15) -> dict[str, float]:
    """``n`` background articles with story ids and random band keys; returns seconds and bytes per article."""
    started = time.perf_counter()
    rng = random.Random(seed)
    b, _ = st.bands()
    words = [f"kata{i}" for i in range(500)]
    with Archive.open(f"sqlite:///{path}") as archive, archive.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_story_bands_key")  # bulk load first, index after: much faster
        conn.exec_driver_sql("DROP INDEX ix_articles_story")
        for start in range(0, n, CHUNK):
            rows, bands = [], []
            for i in range(start, min(n, start + CHUNK)):
                portal = PORTALS[i % len(PORTALS)]
                day, second = i % 365, (i * 37) % 86400
                published = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1704067200 + day * 86400 + second))
                rows.append(
                    (i + 1, portal, 10_000_000 + i, f"https://{portal}.antaranews.com/berita/{10_000_000 + i}/x",
                     " ".join(rng.choices(words, k=12)), published, f"{i:064x}", "2025-01-01 00:00:00")
                )  # fmt: skip
                bands.extend((i + 1, band, rng.getrandbits(64) - 2**63) for band in range(b))
            conn.exec_driver_sql(
                "INSERT INTO articles (id, portal, antara_id, url, body, published_at, content_hash, first_seen_at, "
                "last_crawled_at, last_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r, r[-1], r[-1]) for r in rows],
            )
            conn.exec_driver_sql("INSERT INTO story_bands (article_id, band, key) VALUES (?, ?, ?)", bands)
        before = _bytes(conn, "articles")
        conn.exec_driver_sql("UPDATE articles SET story_id = id")
        grown = _bytes(conn, "articles") - before
        conn.exec_driver_sql("CREATE INDEX ix_story_bands_key ON story_bands (key)")
        conn.exec_driver_sql("CREATE INDEX ix_articles_story ON articles (story_id)")
        bands_bytes = _bytes(conn, "story_bands", "ix_story_bands_key")
        story_index = _bytes(conn, "ix_articles_story")
    return {
        "seconds": time.perf_counter() - started,
        "bands": bands_bytes / n,
        "story_index": story_index / n,
        "story_column": grown / n,
    }


def copy_sets(seeds: int) -> tuple[list, list]:
    """The synthetic copy set of ``seeds`` seeds, twice: once as is, once on other portal names (other keys)."""
    on, off = [], []
    for seed in range(seeds):
        for a in story_corpus.build(seed=100 + seed).articles:
            a.antara_id += seed * 100_000
            a.url = f"https://{a.portal}.antaranews.com/berita/{a.antara_id}/x"
            on.append(a)
            twin = copy.deepcopy(a)
            twin.portal = f"{a.portal}x"
            twin.url = f"https://{twin.portal}.antaranews.com/berita/{a.antara_id}/x"
            off.append(twin)
    on.sort(key=lambda a: a.published_at or "")
    off.sort(key=lambda a: a.published_at or "")
    return on, off


def timed_writes(archive: Archive, articles: list, *, hook: bool) -> float:
    saved = st.on_write
    if not hook:
        st.on_write = lambda *args, **kwargs: None
    try:
        started = time.perf_counter()
        for i in range(0, len(articles), 100):
            archive.write_batch([copy.deepcopy(a) for a in articles[i : i + 100]])
        return time.perf_counter() - started
    finally:
        st.on_write = saved


def measure(path: Path, n: int, seeds: int) -> dict[str, float]:
    built = build_archive(path, n)
    on, off = copy_sets(seeds)
    with Archive.open(f"sqlite:///{path}") as archive:
        timed_writes(archive, off[:50], hook=False)  # warm-up: connections, statement caches
        t_off = timed_writes(archive, off[50:], hook=False)
        t_on = timed_writes(archive, on, hook=True)
    per_on, per_off = t_on / len(on), t_off / len(off[50:])
    return {**built, "articles": len(on), "with_ms": per_on * 1e3, "without_ms": per_off * 1e3}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1_000_000)
    parser.add_argument("--seeds", type=int, default=4, help="copies of the synthetic set written (254 each)")
    args = parser.parse_args(argv if argv is not None else [])
    n = max(1000, int(args.articles * _scale()))
    work = Path(tempfile.mkdtemp(prefix="bench_stories_"))
    try:
        results = {}
        for label, size in (("small", max(100, n // 100)), ("large", n)):
            print(f"building an archive of {size:,} articles with {st.bands()[0]} band rows each ...")
            results[label] = r = measure(work / f"{label}.db", size, args.seeds)
            print(
                f"  built in {r['seconds']:.1f} s; wrote {r['articles']} synthetic articles: "
                f"{r['with_ms']:.2f} ms each with stories, {r['without_ms']:.2f} ms without"
            )
        small, large = results["small"], results["large"]
        assign_large = large["with_ms"] - large["without_ms"]
        assign_small = small["with_ms"] - small["without_ms"]
        print(
            f"\nstory assignment on {n:,} articles: {assign_large:.2f} ms per new article "
            f"(write {large['with_ms']:.2f} ms with stories = {large['with_ms'] / large['without_ms']:.2f}x the write "
            f"without); on {max(100, n // 100):,} articles {assign_small:.2f} ms: "
            f"{assign_large / max(assign_small, 1e-9):.2f}x for 100x the archive"
        )
        total = large["bands"] + large["story_index"] + large["story_column"]
        print(
            f"storage added per article: {total:.0f} bytes = story_bands + key index {large['bands']:.0f} B, "
            f"story_id index {large['story_index']:.0f} B, story_id column {large['story_column']:.1f} B"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main(sys.argv[1:])
