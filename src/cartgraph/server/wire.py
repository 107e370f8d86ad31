"""HTTP/1.1 on the wire: reading requests, checking Host, writing answers.

Nothing here knows SPARQL. :class:`WireHandler` parses the request line and
headers itself (``http.server`` uses the ``email`` package, which costs more
than answering a small query), refuses a ``Host`` this server does not answer
to (DNS rebinding), reads bodies within a limit, and writes every answer with
the headers all pages carry. :func:`http_server` wraps a listening socket in a
threaded server for a handler class. The routes live in :mod:`.protocol`.
"""

from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

__all__ = [
    "HTTPError",
    "Headers",
    "HostCheck",
    "WireHandler",
    "http_server",
    "one",
    "params",
    "text_body",
]

# Every answer: never framed by another site, never sniffed into another type. Pages
# that are not HTML also get a CSP that allows nothing (a JSON answer opened as a page).
_ALWAYS = ("X-Content-Type-Options: nosniff", "X-Frame-Options: DENY")
_NOTHING_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
_HOST = re.compile(r"([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?")


class HTTPError(Exception):
    """An answer other than 200: status, one-line message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class HostCheck:
    """Which ``Host`` names this server answers to.

    The bound address, the address a connection arrived on, ``localhost`` and
    the names given with ``--allowed-host``. Any other name is what a DNS
    rebinding attack sends (a page on evil.example whose name now points here),
    so it gets 421 before anything else happens.
    """

    def __init__(self, bound: str, allowed: Iterable[str] = ()) -> None:
        self.names = {"localhost", _bare(bound)} | {_bare(n) for n in allowed if n}

    def check(self, header: str | None, local_address: str | None, version: str) -> str:
        """The host part of an acceptable Host header; HTTPError otherwise."""
        if header is None:
            if version == "HTTP/1.0":
                return local_address or ""
            raise HTTPError(400, "an HTTP/1.1 request needs a Host header")
        m = _HOST.fullmatch(header.strip())
        if not m:
            raise HTTPError(400, "the Host header is malformed")
        name = _bare(m[1])
        if name in self.names or (local_address and name == _bare(local_address)):
            return m[0].lower()
        raise HTTPError(421, f"this server does not answer to the host name {name!r} "
                             "(start it with --allowed-host NAME to allow it)")


def _bare(host: str) -> str:
    """A host name or address in one canonical spelling (lower case, no brackets)."""
    host = host.strip().lower().strip("[]").rstrip(".")
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(host))
    return host


def http_date() -> str:
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return str(_DATE[1])


_DATE: list[Any] = [0, ""]  # the second and its formatted Date header


class Headers(dict[str, str]):
    """Request headers by lower-case name; a repeated header's values joined by commas."""

    _MAX_COUNT, _MAX_LINE = 100, 65536

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)

    def read(self, rfile: Any) -> str | None:
        """Read header lines up to the blank line; a problem as a message, or None."""
        last = None
        for _ in range(self._MAX_COUNT + 1):
            raw = rfile.readline(self._MAX_LINE + 1)
            if len(raw) > self._MAX_LINE:
                return "a header line is too long"
            if raw in (b"\r\n", b"\n", b""):
                return None
            text = raw.decode("iso-8859-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and last is not None:  # obsolete line folding
                self[last] += " " + text.strip()
                continue
            name, colon, value = text.partition(":")
            last = name.strip().lower()
            if not colon or not last or last != name.lower():
                return f"bad header line {text[:100]!r}"
            value = value.strip()
            self[last] = f"{self[last]}, {value}" if last in self else value
        return f"too many header lines (more than {self._MAX_COUNT})"


def params(text: str) -> dict[str, list[str]]:
    """Form or query-string parameters; 400 when malformed."""
    if not text:
        return {}
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False,
                        errors="strict", max_num_fields=1000)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPError(400, f"malformed parameters: {exc}") from None


def one(values: dict[str, list[str]], name: str, default: Any = ...) -> Any:
    """The single value of a parameter; 400 if it is missing (without default) or repeated."""
    given = values.get(name)
    if not given:
        if default is ...:
            raise HTTPError(400, f"missing parameter {name}")
        return default
    if len(given) > 1:
        raise HTTPError(400, f"give the {name} parameter once")
    return given[0]


