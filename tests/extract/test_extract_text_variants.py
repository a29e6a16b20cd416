"""The text rules behind the real variants, one small case each: datelines, photo credits, ``Oleh`` bylines,
``Uploader`` lines, pull quotes, ``Related news:`` and image addresses."""

from __future__ import annotations

import pytest

from antara_crawler.extract.page import is_image_url
from antara_crawler.extract.text import (
    drop_pull_quotes,
    extract_body_text,
    is_caption,
    is_dropped_line,
    parse_byline,
    parse_oleh,
    split_dateline,
)


@pytest.mark.parametrize(
    ("paragraph", "place"),
    [
        ("Pangkalpinang (ANTARA) - Pemerintah", "Pangkalpinang"),
        ("Mataram, NTB (ANTARA News) - Sebanyak", "Mataram, NTB"),
        ("Jakarta (Antara) - Pemerintah", "Jakarta"),
        ("Palembang (ANTARA Sumsel) - Pemerintah", "Palembang"),
        ("Bandarlampung (ANTARA Lampung) - Pemerintah", "Bandarlampung"),
        ("Palangka Raya (Antara Kalteng) – Pemerintah", "Palangka Raya"),
        ("Denpasar (Antara Bali) - Pemerintah", "Denpasar"),
        ("Surabaya (Antaranews Jatim) — Pemerintah", "Surabaya"),
        ("Sawahlunto, (AntaraSumbar) - Perusahaan", "Sawahlunto"),
        ("ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) --", "ISTANBUL, 23 Februari 2016"),
        ("Mataram, 7/12 (Antara) - Salah besar", "Mataram, 7/12"),
        ("Jakarta (ANTARA) -", "Jakarta"),  # the lead follows after a line break
        ("Jambi - Pemerintah Provinsi Jambi", "Jambi"),
        ("ANTARA - Kepala dinas", None),
        ("Kepala dinas mengatakan - dengan tegas - bahwa", None),
        ("Warga menonton (ANTARA FOTO/Budi) di pasar", None),
    ],
)
def test_dateline_forms(paragraph: str, place: str | None) -> None:
    assert split_dateline(paragraph) == place


@pytest.mark.parametrize(
    "caption",
    [
        "Petugas BMKG mengawasi sebaran abu vulkanik. (ANTARA FOTO/Budi Setya)",
        "Mahasiswa mengikuti kegiatan. (ANTARA/HO-Himaprostek UNRI).",
        "Pekerja memeriksa pipa. (HO-Pertamina)",
        "Grafis penurunan kunjungan (Antarasumsel.com/Grafis/Aw)",
        "Seorang warga, Jumat. (FOTO ANTARA/R.Sukendi)",
        "Bupati meninjau lokasi, Sabtu. (04/10/2025) ANTARA/HO-Antara Biro Bengkulu",
    ],
)
def test_photo_credits_make_a_caption(caption: str) -> None:
    assert is_caption(caption)


@pytest.mark.parametrize(
    "text",
    [
        "Ia mengatakan kegiatan itu akan dilanjutkan pekan depan. (IGT)",
        "Tim liputan (Ade/Budi/Citra) bekerja sejak pagi.",
        "Kantor berita ANTARA (ANTARA) didirikan pada 1937 oleh para pejuang.",
    ],
)
def test_not_credits_stay_text(text: str) -> None:
    assert not is_caption(text)


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Oleh Farhan Arda Nugraha", "Farhan Arda Nugraha"),
        ("Oleh Farhan Arda Nugraha Minggu, 16 Juni 2024 18:00 WIB", "Farhan Arda Nugraha"),
        ("Oleh Budisantoso Budiman dan Agus S", "Budisantoso Budiman dan Agus S"),
        ("Oleh karena itu, pemerintah menambah anggaran.", None),
        ("Oleh sebab itu", None),
    ],
)
def test_oleh_byline(line: str, name: str | None) -> None:
    assert parse_oleh(line) == name


