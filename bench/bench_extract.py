"""``parse_article`` against trafilatura and a bare lxml parse, on the same pages, in the same run.

Pages: the shared samples, the variation fixtures, the real www pages and the real-variant fixtures that have a
ground-truth body (``tests/fixtures``, see ``PAGE_SETS``). For each:

* time per page of ``parse_article(html_bytes, url)`` (the whole item: every field, related links, dates);
* time per page of ``trafilatura.extract(html, favor_precision=True)`` (body text only), the baseline extractor;
* time per page of a bare ``lxml.html.fromstring(html_bytes)``: the parse alone, the floor no extractor can beat;
* body accuracy of both extractors against the ground truth: exact matches, and a similarity ratio
  (``difflib.SequenceMatcher`` over the paragraph lists, and over the characters).

Each timing is the best of 7 interleaved rounds of N calls (``ANTARA_BENCH_SCALE`` scales N). Targets: at least 10x faster than
trafilatura, within 3x of the bare lxml parse, exact bodies. Run with ``python -m bench.bench_extract``.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher

import lxml.html

from antara_crawler.extract import parse_article
from tests.helpers import FIXTURES, load_json

#: (label, folder of the ground-truth JSON files, folder of the pages): the shared samples, the variation fixtures,
#: the three real www pages of 2015-16 and the real-variant fixtures.
PAGE_SETS = [
    ("samples", FIXTURES / "samples", FIXTURES / "samples"),
    ("pages", FIXTURES / "pages", FIXTURES / "pages"),
    ("real", FIXTURES / "real" / "gt", FIXTURES / "real" / "html"),
    ("variants", FIXTURES / "variants", FIXTURES / "variants"),
]


@dataclass
class Page:
    name: str
    html: bytes
    url: str
    body: str  # ground truth
    folder: str  # "samples" (the shared samples), "pages", "real" or "variants" (see PAGE_SETS)


@dataclass
class Row:
    page: Page
    ours_s: float
    traf_s: float
    lxml_s: float
    ours_body: str
    traf_body: str


def pages() -> list[Page]:
    out: list[Page] = []
    for label, truths, htmls in PAGE_SETS:
        for truth_path in sorted(truths.glob("*.json")):
            html_path = htmls / f"{truth_path.stem}.html"
            truth = load_json(truth_path)
            if not html_path.exists() or not isinstance(truth.get("body"), str):
                continue
            url = truth.get("_fetch_url", truth["url"])
            out.append(Page(truth_path.stem, html_path.read_bytes(), url, truth["body"], label))
    return out


#: ``time.perf_counter`` (wall clock); ``ANTARA_BENCH_TIMER=cpu`` uses ``time.process_time`` instead, steadier on a
#: machine busy with other work (CPU time of this process only).
CLOCK = time.process_time if os.environ.get("ANTARA_BENCH_TIMER") == "cpu" else time.perf_counter


def per_call(fn: Callable[[], object], n: int) -> float:
    started = CLOCK()
    for _ in range(n):
        fn()
    return (CLOCK() - started) / n


def paragraphs(text: str | None) -> list[str]:
    """Paragraphs of an extractor's output: ours joins with a blank line, trafilatura with one newline."""
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def similarity(truth: str, got: str | None) -> tuple[float, float]:
    """(paragraph-list ratio, character ratio) of ``got`` against ``truth``."""
    para = SequenceMatcher(None, paragraphs(truth), paragraphs(got), autojunk=False).ratio()
    chars = SequenceMatcher(None, "\n".join(paragraphs(truth)), "\n".join(paragraphs(got)), autojunk=False).ratio()
    return para, chars


