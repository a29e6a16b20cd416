"""A real HTTP server on 127.0.0.1 that serves an offline mirror of ANTARA portals from files.

Layout of the mirror folder (one sub-folder per portal, the way ``ANTARA_URL_TEMPLATE=http://127.0.0.1:PORT/{portal}``
asks for pages)::

    <root>/<portal>/robots.txt
    <root>/<portal>/rss/terkini.xml
    <root>/<portal>/terkini/<N>.html        also answers /terkini (N=1) and /terkini?page=N
    <root>/<portal>/berita/<id>.html        answers /berita/<id>/<any slug> and /amp/berita/<id>/... (slug ignored,
                                            as on the real site), and ``?page=1``
    <root>/<portal>/berita/<id>.page-<N>.html   answers ``?page=<N>`` (N > 1) and ``?page=all`` (``page-all``) of a
                                            multi-page article; a missing file is a 404 (a page that is gone)
    <root>/<portal>/berita/<id>.redirect    /berita/<id> answers 301 to the path the file holds (e.g. ``/``)
    <root>/<portal>/<any/other/path>        served as is, or <path>.html, or <path>/index.html

A missing file answers 404 with a small "not found" page. Every request is counted (``server.requests`` holds the
paths in order) so tests can prove what a crawl fetched. ``faults`` maps a regular expression over the request path
(with its query) to a fault, for the reliability tests: an int status ("503"), ``("status", code, headers)``,
``"reset"`` (close the connection), ``("delay", seconds)``, ``("flaky", n, code)`` (fail the first n times),
``("body", bytes, content_type)`` or ``("redirect", location)``.

Run it by hand: ``python -m tests.site.server --root tests/site/build --port 8080``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

NOT_FOUND_PAGE = b"<html><head><title>404 Not Found</title></head><body><h1>Halaman tidak ditemukan</h1></body></html>"

_TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/rss+xml; charset=utf-8", ".txt": "text/plain"}


class MirrorServer:
    def __init__(self, root: str | Path, *, port: int = 0, faults: dict | None = None, delay: float = 0.0):
        self.root = Path(root).resolve()
        self.faults = [(re.compile(k), v) for k, v in (faults or {}).items()]
        self.delay = delay
        self.requests: list[str] = []
        self.fault_hits: Counter = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url_template(self) -> str:
        return f"http://127.0.0.1:{self.port}/{{portal}}"

    def count(self, pattern: str) -> int:
        rx = re.compile(pattern)
        with self._lock:
            return sum(1 for p in self.requests if rx.search(p))

    def start(self) -> MirrorServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="mirror", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> MirrorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- resolution ------------------------------------------------------------------------------------------------

    def resolve(self, path: str, query: str) -> Path | None:
        parts = [p for p in path.split("/") if p]
        if not parts or any(p in ("..", ".") for p in parts):
            return None
        portal, rest = parts[0], parts[1:]
        base = self.root / portal
        if rest[:1] == ["amp"]:
            rest = rest[1:]
        if len(rest) >= 2 and rest[0] == "berita" and rest[1].isdigit():
            page = (parse_qs(query).get("page") or ["1"])[0].strip().lower()
            if page not in ("", "1"):
                return _existing(base / "berita" / f"{rest[1]}.page-{page}.html") if page.isalnum() else None
            return _existing(base / "berita" / f"{rest[1]}.html")
        if rest and rest[0] == "terkini" and len(rest) <= 2:
            page = rest[1] if len(rest) == 2 else (parse_qs(query).get("page") or ["1"])[0]
            return _existing(base / "terkini" / f"{page}.html") if page.isdigit() else None
        target = base.joinpath(*rest) if rest else base
        for candidate in (target, target.with_name(target.name + ".html"), target / "index.html"):
            if candidate.is_file():
                return candidate
        return None

    def redirect_for(self, path: str) -> str | None:
        """``/<portal>/berita/<id>`` answers 301 when ``<root>/<portal>/berita/<id>.redirect`` exists; the file
        holds the target path inside the portal (``/`` for the home page)."""
        parts = [p for p in path.split("/") if p]
        if len(parts) < 3 or parts[1] != "berita" or not parts[2].isdigit():
            return None
        marker = self.root / parts[0] / "berita" / f"{parts[2]}.redirect"
        if not marker.is_file():
            return None
        return f"/{parts[0]}{marker.read_text(encoding='utf-8').strip()}"

    def _fault_for(self, full_path: str):
        for rx, fault in self.faults:
            if rx.search(full_path):
                return fault
        return None

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY, as web servers set it: headers and body are two writes, and with Nagle's algorithm the
            # body waited for the client's delayed ACK (~40 ms) on every kept-alive connection, so a fast crawl
            # was held by the mirror, not by its own work
            disable_nagle_algorithm = True

            def log_message(self, fmt, *args):  # quiet: tests read server.requests instead
                logger.debug("mirror: " + fmt, *args)

            def do_GET(self):  # noqa: N802 (http.server's naming)
                split = urlsplit(self.path)
                with server._lock:
                    server.requests.append(self.path)
                if server.delay:
                    time.sleep(server.delay)
                fault = server._fault_for(self.path)
                if fault is not None:
                    with server._lock:
                        server.fault_hits[self.path] += 1
                        hits = server.fault_hits[self.path]
                    if self._apply_fault(fault, hits):
                        return
                location = server.redirect_for(split.path)
                if location is not None:
                    self._send(301, b"", "text/html", {"Location": location})
                    return
                file = server.resolve(split.path, split.query)
                if file is None:
                    self._send(404, NOT_FOUND_PAGE, "text/html; charset=utf-8")
                    return
                self._send(200, file.read_bytes(), _TYPES.get(file.suffix, "text/html; charset=utf-8"))

            def _apply_fault(self, fault, hits: int) -> bool:
                """Answer with the fault; False when the request should be served normally."""
                if isinstance(fault, int):
                    self._send(fault, b"<html><body>error</body></html>", "text/html")
                    return True
                if fault == "reset":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return True
                kind = fault[0]
                if kind == "status":
                    _, code, headers = fault
                    self._send(code, b"<html><body>error</body></html>", "text/html", headers)
                    return True
                if kind == "delay":
                    time.sleep(fault[1])
                    return False
                if kind == "flaky":
                    _, times, code = fault
                    if hits <= times:
                        self._send(code, b"<html><body>error</body></html>", "text/html")
                        return True
                    return False
                if kind == "body":
                    self._send(200, fault[1], fault[2])
                    return True
                if kind == "redirect":
                    self._send(302, b"", "text/html", {"Location": fault[1]})
                    return True
                raise ValueError(f"unknown fault {fault!r}")

            def _send(self, code: int, body: bytes, ctype: str, headers: dict | None = None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, str(v))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    with MirrorServer(args.root, port=args.port) as server:
        logger.info("serving %s on %s", args.root, server.url_template)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
