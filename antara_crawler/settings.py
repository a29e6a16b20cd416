"""Scrapy settings for antara_crawler.

Every override says what Scrapy's default is and why it changed. Deployment values come from the environment;
the README lists each variable with its default. Project settings start with ``ANTARA_``.
"""

from __future__ import annotations

import os

from antara_crawler.items import ARTICLE_FEED_FIELDS

BOT_NAME = "antara_crawler"
SPIDER_MODULES = ["antara_crawler.spiders"]
NEWSPIDER_MODULE = "antara_crawler.spiders"
COMMANDS_MODULE = "antara_crawler.commands"

# --- Project settings ------------------------------------------------------------------------------------------
# Every ANTARA_* setting the package reads is declared here, once, with its default and what it does; components read
# it without repeating the default (``settings.getint("ANTARA_BATCH_SIZE")``). Each can also be given as an
# environment variable of the same name, or with ``-s NAME=value``. tests/test_settings.py checks both rules.


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_flag(name: str, default: bool) -> bool:
    """An on/off environment variable: unset gives ``default``; "0", "false", "False" and "" are off."""
    value = os.environ.get(name)
    return default if value is None else value not in ("0", "false", "False", "")


#: Where requests for https://<portal>.antaranews.com/... are really fetched from ({portal} is filled in, then the
#: original path and query are appended). Items always keep the real URLs. Point it at a mirror, a cache or the
#: offline test site, e.g. http://127.0.0.1:8080/{portal}.
ANTARA_URL_TEMPLATE = _env("ANTARA_URL_TEMPLATE", "https://{portal}.antaranews.com")
#: The archive: any SQLAlchemy URL. The default SQLite file (and its folder) is created as needed.
ANTARA_DB_URL = _env("ANTARA_DB_URL", "sqlite:///data/antara.db")
#: Keep the compressed page of every archived article (table ``pages``) so ``scrapy reparse`` can re-extract.
ANTARA_STORE_HTML = _env_flag("ANTARA_STORE_HTML", True)
#: Items written per transaction by the store pipeline (the rest is flushed when the spider closes).
ANTARA_BATCH_SIZE = int(_env("ANTARA_BATCH_SIZE", "100"))
#: Write batches from one background thread instead of the crawl's thread. Off: on 2 cores it gained nothing in
#: bench/bench_store.py, and a killed process can then lose two batches instead of one.
ANTARA_STORE_BACKGROUND = _env_flag("ANTARA_STORE_BACKGROUND", False)
#: How long (seconds) a crawl keeps retrying the archive when it is unavailable (a database restart, a failover, a
#: full disk, a lock held by another process): the spider's reads and the store's writes wait with backoff. Past
#: it the run stops scheduling, flushes what it can, counts what it could not write and exits 4 (docs/scheduling.md).
ANTARA_ARCHIVE_RETRY_SECONDS = float(_env("ANTARA_ARCHIVE_RETRY_SECONDS", "300"))
#: SQLite only: how long (seconds) one statement waits for another process's lock before "database is locked"
#: (then ANTARA_ARCHIVE_RETRY_SECONDS takes over, without holding the crawl's thread).
ANTARA_SQLITE_BUSY_SECONDS = float(_env("ANTARA_SQLITE_BUSY_SECONDS", "30"))
#: Contact shown in the User-Agent so ANTARA can reach whoever runs the crawler. Set your own.
ANTARA_CONTACT = _env("ANTARA_CONTACT", "https://github.com/antara-crawler/antara_crawler")
#: The run summary at the end of every crawl (extensions.py): counts, field coverage, failure detection. Off only
#: for tools that drive a crawler themselves.
ANTARA_RUN_SUMMARY = _env_flag("ANTARA_RUN_SUMMARY", True)
#: A run fails (non-zero exit) when more than this share of requests end in an HTTP or network error.
ANTARA_MAX_ERROR_RATE = float(_env("ANTARA_MAX_ERROR_RATE", "0.25"))
#: A run fails when fewer than this share (percent) of its articles have a title, a body or a published_at.
ANTARA_MIN_COVERAGE = float(_env("ANTARA_MIN_COVERAGE", "90"))
#: Write a feed of only what each run added or changed to this path pattern (Scrapy feed URI placeholders
#: %(name)s and %(time)s work); empty: off. Example: feeds/%(name)s/%(time)s.jsonl
ANTARA_NEW_ITEMS_FEED = _env("ANTARA_NEW_ITEMS_FEED", "")
#: The log level (Scrapy's LOG_LEVEL, below).
ANTARA_LOG_LEVEL = _env("ANTARA_LOG_LEVEL", "INFO")
#: Progress of long jobs, every this many seconds: a backfill by id logs one line per active portal (ids done of
#: total, articles found, rate, time left); long commands (export, reparse, stories --rebuild) show a progress bar
#: on a terminal and log one line per interval elsewhere (cron). 0: no backfill progress lines.
ANTARA_PROGRESS_INTERVAL = float(_env("ANTARA_PROGRESS_INTERVAL", "60"))

