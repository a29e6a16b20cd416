"""Crawl benchmark: ``scrapy crawl antara`` over a 2,000-article mirror on loopback, against a bare Scrapy spider
that downloads the same pages and does nothing with them, in the same run.

Reports pages per second of both and their ratio (target: the antara crawl at least 80% of the bare rate), the
peak memory of each crawl process, its own (``VmHWM``, not a ``ru_maxrss`` inherited from this process;
see procmem.py; target: under 200 MB), and the requests of a second run with nothing
new. Politeness is off for both (no delay, no AutoThrottle, 16 requests per domain); both go through the project's
download handler and robots.txt middleware.

What is measured, exactly:

* **pages/s** is ``response_received_count / elapsed_time_seconds``, Scrapy's own clock from ``spider_opened`` to
  ``spider_closed``. Process start-up (imports, settings, the archive's open and migration, which the pipelines do
  before ``spider_opened``) is outside it; the store's last flush at close is inside it.
* **CPU per page** is given twice: the whole process (start-up and shutdown included: the wait4 user + system time)
  and the crawl alone (``time.process_time()`` at ``spider_opened`` and at ``spider_closed``, recorded by
  :class:`CpuMark`, which the benchmark adds to both crawls; all threads of the process count).
* The mirror is served by threads of this benchmark process; its CPU per run (this process's user + system time
  while the crawl ran) is printed, since on 2 cores it competes with the crawl. It answers with ``TCP_NODELAY`` set,
  as web servers do (tests/site/server.py): before, every kept-alive answer's body waited ~40 ms for the client's
  delayed ACK, which held the bare spider at ~300 pages/s, or ~580 when the kernel acknowledged at once, so the
  ratio measured the mirror's stall more than either crawl.
* Three more series on loopback (``--no-ablate`` skips them) split our extra CPU per page in four:
  1. the bare spider discovering its pages (``bench/bare_discovery_spider.py``: the listing and feed URLs only,
     article links found by a regex and requested): what Scrapy itself charges for requests born in a callback;
  2. our spider doing nothing with the article pages it downloads (``bench/discovery_spider.py``): our own share of
     discovery, the listing parser, robots.txt checks and archive reads (it ends as a crawl with nothing new does,
     exit 0);
  3. our crawl with the store pipeline off: extraction and the items' path through Scrapy's middlewares, pipelines
     and signals (exit 3, ``nothing_stored``);
  4. the whole crawl: the store.
  The split also prints the ratio each would reach, and the CPU a page may cost over the bare spider's for the
  target to hold.
* Runs are interleaved (bare, antara, bare, antara, ...) and the best of each is kept: the machine's noise hits
  both alike. CPU figures (steadier than wall clock on a shared machine) are the lowest of each kind.
* A pair of rows on the same mirror with bodies of real ANTARA paragraphs (``build_site(real_text=True)``, drawn
  from ``tests/fixtures/real/text``; ``--no-real-text`` skips them), with the store's share. The synthetic bodies are
  five sentences from a pool of six, ~590 characters against ~2,030; two unrelated ones share most of their
  shingles, so the story grouping verifies (and merges) copies that real text would not give it: in one crawl,
  1,999 synthetic articles fell into 1,387 stories, the real-text ones into 1,999. It is an additional row.
* A second pair of rows (``--latency``, default 0.05 s; 0 skips it) runs both against a mirror that waits that
  long before every answer, at the same concurrency: a network-bound crawl, where the question is whether our
  processing keeps up with the downloads. It is an additional row, not the target.

Run with ``python -m bench.bench_crawl [--articles 2000] [--portals babel,makassar,papua,www] [--repeat 3]
[--latency 0.05] [--no-ablate] [--no-real-text]``. ``ANTARA_BENCH_SCALE`` (default 1.0) shrinks the mirror, e.g. 0.1
for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import scrapy
from scrapy import signals

from bench.procmem import PeakMemory, wait_measured

ROOT = Path(__file__).resolve().parent.parent
DISCOVERY_SPIDER = Path(__file__).resolve().parent / "discovery_spider.py"
BARE_DISCOVERY_SPIDER = Path(__file__).resolve().parent / "bare_discovery_spider.py"
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


class CpuMark:
    """Added to both crawls by the benchmark: the process's CPU time (all threads) at ``spider_opened`` and at
    ``spider_closed``, as stats ``bench/cpu_open`` and ``bench/cpu_close``, so the crawl's CPU can be told from
    start-up's."""

    def __init__(self, crawler):
        self.stats = crawler.stats
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def opened(self, spider):
        self.stats.set_value("bench/cpu_open", time.process_time())

    def closed(self, spider, reason):
        self.stats.set_value("bench/cpu_close", time.process_time())