def test_uploader_is_not_an_editor_and_not_body() -> None:
    assert parse_byline("Pewarta : Ani\nUploader : Admin 1\nCopyright © ANTARA 2024") == ("Ani", None)
    assert parse_byline("Pewarta : Ani Uploader : Admin 1") == ("Ani", None)
    assert is_dropped_line("Uploader : Admin 1")


def test_related_news_line_is_dropped_like_baca_juga() -> None:
    assert is_dropped_line("Related news: ANTARA holds expo")
    body, _ = extract_body_text("Jakarta (ANTARA) - Lead.\n\nRelated news: ANTARA holds expo\n\nMore text.")
    assert body == "Jakarta (ANTARA) - Lead.\n\nMore text."


def test_pull_quote_matched_by_a_shared_word_run_with_words_changed() -> None:
    quote = "Antara diharapkan bisa lebih memperkuat fungsinya dan dapat diandalkan, kata Bagya..."
    lead = "Semarang (ANTARA) - Kementerian BUMN meminta Perum LKBN Antara meningkatkan fungsinya."
    body = '"Antara diharapkan bisa lebih memperkuat fungsinya dan juga dapat diandalkan," kata Bagya.'
    assert drop_pull_quotes([quote, lead, body]) == [lead, body]


def test_paragraph_before_dateline_that_body_does_not_repeat_stays() -> None:
    paragraphs = ["Catatan redaksi: berita ini diperbarui.", "Jakarta (ANTARA) - Lead.", "Isi berita."]
    assert drop_pull_quotes(paragraphs) == paragraphs


def test_pull_quote_glued_to_dateline_is_cut_at_the_place() -> None:
    glued = 'membangun aliansi strategis untuk meningkatkan nilai (value),"Jakarta (ANTARA News) - Perum LKBN Antara.'
    body = '"Kita harus membangun aliansi strategis untuk meningkatkan nilai (value)," kata Harry.'
    assert drop_pull_quotes([glued, body]) == ["Jakarta (ANTARA News) - Perum LKBN Antara.", body]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://img.antaranews.com/new/2015/11/ori/foto.jpg", True),
        ("https://img.antaranews.com/cache/800x533/2023/09/01/foto.jpg.webp", True),
        ("http://img.antaranews.com/new", False),
        ("http://img.antaranews.com/new/", False),
        ("https://www.antaranews.com/img/blank.png", False),
        ("https://www.antaranews.com/img/placeholder.jpg", False),
        ("/img/loading.gif", False),
        ("data:image/gif;base64,R0lGOD", False),
        ("http://[broken/x.jpg", False),
    ],
)
def test_image_url_is_an_image_file(url: str, ok: bool) -> None:
    assert is_image_url(url) is ok


def test_pull_quote_glued_after_the_first_sentence_is_cut() -> None:
    lead = (
        "Jakarta (ANTARA News) - Dua pewarta Antara meraih penghargaan jurnalistik MH Thamrin, Kamis malam."
        "Kegiatan ini membuka jalan bagi rekan media untuk terus berkomunikasi dengan aparatur"
    )
    later = "Menurut dia, kegiatan ini membuka jalan bagi rekan media untuk terus berkomunikasi dengan aparatur."
    assert drop_pull_quotes([lead, "Isi kedua.", later]) == [
        "Jakarta (ANTARA News) - Dua pewarta Antara meraih penghargaan jurnalistik MH Thamrin, Kamis malam.",
        "Isi kedua.",
        later,
    ]


def test_glued_sentence_the_body_does_not_repeat_stays() -> None:
    lead = "Jakarta (ANTARA) - Pemerintah menambah anggaran, Kamis.Ini sebuah kalimat yang menempel."
    assert drop_pull_quotes([lead, "Isi lain sama sekali."]) == [lead, "Isi lain sama sekali."]