def measure(page: Page, n: int, rounds: int, traf: Callable[[str], str | None]) -> Row:
    """Best per-call time of each contender over ``rounds`` interleaved rounds (a busy machine slows all alike)."""
    text = page.html.decode("utf-8")
    ours = parse_article(page.html, page.url)
    traf_out = traf(text) or ""
    best = {"ours": float("inf"), "lxml": float("inf"), "traf": float("inf")}
    for _ in range(rounds):
        best["lxml"] = min(best["lxml"], per_call(lambda: lxml.html.fromstring(page.html), n))
        best["ours"] = min(best["ours"], per_call(lambda: parse_article(page.html, page.url), n))
        best["traf"] = min(best["traf"], per_call(lambda: traf(text), max(2, n // 20)))
    return Row(page, best["ours"], best["traf"], best["lxml"], ours.body or "", traf_out)


def main() -> None:
    import trafilatura

    scale = max(0.01, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    n, rounds = max(10, int(100 * scale)), 7

    def traf(text: str) -> str | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return trafilatura.extract(text, favor_precision=True)

    rows = [measure(page, n, rounds, traf) for page in pages()]
    print(
        f"{len(rows)} pages with a ground-truth body; per-call time = best of {rounds} interleaved rounds of {n} calls"
        f" (trafilatura {max(2, n // 20)}), clock {CLOCK.__name__}"
    )
    print(
        f"\n  {'page':<44} {'KB':>5} {'lxml ms':>8} {'ours ms':>8} {'traf ms':>8} {'ours/lxml':>9} {'traf/ours':>9}"
        f"  {'ours body':>17}  {'trafilatura body':>17}"
    )
    for r in rows:
        ours_para, ours_chars = similarity(r.page.body, r.ours_body)
        traf_para, traf_chars = similarity(r.page.body, r.traf_body)
        ours_ok = "exact" if r.ours_body == r.page.body else f"{ours_para:.2f}/{ours_chars:.3f}"
        traf_ok = "exact" if paragraphs(r.traf_body) == paragraphs(r.page.body) else f"{traf_para:.2f}/{traf_chars:.3f}"
        print(
            f"  {r.page.name[:44]:<44} {len(r.page.html) / 1024:>5.1f} {r.lxml_s * 1e3:>8.3f} {r.ours_s * 1e3:>8.3f}"
            f" {r.traf_s * 1e3:>8.3f} {r.ours_s / r.lxml_s:>8.2f}x {r.traf_s / r.ours_s:>8.1f}x  {ours_ok:>17}"
            f"  {traf_ok:>17}"
        )
    total = {k: sum(getattr(r, k) for r in rows) for k in ("ours_s", "traf_s", "lxml_s")}
    exact_ours = sum(r.ours_body == r.page.body for r in rows)
    exact_traf = sum(paragraphs(r.traf_body) == paragraphs(r.page.body) for r in rows)
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    ours_sim = [similarity(r.page.body, r.ours_body) for r in rows]
    traf_sim = [similarity(r.page.body, r.traf_body) for r in rows]
    print(
        f"\n  all pages: lxml {total['lxml_s'] / len(rows) * 1e3:.3f} ms/page, ours {total['ours_s'] / len(rows) * 1e3:.3f}"
        f" ms/page, trafilatura {total['traf_s'] / len(rows) * 1e3:.3f} ms/page"
    )
    print(
        f"  ours / bare lxml parse: {total['ours_s'] / total['lxml_s']:.2f}x (target <= 3x);"
        f" trafilatura / ours: {total['traf_s'] / total['ours_s']:.1f}x (target >= 10x)"
    )
    for label, _, _ in PAGE_SETS:
        part = [r for r in rows if r.page.folder == label]
        if part:
            ours = sum(r.ours_s for r in part)
            print(
                f"  {label} only ({len(part)} pages): ours / bare lxml parse {ours / sum(r.lxml_s for r in part):.2f}x,"
                f" trafilatura / ours {sum(r.traf_s for r in part) / ours:.1f}x,"
                f" exact bodies {sum(r.ours_body == r.page.body for r in part)}/{len(part)}"
            )
    print(
        f"  body accuracy: ours {exact_ours}/{len(rows)} exact, paragraph ratio {mean([s[0] for s in ours_sim]):.3f},"
        f" char ratio {mean([s[1] for s in ours_sim]):.3f}; trafilatura {exact_traf}/{len(rows)} exact (paragraphs),"
        f" paragraph ratio {mean([s[0] for s in traf_sim]):.3f}, char ratio {mean([s[1] for s in traf_sim]):.3f}"
    )
    print("  (body cells: 'exact' or paragraph-ratio/char-ratio; trafilatura extracts the body only, ours every field)")


if __name__ == "__main__":
    main()
