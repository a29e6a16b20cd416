"""Layer 2, structured metadata: JSON-LD ``NewsArticle``, OpenGraph / ``article:*`` meta, ``<time datetime>``
and ``itemprop`` microdata. Each is its own sub-layer so ``field_sources`` names it.

* ``jsonld``: ``headline``, ``datePublished``, ``author.name`` (reporter), ``image``, ``articleSection``,
  ``keywords``, ``articleBody`` (plain text);
* ``opengraph``: ``og:title`` (site suffix stripped), ``article:published_time``, ``og:image``,
  ``article:section``, ``article:tag``;
* ``time``: the first ``<time datetime>`` inside an ``<article>`` or the article header (never menus), or marked
  ``itemprop="datePublished"``: its visible text, and its machine value for ``published_at``;
* ``itemprop``: ``headline``, ``datePublished``, ``author``, ``image``, ``articleBody`` (an HTML container).
"""

from __future__ import annotations

import re
from typing import Any

from antara_crawler.dates import parse_date

from .page import Page, Partial, img_src, text_of
from .text import element_blocks, extract_body_text, norm

JSONLD_FIELDS = frozenset({"title", "published_raw", "reporter", "image_url", "category", "tags", "body"})
OPENGRAPH_FIELDS = frozenset({"title", "published_raw", "image_url", "category", "tags"})
TIME_FIELDS = frozenset({"published_raw", "published_machine"})
ITEMPROP_FIELDS = frozenset({"title", "published_raw", "reporter", "image_url", "body"})

_SITE_SUFFIX = re.compile(r"\s*[-|–—]\s*ANTARA(?:\s+News)?\b.*$", re.IGNORECASE)


def strip_site_suffix(title: str | None) -> str:
    """``Judul - ANTARA News Bangka Belitung`` -> ``Judul``."""
    return norm(_SITE_SUFFIX.sub("", norm(title)))


def jsonld(page: Page, wanted: frozenset[str] = JSONLD_FIELDS) -> Partial:
    out = Partial("jsonld")
    data = page.jsonld
    if not data:
        return out
    out.set("title", norm(_str(data.get("headline")) or _str(data.get("name"))))
    out.set("published_raw", norm(_str(data.get("datePublished"))))
    out.set("reporter", _person(data.get("author")))
    out.set("image_url", page.abs_url(_image(data.get("image"))))
    out.set("category", norm(_str(data.get("articleSection"))))
    out.set("tags", _keywords(data.get("keywords")))
    body = _str(data.get("articleBody")) if "body" in wanted else None
    if body:
        text, dateline = extract_body_text(body)
        out.set("body", text)
        out.set("dateline", dateline)
    return out


def opengraph(page: Page, wanted: frozenset[str] = OPENGRAPH_FIELDS) -> Partial:
    out = Partial("opengraph")
    meta = page.meta
    if not meta:
        return out  # no head meta at all: no article:tag either
    out.set("title", strip_site_suffix(meta.get("og:title") or meta.get("twitter:title")))
    out.set(
        "published_raw",
        norm(meta.get("article:published_time") or meta.get("og:article:published_time") or meta.get("pubdate")),
    )
    out.set("image_url", page.abs_url(norm(meta.get("og:image") or meta.get("twitter:image"))))
    out.set("category", norm(meta.get("article:section")))
    if "tags" in wanted:
        out.set("tags", [t for t in (norm(v) for v in page.head_meta("property", "article:tag")) if t])
    return out


def time_tag(page: Page, wanted: frozenset[str] = TIME_FIELDS) -> Partial:
    """The article's ``<time datetime>``: ``published_raw`` is its visible text when that is a date (the date as
    printed), else the attribute; ``published_machine`` is the attribute (it carries the seconds)."""
    out = Partial("time")
    el = _article_time(page)
    if el is not None:
        machine = norm(el.get("datetime"))
        shown = text_of(el)
        out.set("published_raw", shown if shown and parse_date(shown) is not None else machine or shown)
        out.set("published_machine", machine)
    return out


def _article_time(page: Page) -> Any:
    """The first of ``descendant::article/descendant::time[@datetime] | descendant::header[not(@id='header')]/
    descendant::time[@datetime] | descendant::time[@datetime][@itemprop='datePublished']`` (page order)."""
    for el in page.times:
        if el.get("itemprop") == "datePublished":
            return el
        for up in el.iterancestors("article", "header"):
            if up.tag == "article" or up.get("id") != "header":
                return el
    return None


def itemprop(page: Page, wanted: frozenset[str] = ITEMPROP_FIELDS) -> Partial:
    out = Partial("itemprop")
    props: dict[str, Any] = {}
    for el in page.itemprops:
        for name in (el.get("itemprop") or "").split():
            props.setdefault(name, el)
    if not props:
        return out
    # Only the ``wanted`` fields are read: the merge drops any other (an earlier layer gave it), and the editor
    # only joins a reporter from this layer (``article._COUPLED``), so it is read only when the reporter is wanted.
    if "title" in wanted and (el := props.get("headline")) is not None:
        out.set("title", norm(el.get("content")) or text_of(el))
    if "published_raw" in wanted and (el := props.get("datePublished")) is not None:
        out.set("published_raw", norm(el.get("content") or el.get("datetime")) or text_of(el))
    if "reporter" in wanted and (el := props.get("author")) is not None:
        name = el.find(".//*[@itemprop='name']")
        value = norm(el.get("content")) or (text_of(name) if name is not None else text_of(el))
        out.set("reporter", _clean_person(value))
    if "reporter" in wanted and (el := props.get("editor")) is not None:
        out.set("editor", _clean_person(norm(el.get("content")) or text_of(el)))
    if "image_url" in wanted and (el := props.get("image")) is not None:
        out.set("image_url", page.abs_url(norm(el.get("content")) or img_src(el) or norm(el.get("href"))))
    if "body" in wanted and (el := props.get("articleBody")) is not None:
        parts = element_blocks(el)
        out.set("body", parts.text)
        out.set("dateline", parts.dateline)
        out.set("baca_juga", [(href, title, None) for href, title in parts.baca_juga])
        out.set("bylines", parts.bylines)
    return out


def is_article_metadata(page: Page) -> bool:
    """True when the page declares itself an article (JSON-LD article type, og:type article, a published time)."""
    meta = page.meta
    return bool(page.jsonld) or meta.get("og:type") == "article" or bool(meta.get("article:published_time"))


def _str(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str)), None)
    return value if isinstance(value, str) else None


def _person(value: Any) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_person(v) for v in value) if n]
        return ", ".join(names) or None
    if isinstance(value, dict):
        if str(value.get("@type", "")).lower() == "organization":
            return None
        return _clean_person(norm(_str(value.get("name"))))
    if isinstance(value, str):
        return _clean_person(norm(value))
    return None


def _clean_person(name: str | None) -> str | None:
    """Drop empty and agency names (``ANTARA``, ``Redaksi``), which are not reporters."""
    if not name or name.lower().startswith(("antara", "redaksi", "admin")):
        return None
    return name


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        return next((u for u in (_image(v) for v in value) if u), None)
    if isinstance(value, dict):
        return _str(value.get("url")) or _str(value.get("contentUrl"))
    return value.strip() if isinstance(value, str) and value.strip() else None


def _keywords(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for v in value:
        tag = norm(v) if isinstance(v, str) else ""
        if tag and tag not in out:
            out.append(tag)
    return out
