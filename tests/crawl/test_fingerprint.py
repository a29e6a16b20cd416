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


def test_an_article_gets_scrapys_fingerprint_of_its_canonical_url():
    """The article fingerprint is computed without building a request; it is Scrapy's own for the canonical URL
    (so JOBDIR queues and HTTP caches written before keep matching)."""
    from scrapy.utils.request import fingerprint

    crawler = get_crawler(settings_dict={"REQUEST_FINGERPRINTER_CLASS": AntaraRequestFingerprinter})
    ours = crawler.request_fingerprinter.fingerprint
    cases = [
        ("https://babel.antaranews.com/amp/berita/366104/slug?utm_source=x", {}, b"", "/berita/366104"),
        ("https://kalsel.antaranews.com/berita/405270/x/?page=2&fullsite=false", {}, b"", "/berita/405270?page=2"),
        ("https://kalsel.antaranews.com/berita/405270/x?page=all", {}, b"", "/berita/405270?page=all"),
        ("https://babel.antaranews.com/berita/7/x", {"verbatim_url": True}, b"", "/berita/7"),
        ("https://babel.antaranews.com/berita/7/x", {}, b"q=1", "/berita/7"),
    ]
    for url, meta, body, canonical in cases:
        request = Request(url, meta=meta, body=body)
        host = url.split("/")[2]
        expected = fingerprint(Request(f"https://{host}{canonical}", meta=meta, body=body))
        assert ours(request) == expected, url
        assert ours(request) == expected  # asked again: the same (cached per request)


def test_other_requests_keep_scrapys_default_fingerprint():
    from scrapy.utils.request import fingerprint

    crawler = get_crawler(settings_dict={"REQUEST_FINGERPRINTER_CLASS": AntaraRequestFingerprinter})
    for request in (
        Request("https://babel.antaranews.com/terkini?page=2"),
        Request("https://babel.antaranews.com/rss/terkini.xml"),
        Request("https://babel.antaranews.com/berita/366104/x", method="POST", body=b"a=1"),
    ):
        assert crawler.request_fingerprinter.fingerprint(request) == fingerprint(request), request


def test_the_article_key_url_is_already_canonical():
    from w3lib.url import canonicalize_url

    from antara_crawler.fingerprint import article_url_key

    for portal, antara_id, page in (("babel", 366104, None), ("kalsel", 405270, 2), ("www", 7, "all"), ("x-y1", 1, 12)):
        url = article_url_key(portal, antara_id, page)
        assert canonicalize_url(url) == url
