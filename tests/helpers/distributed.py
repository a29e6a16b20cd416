"""Running ``scrapy crawl antara`` processes for the distributed tests: the command against a mirror, the Redis
settings of a shared run, starting several at once, and reading their logs and archives back."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlalchemy import text

from antara_crawler.store import Archive
from tests.helpers import ROOT
from tests.site.server import MirrorServer

PORTALS = "babel,makassar,papua,www"
FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"]
ADDON = '{"antara_crawler.distributed.RedisAddon": 0}'


def crawl_cmd(server: MirrorServer, db_url: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "antara",
        "-a",
        f"portals={PORTALS}",
        "-s",
        f"ANTARA_URL_TEMPLATE={server.url_template}",
        "-s",
        f"ANTARA_DB_URL={db_url}",
        *FAST,
        *extra,
    ]


def redis_args(redis_url: str, run: str, workers: int) -> list[str]:
    return [
        "-s",
        f"ADDONS={ADDON}",  # settings.py may enable it too; harmless twice
        "-s",
        f"REDIS_URL={redis_url}",
        "-s",
        f"ANTARA_RUN_ID={run}",
        "-s",
        f"ANTARA_REDIS_WORKERS={workers}",
        "-s",
        "ANTARA_REDIS_POLL=0.2",
    ]


def run_all(cmds: list[list[str]], timeout: float = 240) -> list[subprocess.CompletedProcess]:
    """Start every command at once, wait for all."""
    env = {"ANTARA_LOG_LEVEL": "INFO", "PYTHONWARNINGS": "always"}  # warnings are logged: see no_redis_warnings()
    procs = [
        subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for cmd in cmds
    ]
    out = []
    for cmd, proc in zip(cmds, procs, strict=True):
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        out.append(subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr))
    return out


def explain(results: list[subprocess.CompletedProcess]) -> str:
    return "\n".join(f"--- exit {r.returncode} ---\n{r.stderr[-3000:]}" for r in results)


def no_redis_warnings(stderr: str) -> list[str]:
    """Warning lines that name scrapy-redis or our Redis wiring (there must be none)."""
    return [
        line
        for line in stderr.splitlines()
        if "Warning" in line and ("scrapy_redis" in line or "distributed.py" in line or "RedisScheduler" in line)
    ]


def stat(stderr: str, name: str) -> int:
    m = re.search(rf"'{re.escape(name)}': (\d+)", stderr)
    return int(m.group(1)) if m else 0


def archived(db_url: str) -> list[tuple[str, int]]:
    with Archive.open(db_url) as archive, archive.engine.connect() as conn:
        return [(p, int(i)) for p, i in conn.execute(text("SELECT portal, antara_id FROM articles"))]
