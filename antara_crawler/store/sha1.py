"""The first 32 bits of SHA-1 of many short strings at once, with numpy: what the story band keys hash every shingle
with (datasketch's ``sha1_hash32``: the digest's first 4 bytes read little-endian).

Why not ``hashlib``: one ``hashlib.sha1(s).digest()`` costs about a microsecond of Python call overhead for a
20-byte string, which made hashing the shingles (a few hundred per article) the largest part of storing a batch.
Here the SHA-1 compression function (FIPS 180-4) runs once over a whole batch, one numpy operation per step on a
column of all the messages: the same digests (it is SHA-1; the tests compare it with ``hashlib`` on every length),
at a fraction of the cost. A message of :data:`MAX_BYTES` bytes or fewer fits one 64-byte block with its padding;
a longer one (a rare shingle of very long words) is hashed by ``hashlib``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

#: the longest message that fits one block: 64 bytes minus the 0x80 pad byte and the 8-byte bit length
MAX_BYTES = 55
_H0 = 0x67452301
_INIT = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0)
_K = (0x5A827999, 0x6ED9EBA1, 0x8F1BBCDC, 0xCA62C1D6)


_COLUMNS: Any = None


def _columns(np: Any) -> Any:
    global _COLUMNS
    if _COLUMNS is None:
        _COLUMNS = np.arange(64, dtype=np.uint8)
    return _COLUMNS


def sha1_hash32(np: Any, texts: Sequence[str]) -> Any:
    """``int.from_bytes(hashlib.sha1(t.encode()).digest()[:4], "little")`` of every text, as a uint32 array."""
    joined = "".join(texts)
    if joined.isascii():  # one byte per character
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        data = joined.encode()
    else:
        encoded = [t.encode() for t in texts]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(texts))
        data = b"".join(encoded)
    ends = np.cumsum(lengths)
    return sha1_hash32_spans(np, data, ends - lengths, ends)


def sha1_hash32_spans(np: Any, data: bytes, starts: Any, ends: Any) -> Any:
    """:func:`sha1_hash32` of the messages ``data[starts[i]:ends[i]]`` (int64 arrays): the block of each message is
    copied straight out of ``data``, so the messages need not exist as Python objects."""
    n = len(starts)
    out = np.empty(n, dtype=np.uint32)
    if not n:
        return out
    lengths = ends - starts
    buf = np.frombuffer(data + bytes(64), dtype=np.uint8)
    # row i: the 64 bytes from the message's start, then everything past its length zeroed (one message per block)
    block = np.lib.stride_tricks.sliding_window_view(buf, 64)[starts]
    block *= _columns(np) < np.minimum(lengths, 64).astype(np.uint8)[:, None]  # uint8 compares: the cheap way
    short = lengths <= MAX_BYTES
    long = np.flatnonzero(~short)
    rows = np.flatnonzero(short)
    block[rows, lengths[rows]] = 0x80
    bits = np.where(short, lengths * 8, 0)
    block[:, 62] = bits >> 8
    block[:, 63] = bits & 0xFF
    words = np.ascontiguousarray(block.view(">u4").astype(np.uint32).T)  # 16 x n: word t of every message
    out[:] = _compress_a(np, words)
    out += np.uint32(_H0)
    out = out.byteswap()  # the digest's first 4 bytes are H0 big-endian; datasketch reads them little-endian
    for i in long.tolist():  # longer than one block: hashlib
        out[i] = int.from_bytes(hashlib.sha1(data[starts[i] : ends[i]]).digest()[:4], "little")
    return out


def _rotl(np: Any, x: Any, n: int, out: Any, tmp: Any) -> Any:
    """``out = x rotated left by n`` (32-bit), through the scratch array ``tmp``."""
    np.left_shift(x, np.uint32(n), out=tmp)
    np.right_shift(x, np.uint32(32 - n), out=out)
    np.bitwise_or(out, tmp, out=out)
    return out


def _compress_a(np: Any, w: Any) -> Any:
    """The final working variable ``a`` of SHA-1's 80 rounds over one block per column of ``w`` (16 x n uint32,
    overwritten: the message schedule is kept as a ring of 16 words)."""
    n = w.shape[1]
    a, b, c, d, e = (np.full(n, v, dtype=np.uint32) for v in _INIT)
    f = np.empty(n, dtype=np.uint32)
    t5 = np.empty(n, dtype=np.uint32)
    tmp = np.empty(n, dtype=np.uint32)
    for t in range(80):
        wt = w[t & 15]
        if t >= 16:
            np.bitwise_xor(wt, w[(t - 3) & 15], out=wt)
            np.bitwise_xor(wt, w[(t - 8) & 15], out=wt)
            np.bitwise_xor(wt, w[(t - 14) & 15], out=wt)
            _rotl(np, wt, 1, wt, tmp)
        if t < 20:  # Ch: d ^ (b & (c ^ d))
            np.bitwise_xor(c, d, out=f)
            np.bitwise_and(f, b, out=f)
            np.bitwise_xor(f, d, out=f)
        elif t < 40 or t >= 60:  # Parity
            np.bitwise_xor(b, c, out=f)
            np.bitwise_xor(f, d, out=f)
        else:  # Maj: (b & c) | (d & (b | c))
            np.bitwise_or(b, c, out=f)
            np.bitwise_and(f, d, out=f)
            np.bitwise_and(b, c, out=tmp)
            np.bitwise_or(f, tmp, out=f)
        # temp = rotl5(a) + f + e + K + w[t]; then e, d, c, b, a = d, c, rotl30(b), a, temp (the arrays rotate)
        _rotl(np, a, 5, t5, tmp)
        np.add(t5, f, out=t5)
        np.add(t5, e, out=t5)
        np.add(t5, wt, out=t5)
        np.add(t5, np.uint32(_K[t // 20]), out=t5)
        _rotl(np, b, 30, e, tmp)  # e is free (added above): it becomes the new c
        a, b, c, d, e, t5 = t5, a, e, c, d, b
    return a


__all__ = ["MAX_BYTES", "sha1_hash32", "sha1_hash32_spans"]
