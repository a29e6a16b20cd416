"""One test per markup variation of SITE.md, on the variation fixtures (``fixtures/pages``) and small pages.

Bylines (``Pewarta: X`` / ``Pewarta : X`` / empty editor), ``<p>`` and ``<br>`` bodies, bare ``<b>Baca juga:</b>``
lines, AMP, JSON-LD + OpenGraph only, ids longer than 6 digits, related links with ``utm_*`` and ``/amp/``, decoy
dates in menus, HTML entities, canonical URLs and ``fetched_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from antara_crawler.extract import amp_canonical, parse_article
from antara_crawler.items import Article
from tests.helpers import FIXTURES, SAMPLES, load_json

PAGES = FIXTURES / "pages"


def parse_fixture(path_stem) -> tuple[dict, Article]:
    truth = load_json(path_stem.with_suffix(".json"))
    html = path_stem.with_suffix(".html").read_bytes()
    return truth, parse_article(html, truth.get("_fetch_url", truth["url"]), fetched_at="2026-02-21T05:00:00Z")


@pytest.fixture(scope="module")
def pages() -> dict[str, Article]:
    stems = {
        "babel": SAMPLES / "regional_current_babel_article",
        "www": SAMPLES / "www_current_article",
        "p_body": PAGES / "classic_p_body_bare_baca_juga_empty_editor",
        "related": PAGES / "classic_related_utm_amp_decoy_dates",
        "amp": PAGES / "amp_babel_repeated_body",
        "metadata": PAGES / "metadata_only_jsonld_og",
        "entities": PAGES / "wrap_entities_translation",
    }
    return {name: parse_fixture(stem)[1] for name, stem in stems.items()}


# --- bylines ------------------------------------------------------------------------------------------------------


def test_byline_with_space_before_colon(pages) -> None:
    assert (pages["babel"].reporter, pages["babel"].editor) == ("Rendra Kusuma", "Sri Hartati Wulan")


def test_byline_without_space_before_colon(pages) -> None:
    assert pages["p_body"].reporter == "Fulan Hidayat"


def test_empty_editor_is_none_and_not_filled_by_another_layer(pages) -> None:
    assert pages["p_body"].editor is None
    assert pages["p_body"].field_sources["editor"] == "classic"


def test_translator_line_does_not_leak_into_names(pages) -> None:
    assert (pages["entities"].reporter, pages["entities"].editor) == ("Kuntum Khaira Riswan", "Anton Santoso")


# --- bodies -------------------------------------------------------------------------------------------------------


def test_br_body(pages) -> None:
    assert len(pages["babel"].body.split("\n\n")) == 7


def test_p_body_in_the_classic_template(pages) -> None:
    paragraphs = pages["p_body"].body.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("Surabaya (ANTARA) - Pemerintah Kota Surabaya")


def test_bare_baca_juga_lines_are_removed_and_harvested(pages) -> None:
    article = pages["p_body"]
    assert "Baca juga" not in article.body
    assert [(r.kind, r.title) for r in article.related] == [
        ("baca_juga", "Perpustakaan keliling Surabaya sambangi sekolah pinggiran"),
        ("baca_juga", "Gerakan literasi kampung diluncurkan di Surabaya"),
    ]


def test_dateline_inside_bold(pages) -> None:
    assert pages["p_body"].dateline == "Surabaya"
    assert pages["related"].dateline == "Banjarmasin"


def test_en_dash_dateline_from_an_entity(pages) -> None:
    assert pages["entities"].body.startswith("Washington (ANTARA) – Menteri")
    assert pages["entities"].dateline == "Washington"


# --- AMP ----------------------------------------------------------------------------------------------------------


def test_amp_template_and_canonical_url(pages) -> None:
    assert pages["amp"].template == "amp"
    assert (
        pages["amp"].url
        == "https://babel.antaranews.com/berita/370412/nelayan-belitung-timur-terima-bantuan-mesin-kapal"
    )


def test_amp_repeated_paragraphs_are_deduplicated(pages) -> None:
    paragraphs = pages["amp"].body.split("\n\n")
    assert len(paragraphs) == len(set(paragraphs)) == 4


def test_amp_first_paragraph_without_dateline(pages) -> None:
    assert pages["amp"].dateline is None
    assert pages["amp"].body.startswith("Pemerintah Kabupaten Belitung Timur")


def test_amp_decoy_today_line_is_not_the_date(pages) -> None:
    assert pages["amp"].published_at == "2023-09-12T14:30:00+07:00"


def test_amp_canonical_helper() -> None:
    html = (PAGES / "amp_babel_repeated_body.html").read_bytes()
    assert (
        amp_canonical(html)
        == "https://babel.antaranews.com/berita/370412/nelayan-belitung-timur-terima-bantuan-mesin-kapal"
    )
    assert amp_canonical("<html><head></head><body>no link</body></html>") is None
    assert amp_canonical(b"") is None


def test_amp_dateline_kept_when_a_repeat_has_it() -> None:
    html = (
        '<html amp><head><link rel="canonical" href="https://babel.antaranews.com/berita/1/x"></head><body><article>'
        "<h1>Judul</h1><time>Jumat, 1 September 2023 10:15 WIB</time><div class='amp-content'>"
        "<p>Isi pertama.</p><p>Isi kedua.</p><p>Pangkalpinang (ANTARA) - Isi pertama.</p><p>Isi kedua.</p>"
        "</div></article></body></html>"
    )
    article = parse_article(html, "https://babel.antaranews.com/amp/berita/1/x")
    assert article.body == "Pangkalpinang (ANTARA) - Isi pertama.\n\nIsi kedua."
    assert article.dateline == "Pangkalpinang"


# --- structured metadata only -------------------------------------------------------------------------------------


def test_metadata_only_page(pages) -> None:
    article = pages["metadata"]
    assert article.template == "metadata"
    assert article.title == "Festival Rendang digelar di Padang"
    assert article.published_at == "2025-06-03T08:45:00+07:00"
    assert article.field_sources["body"] == "generic"


def test_opengraph_only_page() -> None:
    html = (
        '<html><head><meta property="og:type" content="article">'
        '<meta property="og:title" content="Judul dari OG - ANTARA News Jambi">'
        '<meta property="article:published_time" content="2024-01-02T03:04:00+07:00">'
        '<meta property="og:image" content="https://img.antaranews.com/x.jpg"></head><body><div class="isi">'
        "<p>Jambi (ANTARA) - Paragraf pertama yang cukup panjang untuk menjadi isi berita utama halaman ini.</p>"
        "<p>Paragraf kedua yang juga cukup panjang untuk dihitung sebagai blok teks terbesar.</p></div></body></html>"
    )
    article = parse_article(html, "https://jambi.antaranews.com/berita/700001/judul")
    assert (article.title, article.template) == ("Judul dari OG", "metadata")
    assert article.field_sources["title"] == "opengraph"
    assert article.published_at == "2024-01-02T03:04:00+07:00"
    assert article.image_url == "https://img.antaranews.com/x.jpg"
    assert article.dateline == "Jambi"


def test_generic_page_with_h1_and_printed_date() -> None:
    html = (
        "<html><body><div class='menu'><span>Senin, 18 Maret 2024 11:00 WIB</span></div><main><h1>Judul generik</h1>"
        "<div class='meta'>Kamis, 14 Maret 2024 9:26 WIB</div><section><p>Ambon (ANTARA) - Paragraf pertama yang "
        "cukup panjang untuk menjadi isi berita ini.</p><p>Paragraf kedua yang juga cukup panjang.</p>"
        "<p>Pewarta: Penulis Satu<br>Editor: Penyunting Dua</p></section></main></body></html>"
    )
    article = parse_article(html, "https://ambon.antaranews.com/berita/123/judul-generik")
    assert article.template == "generic"
    assert article.published_raw == "Kamis, 14 Maret 2024 9:26 WIB"
    assert article.published_at == "2024-03-14T09:26:00+07:00"
    assert (article.reporter, article.editor) == ("Penulis Satu", "Penyunting Dua")
    assert article.body.count("\n\n") == 1


# --- ids, related links, canonical URLs -----------------------------------------------------------------------------


def test_ids_longer_than_six_digits(pages) -> None:
    assert pages["p_body"].antara_id == 1234567
    assert pages["www"].antara_id == 5561234
    assert any(r.url.endswith("/berita/1399001/jalan-ahmad-yani-diperlebar") for r in pages["related"].related)


def test_related_urls_are_canonical(pages) -> None:
    for name in ("www", "related", "amp", "entities"):
        for link in pages[name].related:
            assert "?" not in link.url and "/amp/" not in link.url and "#" not in link.url
            assert link.url.startswith("https://") and not link.url.endswith("/")


def test_related_skips_duplicates_within_a_kind_self_and_non_articles(pages) -> None:
    related = pages["related"].related
    urls = [link.url for link in related]
    pairs = [(link.kind, link.url) for link in related]
    assert len(pairs) == len(set(pairs))
    assert pages["related"].url not in urls
    assert not any("/foto/" in u for u in urls)
    assert [link.kind for link in related] == ["baca_juga"] + ["berita_terkait"] * 4


def test_related_dates_use_the_portal_zone(pages) -> None:
    assert [r.published_at for r in pages["related"].related[1:4]] == [
        "2024-03-08T16:45:00+08:00",
        "2024-03-01T09:05:00+08:00",
        "2024-02-20T11:30:00+08:00",
    ]


def test_m_amp_related_link_maps_to_www(pages) -> None:
    assert "https://www.antaranews.com/berita/5569876/harga-minyak-dunia-turun" in [
        r.url for r in pages["entities"].related
    ]


def test_url_without_slug_takes_the_slug_from_the_canonical_link() -> None:
    html = (SAMPLES / "regional_current_babel_article.html").read_bytes()
    article = parse_article(html, "https://babel.antaranews.com/berita/366104?utm_source=x")
    assert article.url == load_json(SAMPLES / "regional_current_babel_article.json")["url"]


def test_canonical_link_of_another_article_is_ignored() -> None:
    html = (SAMPLES / "regional_current_babel_article.html").read_bytes()
    article = parse_article(html, "https://babel.antaranews.com/amp/berita/999/lain")
    assert (article.url, article.antara_id) == ("https://babel.antaranews.com/berita/999/lain", 999)


# --- dates --------------------------------------------------------------------------------------------------------


def test_decoy_dates_in_menus_header_and_sidebar(pages) -> None:
    assert pages["related"].published_raw == "Kamis, 14 Maret 2024 9:26 WITA"
    assert pages["related"].published_at == "2024-03-14T09:26:00+08:00"
    assert pages["babel"].published_raw == "Jumat, 1 September 2023 10:15 WIB"


def test_reading_time_is_not_a_date(pages) -> None:
    assert pages["entities"].published_raw == "Sabtu, 2 Mei 2026 6:40 WIB"


# --- entities -----------------------------------------------------------------------------------------------------


def test_entities_in_title_caption_tags_and_related(pages) -> None:
    article = pages["entities"]
    assert article.title == "Menlu RI & AS bahas kerja sama “energi bersih”"
    assert article.image_caption.endswith("ANTARA/HO-Kemlu RI")
    assert article.tags == ["RI & AS", "energi bersih"]
    assert article.related[1].title == 'RI & AS teken MoU "pendidikan"'  # double-escaped in the page
    assert "&" + "quot;" not in article.body and "&amp;" not in article.body


# --- fetched_at ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 2, 21, 12, 0, tzinfo=timezone(timedelta(hours=7))), "2026-02-21T05:00:00+00:00"),
        (datetime(2026, 2, 21, 5, 0), "2026-02-21T05:00:00+00:00"),
        ("2026-02-21T05:00:00Z", "2026-02-21T05:00:00+00:00"),
        ("2026-02-21T12:00:00+07:00", "2026-02-21T05:00:00+00:00"),
    ],
)
def test_fetched_at_forms(value, expected: str) -> None:
    html = (SAMPLES / "www_current_article.html").read_bytes()
    article = parse_article(html, "https://www.antaranews.com/berita/5561234", fetched_at=value)
    assert article.fetched_at == expected


@freeze_time("2026-02-21 05:00:00")
def test_fetched_at_defaults_to_now() -> None:
    html = (SAMPLES / "www_current_article.html").read_bytes()
    article = parse_article(html, "https://www.antaranews.com/berita/5561234")
    assert article.fetched_at == datetime(2026, 2, 21, 5, 0, tzinfo=UTC).isoformat()


def test_amp_url_serving_the_full_page_uses_the_full_template() -> None:
    html = (SAMPLES / "regional_current_babel_article.html").read_bytes()
    article = parse_article(html, "https://babel.antaranews.com/amp/berita/366104/x")
    assert article.template == "classic"
    assert article.url == load_json(SAMPLES / "regional_current_babel_article.json")["url"]


def test_amp_detected_by_the_html_attribute_alone() -> None:
    html = (PAGES / "amp_babel_repeated_body.html").read_bytes()
    article = parse_article(html, "https://babel.antaranews.com/berita/370412/nelayan")
    assert article.template == "amp"


def test_wrap_byline_in_a_plain_paragraph() -> None:
    html = (SAMPLES / "www_current_article.html").read_text(encoding="utf-8")
    html = html.replace('<p class="text-muted mt-2 small">Pewarta:', "<p>Pewarta :")
    article = parse_article(html, "https://www.antaranews.com/berita/5561234")
    assert (article.reporter, article.editor) == ("Nadia Putri Lestari", "Bambang Sutrisno")
    assert "Pewarta" not in article.body and article.field_sources["reporter"] == "wrap"


def test_amp_body_from_a_bare_article_element_skips_title_and_date() -> None:
    html = (
        '<html amp><head><link rel="canonical" href="https://babel.antaranews.com/berita/5/x"></head><body>'
        '<div class="amp-content-wrapper"><article><h1>Judul AMP</h1><time datetime="2023-09-12T14:30:00+07:00">'
        "Selasa, 12 September 2023 14:30 WIB</time><p>Pangkalpinang (ANTARA) - Isi satu.</p><p>Isi dua.</p>"
        "<div>Pewarta: Apriyanto<br>Editor: Dewi</div></article></div></body></html>"
    )
    article = parse_article(html, "https://babel.antaranews.com/amp/berita/5/x")
    assert article.body == "Pangkalpinang (ANTARA) - Isi satu.\n\nIsi dua."
    assert (article.title, article.reporter, article.editor) == ("Judul AMP", "Apriyanto", "Dewi")
    assert article.published_at == "2023-09-12T14:30:00+07:00"


def test_jsonld_with_raw_newlines_in_strings() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": "Judul\nbaris",'
        ' "datePublished": "2024-01-02T03:04:00+07:00", "author": [{"@type": "Person", "name": "A"},'
        ' {"@type": "Person", "name": "B"}]}</script></head><body><div><p>Palu (ANTARA) - Paragraf pertama yang'
        " cukup panjang untuk menjadi isi berita utama halaman ini.</p><p>Paragraf kedua.</p></div></body></html>"
    )
    article = parse_article(html, "https://sulteng.antaranews.com/berita/42/judul")
    assert (article.title, article.reporter, article.template) == ("Judul baris", "A, B", "metadata")
