"""Bytes or text in, one lxml tree out: decoding (BOM, charset hints, ``<meta charset>``, cp1252 pages declared
UTF-8), the checks that reject empty and binary pages, and the one HTML parser per thread.

Every page parser (``article.py``, ``amp.amp_canonical``) parses through :func:`parse_tree`, so a page is decoded
and checked the same way everywhere. :class:`NotArticle` is the one exception the extraction functions raise.
"""

from __future__ import annotations

import re
import threading

from lxml import etree

_local = threading.local()


class NotArticle(Exception):
    """The page yields no article; ``reason`` is a short snake_case name (stat ``antara/dropped/<reason>``)."""

    def __init__(self, reason: str, detail: str | None = None):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


#: Control bytes that never occur in a real page (tab, newlines and form feed excluded).
_CTRL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_NOT_CTRL = bytes(b for b in range(256) if b not in _CTRL_BYTES)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")
_XML_START = re.compile(rb"[ \t\n\r\x0b\x0c]*<\?xml")  # bytes.lstrip()'s whitespace, then the declaration
#: Searched in the lower-cased first 4 KB (ASCII case only, as ``re.IGNORECASE`` on bytes): a literal ``<meta``
#: prefix lets the regex engine skip ahead instead of trying every position case-insensitively.
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-z0-9_.:-]{2,40})""")
_MOJIBAKE = re.compile("[ÃÂâ][\x80-\xbf\u0152-\u2122]")
# --- decoding and parsing --------------------------------------------------------------------------------------


def parse_tree(html: str | bytes, encoding: str | None = None) -> etree._Element:
    """Decode, check and parse a page once; raises NotArticle("empty"/"binary") for pages with nothing to read.

    Everything is parsed as UTF-8 bytes (the fastest lxml input): text is encoded, other charsets re-encoded.
    """
    return parse_tree_data(html, encoding)[0]


def parse_tree_data(html: str | bytes, encoding: str | None = None) -> tuple[etree._Element, bytes]:
    """:func:`parse_tree`, also returning the UTF-8 bytes lxml parsed (for cheap substring checks)."""
    replaced = False
    if isinstance(html, str):
        data = html.encode("utf-8", "replace")
    elif isinstance(html, (bytes, bytearray, memoryview)):
        text = decode(html, encoding)
        data = bytes(html) if text is None else text.encode("utf-8", "replace")
        replaced = text is not None
    else:
        raise NotArticle("empty", type(html).__name__)
    if not data or data.isspace():  # ``not data.strip()`` without copying the page
        raise NotArticle("empty")
    bad = len(data.translate(None, _NOT_CTRL))
    if replaced:  # U+FFFD that decoding produced (valid UTF-8 may hold a few legitimately)
        bad += data.count(b"\xef\xbf\xbd")
    if bad:
        if bad > max(16, len(data) // 60):
            raise NotArticle("binary", f"{bad} undecodable or control bytes of {len(data)}")
        data = data.translate(None, _CTRL_BYTES)
    if _XML_START.match(data):  # ``data.lstrip()[:5] == b"<?xml"`` without copying the page
        data = _XML_DECL.sub(b"", data, count=1)
    try:
        root = etree.fromstring(data, _parser())
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise NotArticle("empty", str(exc)[:100]) from None
    if root is None or not isinstance(root.tag, str):
        raise NotArticle("empty")
    return root, data


def _parser() -> etree.HTMLParser:
    """One lxml HTML parser per thread (parsers are not shared across threads). Plain ``etree`` elements, not
    ``lxml.html`` ones: the same libxml2 parse without a Python class lookup for every element touched.

    No ``huge_tree``: it would lift libxml2's depth limit from 256 to 2,048, but the recursive walkers of
    ``text.py`` (``_byline_walk``, ``_Walker.walk``) then overflow Python's recursion limit (about 1,000) on pages
    nested that deep (``parse_error``; 18 of the 1,500 fuzzed pages). At 256 such a page is ``missing_body``.
    """
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, collect_ids=False
        )
    return parser


def decode(data: bytes | bytearray | memoryview, hint: str | None = None) -> str | None:
    """Bytes to text: BOM, then the ``encoding`` hint, then ``<meta charset>``, then UTF-8.

    Returns None when the bytes are valid UTF-8 as they stand (the common case: no copy needed). A page declared
    UTF-8 that is really Latin-1/cp1252 (it fails strict UTF-8 and reads cleanly as cp1252) is read as cp1252;
    otherwise undecodable bytes become U+FFFD (and a page made mostly of them is "binary").
    """
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", "replace")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", "replace")
    candidates: list[str] = []
    if hint:
        candidates.append(hint)
    m = _META_CHARSET.search(raw[:4096].lower())
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates.append("utf-8")
    for enc in dict.fromkeys(c.lower().replace("_", "-") for c in candidates):
        if enc in ("utf-8", "utf8") and raw.isascii():
            return None  # ASCII is valid UTF-8: no need to decode the whole page to learn it
        try:
            text = raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        return None if enc in ("utf-8", "utf8") else text
    try:
        latin = raw.decode("cp1252")
    except UnicodeDecodeError:
        latin = None
    if latin is not None and not _MOJIBAKE.search(latin):
        return latin
    return raw.decode("utf-8", "replace")


__all__ = ["NotArticle", "decode", "parse_tree", "parse_tree_data"]
