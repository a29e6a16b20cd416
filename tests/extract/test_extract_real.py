"""Golden tests for the three real www pages of 2015-2016 (``fixtures/real/html``, truth in ``fixtures/real/gt``).

No template layer knows their markup (``div#content_news``, ``div.terkait_bottom``, ``div#box_fly``), so every field
comes from the general rules of the fallback layers: the printed byline before metadata, the in-page lead image
before ``og:image``, related boxes found by their heading, the section from the highlighted menu item, the
``<time>`` text with its machine value. Each field of each page is its own test.
"""

from __future__ import annotations

from typing import Any

import pytest

from antara_crawler.extract import parse_article
from antara_crawler.items import Article
from tests.extract.test_extract_samples import FIELDS, as_truth
from tests.helpers import FIXTURES, load_json

REAL = FIXTURES / "real"
PAGES = sorted(p.stem for p in (REAL / "gt").glob("*.json"))
FETCHED_AT = "2026-02-21T05:00:00+00:00"
#: Selectors of this one old template: a rule that needs them would not hold on real pages we do not have.
TEMPLATE_IDS = ("content_news", "terkait_bottom", "box_fly", "image_news", "caption_news", "topnav")


@pytest.fixture(scope="module")
def parsed() -> dict[str, tuple[dict[str, Any], Article]]:
    out = {}
    for name in PAGES:
        truth = load_json(REAL / "gt" / f"{name}.json")
        html = (REAL / "html" / f"{name}.html").read_bytes()
        out[name] = (truth, parse_article(html, truth["url"], fetched_at=FETCHED_AT))
    return out


def test_three_real_pages_are_present() -> None:
    assert PAGES == ["www-527615", "www-546640", "www-546643"]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("page", PAGES)
def test_field(parsed, page: str, field: str) -> None:
    truth, article = parsed[page]
    assert as_truth(article)[field] == truth[field]


@pytest.mark.parametrize("page", PAGES)
def test_no_template_layer_matched(parsed, page: str) -> None:
    _, article = parsed[page]
    assert article.template in ("metadata", "generic")


@pytest.mark.parametrize("page", PAGES)
def test_printed_byline_outranks_metadata(parsed, page: str) -> None:
    _, article = parsed[page]
    assert article.field_sources["reporter"] == "generic"


def test_in_page_image_outranks_og_image(parsed) -> None:
    _, article = parsed["www-527615"]
    assert "/ori/" in article.image_url
    assert article.field_sources["image_url"] == "generic"


def test_folder_og_image_is_not_an_image(parsed) -> None:
    _, article = parsed["www-546640"]  # og:image is http://img.antaranews.com/new
    assert article.image_url is None


def test_both_related_boxes_are_read_in_document_order(parsed) -> None:
    truth, article = parsed["www-527615"]
    assert len(article.related) == 10  # 8 from "Berita Lainnya", then 2 from the slide-in "Baca Juga"
    assert [link.url for link in article.related] == [link["url"] for link in truth["related"]]


def test_machine_time_gives_the_seconds(parsed) -> None:
    _, article = parsed["www-527615"]
    assert article.published_raw == "Kamis, 5 November 2015 14:56 WIB"
    assert article.published_at == "2015-11-05T14:56:43+07:00"


def test_extraction_code_names_no_selector_of_this_template() -> None:
    from pathlib import Path

    import antara_crawler.extract as pkg

    source = "".join(p.read_text() for p in Path(pkg.__file__).parent.glob("*.py"))
    assert [name for name in TEMPLATE_IDS if name in source] == []
