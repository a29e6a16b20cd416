"""Body and byline cleaning shared by every layer, on HTML elements and on plain text (SITE.md sections 4, 5, 10).

Reads: a body container element (``div.post-content``, ``.wrap__article-detail-content``, an AMP ``<article>``...)
or plain text. Produces paragraphs with the dateline kept, the inline "Baca juga" links, and the byline.

* :func:`element_blocks` walks a container once, splitting on ``<br>`` runs **and** block elements, skipping
  scripts, ads, pull quotes, the www byline paragraph and ``span.baca-juga`` (whose links it harvests).
* the walk normalises whitespace and drops the non-body lines (Baca juga, Pewarta, Editor, Penerjemah,
  COPYRIGHT, the AI notice); :func:`dedupe_paragraphs` drops repeated paragraphs (AMP copies).
* :func:`extract_body_text` does the same for plain text; :func:`parse_byline` reads ``Pewarta``/``Editor``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lxml import etree

#: One link found in the body: (href as written, link text).
Link = tuple[str, str]

_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")

#: Blocks that are not body text (SITE.md 4.5); the colon keeps "Editor senior ..." sentences in the body.
_DROP = re.compile(
    r"^(?:baca\s+juga\b|(?:pewarta|editor|penerjemah|penyunting|fotografer|reporter)\s*:"
    r"|copyright\s*(?:©|\(c\)|&copy;|antara)|dilarang\s+keras\s+mengambil\s+konten)",
    re.IGNORECASE,
)
_BACA_JUGA = re.compile(r"^baca\s+juga\b", re.IGNORECASE)

#: ``Pangkalpinang (ANTARA) - ``, ``Serang, Banten (ANTARA) – ``, ``Medan, 30/6 (Antarasumut) -`` (SITE.md 4.6).
_DATELINE = re.compile(r"^(?P<place>[^()\n]{1,80}?)\s*\((?:ANTARA|Antara\w*)\)\s*[-–—]+\s*")

# The byline (SITE.md 5): stop at the next label, at COPYRIGHT or at the end of the line, so glued text
# ("SavitriEditor: Y") still splits. ``[^\S\n]`` is whitespace that is not a newline: an empty editor
# ("Editor :&nbsp;\nCOPYRIGHT") must not swallow the next line.
_STOP = r"(?=Pewarta\s*:|Editor\s*:|Penerjemah\s*:|Penyunting\s*:|COPYRIGHT|Copyright|\n|$)"
_REPORTER = re.compile(r"Pewarta[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _STOP)
_EDITOR = re.compile(r"(?:Editor|Penyunting)[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _STOP)
_TRANSLATOR = re.compile(r"Penerjemah[^\S\n]*:[^\S\n]*(?P<v>.*?)[^\S\n]*" + _STOP)

#: Block-level tags: each starts and ends a paragraph.
_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
        "th",
        "dl",
        "dt",
        "dd",
        "pre",
        "hr",
        "center",
        "header",
        "footer",
        "main",
        "aside",
        "figure",
    ]
)
#: Tags whose content is never body text.
_SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "iframe",
        "ins",
        "template",
        "svg",
        "canvas",
        "form",
        "button",
        "select",
        "textarea",
        "object",
        "embed",
        "video",
        "audio",
        "figcaption",
        "amp-ad",
        "amp-embed",
        "amp-analytics",
        "amp-iframe",
        "amp-social-share",
        "amp-sidebar",
        "amp-img",
        "img",
        "picture",
        "source",
    ]
)
#: Classes of ads, pull quotes, bylines, captions and embeds (SITE.md 4.2).
_SKIP_CLASS = re.compile(
    r"(?:^|\s)(?:ads?(?:[-_][\w-]*)?|[\w-]*[-_]ads?|adsbygoogle|adsense[\w-]*|advert[\w-]*|gpt-ad[\w-]*|banner[\w-]*"
    r"|quote_old|text-muted|wp-caption[\w-]*|twitter-tweet|instagram-media|tiktok-embed|social-share"
    r"|share-wrapper|related[\w-]*|tags?-wrapper|post-meta)(?:\s|$)"
)
_BACA_JUGA_CLASS = re.compile(r"(?:^|\s)baca-?juga(?:\s|$)")


def raw_text(el: etree._Element) -> str:
    """All the text inside ``el`` (no tail), like ``text_content()`` but for plain lxml elements, in C."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def norm(text: str | None) -> str:
    """Entity-decoded, whitespace-collapsed, stripped text (``&nbsp;`` becomes a space)."""
    if not text:
        return ""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)  # double-escaped entities (``&amp;quot;``) in titles and RSS copies
    return " ".join(text.split())  # str.split() also splits on U+00A0 (&nbsp;)


def is_dropped_line(text: str) -> bool:
    """True for a block that is not body text: Baca juga, byline labels, COPYRIGHT, the AI notice."""
    return bool(_DROP.match(text))


def split_dateline(first_paragraph: str) -> str | None:
    """The place before ``(ANTARA) -`` at the start of paragraph 1 (``Serang, Banten``), or None."""
    m = _DATELINE.match(first_paragraph)
    if not m:
        return None
    return norm(m.group("place")).rstrip(",") or None


