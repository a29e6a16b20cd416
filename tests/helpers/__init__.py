"""Helpers shared by the tests: saved pages as Scrapy responses, fixture paths, the one ``scrapy`` subprocess runner
(``run_scrapy``, ``popen_scrapy``), in-process crawlers with the project's settings (``spider_with_crawler``).

The rest of the package: ``articles`` (the one synthetic Article factory, ``make_article``), ``fixture_archive``
(the small realistic archive, built with it), ``story_corpus``, ``reliability`` (crawl arguments against the mirror,
log stats, archive dumps), ``hostile_pages`` (hostile variants of a saved page), ``distributed`` (``scrapy crawl``
processes sharing a Redis queue), ``servers`` (the session's PostgreSQL and Redis, a pytest plugin), ``mirror`` (the
default offline mirror built and served once per session, a pytest plugin), and ``feed_articles`` /
``crawl_synthetic`` (scripts run as subprocesses). The offline mirror itself is ``tests/site/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = FIXTURES / "samples"
REAL = FIXTURES / "real"


def file_response(path: str | Path, url: str, *, encoding: str | None = "utf-8") -> TextResponse:
    """A Scrapy response built from a saved file, with a real ``Request(url)``: parse offline as in production."""
    body = Path(path).read_bytes()
    cls = XmlResponse if str(path).endswith(".xml") else HtmlResponse
    return cls(url=url, request=Request(url), body=body, encoding=encoding)


def load_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def ground_truth(data: dict) -> dict:
    """A ground-truth JSON without its ``_`` note keys."""
    return {k: v for k, v in data.items() if not k.startswith("_")}


def run_scrapy(args: list[str], *, cwd: Path = ROOT, env: dict | None = None, timeout: float = 240):
    """Run ``scrapy <args>`` as a real subprocess of this project's interpreter; returns CompletedProcess."""
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("ANTARA_LOG_LEVEL", "INFO")
    cmd = [sys.executable, "-m", "scrapy", *args]
    return subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


def popen_scrapy(
    args: list[str],
    *,
    env: dict | None = None,
    log_level: str | None = "INFO",
    stdout: int | None = subprocess.DEVNULL,
    stderr: int | None = subprocess.PIPE,
    text: bool = True,
) -> subprocess.Popen:
    """``scrapy <args>`` in the background, as ``run_scrapy`` runs it (same interpreter, cwd, environment); by default
    its stderr (the log) goes to a pipe read by ``communicate``. ``log_level=None`` leaves ``ANTARA_LOG_LEVEL`` as
    the environment has it."""
    full_env = {**os.environ, **(env or {})}
    if log_level is not None:
        full_env["ANTARA_LOG_LEVEL"] = log_level
    cmd = [sys.executable, "-m", "scrapy", *args]
    return subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=stdout, stderr=stderr, text=text)


def antara_settings(**overrides: object) -> dict:
    """The ``ANTARA_*`` settings declared in ``antara_crawler/settings.py`` (what every real crawl starts from), with
    ``overrides``: for crawlers built in-process with ``get_crawler``, which otherwise lack the project's defaults."""
    from antara_crawler import settings as project

    return {**{k: v for k, v in vars(project).items() if k.startswith("ANTARA_")}, **overrides}


def spider_with_crawler(spidercls: type | None = None, settings: dict | None = None, **spider_kwargs: object):
    """A spider of ``spidercls`` (default: a plain ``scrapy.Spider``) on a real crawler built in-process by
    ``get_crawler`` with the project's ``ANTARA_*`` defaults plus ``settings``, its stats collector included;
    ``crawler.spider`` is set, as the engine does. Returns the spider (``spider.crawler`` is the crawler)."""
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(spidercls or Spider, antara_settings(**(settings or {})))
    crawler.spider = crawler._create_spider(**spider_kwargs)
    return crawler.spider
