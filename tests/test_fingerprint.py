from scrapy import Request
from scrapy.utils.test import get_crawler

from antara_crawler.fingerprint import AntaraRequestFingerprinter


def _fp(url: str) -> bytes:
    crawler = get_crawler(settings_dict={"REQUEST_FINGERPRINTER_CLASS": AntaraRequestFingerprinter})
    return crawler.request_fingerprinter.fingerprint(Request(url))


def test_urls_of_one_article_share_a_fingerprint():
    base = _fp("https://babel.antaranews.com/berita/366104/slug")
    assert _fp("https://babel.antaranews.com/berita/366104/other-slug") == base
    assert _fp("https://babel.antaranews.com/amp/berita/366104/slug?utm_source=x") == base
    assert _fp("https://babel.antaranews.com/berita/366104") == base


def test_different_articles_or_portals_differ():
    assert _fp("https://babel.antaranews.com/berita/366104/x") != _fp("https://babel.antaranews.com/berita/366105/x")
    assert _fp("https://babel.antaranews.com/berita/366104/x") != _fp("https://sumbar.antaranews.com/berita/366104/x")


def test_other_pages_keep_their_query():
    assert _fp("https://babel.antaranews.com/terkini?page=2") != _fp("https://babel.antaranews.com/terkini?page=3")
