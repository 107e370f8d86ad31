"""The SPARQL 1.1 Protocol routes: queries, updates, named queries, the pages.

:class:`App` holds what every request needs (options, the job runner, the
update token, the page assets); :func:`http_server` wraps a listening socket in
a threaded HTTP/1.1 server answering with :class:`_Handler`. The same code runs
in each worker process of an on-disk store and, for in-memory and remote
stores, in the server process itself (see :mod:`cartgraph.server`).
"""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import re
import socket
import sys
import threading
import traceback
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import CartgraphError, QueryError, QueryTimeout, StoreError, UsageError
from .jobs import MEDIA_TYPE, Job, Runner
from .negotiation import negotiate
from .options import ServerOptions
from .wire import HostCheck, HTTPError, WireHandler, one, text_body
from .wire import http_server as wire_server
from .wire import params as parse_params

__all__ = ["App", "check_update", "http_server", "negotiate", "read_token"]

_PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
             "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_EXPLORER_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; "
                 "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
                 "font-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                 "frame-ancestors 'none'")
_ASSET_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml",
                ".png": "image/png", ".ico": "image/x-icon"}


def check_update(text: str) -> None:
    """Refuse what an update must not do: fetch (LOAD, SERVICE) or be a query."""
    from ..query import query_kind, refuse_fetching

    if query_kind(text) != "update":
        raise HTTPError(400, "update= holds a query: send it as query= "
                              "(or POST application/sparql-query)")
    try:
        refuse_fetching(text)
    except QueryError as exc:
        raise HTTPError(400, str(exc)) from None


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
            raise HTTPError(503, "the explorer is not available in this installation "
                                  "(cartgraph.viz is missing)") from None
        with self._explorer_lock:
            changed = self.store.refresh()
            key = self.store.generation
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


