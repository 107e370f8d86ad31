"""The HTTP side of the server: routes, content negotiation, the SPARQL 1.1 Protocol.

:class:`App` holds what every request needs (options, the job runner, the
update token, the page assets); :func:`http_server` wraps a listening socket in
a threaded HTTP/1.1 server answering with :class:`_Handler`. The same code runs
in each worker process of an on-disk store and, for in-memory and remote
stores, in the server process itself (see :mod:`cartgraph.server`).
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import hmac
import io
import json
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..errors import CartgraphError, QueryError, QueryTimeout, UsageError
from .jobs import MEDIA_TYPE, Job, Runner
from .options import ServerOptions

__all__ = ["App", "check_update", "http_server", "negotiate", "read_token"]

# media type -> (format name for cartgraph.query.write_result, kinds it fits)
_SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
_BOOLEAN_TYPES = {k: v for k, v in _SOLUTION_TYPES.items() if v in {"json", "xml"}}
_GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/n-quads": "nquads",
    "text/plain": "ntriples",
}
_OFFERS = {"select": _SOLUTION_TYPES, "ask": _BOOLEAN_TYPES, "construct": _GRAPH_TYPES,
           "describe": _GRAPH_TYPES}
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_EXPLORER_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
                 "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                 "font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                 "frame-ancestors 'self'")
_ASSET_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png", ".ico": "image/x-icon"}


class _HTTPError(Exception):
    """An answer other than 200: status, one-line message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def check_update(text: str) -> None:
    """Refuse what an update must not do: fetch (LOAD, SERVICE) or be a query."""
    from ..query import query_kind, refuse_fetching

    if query_kind(text) != "update":
        raise _HTTPError(400, "update= holds a query: send it as query= "
                              "(or POST application/sparql-query)")
    try:
        refuse_fetching(text)
    except QueryError as exc:
        raise _HTTPError(400, str(exc)) from None


# -- content negotiation -----------------------------------------------------------


def _accept_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


@functools.lru_cache(maxsize=128)  # clients send the same few Accept headers
def negotiate(kind: str, accept: str | None, fmt: str | None = None) -> str:
    """The write_result format name for a query kind, from Accept or a format= parameter."""
    offers = _OFFERS[kind]
    if fmt:
        name = offers.get(fmt.lower()) or (fmt.lower() if fmt.lower() in offers.values()
                                          else None)
        if name is None or (name == "nt" and "ntriples" not in offers.values()):
            known = sorted(set(offers.values()))
            raise _HTTPError(406, f"format {fmt} does not fit {_a(kind)} query "
                                  f"(use one of: {', '.join(known)})")
        return "ntriples" if name == "nt" else name
    default = next(iter(offers))
    if not accept or not accept.strip():
        return offers[default]
    ranges = _accept_ranges(accept)
    best, best_q = None, 0.0
    for media in offers:
        major = media.split("/")[0]
        q, specificity = 0.0, -1
        for rng, rq in ranges:
            level = 2 if rng == media else 1 if rng == f"{major}/*" else \
                0 if rng == "*/*" else -1
            if level > specificity:
                q, specificity = rq, level
        if q > best_q:
            best, best_q = media, q
    if best is None:
        wanted = ", ".join(sorted(set(offers)))
        raise _HTTPError(406, f"cannot answer {_a(kind)} query as {accept} "
                              f"(available: {wanted})")
    return offers[best]


def _a(kind: str) -> str:
    return f"{'an' if kind == 'ask' else 'a'} {kind.upper()}"


# -- the HTTP application -----------------------------------------------------------