def text_body(body: bytes) -> str:
    """A request body as UTF-8 text; 400 otherwise."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPError(400, f"the request body is not UTF-8: {exc}") from None


class WireHandler(BaseHTTPRequestHandler):
    """Request parsing and answer writing; subclasses add ``do_GET`` and the rest.

    Subclasses set ``log_requests``, ``cors`` (an origin or None),
    ``max_request_bytes`` and ``hosts`` (a :class:`HostCheck`).
    """

    raw_requestline: bytes
    _unread: int | None = 0  # request body bytes not read yet (None: unknown)
    timeout = 120  # seconds for one read, or to send one whole answer
    protocol_version = "HTTP/1.1"
    server_version = "cartgraph"
    sys_version = ""
    log_requests = False
    cors: str | None = None
    max_request_bytes = 1 << 20
    hosts = HostCheck("127.0.0.1")
    host = ""  # the checked Host of the current request

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        """The request line and headers, then the Host check; False if answered already."""
        self.command = None  # type: ignore[assignment]
        self.close_connection = True
        self.headers = Headers()  # type: ignore[assignment]
        self.requestline = line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.answer_error(HTTPError(400, f"bad request line {line[:100]!r}"))
            return False
        if not re.fullmatch(r"HTTP/1\.[0-9]", words[2]):
            self.answer_error(HTTPError(505, f"HTTP version {words[2][:20]} is not supported"))
            return False
        self.command, self.path, self.request_version = words
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = Headers()
        problem = headers.read(self.rfile)
        self.headers = headers  # type: ignore[assignment]
        if problem:
            self.answer_error(HTTPError(431 if "too" in problem else 400, problem))
            return False
        options = {t.strip() for t in (headers.get("Connection") or "").lower().split(",")}
        self.close_connection = "close" in options or (
            self.request_version == "HTTP/1.0" and "keep-alive" not in options)
        # A body this server does not read must not be taken for the next request:
        # until body() reads it, the connection is closed after the answer.
        length = headers.get("Content-Length")
        self._unread = 0 if length is None else \
            int(length) if re.fullmatch(r"[0-9]{1,18}", length) else None
        if headers.get("Transfer-Encoding") is not None:
            self._unread = None
        try:
            local = self.connection.getsockname()[0]
        except (OSError, IndexError, TypeError):
            local = None
        try:
            self.host = self.hosts.check(headers.get("Host"), local, self.request_version)
        except HTTPError as exc:
            self.close_connection = True
            self.answer_error(exc, head=self.command == "HEAD")
            return False
        if (headers.get("Expect") or "").lower() == "100-continue" and \
                self.request_version != "HTTP/1.0":
            return self.handle_expect_100()
        return True

    def log_message(self, format: str, *args: Any) -> None:
        if self.log_requests:
            super().log_message(format, *args)

    def send(self, status: int, body: bytes, media: str = "", *,
             headers: dict[str, str] | None = None, head: bool = False) -> None:
        """Write one complete answer (headers, then the body unless ``head``)."""
        headers = headers or {}
        lines = [f"{self.protocol_version} {status} {HTTPStatus(status).phrase}",
                 f"Server: {self.server_version}", f"Date: {http_date()}"]
        if media:
            if media.startswith("text/") and "charset" not in media:
                media += "; charset=utf-8"
            lines.append(f"Content-Type: {media}")
        lines.append(f"Content-Length: {len(body)}")
        lines.extend(_ALWAYS)
        if "Content-Security-Policy" not in headers:
            lines.append(f"Content-Security-Policy: {_NOTHING_CSP}")
        if self.cors:
            lines.append(f"Access-Control-Allow-Origin: {self.cors}")
            lines.append("Vary: Origin")
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        if self._unread != 0:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data if head else data + body)
        self.log_request(status, len(body))

    def answer_error(self, exc: HTTPError, *, head: bool = False) -> None:
        self.send(exc.status, (exc.message + "\n").encode(), "text/plain; charset=utf-8",
                  headers=exc.headers, head=head)

    def body(self) -> bytes:
        """The request body (Content-Length only), within ``max_request_bytes``."""
        if self.headers.get("Transfer-Encoding") is not None:
            raise HTTPError(411, "request bodies with Transfer-Encoding (chunked) are not "
                                 "supported: send Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise HTTPError(411, "a POST needs a Content-Length")
        if self._unread is None:
            raise HTTPError(400, f"bad Content-Length {length_text[:40]!r}")
        length = self._unread
        cap = self.max_request_bytes
        if length > cap:
            self._discard(length)
            raise HTTPError(413, f"request body of {length} bytes is larger than the "
                                 f"server's limit of {cap} bytes")
        self._unread = 0
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read (and drop) a refused body so the client sees the answer, up to 64 MB."""
        if length > 64 << 20:
            return  # _unread stays: the connection is closed after the answer
        with contextlib.suppress(OSError):
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)
        self._unread = 0


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self) -> tuple[socket.socket, Any]:
        # The listening socket is non-blocking (several processes accept on it);
        # the connections themselves block.
        connection, address = self.socket.accept()
        connection.setblocking(True)
        return connection, address


def http_server(listener: socket.socket, handler: type[WireHandler]) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server answering on ``listener`` (bound and listening)."""
    httpd = _HTTPServer(listener.getsockname(), handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = listener
    httpd.server_address = listener.getsockname()
    return httpd
