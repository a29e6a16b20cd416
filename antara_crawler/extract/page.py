"""The parsed page shared by the layers, plus the small helpers every layer uses.

A :class:`Page` holds the lxml tree (parsed once), the article URL it was fetched for, and lazily built views
that several layers read: the ``<meta>`` map of ``<head>`` and the JSON-LD ``NewsArticle`` object.
Each layer returns a :class:`Partial`: the fields it found, by name.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from antara_crawler.urls import ArticleRef

from .text import norm

logger = logging.getLogger(__name__)

#: The fields a layer may fill, in the order layers are merged.
FIELDS = (
    "title",
    "body",
    "dateline",
    "published_raw",
    "reporter",
    "editor",
    "category",
    "tags",
    "image_url",
    "image_caption",
    "related",
)

#: (href as written, title, printed date or None)
RawLink = tuple[str, str, str | None]

_ARTICLE_TYPES = frozenset({"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle"})


def has_class(cls: str) -> str:
    """An XPath predicate for ``class~=cls`` (a whole class token)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


def xp(expr: str) -> etree.XPath:
    """Compile an XPath once, at import time."""
    return etree.XPath(expr)


_HEAD_META = xp("/html/head/meta[@content] | /html/head/link[@rel][@href]")
_JSONLD = xp("//script[@type='application/ld+json']")
_ANY_META = xp("//meta[@content][@property or @name or @itemprop]")


@dataclass
class Partial:
    """Fields found by one layer; ``None``/empty means "not found here, ask the next layer"."""

    layer: str
    values: dict[str, Any] = field(default_factory=dict)

    def set(self, name: str, value: Any) -> None:
        if value not in (None, "", [], ()):
            self.values[name] = value


@dataclass
class Page:
    root: etree._Element
    url: str  # the real URL the page was fetched for
    ref: ArticleRef
    _meta: dict[str, str] | None = None
    _jsonld: dict[str, Any] | None = None
    _jsonld_done: bool = False

    def abs_url(self, href: str | None) -> str | None:
        if not href:
            return None
        href = href.strip()
        if href.startswith(("http://", "https://")):
            return href
        try:
            return urljoin(self.url, href)
        except ValueError:
            return None

    @property
    def meta(self) -> dict[str, str]:
        """``og:title``/``article:published_time``/``description``/``canonical``... -> content (first wins)."""
        if self._meta is None:
            found: dict[str, str] = {}
            nodes = _HEAD_META(self.root) or _ANY_META(self.root)
            for el in nodes:
                if el.tag == "link":
                    for rel in (el.get("rel") or "").lower().split():
                        found.setdefault(rel, el.get("href", ""))
                    continue
                key = el.get("property") or el.get("name") or el.get("itemprop")
                if key:
                    found.setdefault(key.strip().lower(), el.get("content", ""))
            self._meta = found
        return self._meta

    @property
    def jsonld(self) -> dict[str, Any] | None:
        """The first JSON-LD object whose ``@type`` is an article type (``@graph`` and lists searched)."""
        if not self._jsonld_done:
            self._jsonld_done = True
            for script in _JSONLD(self.root):
                found = _find_article(_loads(script.text))
                if found is not None:
                    self._jsonld = found
                    break
        return self._jsonld


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text.strip().rstrip(";"))
    except ValueError:
        logger.debug("unreadable JSON-LD block")
        return None


def _find_article(data: Any, depth: int = 0) -> dict[str, Any] | None:
    if depth > 4:
        return None
    if isinstance(data, list):
        for item in data:
            found = _find_article(item, depth + 1)
            if found is not None:
                return found
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    if any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds):
        return data
    if "@graph" in data:
        return _find_article(data["@graph"], depth + 1)
    return None


def first(nodes: list[Any]) -> Any:
    return nodes[0] if nodes else None


def text_of(el: etree._Element | None) -> str:
    return norm(el.text_content()) if el is not None else ""


def img_src(img: etree._Element | None) -> str | None:
    """``data-src`` before ``src`` (lazy loading), skipping placeholder images."""
    if img is None:
        return None
    for attr in ("data-src", "data-original", "data-lazy-src", "src"):
        value = (img.get(attr) or "").strip()
        if value and not value.startswith("data:") and not re.search(r"/(?:blank|placeholder|spacer)\.", value):
            return value
    return None


_DATE_HINT = re.compile(r"\b\d{4}\b")


def looks_like_date(text: str) -> bool:
    """A cheap filter: the text holds a four-digit year (``3 menit baca`` does not)."""
    return bool(text) and len(text) < 80 and bool(_DATE_HINT.search(text))
