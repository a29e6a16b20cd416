"""Golden tests for ``parse_article``: every ground-truth JSON reproduced exactly, one test per field and page.

Pages: the two shared samples (``fixtures/samples``) and the variation fixtures written for the parser
(``fixtures/pages``, each ``name.html`` + ``name.json``). Each page is parsed once per module.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from antara_crawler.extract import parse_article
from antara_crawler.items import Article
from tests.helpers import FIXTURES, SAMPLES, file_response, ground_truth, load_json

PAGES = FIXTURES / "pages"
FETCHED_AT = "2026-02-21T05:00:00+00:00"

#: page -> (fixture path without suffix, expected template)
GOLDEN: dict[str, tuple[Path, str]] = {
    "babel_sample": (SAMPLES / "regional_current_babel_article", "classic"),
    "www_sample": (SAMPLES / "www_current_article", "wrap"),
    "classic_p_body": (PAGES / "classic_p_body_bare_baca_juga_empty_editor", "classic"),
    "classic_related": (PAGES / "classic_related_utm_amp_decoy_dates", "classic"),
    "amp": (PAGES / "amp_babel_repeated_body", "amp"),
    "metadata_only": (PAGES / "metadata_only_jsonld_og", "metadata"),
    "wrap_entities": (PAGES / "wrap_entities_translation", "wrap"),
}
FIELDS = [
    "url",
    "portal",
    "antara_id",
    "title",
    "body",
    "dateline",
    "published_at",
    "published_raw",
    "reporter",
    "editor",
    "category",
    "tags",
    "image_url",
    "image_caption",
    "related",
]


def as_truth(article: Article) -> dict[str, Any]:
    """The article in the ground truth's shape (related links without their raw date, which ``_extra`` holds)."""
    data = dataclasses.asdict(article)
    data["related"] = [{k: v for k, v in link.items() if k != "published_raw"} for link in data["related"]]
    return data


def _parse(name: str) -> tuple[dict[str, Any], Article]:
    base, _ = GOLDEN[name]
    truth = load_json(base.with_suffix(".json"))
    url = truth.get("_fetch_url", truth["url"])
    if name == "babel_sample":  # the Scrapy path: a saved page as a real HtmlResponse
        response = file_response(base.with_suffix(".html"), url=url)
        return truth, parse_article(response.body, response.url, fetched_at=FETCHED_AT)
    return truth, parse_article(base.with_suffix(".html").read_bytes(), url, fetched_at=FETCHED_AT)


@pytest.fixture(scope="module")
def parsed() -> dict[str, tuple[dict[str, Any], Article]]:
    return {name: _parse(name) for name in GOLDEN}


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("page", list(GOLDEN))
def test_field(parsed, page: str, field: str) -> None:
    truth, article = parsed[page]
    assert as_truth(article)[field] == truth[field]


@pytest.mark.parametrize("page", list(GOLDEN))
def test_whole_item_matches_ground_truth(parsed, page: str) -> None:
    truth, article = parsed[page]
    got = as_truth(article)
    assert {k: got[k] for k in ground_truth(truth)} == ground_truth(truth)


@pytest.mark.parametrize("page", list(GOLDEN))
def test_every_ground_truth_key_is_an_item_field(parsed, page: str) -> None:
    truth, article = parsed[page]
    assert set(ground_truth(truth)) <= set(as_truth(article))


@pytest.mark.parametrize("page", list(GOLDEN))
def test_body_paragraph_count(parsed, page: str) -> None:
    truth, article = parsed[page]
    assert len(article.body.split("\n\n")) == truth["_extra"]["body_paragraph_count"]


@pytest.mark.parametrize("page", list(GOLDEN))
def test_related_published_raw(parsed, page: str) -> None:
    truth, article = parsed[page]
    raws = {link.url: link.published_raw for link in article.related if link.kind == "berita_terkait"}
    assert raws == truth["_extra"]["related_published_raw"]


@pytest.mark.parametrize("page", list(GOLDEN))
def test_baca_juga_links_have_no_date(parsed, page: str) -> None:
    _, article = parsed[page]
    assert all(link.published_raw is None for link in article.related if link.kind == "baca_juga")


@pytest.mark.parametrize("page", list(GOLDEN))
def test_template(parsed, page: str) -> None:
    _, article = parsed[page]
    assert article.template == GOLDEN[page][1]


@pytest.mark.parametrize("page", ["babel_sample", "www_sample", "classic_p_body", "wrap_entities"])
def test_template_layer_produced_every_found_field(parsed, page: str) -> None:
    _, article = parsed[page]
    assert article.field_sources["title"] == article.template
    assert article.field_sources["body"] == article.template
    assert article.field_sources["published_raw"] == article.template


def test_field_sources_of_a_metadata_only_page(parsed) -> None:
    truth, article = parsed["metadata_only"]
    for name, layer in truth["_extra"]["field_sources"].items():
        assert article.field_sources[name] == layer, name


@pytest.mark.parametrize("page", list(GOLDEN))
def test_fetched_at_is_stored_as_utc_iso(parsed, page: str) -> None:
    _, article = parsed[page]
    assert article.fetched_at == FETCHED_AT


@pytest.mark.parametrize("page", list(GOLDEN))
def test_no_non_body_text_in_body(parsed, page: str) -> None:
    _, article = parsed[page]
    lowered = article.body.lower()
    for marker in ("baca juga", "pewarta", "editor:", "copyright", "dilarang keras", "adsbygoogle", "googletag"):
        assert marker not in lowered
    assert "\xa0" not in article.body and "  " not in article.body


def test_pull_quote_is_not_a_body_paragraph(parsed) -> None:
    truth, article = parsed["babel_sample"]
    assert truth["_extra"]["pull_quote_excluded_from_body"] not in article.body.split("\n\n")