# Distributed crawling (distributed.py, docs/scaling-out.md); inert unless REDIS_URL is set.
#: Names one distributed crawl: processes with the same id share the queue and the seen set (Redis keys
#: ``antara:<run id>:<spider>:*``). 1-100 letters, digits, '.', '_' or '-'.
ANTARA_RUN_ID = _env("ANTARA_RUN_ID", "default")
#: A process does not finish before this many processes joined the run (or ANTARA_REDIS_JOIN_TIMEOUT passed).
ANTARA_REDIS_WORKERS = int(_env("ANTARA_REDIS_WORKERS", "1"))
#: Seconds to wait for ANTARA_REDIS_WORKERS processes to join.
ANTARA_REDIS_JOIN_TIMEOUT = float(_env("ANTARA_REDIS_JOIN_TIMEOUT", "60"))
#: Expiry (seconds) of a run's Redis keys, renewed as the run goes; 0: no expiry. Default 7 days.
ANTARA_REDIS_TTL = int(_env("ANTARA_REDIS_TTL", str(7 * 24 * 3600)))
#: Seconds after which a silent (killed) process no longer holds the others open.
ANTARA_REDIS_BUSY_TTL = float(_env("ANTARA_REDIS_BUSY_TTL", "30"))
#: Seconds between two looks at the shared queue by an idle process.
ANTARA_REDIS_POLL = float(_env("ANTARA_REDIS_POLL", "0.5"))
#: Start requests (``dont_filter``) go through the shared duplicate filter, so N processes fetch each seed once.
ANTARA_REDIS_SHARE_SEEDS = _env_flag("ANTARA_REDIS_SHARE_SEEDS", True)
#: Seconds a process waits for another process's robots.txt before fetching it itself.
ANTARA_REDIS_ROBOTS_WAIT = float(_env("ANTARA_REDIS_ROBOTS_WAIT", "15"))

# --- Completeness: the id ledger and backfills by id (sources=ids, sources=gaps); see the README ---------------

#: A not_found (404/410) id is requested again by a backfill after this many days (pages do come back) ...
ANTARA_RECHECK_DAYS = float(_env("ANTARA_RECHECK_DAYS", "30"))
#: ... at most this many times after its first 404; then it is settled for good (1 + 2 checks by default).
ANTARA_NOT_FOUND_RECHECKS = int(_env("ANTARA_NOT_FOUND_RECHECKS", "2"))
#: A bisection for the id bounds of since/until tries this many ids on each side of a probe that is no article
#: before taking the span as older than the day it looks for (ids grow with time).
ANTARA_PROBE_NEIGHBOURS = int(_env("ANTARA_PROBE_NEIGHBOURS", "5"))
#: Requests a backfill by id keeps waiting in the scheduler; more ids are generated as these are sent, so a
#: backfill of a million ids holds a few hundred requests in memory, not a million.
ANTARA_BACKFILL_QUEUE = int(_env("ANTARA_BACKFILL_QUEUE", "200"))

# --- Politeness: ANTARA forbids crawling for AI without written permission; see the README ---------------------

