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
   both texts carry at least :data:`MIN_NUMBERS` numbers, at most ``1 - MIN_NUMBER_OVERLAP`` of the numbers of the
   one with fewer may be *contradicted* by the other: missing from it while it prints another number between the
   same two words (a template report of the next day: ``tercatat Rp45.000 per`` against ``tercatat Rp52.500 per``).
   A number the other text leaves out with its words (a trimmed last paragraph, a rewritten lead) contradicts
   nothing: real bodies carry few numbers, and one lost paragraph would otherwise part a copy from its original.

Changing SHINGLE_WORDS, NUM_PERM, MINHASH_SCHEME, LSH_THRESHOLD, the shingle hash or the normalisation changes the
stored band keys: it needs ``scrapy stories --rebuild`` (or a migration that rebuilds them, as 0008 did for the
hash).
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property, lru_cache
from typing import Any

from antara_crawler.store.extras import installed, require
from antara_crawler.store.shingle_hash import hash32, hash32_spans

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
#: bytes of ASCII text (or words) tokenised and hashed per numpy step of :func:`band_keys_of` (bounds its memory)
TEXT_STEP = 16 * HASH_STEP


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


#: how the Baca juga and byline words begin, up to their first ``i`` or ``s`` (the only letters of these words that a
#: case-insensitive match also finds as other characters, ``ı``, ``İ`` and ``ſ``), each after a newline: a text none
#: of whose lower-cased line heads (:func:`_line_heads`) begins with one of them has no such line, and the regular
#: expression is not run (a line that merely holds one, as a dateline holds ``(antara)``, does not run it)
_BACA_JUGA_HINTS = ("\nbaca",)
_BYLINE_HINTS = tuple(
    "\n" + h
    for h in ("pewarta", "ed", "penul", "reporter", "oleh", "penerjemah", "redaktur", "copyr", "antara", "(antara")
)


#: how much of a line's start (after its leading whitespace, lower-cased) can hold a hint of its Baca juga or byline
#: word: the longest word, twice over (lower-casing may double a character: ``İ`` becomes ``i̇``)
_HEAD = 32


def _line_heads(low: str) -> str:
    """The first :data:`_HEAD` characters of every line of ``low`` after its leading whitespace, one per line: a Baca
    juga or byline line begins with its word there (the patterns' ``^`` and whitespace; ``^`` only follows a
    newline)."""
    return "\n".join([line.lstrip()[:_HEAD] for line in low.split("\n")])


