"""``antara_crawler.validation``: one set of checks, two names for each problem (the crawl's and the store's)."""

from __future__ import annotations

import dataclasses

import pytest

from antara_crawler.items import RelatedLink
from antara_crawler.validation import BadItem, check, drop_reason, schema_problem
from tests.helpers.articles import make_article


def test_a_complete_article_passes_both():
    article = make_article(1)
    check(article, pages=True)
    assert schema_problem(article, pages=True) is None
    assert drop_reason(article) is None


@pytest.mark.parametrize(
    ("changes", "store_reason", "crawl_reason"),
    [
        ({"portal": ""}, "missing_portal", "missing_id"),
        ({"antara_id": 0}, "bad_antara_id", "missing_id"),
        ({"antara_id": True}, "bad_antara_id", "missing_id"),
        ({"url": ""}, "missing_url", "missing_id"),
        ({"title": 123}, "bad_field_type", "bad_field"),
        ({"fetched_at": 5}, "bad_field_type", "bad_field"),
        ({"tags": ["ok", 5]}, "bad_tags", "bad_field"),
        ({"tags": "timah"}, "bad_tags", "bad_field"),
        ({"related": [object()]}, "bad_related", "bad_field"),
        ({"related": [{"url": "https://babel.antaranews.com/berita/2/x", "nope": 1}]}, "bad_related", "bad_field"),
        (
            {"related": [RelatedLink(url="", title=None, published_at=None, kind="baca_juga")]},
            "bad_related",
            "bad_field",
        ),
    ],
)
def test_what_the_schema_cannot_hold_is_refused_by_both(changes, store_reason, crawl_reason):
    article = dataclasses.replace(make_article(1), **changes)
    with pytest.raises(BadItem) as exc:
        check(article)
    assert exc.value.reason == store_reason
    assert drop_reason(article) == crawl_reason


def test_the_pages_are_checked_only_when_the_store_keeps_them():
    article = make_article(1, raw_html=12345)
    assert schema_problem(article) is None
    assert schema_problem(article, pages=True) == "bad_raw_html"
    assert (
        schema_problem(
            make_article(1, more_pages=[("https://babel.antaranews.com/berita/1/x?page=2", None)]), pages=True
        )
        == "bad_raw_html"
    )


@pytest.mark.parametrize(("changes", "reason"), [({"title": "  "}, "missing_title"), ({"body": None}, "missing_body")])
def test_a_blank_title_or_body_is_the_crawls_rule_not_the_schemas(changes, reason):
    article = make_article(1, **changes)
    check(article)  # the archive can hold it (``scrapy reparse`` may write one)
    assert drop_reason(article) == reason


def test_mapping_related_links_are_accepted():
    link = {"url": "https://babel.antaranews.com/berita/2/x", "title": "t", "published_at": None, "kind": "baca_juga"}
    assert schema_problem(make_article(1, related=[link])) is None
