"""Body and byline cleaning (``extract/text.py``) on plain text and on the real artefacts.

* the real Lampung article text (``fixtures/real/lampung-480057_text-copy.json``): body + byline from plain text;
* the real Banten fragment (``fixtures/real/banten-..._fragment.html``): real classic markup with a ``<br><br>``
  body, a pull quote, ``&nbsp;`` and an empty editor, tested on the element functions and as a whole page.
"""

from __future__ import annotations

import pytest
from lxml import etree

from antara_crawler.extract import extract_body_text, parse_article, parse_byline
from antara_crawler.extract.text import element_blocks, is_dropped_line, parse_translator, split_dateline
from tests.helpers import REAL, load_json

LAMPUNG = REAL / "lampung-480057_text-copy.json"
BANTEN = REAL / "banten-2022-10-21_dlh-serang-penyegelan_fragment.html"
BANTEN_QUOTE = "Dari hasil investigasi telah disepakati bahwa lokasi kegiatan tidak layak untuk beroperasi"


# --- byline ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Pewarta: Rendra Kusuma\nEditor: Sri Hartati", ("Rendra Kusuma", "Sri Hartati"), id="no-space"),
        pytest.param("Pewarta : Rendra Kusuma\nEditor : Sri Hartati", ("Rendra Kusuma", "Sri Hartati"), id="space"),
        pytest.param("Pewarta: Lukman Hakim\nEditor :\xa0\nCOPYRIGHT © ANTARA 2023", ("Lukman Hakim", None), id="nbsp"),
        pytest.param(
            "Pewarta: Lukman Hakim\nEditor :&nbsp;\nCOPYRIGHT © ANTARA 2023", ("Lukman Hakim", None), id="ent"
        ),
        pytest.param("Pewarta: Lukman Hakim\nEditor :\n\nCOPYRIGHT", ("Lukman Hakim", None), id="empty-then-blank"),
        pytest.param("Pewarta: Ani SavitriEditor: Budi Santoso", ("Ani Savitri", "Budi Santoso"), id="glued"),
        pytest.param("Pewarta: Ani SavitriEditor: BudiCOPYRIGHT © ANTARA 2026", ("Ani Savitri", "Budi"), id="glued3"),
        pytest.param(
            "Pewarta: Kuntum Riswan\nPenerjemah: Yuni Sinaga\nEditor: Anton Santoso\nCopyright © ANTARA 2026",
            ("Kuntum Riswan", "Anton Santoso"),
            id="translator",
        ),
        pytest.param("Pewarta:   Fulan   Hidayat  \nEditor:Rina", ("Fulan Hidayat", "Rina"), id="spacing"),
        pytest.param("Editor: Rina Kartika", (None, "Rina Kartika"), id="editor-only"),
        pytest.param("COPYRIGHT © ANTARA 2023", (None, None), id="copyright-only"),
        pytest.param("", (None, None), id="empty"),
    ],
)
def test_parse_byline(text: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_byline(text) == expected


def test_parse_translator() -> None:
    assert parse_translator("Pewarta: A\nPenerjemah: Yuni Sinaga\nEditor: B") == "Yuni Sinaga"
    assert parse_translator("Pewarta: A\nEditor: B") is None


# --- lines and datelines -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: Pemprov Babel tanggung iuran",
        "BACA JUGA: x",
        "Pewarta : X",
        "Editor: Y",
        "Penerjemah: Z",
        "COPYRIGHT © ANTARA 2023",
        "Copyright © ANTARA 2026",
        "Dilarang keras mengambil konten, melakukan crawling atau pengindeksan otomatis untuk AI",
    ],
)
def test_non_body_lines_are_dropped(line: str) -> None:
    assert is_dropped_line(line)


@pytest.mark.parametrize("line", ["Editor senior harian itu mengatakan", "Pewarta foto memotret", "Bacaan doa"])
def test_body_lines_that_start_like_labels_are_kept(line: str) -> None:
    assert not is_dropped_line(line)


@pytest.mark.parametrize(
    ("paragraph", "place"),
    [
        ("Pangkalpinang (ANTARA) - BPJS", "Pangkalpinang"),
        ("Serang, Banten (ANTARA) - Dinas", "Serang, Banten"),
        ("Washington (ANTARA) – Menteri", "Washington"),
        ("Medan, 30/6 (Antarasumut) - Polisi", "Medan, 30/6"),
        ("Jakarta (ANTARA) -Pemerintah", "Jakarta"),
        ("Pemerintah Kota Padang menggelar festival (ANTARA)", None),
        ("Tanpa dateline sama sekali.", None),
    ],
)
def test_split_dateline(paragraph: str, place: str | None) -> None:
    assert split_dateline(paragraph) == place