def _mark() -> list[str]:
    """``-s EXTENSIONS=...`` adding CpuMark to the project's extensions: a dict given with ``-s`` replaces the
    project's ``EXTENSIONS`` whole (an earlier version passed CpuMark alone, and both crawls ran without the
    project's run summary and GcFreeze)."""
    from antara_crawler import settings as project

    return ["-s", "EXTENSIONS=" + json.dumps({**project.EXTENSIONS, "bench.bench_crawl.CpuMark": 0})]


MARK = _mark()


@dataclass
class Run:
    seconds: float  # the crawl's own elapsed_time_seconds (spider_opened to spider_closed)
    responses: int
    max_rss_mb: float
    returncode: int
    requests: int  # as counted by the mirror
    cpu_seconds: float = 0.0  # user + system time of the crawl process (start-up and shutdown included)
    crawl_cpu_seconds: float = 0.0  # its CPU time from spider_opened to spider_closed (CpuMark)
    server_cpu_seconds: float = 0.0  # this (mirror-serving) process's CPU time while the crawl ran

    @property
    def pages_per_second(self) -> float:
        return self.responses / self.seconds if self.seconds else 0.0

    def ms_per_page(self, cpu: float) -> float:
        return 1000 * cpu / self.responses if self.responses else 0.0


def _scrapy(args: list[str], server, log: Path) -> Run:
    """Run ``scrapy <args>`` in the project and measure it: its own peak memory (VmHWM, see procmem.py) and CPU."""
    before = len(server.requests)
    env = {**os.environ, "ANTARA_LOG_LEVEL": "INFO"}
    mine = os.times()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scrapy", *args, *MARK], cwd=ROOT, env=env, stdout=out, stderr=out
        )
        measured = wait_measured(proc, PeakMemory(proc.pid))
    after = os.times()
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
        _stat(text, "bench/cpu_close") - _stat(text, "bench/cpu_open"),
        (after.user - mine.user) + (after.system - mine.system),
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


def _no_store() -> str:
    """``ITEM_PIPELINES`` for the no-store series of the loopback rows: the project's pipelines without the store, which
    splits the store's share of our extra CPU from extraction's and Scrapy's item path. That crawl exits 3
    (``nothing_stored``)."""
    from antara_crawler import settings as project

    return json.dumps({path: order for path, order in project.ITEM_PIPELINES.items() if "StorePipeline" not in path})


NO_STORE = _no_store()


def _series(repeat: int, crawls: list[tuple[str, Callable[[int], list[str]], tuple[int, ...]]], server, tmp_path):
    """``repeat`` runs of each crawl, interleaved (the machine's noise hits all alike): ``crawls`` holds ``(label,
    args of run n, the exit codes it may end with)``. Returns the runs of each, in the order given."""
    runs: list[list[Run]] = [[] for _ in crawls]
    for n in range(repeat):
        for series, (label, args, codes) in zip(runs, crawls, strict=True):
            log = tmp_path / f"{label}.log"
            series.append(_scrapy(args(n), server, log))
            if series[-1].returncode not in codes:
                print(log.read_text()[-3000:])
                raise RuntimeError(f"the {label} crawl exited with {series[-1].returncode}")
    return runs


