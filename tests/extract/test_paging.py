"""``extract/paging.py``: pager links, continuation pages, the ``?page=all`` check and the stitching, on pages built
from real page texts (tests/fixtures/multipage, REAL-VARIATION.md §a)."""

from __future__ import annotations

import pytest

from antara_crawler.extract import NotArticle, parse_article
from antara_crawler.extract.paging import (
    MAX_PAGES,
    PagePart,
    Paging,
    accepts_all,
    build_article,
    find_paging,
    join_pages,
    parse_page,
)
from tests.helpers import FIXTURES

HERE = FIXTURES / "multipage"
KALSEL = "https://kalsel.antaranews.com/berita/405270/rayakan-hpn-antara-gelar-pameran-foto-pers-demokrasi-pembangunan"
JABAR_ALL = "https://jabar.antaranews.com/berita/342173/presiden-joko-widodo-ucapkan-selamat-hut-ke-84-lkbn-antara"
JABAR_P3 = (
    "https://jabar.antaranews.com/berita/522093/"
    "spektrum-menelusuri-sejarah-jurnalistik-indonesia-di-antara-heritage-center?page=3"
)


def _read(name: str) -> bytes:
    return (HERE / name).read_bytes()


def _real_lines(name: str) -> list[str]:
    return [ln.strip() for ln in (HERE / name).read_text(encoding="utf-8").splitlines()[1:] if ln.strip()]


# --- find_paging -------------------------------------------------------------------------------------------------


def test_pager_links_are_found_whatever_their_text():
    assert find_paging(_read("kalsel-405270-page1.html"), KALSEL) == Paging(numbers=(2,), has_all=False)
    assert find_paging(_read("jabar-342173-page1.html"), JABAR_ALL) == Paging(numbers=(2,), has_all=True)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ('href="?page=3"', Paging((3,), False)),  # relative query
        ("href='/berita/405270/other-slug?page=2&amp;utm_source=x'", Paging((2,), False)),  # other slug, entity
        ('href="https://kalsel.antaranews.com/amp/berita/405270/x?page=all"', Paging((), True)),
        ('href="https://kalsel.antaranews.com/berita/405271/x?page=2"', Paging()),  # another article
        ('href="https://babel.antaranews.com/berita/405270/x?page=2"', Paging()),  # another portal
        ('href="https://kalsel.antaranews.com/terkini?page=2"', Paging()),  # a listing
        ('href="?page=1"', Paging()),  # page 1 is the article itself
    ],
)
def test_pager_link_shapes(href, expected):
    assert find_paging(f"<html><body><a {href}>x</a></body></html>", KALSEL) == expected


def test_a_pager_past_the_limit_is_too_long():
    assert find_paging(f'<a href="?page={MAX_PAGES + 1}">x</a>', KALSEL).too_long
    assert not find_paging(f'<a href="?page={MAX_PAGES}">x</a>', KALSEL).too_long


def test_a_page_without_pager_is_single():
    assert not find_paging(b"<html><body><p>x</p></body></html>", KALSEL).is_multipage


# --- continuation pages --------------------------------------------------------------------------------------------


def test_page_two_opens_mid_story_with_its_baca_juga_links():
    part = parse_page(_read("kalsel-405270-page2.html"), KALSEL + "?page=2")
    real = [ln for ln in _real_lines("kalsel-405270-page2.txt") if not ln.startswith("Baca juga")]
    assert part.paragraphs == real
    assert part.paragraphs[0].startswith("“Momen Pemilu")
    assert [title for _, title, _ in part.baca_juga] == [
        "ANTARA dukung kemajuan pelayanan Kemenkumham Kalsel lewat publikasi",
        "Direktur Keuangan ANTARA raih gelar doktor di IPB University",
    ]
    assert all(href.startswith("https://kalsel.antaranews.com/berita/") for href, _, _ in part.baca_juga)


def test_a_page_without_body_is_refused():
    with pytest.raises(NotArticle):
        parse_page(b"<html><body></body></html>", KALSEL + "?page=2")


