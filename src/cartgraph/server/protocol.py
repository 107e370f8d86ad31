"""The SPARQL 1.1 Protocol endpoint, the query page and the explorer over HTTP.

``serve(store, options)`` binds a :class:`http.server.ThreadingHTTPServer`
(127.0.0.1 unless told otherwise) with these routes::

    GET  /                the query page (assets under /web/, never from a CDN)
    GET  /explorer        the network view of the graph (cartgraph.viz)
    GET  /queries.json    the predeclared prefixes and the named queries
    GET  /named/NAME      run a named query; other parameters bind its variables
    GET  /sparql          ?query=... runs a query; without one, the service description
    POST /sparql          form-encoded query= or update=, application/sparql-query,
                          application/sparql-update

Queries of an on-disk store run in a pool of worker processes, each holding the
store open read-only and refreshing it before every query so that it sees new
commits. A running pyoxigraph query cannot be interrupted, so a query that
outlives its timeout has its worker killed and replaced, and the client gets 503.
A SELECT or CONSTRUCT with more than ``max_rows`` results is refused (an error,
not a silent truncation). Updates, when ``allow_update`` is on, need
``Authorization: Bearer TOKEN`` and run through ``Store.transaction`` in a worker,
so they take the write lock and commit a new generation atomically (a killed
update leaves the store as it was).

In-memory and remote stores have no directory a worker could open: their
queries run in threads of the server process, where a timeout answers 503 but
cannot stop the abandoned query.
"""

from __future__ import annotations

import contextlib
import hmac
import io
import itertools
import json
import os
import queue
import re
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import CartgraphError, QueryError, QueryTimeout, StoreBusy, UsageError

__all__ = ["Server", "ServerOptions", "serve", "start"]

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
_MEDIA_TYPE = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ntriples": "application/n-triples", "nt": "application/n-triples",
    "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
    "nquads": "application/n-quads",
}
_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_EXPLORER_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
                 "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                 "font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                 "frame-ancestors 'self'")
_ASSET_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png", ".ico": "image/x-icon"}
_WORKER_START_TIMEOUT = 60.0


@dataclass
class ServerOptions:
    """How ``cartgraph serve`` runs.

    ``timeout`` (seconds) bounds each query and update; ``max_rows`` the solutions
    or triples one query may return; ``max_request_bytes`` the size of a request
    body (413 beyond it). ``workers`` query processes (default: the CPU count, at
    least 2). ``log`` prints one line per request on stderr.
    """

    host: str = "127.0.0.1"
    port: int = 7878
    allow_update: bool = False
    token_file: str | None = None
    cors: str | None = None
    timeout: float = 30.0
    max_rows: int = 100_000
    workers: int | None = None
    max_request_bytes: int = 1 << 20
    log: bool = False


