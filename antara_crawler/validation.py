"""What may be stored: the one owner of the checks an :class:`~antara_crawler.items.Article` must pass.

Two callers, one set of checks:

* :func:`drop_reason` is the crawl's rule (``pipelines/validate.py`` drops the article and counts
  ``antara/dropped/<reason>``): everything :func:`schema_problem` checks, named coarsely (``missing_id``,
  ``bad_field``), then a title and a body that are more than blanks (``missing_title``, ``missing_body``).
* :func:`check` is the archive's last-line guard (``store/rows.py`` calls it before building rows; a failure is
  counted in ``WriteResult.dropped`` and ``antara/store/dropped/<reason>``): what the schema cannot hold, named
  precisely (``missing_portal``, ``bad_antara_id``, ``missing_url``, ``bad_field_type``, ``bad_tags``,
  ``bad_related``, ``bad_raw_html``). It lets an empty title or body through: the archive holds what it is given,
  e.g. by ``scrapy reparse``.

Deciding that a *page* is not an article (a soft 404, a listing, no title or body on the page) is extraction's rule:
``extract/`` raises :class:`~antara_crawler.extract.tree.NotArticle`. Pure functions: no Scrapy, no SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from antara_crawler.items import Article, LinkStatus, RelatedLink

#: the fields that must be a ``str`` or None (the store's text columns)
TEXT_FIELDS = (
    "title",
    "body",
    "dateline",
    "published_at",
    "reporter",
    "editor",
    "category",
    "image_url",
    "image_caption",
    "published_raw",
    "template",
    "fetched_at",
)

#: :func:`check`'s precise reason -> :func:`drop_reason`'s coarse one
_COARSE = {
    "missing_portal": "missing_id",
    "bad_antara_id": "missing_id",
    "missing_url": "missing_id",
    "bad_field_type": "bad_field",
    "bad_tags": "bad_field",
    "bad_related": "bad_field",
    "bad_raw_html": "bad_field",
}


class BadItem(ValueError):
    """An item that the schema cannot hold; ``reason`` is counted in ``WriteResult.dropped``."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def related_link(link: Any) -> RelatedLink:
    """``link`` as a :class:`RelatedLink` (items from feeds may carry plain mappings); raises :class:`BadItem`."""
    if isinstance(link, RelatedLink):
        return link
    if isinstance(link, Mapping):
        try:
            return RelatedLink(**link)
        except TypeError as exc:
            raise BadItem("bad_related", str(exc)) from exc
    raise BadItem("bad_related", type(link).__name__)


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def check(article: Article, *, pages: bool = False) -> None:
    """Raise :class:`BadItem` when the archive's schema cannot hold ``article``.

    ``pages``: also check the fetched pages (``raw_html``, ``more_pages``), as the store does when it keeps them.
    """
    if not isinstance(article.portal, str) or not article.portal:
        raise BadItem("missing_portal")
    if not _is_id(article.antara_id):
        raise BadItem("bad_antara_id", repr(article.antara_id))
    if not isinstance(article.url, str) or not article.url:
        raise BadItem("missing_url")
    for name in TEXT_FIELDS:
        value = getattr(article, name)
        if value is not None and type(value) is not str:
            raise BadItem("bad_field_type", f"{name} is {type(value).__name__}")
    tags = article.tags or []
    if not isinstance(tags, list | tuple) or not all(type(t) is str for t in tags):
        raise BadItem("bad_tags")
    for item in article.related or []:
        link = related_link(item)
        if type(link.url) is not str or not link.url or type(link.kind) is not str:
            raise BadItem("bad_related", repr(link.url))
        for value in (link.title, link.published_at, link.published_raw):
            if value is not None and type(value) is not str:
                raise BadItem("bad_related", f"{type(value).__name__} field")
    if pages and article.raw_html is not None:
        more = article.more_pages or []
        if not isinstance(more, list | tuple) or not all(
            isinstance(p, list | tuple) and len(p) == 2 and isinstance(p[0], str) for p in more
        ):
            raise BadItem("bad_raw_html", "more_pages")
        for raw in (article.raw_html, *(page for _, page in more)):
            if not isinstance(raw, str | bytes | bytearray | memoryview):
                raise BadItem("bad_raw_html", type(raw).__name__)


def schema_problem(article: Article, *, pages: bool = False) -> str | None:
    """:func:`check`'s reason, or None when the schema can hold ``article``."""
    try:
        check(article, pages=pages)
    except BadItem as exc:
        return exc.reason
    return None


def drop_reason(article: Article) -> str | None:
    """Why a crawl must not store ``article`` (the ``antara/dropped/<reason>`` suffix), or None when it may."""
    problem = schema_problem(article)
    if problem is not None:
        return _COARSE[problem]
    if not (article.title or "").strip():
        return "missing_title"
    if not (article.body or "").strip():
        return "missing_body"
    return None


def link_status_ok(item: LinkStatus) -> bool:
    """Whether the archive can hold this :class:`LinkStatus` (else it is dropped as ``bad_link_status``)."""
    return (
        isinstance(item.portal, str)
        and isinstance(item.antara_id, int)
        and not isinstance(item.antara_id, bool)
        and isinstance(item.status, int)
        and isinstance(item.url, str)
    )


__all__ = ["TEXT_FIELDS", "BadItem", "check", "drop_reason", "link_status_ok", "related_link", "schema_problem"]
