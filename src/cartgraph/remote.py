"""A remote SPARQL 1.1 server as a cartgraph store; the one place that makes requests.

``RemoteStore(query_url, update_url=...)`` offers what the other modules use on
a :class:`~cartgraph.store.Store`: ``query`` (pyoxigraph result objects, the
project's prefixes predeclared), ``select``, ``quads`` and ``quads_for_pattern``
(for export and SHACL context), and ``transaction``, whose writer buffers every
change and sends it on exit as ONE SPARQL update request
(``DROP SILENT GRAPH ...; DELETE DATA {...}; INSERT DATA { GRAPH ... }``), which
Oxigraph, Fuseki and GraphDB apply atomically. With ``graph_store_url`` set, bulk
loads go through the Graph Store Protocol instead (one POST per graph, between
an update that removes the old content and one that writes the provenance):
faster for big files but not atomic.

Only ``http://`` and ``https://`` URLs are used, and only when a command asks;
``CARTGRAPH_TOKEN`` (or ``token=``) is sent as ``Authorization: Bearer``.
Remote stores are never seeded and have no write lock: two writers at once
are the server's business.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from .errors import QueryError, RemoteError, StoreError
from .namespaces import sparql_prologue

__all__ = ["RemoteStore"]

_RDF = ox.RdfFormat
_GRAPH_PARSERS = {
    "application/n-triples": _RDF.N_TRIPLES, "text/plain": _RDF.N_TRIPLES,
    "text/turtle": _RDF.TURTLE, "application/x-turtle": _RDF.TURTLE,
    "application/rdf+xml": _RDF.RDF_XML, "application/ld+json": _RDF.JSON_LD,
    "application/n-quads": _RDF.N_QUADS, "application/trig": _RDF.TRIG,
}
_RESULT_PARSERS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML, "text/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
_PREFIX_LINE = sparql_prologue() + "\n"


def default_update_url(query_url: str) -> str:
    """The update endpoint beside a query endpoint: a final ``/query`` becomes ``/update``."""
    parts = urlsplit(query_url)
    if parts.path.endswith("/query"):
        return parts._replace(path=parts.path[: -len("query")] + "update").geturl()
    return query_url


class RemoteStore:
    """A SPARQL 1.1 query (and update) endpoint, used like a local store.

    ``token`` defaults to ``$CARTGRAPH_TOKEN``; pass ``token=""`` to send none.
    ``timeout`` is the socket timeout of each request, in seconds.
    """

    path = None
    is_memory = False

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 token: str | None = None, timeout: float = 60.0,
                 graph_store_url: str | None = None) -> None:
        for url in (query_url, update_url, graph_store_url):
            if url is not None and urlsplit(url).scheme not in {"http", "https"}:
                raise StoreError(f"{url}: not an http(s) URL")
        self.query_url = query_url
        self.update_url = update_url or default_update_url(query_url)
        self.graph_store_url = graph_store_url
        self.token = os.environ.get("CARTGRAPH_TOKEN") if token is None else token
        self.timeout = timeout
        self._openers: dict[str, urllib.request.OpenerDirector] = {}

    @property
    def location(self) -> str:
        return self.query_url

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # -- reading -------------------------------------------------------------------

    def query(self, text: str, *, params: dict[str, Any] | None = None,
              source: str = "query", entailment: str = "rdfs") -> Any:
        """Run a read-only query with the project's prefixes predeclared.

        Returns pyoxigraph objects: QuerySolutions or QueryBoolean for SELECT and
        ASK, a list of Triples for CONSTRUCT and DESCRIBE. ``entailment`` as for
        a local store (the query is rewritten before it is sent).
        """
        from .entailment import entail, schema_of
        from .query import bind_params, check_query

        kind = check_query(text)
        text = entail(text, entailment, lambda: schema_of(self))
        text = _PREFIX_LINE + bind_params(text, params)
        return self._run(text, kind, source=source, offset=1)

    def select(self, text: str, **params: Any) -> list[dict[str, str]]:
        """A SELECT's rows as dicts of variable name to IRI string or literal lexical form."""
        result = self.query(text, params=params or None)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("select needs a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: str(row[n].value) for n in names if row[n] is not None} for row in result]

    def quads(self, graph: Any = None) -> list[ox.Quad]:
        """Every quad in the named graphs (or in one graph, a NamedNode)."""
        return self.quads_for_pattern(None, None, None, graph)

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, obj: Any = None,
                          graph_name: Any = None) -> list[ox.Quad]:
        """Quads matching a pattern (None is a wildcard), as pyoxigraph.Store offers."""
        terms = [("s", subject), ("p", predicate), ("o", obj)]
        pattern = " ".join(f"?{n}" if t is None else _term(t) for n, t in terms)
        if isinstance(graph_name, ox.DefaultGraph):
            where, g_var = f"{{ {pattern} }}", False
        elif graph_name is None:
            where, g_var = f"{{ GRAPH ?g {{ {pattern} }} }}", True
        else:
            where, g_var = f"{{ GRAPH {_term(graph_name)} {{ {pattern} }} }}", False
        select = " ".join(f"?{n}" for n, t in terms if t is None) + (" ?g" if g_var else "")
        if not select:
            select = "*"
        text = f"SELECT {select} WHERE {where}"
        found = []
        for row in self._run(text, "select", source="quads"):
            s, p, o = (t if t is not None else row[n] for n, t in terms)
            g = row["g"] if g_var else (graph_name if graph_name is not None
                                        else ox.DefaultGraph())
            found.append(ox.Quad(s, p, o, g))
        return found

    def refresh(self) -> bool:
        return False

    def backup(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreError("backup works on local stores only (use your server's own backup, "
                         "or `cartgraph export`)")

    def metadata(self) -> dict[str, Any]:
        return {"remote": self.query_url, "update": self.update_url}

    def close(self) -> None:
        self._openers.clear()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self, *, wait: float = 0.0) -> Iterator[RemoteWriter]:
        """Yield a writer; its buffered changes are sent on exit (nothing on an error)."""
        writer = RemoteWriter(self)
        yield writer
        writer.commit()

    def update(self, text: str) -> None:
        """Send one SPARQL update request as it is."""
        self._send(self.update_url, urlencode({"update": text}).encode(),
                   "application/x-www-form-urlencoded", accept="*/*", source="update")

    # -- HTTP ----------------------------------------------------------------------

    def _run(self, text: str, kind: str, *, source: str, offset: int = 0) -> Any:
        graph = kind in {"construct", "describe"}
        accept = ("application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
                  if graph else "application/sparql-results+json, "
                                "application/sparql-results+xml;q=0.8")
        body, media = self._send(self.query_url, urlencode({"query": text}).encode(),
                                 "application/x-www-form-urlencoded", accept=accept,
                                 source=source, offset=offset)
        try:
            if graph:
                fmt = _GRAPH_PARSERS.get(media, _RDF.N_TRIPLES)
                return [ox.Triple(q.subject, q.predicate, q.object)
                        for q in ox.parse(body, format=fmt)]
            return ox.parse_query_results(
                body, format=_RESULT_PARSERS.get(media, ox.QueryResultsFormat.JSON))
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"{self.query_url}: unreadable answer ({media or 'no type'}): "
                              f"{exc}") from None

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        host = urlsplit(url).hostname or ""
        key = "direct" if host in _LOOPBACK else "env"
        if key not in self._openers:
            # Loopback never goes through a proxy the environment may name.
            handlers = [urllib.request.ProxyHandler({})] if key == "direct" else []
            self._openers[key] = urllib.request.build_opener(*handlers)
        return self._openers[key]

    def _send(self, url: str, body: bytes, content_type: str, *, accept: str,
              source: str, offset: int = 0) -> tuple[bytes, str]:
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": content_type, "Accept": accept,
            "User-Agent": "cartgraph"})
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with self._opener(url).open(request, timeout=self.timeout) as response:
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip()
                return response.read(), media.lower()
        except urllib.error.HTTPError as exc:
            raise _http_error(url, exc, source, offset) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError | socket.timeout):
                raise RemoteError(f"{url}: no answer within {self.timeout:g} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            raise RemoteError(f"{url}: cannot connect: {text}") from None
        except TimeoutError:
            raise RemoteError(f"{url}: no answer within {self.timeout:g} s") from None
        except (http.client.HTTPException, OSError) as exc:
            raise RemoteError(f"{url}: request failed: {exc}") from None

    def _graph_store_post(self, graph: str, data: bytes) -> None:
        assert self.graph_store_url is not None
        sep = "&" if "?" in self.graph_store_url else "?"
        url = f"{self.graph_store_url}{sep}{urlencode({'graph': graph})}"
        self._send(url, data, "application/n-triples", accept="*/*", source="graph store")


def _server_message(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    text = re.sub(r"<[^>]+>", " ", text) if "<html" in text[:200].lower() else text
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = " ".join(lines[:3]) if lines else "(no message)"
    return message[:300] + ("..." if len(message) > 300 else "")


def _http_error(url: str, exc: urllib.error.HTTPError, source: str, offset: int
                ) -> Exception:
    try:
        message = _server_message(exc.read())
    except OSError:
        message = "(no message)"
    code = exc.code
    if code in {401, 403}:
        hint = " (set CARTGRAPH_TOKEN to the server's token)" if code == 401 else ""
        return RemoteError(f"{url}: HTTP {code} {exc.reason}: {message}{hint}")
    if code == 404:
        return RemoteError(f"{url}: HTTP 404: no SPARQL endpoint here")
    if 400 <= code < 500:
        m = re.search(r"(?:error at |line )(\d+)[:,]\s*(?:column )?(\d+)[:,]?\s*(.*)", message)
        if m and offset:
            line = max(1, int(m[1]) - offset)
            detail = m[3] if len(m[3]) <= 160 else m[3][:157] + "..."
            return QueryError(f"{source}:{line}:{m[2]}: {detail} ({url})")
        return QueryError(f"{source}: {url} refused it (HTTP {code}): {message}")
    return RemoteError(f"{url}: HTTP {code} {exc.reason}: {message}")


def _term(term: Any) -> str:
    """A pyoxigraph term in SPARQL (and N-Triples) syntax."""
    return str(term)


class RemoteWriter:
    """Buffers the changes of a transaction; ``commit`` sends them in one request.

    Offers the pyoxigraph.Store methods that ingest uses. Reads (``query``,
    ``quads_for_pattern``) see the server's committed state, not the buffer.
    """

    def __init__(self, store: RemoteStore) -> None:
        self._store = store
        self._ops: list[tuple[str, Any]] = []
        self._posts: dict[ox.NamedNode, list[ox.Quad]] = {}  # open since the last removal

    # reads
    def query(self, text: str, **_: Any) -> Any:
        return self._store.query(text)

    def quads_for_pattern(self, *pattern: Any) -> list[ox.Quad]:
        return self._store.quads_for_pattern(*pattern)

    # writes
    def _add(self, op: str, quads: Iterable[ox.Quad]) -> None:
        items = list(quads)
        if not items:
            return
        if self._ops and self._ops[-1][0] == op:
            self._ops[-1][1].extend(items)
        else:
            self._ops.append((op, items))

    def remove_graph(self, graph: Any) -> None:
        self._posts = {}  # later posts must come after this
        self._ops.append(("drop", graph))

    def remove(self, quad: ox.Quad) -> None:
        self._posts = {}
        self._add("delete", [quad])

    def extend(self, quads: Iterable[ox.Quad]) -> None:
        self._add("insert", quads)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Like extend; with a Graph Store URL, named-graph quads go by the protocol."""
        if not self._store.graph_store_url:
            self._add("insert", quads)
            return
        rest: list[ox.Quad] = []
        for q in quads:
            graph = q.graph_name
            if not isinstance(graph, ox.NamedNode):
                rest.append(q)
            elif graph in self._posts:  # one POST per graph: one blank-node scope
                self._posts[graph].append(q)
            else:
                self._posts[graph] = [q]
                self._ops.append(("gsp", (graph, self._posts[graph])))
        self._add("insert", rest)

    def add(self, quad: ox.Quad) -> None:
        self._add("insert", [quad])

    def bulk_load(self, input: Any = None, format: Any = None, *, path: Any = None,
                  base_iri: str | None = None, to_graph: Any = None, **_: Any) -> None:
        quads: Iterable[ox.Quad] = ox.parse(input, format=format, path=path,
                                            base_iri=base_iri, rename_blank_nodes=True)
        if to_graph is not None:
            quads = (ox.Quad(q.subject, q.predicate, q.object, to_graph)
                     if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads)
        self.bulk_extend(quads)

    load = bulk_load

    def update(self, text: str, *, prefixes: dict[str, str] | None = None, **_: Any) -> None:
        declared = sparql_prologue(prefixes) if prefixes else ""
        self._posts = {}
        self._ops.append(("update", f"{declared}\n{text}" if declared else text))

    # sending
    def requests(self) -> list[tuple[str, Any]]:
        """What commit sends: ("update", text) and ("gsp", (graph, n-triples bytes))."""
        out: list[tuple[str, Any]] = []
        pending: list[str] = []
        ops = _posts_folded(self._ops) if _shared_blank_nodes(self._ops) else self._ops
        for op, arg in ops:
            if op == "gsp":
                if pending:
                    out.append(("update", " ;\n".join(pending)))
                    pending = []
                graph, quads = arg
                triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
                out.append(("gsp", (graph.value, ox.serialize(triples, format=_RDF.N_TRIPLES))))
            else:
                pending.append(_operation(op, arg))
        if pending:
            out.append(("update", " ;\n".join(pending)))
        return out

    def commit(self) -> None:
        for kind, arg in self.requests():
            if kind == "update":
                self._store.update(arg)
            else:
                self._store._graph_store_post(*arg)
        self._ops = []


def _shared_blank_nodes(ops: list[tuple[str, Any]]) -> bool:
    """Whether a blank node occurs in two posts or inserts (each is its own scope)."""
    seen: dict[ox.BlankNode, Any] = {}
    for op, arg in ops:
        if op not in {"gsp", "insert"}:
            continue
        for q in (arg[1] if op == "gsp" else arg):
            for term in (q.subject, q.object):
                if isinstance(term, ox.BlankNode) and seen.setdefault(term, arg) is not arg:
                    return True
    return False


def _posts_folded(ops: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The ops with the posts and inserts between two removals as one INSERT DATA."""
    out: list[tuple[str, Any]] = []
    for op, arg in ops:
        quads = arg[1] if op == "gsp" else arg if op == "insert" else None
        if quads is None:
            out.append((op, arg))
        elif out and out[-1][0] == "insert":
            out[-1][1].extend(quads)
        else:
            out.append(("insert", list(quads)))
    return out


def _operation(op: str, arg: Any) -> str:
    if op == "drop":
        return f"DROP SILENT GRAPH {_term(arg)}"
    if op == "update":
        return str(arg)
    keyword = "INSERT DATA" if op == "insert" else "DELETE DATA"
    return f"{keyword} {{\n{_quad_data(arg)}}}"


def _quad_data(quads: list[ox.Quad]) -> str:
    """Quads as SPARQL QuadData: N-Triples lines, grouped in GRAPH blocks."""
    by_graph: dict[Any, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate,
                                                               q.object))
    parts = []
    for graph, triples in by_graph.items():
        lines = (ox.serialize(triples, format=_RDF.N_TRIPLES) or b"").decode()
        if isinstance(graph, ox.DefaultGraph):
            parts.append(lines)
        else:
            parts.append(f"GRAPH {_term(graph)} {{\n{lines}}}\n")
    return "".join(parts)
