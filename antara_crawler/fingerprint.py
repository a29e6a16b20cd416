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

from scrapy.utils.request import RequestFingerprinter

from antara_crawler.urls import article_page, parse_article_url


class AntaraRequestFingerprinter(RequestFingerprinter):
    def fingerprint(self, request) -> bytes:
        ref = parse_article_url(request.url)
        asked = request.meta.get("antara_ref") if request.meta.get("redirect_urls") else None
        if asked is not None and getattr(asked, "key", None) != (ref.key if ref else None):
            sep = "&" if "?" in request.url else "?"
            request = request.replace(url=f"{request.url}{sep}antara_asked={asked.portal}/{asked.antara_id}")
        elif ref is not None and request.method == "GET":
            page = article_page(request.url)
            query = f"?page={page}" if page is not None else ""
            request = request.replace(url=f"https://{ref.portal}.antaranews.com/berita/{ref.antara_id}{query}")
        return super().fingerprint(request)