USER_AGENT = f"antara_crawler/0.1 (news archive for research; +{ANTARA_CONTACT})"  # default "Scrapy/VERSION (+https://scrapy.org)"
ROBOTSTXT_OBEY = True  # default False in Scrapy's code (True in new project templates); always obey, per subdomain
CONCURRENT_REQUESTS = 16  # default 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # default 8; one publisher per subdomain, be gentle
DOWNLOAD_DELAY = 0.5  # default 0; AutoThrottle raises it when the site slows down
AUTOTHROTTLE_ENABLED = True  # default False
AUTOTHROTTLE_START_DELAY = 1.0  # default 5.0
AUTOTHROTTLE_MAX_DELAY = 30.0  # default 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0  # default 1.0 (kept; stated for operators)
DOWNLOAD_TIMEOUT = 30  # default 180; regional portals answer fast or not at all
DOWNLOAD_MAXSIZE = 5 * 1024 * 1024  # default 1 GiB; an article page is ~100 KB, refuse anything over 5 MiB
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024  # default 32 MiB
RETRY_ENABLED = True  # default True
RETRY_TIMES = 3  # default 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]  # default (the same list)
COOKIES_ENABLED = False  # default True; articles need no session
TELNETCONSOLE_ENABLED = False  # default True; nothing to debug remotely on a scheduled job
REDIRECT_MAX_TIMES = 5  # default 20
# default 100: Scrapy starts that many tasks for the output of every response; an article page yields one item and a
# listing page ~20 requests, so 16 is plenty and saves ~10% CPU (bench/bench_crawl.py)
CONCURRENT_ITEMS = 16

# --- Components ------------------------------------------------------------------------------------------------

# Every http(s) request goes through our handler: it refuses hosts outside *.antaranews.com and fetches from
# ANTARA_URL_TEMPLATE (see handlers.py). Default: scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler.
DOWNLOAD_HANDLERS = {
    "http": "antara_crawler.handlers.AntaraDownloadHandler",
    "https": "antara_crawler.handlers.AntaraDownloadHandler",
}

DOWNLOADER_MIDDLEWARES = {
    # Scrapy 2.13+'s robots.txt middleware lets requests that waited for robots.txt through unchecked; ours does not
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "antara_crawler.middlewares.SharedRobotsTxtMiddleware": 100,  # Scrapy's own priority
    # honour Retry-After on 429/503 (Scrapy retries at once); must run before RetryMiddleware (550)
    "antara_crawler.middlewares.RetryAfterMiddleware": 560,
    # a backfill's id request is dropped when the ledger settled the id meanwhile (JOBDIR replay); before robots.txt
    "antara_crawler.settled.SettledIdsMiddleware": 50,
}
#: The longest Retry-After (seconds) the crawler will honour.
ANTARA_RETRY_AFTER_MAX = float(_env("ANTARA_RETRY_AFTER_MAX", "120"))

ITEM_PIPELINES = {
    # order matters: validate first (drops what must not be stored), then dates, then the archive
    "antara_crawler.pipelines.ValidationPipeline": 100,
    "antara_crawler.pipelines.DatesPipeline": 200,
    "antara_crawler.pipelines.StorePipeline": 500,
}

# --- Feeds ------------------------------------------------------------------------------------------------------

EXTENSIONS = {
    # feeds carry articles only (not the LinkStatus records of dead links); see feeds.py
    "scrapy.extensions.feedexport.FeedExporter": None,
    "antara_crawler.feeds.FeedExporter": 0,
    # the per-run feed of what a run added or changed (ANTARA_NEW_ITEMS_FEED; off when empty); see newfeed.py
    "antara_crawler.newfeed.NewItemsFeed": 500,
    # the run summary: field coverage, failure detection (exit status 3 through commands/crawl.py); extensions.py
    "antara_crawler.extensions.RunSummary": 500,
    # the start-up heap out of the garbage collector's full passes, when the spider opens; gc_freeze.py
    "antara_crawler.gc_freeze.GcFreeze": 0,
}
# CSV feeds write list fields (tags, related) as JSON text instead of Python reprs; JSON feeds are unchanged.
# Default: scrapy.exporters.CsvItemExporter.
FEED_EXPORTERS = {"csv": "antara_crawler.newfeed.CsvArticleExporter"}
# scrapy-redis scheduler + duplicate filter shared by several processes; inert unless REDIS_URL is set.
# See docs/scaling-out.md and distributed.py. Default: no add-ons.
ADDONS = {"antara_crawler.distributed.RedisAddon": 0}
# every URL of one article (slug, utm, /amp/) gets one fingerprint: fetched once; see fingerprint.py
REQUEST_FINGERPRINTER_CLASS = "antara_crawler.fingerprint.AntaraRequestFingerprinter"

FEED_EXPORT_ENCODING = "utf-8"  # default None (JSON would be ASCII-escaped); feeds are clean UTF-8
FEED_EXPORT_FIELDS = ARTICLE_FEED_FIELDS  # default None; the documented fields, never the raw page

# --- Engine -----------------------------------------------------------------------------------------------------

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # default (the same)
LOG_LEVEL = ANTARA_LOG_LEVEL  # default "DEBUG"
