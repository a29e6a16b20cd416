"""Request fingerprints that know ANTARA's article identity.

The server ignores an article URL's slug, and links carry ``utm_*`` or ``fullsite=false`` queries or ``/amp/``; all
of these are one article, identified by ``(portal, antara_id)``. This fingerprinter gives every URL of one article
the same fingerprint, so the duplicate filter (also a persistent one: JOBDIR, scrapy-redis) and the HTTP cache fetch
it once. The one part of the query kept is the page of a multi-page article (``?page=2``, ``?page=all``): those are
distinct requests for one record (``page=1`` is the article itself). Any other request keeps Scrapy's default
fingerprint.

A request for an article that redirected away (to the home page, a ``/foto/`` page, another article) is
fingerprinted by the article id it asked for as well as where it landed: Scrapy's redirect middleware keeps the
original's ``dont_filter``, so without this the second id redirecting to the home page would be dropped as a
duplicate, and that id would get no outcome in the ledger.
"""

from __future__ import annotations

import hashlib
import json
from weakref import WeakKeyDictionary

from scrapy.utils.request import RequestFingerprinter

from antara_crawler.urls import article_page, parse_article_url


def article_url_key(portal: str, antara_id: int, page: int | str | None) -> str:
    """The URL an article page is fingerprinted as: ``https://<portal>.antaranews.com/berita/<id>[?page=<N|all>]``.
    It is already in ``w3lib.url.canonicalize_url`` form (lower-case host, a path of digits, one query argument
    of safe characters), so canonicalising it again, or not (``verbatim_url``), gives the same string."""
    query = f"?page={page}" if page is not None else ""
    return f"https://{portal}.antaranews.com/berita/{antara_id}{query}"


def _article_fingerprint(url: str, body: bytes) -> bytes:
    """What :func:`scrapy.utils.request.fingerprint` gives a GET of the canonical ``url`` with ``body`` and no
    headers included, without building a Request for it (``request.replace`` copied the meta, headers and callbacks
    of every request) nor canonicalising a canonical URL: about half the fingerprint's cost.
    tests/crawl/test_fingerprint.py checks the two agree."""
    data = {"method": "GET", "url": url, "body": body.hex(), "headers": {}}
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).digest()  # noqa: S324 (Scrapy's own hash)


class AntaraRequestFingerprinter(RequestFingerprinter):
    def __init__(self, crawler=None):
        super().__init__(crawler)
        # one entry per live request (the duplicate filter, the HTTP cache and the scheduler may each ask)
        self._cache: WeakKeyDictionary = WeakKeyDictionary()

    def fingerprint(self, request) -> bytes:
        cached = self._cache.get(request)
        if cached is None:
            cached = self._cache[request] = self._compute(request)
        return cached

    def _compute(self, request) -> bytes:
        meta = request.meta
        ref = parse_article_url(request.url)
        asked = meta.get("antara_ref") if meta.get("redirect_urls") else None
        if asked is not None and getattr(asked, "key", None) != (ref.key if ref else None):
            sep = "&" if "?" in request.url else "?"
            request = request.replace(url=f"{request.url}{sep}antara_asked={asked.portal}/{asked.antara_id}")
        elif ref is not None and request.method == "GET":
            url = article_url_key(ref.portal, ref.antara_id, article_page(request.url))
            return _article_fingerprint(url, request.body or b"")
        return super().fingerprint(request)