class _HTTPError(Exception):
    """An answer other than 200: status, one-line message, extra headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


# -- answering one job (in a worker process or a thread) -----------------------------


@dataclass(frozen=True)
class _Job:
    """A query (``fmt`` is a write_result format name) or an update for the store."""

    kind: str  # select, ask, construct, describe or update
    text: str
    fmt: str = ""
    source: str = "query"


_Reply = tuple[int, str, bytes]  # status, media type, body


class _RowCounter:
    """A byte sink that stops the serialiser once it has seen more than ``limit`` rows."""

    def __init__(self, limit: int) -> None:
        self.buffer = io.BytesIO()
        self.lines = 0
        self.limit = limit + 1  # the header line
        self.exceeded = False

    def write(self, data: bytes) -> int:
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            self.exceeded = True
            raise OSError("too many rows")
        return self.buffer.write(data)

    def flush(self) -> None:
        pass


def _too_many(max_rows: int, what: str) -> _Reply:
    message = (f"the result has more than {max_rows} {what} (the server's limit, "
               "--max-rows): add a LIMIT or narrow the query")
    return 400, "text/plain", message.encode()


def _answer(store: Any, job: _Job, max_rows: int) -> _Reply:
    """Run ``job`` on ``store``; every failure becomes a status and a message."""
    try:
        if job.kind == "update":
            _update(store, job.text)
            return 204, "", b""
        return _query(store, job, max_rows)
    except StoreBusy as exc:
        return 503, "text/plain", str(exc).encode()
    except CartgraphError as exc:
        return 400, "text/plain", str(exc).encode()
    except Exception as exc:  # a bug or an engine failure: say so, keep serving
        return 500, "text/plain", f"query failed: {type(exc).__name__}: {exc}".encode()


def _query(store: Any, job: _Job, max_rows: int) -> _Reply:
    import pyoxigraph as ox

    from .query import write_result

    result = store.query(job.text, source=job.source)
    out = io.BytesIO()
    if isinstance(result, ox.QueryBoolean):
        write_result(result, job.fmt, out)
    elif isinstance(result, ox.QuerySolutions):
        # Serialise natively to TSV (one line per row) while counting rows, then
        # convert: both steps stay in Rust and the cap never holds a huge result.
        counter = _RowCounter(max_rows)
        try:
            result.serialize(counter, ox.QueryResultsFormat.TSV)  # type: ignore[arg-type]
        except OSError:
            if counter.exceeded:
                return _too_many(max_rows, "rows")
            raise
        tsv = counter.buffer.getvalue()
        if job.fmt == "tsv":
            return 200, _MEDIA_TYPE["tsv"], tsv
        parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
        write_result(parsed, job.fmt, out)
    else:
        triples = list(itertools.islice(result, max_rows + 1))
        if len(triples) > max_rows:
            return _too_many(max_rows, "triples")
        write_result(triples, job.fmt, out)
    return 200, _MEDIA_TYPE[job.fmt], out.getvalue()


def _update(store: Any, text: str) -> None:
    from .namespaces import PREFIXES
    from .query import syntax_message

    with store.transaction() as writer:
        try:
            writer.update(text, prefixes=PREFIXES)
        except SyntaxError as exc:
            raise QueryError(syntax_message("update", exc)) from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"update: {exc}") from None


def check_update(text: str) -> None:
    """Refuse what an update must not do: fetch (LOAD, SERVICE) or be a query."""
    from .query import query_kind, refuse_fetching

    if query_kind(text) != "update":
        raise _HTTPError(400, "update= holds a query: send it as query= "
                              "(or POST application/sparql-query)")
    try:
        refuse_fetching(text)
    except QueryError as exc:
        raise _HTTPError(400, str(exc)) from None


# -- running jobs: worker processes, or threads -------------------------------------


def _worker_main(fd: int, path: str, max_rows: int) -> None:
    """A query worker: open the store read-only, answer jobs until the pipe closes."""
    from multiprocessing.connection import Connection

    from .store import Store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    conn = Connection(fd)
    try:
        store = Store.open(path, create=False, seed=False)
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            store.refresh()
            reply = _answer(store, job, max_rows)
        except Exception as exc:
            reply = (500, "text/plain", f"worker failed: {exc}".encode())
        conn.send(reply)


_WORKER_CODE = ("import sys; from cartgraph.server import _worker_main; "
                "_worker_main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]))")


class _Worker:
    """One worker process (a fresh interpreter, so no script is re-imported) and its pipe."""

    def __init__(self, path: str, max_rows: int) -> None:
        import subprocess
        from multiprocessing.connection import Connection

        import cartgraph

        parent, child = socket.socketpair()
        env = dict(os.environ)
        package_root = str(Path(cartgraph.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_CODE, str(child.fileno()), path,
                 str(max_rows)], pass_fds=[child.fileno()], stdin=subprocess.DEVNULL,
                env=env)
        finally:
            child.close()
        self.conn = Connection(parent.detach())

    def wait_ready(self) -> None:
        try:
            ready = self.conn.poll(_WORKER_START_TIMEOUT)
            status, detail = self.conn.recv() if ready else ("error", "no answer in time")
        except (EOFError, OSError):
            status, detail = "error", "it exited"
        if status != "ready":
            self.kill()
            raise CartgraphError(f"a query worker could not open the store: {detail}")

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)
        with contextlib.suppress(Exception):
            self.conn.close()


class _ProcessRunner:
    """A fixed pool of worker processes; a worker that times out is killed and replaced."""

    def __init__(self, path: Path, *, size: int, timeout: float, max_rows: int) -> None:
        self._path, self._timeout, self._max_rows = str(path), timeout, max_rows
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        self.size = size
        started = [self._new() for _ in range(size)]
        try:
            for w in started:
                w.wait_ready()
                self._idle.put(w)
        except BaseException:
            self.close()
            raise

    def _new(self) -> _Worker:
        worker = _Worker(self._path, self._max_rows)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        if not self._closed.is_set():
            threading.Thread(target=self._replace, daemon=True,
                             name="cartgraph-worker-restart").start()

    def _replace(self) -> None:
        while not self._closed.is_set():
            worker = self._new()
            try:
                worker.wait_ready()
            except CartgraphError:
                with self._lock:
                    self._workers.discard(worker)
                time.sleep(1.0)
                continue
            if self._closed.is_set():
                worker.kill()
            else:
                self._idle.put(worker)
            return

    def run(self, job: _Job) -> _Reply:
        try:
            worker = self._idle.get(timeout=self._timeout)
        except queue.Empty:
            raise _HTTPError(503, f"all {self.size} query workers are busy; try again "
                                  "later", {"Retry-After": "1"}) from None
        healthy = False
        try:
            worker.conn.send(job)
            if worker.conn.poll(self._timeout):
                reply: _Reply = worker.conn.recv()
                healthy = True
                return reply
            what = "update" if job.kind == "update" else "query"
            raise QueryTimeout(f"{what} timed out after {self._timeout:g} s (the server's "
                               "--timeout); it was stopped")
        except (EOFError, OSError) as exc:
            raise _HTTPError(500, f"the query worker died ({exc or 'no reply'}); it was "
                                  "replaced") from None
        finally:
            if healthy:
                self._idle.put(worker)
            else:
                self._retire(worker)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for w in workers:
            w.kill()


class _ThreadRunner:
    """Runs jobs in threads of this process (in-memory and remote stores)."""

    size = 0

    def __init__(self, store: Any, *, timeout: float, max_rows: int) -> None:
        self._store, self._timeout, self._max_rows = store, timeout, max_rows
        self._write = threading.Lock()

    def run(self, job: _Job) -> _Reply:
        from .query import run_with_timeout

        def work() -> _Reply:
            if job.kind == "update":
                with self._write:
                    return _answer(self._store, job, self._max_rows)
            return _answer(self._store, job, self._max_rows)

        try:
            return run_with_timeout(work, self._timeout)
        except QueryTimeout:
            raise QueryTimeout(f"query timed out after {self._timeout:g} s (the server's "
                               "--timeout)") from None

    def close(self) -> None:
        pass


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


class _App:
    """Everything the request handlers share: options, runner, token, assets."""

    def __init__(self, store: Any, options: ServerOptions) -> None:
        self.store, self.options = store, options
        self.token = _read_token(options.token_file) if options.allow_update else None
        self.assets = _load_assets()
        self._explorer: tuple[Any, bytes] | None = None
        self._explorer_lock = threading.Lock()
        path = getattr(store, "path", None)
        if path is not None:
            size = options.workers or max(2, os.cpu_count() or 2)
            self.runner: Any = _ProcessRunner(path, size=size, timeout=options.timeout,
                                              max_rows=options.max_rows)
        else:
            self.runner = _ThreadRunner(store, timeout=options.timeout,
                                        max_rows=options.max_rows)

    def close(self) -> None:
        self.runner.close()

    def explorer(self) -> bytes:
        """The viz page for the current state of the store, rebuilt after commits."""
        try:
            from .viz import view
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


def _read_token(token_file: str | None) -> str:
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


def _make_handler(app: _App) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.app = app
    return Handler


class _Handler(BaseHTTPRequestHandler):
    app: _App
    protocol_version = "HTTP/1.1"
    server_version = "cartgraph"
    sys_version = ""

    # -- plumbing -------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.app.options.log:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str = "", *,
              headers: dict[str, str] | None = None, head: bool = False) -> None:
        lines = [f"{self.protocol_version} {status} {HTTPStatus(status).phrase}",
                 f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
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
        if self.close_connection:
            lines.append("Connection: close")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(data if head else data + body)
        self.log_request(status, len(body))

    def _error(self, exc: _HTTPError, *, head: bool = False) -> None:
        self._send(exc.status, (exc.message + "\n").encode(), "text/plain; charset=utf-8",
                   headers=exc.headers, head=head)

    def _handle(self, work: Any, *, head: bool = False) -> None:
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
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise _HTTPError(411, "chunked request bodies are not supported: send "
                                  "Content-Length")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self.close_connection = True
            raise _HTTPError(411, "a POST needs a Content-Length")
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise _HTTPError(400, f"bad Content-Length {length_text!r}") from None
        cap = self.app.options.max_request_bytes
        if length > cap:
            self._discard(length)
            raise _HTTPError(413, f"request body of {length} bytes is larger than the "
                                  f"server's limit of {cap} bytes")
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        """Read (and drop) a refused body so the client sees the answer, up to 64 MB."""
        if length > 64 << 20:
            self.close_connection = True
            return
        with contextlib.suppress(OSError):
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)

    # -- SPARQL ---------------------------------------------------------------------

    def _run_query(self, text: str, params: dict[str, list[str]], *, source: str = "query",
                   head: bool = False) -> None:
        from .query import check_query

        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise _HTTPError(400, f"{name} is not supported: the default graph is the "
                                      "union of all graphs; use GRAPH (or FROM) in the query")
        kind = check_query(text)
        fmt = negotiate(kind, self.headers.get("Accept"), _one(params, "format", None))
        status, media, body = self.app.runner.run(_Job(kind, text, fmt, source))
        if status != 200:
            raise _HTTPError(status, body.decode("utf-8", errors="replace").strip())
        headers = {"Cache-Control": "no-store"}
        if "format" in params:
            ext = {"json": "srj", "xml": "srx", "turtle": "ttl", "ntriples": "nt",
                   "rdfxml": "rdf", "nquads": "nq"}.get(fmt, fmt)
            headers["Content-Disposition"] = f'inline; filename="results.{ext}"'
        self._send(200, body, media, headers=headers, head=head)

    def _run_named(self, name: str, params: dict[str, list[str]], *, head: bool) -> None:
        from .query import bind_params, named_query

        named = named_query(name)
        given = {k: v[-1] for k, v in params.items() if k != "format"}
        text = bind_params(named.text, named.bindings(given))
        self._run_query(text, {k: v for k, v in params.items() if k == "format"},
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
        status, _media, body = self.app.runner.run(_Job("update", text))
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

        from .query import GRAPH_FORMATS

        address: Any = self.server.server_address
        host = self.headers.get("Host") or f"{address[0]}:{address[1]}"
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
        self._send(200, out.getvalue(), _MEDIA_TYPE[fmt], head=head)

    # -- pages ----------------------------------------------------------------------

    def _page(self, name: str, *, head: bool) -> None:
        media = _ASSET_TYPES.get(Path(name).suffix, "application/octet-stream")
        headers = {"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = _PAGE_CSP
            headers["X-Frame-Options"] = "DENY"
        self._send(200, self.app.assets[name], media, headers=headers, head=head)

    def _queries_json(self, *, head: bool) -> None:
        from .namespaces import PREFIXES
        from .query import named_queries

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


def _params(text: str) -> dict[str, list[str]]:
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


# -- starting and stopping ---------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True


class Server:
    """A running server: ``url``, ``port``, ``serve_forever()`` and ``close()``."""

    def __init__(self, store: Any, options: ServerOptions) -> None:
        self.options = options
        self._app = _App(store, options)
        family = socket.AF_INET6 if ":" in options.host else socket.AF_INET
        server_class = type("_Bound", (_HTTPServer,), {"address_family": family})
        try:
            self._httpd = server_class((options.host, options.port), _make_handler(self._app))
        except OSError as exc:
            self._app.close()
            raise CartgraphError(f"cannot listen on {options.host}:{options.port}: "
                                 f"{exc.strerror or exc}") from None
        self.port: int = self._httpd.server_address[1]
        host = f"[{options.host}]" if ":" in options.host else options.host
        self.url = f"http://{host}:{self.port}/"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.25)

    def start_thread(self) -> Server:
        """Serve from a daemon thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True,
                                        name="cartgraph-server")
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()
        self._app.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def start(store: Any, options: ServerOptions | None = None) -> Iterator[Server]:
    """Run a server on a thread for the duration of a ``with`` block (port 0: any free)."""
    server = Server(store, options or ServerOptions(port=0)).start_thread()
    try:
        yield server
    finally:
        server.close()


def serve(store: Any, options: ServerOptions) -> None:
    """Serve until Ctrl-C (or SIGTERM); prints where on stderr."""
    server = Server(store, options)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    print(f"serving {server.url} (SPARQL at /sparql)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
