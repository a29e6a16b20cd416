"""extract/listing.py against the sample ground truth and the generated mirror's pages."""

from __future__ import annotations

import dataclasses

import pytest

from antara_crawler.extract.listing import page_number, parse_listing
from tests.helpers import SAMPLES, ground_truth, load_json
from tests.site.build import build_site

SAMPLE = SAMPLES / "regional_terkini_listing_page2.html"
TRUTH = ground_truth(load_json(SAMPLES / "regional_terkini_listing_page2.json"))
ITEM_FIELDS = ("url", "portal", "antara_id", "title", "category", "published_at", "published_raw")


@pytest.fixture(scope="module")
def listing():
    return parse_listing(SAMPLE.read_bytes(), TRUTH["url"])


def test_items_match_ground_truth(listing):
    got = [{k: getattr(e, k) for k in ITEM_FIELDS} for e in listing.items]
    assert got == TRUTH["items"]


def test_sidebar_item_excluded(listing):
    assert 555901 not in [e.antara_id for e in listing.items]


def test_pagination(listing):
    assert dataclasses.asdict(listing.pagination) == TRUTH["pagination"]
    assert listing.pagination.last_page == 5


def test_page_and_portal(listing):
    assert listing.page == TRUTH["page"] == 2
    assert listing.portal == TRUTH["portal"]


def test_image_from_data_src(listing):
    assert listing.items[0].image_url == "https://img.antaranews.com/cache/270x180/2026/02/21/556231.jpg"


@pytest.mark.parametrize(
    ("url", "page"),
    [
        ("https://babel.antaranews.com/terkini", 1),
        ("https://babel.antaranews.com/terkini/7", 7),
        ("https://babel.antaranews.com/terkini?page=4", 4),
        ("https://babel.antaranews.com/terkini/", 1),
    ],
)
def test_page_number(url, page):
    assert page_number(url) == page


def test_empty_and_garbage_pages():
    assert parse_listing(b"", "https://babel.antaranews.com/terkini").items == []
    assert (
        parse_listing(b"<html><body><p>nothing</p></body></html>", "https://babel.antaranews.com/terkini").items == []
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("site"), articles_per_portal=12)


def test_generated_regional_listing_keeps_only_berita(site):
    html = (site.root / "babel" / "terkini" / "1.html").read_bytes()
    listing = parse_listing(html, "https://babel.antaranews.com/terkini")
    expected = [a for a in site.articles.values() if a.portal == "babel" and a.listing_page == 1]
    assert [e.url for e in listing.items] == [a.url for a in expected]
    assert [e.published_at for e in listing.items] == [a.published_at for a in expected]
    assert listing.pagination.next == "https://babel.antaranews.com/terkini/2"


def test_generated_query_pagination_and_wita(site):
    html = (site.root / "makassar" / "terkini" / "2.html").read_bytes()
    listing = parse_listing(html, "https://makassar.antaranews.com/terkini?page=2")
    assert listing.page == 2
    assert listing.pagination.next == "https://makassar.antaranews.com/terkini?page=3"
    assert listing.pagination.prev == "https://makassar.antaranews.com/terkini?page=1"
    assert all(e.published_at.endswith("+08:00") for e in listing.items)


def test_generated_www_cards(site):
    html = (site.root / "www" / "terkini" / "1.html").read_bytes()
    listing = parse_listing(html, "https://www.antaranews.com/terkini")
    expected = [a for a in site.articles.values() if a.portal == "www" and a.listing_page == 1]
    assert [e.key for e in listing.items] == [a.key for a in expected]
    assert [e.published_at for e in listing.items] == [a.published_at for a in expected]
    assert all(e.category for e in listing.items)
    assert 5000001 not in [e.antara_id for e in listing.items]  # the sidebar card


def test_www_relative_dates_resolve_against_fetch_time():
    from datetime import UTC, datetime

    html = b"""<html><body><div class="col-md-8"><div class="card__post"><div class="card__post__title">
    <h2><a href="https://www.antaranews.com/berita/5561001/x">X</a></h2></div>
    <div class="card__post__author-info"><span class="text-secondary">2 jam lalu</span></div></div></div></body></html>"""
    listing = parse_listing(
        html, "https://www.antaranews.com/terkini", fetched_at=datetime(2026, 2, 21, 6, 0, tzinfo=UTC)
    )
    assert listing.items[0].published_at == "2026-02-21T11:00:00+07:00"
