"""Reliability: 1,500 structurally mutated article pages through the parser, then the store's checks.

``tests/extract/test_extract_bad_input.py`` already mutates bytes at random (slices, junk, truncation). This fuzz works on
the markup instead: elements dropped or duplicated, closing tags removed, charsets re-encoded or mis-declared,
content wrapped in hundreds of nested divs, NULs and control characters, bad numeric entities, unclosed scripts,
comments and CDATA, a 200 KB attribute. Every seed page of ``tests/fixtures/samples`` and ``tests/fixtures/pages``
takes part. Deterministic seed. Each result must be a valid article (``drop_reason`` is None and the store
can turn it into rows) or a ``NotArticle`` with a known reason; never another exception, never ``parse_error``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.items import Article
from antara_crawler.store.archive import BadItem, prepare
from antara_crawler.urls import parse_article_url
from antara_crawler.validation import drop_reason
from tests.helpers import FIXTURES, SAMPLES, load_json
from tests.helpers.hostile_pages import REASONS

SEED = 20260707
PAGES_FUZZED = 1500
LISTING_AS_ARTICLE = "https://babel.antaranews.com/berita/556001/listing-served-as-article"


@dataclass(frozen=True)
class Seed:
    name: str
    html: bytes
    url: str


def seeds() -> list[Seed]:
    out = []
    for folder in (SAMPLES, FIXTURES / "pages"):
        for html in sorted(folder.glob("*.html")):
            truth = load_json(html.with_suffix(".json"))
            url = truth.get("_fetch_url") or truth.get("url") or ""
            if parse_article_url(url) is None:  # a listing page: served where an article was expected
                url = LISTING_AS_ARTICLE
            out.append(Seed(html.stem, html.read_bytes(), url))
    return out


# --- mutations: each takes the page and the rng, returns (bytes, encoding hint or None) ---------------------------

_TAG = re.compile(rb"<[a-zA-Z][^<>]{0,300}>")
_CLOSERS = [b"</div>", b"</p>", b"</article>", b"</header>", b"</span>", b"</a>", b"</h1>", b"</script>", b"</head>"]
_ENTITIES = [b"&#0;", b"&#xD800;", b"&#99999999;", b"&amp;amp;", b"&#x;", b"&nbsp", b"&#128512;", b"&unknown;"]
_UNCLOSED = [b"<script>var x = '", b"<!-- ", b"<![CDATA[", b"<style>p{", b"<textarea>", b'<a href="', b"<title>"]
_CHARSETS = ["iso-8859-1", "cp1252", "utf-16", "shift_jis", "koi8-r", "bogus-charset", "utf-8"]
_META = re.compile(rb"<meta[^>]*charset[^>]*>", re.IGNORECASE)


def _tag_positions(data: bytes) -> list[int]:
    return [m.start() for m in _TAG.finditer(data)] or [0]


def drop_element(data: bytes, rng: random.Random) -> bytes:
    """Remove from one tag to a later one (an element, or a run of them)."""
    positions = _tag_positions(data)
    i = rng.randrange(len(positions))
    j = min(len(positions) - 1, i + rng.randint(1, 12))
    return data[: positions[i]] + data[positions[j] :]


def duplicate_element(data: bytes, rng: random.Random) -> bytes:
    positions = _tag_positions(data)
    i = rng.randrange(len(positions))
    j = min(len(positions) - 1, i + rng.randint(1, 20))
    chunk = data[positions[i] : positions[j]]
    return data[: positions[j]] + chunk * rng.randint(1, 3) + data[positions[j] :]


def strip_closers(data: bytes, rng: random.Random) -> bytes:
    return data.replace(rng.choice(_CLOSERS), b"")


def reencode(data: bytes, rng: random.Random) -> bytes:
    """Re-encode the page's text in another charset, leaving its declaration as it was (a lie, mostly)."""
    return data.decode("utf-8", "replace").encode(rng.choice(_CHARSETS[:-2]), "replace")


def misdeclare(data: bytes, rng: random.Random) -> bytes:
    charset = rng.choice(_CHARSETS).encode()
    if _META.search(data):
        return _META.sub(b'<meta charset="' + charset + b'">', data, count=1)
    return data.replace(b"<head>", b'<head><meta charset="' + charset + b'">', 1)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    positions = _tag_positions(data)
    i, j = sorted(rng.choice(positions) for _ in range(2))
    depth = rng.choice([50, 255, 300, 1000, 3000])
    return data[:i] + b"<div>" * depth + data[i:j] + b"</div>" * depth + data[j:]