class _Handler(WireHandler):
    app: App

    # -- plumbing -------------------------------------------------------------------

    def _expired(self, exc: QueryTimeout) -> None:
        """Answer 503 for a job that outlived the timeout (called by the watchdog)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.answer_error(HTTPError(503, str(exc)), head=self.command == "HEAD")
            self.connection.shutdown(socket.SHUT_WR)

    def _handle(self, work: Any, *, head: bool = False) -> None:
        with self.app.answering():
            self._dispatch(work, head=head)

    def _dispatch(self, work: Any, *, head: bool) -> None:
        if self.app.draining.is_set():
            self.close_connection = True
        try:
            work()
        except HTTPError as exc:
            self.answer_error(exc, head=head)
        except QueryTimeout as exc:
            self.answer_error(HTTPError(503, str(exc)), head=head)
        except StoreError as exc:  # names paths: for the server's log, not the client
            print(f"cartgraph serve: {exc}", file=sys.stderr, flush=True)
            self.answer_error(HTTPError(503, "the store cannot be read just now; retry "
                                             "shortly", {"Retry-After": "1"}), head=head)
        except CartgraphError as exc:
            self.answer_error(HTTPError(400, str(exc)), head=head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self.answer_error(HTTPError(500, "internal error (the details are in the "
                                             "server's log)"),
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
        self.send(204, b"", headers=headers)

    def _refuse_method(self) -> None:
        self.answer_error(HTTPError(405, f"method {self.command} is not allowed",
                               {"Allow": "GET, HEAD, POST, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _refuse_method

    # -- routes ---------------------------------------------------------------------

    def _get(self, *, head: bool = False) -> None:
        url = urlsplit(self.path)
        params = parse_params(url.query)
        route = url.path
        if route == "/sparql":
            if "update" in params:
                raise HTTPError(400, "updates must be sent with POST")
            if "query" not in params:
                self._describe(head=head)
                return
            self._run_query(one(params, "query"), params, head=head)
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
            self.send(status, body, "application/json", head=head,
                       headers={"Cache-Control": "no-store"})
        elif route == "/queries.json":
            self._queries_json(head=head)
        elif route == "/explorer":
            body = self.app.explorer()
            self.send(200, body, "text/html; charset=utf-8", head=head,
                       headers={"Content-Security-Policy": _explorer_csp(body),
                                "Cache-Control": "no-cache"})
        elif route == "/favicon.ico":
            self.send(204, b"", head=head)
        else:
            raise HTTPError(404, f"no such page: {route} (the SPARQL endpoint is /sparql)")

    def _post(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            raise HTTPError(404 if not url.path.startswith("/named/") else 405,
                             f"cannot POST to {url.path} (the SPARQL endpoint is /sparql)")
        body = self.body()
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_params(url.query)
        if media == "application/x-www-form-urlencoded":
            form = parse_params(body.decode("utf-8", errors="replace"))
            for name, values in params.items():
                form.setdefault(name, values)
            if "query" in form and "update" in form:
                raise HTTPError(400, "give query= or update=, not both")
            if "update" in form:
                self._run_update(one(form, "update"), form)
            elif "query" in form:
                self._run_query(one(form, "query"), form)
            else:
                raise HTTPError(400, "the form holds neither query= nor update=")
        elif media == "application/sparql-query":
            self._run_query(text_body(body), params)
        elif media == "application/sparql-update":
            self._run_update(text_body(body), params)
        else:
            raise HTTPError(415, f"unsupported Content-Type {media or '(none)'}: use "
                                  "application/x-www-form-urlencoded, "
                                  "application/sparql-query or application/sparql-update")

    # -- SPARQL ---------------------------------------------------------------------

    def _run_query(self, text: str, params: dict[str, list[str]], *, source: str = "query",
                   head: bool = False) -> None:
        from ..query import check_query

        for name in ("default-graph-uri", "named-graph-uri"):
            if name in params:
                raise HTTPError(400, f"{name} is not supported: the default graph is the "
                                      "union of all graphs; use GRAPH (or FROM) in the query")
        kind = check_query(text)
        fmt = negotiate(kind, self.headers.get("Accept"), one(params, "format", None))
        entailment = one(params, "entailment", "rdfs").lower()
        if entailment not in {"none", "rdfs"}:
            raise HTTPError(400, f"entailment={entailment}: use none or rdfs")
        reply = self.app.runner.run(Job(kind, text, fmt, source, entailment), self._expired)
        if reply is None:
            return
        status, media, body = reply
        if status != 200:
            raise HTTPError(status, body.decode("utf-8", errors="replace").strip())
        headers = {"Cache-Control": "no-store"}
        if "format" in params:
            ext = {"json": "srj", "xml": "srx", "turtle": "ttl", "ntriples": "nt",
                   "rdfxml": "rdf", "nquads": "nq"}.get(fmt, fmt)
            headers["Content-Disposition"] = f'inline; filename="results.{ext}"'
        self.send(200, body, media, headers=headers, head=head)

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
            raise HTTPError(403, "this endpoint is read-only (start the server with "
                                  "--allow-update --token-file FILE to accept updates)")
        self._authorise()
        for name in ("using-graph-uri", "using-named-graph-uri"):
            if name in params:
                raise HTTPError(400, f"{name} is not supported; use USING in the update")
        check_update(text)
        reply = self.app.runner.run(Job("update", text), self._expired)
        if reply is None:
            return
        status, _media, body = reply
        if status not in {200, 204}:
            raise HTTPError(status, body.decode("utf-8", errors="replace").strip())
        self.send(204, b"")

    def _authorise(self) -> None:
        header = self.headers.get("Authorization") or ""
        scheme, _, given = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="cartgraph"'}
        if scheme.lower() != "bearer" or not given.strip():
            raise HTTPError(401, "updates need Authorization: Bearer TOKEN", challenge)
        assert self.app.token is not None
        if not hmac.compare_digest(given.strip().encode(), self.app.token.encode()):
            raise HTTPError(403, "the bearer token is not valid for updates")

    def _describe(self, *, head: bool) -> None:
        import pyoxigraph as ox

        from ..query import GRAPH_FORMATS

        address: Any = self.server.server_address
        host = self.host  # checked against the allowed names (see wire.HostCheck)
        if not host or ":" not in host.rsplit("]", 1)[-1]:
            address_host = f"[{address[0]}]" if ":" in address[0] else address[0]
            host = f"{host or address_host}:{address[1]}"
        triples = _service_description(f"http://{host}/sparql", self.app.options)
        try:
            fmt = negotiate("construct", self.headers.get("Accept"))
        except HTTPError:
            fmt = "turtle"
        out = io.BytesIO()
        prefixes = {"sd": "http://www.w3.org/ns/sparql-service-description#",
                    "formats": "http://www.w3.org/ns/formats/"}
        ox.serialize(triples, out, GRAPH_FORMATS[fmt],
                     prefixes=prefixes if fmt in {"turtle", "rdfxml"} else None)
        self.send(200, out.getvalue(), MEDIA_TYPE[fmt], head=head)

    # -- pages ----------------------------------------------------------------------

    def _page(self, name: str, *, head: bool) -> None:
        media = _ASSET_TYPES.get(Path(name).suffix, "application/octet-stream")
        headers = {"Cache-Control": "no-cache", "Referrer-Policy": "no-referrer"}
        if name.endswith(".html"):
            headers["Content-Security-Policy"] = _PAGE_CSP
        self.send(200, self.app.assets[name], media, headers=headers, head=head)

    def _queries_json(self, *, head: bool) -> None:
        from ..namespaces import PREFIXES
        from ..query import named_queries

        data = {"prefixes": PREFIXES, "queries": [
            {**nq.to_json(), "text": nq.text} for nq in named_queries().values()],
            "max_rows": self.app.options.max_rows, "timeout": self.app.options.timeout}
        self.send(200, json.dumps(data, indent=1).encode(), "application/json", head=head,
                   headers={"Cache-Control": "no-cache"})


def _explorer_csp(page: bytes) -> str:
    """The explorer's own CSP meta tag as a header, plus ``frame-ancestors 'none'``.

    The meta tag's content is HTML-escaped (``&#39;sha256-...&#39;``): a header
    needs the unescaped text, or browsers drop every script source it names.
    """
    from ..viz.page import policy_of

    policy = policy_of(page)
    if not policy or not re.fullmatch(r"[\x20-\x7e]+", policy):
        return _EXPLORER_CSP
    directives = [d.strip() for d in policy.split(";") if d.strip()
                  and not d.strip().lower().startswith("frame-ancestors")]
    return "; ".join([*directives, "frame-ancestors 'none'"])


def http_server(listener: socket.socket, app: App) -> ThreadingHTTPServer:
    """A threaded HTTP/1.1 server answering the routes above on ``listener``."""
    options = app.options

    class Handler(_Handler):
        pass

    Handler.app = app
    Handler.log_requests, Handler.cors = options.log, options.cors
    Handler.max_request_bytes = options.max_request_bytes
    Handler.hosts = HostCheck(options.host, options.allowed_hosts)
    return wire_server(listener, Handler)
