"""The run summary and failure detection (``RunSummary``), enabled through ``EXTENSIONS``.

On every scraped or dropped article it counts, per field, whether the field is filled (as spidermon's field
coverage does). When the spider closes it logs one summary block: what the store did (new, updated, unchanged,
``link_statuses`` = failure records stored, ``dead_links_marked`` = related links marked with them), what was
dropped and why, dates not parsed, HTTP errors, the error rate, field coverage in percent per field, and
up to 20 pages that fell short, each with the ``scrapy savefixture <url>`` line that turns it into a fixture.

A run **fails** when:

* ``nothing_stored``: articles were attempted but none reached the archive (the site changed, or it is down);
* ``error_rate``: more than ``ANTARA_MAX_ERROR_RATE`` of the requests ended in an error (after retries);
* ``coverage``: fewer than ``ANTARA_MIN_COVERAGE`` percent of the run's articles have a title, a body or a
  published_at;
* ``archive_unavailable``: the archive stayed unavailable longer than ``ANTARA_ARCHIVE_RETRY_SECONDS`` (the crawl
  command then exits 4, see ``antara_crawler/commands/crawl.py``);
* ``lost``: items that could not be written (``antara/store/dropped/write_failed``) or discovery pages whose links
  could not be followed because the archive was unavailable (``antara/archive/lost/pages``). A run that lost
  anything is never ``ok``; the next run fetches what was lost;
* ``spider_errors``: a callback raised (Scrapy's "Spider error processing", ``spider_exceptions/count``): what it
  would have yielded is lost, and no callback of ours is meant to raise, so it is a bug to report.

The archive line of the summary gives the retries of archive operations (``antara/archive/retries``), the seconds
the archive was unavailable while the crawl waited for it (``antara/archive/wait_seconds``) and what was lost.

The reason goes to the stat ``antara/run_failed``; the project's ``crawl`` command then exits with status 3 so cron
and systemd see it (``antara_crawler/commands/crawl.py``).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from antara_crawler.items import ARTICLE_FEED_FIELDS, STORY_FIELDS, Article
from antara_crawler.store import UNAVAILABLE_STAT, archive_retry

logger = logging.getLogger(__name__)

#: The fields whose coverage decides whether a run failed.
CORE_FIELDS = ("title", "body", "published_at")
#: Fields whose coverage is reported (identity fields are always there and are left out).
COVERAGE_FIELDS = tuple(
    f for f in ARTICLE_FEED_FIELDS if f not in ("url", "portal", "antara_id", "fetched_at", *STORY_FIELDS)
)
#: Pages that fell short, shown in the summary.
SHORT_PAGES_SHOWN = 20
_SHORT_PAGES_KEPT = 200


def _filled(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple | dict | set):
        return bool(value)
    return True


class RunSummary:
    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        if not settings.getbool("ANTARA_RUN_SUMMARY"):
            raise NotConfigured
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_error_rate = settings.getfloat("ANTARA_MAX_ERROR_RATE")
        self.min_coverage = settings.getfloat("ANTARA_MIN_COVERAGE")
        self.articles = 0
        self.filled: Counter[str] = Counter()
        self.short_pages: dict[str, str] = {}  # url -> what was wrong, first seen first

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunSummary:
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    # -- signals ----------------------------------------------------------------------------------------------------

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        if not isinstance(item, Article):
            return
        missing = self._count(item)
        short = [f for f in CORE_FIELDS if f in missing]
        if short:
            self._short(item.url, "missing " + ", ".join(short))

    def item_dropped(self, item: Any, response: Any = None, exception: BaseException | None = None, **kw: Any) -> None:
        if not isinstance(item, Article):
            return
        self._count(item)
        self._short(item.url, f"dropped: {exception}" if exception else "dropped")

    def spider_closed(self, spider: Any, reason: str) -> None:
        for url, why in getattr(spider, "short_pages", None) or ():
            self._short(url, why)
        self.stats.set_value("antara/archive/wait_seconds", round(archive_retry(self.crawler).waited_seconds, 1))
        summary = self.summary(reason)
        completeness = getattr(spider, "completeness_lines", None)  # backfills by id: the ranges they covered
        summary["completeness"] = completeness() if callable(completeness) else []
        failures = summary["failures"]
        for name, pct in summary["coverage"].items():
            self.stats.set_value(f"antara/coverage/{name}", pct)
        self.stats.set_value("antara/error_rate", summary["error_rate"])
        if failures:
            self.stats.set_value("antara/run_failed", "; ".join(failures))
        logger.info("%s", self.render(summary))
        if failures:
            logger.error("Run FAILED: %s", "; ".join(failures))

    # -- computing --------------------------------------------------------------------------------------------------

    def _count(self, item: Article) -> set[str]:
        self.articles += 1
        missing = set()
        for name in COVERAGE_FIELDS:
            if _filled(getattr(item, name, None)):
                self.filled[name] += 1
            else:
                missing.add(name)
        return missing

    def _short(self, url: str, why: str) -> None:
        if url and url not in self.short_pages and len(self.short_pages) < _SHORT_PAGES_KEPT:
            self.short_pages[url] = why

    def coverage(self) -> dict[str, float]:
        if not self.articles:
            return {}
        return {name: round(100.0 * self.filled[name] / self.articles, 1) for name in COVERAGE_FIELDS}

    def _prefixed(self, prefix: str) -> dict[str, int]:
        stats = self.stats.get_stats()
        return {
            k[len(prefix) :]: v
            for k, v in sorted(stats.items())
            if k.startswith(prefix) and "/" not in k[len(prefix) :]
        }

    def summary(self, reason: str) -> dict[str, Any]:
        get = self.stats.get_value
        names = ("new", "updated", "unchanged", "link_statuses", "link_status")
        store = {name: get(f"antara/store/{name}", 0) for name in names}
        stored = store["new"] + store["updated"] + store["unchanged"]
        dropped = {**self._prefixed("antara/dropped/")}
        for k, v in self._prefixed("antara/store/dropped/").items():
            dropped[f"store:{k}"] = v
        # "ignored" is a request refused on purpose (robots.txt, offsite): not a failure of the site or of us
        errors = {k: v for k, v in self._prefixed("antara/errors/").items() if k != "ignored"}
        http = {
            k: v
            for k, v in self._prefixed("downloader/response_status_count/").items()
            if k.isdigit() and int(k) >= 400
        }
        # IgnoreRequest from robots.txt and the offsite rule is a refusal on purpose, not a network error
        exceptions = get("downloader/exception_count", 0) - get(
            "downloader/exception_type_count/scrapy.exceptions.IgnoreRequest", 0
        )
        requests = max(0, get("downloader/request_count", 0) - get("retry/count", 0))
        error_rate = round(sum(errors.values()) / requests, 4) if requests else 0.0
        article_errors = sum(v for k, v in errors.items() if k != "discovery")  # feeds and listings are not articles
        attempted = self.articles + sum(self._prefixed("antara/dropped/").values()) + article_errors
        attempted -= get("antara/backfill/not_article", 0)  # ids of a backfill that are no article: answers
        coverage = self.coverage()
        failures = []
        if stored == 0 and attempted > 0 and reason == "finished":
            failures.append(f"nothing_stored: {attempted} article page(s) attempted, none archived")
        if requests and error_rate > self.max_error_rate:
            failures.append(f"error_rate: {error_rate:.1%} of requests failed (max {self.max_error_rate:.0%})")
        low = {f: coverage[f] for f in CORE_FIELDS if coverage and coverage[f] < self.min_coverage}
        if low:
            shown = ", ".join(f"{f} {pct:.1f}%" for f, pct in low.items())
            failures.append(f"coverage: {shown} (min {self.min_coverage:g}%)")
        archive = {
            "retries": get("antara/archive/retries", 0),
            "wait_seconds": get("antara/archive/wait_seconds", 0.0),
            "unavailable": get(UNAVAILABLE_STAT),
            "items_not_written": get("antara/store/dropped/write_failed", 0),
            "pages_not_followed": get("antara/archive/lost/pages", 0),
        }
        if archive["unavailable"]:
            failures.append(f"archive_unavailable: {archive['unavailable']}")
        spider_errors = get("spider_exceptions/count", 0)
        if spider_errors:
            failures.append(f"spider_errors: {spider_errors} callback(s) raised (tracebacks in the log)")
        if archive["items_not_written"] or archive["pages_not_followed"]:
            failures.append(
                f"lost: {archive['items_not_written']} item(s) not written, {archive['pages_not_followed']} "
                "page(s) not followed (the next run fetches them)"
            )
        return {
            "reason": reason,
            "store": store,
            "articles_seen": self.articles,
            "dropped": dropped,
            "dates_unparsed": get("antara/dates/unparsed", 0),
            "errors": errors,
            "http_errors": http,
            "exceptions": exceptions,
            "requests": requests,
            "error_rate": error_rate,
            "coverage": coverage,
            "archive": archive,
            "failures": failures,
            "short_pages": list(self.short_pages.items())[:SHORT_PAGES_SHOWN],
            "short_pages_total": len(self.short_pages),
        }

    @staticmethod
    def render(s: dict[str, Any]) -> str:
        def kv(d: dict[str, Any]) -> str:
            return ", ".join(f"{k}={v}" for k, v in d.items()) or "none"

        store = s["store"]
        lines = [
            f"Run summary ({s['reason']}): new={store['new']} updated={store['updated']} "
            f"unchanged={store['unchanged']} link_statuses={store['link_statuses']} "
            f"dead_links_marked={store['link_status']} articles_seen={s['articles_seen']}",
            f"  dropped: {kv(s['dropped'])}",
            f"  dates not parsed: {s['dates_unparsed']}",
            f"  HTTP errors: {kv(s['http_errors'])}; network errors: {s['exceptions']}; "
            f"failed requests: {kv(s['errors'])}; error rate {s['error_rate']:.1%} of {s['requests']} requests",
            "  field coverage: " + (", ".join(f"{k} {v:.1f}%" for k, v in s["coverage"].items()) or "no article"),
        ]
        archive = s.get("archive") or {}
        if any(archive.values()):
            lines.append(
                f"  archive: retries={archive['retries']} waited={archive['wait_seconds']:g}s "
                f"unavailable={archive['unavailable'] or 'no'}; lost: items_not_written="
                f"{archive['items_not_written']} pages_not_followed={archive['pages_not_followed']}"
            )
        if s["short_pages"]:
            more = s["short_pages_total"] - len(s["short_pages"])
            lines.append(f"  pages that fell short ({s['short_pages_total']}); keep them as fixtures:")
            lines += [f"    scrapy savefixture {url}    # {why}" for url, why in s["short_pages"]]
            if more > 0:
                lines.append(f"    ... and {more} more")
        if s.get("completeness"):
            lines.append("  completeness (the ledger over the ids this run covered):")
            lines += [f"    {line}" for line in s["completeness"]]
        lines.append("  result: " + ("FAILED: " + "; ".join(s["failures"]) if s["failures"] else "ok"))
        return "\n".join(lines)
