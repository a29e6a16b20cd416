"""Body and byline cleaning shared by every layer, on HTML elements and on plain text.

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

#: Blocks that are not body text; the colon keeps "Editor senior ..." sentences in the body.
#: ``Uploader : Admin 1`` is a CMS account (seen on real 2023 pages): neither a name nor body text.
_DROP = re.compile(
    r"^(?:baca\s+juga\b|related\s+news\s*:|(?:pewarta|editor|penerjemah|penyunting|fotografer|reporter|uploader)\s*:"
    r"|copyright\s*(?:©|\(c\)|&copy;|antara)|dilarang\s+keras\s+mengambil\s+konten)",
    re.IGNORECASE,
)
#: Inline related lines: Indonesian ``Baca juga:`` and the English portal's ``Related news:``.
_BACA_JUGA = re.compile(r"^(?:baca\s+juga\b|related\s+news\s*:)", re.IGNORECASE)

#: The agency tag of a dateline: ``(ANTARA)``, ``(ANTARA News)``, ``(Antara)``, ``(ANTARA Sumsel)``,
#: ``(Antara Kalteng)``, ``(AntaraSumbar)``, ``(Antaranews Jatim)``, ``(Antara/PRNewswire)``, ``(Antarasumut)``.
_AGENCY = r"\(\s*antara(?:\s*news)?(?:[\s/-]*[a-z][\w .-]{0,30}?)?\s*\)"
#: Dash separators: ``-``, ``--``, ``–``, ``—`` (a line break may follow).
_SEP = r"\s*[-–—]{1,3}\s*"
#: Without a tag: ``Jambi - `` (one to three capitalised words), or no place: ``ANTARA - ``.
_DATELINE_BARE = re.compile(r"^(?:ANTARA|(?P<place>[A-Z][\w.]*(?:,? [A-Z][\w.]*){0,2}))\s+[-–—]{1,3}\s+(?=\S)")
#: The agency tag anywhere in a paragraph (a pull quote glued before the dateline).
_AGENCY_INSIDE = re.compile(_AGENCY + _SEP, re.IGNORECASE)


#: A dateline: ``Pangkalpinang (ANTARA) - ``, ``Serang, Banten (ANTARA) – ``, ``Medan, 30/6 (Antarasumut) -``,
#: ``ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) --``, ``Sawahlunto, (AntaraSumbar) -`` (all seen on real pages;
#: ``tests/fixtures/variants/dateline_*``): the place as printed (at most DATELINE_PLACE_MAX characters, no
#: parenthesis, no line break), whitespace, then the agency tag and its dash.
DATELINE_PLACE_MAX = 80


def _tagged_dateline(text: str) -> tuple[str, int] | None:
    """``(place, end of the tag and its dash)`` of a dateline starting ``text``, or None. The tag is at the first
    ``(`` (the place holds none): one regex anchored there (a lazy place before it tried all 81 lengths)."""
    at = text.find("(")
    if at < 0:
        return None
    tag = _AGENCY_INSIDE.match(text, at)
    if tag is None:
        return None
    place = text[:at].rstrip()
    if len(place) > DATELINE_PLACE_MAX or "\n" in place or ")" in place:
        return None
    return place, tag.end()


def _bare_dateline(text: str) -> re.Match[str] | None:
    """``_DATELINE_BARE.match``; both of its forms start with an ASCII capital."""
    return _DATELINE_BARE.match(text) if "A" <= text[:1] <= "Z" else None


#: A photo credit ending a caption: ``(ANTARA FOTO/…)``, ``(ANTARA/HO-…)``, ``(HO-…)``, ``(FOTO ANTARA/…)``,
#: ``(Antarasumsel.com/Grafis/Aw)``, ``(ANTARANews/ferly)``, and the unbracketed ``ANTARA/HO-…`` at the end.
#: ``(IGT)`` or a crew ``(A/B/C)`` are not credits.
_CREDIT_BRACKET = re.compile(
    r"\((?:antara\s*foto|foto\s*antara|antara[\w.]*)\s*/[^()]{1,80}\)|\(\s*ho\s*-[^()]{1,80}\)", re.IGNORECASE
)
_CREDIT_BARE = re.compile(r"\bANTARA/HO-[^()]{1,60}$")
#: A caption paragraph: a credit at its end and no longer than a caption gets.
CAPTION_MAX = 600

# The byline: a label, then its value up to the next label, COPYRIGHT or the end of the line, so glued text
# ("SavitriEditor: Y") still splits. ``[^\S\n]`` is whitespace that is not a newline: an empty editor
# ("Editor :&nbsp;\nCOPYRIGHT") must not swallow the next line. The value ends where ``_LABEL_STOP`` first
# matches after the label (one search; a lazy value before a lookahead tries the lookahead at every character).
_LABEL_STOP = re.compile(r"Pewarta\s*:|Editor\s*:|Penerjemah\s*:|Penyunting\s*:|Uploader\s*:|COPYRIGHT|Copyright|\n")
#: (label pattern, the words one of which every match starts with): a search starts at the first of them (the
#: alternation of the editor's has no literal prefix for the regex engine to skip ahead to). A tuple, not a dict
#: keyed by the pattern: hashing a compiled pattern hashes its whole code, on every lookup.
_REPORTER = (re.compile(r"Pewarta[^\S\n]*:"), ("Pewarta",))
_EDITOR = (re.compile(r"(?:Editor|Penyunting)[^\S\n]*:"), ("Editor", "Penyunting"))
_TRANSLATOR = (re.compile(r"Penerjemah[^\S\n]*:"), ("Penerjemah",))

#: Block-level tags: each starts and ends a paragraph.
_BLOCK_TAGS = frozenset([
    "p", "div", "section", "article", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li",
    "table", "tr", "td", "th", "dl", "dt", "dd", "pre", "hr", "center", "header", "footer", "main", "aside",
    "figure",
])  # fmt: skip
#: Tags whose content is never body text.
_SKIP_TAGS = frozenset([
    "script", "style", "noscript", "iframe", "ins", "template", "svg", "canvas", "form", "button", "select",
    "textarea", "object", "embed", "video", "audio", "figcaption", "amp-ad", "amp-embed", "amp-analytics",
    "amp-iframe", "amp-social-share", "amp-sidebar", "amp-img", "img", "picture", "source",
])  # fmt: skip
#: Classes of ads, pull quotes, bylines, captions and embeds.
_SKIP_CLASS = re.compile(
    r"(?:^|\s)(?:ads?(?:[-_][\w-]*)?|[\w-]*[-_]ads?|adsbygoogle|adsense[\w-]*|advert[\w-]*|gpt-ad[\w-]*|banner[\w-]*"
    r"|quote_old|text-muted|wp-caption[\w-]*|twitter-tweet|instagram-media|tiktok-embed|social-share"
    r"|share-wrapper|related[\w-]*|tags?-wrapper|post-meta)(?:\s|$)"
)
_BACA_JUGA_CLASS = re.compile(r"(?:^|\s)baca-?juga(?:\s|$)")


def raw_text(el: etree._Element) -> str:
    """All the text inside ``el`` (no tail), like ``text_content()`` but for plain lxml elements, in C. An element
    without children holds its ``.text`` alone (the parser drops comments and PIs), read without a serialiser."""
    if not len(el):
        return el.text or ""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


def norm(text: str | None) -> str:
    """Entity-decoded, whitespace-collapsed, stripped text (``&nbsp;`` becomes a space)."""
    if not text:
        return ""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)  # double-escaped entities (``&amp;quot;``) in titles and RSS copies
    # stripped, its breaks made spaces, a printable text (every whitespace but " " is unprintable) without a double
    # space is its own normal form: three C passes instead of a string object per word
    flat = text.strip().replace("\n", " ")
    if flat.isprintable() and "  " not in flat:
        return flat
    return " ".join(text.split())  # str.split() also splits on U+00A0 (&nbsp;)


def is_dropped_line(text: str) -> bool:
    """True for a block that is not body text: Baca juga, byline labels, COPYRIGHT, the AI notice."""
    return bool(_DROP.match(text))


def split_dateline(first_paragraph: str) -> str | None:
    """The place before ``(ANTARA) -`` at the start of paragraph 1 (``Serang, Banten``), or None."""
    tagged = _tagged_dateline(first_paragraph)
    if tagged is not None:
        place = tagged[0]
    else:
        m = _bare_dateline(first_paragraph)
        place = m.group("place") if m else None
    if not place:
        return None
    return norm(place).rstrip(",").strip() or None


def has_dateline(paragraph: str) -> bool:
    return bool(_tagged_dateline(paragraph) or _bare_dateline(paragraph))


def is_caption(text: str) -> bool:
    """A photo caption printed in the body: it ends with a photo credit (``(ANTARA FOTO/…)``, ``(HO-…)``)."""
    if len(text) > CAPTION_MAX:
        return False
    end = text.rstrip(" .")
    if end.endswith(")"):
        return bool(_CREDIT_BRACKET.fullmatch(end, end.rfind("(")))
    return "ANTARA/HO-" in end and bool(_CREDIT_BARE.search(end))


#: Words two passages must share in one run for one to be a copy of the other (a pull quote of the body).
QUOTE_RUN = 6


_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    """The lower-cased words of ``text``."""
    return _WORD.findall(text.lower())


def _runs(words: list[str], need: int) -> zip[tuple[str, ...]]:
    """Every run of ``need`` consecutive words, in order (tuples built in C)."""
    return zip(*(words[k:] for k in range(need)), strict=False)


def _shares_run(quote: str, rest: list[str]) -> bool:
    """True when ``quote`` shares a run of QUOTE_RUN words (or most of its words, when shorter) with ``rest``:
    a pull quote repeats the body with a word or two changed, so equality is not the test."""
    words = _words(quote)
    if len(words) < 3:
        return False
    need = min(QUOTE_RUN, len(words))
    grams = set(_runs(words, need))
    return any(not grams.isdisjoint(_runs(_words(text), need)) for text in rest)


def drop_pull_quotes(paragraphs: list[str]) -> list[str]:
    """Drop a pull quote printed before the dateline, or glued to it, when the body repeats its words.

    Only the text before the dateline is examined (the first three paragraphs at most); no dateline, nothing
    dropped."""
    head = paragraphs[:4]
    for i, p in enumerate(head):
        if has_dateline(p):
            rest = [_drop_glued_quote(p, paragraphs[i + 1 :]), *paragraphs[i + 1 :]]
            if i == 0:
                return rest
            return [q for q in paragraphs[:i] if not _shares_run(q, rest)] + rest
        m = _AGENCY_INSIDE.search(p) if "(" in p else None
        if m is not None:
            start = _place_start(p, m.start())
            if start > 0 and _shares_run(p[:start], paragraphs[i + 1 :] + [p[m.end() :]]):
                glued = p[start:].lstrip(" ,.\"'”’")
                kept = [q for q in paragraphs[:i] if not _shares_run(q, paragraphs[i:])]
                return [*kept, glued, *paragraphs[i + 1 :]]
            return paragraphs
    return paragraphs


#: A sentence glued to the previous one (``Kamis malam.Kegiatan ini …``): where a pull quote printed inside the
#: lead was joined to it. The point is after a stop that follows ``_GLUED_AFTER`` and precedes an ASCII capital,
#: found with ``str.find`` (the regex ``[a-z0-9][.!?](?=[A-Z])`` tried a match at nearly every letter).
_GLUED_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def glue_points(lead: str) -> list[int]:
    """The offsets just after each sentence stop of ``lead`` glued to the next sentence, in order."""
    points: list[int] = []
    for stop in ".!?":
        at = lead.find(stop, 1)
        while at >= 0:
            if "A" <= lead[at + 1 : at + 2] <= "Z" and lead[at - 1] in _GLUED_AFTER:
                points.append(at + 1)
            at = lead.find(stop, at + 1)
    return sorted(points)


def _drop_glued_quote(lead: str, rest: list[str]) -> str:
    """The dateline paragraph without a pull quote glued after one of its sentences, when the body repeats it."""
    for at in glue_points(lead):
        if _shares_run(lead[at:], rest):
            return lead[:at]
    return lead


def _place_start(text: str, tag_at: int) -> int:
    """Where the place before a mid-paragraph agency tag starts: after the last quote mark or sentence end."""
    cut = max(text.rfind(c, 0, tag_at) for c in ('"', "”", "’", ".", "!", "?", "'"))
    return cut + 1 if cut >= 0 else 0


@dataclass
class BodyParts:
    """What one walk over a body container produced."""

    paragraphs: list[str] = field(default_factory=list)
    baca_juga: list[Link] = field(default_factory=list)  # inline related links, body order
    bylines: list[str] = field(default_factory=list)  # ``Oleh X [date]`` lines left out of the body, body order

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
    return BodyParts(paragraphs=drop_pull_quotes(walker.paragraphs), baca_juga=walker.links, bylines=walker.bylines)


class _Walker:
    __slots__ = ("buf", "block_links", "paragraphs", "links", "bylines")

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.block_links: list[Link] = []
        self.paragraphs: list[str] = []
        self.links: list[Link] = []
        self.bylines: list[str] = []

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
            elif is_byline_line(text):
                self.bylines.append(text)
            elif not is_caption(text):
                self.paragraphs.append(text)
        self.block_links.clear()

    def walk(self, el: etree._Element) -> None:
        buf = self.buf
        if el.text:
            buf.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str):
                if tag == "br":
                    if buf:  # a break with nothing before it flushes nothing (flush() inlined: its call costs more)
                        self.flush()
                    else:
                        self.block_links.clear()
                elif tag in _SKIP_TAGS:
                    pass
                else:
                    cls = child.get("class")
                    kind = _class_kind(cls) if cls else 0
                    if kind == _BACA_JUGA_KIND:
                        self.flush()
                        self.links.extend(_links_in(child))
                    elif kind == _SKIP_KIND:
                        if tag in _BLOCK_TAGS:
                            self.flush()
                    elif tag in _BLOCK_TAGS:
                        if buf:
                            self.flush()
                        else:
                            self.block_links.clear()
                        self.walk(child)
                        if buf:
                            self.flush()
                        else:
                            self.block_links.clear()
                    else:
                        if tag == "a":
                            href = child.get("href")
                            if href:
                                self.block_links.append((href, norm(raw_text(child)) or child.get("title", "")))
                        self.walk(child)
            if child.tail:
                buf.append(child.tail)


_BACA_JUGA_KIND, _SKIP_KIND = 1, 2
#: class attribute -> 0 (plain), _BACA_JUGA_KIND or _SKIP_KIND: a page repeats a few class strings many times
#: (``MsoNormal`` on every paragraph), and the two regexes cost more than the rest of the walk per element.
_CLASS_KINDS: dict[str, int] = {}
_CLASS_KINDS_MAX = 4096


def _class_kind(cls: str) -> int:
    kind = _CLASS_KINDS.get(cls)
    if kind is None:
        kind = _BACA_JUGA_KIND if _BACA_JUGA_CLASS.search(cls) else _SKIP_KIND if _SKIP_CLASS.search(cls) else 0
        if len(_CLASS_KINDS) >= _CLASS_KINDS_MAX:
            _CLASS_KINDS.clear()
        _CLASS_KINDS[cls] = kind
    return kind


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
        m = _tagged_dateline(p)
        bare = p[m[1] :] if m else p
        if bare in index:
            i = index[bare]
            if m and not _tagged_dateline(out[i]):
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
        if joined and not _DROP.match(joined) and not is_caption(joined) and not is_byline_line(joined):
            paragraphs.append(joined)
    paragraphs = drop_pull_quotes(paragraphs)
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


def _label(label: tuple[re.Pattern[str], tuple[str, ...]], text: str) -> str | None:
    pattern, words = label
    first = -1
    for word in words:
        at = text.find(word)
        if at >= 0 and (first < 0 or at < first):
            first = at
    if first < 0:
        return None
    m = pattern.search(text, first)
    if not m:
        return None
    start = m.end()
    stop = _LABEL_STOP.search(text, start)
    value = norm(text[start : stop.start() if stop else len(text)]).strip(" ,;/|-–")
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


#: ``Oleh Farhan Arda Nugraha`` (optionally followed by the date, ``Minggu, 16 Juni 2024 18:00 WIB``): a byline
#: line of its own, one to six capitalised name words (``dan`` between two names); ``Oleh karena itu`` is prose.
_OLEH = re.compile(
    r"^Oleh\s*:?\s+(?P<v>[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|dan|&))*?)"
    r"(?:\s*[,|]?\s*(?P<d>(?:Senin|Selasa|Rabu|Kamis|Jumat|Jum'at|Sabtu|Minggu)\b.*|\d{1,2}\s+\w+\s+\d{4}.*))?$"
)


def parse_oleh(line: str) -> str | None:
    """The name of an ``Oleh X`` byline line, or None when the line is not one."""
    found = parse_oleh_line(line)
    return found[0] if found else None


def parse_oleh_line(line: str) -> tuple[str, str | None] | None:
    """``(name, date as printed or None)`` of an ``Oleh X [date]`` byline line, or None when the line is not one."""
    if "Oleh" not in line and "&" not in line:
        return None  # normalising (whitespace, entities) cannot make the line start with it
    m = _OLEH.match(norm(line))
    if not m:
        return None
    name = m.group("v").strip()
    words = name.split()
    if not 0 < len(words) <= 8 or words[-1] in ("dan", "&"):
        return None
    return name, (m.group("d").strip() if m.group("d") else None)


def is_byline_line(text: str) -> bool:
    """``Oleh X [date]`` printed as a paragraph of its own (it ends the last page of real
    multi-page stories)."""
    return text[:4] == "Oleh" and parse_oleh(text) is not None


def parse_translator(text: str | None) -> str | None:
    """The ``Penerjemah:`` (translator) name of a www translation byline, or None."""
    return _label(_TRANSLATOR, text.replace("\xa0", " ")) if text else None