class App:
    """Everything the request handlers share: options, runner, token, assets.

    ``active`` counts requests being answered; once ``draining`` is set, each
    connection is closed after its current answer (a worker about to exit).
    """

    def __init__(self, store: Any, options: ServerOptions, *, runner: Runner,
                 token: str | None, draining: threading.Event | None = None) -> None:
        self.store, self.options, self.runner, self.token = store, options, runner, token
        self.draining = draining or threading.Event()
        self.active = 0
        self._active_lock = threading.Lock()
        self.assets = _load_assets()
        self._explorer: tuple[Any, bytes] | None = None
        self._explorer_lock = threading.Lock()

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        with self._active_lock:
            self.active += 1
        try:
            yield
        finally:
            with self._active_lock:
                self.active -= 1

    def explorer(self) -> bytes:
        """The viz page for the current state of the store, rebuilt after commits."""
        try:
            from ..viz import view
        except ImportError:
            raise _HTTPError(503, "the explorer is not available in this installation "
                                  "(cartgraph.viz is missing)") from None
        with self._explorer_lock:
            changed = self.store.refresh() if hasattr(self.store, "refresh") else False
            key = getattr(self.store, "_generation", None)
            if self._explorer is None or changed or self._explorer[0] != key:
                html = view(self.store).html
                self._explorer = (key, html.encode() if isinstance(html, str) else html)
            return self._explorer[1]