# --- stitching -----------------------------------------------------------------------------------------------------


def test_pages_are_stitched_in_order_with_every_pages_baca_juga():
    pages = [(KALSEL, _read("kalsel-405270-page1.html")), (KALSEL + "?page=2", _read("kalsel-405270-page2.html"))]
    article = build_article(pages)
    first = parse_article(pages[0][1], KALSEL)
    part = parse_page(pages[1][1], pages[1][0])
    assert article.body.split("\n\n") == first.body.split("\n\n") + part.paragraphs
    assert article.title == first.title and article.published_raw == first.published_raw
    assert article.dateline == "Jakarta"
    assert [r.title for r in article.related if r.kind == "baca_juga"] == [t for _, t, _ in part.baca_juga]


def test_last_page_byline_is_the_reporter_and_its_date_fills_a_missing_date():
    page1 = (
        b'<html><body><article class="post-wrapper"><header class="post-header"><h1>Spektrum - Menelusuri sejarah '
        b"jurnalistik Indonesia di ANTARA Heritage Center</h1></header>"
        b'<div class="post-content">Bandung (ANTARA) - Kompleks ANTARA Heritage Center dibuka untuk umum.<br><br>'
        b"Pengunjung datang sejak pagi.</div></article></body></html>"
    )
    url = JABAR_P3.split("?")[0]
    article = build_article([(url, page1), (JABAR_P3, _read("jabar-522093-page3.html"))])
    assert article.reporter == "Farhan Arda Nugraha"
    assert article.published_raw == "Minggu, 16 Juni 2024 18:00 WIB"
    assert article.published_at == "2024-06-16T18:00:00+07:00"
    body = article.body.split("\n\n")
    assert body[-1].startswith("Di museum ini terpajang potret empat pendiri ANTARA")
    assert not any(p.startswith("Oleh ") or p.startswith("Spektrum - ") for p in body)


def test_page_all_is_accepted_when_it_starts_with_the_lead_and_is_longer():
    first = parse_article(_read("jabar-342173-page1.html"), JABAR_ALL)
    whole = parse_page(_read("jabar-342173-all.html"), JABAR_ALL + "?page=all")
    assert accepts_all(first.body, whole)
    article = build_article(
        [(JABAR_ALL, _read("jabar-342173-page1.html")), (whole.url, _read("jabar-342173-all.html"))]
    )
    real = [ln for ln in _real_lines("jabar-342173.txt") if not ln.startswith("Baca juga")]
    assert article.body.split("\n\n") == real
    assert len([r for r in article.related if r.kind == "baca_juga"]) == 3


def test_page_all_is_rejected_when_it_is_page_one_again_or_another_story():
    first = parse_article(_read("jabar-342173-page1.html"), JABAR_ALL)
    same = PagePart(url=JABAR_ALL + "?page=all", paragraphs=first.body.split("\n\n"))
    other = PagePart(url=JABAR_ALL + "?page=all", paragraphs=["Lain cerita.", "x" * 5000])
    assert not accepts_all(first.body, same)
    assert not accepts_all(first.body, other)
    with pytest.raises(NotArticle) as exc:
        build_article(
            [(JABAR_ALL, _read("jabar-342173-page1.html")), (JABAR_ALL + "?page=all", _read("jabar-342173-page1.html"))]
        )
    assert exc.value.reason == "page_all_rejected"


def test_numbered_pages_give_the_same_body_as_the_all_view():
    pages = [(JABAR_ALL, _read("jabar-342173-page1.html")), (JABAR_ALL + "?page=2", _read("jabar-342173-page2.html"))]
    via_all = [(JABAR_ALL, _read("jabar-342173-page1.html")), (JABAR_ALL + "?page=all", _read("jabar-342173-all.html"))]
    assert build_article(pages).body == build_article(via_all).body


