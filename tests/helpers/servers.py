"""Throwaway PostgreSQL and Redis servers for the test session (pytest fixtures; registered in tests/conftest.py).

* ``postgres_server`` (session): ``initdb`` into a temporary folder and ``pg_ctl start`` on a free 127.0.0.1 port,
  with its socket in that folder; stopped and deleted at the end of the session. As root, ``initdb`` refuses to
  run, so the server runs as the ``postgres`` system user (``runuser``), in folders owned by it.
* ``postgres_url`` (function): a fresh database on that server, as a SQLAlchemy URL
  (``postgresql+psycopg://postgres@127.0.0.1:PORT/NAME``); dropped after the test.
* ``restartable_postgres`` (module): a server of its own (``ControlledPostgres``) with ``stop()`` and ``start()``, for
  the archive-outage tests; it is never the shared one, so stopping it disturbs no other test.
* ``redis_server`` (session): ``redis-server`` on a free 127.0.0.1 port, no persistence; ``redis_url`` (function)
  is that server after a ``FLUSHALL``.

A test using them is skipped, with the reason, when the binaries or the Python drivers are missing. Binaries are
looked up on PATH, then in ``/usr/lib/postgresql/*/bin``; ``ANTARA_PG_BIN`` names a folder holding ``initdb`` and
``pg_ctl``. ``ANTARA_TEST_PG_URL`` (a server URL whose user may CREATE DATABASE) or ``ANTARA_TEST_REDIS_URL`` use an
existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

logger = logging.getLogger(__name__)

PG_USER = "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
        time.sleep(0.05)
    return False


# --- PostgreSQL --------------------------------------------------------------------------------------------------


def pg_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (ANTARA_PG_BIN, PATH, then the newest Debian install)."""
    env = os.environ.get("ANTARA_PG_BIN")
    candidates = [env] if env else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0))[::-1]
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


@dataclass
class PostgresServer:
    """A running server; ``url(db)`` is a SQLAlchemy URL for one of its databases."""

    host: str
    port: int
    user: str
    password: str = ""
    admin_db: str = "postgres"

    def url(self, database: str) -> str:
        auth = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{database}"

    def _admin(self):
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.admin_db,
            autocommit=True,
        )

    def create_database(self, name: str | None = None) -> str:
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _as_postgres(cmd: list[str]) -> list[str]:
    """Run as the postgres user when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", PG_USER, "--", *cmd]
    return ["su", PG_USER, "-s", "/bin/sh", "-c", " ".join(f"'{c}'" for c in cmd)]


def _pg_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the server's user owns. As root, pytest's folders (mode 0700 under /tmp/pytest-of-root) are not
    reachable by ``postgres``, so the folder is made directly under the temp dir."""
    if os.geteuid() != 0:
        return tmp_path_factory.mktemp("postgres")
    import pwd

    try:
        entry = pwd.getpwnam(PG_USER)
    except KeyError:
        pytest.skip(f"running as root and no {PG_USER!r} system user to run PostgreSQL as")
    folder = Path(tempfile.mkdtemp(prefix="antara-pg-"))
    os.chown(folder, entry.pw_uid, entry.pw_gid)
    return folder


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)


@dataclass
class ControlledPostgres(PostgresServer):
    """A throwaway server of our own that a test may stop and start again (an outage in the middle of a crawl)."""

    bin_dir: Path = Path()
    data: Path = Path()
    options: str = ""
    log: Path = Path()

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m fast``: sessions are terminated (SQLSTATE 57P01), then connections are refused."""
        _run(_as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]), check=True)

    def start(self) -> None:
        cmd = [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", self.options, "-l", str(self.log), "-w"]
        _run(_as_postgres([*cmd, "start"]), check=True)
        if not _wait_port(self.port, 30):
            raise RuntimeError(f"PostgreSQL did not come back: {_tail(self.log)}")


@contextlib.contextmanager
def _cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlledPostgres]:
    """initdb + pg_ctl start on a free 127.0.0.1 port; stopped and deleted on exit (skips when impossible)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'antara_crawler[distributed]')")
    bin_dir = pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    root = _pg_dir(tmp_path_factory)
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    port = free_port()
    try:
        for folder in (data, sockets):
            _run(_as_postgres(["mkdir", "-p", str(folder)]), check=True)
        init = _run(
            _as_postgres(
                [str(bin_dir / "initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust", "-E", "UTF8", "--no-sync"]
                + ["--locale=C.UTF-8" if _has_c_utf8() else "--locale=C"]
            )
        )
        if init.returncode != 0:
            pytest.skip(f"initdb failed: {init.stderr.strip()[-500:]}")
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        options += " -c full_page_writes=off -c max_connections=100"
        start = _run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
        )
        if start.returncode != 0 or not _wait_port(port, 30):
            detail = start.stderr.strip() or _tail(log)
            pytest.skip(f"PostgreSQL did not start: {detail[-800:]}")
        logger.info("PostgreSQL test server on 127.0.0.1:%d (%s)", port, root)
        yield ControlledPostgres("127.0.0.1", port, PG_USER, bin_dir=bin_dir, data=data, options=options, log=log)
    finally:
        if (data / "postmaster.pid").exists() or (bin_dir is not None and _pg_running(bin_dir, data)):
            _run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]))
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'antara_crawler[distributed]')")
    external = os.environ.get("ANTARA_TEST_PG_URL")
    if external:
        from sqlalchemy.engine import make_url

        u = make_url(external)
        yield PostgresServer(u.host or "127.0.0.1", u.port or 5432, u.username or PG_USER, u.password or "")
        return
    with _cluster(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="module")
def restartable_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlledPostgres]:
    """A PostgreSQL server of the module's own (never the shared one), which tests stop and start mid-crawl."""
    with _cluster(tmp_path_factory) as server:
        yield server


def _pg_running(bin_dir: Path, data: Path) -> bool:
    try:
        return _run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "status"])).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _has_c_utf8() -> bool:
    try:
        out = _run(["locale", "-a"]).stdout.lower()
    except (OSError, subprocess.SubprocessError):
        return False
    return "c.utf8" in out or "c.utf-8" in out


def _tail(path: Path, n: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh, empty database for one test (dropped afterwards)."""
    name = postgres_server.create_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


# --- Redis -------------------------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    host: str
    port: int
    db: int = 0

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    pytest.importorskip("redis", reason="redis-py is not installed (pip install 'antara_crawler[distributed]')")
    pytest.importorskip(
        "scrapy_redis", reason="scrapy-redis is not installed (pip install 'antara_crawler[distributed]')"
    )
    external = os.environ.get("ANTARA_TEST_REDIS_URL")
    if external:
        from urllib.parse import urlsplit

        u = urlsplit(external)
        yield RedisServer(u.hostname or "127.0.0.1", u.port or 6379, int((u.path or "/0").lstrip("/") or 0))
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not found: apt-get install redis-server")
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    cmd = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(folder), "--daemonize", "no", "--protected-mode", "yes"]
    log = (folder / "redis.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not _wait_port(port, 15):
            proc.kill()
            pytest.skip(f"redis-server did not start: {_tail(folder / 'redis.log')}")
        server = RedisServer("127.0.0.1", port)
        client = server.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()
        logger.info("Redis test server on 127.0.0.1:%d", port)
        yield server
    finally:
        stop_process(proc)
        log.close()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis server, emptied (``FLUSHALL``) for this test."""
    client = redis_server.client()
    client.flushall()
    client.close()
    return redis_server.url


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate a server process the tests started; kill it if it has not exited within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
