"""One fixture per real variant of issue 11 part 3 (``fixtures/variants``): small pages of an unknown template whose
texts come from the stored text of real pages (notes in ``make_variants.py``). Each ``name.json`` holds the URL and the
expected value of the fields that variant is about; each (variant, field) pair is its own test.

``baca_juga`` in a fixture is the list of the inline related URLs (kind ``baca_juga``).
"""

from __future__ import annotations

from typing import Any

import pytest

from antara_crawler.extract import parse_article
from antara_crawler.items import Article
from tests.helpers import FIXTURES, load_json

VARIANTS = FIXTURES / "variants"
NAMES = sorted(p.stem for p in VARIANTS.glob("*.json"))
CASES = [(name, key) for name in NAMES for key in load_json(VARIANTS / f"{name}.json") if key != "url"]


@pytest.fixture(scope="module")
def parsed() -> dict[str, tuple[dict[str, Any], Article]]:
    out = {}
    for name in NAMES:
        expect = load_json(VARIANTS / f"{name}.json")
        html = (VARIANTS / f"{name}.html").read_bytes()
        out[name] = (expect, parse_article(html, expect["url"], fetched_at="2026-02-21T05:00:00Z"))
    return out


def _value(article: Article, key: str) -> Any:
    if key == "baca_juga":
        return [link.url for link in article.related if link.kind == "baca_juga"]
    return getattr(article, key)


@pytest.mark.parametrize(("name", "key"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_variant_field(parsed, name: str, key: str) -> None:
    expect, article = parsed[name]
    assert _value(article, key) == expect[key]


def test_every_variant_family_has_a_fixture() -> None:
    families = {name.split("_", 1)[0] for name in NAMES}
    assert families >= {"dateline", "byline", "pull", "captions", "image", "msword", "related"}


def test_uploader_is_neither_name_nor_body(parsed) -> None:
    for name in ("byline_uploader_dropped", "byline_uploader_only"):
        _, article = parsed[name]
        assert "Admin" not in (article.reporter or "") + (article.editor or "") + article.body


def test_related_news_line_is_not_a_related_box(parsed) -> None:
    _, article = parsed["related_news_english"]
    assert [link.kind for link in article.related if "3868989" in link.url] == ["baca_juga"]


def test_in_body_credit_lines_are_gone_but_igt_stays(parsed) -> None:
    _, article = parsed["captions_and_credits"]
    assert "ANTARA FOTO" not in article.body and "HO-" not in article.body and "Biro Papua" not in article.body
    assert article.body.endswith("(IGT)")


def test_word_markup_leaves_no_styles_or_spacers(parsed) -> None:
    _, article = parsed["msword_press_release"]
    assert "Mso" not in article.body and "{" not in article.body and "\xa0" not in article.body
    assert all(p.strip() for p in article.body.split("\n\n"))