def control_bytes(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 40)):
        k = rng.randrange(len(data) + 1)
        data = data[:k] + bytes([rng.choice([0, 1, 7, 8, 11, 12, 27, 127])]) + data[k:]
    return data


def bad_entities(data: bytes, rng: random.Random) -> bytes:
    for _ in range(rng.randint(1, 10)):
        k = rng.randrange(len(data) + 1)
        data = data[:k] + rng.choice(_ENTITIES) + data[k:]
    return data


def unclosed_construct(data: bytes, rng: random.Random) -> bytes:
    positions = _tag_positions(data)
    k = rng.choice(positions)
    return data[:k] + rng.choice(_UNCLOSED) + data[k:]


def truncate_at_tag(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.choice(_tag_positions(data))]


def huge_attribute(data: bytes, rng: random.Random) -> bytes:
    k = rng.choice(_tag_positions(data))
    end = data.find(b">", k)
    if end < 0:
        return data
    return data[:end] + b' data-x="' + b"A" * 200_000 + b'"' + data[end:]


MUTATIONS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    drop_element,
    duplicate_element,
    strip_closers,
    reencode,
    misdeclare,
    deep_nesting,
    control_bytes,
    bad_entities,
    unclosed_construct,
    truncate_at_tag,
    huge_attribute,
)


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, list[str]]:
    applied = []
    for mutation in rng.sample(MUTATIONS, rng.randint(1, 3)):
        data = mutation(data, rng)
        applied.append(mutation.__name__)
    return data, applied


def fuzz(n: int = PAGES_FUZZED, seed: int = SEED) -> tuple[Counter, Counter, list[str]]:
    """Run the fuzz; returns (outcomes, mutations applied, problems). Also used to compute docs/reliability.md."""
    rng = random.Random(seed)
    pool = seeds()
    outcomes: Counter = Counter()
    applied_count: Counter = Counter()
    problems: list[str] = []
    for i in range(n):
        page = pool[i % len(pool)]
        data, applied = mutate(page.html, rng)
        applied_count.update(applied)
        hint = rng.choice([None, None, "utf-8", "iso-8859-1", "bogus"])
        where = f"#{i} {page.name} {applied} hint={hint}"
        try:
            article = parse_article(data, page.url, fetched_at="2026-07-07T00:00:00Z", encoding=hint)
        except NotArticle as exc:
            outcomes[exc.reason] += 1
            if exc.reason not in REASONS or exc.reason == "parse_error":
                problems.append(f"{where}: NotArticle({exc.reason}) {exc.detail}")
            continue
        except Exception as exc:  # noqa: BLE001 - that is what the fuzz looks for
            problems.append(f"{where}: {type(exc).__name__}: {exc}")
            outcomes["exception"] += 1
            continue
        outcomes["article"] += 1
        problem = _article_problem(article)
        if problem:
            problems.append(f"{where}: {problem}")
    return outcomes, applied_count, problems


def _article_problem(article: Article) -> str | None:
    if not isinstance(article, Article):
        return f"not an Article: {type(article).__name__}"
    reason = drop_reason(article)
    if reason:
        return f"article fails validation: {reason}"
    try:
        prepare(article, store_html=False, now="2026-07-07 00:00:00")
    except BadItem as exc:
        return f"article the store refuses: {exc}"
    return None


@pytest.fixture(scope="module")
def fuzz_run() -> tuple[Counter, Counter, list[str]]:
    return fuzz()


def test_every_fixture_page_is_a_seed():
    names = {s.name for s in seeds()}
    assert len(names) >= 9
    assert {"regional_current_babel_article", "www_current_article", "soft_404_page", "home_page"} <= names


def test_fuzz_raises_nothing_but_not_article(fuzz_run):
    outcomes, _, problems = fuzz_run
    assert sum(outcomes.values()) == PAGES_FUZZED
    assert outcomes["exception"] == 0 and outcomes["parse_error"] == 0, problems[:10]


def test_fuzz_articles_are_valid_and_storable(fuzz_run):
    outcomes, _, problems = fuzz_run
    assert problems == []
    assert outcomes["article"] > PAGES_FUZZED // 4, outcomes  # the fuzz does not only produce rubbish


def test_fuzz_reasons_are_known(fuzz_run):
    outcomes, _, _ = fuzz_run
    assert set(outcomes) - {"article"} <= REASONS - {"parse_error", "not_article_url"}


def test_fuzz_applies_every_mutation(fuzz_run):
    _, applied, _ = fuzz_run
    assert set(applied) == {m.__name__ for m in MUTATIONS}
    assert min(applied.values()) >= 100


def test_fuzz_is_deterministic():
    first = fuzz(60)
    assert fuzz(60) == first
