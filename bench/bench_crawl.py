"""Crawl benchmark: ``scrapy crawl antara`` over a 2,000-article mirror on loopback, against a bare Scrapy spider
that downloads the same pages and does nothing with them, in the same run.

Reports pages per second of both and their ratio (target: the antara crawl at least 80% of the bare rate), the
peak memory of each crawl process, its own (``VmHWM``, not a ``ru_maxrss`` inherited from this process;
see procmem.py; target: under 200 MB), and the requests of a second run with nothing
new. Politeness is off for both (no delay, no AutoThrottle, 16 requests per domain); both go through the project's
download handler and robots.txt middleware.

Run with ``python -m bench.bench_crawl [--articles 2000] [--portals babel,makassar,papua,www]``.
``ANTARA_BENCH_SCALE`` (default 1.0) shrinks the mirror, e.g. 0.1 for a quick look.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import scrapy

from bench.procmem import PeakMemory, wait_measured

ROOT = Path(__file__).resolve().parent.parent
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
TARGET_RATIO = 0.80
TARGET_RSS_MB = 200


class BareSpider(scrapy.Spider):
    """The baseline: download the given URLs, parse nothing, yield nothing."""

    name = "bench_bare"

    def __init__(self, urls_file: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls = Path(urls_file).read_text(encoding="utf-8").split()

    async def start(self):
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):
        return None


@dataclass
class Run:
    seconds: float  # the crawl's own elapsed_time_seconds (engine start to close)
    responses: int
    max_rss_mb: float
    returncode: int
    requests: int  # as counted by the mirror
    cpu_seconds: float = 0.0  # user + system time of the crawl process (startup included)

    @property
    def pages_per_second(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0


def _scrapy(args: list[str], server, log: Path) -> Run:
    """Run ``scrapy <args>`` in the project and measure it: its own peak memory (VmHWM, see procmem.py) and CPU."""
    before = len(server.requests)
    env = {**os.environ, "ANTARA_LOG_LEVEL": "INFO"}
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env, stdout=out, stderr=out)
        measured = wait_measured(proc, PeakMemory(proc.pid))
    text = log.read_text(encoding="utf-8", errors="replace")
    seconds = _stat(text, "elapsed_time_seconds")
    responses = _stat(text, "response_received_count")
    return Run(
        seconds,
        int(responses),
        measured.peak_mb,
        measured.returncode,
        len(server.requests) - before,
        measured.cpu_seconds,
    )


def _stat(log: str, name: str) -> float:
    m = re.search(rf"'{re.escape(name)}': ([0-9.]+)", log)
    return float(m.group(1)) if m else 0.0


def _urls(site) -> list[str]:
    """Every page the antara crawl fetches (robots.txt comes from the middleware in both runs)."""
    urls = []
    for portal in site.portals:
        urls.append(f"https://{portal}.antaranews.com/rss/terkini.xml")
        urls.append(f"https://{portal}.antaranews.com/terkini")
        for page in range(2, site.listing_pages[portal] + 1):
            style = f"?page={page}" if portal == "makassar" else f"/{page}"
            urls.append(f"https://{portal}.antaranews.com/terkini{style}")
    urls += [site.articles[k].url for k in sorted(site.expected_keys())]
    return urls


def main(argv: list[str] | None = None) -> None:
    from tests.site.build import build_site
    from tests.site.server import MirrorServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="listed articles in all (default 2000)")
    parser.add_argument("--portals", default="babel,makassar,papua,www")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each crawl; the best counts (default 3)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra setting, both runs")
    args, _ = parser.parse_known_args(argv if argv is not None else [])
    scale = max(0.0001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    portals = tuple(args.portals.split(","))
    per_portal = max(5, int(args.articles * scale) // len(portals))

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        site = build_site(tmp_path / "site", articles_per_portal=per_portal, portals=portals, per_page=20, rss_items=10)
        urls = _urls(site)
        (tmp_path / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        print(
            f"mirror: {len(site.expected_keys())} reachable articles on {len(portals)} portals, "
            f"{len(urls)} pages, built in {time.perf_counter() - started:.1f} s"
        )
        with MirrorServer(site.root) as server:
            common = ["-s", f"ANTARA_URL_TEMPLATE={server.url_template}", *FAST]
            common += [x for setting in args.set for x in ("-s", setting)]
            bare_args = ["runspider", str(Path(__file__).resolve()), "-a", f"urls_file={tmp_path / 'urls.txt'}"]
            bares, fulls = [], []
            for n in range(args.repeat):  # interleaved, best of each: the machine's noise hits both alike
                db = tmp_path / f"a{n}.db"
                crawl_args = ["crawl", "antara", "-a", f"portals={args.portals}", "-s", f"ANTARA_DB_URL=sqlite:///{db}"]
                bares.append(_scrapy([*bare_args, *common], server, tmp_path / "bare.log"))
                fulls.append(_scrapy([*crawl_args, *common], server, tmp_path / "crawl.log"))
                if fulls[-1].returncode != 0:
                    print((tmp_path / "crawl.log").read_text()[-3000:])
                    raise RuntimeError(f"the antara crawl exited with {fulls[-1].returncode}")
            again = _scrapy([*crawl_args, *common], server, tmp_path / "again.log")
            article_requests_again = sum(1 for p in server.requests[-again.requests :] if "/berita/" in p)
    bare = max(bares, key=lambda r: r.pages_per_second)
    full = max(fulls, key=lambda r: r.pages_per_second)
    full.max_rss_mb = max(r.max_rss_mb for r in fulls)
    bare.max_rss_mb = max(r.max_rss_mb for r in bares)

    ratio = full.pages_per_second / bare.pages_per_second if bare.pages_per_second else 0.0
    rows = [
        (f"bare spider, best of {len(bares)}", bare),
        (f"scrapy crawl antara, best of {len(fulls)}", full),
        ("second run, nothing new", again),
    ]
    print(f"{'run':<32} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak MB':>11} {'requests':>9} {'CPU s':>6}")
    for label, run in rows:
        print(
            f"{label:<32} {run.responses:>6} {run.seconds:>8.2f} {run.pages_per_second:>8.1f} "
            f"{run.max_rss_mb:>11.1f} {run.requests:>9} {run.cpu_seconds:>6.1f}"
        )
    verdict_ratio = "ok" if ratio >= TARGET_RATIO else "UNDER TARGET"
    verdict_rss = "ok" if full.max_rss_mb < TARGET_RSS_MB else "OVER TARGET"
    print(f"throughput: antara / bare = {ratio:.0%} (target >= {TARGET_RATIO:.0%}): {verdict_ratio}")
    if bare.responses and full.responses:
        bare_ms, full_ms = (1000 * r.cpu_seconds / r.responses for r in (bare, full))
        print(
            f"CPU per page (startup included): antara {full_ms:.2f} ms, bare {bare_ms:.2f} ms ({bare_ms / full_ms:.0%})"
        )
    print(
        f"peak memory per crawl process (its own VmHWM): antara {full.max_rss_mb:.0f} MB, bare {bare.max_rss_mb:.0f} MB "
        f"(target < {TARGET_RSS_MB} MB): {verdict_rss}"
    )
    print(
        f"run with nothing new: {again.requests} requests for {len(portals)} portals "
        f"({again.requests / len(portals):.1f} per portal), {article_requests_again} article pages"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
