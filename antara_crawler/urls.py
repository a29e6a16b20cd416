"""Recognise and canonicalise ANTARA URLs, and map them to and from a mirror (``ANTARA_URL_TEMPLATE``).

Identity of an article is ``(portal, antara_id)``: each portal has its own id sequence, the slug is ignored by
the server, ids have no fixed length. See SITE.md section 6.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, urljoin, urlsplit

from antara_crawler.portals import DOMAIN, NOT_PORTALS, PORTALS

DEFAULT_URL_TEMPLATE = "https://{portal}.antaranews.com"

#: ``/berita/<id>/<slug>``, with ``/amp/`` before it and ``/nasional/`` (a www article on a regional host: REAL-VARIATION
#: §h, kepri-nasional-777626) in either order; old slugs end in ``.html`` (sumbar-153788).
_ARTICLE_PATH = re.compile(
    r"^/(?:amp/)?(?P<nasional>nasional/)?(?:amp/)?berita/(?P<id>\d+)(?:/(?P<slug>[^/?#]*?))?(?:\.html?)?/?$",
    re.IGNORECASE,
)
#: ``page=all`` or ``page=<N>`` in an article URL's query: one page of a multi-page article (REAL-VARIATION §a).
Page = int | Literal["all"]
_HOST = re.compile(r"^(?P<sub>[a-z0-9-]+)\." + re.escape(DOMAIN) + r"$")


@dataclass(frozen=True, slots=True)
class ArticleRef:
    portal: str
    antara_id: int
    slug: str | None

    @property
    def url(self) -> str:
        """The canonical URL: https, no /amp, no query, no fragment, no trailing slash."""
        tail = f"/{self.slug}" if self.slug else ""
        return f"https://{self.portal}.{DOMAIN}/berita/{self.antara_id}{tail}"

    @property
    def key(self) -> tuple[str, int]:
        return (self.portal, self.antara_id)


#: an absolute http(s) URL that ``urljoin`` would give back unchanged: lower-case scheme, then no query, fragment,
#: ``;params``, whitespace (``urlsplit`` drops tabs and newlines) or IPv6 brackets (which it checks), with a host
_PLAIN_ABSOLUTE = re.compile(r"https?://[^/?#;\s\[\]][^?#;\s\[\]]*\Z")


def absolute_url(base: str, href: str) -> str:
    """``urljoin(base, href)``, without parsing both when ``href`` is already a plain absolute URL (most links on
    ANTARA's pages), which ``urljoin`` returns as it is."""
    if _PLAIN_ABSOLUTE.match(href):
        return href
    return urljoin(base, href)


def portal_of_host(host: str | None) -> str | None:
    """``babel.antaranews.com`` -> ``babel``; ``m.antaranews.com`` -> ``www``; anything else -> None."""
    if not host:
        return None
    host = host.lower().split(":", 1)[0].rstrip(".")
    if host == DOMAIN:
        return "www"
    m = _HOST.match(host)
    if not m:
        return None
    sub = m.group("sub")
    if sub == "m":
        return "www"  # m.antaranews.com serves www's AMP pages
    if sub in NOT_PORTALS:
        return None
    return sub


def is_antara_host(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower().split(":", 1)[0].rstrip(".")
    return host == DOMAIN or host.endswith("." + DOMAIN)


def parse_article_url(url: str | None) -> ArticleRef | None:
    """Return the article a URL points to, or None when it is not an ANTARA article URL.

    Accepts ``/berita/<id>/<slug>``, ``/berita/<id>``, ``/amp/berita/<id>/<slug>``, an old ``<slug>.html``, any
    query (``?page=``, ``?fullsite=false``, ``utm_*``) and fragment, ``http`` or ``https``, any case of host.
    ``/nasional/berita/<id>/<slug>`` on a regional host is the www article ``<id>``. ``/foto/``, ``/video/``,
    ``/tag/`` and the rest are not articles.
    """
    if not url or not isinstance(url, str) or len(url) > 4096:
        return None
    return _parse_article_url(url)


@lru_cache(maxsize=8192)
def _parse_article_url(url: str) -> ArticleRef | None:
    """:func:`parse_article_url` of a non-empty string, memoised: one article's URL is parsed several times per
    page (the request, the canonical link, the dates' portal) and the related links of one portal recur on every
    page of a crawl; ``urlsplit`` and two regexes per call were about 7% of ``parse_article``. The result is a
    frozen :class:`ArticleRef` (or None), so sharing it is safe; 8,192 entries of a few hundred bytes each."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    portal = portal_of_host(parts.hostname)
    if portal is None:
        return None
    m = _ARTICLE_PATH.match(parts.path)
    if not m:
        return None
    if m.group("nasional"):
        portal = "www"  # regional hosts print www's national stories under /nasional/ with www's id
    slug = m.group("slug") or None
    return ArticleRef(portal=portal, antara_id=int(m.group("id")), slug=slug)


def article_page(url: str | None) -> Page | None:
    """Which page of a multi-page article ``url`` asks for: ``2``, ``3``... or ``"all"``; None for the first page
    (no ``page``, ``page=1``, a value that is not a page) or a URL that is not an article."""
    if parse_article_url(url) is None:
        return None
    assert url is not None
    query = urlsplit(url.strip()).query
    if "page=" not in query.lower():
        return None
    for name, value in parse_qsl(query):
        if name.lower() == "page":
            value = value.strip().lower()
            if value == "all":
                return "all"
            if value.isdigit() and 1 < int(value) < 10_000:
                return int(value)
    return None


def page_url(url: str, page: Page) -> str:
    """The canonical URL of one page of the article behind ``url``: ``<canonical>?page=<page>``."""
    ref = parse_article_url(url)
    if ref is None:
        raise ValueError(f"not an article URL: {url!r}")
    return ref.url if page == 1 else f"{ref.url}?page={page}"


def canonical_url(url: str) -> str | None:
    """Canonical form of an article URL, or None when ``url`` is not an article."""
    ref = parse_article_url(url)
    return ref.url if ref else None


def is_article_url(url: str | None) -> bool:
    return parse_article_url(url) is not None


def article_url(portal: str, antara_id: int, slug: str | None = None) -> str:
    return ArticleRef(portal, int(antara_id), slug).url


def portal_url(portal: str, path: str = "/") -> str:
    """``portal_url("babel", "/terkini/2")`` -> ``https://babel.antaranews.com/terkini/2``."""
    if not path.startswith("/"):
        path = "/" + path
    return f"https://{portal}.{DOMAIN}{path}"


# --- mirror mapping -------------------------------------------------------------------------------------------


class UrlTemplate:
    """Maps real ANTARA URLs to the URLs actually fetched, and back.

    ``UrlTemplate("http://127.0.0.1:8080/{portal}")`` fetches ``https://babel.antaranews.com/berita/1/x?a=b``
    from ``http://127.0.0.1:8080/babel/berita/1/x?a=b``. The default template is the identity.
    """

    def __init__(self, template: str | None = None):
        template = (template or DEFAULT_URL_TEMPLATE).strip().rstrip("/")
        if "{portal}" not in template:
            raise ValueError(f"ANTARA_URL_TEMPLATE must contain '{{portal}}': {template!r}")
        self.template = template
        self.is_identity = template == DEFAULT_URL_TEMPLATE
        before, after = template.split("{portal}", 1)
        self._pattern = re.compile(
            "^" + re.escape(before) + r"(?P<portal>[a-z0-9-]+)" + re.escape(after) + r"(?P<rest>(?:[/?#].*)?)$",
            re.IGNORECASE,
        )
        probe = urlsplit(template.replace("{portal}", "www"))
        self.hosts = {probe.hostname} if not self.is_identity else set()

    def to_fetch(self, real_url: str) -> str:
        """The URL to request for a real ANTARA URL; non-ANTARA URLs are returned unchanged."""
        if self.is_identity:
            return real_url
        parts = urlsplit(real_url)
        portal = _host_portal_raw(parts.hostname)
        if portal is None:
            return real_url
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        return self.template.replace("{portal}", portal) + rest

    def to_real(self, fetched_url: str) -> str:
        """The real ANTARA URL behind a fetched URL (the identity when it does not match the template)."""
        if self.is_identity:
            return fetched_url
        m = self._pattern.match(fetched_url)
        if not m:
            return fetched_url
        rest = m.group("rest") or "/"
        if not rest.startswith("/"):
            rest = "/" + rest
        return f"https://{m.group('portal').lower()}.{DOMAIN}{rest}"

    def is_mirror_url(self, url: str) -> bool:
        return not self.is_identity and bool(self._pattern.match(url))


def _host_portal_raw(host: str | None) -> str | None:
    """The subdomain as written (``m`` stays ``m``), for fetching; None for non-ANTARA hosts."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    if host == DOMAIN:
        return "www"
    m = _HOST.match(host)
    return m.group("sub") if m else None


def known_portal(portal: str | None) -> bool:
    return portal in PORTALS