@dataclass
class Best:
    """The best of a series of runs of one crawl, each figure on its own (a run can be best in one, not another)."""

    runs: list[Run]

    @property
    def pages_per_second(self) -> float:
        return max(r.pages_per_second for r in self.runs)

    def best(self, figure) -> Run:
        return min(self.runs, key=figure)

    def _ms_per_page(self, what: str) -> list[float]:
        """CPU ms per page of every run: ``what`` is "process" (start-up included), "crawl" or "server"."""
        attr = {"process": "cpu_seconds", "crawl": "crawl_cpu_seconds", "server": "server_cpu_seconds"}[what]
        return [r.ms_per_page(getattr(r, attr)) for r in self.runs]

    def ms(self, what: str) -> float:
        """Lowest CPU ms per page (``what`` as for :meth:`_ms_per_page`)."""
        return min(self._ms_per_page(what))

    def median_ms(self, what: str) -> float:
        """Median CPU ms per page: steadier than the lowest for a difference of two series, where one lucky run of
        either would move the whole difference."""
        return statistics.median(self._ms_per_page(what))

    @property
    def peak_mb(self) -> float:
        return max(r.max_rss_mb for r in self.runs)


def _report(title: str, bare: Best, full: Best, *, target: bool) -> None:
    n = len(bare.runs)
    print(f"-- {title}")
    print(
        f"{'run (best of ' + str(n) + ', interleaved)':<34} {'pages':>6} {'seconds':>8} {'pages/s':>8} "
        f"{'CPU ms/page':>12} {'crawl only':>11} {'mirror':>7} {'peak MB':>8}"
    )
    for label, series in (("bare spider", bare), ("scrapy crawl antara", full)):
        fastest = max(series.runs, key=lambda r: r.pages_per_second)
        print(
            f"{label:<34} {fastest.responses:>6} {fastest.seconds:>8.2f} {series.pages_per_second:>8.1f} "
            f"{series.ms('process'):>12.2f} {series.ms('crawl'):>11.2f} {series.ms('server'):>7.2f} "
            f"{series.peak_mb:>8.1f}"
        )
    ratio = full.pages_per_second / bare.pages_per_second if bare.pages_per_second else 0.0
    verdict = (
        (" (target >= " + f"{TARGET_RATIO:.0%}): " + ("ok" if ratio >= TARGET_RATIO else "UNDER TARGET"))
        if target
        else ""
    )
    print(f"pages/s: antara / bare = {ratio:.0%}{verdict}")
    for what, label in (("process", "whole process, start-up included"), ("crawl", "spider_opened to spider_closed")):
        a, b = full.ms(what), bare.ms(what)
        print(f"CPU per page ({label}): antara {a:.2f} ms, bare {b:.2f} ms; bare / antara = {b / a if a else 0:.0%}")
    spread = [round(r.pages_per_second) for r in full.runs], [round(r.pages_per_second) for r in bare.runs]
    print(f"pages/s of every run: antara {spread[0]}, bare {spread[1]}")


