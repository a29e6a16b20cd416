"""``parse_date`` against ``dateparser.parse(s, languages=['id'])`` on the same strings, in the same run.

Part 1: 10,000 ANTARA article-header strings (deterministic, ``random.Random(seed)``) across the three zones:
agreement (same instant, same offset) and per-call time. ``parse_date`` is timed cold (cache cleared, every string
new) and warm (a second pass over a subset that fits in the cache); the headline ratio is the cold one.

Part 2: a realistic mix, 90% ANTARA formats (headers, related/listing items in the portal's zone, RSS RFC-822,
ISO 8601, relative forms) and 10% forms only the dateparser fallback reads.

``ANTARA_BENCH_SCALE`` (default 1.0) scales the string counts. Run with ``python -m bench.bench_dates``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from antara_crawler import dates
from antara_crawler.dates import clear_cache, parse_date
from antara_crawler.portals import PORTALS, ZONES, tz_for

WEEKDAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]  # fmt: skip
MONTH_ABBRS = [
    ["Jan"], ["Feb", "Peb"], ["Mar", "Mrt"], ["Apr"], ["Mei"], ["Jun"],
    ["Jul"], ["Agu", "Agt", "Agst", "Ags"], ["Sep", "Sept"], ["Okt"], ["Nov", "Nop"], ["Des"],
]  # fmt: skip
RFC_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
RFC_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
PORTAL_NAMES = sorted(PORTALS)

#: Header styles and their weights in part 1.
HEADER_STYLES = {
    "weekday+label": 55,  # Jumat, 1 September 2023 10:15 WIB (hour padded or not)
    "weekday+label, dot time": 10,  # Jumat, 1 September 2023 10.15 WIB
    "no weekday+label": 15,  # 1 September 2023 9:06 WITA
    "abbreviated month": 15,  # Jumat, 1 Sep 2023 10:15 WIB (Feb/Peb, Agu/Agt/Agst/Ags, Nov/Nop, ...)
    "Jum'at": 5,  # Jum'at, 1 September 2023 10:15 WIB
}

BASE = datetime(2026, 5, 28, 6, 0, tzinfo=UTC)


def _random_dt(rng: random.Random) -> datetime:
    start = datetime(2000, 1, 1)
    return start + timedelta(minutes=rng.randrange(27 * 366 * 24 * 60))


def header_string(rng: random.Random, style: str) -> tuple[str, datetime]:
    """One header string in ``style`` and the aware datetime it means."""
    d = _random_dt(rng)
    if style == "Jum'at":
        d -= timedelta(days=(d.weekday() - 4) % 7)  # move back to a Friday
    label = rng.choice(list(ZONES))
    hour = f"{d.hour:02d}" if rng.random() < 0.5 else str(d.hour)
    wd = WEEKDAYS[d.weekday()]
    month = MONTHS[d.month - 1]
    if style == "weekday+label":
        text = f"{wd}, {d.day} {month} {d.year} {hour}:{d.minute:02d} {label}"
    elif style == "weekday+label, dot time":
        text = f"{wd}, {d.day} {month} {d.year} {hour}.{d.minute:02d} {label}"
    elif style == "no weekday+label":
        text = f"{d.day} {month} {d.year} {hour}:{d.minute:02d} {label}"
    elif style == "abbreviated month":
        text = f"{wd}, {d.day} {rng.choice(MONTH_ABBRS[d.month - 1])} {d.year} {hour}:{d.minute:02d} {label}"
    elif style == "Jum'at":
        text = f"Jum'at, {d.day} {month} {d.year} {hour}:{d.minute:02d} {label}"
    else:
        raise ValueError(style)
    return text, d.replace(tzinfo=ZONES[label])


def build_headers(n: int, seed: int) -> list[tuple[str, str, datetime]]:
    """``n`` (style, text, expected) header triples, deterministic for ``seed``."""
    rng = random.Random(seed)
    styles = rng.choices(list(HEADER_STYLES), weights=list(HEADER_STYLES.values()), k=n)
    return [(style, *header_string(rng, style)) for style in styles]


def mix_string(rng: random.Random) -> tuple[str, str, str]:
    """One (kind, text, portal) of the realistic mix: 90% ANTARA formats, 10% fallback-only forms."""
    portal = rng.choice(PORTAL_NAMES)
    d = _random_dt(rng)
    wd, month = WEEKDAYS[d.weekday()], MONTHS[d.month - 1]
    r = rng.random()
    if r < 0.40:
        return "antara", header_string(rng, "weekday+label")[0], portal
    if r < 0.60:
        return "antara", f"{d.day} {month} {d.year} {d.hour:02d}:{d.minute:02d}", portal  # related item
    if r < 0.70:
        return "antara", f"{wd}, {d.day} {month} {d.year} {d.hour}:{d.minute:02d}", portal  # listing
    if r < 0.78:
        off = rng.choice(["+0700", "+0800", "+0900"])
        text = f"{RFC_DAYS[d.weekday()]}, {d.day:02d} {RFC_MONTHS[d.month - 1]} {d.year} {d:%H:%M}:00 {off}"
        return "antara", text, portal
    if r < 0.86:
        return "antara", d.replace(tzinfo=tz_for(portal)).isoformat(), portal  # meta / JSON-LD
    if r < 0.90:
        rel = rng.choice(
            [f"{rng.randint(1, 59)} menit lalu", f"{rng.randint(1, 23)} jam lalu", "kemarin", "sejam lalu"]
        )
        return "antara", rel, portal
    fallback = rng.choice(
        [
            f"{d.day:02d}/{d.month:02d}/{d.year} {d.hour:02d}:{d.minute:02d}",
            f"{wd}, {d.day:02d}-{d.month:02d}-{d.year} {d.hour:02d}:{d.minute:02d} WIB",
            f"{d.day:02d}.{d.month:02d}.{d.year}",
            f"{rng.randint(1, 5)} jam {rng.randint(1, 59)} menit lalu",
        ]
    )
    return "fallback", fallback, portal


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _row(name: str, seconds: float, n: int, baseline_us: float) -> str:
    us = seconds / n * 1e6
    return f"  {name:<52} {us:>10.2f} us/call   {baseline_us / us:>8.1f}x"


def _scale() -> float:
    try:
        return max(0.001, float(os.environ.get("ANTARA_BENCH_SCALE", "1")))
    except ValueError:
        return 1.0


def bench_headers(n: int, seed: int, reused_n: int) -> None:
    import dateparser

    rows = build_headers(n, seed)
    texts = [t for _, t, _ in rows]
    print(f"Part 1: {n} ANTARA header strings (seed {seed}), zones {', '.join(ZONES)}")
    print("  styles: " + ", ".join(f"{s} {c}" for s, c in Counter(s for s, _, _ in rows).items()))

    # warm-ups (dateparser loads its language data on first use), not timed
    dateparser.parse(texts[0], languages=["id"])
    parse_date(texts[0])

    ours: list[datetime | None] = []
    theirs: list[datetime | None] = []
    clear_cache()
    t_cold = _time(lambda: ours.extend(parse_date(s) for s in texts))
    # warm: a subset that fits in the 8192-entry LRU cache, primed first (a second pass over all 10,000 strings
    # would miss every time: LRU evicts each string just before it comes round again)
    warm = texts[: min(n, 5000)]
    clear_cache()
    for s in warm:
        parse_date(s)
    t_warm = _time(lambda: [parse_date(s) for s in warm])
    t_dp = _time(lambda: theirs.extend(dateparser.parse(s, languages=["id"]) for s in texts))
    reused = dateparser.DateDataParser(languages=["id"])
    sub = texts[:reused_n]
    t_reused = _time(lambda: [reused.get_date_data(s).date_obj for s in sub])

    # agreement, per style
    stats: dict[str, Counter[str]] = {}
    examples: dict[tuple[str, str], list[str]] = {}
    for (style, text, expected), a, b in zip(rows, ours, theirs, strict=True):
        c = stats.setdefault(style, Counter())
        c["n"] += 1
        c["ours exact"] += a is not None and a == expected and a.utcoffset() == expected.utcoffset()
        if b is None:
            kind = "dateparser None"
        elif b.tzinfo is None:
            kind = "dateparser naive"
        elif a is None or a != b:
            kind = "different instant"
        elif a.utcoffset() != b.utcoffset():
            kind = "same instant, other offset"
        else:
            kind = "agree"
        c[kind] += 1
        if kind != "agree" and len(examples.setdefault((style, kind), [])) < 2:
            examples[style, kind].append(f"{text!r}: ours {a and a.isoformat()}, dateparser {b and b.isoformat()}")

    total = Counter[str]()
    for c in stats.values():
        total.update(c)
    print(f"\n  {'style':<26} {'n':>6} {'ours exact':>11} {'agree':>7} {'dp None':>8} {'dp naive':>9} {'differ':>7}")
    for style, c in [*stats.items(), ("all", total)]:
        print(
            f"  {style:<26} {c['n']:>6} {c['ours exact']:>11} {c['agree']:>7} {c['dateparser None']:>8}"
            f" {c['dateparser naive']:>9} {c['different instant'] + c['same instant, other offset']:>7}"
        )
    print(
        f"  -> parse_date exact (instant and offset) on {total['ours exact']}/{n}; same instant and offset as "
        f"dateparser on {total['agree']}/{n}"
    )
    for (style, kind), lines in examples.items():
        print(f"  e.g. {style}, {kind}:")
        for line in lines:
            print(f"    {line}")

    base_us = t_dp / n * 1e6
    print(f"\n  {'timing (ratio = dateparser.parse per call / this)':<52} {'':>10}            {'ratio':>8}")
    print(_row("dateparser.parse(s, languages=['id'])  [baseline]", t_dp, n, base_us))
    print(_row(f"dateparser DateDataParser reused (first {len(sub)})", t_reused, len(sub), base_us))
    print(_row("parse_date, cold cache (every string new)", t_cold, n, base_us))
    print(_row(f"parse_date, warm cache (first {len(warm)}, all hits)", t_warm, len(warm), base_us))


def bench_mix(n: int, seed: int) -> None:
    import dateparser

    rng = random.Random(seed + 1)
    items = [mix_string(rng) for _ in range(n)]
    kinds = Counter(k for k, _, _ in items)
    print(
        f"\nPart 2: realistic mix of {n} strings: {kinds['antara']} ANTARA formats, {kinds['fallback']} fallback-only"
    )

    calls = Counter[str]()
    real_fallback = dates._dateparser_fallback

    def counting_fallback(*args, **kwargs):  # count how often the fallback really runs (outside the timing)
        calls["fallback"] += 1
        return real_fallback(*args, **kwargs)

    ours: list[datetime | None] = []
    theirs: list[datetime | None] = []
    clear_cache()
    t_ours = _time(lambda: ours.extend(parse_date(s, portal=p, base=BASE) for _, s, p in items))
    t_dp = _time(lambda: theirs.extend(dateparser.parse(s, languages=["id"]) for _, s, _ in items))
    clear_cache()
    dates._dateparser_fallback = counting_fallback
    try:
        for _, s, p in items:
            parse_date(s, portal=p, base=BASE)
    finally:
        dates._dateparser_fallback = real_fallback
        clear_cache()

    n_ours = sum(r is not None for r in ours)
    n_dp = sum(r is not None for r in theirs)
    print(
        f"  parsed: parse_date {n_ours}/{n}, dateparser {n_dp}/{n}; dateparser fallback ran {calls['fallback']} times"
    )
    outcome = Counter[str]()
    for (_, text, portal), a, b in zip(items, ours, theirs, strict=True):
        if dates._RELATIVE_HINT.search(text):
            outcome["relative (not compared: dateparser uses 'now')"] += 1
        elif b is None:
            outcome["dateparser None"] += 1
        elif b.tzinfo is None:
            same = a is not None and a == b.replace(tzinfo=tz_for(portal))
            outcome["dateparser naive, " + ("same wall clock as ours" if same else "different")] += 1
        elif a == b and a.utcoffset() == b.utcoffset():
            outcome["same instant and offset"] += 1
        else:
            outcome["different"] += 1
    for k, v in sorted(outcome.items()):
        print(f"    {k:<52} {v:>6}")
    print("  (dateparser has no portal zone, so it returns naive datetimes for unlabelled strings; it fails on")
    print("   RFC-822's English day/month names under languages=['id'])")
    base_us = t_dp / n * 1e6
    print(_row("dateparser.parse(s, languages=['id'])  [baseline]", t_dp, n, base_us))
    print(_row("parse_date, cold cache (fast path + fallback)", t_ours, n, base_us))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_dates", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=int(10_000 * _scale()), help="header strings (default 10000)")
    parser.add_argument("--mix", type=int, default=int(2_000 * _scale()), help="strings in the realistic mix")
    parser.add_argument("--seed", type=int, default=20260528)
    args = parser.parse_args(list(argv) if argv is not None else [])
    n = max(10, args.n)
    started = time.perf_counter()
    bench_headers(n, args.seed, reused_n=min(n, 2_000))
    bench_mix(max(10, args.mix), args.seed)
    print(f"\n(bench_dates: {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
