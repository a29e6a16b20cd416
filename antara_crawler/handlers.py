"""The download handler that fetches real ANTARA URLs from ``ANTARA_URL_TEMPLATE``.

The rewrite happens here, below every downloader middleware, so robots.txt (per portal), the offsite filter, the
duplicate filter, the HTTP cache, retries, redirects and stats all see the real ``https://<portal>.antaranews.com``
URLs; only the TCP connection goes to the mirror. Responses come back carrying the real URL, ``Location`` headers pointing into the
mirror are mapped back to real URLs, and what the download records in the request's meta (``download_latency``, which
AutoThrottle adjusts the delay from) is copied back to the real request.

It is also the last line of the offsite rule: a request for a host outside ``*.antaranews.com`` is refused here
whatever a spider or middleware asked for (stat ``antara/offsite_refused``).
"""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from antara_crawler.urls import UrlTemplate, is_antara_host

logger = logging.getLogger(__name__)


class AntaraDownloadHandler(HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.template = UrlTemplate(crawler.settings.get("ANTARA_URL_TEMPLATE"))
        self.stats = crawler.stats
        self._refused_logged: set[str] = set()

    async def download_request(self, request: Request) -> Response:
        host = urlsplit(request.url).hostname
        if not is_antara_host(host):
            self.stats.inc_value("antara/offsite_refused")
            if host not in self._refused_logged:
                self._refused_logged.add(host)
                logger.warning("Refused a request outside *.antaranews.com: %s", request.url)
            raise IgnoreRequest(f"offsite: {request.url}")
        if self.template.is_identity:
            return await super().download_request(request)
        mirrored = request.replace(url=self.template.to_fetch(request.url))
        try:
            fetched = await super().download_request(mirrored)
        finally:
            # what the download wrote into the copy's meta (``download_latency``) belongs to the real request:
            # AutoThrottle reads the latency from it, and without it never adjusts a mirror crawl's delay
            request.meta.update(mirrored.meta)
        headers = fetched.headers.copy()
        location = headers.get(b"Location")
        if location:
            absolute = urljoin(fetched.url, location.decode("latin-1"))
            headers[b"Location"] = self.template.to_real(absolute).encode("latin-1")
        return fetched.replace(url=request.url, headers=headers, request=request)
