"""AutoThrottle against the offline mirror: the delay follows the mirror's latency, and a Retry-After delay decays.

With ``ANTARA_URL_TEMPLATE`` set the download handler fetches a rewritten copy of each request; the latency the
download measures must reach the real request, or AutoThrottle never adjusts anything (mirror runs would crawl at
the start delay, and a delay raised by ``Retry-After`` would never come down). Each test runs one real
``scrapy crawl article`` against a ``MirrorServer`` on 127.0.0.1 that sleeps before every answer, and reads the
delays AutoThrottle set from its own ``AUTOTHROTTLE_DEBUG`` log lines: no wall-clock assertion, only the delays and
latencies AutoThrottle logged, and lower bounds the mirror's sleep guarantees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_scrapy
from tests.helpers.reliability import adjustments, article_args, explain, stat
from tests.site.build import build_site
from tests.site.server import MirrorServer

#: seconds the mirror sleeps before every answer: every latency is at least this
MIRROR_DELAY = 0.2
RETRY_AFTER = 2


def throttled(*extra: str) -> list[str]:
    """AutoThrottle on (after the helpers' politeness-off settings, so these win), its debug lines logged."""
    return [
        "-s", "AUTOTHROTTLE_ENABLED=1",
        "-s", "AUTOTHROTTLE_DEBUG=1",
        "-s", "AUTOTHROTTLE_START_DELAY=0.05",
        "-s", "AUTOTHROTTLE_MAX_DELAY=10",
        "-s", "DOWNLOAD_DELAY=0",
        "-s", "RANDOMIZE_DOWNLOAD_DELAY=0",
        *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return build_site(tmp_path_factory.mktemp("throttle") / "site", articles_per_portal=8, portals=("babel",))


def _urls(site) -> list[str]:
    return [a.url for a in sorted(site.articles.values(), key=lambda a: a.key)]


def test_autothrottle_adjusts_the_delay_from_the_mirror_latency(site, tmp_path: Path):
    urls = _urls(site)
    with MirrorServer(site.root, delay=MIRROR_DELAY) as server:
        result = run_scrapy(article_args(server, tmp_path / "a.db", urls, *throttled()))
    assert result.returncode == 0, explain(result)
    seen = adjustments(result.stderr)
    # one adjustment per response: robots.txt and every article robots.txt allows (none before the fix)
    responses = stat(result.stderr, "downloader/response_count")
    assert responses >= len(urls) // 2
    assert len(seen) == responses, explain(result)
    assert {a.slot for a in seen} == {"babel.antaranews.com"}  # the real host's slot, not the mirror's
    floor = MIRROR_DELAY * 1000
    for a in seen:
        assert a.latency >= floor
        # AutoThrottle's rule (target concurrency 1): the mean of the old delay and the latency, at least the latency
        expected = max(a.latency, (a.before + a.latency) / 2)
        assert abs(a.delay - expected) <= 2, a  # the log prints whole milliseconds
        assert a.delay >= floor  # up from the 50 ms start delay


def test_a_delay_raised_by_retry_after_decays(site, tmp_path: Path):
    first, *healthy = _urls(site)
    path = "/babel/berita/" + first.split("/berita/")[1].split("/")[0] + "/"
    faults = {re.escape(path): ("status", 503, {"Retry-After": str(RETRY_AFTER)})}
    extra = throttled("-s", "RETRY_TIMES=0", "-s", "ANTARA_MAX_ERROR_RATE=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1")
    with MirrorServer(site.root, delay=MIRROR_DELAY, faults=faults) as server:
        result = run_scrapy(article_args(server, tmp_path / "a.db", [first, *healthy], *extra))
        assert server.count(re.escape(path)) == 1
    assert result.returncode == 0, explain(result)
    assert stat(result.stderr, "antara/retry_after") == 1
    seen = adjustments(result.stderr)
    raised = RETRY_AFTER * 1000
    after = [i for i, a in enumerate(seen) if a.before >= raised - 2]  # whole ms, each rounded down
    assert after, explain(result)  # AutoThrottle adjusted a delay the Retry-After had raised...
    decay = seen[after[0] :]
    assert len(decay) >= 3, explain(result)
    assert decay[0].diff < 0 and decay[0].delay < raised  # ...and brought it down at the next response
    for older, newer in zip(decay, decay[1:], strict=False):
        if older.delay > 2 * max(older.latency, newer.latency):  # still well above the latency: halving
            assert newer.delay < older.delay
    assert decay[-1].delay < raised / 2
