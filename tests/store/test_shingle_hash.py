"""The shingle hash of the story band keys (store/shingle_hash.py): the numpy path gives the plain definition's
values on every length, on non-ASCII text and on spans of one buffer; the values are spread over 32 bits."""

from __future__ import annotations

import random

import numpy as np
import pytest

from antara_crawler.store import shingle_hash as sh


def _plain(texts: list[str]) -> list[int]:
    return [sh.shingle_hash32(t.encode()) for t in texts]


def test_hash32_equals_the_plain_definition_on_every_length():
    rng = random.Random(7)
    texts = ["".join(rng.choice("abc xyz0.,/") for _ in range(n)) for n in range(0, 140) for _ in range(3)]
    assert sh.hash32(np, texts).tolist() == _plain(texts)


def test_hash32_of_non_ascii_text_hashes_its_utf8():
    texts = ["Ékonomi naïve café", "日本語" * 6, "日本語" * 30, "½ ² ٣", "plain ascii", "\x00\xff"]
    assert sh.hash32(np, texts).tolist() == _plain(texts)


def test_hash32_spans_hash_the_bytes_in_place():
    data = "satu dua tiga\nempat lima café".encode()
    starts = np.array([0, 5, 0, 14, 20, 5], dtype=np.int64)
    ends = np.array([13, 8, 0, len(data), len(data), 5], dtype=np.int64)
    expected = [sh.shingle_hash32(data[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    assert sh.hash32_spans(np, data, starts, ends).tolist() == expected


def test_a_span_far_into_a_long_buffer_hashes_as_its_bytes_alone():
    """The prefix sums are shifted back by RADIX**-start: a span's hash does not depend on where it lies."""
    data = b"x" * 300_000 + b"kata sama" + b"y" * 50 + b"kata sama"
    starts = np.array([300_000, 300_059], dtype=np.int64)
    assert sh.hash32_spans(np, data, starts, starts + 9).tolist() == [sh.shingle_hash32(b"kata sama")] * 2


def test_a_text_longer_than_the_kept_tables_gets_tables_of_its_own(monkeypatch):
    monkeypatch.setattr(sh, "_TABLES", {})
    monkeypatch.setattr(sh, "_KEEP", 64)
    texts = ["a" * 100, "b c d"]
    assert sh.hash32(np, texts).tolist() == _plain(texts)
    assert "powers" not in sh._TABLES
    assert sh.hash32(np, ["e f"]).tolist() == _plain(["e f"])
    assert len(sh._TABLES["powers"][0]) <= 64


def test_hash32_of_nothing_is_empty():
    assert sh.hash32(np, []).tolist() == []


@pytest.mark.parametrize("bit", range(0, 32, 4))
def test_the_hash_bits_are_balanced(bit):
    """Each bit of the hash is set for about half of many similar shingles (the mixer spreads the polynomial)."""
    texts = [f"kata {i} lain" for i in range(4000)]
    ones = sum((h >> bit) & 1 for h in sh.hash32(np, texts).tolist())
    assert 1700 < ones < 2300


def test_the_hashes_of_distinct_shingles_rarely_collide():
    texts = [f"{a} {b} {c}" for a in ("harga", "naik", "turun", "pasar") for b in range(50) for c in range(50)]
    assert len(set(sh.hash32(np, texts).tolist())) >= len(texts) - 2
