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


def test_pages_of_one_article_are_distinct_requests():
    page1 = _fp("https://kalsel.antaranews.com/berita/405270/x")
    page2 = _fp("https://kalsel.antaranews.com/berita/405270/x?page=2")
    every = _fp("https://kalsel.antaranews.com/berita/405270/x?page=all")
    assert len({page1, page2, every, _fp("https://kalsel.antaranews.com/berita/405270/x?page=3")}) == 4
    assert _fp("https://kalsel.antaranews.com/berita/405270/x?page=1") == page1


def test_variants_of_one_page_still_collapse():
    page2 = _fp("https://kalsel.antaranews.com/berita/405270/x?page=2")
    assert _fp("https://kalsel.antaranews.com/amp/berita/405270/other-slug?utm_source=a&page=2") == page2
    assert _fp("https://kalsel.antaranews.com/berita/405270/x/?page=2&fullsite=false") == page2
    page1 = _fp("https://kalsel.antaranews.com/berita/405270/x")
    assert _fp("https://kalsel.antaranews.com/berita/405270/x/?fullsite=false") == page1
    assert _fp("https://kalsel.antaranews.com/amp/berita/405270/x?utm_medium=y") == page1


def test_nasional_path_shares_the_www_articles_fingerprint():
    assert _fp("https://kepri.antaranews.com/nasional/berita/777626/x") == _fp(
        "https://www.antaranews.com/berita/777626/x"
    )
