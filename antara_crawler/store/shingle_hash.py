"""The 32-bit hash of a story shingle's UTF-8 bytes: what the MinHash of the story band keys hashes every shingle
with (:mod:`antara_crawler.store.signatures`), in plain Python (:func:`shingle_hash32`, one shingle) and with numpy
for every shingle of a batch at once (:func:`hash32_spans`, the same values: the tests compare them).

The hash is a polynomial over the bytes, mixed down to 32 bits::

    h64 = sum(BYTE_VALUES[b_i] * RADIX**i for each byte b_i)  mod 2**64
    hash = the high 32 bits of MurmurHash3's 64-bit finalizer of h64

``BYTE_VALUES`` are 256 fixed random 64-bit values (BLAKE2b of each byte), ``RADIX`` an odd constant, so it is
invertible mod 2**64. Being linear in the bytes, the hashes of all the shingles of a batch come from one prefix sum
over the batch's joined words: with ``S[k] = sum(BYTE_VALUES[b_i] * RADIX**i for i < k)``, the shingle spanning
``[s, e)`` hashes to ``(S[e] - S[s]) * RADIX**-s``. That is three numpy passes per byte and a few per shingle, where
SHA-1 (datasketch's default, used here before) took 80 rounds per shingle and was the largest cost of a write.

Why a hash of our own is safe: the band keys are only the LSH *candidate* index. Whether two articles are copies is
decided on their exact shingle sets (``signatures.is_copy``), so another well-mixed 32-bit hash changes no copy
decision, only which candidates are looked up. Changing it changes the stored band keys: migration 0008 rebuilt them
once for the archives written with SHA-1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

_MASK = (1 << 64) - 1
#: the polynomial's base: odd (the golden ratio's 64-bit constant), so invertible mod 2**64
RADIX = 0x9E3779B97F4A7C15
_INVERSE = pow(RADIX, -1, 1 << 64)
#: the value of each byte in the polynomial: the first 8 bytes (little-endian) of BLAKE2b of the byte
BYTE_VALUES: tuple[int, ...] = tuple(
    int.from_bytes(hashlib.blake2b(bytes([b]), digest_size=8, person=b"antara-shingle").digest(), "little")
    for b in range(256)
)
#: MurmurHash3's 64-bit finalizer constants
_C1, _C2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53
#: the power tables are kept between calls up to this many positions (8 MB each); a longer text gets its own
_KEEP = 1 << 20


def _mix32(h: int) -> int:
    """The high 32 bits of MurmurHash3's fmix64 of ``h``."""
    h ^= h >> 33
    h = (h * _C1) & _MASK
    h ^= h >> 33
    h = (h * _C2) & _MASK
    h ^= h >> 33
    return h >> 32


def shingle_hash32(data: bytes) -> int:
    """The hash of one shingle's bytes (see the module docstring): the definition the numpy path computes in bulk."""
    h, power = 0, 1
    for byte in data:
        h = (h + BYTE_VALUES[byte] * power) & _MASK
        power = (power * RADIX) & _MASK
    return _mix32(h)


_TABLES: dict[str, Any] = {}


def _byte_values(np: Any) -> Any:
    table = _TABLES.get("bytes")
    if table is None:
        table = _TABLES["bytes"] = np.array(BYTE_VALUES, dtype=np.uint64)
    return table


def _powers(np: Any, n: int) -> tuple[Any, Any]:
    """``RADIX**i`` and ``RADIX**-i`` (mod 2**64) for ``i < n`` at least, as uint64 arrays: kept and grown by powers
    of two up to :data:`_KEEP` positions, computed for the call beyond that."""
    have = _TABLES.get("powers")
    if have is not None and len(have[0]) >= n:
        return have
    size = 1 << max(n - 1, 1).bit_length()
    out = []
    for base in (RADIX, _INVERSE):
        powers = np.empty(size, dtype=np.uint64)
        powers[0] = 1
        np.cumprod(np.full(size - 1, base, dtype=np.uint64), out=powers[1:])  # uint64 wraps: mod 2**64
        out.append(powers)
    pair = (out[0], out[1])
    if size <= _KEEP:
        _TABLES["powers"] = pair
    return pair


def _fmix64_high(np: Any, h: Any) -> Any:
    """:func:`_mix32` of a uint64 array, as uint32 (in place on ``h``)."""
    shift = np.uint64(33)
    h ^= h >> shift
    h *= np.uint64(_C1)
    h ^= h >> shift
    h *= np.uint64(_C2)
    h ^= h >> shift
    return (h >> np.uint64(32)).astype(np.uint32)


def hash32_spans(np: Any, data: Any, starts: Any, ends: Any) -> Any:
    """:func:`shingle_hash32` of the byte strings ``data[starts[i]:ends[i]]`` (``data``: bytes or a uint8 array;
    ``starts`` and ``ends``: int64 arrays), as a uint32 array: one prefix sum over ``data``, then two look-ups and a
    multiply per span (see the module docstring)."""
    n = len(data)
    powers, inverses = _powers(np, n + 1)
    values = _byte_values(np)[np.frombuffer(data, dtype=np.uint8)]
    values *= powers[:n]
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    np.cumsum(values, out=prefix[1:])
    h = prefix[ends]
    h -= prefix[starts]
    h *= inverses[starts]
    return _fmix64_high(np, h)


def hash32(np: Any, texts: Sequence[str]) -> Any:
    """:func:`shingle_hash32` of the UTF-8 of every text, as a uint32 array."""
    encoded = [t.encode() for t in texts]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    ends = np.cumsum(lengths)
    return hash32_spans(np, b"".join(encoded), ends - lengths, ends)


__all__ = ["BYTE_VALUES", "RADIX", "hash32", "hash32_spans", "shingle_hash32"]