@dataclass
class BodyParts:
    """What one walk over a body container produced."""

    paragraphs: list[str] = field(default_factory=list)
    baca_juga: list[Link] = field(default_factory=list)  # inline related links, body order

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def dateline(self) -> str | None:
        return split_dateline(self.paragraphs[0]) if self.paragraphs else None


def element_blocks(container: etree._Element) -> BodyParts:
    """Walk ``container`` once and return its cleaned paragraphs and its Baca juga links.

    Paragraph breaks are ``<br>`` runs and block elements. Links inside a dropped "Baca juga" block (the bare
    ``<b>Baca juga:</b> <a>`` form) and inside ``span.baca-juga`` are harvested in document order.
    """
    walker = _Walker()
    walker.walk(container)
    walker.flush()
    return BodyParts(paragraphs=walker.paragraphs, baca_juga=walker.links)


class _Walker:
    __slots__ = ("buf", "block_links", "paragraphs", "links")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.block_links: list[Link] = []
        self.paragraphs: list[str] = []
        self.links: list[Link] = []

    def flush(self) -> None:
        if not self.buf:
            self.block_links.clear()
            return
        text = norm("".join(self.buf))
        self.buf.clear()
        if text:
            if _DROP.match(text):
                if _BACA_JUGA.match(text):
                    self.links.extend(self.block_links)
            else:
                self.paragraphs.append(text)
        self.block_links.clear()

    def walk(self, el: etree._Element) -> None:
        if el.text:
            self.buf.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                if tag == "br":
                    self.flush()
                elif tag in _SKIP_TAGS:
                    pass
                else:
                    cls = child.get("class")
                    if cls and _BACA_JUGA_CLASS.search(cls):
                        self.flush()
                        self.links.extend(_links_in(child))
                    elif cls and _SKIP_CLASS.search(cls):
                        if tag in _BLOCK_TAGS:
                            self.flush()
                    elif tag in _BLOCK_TAGS:
                        self.flush()
                        self.walk(child)
                        self.flush()
                    else:
                        if tag == "a":
                            href = child.get("href")
                            if href:
                                self.block_links.append((href, norm(raw_text(child)) or child.get("title", "")))
                        self.walk(child)
            if child.tail:
                self.buf.append(child.tail)


def _links_in(el: etree._Element) -> list[Link]:
    out: list[Link] = []
    for a in el.iter("a"):
        href = a.get("href")
        if href:
            out.append((href, norm(raw_text(a)) or norm(a.get("title"))))
    return out


def dedupe_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop repeated paragraphs (first position wins); a copy with the dateline replaces a copy without it."""
    out: list[str] = []
    index: dict[str, int] = {}  # paragraph without its dateline -> position in out
    for p in paragraphs:
        m = _DATELINE.match(p)
        bare = p[m.end() :] if m else p
        if bare in index:
            i = index[bare]
            if m and not _DATELINE.match(out[i]):
                out[i] = p
            continue
        index[bare] = len(out)
        out.append(p)
    return out


def extract_body_text(text: str) -> tuple[str, str | None]:
    """Clean a plain-text article (paragraphs separated by blank lines, byline lines at the end).

    Returns ``(body, dateline)``: the body paragraphs joined by one blank line, the dateline kept at the start of
    paragraph 1, with Baca juga, Pewarta/Editor/Penerjemah, COPYRIGHT and AI-notice lines removed.
    """
    paragraphs: list[str] = []
    for chunk in re.split(r"\n[^\S\n]*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n")):
        kept = [line for line in chunk.split("\n") if (n := norm(line)) and not _DROP.match(n)]
        joined = norm(" ".join(kept))
        if joined and not _DROP.match(joined):
            paragraphs.append(joined)
    return "\n\n".join(paragraphs), (split_dateline(paragraphs[0]) if paragraphs else None)


def byline_text(el: etree._Element) -> str:
    """The text of a byline element with ``<br>`` and block ends turned into newlines (so labels never glue)."""
    parts: list[str] = []
    _byline_walk(el, parts)
    return "".join(parts)


def _byline_walk(el: etree._Element, parts: list[str]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP_TAGS:
            if tag == "br":
                parts.append("\n")
            else:
                _byline_walk(child, parts)
                if tag in _BLOCK_TAGS:
                    parts.append("\n")
        if child.tail:
            parts.append(child.tail)


def _label(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    if not m:
        return None
    value = norm(m.group("v")).strip(" ,;/|-–")
    return value or None


def parse_byline(text: str | None) -> tuple[str | None, str | None]:
    """``(reporter, editor)`` from a byline such as ``Pewarta : X\\nEditor :&nbsp;\\nCOPYRIGHT © ANTARA 2023``.

    Accepts ``Pewarta: X`` and ``Pewarta : X``, an empty editor (None), ``Penerjemah:`` lines and glued text
    (``Pewarta: Ani SavitriEditor: Budi``). Lines are separated by ``\\n`` (turn ``<br>`` into ``\\n`` first).
    """
    if not text:
        return None, None
    text = text.replace("\xa0", " ").replace("&nbsp;", " ")
    return _label(_REPORTER, text), _label(_EDITOR, text)


def parse_translator(text: str | None) -> str | None:
    """The ``Penerjemah:`` (translator) name of a www translation byline, or None."""
    return _label(_TRANSLATOR, text.replace("\xa0", " ")) if text else None
