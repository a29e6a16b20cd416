"""The batch SHA-1 of the story shingles (store/sha1.py) is hashlib's SHA-1, on every message length."""

from __future__ import annotations

import hashlib
import random

import numpy as np
import pytest

from antara_crawler.store.sha1 import MAX_BYTES, sha1_hash32


def _hashlib32(texts: list[str]) -> list[int]:
    return [int.from_bytes(hashlib.sha1(t.encode()).digest()[:4], "little") for t in texts]


def test_sha1_hash32_equals_hashlib_on_every_length():
    rng = random.Random(7)
    texts = ["".join(rng.choice("abc xyz0.,/") for _ in range(n)) for n in range(0, 140) for _ in range(3)]
    assert sha1_hash32(np, texts).tolist() == _hashlib32(texts)


@pytest.mark.parametrize("n", [MAX_BYTES - 1, MAX_BYTES, MAX_BYTES + 1, 63, 64, 65])
def test_sha1_hash32_at_the_block_boundary(n):
    texts = ["a" * n, "b" * n + "", "x"]
    assert sha1_hash32(np, texts).tolist() == _hashlib32(texts)


def test_sha1_hash32_of_non_ascii_text_hashes_its_utf8():
    texts = ["Ékonomi naïve café", "日本語" * 6, "日本語" * 30, "½ ² ٣", "plain ascii"]
    assert sha1_hash32(np, texts).tolist() == _hashlib32(texts)


def test_sha1_hash32_of_nothing_is_empty():
    assert sha1_hash32(np, []).tolist() == []
