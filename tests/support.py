"""Helpers shared by the tests: saved pages as Scrapy responses, fixture paths, a subprocess crawl runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
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


def antara_settings(**overrides: object) -> dict:
    """The ``ANTARA_*`` settings declared in ``antara_crawler/settings.py`` (what every real crawl starts from), with
    ``overrides``: for crawlers built in-process with ``get_crawler``, which otherwise lack the project's defaults."""
    from antara_crawler import settings as project

    return {**{k: v for k, v in vars(project).items() if k.startswith("ANTARA_")}, **overrides}
