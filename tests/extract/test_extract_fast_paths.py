"""The fast paths of the extraction layers give what the plain expressions they replace give, on every fixture page.

Each fast path (a literal-position XPath, a field skipped because no later layer could take it...) is checked
against the slower, obvious form on all the HTML fixtures, so a page shape the fixtures hold cannot diverge.
"""

from __future__ import annotations

import pytest
from lxml import etree

from antara_crawler.extract.generic import _NOT_BODY as NOT_BODY
from antara_crawler.extract.generic import body_block, nth_following_text
from antara_crawler.extract.metadata import ITEMPROP_FIELDS, itemprop
from antara_crawler.extract.page import CLASS_TOKENS, Page
from antara_crawler.extract.text import raw_text
from antara_crawler.extract.tree import NotArticle, decode, parse_tree
from antara_crawler.urls import parse_article_url
from tests.helpers import FIXTURES

PAGES = sorted(p for p in FIXTURES.rglob("*.html") if p.stat().st_size < 400_000)
_NTH = etree.XPath("(following::text())[$i]")
_FOLLOWING = etree.XPath("following::text()")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_nth_following_text_is_the_nth_node_of_the_following_axis(path):
    root = parse_tree(path.read_bytes())
    for h1 in list(root.iter("h1"))[:2]:
        count = len(_FOLLOWING(h1))
        for i in [*range(1, min(count, 40) + 1), count, count + 1]:
            want = _NTH(h1, i=i)
            got = nth_following_text(h1, i)
            if not want:
                assert got is None
                continue
            assert got == want[0]
            assert got.getparent() is want[0].getparent()
            assert got.is_tail == want[0].is_tail


_MICRODATA = b"""<html><head><title>t</title></head><body><div itemscope>
<h1 itemprop="headline">Judul berita</h1><span itemprop="datePublished" content="2024-01-02T10:00:00+07:00"></span>
<span itemprop="author">Ani Savitri</span><span itemprop="editor">Budi Santoso</span>
<img itemprop="image" src="https://img.antaranews.com/cache/foto.jpg">
<div itemprop="articleBody"><p>Jakarta (ANTARA) - Isi berita yang cukup panjang untuk sebuah paragraf.</p></div>
</div></body></html>"""


def _page(data: bytes) -> Page:
    url = "https://www.antaranews.com/berita/123456/judul-berita"
    return Page(root=parse_tree(data), url=url, ref=parse_article_url(url), data=data)


def _microdata_page() -> Page:
    return _page(_MICRODATA)


def test_itemprop_reads_only_the_wanted_fields():
    assert set(itemprop(_microdata_page(), ITEMPROP_FIELDS).values) == {
        "title",
        "published_raw",
        "reporter",
        "editor",
        "image_url",
        "body",
        "dateline",
    }
    assert set(itemprop(_microdata_page(), frozenset({"body"})).values) == {"body", "dateline"}
    assert set(itemprop(_microdata_page(), frozenset({"title", "image_url"})).values) == {"title", "image_url"}


def test_itemprop_reads_the_editor_only_with_the_reporter():
    assert itemprop(_microdata_page(), frozenset({"reporter"})).values == {
        "reporter": "Ani Savitri",
        "editor": "Budi Santoso",
    }
    assert "editor" not in itemprop(_microdata_page(), frozenset({"published_raw"})).values


def test_page_holds_a_proxy_for_every_element_so_walks_reuse_them():
    page = _microdata_page()
    held = {id(el) for el in page._held}
    assert len(page._held) == sum(1 for _ in page.root.iter())
    assert all(id(el) in held for el in page.root.iter())  # the same proxies, not new ones


def _body_block_by_sorting(page):
    """The body rule as first written: every paragraph parent, best score first (ties in page order)."""
    scores = {}
    for el in page.root.iter("p", "br"):
        parent = el.getparent()
        if parent is None:
            continue
        if el.tag == "p":
            size = len(raw_text(el))
        else:
            size = len(el.tail or "") + (len(parent.text or "") if parent not in scores else 0)
        scores[parent] = scores.get(parent, 0) + size
    for parent in sorted(scores, key=scores.__getitem__, reverse=True):
        if scores[parent] < 80:
            return None
        if not any(a.tag in NOT_BODY for a in parent.iterancestors()) and parent.tag not in NOT_BODY:
            return parent
    return None


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_body_block_is_the_best_scored_block_outside_the_chrome(path):
    page = _page(path.read_bytes())
    assert body_block(page) is _body_block_by_sorting(page)


_TIED = b"""<html><body><nav><p>%s</p></nav><div id="a"><p>%s</p></div><div id="b"><p>%s</p></div></body></html>""" % (
    (b"x" * 120,) * 3
)


def test_body_block_takes_the_first_of_equal_blocks_and_skips_navigation():
    page = _page(_TIED)
    assert body_block(page).get("id") == "a"


def test_h1_text_is_the_normalised_headline_or_empty():
    assert _page(b"<html><body><h1> Judul \n <b>besar</b></h1></body></html>").h1_text == "Judul besar"
    assert _page(b"<html><body><p>tanpa judul</p></body></html>").h1_text == ""


def test_decode_reads_ascii_and_valid_utf8_pages_as_they_stand():
    assert decode(b"<html><body>plain ascii</body></html>") is None
    assert decode("<html><body>© ANTARA</body></html>".encode()) is None
    assert decode(b'<meta charset="windows-1252"><p>ascii</p>') == '<meta charset="windows-1252"><p>ascii</p>'
    assert decode(b"<p>caf\xe9 latin-1</p>") == "<p>café latin-1</p>"


@pytest.mark.parametrize("blank", [b" \t\r\n\x0c ", b"\n" * 5000])
def test_a_page_of_ascii_whitespace_is_empty(blank):
    with pytest.raises(NotArticle) as caught:
        parse_tree(blank)
    assert caught.value.reason == "empty"


def test_an_xml_declaration_after_whitespace_is_dropped_before_the_parse():
    root = parse_tree(b' \r\n\t<?xml version="1.0" encoding="utf-8"?><html><body><p>isi</p></body></html>')
    assert root.tag == "html" and root.findtext(".//p") == "isi"


_INDEX_ORACLES = {
    "h1": etree.XPath("(descendant-or-self::h1)[1]"),
    "title_el": etree.XPath("(descendant-or-self::title)[1]"),
    "scripts_jsonld": etree.XPath("descendant-or-self::script[@type='application/ld+json']"),
    "times": etree.XPath("descendant-or-self::time[@datetime]"),
    "active_items": etree.XPath(
        "descendant-or-self::li[contains(@class, 'active') or contains(@class, 'current')"
        " or contains(@class, 'selected')]"
    ),
}
_CONTAINERS = etree.XPath(
    "descendant-or-self::*[self::div or self::header or self::footer or self::article or self::ul or self::ol]"
    "[contains(concat(' ', normalize-space(@class), ' '), concat(' ', $token, ' '))]"
)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_page_index_holds_what_its_plain_xpath_definitions_select(path):
    page = _page(path.read_bytes())
    for name, oracle in _INDEX_ORACLES.items():
        want = oracle(page.root)
        got = getattr(page, name)
        if name in ("h1", "title_el"):
            assert got is (want[0] if want else None), name
        else:
            assert len(got) == len(want) and all(g is w for g, w in zip(got, want, strict=True)), name
    for token in sorted(CLASS_TOKENS):
        want = _CONTAINERS(page.root, token=token)
        got = page.by_class(token)
        assert len(got) == len(want) and all(g is w for g, w in zip(got, want, strict=True)), token