def main(argv: list[str] | None = None) -> None:
    from tests.site.build import build_site
    from tests.site.server import MirrorServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="listed articles in all (default 2000)")
    parser.add_argument("--portals", default="babel,makassar,papua,www")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each crawl; the best counts (default 3)")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds the mirror waits per answer in the extra rows; 0: none"
    )
    parser.add_argument(
        "--no-ablate",
        dest="ablate",
        action="store_false",
        help="skip the three series of the split (discovering bare spider, discovery only, no store)",
    )
    parser.add_argument(
        "--no-real-text",
        dest="real_text",
        action="store_false",
        help="skip the rows on the mirror with bodies of real ANTARA paragraphs (tests/fixtures/real/text)",
    )
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="extra setting, both runs")
    args, _ = parser.parse_known_args(argv if argv is not None else [])
    scale = max(0.0001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    portals = tuple(args.portals.split(","))
    per_portal = max(5, int(args.articles * scale) // len(portals))

    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        tmp_path = Path(tmp)
        started = time.perf_counter()
        shape = {"articles_per_portal": per_portal, "portals": portals, "per_page": 20, "rss_items": 10}
        site = build_site(tmp_path / "site", **shape)
        urls = _urls(site)
        (tmp_path / "urls.txt").write_text("\n".join(urls), encoding="utf-8")
        print(
            f"mirror: {len(site.expected_keys())} reachable articles on {len(portals)} portals, "
            f"{len(urls)} pages, built in {time.perf_counter() - started:.1f} s"
        )
        extra = [x for setting in args.set for x in ("-s", setting)]
        bare_script = ["runspider", str(Path(__file__).resolve()), "-a", f"urls_file={tmp_path / 'urls.txt'}"]
        series: dict[str, tuple[Best, ...]] = {}
        split: tuple[Best, Best, Best] | None = None  # the three series of the split (loopback only)
        conditions = [("loopback", site.root, 0.0)]
        if args.latency > 0:
            conditions.append(("latency", site.root, args.latency))
        if args.real_text:  # the same mirror (same pages, links and URLs) with bodies of real ANTARA paragraphs
            conditions.append(("real", build_site(tmp_path / "real", **shape, real_text=True).root, 0.0))
        for label, root, latency in conditions:
            with MirrorServer(root, delay=latency) as server:
                common = ["-s", f"ANTARA_URL_TEMPLATE={server.url_template}", *FAST, *extra]

                def crawl_args(n: int, label=label, common=common, name: str = "a") -> list[str]:
                    db = tmp_path / f"{name}{n}-{label}.db"  # a new archive for every run
                    portals_arg = f"portals={args.portals}"
                    return ["crawl", "antara", "-a", portals_arg, "-s", f"ANTARA_DB_URL=sqlite:///{db}", *common]

                no_store_args = lambda n, crawl_args=crawl_args: [  # noqa: E731
                    *crawl_args(n, name="n"),
                    "-s",
                    f"ITEM_PIPELINES={NO_STORE}",
                ]
                crawls = [("bare", lambda n, common=common: [*bare_script, *common], (0,)), ("crawl", crawl_args, (0,))]
                if label == "loopback" and args.ablate:

                    def discovery_args(n: int, crawl_args=crawl_args) -> list[str]:
                        # our crawl's arguments, with the discovery-only spider in place of "crawl antara"
                        return ["runspider", str(DISCOVERY_SPIDER), *crawl_args(n, name="d")[2:]]

                    bare_discovery = ["runspider", str(BARE_DISCOVERY_SPIDER), *bare_script[2:], *common]
                    crawls += [
                        ("bare-discovery", lambda n, args=bare_discovery: args, (0,)),
                        ("discovery", discovery_args, (0,)),
                        ("no-store", no_store_args, (3,)),
                    ]
                elif label == "real":
                    crawls.append(("no-store", no_store_args, (3,)))
                runs = _series(args.repeat, crawls, server, tmp_path)
                series[label] = tuple(Best(r) for r in runs)
                if label == "loopback":
                    if args.ablate:
                        split = Best(runs[2]), Best(runs[3]), Best(runs[4])
                    again = _scrapy(crawl_args(0), server, tmp_path / "again.log")
                    article_requests_again = sum(1 for p in server.requests[-again.requests :] if "/berita/" in p)

    bare, full = series["loopback"][:2]
    _report("mirror on loopback, no latency (the target)", bare, full, target=True)
    if split is not None:
        _report_split(bare, *split, full, cores=len(os.sched_getaffinity(0)))
    print(
        f"peak memory per crawl process (its own VmHWM): antara {full.peak_mb:.0f} MB, bare {bare.peak_mb:.0f} MB "
        f"(target < {TARGET_RSS_MB} MB): {'ok' if full.peak_mb < TARGET_RSS_MB else 'OVER TARGET'}"
    )
    print(
        f"run with nothing new: {again.requests} requests for {len(portals)} portals "
        f"({again.requests / len(portals):.1f} per portal), {article_requests_again} article pages, "
        f"{again.cpu_seconds:.1f} s CPU (start-up included)"
    )
    if args.latency > 0:
        bare, full = series["latency"]
        _report(
            f"the same, the mirror waiting {args.latency * 1000:.0f} ms before every answer", bare, full, target=False
        )
        in_flight = _in_flight(args.set)
        print(
            f"network-bound ceiling: {in_flight} requests in flight / {args.latency * 1000:.0f} ms = "
            f"{in_flight / args.latency:.0f} pages/s; a crawl well under it is limited by its own CPU"
        )
    if args.real_text:
        bare, full, no_store = series["real"]
        _report("the same mirror with bodies of real ANTARA paragraphs, no latency", bare, full, target=False)
        _report_real_text(bare, no_store, full, series["loopback"][1])


def _report_split(bare: Best, bare_discovery: Best, discovery: Best, no_store: Best, full: Best, *, cores: int) -> None:
    """Where our extra crawl CPU per page goes, from the three extra series, each the difference of two: Scrapy's
    share of discovery (the discovering bare spider minus the bare one), ours (our discovery-only spider minus the
    discovering bare one), extraction's with Scrapy's item path (no store minus discovery only) and the store's
    (the whole crawl minus no store). Medians of each series' crawl CPU per page: the lowest of each swings too much
    for a difference (the lowest of one bench of 3 runs put the store at 0.14 ms; the medians of a run of 5 at 0.81).

    Then the ratio each partial crawl reaches in pages/s, our crawl's against the discovering bare spider, and the
    budget: for our CPU per page to be within the target of the bare spider's, all our work may add
    ``bare / TARGET_RATIO - bare`` to it. Last, the bound of any design that spreads today's work over more
    processes: ``cores`` busy with nothing but our crawl and the mirror (their CPU per page, medians) serve at most
    ``cores / (crawl + mirror)`` pages a second, against the bare spider's best rate."""
    b, m, d, n, f = (s.median_ms("crawl") for s in (bare, bare_discovery, discovery, no_store, full))
    print(
        f"where the extra CPU goes (crawl only, median ms per page): bare {b:.2f}; + Scrapy's discovery {m - b:.2f}"
        f" (the bare spider finding its pages by regex: {m:.2f}); + ours {d - m:.2f} (listing parser, robots.txt,"
        f" archive reads: {d:.2f}); + extraction and Scrapy's item path {n - d:.2f} (store pipeline off: {n:.2f});"
        f" + the store {f - n:.2f} = {f:.2f}"
    )
    rate = bare.pages_per_second
    ratios = [s.pages_per_second / rate if rate else 0.0 for s in (bare_discovery, discovery, no_store)]
    print(
        f"  the ratio in pages/s of the discovering bare spider would be {ratios[0]:.0%}, of discovery alone"
        f" {ratios[1]:.0%}, with no store {ratios[2]:.0%}; in CPU {b / m if m else 0:.0%}, {b / d if d else 0:.0%}"
        f" and {b / n if n else 0:.0%}"
    )
    against = full.pages_per_second / bare_discovery.pages_per_second if bare_discovery.pages_per_second else 0.0
    print(f"  our crawl against the discovering bare spider: {against:.0%} in pages/s")
    budget = b / TARGET_RATIO - b
    print(
        f"  the target's budget over the bare spider: {budget:.2f} ms a page for all our work; discovery alone"
        f" uses {d - b:.2f} (Scrapy's part {m - b:.2f}), the whole crawl {f - b:.2f}"
    )
    mirror = full.median_ms("server")
    ceiling = cores * 1000 / (f + mirror) if f + mirror else 0.0
    print(
        f"  {cores} cores doing nothing but our crawl and the mirror ({f:.2f} + {mirror:.2f} ms a page) serve at most"
        f" {ceiling:.0f} pages/s, {ceiling / rate if rate else 0:.0%} of the bare spider's best: the bound of any"
        " design that only spreads today's work over more processes"
    )


def _report_real_text(bare: Best, no_store: Best, full: Best, synthetic: Best) -> None:
    """Our extra CPU per page with real bodies, split at the store, beside the synthetic mirror's whole crawl: the
    synthetic bodies (five sentences from a pool of six) are under a third of a real body's length, and two
    unrelated ones share most of their shingles, so the story grouping verifies many candidates that real text would
    not give it."""
    b, n, f = (x.median_ms("crawl") for x in (bare, no_store, full))
    print(
        f"where the extra CPU goes with real bodies (crawl only, median ms per page): bare {b:.2f}; + our discovery,"
        f" extraction and Scrapy's item path {n - b:.2f} (store pipeline off: {n:.2f}); + the store {f - n:.2f}"
        f" = {f:.2f} (the synthetic mirror's whole crawl: {synthetic.median_ms('crawl'):.2f})"
    )


def _in_flight(extra: list[str]) -> int:
    """CONCURRENT_REQUESTS of both crawls: the project's, or what ``--set`` gave (16 per domain does not raise it)."""
    from antara_crawler import settings as project

    given = [s.split("=", 1)[1] for s in extra if s.startswith("CONCURRENT_REQUESTS=")]
    return int(given[-1]) if given else project.CONCURRENT_REQUESTS


if __name__ == "__main__":
    main(sys.argv[1:])