def test_repeats_at_the_join_are_removed():
    assert join_pages(["a", "b", "c"], ["b", "c", "d"]) == ["a", "b", "c", "d"]
    assert join_pages(["a", "b"], ["c"]) == ["a", "b", "c"]
    assert join_pages(["Jakarta (ANTARA) - a", "b"], ["b", "e"]) == ["Jakarta (ANTARA) - a", "b", "e"]
    assert join_pages([], ["a"]) == ["a"]
    assert join_pages(["a", "b"], ["a", "c"]) == ["a", "b", "a", "c"]  # only repeats at the join


def test_a_continuation_page_without_body_makes_the_article_incomplete():
    with pytest.raises(NotArticle) as exc:
        build_article(
            [(KALSEL, _read("kalsel-405270-page1.html")), (KALSEL + "?page=2", b"<html><body></body></html>")]
        )
    assert exc.value.reason == "incomplete_pages"


def test_one_page_is_parse_article():
    html = _read("kalsel-405270-page1.html")
    assert build_article([(KALSEL, html)], fetched_at="2024-02-09T12:00:00+00:00") == parse_article(
        html, KALSEL, fetched_at="2024-02-09T12:00:00+00:00"
    )


def test_baca_juga_and_berita_terkait_of_one_story_stay_in_both_kinds():
    story = "https://kalsel.antaranews.com/berita/399870/angkutan-umum"
    page1 = (
        '<html><body><article class="post-wrapper"><header class="post-header"><h1>Judul</h1></header>'
        '<div class="post-content">Banjarmasin (ANTARA) - Satu.<br><br>'
        f'<span class="baca-juga">Baca juga: <a href="{story}">Angkutan umum</a></span><br><br>Dua.</div>'
        f'<a href="{KALSEL}?page=2">2</a></article><div class="related-posts"><article><h3><a href="{story}">'
        "Angkutan umum</a></h3></article></div></body></html>"
    )
    page2 = (
        '<html><body><div class="post-content">Tiga.<br><br>'
        f'<span class="baca-juga">Baca juga: <a href="{story}?utm_source=x">Angkutan umum</a></span><br><br>'
        f'<span class="baca-juga">Baca juga: <a href="{KALSEL}">Judul</a></span><br><br>Empat.</div></body></html>'
    )
    article = build_article([(KALSEL, page1), (KALSEL + "?page=2", page2)])
    assert [(r.kind, r.url) for r in article.related] == [("baca_juga", story), ("berita_terkait", story)]
    assert article.body.split("\n\n") == ["Banjarmasin (ANTARA) - Satu.", "Dua.", "Tiga.", "Empat."]


def test_a_numbered_page_that_is_page_one_again_makes_the_article_incomplete():
    html = _read("kalsel-405270-page1.html")
    with pytest.raises(NotArticle) as exc:
        build_article([(KALSEL, html), (KALSEL + "?page=2", html)])
    assert exc.value.reason == "incomplete_pages"


def test_a_link_to_the_article_itself_under_another_url_is_left_out():
    """kalteng-amp-672606's last Baca juga names the article itself; the href may point at another portal's copy."""
    page = (
        '<html><body><article class="post-wrapper"><header class="post-header"><h1>Moeldoko harapkan ANTARA terus '
        'kawal Indonesia jadi negara maju</h1></header><div class="post-content">Jakarta (ANTARA) - Satu.<br><br>'
        '<span class="baca-juga">Baca juga: <a href="https://www.antaranews.com/berita/3869000/moeldoko">Moeldoko '
        "harapkan ANTARA terus kawal Indonesia jadi negara maju</a></span><br><br>"
        '<span class="baca-juga">Baca juga: <a href="https://www.antaranews.com/berita/3869001/pratikno">Pratikno '
        "harapkan ANTARA mampu jadi kantor berita rujukan dunia</a></span><br><br>Dua.</div></article></body></html>"
    )
    url = "https://kalteng.antaranews.com/berita/672606/moeldoko-harapkan-antara"
    assert [r.url for r in build_article([(url, page)]).related] == [
        "https://www.antaranews.com/berita/3869001/pratikno"
    ]
