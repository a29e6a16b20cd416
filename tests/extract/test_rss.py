"""extract/rss.py against the sample ground truth and the generated mirror's feeds."""

from __future__ import annotations

import pytest

from antara_crawler.extract.rss import article_entries, parse_rss
from tests.helpers import SAMPLES, ground_truth, load_json
from tests.site.build import build_site

SAMPLE = SAMPLES / "regional_rss_terkini.xml"
TRUTH = ground_truth(load_json(SAMPLES / "regional_rss_terkini.json"))
ITEM_FIELDS = ("url", "portal", "antara_id", "title", "published_at", "image_url", "is_article")


@pytest.fixture(scope="module")
def entries():
    return parse_rss(SAMPLE.read_bytes(), TRUTH["feed_url"])


def test_items_match_ground_truth(entries):
    assert [{k: getattr(e, k) for k in ITEM_FIELDS} for e in entries] == TRUTH["items"]


def test_article_urls(entries):
    assert [e.url for e in article_entries(entries)] == TRUTH["article_urls"]


def test_foto_item_is_not_an_article(entries):
    foto = [e for e in entries if "/foto/" in e.url]
    assert len(foto) == 1 and not foto[0].is_article and foto[0].key is None


def test_entities_unescaped():
    xml = b"""<?xml version="1.0"?><rss version="2.0"><channel><item>
    <title>UMKM tembus pasar &quot;Malaysia&quot; &amp;amp; Brunei</title>
    <link>https://babel.antaranews.com/berita/556187/umkm?utm_source=rss</link>
    <pubDate>Fri, 20 Feb 2026 21:47:00 +0700</pubDate></item></channel></rss>"""
    (entry,) = parse_rss(xml, "https://babel.antaranews.com/rss/terkini.xml")
    assert entry.title == 'UMKM tembus pasar "Malaysia" & Brunei'
    assert entry.url == "https://babel.antaranews.com/berita/556187/umkm"
    assert entry.published_at == "2026-02-20T21:47:00+07:00"


def test_guid_when_link_missing():
    xml = b"""<rss><channel><item><title>T</title>
    <guid isPermaLink="false">https://papua.antaranews.com/berita/771000/t</guid></item></channel></rss>"""
    (entry,) = parse_rss(xml, "https://papua.antaranews.com/rss/terkini.xml")
    assert entry.key == ("papua", 771000) and entry.published_at is None


@pytest.mark.parametrize("body", [b"", b"not xml at all", b"<html><body>404</body></html>"])
def test_not_a_feed(body):
    assert parse_rss(body, "https://babel.antaranews.com/rss/terkini.xml") == []


def test_generated_feed_offsets(tmp_path):
    site = build_site(tmp_path, articles_per_portal=10)
    for portal, offset in (("babel", "+07:00"), ("makassar", "+08:00"), ("papua", "+09:00")):
        entries = parse_rss(
            (tmp_path / portal / "rss" / "terkini.xml").read_bytes(), f"https://{portal}.antaranews.com/rss/terkini.xml"
        )
        articles = article_entries(entries)
        assert len(articles) == 8 and len(entries) == 9
        assert all(e.published_at.endswith(offset) for e in entries)
        assert all(e.published_at == site.articles[e.key].published_at for e in articles)