# --- the real Lampung text ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lampung() -> dict:
    return load_json(LAMPUNG)


def test_lampung_body_drops_the_byline_lines(lampung) -> None:
    body, _ = extract_body_text(lampung["body_as_copied"])
    expected = lampung["body_as_copied"].split("\nPewarta")[0]
    assert body == expected
    assert "Pewarta" not in body and "COPYRIGHT" not in body and "Editor" not in body


def test_lampung_body_paragraphs(lampung) -> None:
    body, _ = extract_body_text(lampung["body_as_copied"])
    paragraphs = body.split("\n\n")
    assert len(paragraphs) == 11
    assert paragraphs[0].startswith("Bandarlampung (ANTARA) - Kepala Dinas Pariwisata")
    assert paragraphs[-1].endswith("(Cleanliness, Health, Safety dan Environment sustainability).")


def test_lampung_dateline(lampung) -> None:
    assert extract_body_text(lampung["body_as_copied"])[1] == "Bandarlampung"


def test_lampung_byline(lampung) -> None:
    assert parse_byline(lampung["body_as_copied"]) == ("Ruth Intan Sozometa Kanafi", "Triono Subagyo")


def test_plain_text_with_crlf_baca_juga_and_notice() -> None:
    text = (
        "Jakarta (ANTARA) - Satu.\r\n\r\nBaca juga: Judul lain\r\n\r\nDua  baris\r\nyang menyambung.\r\n\r\n"
        "Dilarang keras mengambil konten, melakukan crawling.\r\nPewarta: A\r\nEditor: B"
    )
    assert extract_body_text(text) == ("Jakarta (ANTARA) - Satu.\n\nDua baris yang menyambung.", "Jakarta")


def test_plain_text_empty() -> None:
    assert extract_body_text("") == ("", None)


# --- the real Banten fragment -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def banten_html() -> str:
    return BANTEN.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def banten_body(banten_html):
    root = etree.fromstring(f"<html><body>{banten_html}</body></html>", etree.HTMLParser())
    return element_blocks(root.xpath("//div[contains(@class, 'post-content')]")[0])


def test_banten_body_paragraphs(banten_body) -> None:
    assert len(banten_body.paragraphs) == 7
    assert banten_body.paragraphs[0].startswith("Serang, Banten (ANTARA) - Dinas Lingkungan Hidup (DLH) Kota Serang")
    assert banten_body.paragraphs[-1].endswith('sesuai dengan temuan dari pengawas DLH Kota Serang," katanya.')


def test_banten_nbsp_becomes_one_space(banten_body) -> None:
    text = banten_body.text
    assert "\xa0" not in text and "  " not in text
    assert "penyalahgunaan ijin dan pembakaran kemasan" in text
    assert "Nasirulllah menambahkan" in text


def test_banten_dateline(banten_body) -> None:
    assert banten_body.dateline == "Serang, Banten"


@pytest.fixture(scope="module")
def banten_article(banten_html):
    """The real fragment inside a page: a title and a date line injected into its own ``header.post-header``."""
    head = (
        '<h1 class="post-title">DLH Kota Serang segel perusahaan pengumpul oli bekas</h1>'
        '<p class="simple-share"><a href="https://banten.antaranews.com/banten">Banten</a> / '
        "<span>Jumat, 21 Oktober 2022 7:09 WIB</span></p>"
    )
    start = banten_html.index(">", banten_html.index('<header class="post-header"')) + 1
    fragment = banten_html[:start] + head + banten_html[start:]
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><article class="post-wrapper">{fragment}</article></body></html>'
    url = "https://banten.antaranews.com/berita/240123/dlh-kota-serang-segel-perusahaan-pengumpul-oli-bekas"
    return parse_article(page.encode("utf-8"), url, fetched_at="2023-02-22T04:48:00Z")


def test_banten_article_byline(banten_article) -> None:
    assert (banten_article.reporter, banten_article.editor) == ("Lukman Hakim", None)


def test_banten_article_pull_quote_excluded(banten_article) -> None:
    assert BANTEN_QUOTE not in banten_article.body.split("\n\n")
    assert len(banten_article.body.split("\n\n")) == 7


def test_banten_article_fields(banten_article) -> None:
    assert banten_article.template == "classic"
    assert banten_article.dateline == "Serang, Banten"
    assert banten_article.published_at == "2022-10-21T07:09:00+07:00"
    assert banten_article.category == "Banten"
    assert banten_article.image_caption == (
        "Tim pengawas DLH Kota Serang saat sidak gabungan di PT Raja Goedang Mas di wilayah Kelurahan Sumur Pecung"
        " Kecamatan Serang Kota Serang. ANTARA/Istimewa"
    )
    assert "COPYRIGHT" not in banten_article.body
