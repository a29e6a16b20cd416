"""Reliability: hostile pages. Truncated, empty, binary, mis-declared, 10 MB, 5,000-deep and 1,000-link pages.

Parsed in process (fast, exact reasons); the pages (``tests/helpers/hostile_pages.py``) are also served by the mirror
to one real ``scrapy crawl article`` process in ``tests/e2e/test_reliability_hostile_crawl.py``.
"""

from __future__ import annotations

from pathlib import Path

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.validation import drop_reason
from tests.helpers.hostile_pages import (
    DEPTH,
    MAXSIZE,
    REASONS,
    RELATED,
    binary,
    deeply_nested,
    huge,
    missing_charset,
    thousand_related,
    truncated,
    url_of,
    wrong_charset,
)


def outcome(data: bytes, antara_id: int = 366104) -> str:
    try:
        article = parse_article(data, url_of(antara_id))
    except NotArticle as exc:
        return exc.reason
    assert drop_reason(article) is None
    return "article"


# --- in process ----------------------------------------------------------------------------------------------------


def test_truncated_page_gives_a_counted_reason():
    assert outcome(truncated()) in REASONS - {"parse_error"}


def test_binary_page_is_binary():
    assert outcome(binary()) == "binary"


def test_wrong_charset_still_reads_the_title():
    assert parse_article(wrong_charset(), url_of(1)).title == "Café pekerja rentan — “sektor informal”"


def test_missing_charset_reads_utf8():
    assert parse_article(missing_charset(), url_of(1)).title == "Nelayan Bangka — “Rp1,5 miliar” untuk koperasi"


def test_deeply_nested_page_is_a_counted_reason_not_a_crash():
    assert outcome(deeply_nested()) in REASONS - {"parse_error"}


def test_thousand_related_links_are_all_extracted_once():
    article = parse_article(thousand_related(), url_of(366104))
    terkait = [r.url for r in article.related if r.kind == "berita_terkait"]
    assert len(terkait) == len(set(terkait)) >= RELATED


def test_hostile_page_builders_are_what_they_claim(tmp_path: Path):
    assert len(huge()) > 2 * MAXSIZE
    assert deeply_nested().count(b"<div>") >= DEPTH
    assert thousand_related().count(b"berita-terkait-nomor-") == RELATED + 10
