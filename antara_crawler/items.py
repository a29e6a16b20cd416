"""Typed items. Scrapy handles dataclass instances as items through itemadapter.

``Article`` is the record the archive keeps; ``RelatedLink`` is one "Berita Terkait" or inline "Baca juga" link
of an article; ``LinkStatus`` reports what happened when a link target was fetched (e.g. a 404).

Dates are ISO 8601 strings with the portal's offset (``2023-09-01T10:15:00+07:00``) next to the raw strings
they came from; ``fetched_at`` is ISO 8601 in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RelatedKind = Literal["berita_terkait", "baca_juga"]

#: The fields written to feeds and exports, in order (``FEED_EXPORT_FIELDS``). ``raw_html`` is never exported.
ARTICLE_FEED_FIELDS = [
    "url",
    "portal",
    "antara_id",
    "title",
    "body",
    "dateline",
    "published_at",
    "published_raw",
    "reporter",
    "editor",
    "category",
    "tags",
    "image_url",
    "image_caption",
    "related",
    "template",
    "fetched_at",
    "story_id",
    "story_size",
]


#: feed fields set by the archive when it stores the article, not by extraction (see store/stories.py)
STORY_FIELDS = ("story_id", "story_size")


def related_for_feed(links: list[RelatedLink]) -> list[dict]:
    """Feeds carry each related link as ``{url, title, published_at, kind}`` (the raw date stays in the archive)."""
    return [{"url": r.url, "title": r.title, "published_at": r.published_at, "kind": r.kind} for r in links]


@dataclass
class RelatedLink:
    url: str  # canonical article URL
    title: str | None
    published_at: str | None  # ISO 8601 with the portal's offset; None for Baca juga links (undated)
    kind: RelatedKind
    published_raw: str | None = None  # the date as printed next to the link


@dataclass
class Article:
    url: str  # canonical: https://<portal>.antaranews.com/berita/<id>/<slug>
    portal: str
    antara_id: int
    title: str | None = None
    body: str | None = None  # paragraphs joined by "\n\n", dateline kept at the start
    dateline: str | None = None  # the place before "(ANTARA)", e.g. "Pangkalpinang"
    published_at: str | None = None  # ISO 8601 with the printed (or the portal's) offset
    published_raw: str | None = None  # the article header's date string, as printed
    reporter: str | None = None
    editor: str | None = None
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    image_url: str | None = None
    image_caption: str | None = None
    related: list[RelatedLink] = field(default_factory=list, metadata={"serializer": related_for_feed})
    template: str | None = None  # "classic", "wrap", "amp", "metadata" or "generic"
    fetched_at: str | None = None  # ISO 8601, UTC
    #: the story (group of near-identical copies, see store/stories.py): set by the archive when the article is
    #: stored; its id is the smallest article id of the story, its size the number of articles in it
    story_id: int | None = None
    story_size: int | None = None
    #: which parser layer produced each field ("classic", "wrap", "amp", "jsonld", "opengraph", "time",
    #: "itemprop", "generic"); counted in crawl stats so a markup change shows up. Not exported.
    field_sources: dict[str, str] = field(default_factory=dict, repr=False)
    #: the page as fetched (bytes), kept in the archive's ``pages`` table when ANTARA_STORE_HTML is on.
    raw_html: bytes | None = field(default=None, repr=False)
    #: the further pages of a multi-page article as fetched, in order: ``[(url, bytes), ...]`` (``?page=2``...
    #: or the ``?page=all`` view), stored after ``raw_html`` so ``scrapy reparse`` rebuilds the whole record.
    more_pages: list[tuple[str, bytes]] = field(default_factory=list, repr=False)

    @property
    def key(self) -> tuple[str, int]:
        return (self.portal, self.antara_id)


@dataclass
class LinkStatus:
    """What fetching an article URL produced when it produced no article (a dead related target, say)."""

    url: str  # canonical article URL
    portal: str
    antara_id: int
    status: int  # HTTP status, or 0 for a network failure
    reason: str  # e.g. "http_404", "not_article", "timeout"
