"""Property: whatever mix of prose and non-body lines a page prints, no body paragraph is a byline, a photo
credit caption, a copyright line or an ``Uploader`` line, and every prose paragraph is kept, in order.

The non-body lines are shapes seen on real pages (bylines, footers, photo credits); the prose is built from Indonesian
words (including ``Oleh karena itu``, which is prose, not a byline). Pages are built as ``<br><br>`` bodies, as
``<p>`` bodies and as plain text.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from antara_crawler.extract import extract_body_text, parse_article

BYLINE = re.compile(
    r"^(?:Pewarta|Editor|Penyunting)\s*:|^Oleh\s+[A-Z][\w.]*(?:\s+(?:[A-Z][\w.]*|dan))*(?:\s+\w+,.*WIB)?$"
)
CREDIT = re.compile(r"\((?:ANTARA\s*FOTO|FOTO\s*ANTARA|ANTARA/HO-|HO-)[^()]*\)\.?$", re.IGNORECASE)
COPYRIGHT = re.compile(r"^copyright\s*©", re.IGNORECASE)
UPLOADER = re.compile(r"^uploader\s*:", re.IGNORECASE)

WORDS = ["pemerintah", "kota", "warga", "bantuan", "sekolah", "jalan", "pasar", "nelayan", "desa", "program", "dana"]
NAMES = ["Fathur Rochman", "Ani Savitri", "Budisantoso Budiman dan Agus S", "Muhammad Arif Hidayat", "Masuki"]
CREDITS = ["(ANTARA FOTO/Budi Setya)", "(ANTARA/HO-Humas UNRI)", "(HO-Pertamina)", "(FOTO ANTARA/R.Sukendi)"]

prose = st.builds(
    lambda opener, words: f"{opener} {' '.join(words)}.",
    st.sampled_from(["Menurut dia,", "Oleh karena itu,", "Kepala dinas mengatakan", "Selain itu,"]),
    st.lists(st.sampled_from(WORDS), min_size=4, max_size=20),
)
name = st.sampled_from(NAMES)
non_body = st.one_of(
    name.map(lambda n: f"Pewarta: {n}"),
    name.map(lambda n: f"Pewarta : {n}"),
    name.map(lambda n: f"Editor : {n}"),
    name.map(lambda n: f"Oleh {n}"),
    name.map(lambda n: f"Oleh {n} Minggu, 16 Juni 2024 18:00 WIB"),
    st.just("Uploader : Admin 1"),
    st.sampled_from(["COPYRIGHT © ANTARA 2023", "Copyright © ANTARA 2024", "COPYRIGHT © ANTARA News Bali 2012"]),
    st.tuples(st.lists(st.sampled_from(WORDS), min_size=3, max_size=12), st.sampled_from(CREDITS)).map(
        lambda t: f"Warga {' '.join(t[0])}, Jumat. {t[1]}"
    ),
    st.tuples(name, name).map(lambda t: f"Pewarta: {t[0]}Editor: {t[1]} COPYRIGHT © ANTARA 2026"),
)
#: A lead long enough to make the block a body (the generic layer wants 80 characters of paragraph text).
lead_prose = st.lists(st.sampled_from(WORDS), min_size=14, max_size=24).map(lambda w: f"Menurut dia, {' '.join(w)}.")
lines = st.lists(st.tuples(st.booleans(), st.one_of(prose, non_body)), min_size=1, max_size=12)


def _not_body(paragraph: str) -> bool:
    return bool(
        BYLINE.search(paragraph)
        or CREDIT.search(paragraph)
        or COPYRIGHT.search(paragraph)
        or UPLOADER.search(paragraph)
    )


def _page(body: str) -> str:
    return (
        "<html><head><title>Judul berita</title></head><body><h1>Judul berita</h1>"
        f"<div>Rabu, 13 Desember 2023 10:15 WIB</div><div class='isi'>{body}</div></body></html>"
    )


def _check(paragraphs: list[str], kept: list[str]) -> None:
    assert not [p for p in paragraphs if _not_body(p)]
    assert paragraphs == kept


@settings(max_examples=150, deadline=None)
@given(lines=lines, lead=lead_prose, as_p=st.booleans())
def test_no_body_paragraph_is_a_byline_credit_copyright_or_uploader(lines, lead, as_p) -> None:
    items = [f"Jakarta (ANTARA) - {lead}", *(text for _, text in lines)]
    kept = [items[0], *(text for text in items[1:] if not _not_body(text))]
    body = "".join(f"<p>{t}</p>" for t in items) if as_p else "<br><br>".join(items)
    article = parse_article(_page(body), "https://www.antaranews.com/berita/3868989/judul")
    _check(article.body.split("\n\n"), kept)


@settings(max_examples=150, deadline=None)
@given(lines=lines, lead=lead_prose)
def test_plain_text_bodies_hold_the_same_property(lines, lead) -> None:
    items = [f"Jakarta (ANTARA) - {lead}", *(text for _, text in lines)]
    kept = [items[0], *(text for text in items[1:] if not _not_body(text))]
    body, _ = extract_body_text("\n\n".join(items))
    _check(body.split("\n\n"), kept)