def read_token(token_file: str | None) -> str:
    """The bearer token for updates, from the first line of ``token_file``."""
    if not token_file:
        raise UsageError("--allow-update needs --token-file FILE")
    try:
        token = Path(token_file).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise CartgraphError(f"{token_file}: cannot read the token: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
    if not token:
        raise CartgraphError(f"{token_file}: the token file is empty")
    return token


def _load_assets() -> dict[str, bytes]:
    folder = resources.files("cartgraph") / "web"
    return {entry.name: entry.read_bytes() for entry in folder.iterdir()
            if entry.is_file() and not entry.name.startswith(".")}


def _service_description(endpoint: str, options: ServerOptions) -> list[Any]:
    import pyoxigraph as ox

    sd = "http://www.w3.org/ns/sparql-service-description#"
    formats = "http://www.w3.org/ns/formats/"
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service = ox.NamedNode(endpoint)
    dataset, default = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")

    def n(ns: str, local: str) -> ox.NamedNode:
        return ox.NamedNode(ns + local)

    triples: list[tuple[Any, Any, Any]] = [
        (service, rdf_type, n(sd, "Service")),
        (service, n(sd, "endpoint"), service),
        (service, n(sd, "supportedLanguage"), n(sd, "SPARQL11Query")),
        (service, n(sd, "feature"), n(sd, "UnionDefaultGraph")),
        (service, n(sd, "defaultDataset"), dataset),
        (dataset, rdf_type, n(sd, "Dataset")),
        (dataset, n(sd, "defaultGraph"), default),
        (default, rdf_type, n(sd, "Graph")),
        *((service, n(sd, "resultFormat"), n(formats, f)) for f in (
            "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
            "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "N-Quads")),
    ]
    if options.allow_update:
        triples.append((service, n(sd, "supportedLanguage"), n(sd, "SPARQL11Update")))
    return [ox.Triple(*t) for t in triples]


class _Handler(BaseHTTPRequestHandler):
    app: App
    raw_requestline: bytes
    _unread: int | None = 0  # request body bytes not read yet (None: unknown)
    timeout = 120  # seconds for one read, or to send one whole answer
    protocol_version = "HTTP/1.1"
    server_version = "cartgraph"
    sys_version = ""

    # -- plumbing -------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def parse_request(self) -> bool:
        """The request line and headers, read without the email package.

        BaseHTTPRequestHandler parses headers with ``email.parser``, which costs
        more than answering a simple query; HTTP/1.1 headers need much less.
        """
        self.command = None  # type: ignore[assignment]
        self.close_connection = True
        self.headers = _Headers()  # type: ignore[assignment]
        self.requestline = line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self._error(_HTTPError(400, f"bad request line {line[:100]!r}"))
            return False
        if not re.fullmatch(r"HTTP/1\.[0-9]", words[2]):
            self._error(_HTTPError(505, f"HTTP version {words[2][:20]} is not supported"))
            return False
        self.command, self.path, self.request_version = words
        if self.path.startswith("//"):
            self.path = "/" + self.path.lstrip("/")
        headers = _Headers()
        problem = headers.read(self.rfile)
        self.headers = headers  # type: ignore[assignment]
        if problem:
            self._error(_HTTPError(431 if "too" in problem else 400, problem))
            return False
        options = {t.strip() for t in (headers.get("Connection") or "").lower().split(",")}
        self.close_connection = "close" in options or (
            self.request_version == "HTTP/1.0" and "keep-alive" not in options)
        # A body this server does not read must not be taken for the next request:
        # until _body() reads it, the connection is closed after the answer.
        length = headers.get("Content-Length")
        self._unread = 0 if length is None else \
            int(length) if re.fullmatch(r"[0-9]{1,18}", length) else None
        if headers.get("Transfer-Encoding") is not None:
            self._unread = None
        if (headers.get("Expect") or "").lower() == "100-continue" and \
                self.request_version != "HTTP/1.0":
            return self.handle_expect_100()
        return True

    def log_message(self, format: str, *args: Any) -> None:
        if self.app.options.log:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str = "", *,
              headers: dict[str, str] | None = None, head: bool = False) -> None:
        lines = [f"{self.protocol_version} {status} {HTTPStatus(status).phrase}",
                 f"Server: {self.server_version}", f"Date: {_http_date()}"]
        if media:
            if media.startswith("text/") and "charset" not in media:
                media += "; charset=utf-8"
            lines.append(f"Content-Type: {media}")
        lines.append(f"Content-Length: {len(body)}")
        lines.append("X-Content-Type-Options: nosniff")
        if self.app.options.cors:
            lines.append(f"Access-Control-Allow-Origin: {self.app.options.cors}")
            lines.append("Vary: Origin")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if self._unread != 0:
            self.close_connection = True
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data if head else data + body)
        self.log_request(status, len(body))

    def _error(self, exc: _HTTPError, *, head: bool = False) -> None:
        self._send(exc.status, (exc.message + "\n").encode(), "text/plain; charset=utf-8",
                   headers=exc.headers, head=head)

    def _expired(self, exc: QueryTimeout) -> None:
        """Answer 503 for a job that outlived the timeout (called by the watchdog)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._error(_HTTPError(503, str(exc)), head=self.command == "HEAD")
            self.connection.shutdown(socket.SHUT_WR)

    def _handle(self, work: Any, *, head: bool = False) -> None:
        with self.app.answering():
            self._dispatch(work, head=head)

    def _dispatch(self, work: Any, *, head: bool) -> None:
        if self.app.draining.is_set():
            self.close_connection = True
        try:
            work()
        except _HTTPError as exc:
            self._error(exc, head=head)
        except QueryTimeout as exc:
            self._error(_HTTPError(503, str(exc)), head=head)
        except CartgraphError as exc:
            self._error(_HTTPError(400, str(exc)), head=head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            self._error(_HTTPError(500, f"internal error: {type(exc).__name__}: {exc}"),
                        head=head)

    # -- methods --------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle(self._get)

    def do_HEAD(self) -> None:
        self._handle(lambda: self._get(head=True), head=True)

    def do_POST(self) -> None:
        self._handle(self._post)

    def do_OPTIONS(self) -> None:
        headers = {"Allow": "GET, HEAD, POST, OPTIONS"}
        if self.app.options.cors:
            headers.update({
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Accept, Authorization, Content-Type",
                "Access-Control-Max-Age": "600"})
        self._send(204, b"", headers=headers)

    def _refuse_method(self) -> None:
        self._error(_HTTPError(405, f"method {self.command} is not allowed",
                               {"Allow": "GET, HEAD, POST, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _refuse_method

    # -- routes ---------------------------------------------------------------------

    def _get(self, *, head: bool = False) -> None:
        url = urlsplit(self.path)
        params = _params(url.query)
        route = url.path
        if route == "/sparql":
            if "update" in params:
                raise _HTTPError(400, "updates must be sent with POST")
            if "query" not in params:
                self._describe(head=head)
                return
            self._run_query(_one(params, "query"), params, head=head)
        elif route.startswith("/named/"):
            self._run_named(route.removeprefix("/named/"), params, head=head)
        elif route in {"/", "/index.html"}:
            self._page("index.html", head=head)
        elif route.startswith("/web/") and route.removeprefix("/web/") in self.app.assets:
            self._page(route.removeprefix("/web/"), head=head)
        elif route == "/search":
            from ..search import http_search

            self.app.store.refresh()
            status, body = http_search(self.app.store, params)
            self._send(status, body, "application/json", head=head,
                       headers={"Cache-Control": "no-store"})
        elif route == "/queries.json":
            self._queries_json(head=head)
        elif route == "/explorer":
            body = self.app.explorer()
            self._send(200, body, "text/html; charset=utf-8", head=head,
                       headers={"Content-Security-Policy": _explorer_csp(body),
                                "Cache-Control": "no-cache"})
        elif route == "/favicon.ico":
            self._send(204, b"", head=head)
        else:
            raise _HTTPError(404, f"no such page: {route} (the SPARQL endpoint is /sparql)")

    def _post(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            raise _HTTPError(404 if not url.path.startswith("/named/") else 405,
                             f"cannot POST to {url.path} (the SPARQL endpoint is /sparql)")
        body = self._body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = _params(url.query)
        if media == "application/x-www-form-urlencoded":
            form = _params(body.decode("utf-8", errors="replace"))
            for name, values in params.items():
                form.setdefault(name, values)
            if "query" in form and "update" in form:
                raise _HTTPError(400, "give query= or update=, not both")
            if "update" in form:
                self._run_update(_one(form, "update"), form)
            elif "query" in form:
                self._run_query(_one(form, "query"), form)
            else:
                raise _HTTPError(400, "the form holds neither query= nor update=")
        elif media == "application/sparql-query":
            self._run_query(_decode(body), params)
        elif media == "application/sparql-update":
            self._run_update(_decode(body), params)
        else:
            raise _HTTPError(415, f"unsupported Content-Type {media or '(none)'}: use "
                                  "application/x-www-form-urlencoded, "
                                  "application/sparql-query or application/sparql-update")

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding") is not None:
            raise _HTTPError(411, "request bodies with Transfer-Encoding (chunked) are not "
                                  "supported: send Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise _HTTPError(411, "a POST needs a Content-Length")
        if self._unread is None:
            raise _HTTPError(400, f"bad Content-Length {length_text[:40]!r}")
        length = self._unread
        cap = self.app.options.max_request_bytes
        if length > cap:
            self._discard(length)
            raise _HTTPError(413, f"request body of {length} bytes is larger than the "
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

    # -- SPARQL ---------------------------------------------------------------------

    def _run_query(self, text: str, params: dict[str, list[str]], *, source: str = "query",
                   head: bool = False) -> None:
        from ..query import check_query

        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise _HTTPError(400, f"{name} is not supported: the default graph is the "
                                      "union of all graphs; use GRAPH (or FROM) in the query")
        kind = check_query(text)
        fmt = negotiate(kind, self.headers.get("Accept"), _one(params, "format", None))
        entailment = _one(params, "entailment", "rdfs").lower()
        if entailment not in {"none", "rdfs"}:
            raise _HTTPError(400, f"entailment={entailment}: use none or rdfs")
        reply = self.app.runner.run(Job(kind, text, fmt, source, entailment), self._expired)
        if reply is None:
            return
        status, media, body = reply
        if status != 200:
            raise _HTTPError(status, body.decode("utf-8", errors="replace").strip())
        headers = {"Cache-Control": "no-store"}
        if "format" in params:
            ext = {"json": "srj", "xml": "srx", "turtle": "ttl", "ntriples": "nt",
                   "rdfxml": "rdf", "nquads": "nq"}.get(fmt, fmt)
            headers["Content-Disposition"] = f'inline; filename="results.{ext}"'
        self._send(200, body, media, headers=headers, head=head)

    def _run_named(self, name: str, params: dict[str, list[str]], *, head: bool) -> None:
        from ..query import bind_params, named_query

        named = named_query(name)
        given = {k: v[-1] for k, v in params.items() if k not in {"format", "entailment"}}
        text = bind_params(named.text, named.bindings(given))
        self._run_query(text, {k: v for k, v in params.items()
                               if k in {"format", "entailment"}},
                        source=f"{name}.rq", head=head)

    def _run_update(self, text: str, params: dict[str, list[str]]) -> None:
        if not self.app.options.allow_update:
            raise _HTTPError(403, "this endpoint is read-only (start the server with "
                                  "--allow-update --token-file FILE to accept updates)")
        self._authorise()
        for name in ("using-graph-uri", "using-named-graph-uri"):
            if name in params:
                raise _HTTPError(400, f"{name} is not supported; use USING in the update")
        check_update(text)
        reply = self.app.runner.run(Job("update", text), self._expired)
        if reply is None:
            return
        status, _media, body = reply
        if status not in {200, 204}:
            raise _HTTPError(status, body.decode("utf-8", errors="replace").strip())
        self._send(204, b"")

    def _authorise(self) -> None:
        header = self.headers.get("Authorization") or ""
        scheme, _, given = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="cartgraph"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise _HTTPError(401, "updates need Authorization: Bearer TOKEN", challenge)
        assert self.app.token is not None
        if not hmac.compare_digest(given.strip().encode(), self.app.token.encode()):
            raise _HTTPError(403, "the bearer token is not valid for updates")

    def _describe(self, *, head: bool) -> None:
        import pyoxigraph as ox

        from ..query import GRAPH_FORMATS

        address: Any = self.server.server_address
        host = self.headers.get("Host") or ""
        if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?",
                            host):
            host = f"{address[0]}:{address[1]}"
        triples = _service_description(f"http://{host}/sparql", self.app.options)
        try:
            fmt = negotiate("construct", self.headers.get("Accept"))
        except _HTTPError:
            fmt = "turtle"
        out = io.BytesIO()
        prefixes = {"sd": "http://www.w3.org/ns/sparql-service-description#",
                    "formats": "http://www.w3.org/ns/formats/"}
        ox.serialize(triples, out, GRAPH_FORMATS[fmt],
                     prefixes=prefixes if fmt in {"turtle", "rdfxml"} else None)
        self._send(200, out.getvalue(), MEDIA_TYPE[fmt], head=head)

    # -- pages ----------------------------------------------------------------------

    def _page(self, name: str, *, head: bool) -> None:
        media = _ASSET_TYPES.get(Path(name).suffix, "application/octet-stream")
        headers = {"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = _PAGE_CSP
            headers["X-Frame-Options"] = "DENY"
        self._send(200, self.app.assets[name], media, headers=headers, head=head)

    def _queries_json(self, *, head: bool) -> None:
        from ..namespaces import PREFIXES
        from ..query import named_queries

        data = {"prefixes": PREFIXES, "queries": [
            {**nq.to_json(), "text": nq.text} for nq in named_queries().values()],
            "max_rows": self.app.options.max_rows, "timeout": self.app.options.timeout}
        self._send(200, json.dumps(data, indent=1).encode(), "application/json", head=head,
                   headers={"Cache-Control": "no-cache"})


def _explorer_csp(html: bytes) -> str:
    """The explorer's own CSP meta tag, if it has one (a header can only narrow it)."""
    m = re.search(rb'<meta[^>]+http-equiv=["\']Content-Security-Policy["\'][^>]*'
                  rb'content=["\']([^"\']+)["\']', html, re.I)
    if m:
        return m[1].decode("utf-8", errors="replace")
    return _EXPLORER_CSP


_DATE: list[Any] = [0, ""]  # the second and its formatted Date header


def _http_date() -> str:
    now = int(time.time())
    if _DATE[0] != now:
        _DATE[:] = [now, email.utils.formatdate(now, usegmt=True)]
    return str(_DATE[1])


class _Headers(dict[str, str]):
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


def _params(text: str) -> dict[str, list[str]]:
    if not text:
        return {}
    try:
        return parse_qs(text, keep_blank_values=True, strict_parsing=False,
                        errors="strict", max_num_fields=1000)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _HTTPError(400, f"malformed parameters: {exc}") from None


def _one(params: dict[str, list[str]], name: str, default: Any = ...) -> Any:
    values = params.get(name)
    if not values:
        if default is ...:
            raise _HTTPError(400, f"missing parameter {name}")
        return default
    if len(values) > 1:
        raise _HTTPError(400, f"give the {name} parameter once")
    return values[0]


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _HTTPError(400, f"the request body is not UTF-8: {exc}") from None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self) -> tuple[socket.socket, Any]:
        # The listening socket is non-blocking (several processes accept on it);
        # the connections themselves block.
        connection, address = self.socket.accept()
        connection.setblocking(True)
        return connection, address


def http_server(listener: socket.socket, app: App) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server answering on ``listener`` (bound and listening)."""

    class Handler(_Handler):
        pass

    Handler.app = app
    httpd = _HTTPServer(listener.getsockname(), Handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = listener
    httpd.server_address = listener.getsockname()
    return httpd