def _cleaned(body: str) -> str:
    """The lower-cased body without Baca juga lines, dateline or byline: what :func:`normalise` tokenises. The
    patterns run only when a line's head begins with one of their hints; on an ASCII body they run on its lower case
    (the same matches: they ignore case, and lower-casing ASCII keeps every length)."""
    low = body.lower()
    ascii_only = body.isascii()
    text = low if ascii_only else body
    heads = "\n" + _line_heads(low)
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
    numbers.

    A body whose cleaned text is ASCII (:meth:`of`) keeps that text, untokenised: :func:`band_keys_of` tokenises a
    batch of them at once with numpy (:func:`_ascii_spans`), and :attr:`words` is only computed when asked (a
    candidate is compared). Other bodies are tokenised at once (:func:`tokens`)."""

    def __init__(self, words: list[str] | None = None, *, ascii_text: str | None = None):
        if words is not None:
            self.words = words
        #: the cleaned, lower-cased ASCII text whose tokens are the words (None: the words were given)
        self.ascii_text = ascii_text if words is None else None

    @classmethod
    def of(cls, body: str | None) -> Fingerprint:
        if not body:
            return cls([])
        text = _cleaned(body)
        return cls(ascii_text=text) if text.isascii() else cls(tokens(text))

    @cached_property
    def words(self) -> list[str]:
        return tokens(self.ascii_text or "")

    @cached_property
    def shingles(self) -> frozenset[str]:
        return frozenset(shingle_list(self.words))

    @cached_property
    def numbers(self) -> frozenset[str]:
        return frozenset(w for w in self.words if _NUMBER.match(w))

    @cached_property
    def number_places(self) -> dict[tuple[str, str], frozenset[str]]:
        """(word before, word after) -> the numbers printed between them (the text's start and end are ``""``)."""
        words = ["", *self.words, ""]
        places: dict[tuple[str, str], set[str]] = {}
        for i in range(1, len(words) - 1):
            if _NUMBER.match(words[i]):
                places.setdefault((words[i - 1], words[i + 1]), set()).add(words[i])
        return {place: frozenset(numbers) for place, numbers in places.items()}


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def is_copy(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether two bodies are copies of one story (see the module docstring for the rule)."""
    if jaccard(a.shingles, b.shingles) < MIN_JACCARD:
        return False
    few, many = sorted((a, b), key=lambda f: len(f.numbers))
    count = len(few.numbers)
    if count < MIN_NUMBERS:
        return True
    missing = few.numbers - many.numbers
    # the earlier rule's test, as it was written (same float comparisons), first: most copies pass it
    if (count - len(missing)) / count >= MIN_NUMBER_OVERLAP:
        return True
    return (count - contradicted(few, many, missing)) / count >= MIN_NUMBER_OVERLAP


def contradicted(few: Fingerprint, many: Fingerprint, missing: frozenset[str]) -> int:
    """How many of ``missing`` (numbers of ``few`` that ``many`` lacks) ``many`` contradicts: it prints another
    number between the same two words as one of their places in ``few``."""
    theirs = many.number_places
    return sum(
        any(place in theirs for place, numbers in few.number_places.items() if number in numbers) for number in missing
    )


# --- MinHash band keys --------------------------------------------------------------------------------------------


#: datasketch's ``MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)`` band choice ``(b, r)``, written out so
#: a crawl does not import datasketch (and scipy, which it uses to choose them: over a second at the first write);
#: the tests check it against datasketch
BANDS = (16, 4)


def bands() -> tuple[int, int]:
    """``(b, r)``: datasketch's optimal band count and rows per band for LSH_THRESHOLD and NUM_PERM (:data:`BANDS`).

    Raises :class:`MissingExtra` when datasketch is not installed, as before: the grouping belongs to the
    ``analysis`` extra, and an archive written without it has no bands until ``scrapy stories --rebuild``."""
    if not installed("datasketch"):
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


#: the byte classes of :func:`_ascii_spans`: what the token pattern makes of each ASCII character
_SEPARATOR, _LETTER, _DIGIT, _JOINER = 0, 1, 2, 3


@lru_cache(maxsize=1)
def _byte_classes() -> Any:
    """The class of every byte value (uint8): letters ``[A-Za-z]`` (the pattern's ``[^\\W\\d_]`` in ASCII), digits,
    the characters that join the digits of a number (``.,/:``), and separators (everything else, non-ASCII bytes
    included: only ASCII texts come here)."""
    np = require("numpy")
    table = np.full(256, _SEPARATOR, dtype=np.uint8)
    for ch in string.ascii_letters:
        table[ord(ch)] = _LETTER
    for ch in string.digits:
        table[ord(ch)] = _DIGIT
    for ch in ".,/:":
        table[ord(ch)] = _JOINER
    return table


def _shifted(np: Any, mask: Any, by: int) -> Any:
    """``mask`` moved ``by`` places (1: each position holds its left neighbour's value; -1: its right one's), False
    where there is no neighbour."""
    out = np.zeros_like(mask)
    if by > 0:
        out[by:] = mask[:-by]
    else:
        out[:by] = mask[-by:]
    return out


#: the byte between two texts in :func:`_ascii_spans` (never in an ASCII text)
_TEXT_END = 0xFF


def _ascii_spans(np: Any, texts: Sequence[str]) -> tuple[Any, Any, Any, Any]:
    """The tokens of these ASCII texts (:func:`tokens` of each: ``_TOKEN.findall``), found for all of them at once:
    ``(data, starts, ends, counts)``: ``data`` (uint8) holds the tokens in order, one space between two tokens of a
    text and a ``0xff`` between two texts (it may follow a space); ``data[starts[i]:ends[i]]`` is token ``i`` (all
    texts' tokens in order) and ``counts`` the tokens of each text.

    The pattern, byte by byte: a token is a run of letters or a number; a number is a run of digits, ``.,/:`` between
    two digits included (``\\d+(?:[.,/:]\\d+)*``); where a letter meets a digit one token ends and the next begins.
    So every other byte becomes a space, a run of them is cut to one, and a space goes between a letter and a digit
    that touch: a few numpy passes over the bytes of a whole batch (the tests compare the tokens with the pattern's).
    """
    raw = np.frombuffer(b"\xff".join([t.encode("ascii") for t in texts]), dtype=np.uint8)
    cls = np.take(_byte_classes(), raw)
    digit = cls == _DIGIT
    number = digit | ((cls == _JOINER) & _shifted(np, digit, 1) & _shifted(np, digit, -1))
    token = number | (cls == _LETTER)
    end = raw == _TEXT_END
    # a token byte stays, and the first separator after a token (as a space), and every end of a text
    keep = token | end | _shifted(np, token, 1)
    data = np.where(token | end, raw, np.uint8(32))[keep]
    if (token & _shifted(np, token, 1) & (number != _shifted(np, number, 1))).any():  # a letter touching a digit
        kinds = np.take(_byte_classes(), data)  # in data a joiner is in a number
        number_at, letter_at = kinds >= _DIGIT, kinds == _LETTER
        touching = np.flatnonzero((letter_at[:-1] & number_at[1:]) | (number_at[:-1] & letter_at[1:]))
        data = np.insert(data, touching + 1, np.uint8(32))  # a space between them
    kept_token = (data != 32) & (data != _TEXT_END)
    starts = np.flatnonzero(kept_token & ~_shifted(np, kept_token, 1))
    ends = np.flatnonzero(kept_token & ~_shifted(np, kept_token, -1)) + 1
    text_of = np.searchsorted(np.flatnonzero(data == _TEXT_END), starts)  # which text each token is in
    return data, starts, ends, np.bincount(text_of, minlength=len(texts))


def _word_spans(np: Any, word_lists: Sequence[list[str]]) -> tuple[Any, Any, Any, Any] | None:
    """What :func:`_ascii_spans` gives, for lists of at least one word: the words joined by spaces (the lists by
    newlines), encoded once, with the span of every word. None when a word holds a space or newline (never from
    :func:`tokens`): then the spans are not the words."""
    data = np.frombuffer("\n".join([" ".join(words) for words in word_lists]).encode(), dtype=np.uint8)
    seps = np.flatnonzero((data == 32) | (data == 10))
    counts = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists))
    if len(seps) != int(counts.sum()) - 1:
        return None
    return data, np.concatenate(([0], seps + 1)), np.concatenate((seps, [len(data)])), counts


def _shingle_hashes(np: Any, fingerprints: Sequence[Fingerprint], k: int = SHINGLE_WORDS) -> tuple[Any, Any]:
    """:func:`~antara_crawler.store.shingle_hash.shingle_hash32` of every shingle of these fingerprints, in
    :func:`shingle_list` order, and the number of shingles of each: ``(hashes, counts)``.

    The shingles are not built: a shingle is the span of the joined words from its first word's start to its last
    word's end, so the words of all are laid out once (:func:`_ascii_spans` tokenises the ASCII texts on the way,
    :func:`_word_spans` joins given words) and each span hashed in place
    (:func:`~antara_crawler.store.shingle_hash.hash32_spans`). All fingerprints are of one kind: ASCII texts, or
    word lists of at least one word. Word lists holding a separator take the plain way: their shingles, then hashed.
    """
    if fingerprints and fingerprints[0].ascii_text is not None:
        spans = _ascii_spans(np, [fp.ascii_text or "" for fp in fingerprints])
    else:
        spans = _word_spans(np, [fp.words for fp in fingerprints])
    if spans is None:
        lists = [shingle_list(fp.words, k) for fp in fingerprints]
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        return hash32(np, [x for shingles in lists for x in shingles]), counts
    data, word_starts, word_ends, m = spans
    counts = np.where(m > 0, np.maximum(m - k + 1, 1), 0)
    first_word = np.cumsum(m) - m
    first_shingle = np.cumsum(counts) - counts
    first = np.repeat(first_word - first_shingle, counts) + np.arange(int(counts.sum()))
    last = first + np.repeat(np.minimum(m, k) - 1, counts)
    return hash32_spans(np, data, word_starts[first], word_ends[last]), counts


def _steps(sizes: Sequence[int], limit: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive runs of ``sizes`` whose sum stays within ``limit`` (a run holds at least one):
    the numpy steps of :func:`_minhashes` and :func:`_signatures`."""
    start = 0
    while start < len(sizes):
        stop, total = start + 1, sizes[start]
        while stop < len(sizes) and total + sizes[stop] <= limit:
            total += sizes[stop]
            stop += 1
        yield start, stop
        start = stop


def _minhashes(np: Any, hashes: Any, counts: Sequence[int]) -> Any:
    """The MinHash values (``len(counts)`` x NUM_PERM uint32) of consecutive runs of ``hashes`` (``counts[i]`` > 0
    shingle hashes each): datasketch's fmix and permutations of all of them and a minimum per run, a numpy step per
    HASH_STEP shingles."""
    a, b = _permutations()
    out = np.empty((len(counts), NUM_PERM), dtype=np.uint32)
    offset = 0
    for start, stop in _steps(counts, HASH_STEP):
        size = sum(counts[start:stop])
        hv = hashes[offset : offset + size]
        phv = np.multiply.outer(a, _fmix32(np, hv))  # NUM_PERM x shingles: each permutation's row is contiguous
        phv += b[:, None]
        offsets = np.cumsum([0] + list(counts[start : stop - 1]))
        out[start:stop] = np.minimum.reduceat(phv, offsets, axis=1).T
        offset += size
    return out


def _signatures(np: Any, fingerprints: Sequence[Fingerprint]) -> tuple[Any, list[int]]:
    """The MinHash values (``len(fingerprints)`` x NUM_PERM uint32) of these fingerprints' shingles, and the shingles
    of each (0: no words, and its row is not a MinHash). ASCII texts and word lists go in separate groups
    (:func:`_shingle_hashes`), each a step per TEXT_STEP bytes or words."""
    out = np.zeros((len(fingerprints), NUM_PERM), dtype=np.uint32)
    shingles = [0] * len(fingerprints)
    texts = [i for i, fp in enumerate(fingerprints) if fp.ascii_text is not None]
    lists = [i for i, fp in enumerate(fingerprints) if fp.ascii_text is None and fp.words]
    sizes = ([len(fingerprints[i].ascii_text or "") for i in texts], [len(fingerprints[i].words) for i in lists])
    for group, group_sizes in zip((texts, lists), sizes, strict=True):
        for start, stop in _steps(group_sizes, TEXT_STEP):
            chunk = group[start:stop]
            hashes, counts = _shingle_hashes(np, [fingerprints[i] for i in chunk])
            counts = counts.tolist()
            present = [n for n in counts if n]
            if present:
                out[[i for i, n in zip(chunk, counts, strict=True) if n]] = _minhashes(np, hashes, present)
            for i, n in zip(chunk, counts, strict=True):
                shingles[i] = n
    return out, shingles


def band_keys_of(fingerprints: Iterable[Fingerprint]) -> list[list[int]]:
    """The band keys of each fingerprint (none for a body without words), the MinHashes computed together.

    A key is one signed 64-bit integer per LSH band: BLAKE2b of the band's number and its ``r`` values
    (little-endian uint32), so one indexed column holds every band."""
    np = require("numpy")
    b, r = bands()
    prints = list(fingerprints)
    out: list[list[int]] = [[] for _ in prints]
    if not prints:
        return out
    signatures, shingles = _signatures(np, prints)
    present = [i for i, n in enumerate(shingles) if n]
    if not present:
        return out
    values = signatures[present].astype("<u4", copy=False)
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
    "LSH_THRESHOLD",
    "MINHASH_SCHEME",
    "MIN_JACCARD",
    "MIN_NUMBERS",
    "MIN_NUMBER_OVERLAP",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "Fingerprint",
    "band_keys",
    "band_keys_of",
    "bands",
    "contradicted",
    "is_copy",
    "jaccard",
    "normalise",
    "preload",
    "shingle_list",
    "shingles",
    "tokens",
]
