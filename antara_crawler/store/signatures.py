"""What the story grouping compares of a body, as pure functions: normalised words, shingles, the copy rule, and the
MinHash band keys of the LSH index (see :mod:`antara_crawler.store.stories` for how they are used).

1. **Normalise** the body (:func:`normalise`): drop "Baca juga" lines, the dateline before ``(ANTARA)``, byline
   lines (``Pewarta:``, ``Editor:``, ...) and punctuation; lower-case. Numbers are kept as whole tokens
   (``Rp45.000``, ``1/12``): they are what tells one day's price or weather report from the next.
2. **Shingle** the words in overlapping runs of :data:`SHINGLE_WORDS` and take a MinHash of :data:`NUM_PERM`
   permutations: datasketch's ``MinHash`` (scheme :data:`MINHASH_SCHEME`, seed 1) with
   :func:`~antara_crawler.store.shingle_hash.shingle_hash32` of each shingle's UTF-8 as its ``hashfunc`` (a
   polynomial hash: :mod:`.shingle_hash`), computed here for a whole batch at once with numpy
   (:func:`band_keys_of`; same values, checked against datasketch in the tests).
   datasketch's ``MinHashLSH`` picks the bands for
   :data:`LSH_THRESHOLD` (``b`` bands of ``r`` rows: :data:`BANDS`, written out so that a crawl does not import
   datasketch); each band's hash is one key (:func:`band_keys`).
3. **Verify** a candidate on the exact shingle sets (:func:`is_copy`): Jaccard >= :data:`MIN_JACCARD`, and when
   both texts carry at least :data:`MIN_NUMBERS` numbers, at least :data:`MIN_NUMBER_OVERLAP` of the numbers of the
   one with fewer must appear in the other.

Changing SHINGLE_WORDS, NUM_PERM, MINHASH_SCHEME, LSH_THRESHOLD, the shingle hash or the normalisation changes the
stored band keys: it needs ``scrapy stories --rebuild`` (or a migration that rebuilds them, as 0008 did for the
hash).
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable, Sequence
from functools import cached_property, lru_cache
from typing import Any

from antara_crawler.store.shingle_hash import hash32, hash32_spans

EXTRA = "analysis"
SHINGLE_WORDS = 3
NUM_PERM = 64
#: datasketch's permutation scheme (2.0's default), named so the stored band keys do not change with its default
MINHASH_SCHEME = "affine32"
#: the Jaccard at which datasketch's band choice is tuned (below MIN_JACCARD: candidates are cheap to verify)
LSH_THRESHOLD = 0.4
MIN_JACCARD = 0.5
MIN_NUMBERS = 3
MIN_NUMBER_OVERLAP = 0.8
#: shingles hashed per numpy step of :func:`band_keys_of` (bounds its memory: NUM_PERM uint32 per shingle)
HASH_STEP = 65536


class MissingExtra(ImportError):
    """A library of the optional ``analysis`` extra is not installed; the message is one line naming it."""


def require(module: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` with a one-line message naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{module} is not installed: install the {EXTRA!r} extra, pip install -e '.[{EXTRA}]'"
        ) from None


# --- normalising and shingling ----------------------------------------------------------------------------------

_BACA_JUGA = re.compile(r"^\s*baca\s+juga\b.*$", re.IGNORECASE | re.MULTILINE)
_BYLINE = re.compile(
    r"^\s*(pewarta|editor|penulis|reporter|oleh|penerjemah|redaktur|copyright|\(?antara\)?)\b[^\n]{0,120}$",
    re.IGNORECASE | re.MULTILINE,
)
_DATELINE = re.compile(r"^[^\n()]{0,80}\(\s*antara(?:\s*news)?\s*\)\s*[-–—:]?\s*", re.IGNORECASE)
#: a number stays one token: 45.000, 3,5, 1/12, 08.30
_TOKEN = re.compile(r"\d+(?:[.,/:]\d+)*|[^\W\d_]+")
_NUMBER = re.compile(r"\d")


#: substrings of the Baca juga and byline words free of ``i`` and ``s`` (the only letters of these words that a
#: case-insensitive match also finds as other characters, ``ı`` and ``ſ``): a text none of whose lower-cased line
#: heads (:func:`_line_heads`) holds one of them has no such line, and the regular expression is not run
_BACA_JUGA_HINTS = ("baca",)
_BYLINE_HINTS = ("pewarta", "tor", "penul", "reporter", "oleh", "penerjemah", "redaktur", "copyr", "antara")


#: how much of a line's start (after its leading whitespace, lower-cased) can hold a hint of its Baca juga or byline
#: word: the longest word, twice over (lower-casing may double a character: ``İ`` becomes ``i̇``)
_HEAD = 32


def _line_heads(low: str) -> str:
    """The first :data:`_HEAD` characters of every line of ``low`` after its leading whitespace, one per line: a Baca
    juga or byline line starts with its word there (the patterns' ``^`` and whitespace; ``^`` only follows a newline)."""
    return "\n".join([line.lstrip()[:_HEAD] for line in low.split("\n")])


def _cleaned(body: str) -> str:
    """The lower-cased body without Baca juga lines, dateline or byline: what :func:`normalise` tokenises. The
    patterns run only when a line starts with one of their hints; on an ASCII body they run on its lower case (the
    same matches: they ignore case, and lower-casing ASCII keeps every length)."""
    low = body.lower()
    ascii_only = body.isascii()
    text = low if ascii_only else body
    heads = _line_heads(low)
    if any(h in heads for h in _BACA_JUGA_HINTS):
        text = _BACA_JUGA.sub("", text)
    if any(h in heads for h in _BYLINE_HINTS):
        text = _BYLINE.sub("", text)
    text = _DATELINE.sub("", text.strip(), count=1)
    return text if ascii_only else text.lower()


def normalise(body: str | None) -> list[str]:
    """The body's words for comparison: no Baca juga lines, dateline or byline; lower-case; numbers whole."""
    if not body:
        return []
    return tokens(_cleaned(body))


#: the ASCII letters and the ASCII characters ``str.split`` (and the regular expression's ``\s``) take for whitespace
_ASCII_LETTERS_AND_SPACE = (string.ascii_letters + " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f").encode()


def tokens(text: str) -> list[str]:
    """``_TOKEN.findall(text)``, faster: no token spans whitespace, and a piece between whitespace made of letters
    only is one token, so the regular expression runs only on the pieces with digits or punctuation; an ASCII text
    of letters and whitespace only (checked in C, by deleting those bytes) is just its pieces."""
    if text.isascii() and not text.encode().translate(None, _ASCII_LETTERS_AND_SPACE):
        return text.split()
    out: list[str] = []
    for piece in text.split():
        if piece.isalpha():
            out.append(piece)
        else:
            out += _TOKEN.findall(piece)
    return out


def shingle_list(words: Sequence[str], k: int = SHINGLE_WORDS) -> list[str]:
    """The runs of ``k`` words joined by a space, in order, repeats included (all words when there are fewer)."""
    if len(words) < k:
        return [" ".join(words)] if words else []
    return list(map(" ".join, zip(*(words[i:] for i in range(k)), strict=False)))


def shingles(words: Sequence[str], k: int = SHINGLE_WORDS) -> set[str]:
    return set(shingle_list(words, k))


class Fingerprint:
    """What the comparison needs of one body: its words, and (computed when first compared) its shingle set and its
    numbers."""

    def __init__(self, words: list[str]):
        self.words = words

    @classmethod
    def of(cls, body: str | None) -> Fingerprint:
        return cls(normalise(body))

    @cached_property
    def shingles(self) -> frozenset[str]:
        return frozenset(shingle_list(self.words))

    @cached_property
    def numbers(self) -> frozenset[str]:
        return frozenset(w for w in self.words if _NUMBER.match(w))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def is_copy(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two bodies are copies of one story (see the module docstring for the rule)."""
    if jaccard(a.shingles, b.shingles) < MIN_JACCARD:
        return False
    few, many = sorted((a.numbers, b.numbers), key=len)
    return len(few) < MIN_NUMBERS or len(few & many) / len(few) >= MIN_NUMBER_OVERLAP


# --- MinHash band keys --------------------------------------------------------------------------------------------


#: datasketch's ``MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)`` band choice ``(b, r)``, written out so
#: a crawl does not import datasketch (and scipy, which it uses to choose them: over a second at the first write);
#: the tests check it against datasketch
BANDS = (16, 4)


_found: set[str] = set()


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (a module set to None in sys.modules cannot). A
    module found once is not looked for again (a batch asks every time)."""
    import importlib.util

    if module not in _found:
        try:
            if importlib.util.find_spec(module) is None:
                return False
        except (ImportError, ValueError):
            return False
        _found.add(module)
    return True


def bands() -> tuple[int, int]:
    """``(b, r)``: datasketch's optimal band count and rows per band for LSH_THRESHOLD and NUM_PERM (:data:`BANDS`).

    Raises :class:`MissingExtra` when datasketch is not installed, as before: the grouping belongs to the
    ``analysis`` extra, and an archive written without it has no bands until ``scrapy stories --rebuild``."""
    if not _installed("datasketch"):
        require("datasketch")
    return BANDS


@lru_cache(maxsize=1)
def _permutations() -> tuple[Any, Any]:
    """The ``(a, b)`` uint32 arrays of datasketch's ``affine32`` permutations for seed 1, drawn from numpy's
    ``RandomState(1)`` exactly as ``datasketch.MinHash`` draws them (odd multipliers ``a``, then offsets ``b``):
    the same values without importing datasketch (the tests compare them)."""
    np = require("numpy")
    gen = np.random.RandomState(1)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def preload() -> None:
    """Import numpy and draw the permutations now, which the first :func:`band_keys_of` of a process would do (about
    0.1 s of CPU, mostly the numpy import). Raises :class:`MissingExtra` without the ``analysis`` extra."""
    bands()
    _permutations()


def _fmix32(np: Any, hv: Any) -> Any:
    """The 32-bit MurmurHash3 finalizer datasketch's ``affine32`` scheme applies to each input hash (uint32 arrays
    wrap around, which is the intended arithmetic)."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _count(words: int, k: int = SHINGLE_WORDS) -> int:
    """``len(shingle_list(w, k))`` of ``words`` words, without building it."""
    return max(words - k + 1, 1) if words else 0


def _shingle_hashes(np: Any, fingerprints: Sequence[Fingerprint], k: int = SHINGLE_WORDS) -> Any:
    """:func:`~antara_crawler.store.shingle_hash.shingle_hash32` of every shingle of these fingerprints (with
    words), in :func:`shingle_list` order, without building the shingles: a shingle is the span of the words joined
    by spaces from its first word's start to its last word's end, so the joined words of all are joined (by
    newlines) and encoded once and each span hashed in place (:func:`~antara_crawler.store.shingle_hash.hash32_spans`).
    Words holding a separator (never from :func:`normalise`) take the plain way: their shingles, then hashed."""
    data = "\n".join([" ".join(fp.words) for fp in fingerprints]).encode()
    buf = np.frombuffer(data, dtype=np.uint8)
    seps = np.flatnonzero((buf == 32) | (buf == 10))
    m = np.fromiter([len(fp.words) for fp in fingerprints], dtype=np.int64, count=len(fingerprints))
    if len(seps) != int(m.sum()) - 1:
        return hash32(np, [x for fp in fingerprints for x in shingle_list(fp.words, k)])
    word_starts = np.concatenate(([0], seps + 1))
    word_ends = np.concatenate((seps, [len(data)]))
    counts = np.maximum(m - k + 1, 1)
    first_word = np.cumsum(m) - m
    first_shingle = np.cumsum(counts) - counts
    first = np.repeat(first_word - first_shingle, counts) + np.arange(int(counts.sum()))
    last = first + np.repeat(np.minimum(m, k) - 1, counts)
    return hash32_spans(np, data, word_starts[first], word_ends[last])


def _signatures(np: Any, fingerprints: Sequence[Fingerprint]) -> Any:
    """The MinHash values (``len(fingerprints)`` x NUM_PERM uint32) of the shingles of fingerprints with words: the
    hash of every shingle (for all of them at once: :func:`_shingle_hashes`), then datasketch's fmix and permutations
    of all of them and a minimum per list, a numpy step per HASH_STEP shingles."""
    a, b = _permutations()
    counts = [_count(len(fp.words)) for fp in fingerprints]
    out = np.empty((len(fingerprints), NUM_PERM), dtype=np.uint32)
    start = 0
    while start < len(fingerprints):
        stop, size = start, 0
        while stop < len(fingerprints) and (stop == start or size + counts[stop] <= HASH_STEP):
            size += counts[stop]
            stop += 1
        hv = _shingle_hashes(np, fingerprints[start:stop])
        phv = np.multiply.outer(a, _fmix32(np, hv))  # NUM_PERM x shingles: each permutation's row is contiguous
        phv += b[:, None]
        offsets = np.cumsum([0] + counts[start : stop - 1])
        out[start:stop] = np.minimum.reduceat(phv, offsets, axis=1).T
        start = stop
    return out


def band_keys_of(fingerprints: Iterable[Fingerprint]) -> list[list[int]]:
    """The band keys of each fingerprint (none for a body without words), the MinHashes computed together.

    A key is one signed 64-bit integer per LSH band: BLAKE2b of the band's number and its ``r`` values
    (little-endian uint32), so one indexed column holds every band."""
    np = require("numpy")
    b, r = bands()
    prints = list(fingerprints)
    present = [i for i, fp in enumerate(prints) if len(fp.words)]
    out: list[list[int]] = [[] for _ in prints]
    if not present:
        return out
    values = _signatures(np, [prints[i] for i in present]).astype("<u4", copy=False)
    width = 4 * r
    # one BLAKE2b state per band, already fed the band's number: a copy of it takes the band's values
    started = [hashlib.blake2b(bytes([band]), digest_size=8) for band in range(b)]
    digests = []
    for row in values:
        raw = row.tobytes()
        for band, state in enumerate(started):
            h = state.copy()
            h.update(raw[band * width : (band + 1) * width])
            digests.append(h.digest())
    keys = np.frombuffer(b"".join(digests), dtype=">i8").reshape(len(present), b).tolist()  # signed, big-endian
    for i, row_keys in zip(present, keys, strict=True):
        out[i] = row_keys
    return out


def band_keys(fp: Fingerprint) -> list[int]:
    """The band keys of one fingerprint (see :func:`band_keys_of`)."""
    return band_keys_of([fp])[0]


__all__ = [
    "BANDS",
    "EXTRA",
    "LSH_THRESHOLD",
    "MINHASH_SCHEME",
    "MIN_JACCARD",
    "MIN_NUMBERS",
    "MIN_NUMBER_OVERLAP",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "Fingerprint",
    "MissingExtra",
    "band_keys",
    "band_keys_of",
    "bands",
    "is_copy",
    "jaccard",
    "normalise",
    "preload",
    "require",
    "shingle_list",
    "shingles",
    "tokens",
]
