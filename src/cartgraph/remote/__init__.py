"""A remote SPARQL 1.1 server as a cartgraph store.

``RemoteStore(query_url, update_url=...)`` offers what the other modules use on
a :class:`~cartgraph.store.Store`: ``query`` (pyoxigraph result objects, the
project's prefixes predeclared), ``select``, ``quads`` and ``quads_for_pattern``
(for export and SHACL context), and ``transaction``, whose writer buffers every
change and sends it on exit (see :mod:`cartgraph.remote.writer`).

Never silently wrong, whatever the server:

- the dataset: every query is sent with the graphs cartgraph's provenance lists
  as its dataset (the protocol's ``default-graph-uri`` / ``named-graph-uri``),
  so the default graph is the union of cartgraph's graphs and a server's own
  graphs (Virtuoso's system graphs) never leak into ``stats``, ``sources``,
  ``export``, ``view`` or a query. A query that names its own dataset with
  ``FROM`` / ``FROM NAMED`` is sent as written;
- row caps: an answer the server cut (Virtuoso's ``ResultSetMaxRows``,
  announced by ``X-SPARQL-MaxRows``) is refused with a clear error, except
  where cartgraph reads quads itself (export, view, SHACL context): those are
  paged to completion and checked against a ``COUNT``;
- blank-node labels of any form (``nodeID://b10003``) are accepted.

The network lives in :mod:`cartgraph.remote.http`. Remote stores are never
seeded and have no write lock: two writers at once are the server's business.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from .. import formats
from ..errors import QueryError, RemoteError, StoreError
from ..namespaces import PROVENANCE_GRAPH, VOCAB, sparql_prologue
from ..store.base import Capabilities
from .http import Answer, Http
from .writer import Limits, RemoteWriter

__all__ = ["Limits", "RemoteStore", "RemoteWriter", "default_update_url"]

_RDF = ox.RdfFormat
_QRF = ox.QueryResultsFormat
# media type -> pyoxigraph parser, from the one format table (CSV results cannot be parsed)
_GRAPH_PARSERS = {m: f.engine for f in formats.FORMATS if f.fits("graph") for m in f.media_types}
_RESULT_PARSERS = {m: f.engine for f in formats.FORMATS
                   if f.fits("select") and f.engine_name and f.name != "csv"
                   for m in f.media_types}
_SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
_PREFIX_LINE = sparql_prologue() + "\n"
_PROLOGUE_LINES = _PREFIX_LINE.count("\n")
_DATASET_CLAUSE = re.compile(r"(?<![?$\w])FROM\s+(?:NAMED\s+)?(?:<|[A-Za-z_][\w.-]*:|:)",
                             re.IGNORECASE)
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]*")
#: Virtuoso cuts CONSTRUCT answers without a header; this is its shipped cap
_DEFAULT_VIRTUOSO_CAP = 10000


def default_update_url(query_url: str) -> str:
    """The update endpoint beside a query endpoint: a final ``/query`` becomes ``/update``."""
    parts = urlsplit(query_url)
    if parts.path.endswith("/query"):
        return parts._replace(path=parts.path[: -len("query")] + "update").geturl()
    return query_url


class RemoteStore:
    """A SPARQL 1.1 query (and update) endpoint, used like a local store.

    ``token`` defaults to ``$CARTGRAPH_TOKEN`` (pass ``""`` to send none);
    ``user`` and ``password`` to ``$CARTGRAPH_USER`` and ``$CARTGRAPH_PASSWORD``
    (HTTP Basic or Digest, whichever the server asks for). Credentials go only
    over https or to loopback unless ``allow_insecure`` (or
    ``$CARTGRAPH_ALLOW_HTTP_AUTH=1``). ``timeout`` is the socket timeout of
    each request, in seconds.
    """

    capabilities = Capabilities(persistent=True, atomic_writes=False, private_writer=False,
                                local_reads=False, multiprocess=False, write_lock=False,
                                backup=False)
    generation = None  # another client's commits cannot be seen

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 token: str | None = None, user: str | None = None,
                 password: str | None = None, timeout: float = 60.0,
                 graph_store_url: str | None = None,
                 allow_insecure: bool | None = None) -> None:
        for url in (query_url, update_url, graph_store_url):
            if url is not None and urlsplit(url).scheme not in {"http", "https"}:
                raise StoreError(f"{url}: not an http(s) URL")
        env = os.environ
        self.query_url = query_url
        self.update_url = update_url or default_update_url(query_url)
        self.graph_store_url = graph_store_url
        if allow_insecure is None:
            allow_insecure = env.get("CARTGRAPH_ALLOW_HTTP_AUTH", "") in {"1", "yes", "true"}
        self.http = Http(
            token=env.get("CARTGRAPH_TOKEN") if token is None else token,
            user=env.get("CARTGRAPH_USER") if user is None else user,
            password=env.get("CARTGRAPH_PASSWORD") if password is None else password,
            timeout=timeout, allow_insecure=allow_insecure)
        self.engine: str | None = None  # "virtuoso", "oxigraph", ... from the Server header
        self._graphs: list[str] | None = None
        self._cap: int | None = None
        self._dataset_params = True  # False once the server refused them
        self._schema: Any = None  # the entailment schema, read on first need

    @property
    def location(self) -> str:
        return self.query_url

    @property
    def token(self) -> str | None:
        return self.http.token

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # -- reading -------------------------------------------------------------------

    def query(self, text: str, *, params: dict[str, Any] | None = None,
              source: str = "query", entailment: str = "rdfs") -> Any:
        """Run a read-only query with the project's prefixes predeclared.

        Returns pyoxigraph objects: QuerySolutions or QueryBoolean for SELECT and
        ASK, a list of Triples for CONSTRUCT and DESCRIBE.
        """
        from ..sparql import bind_params, check_query

        kind = check_query(text)
        own_dataset = _DATASET_CLAUSE.search(text) is not None
        if entailment != "none":  # the query is rewritten before it is sent
            from ..entailment import entail

            text = entail(text, entailment, self.schema)
        text = _PREFIX_LINE + bind_params(text, params)
        result, cut = self._run(text, kind, source=source, offset=_PROLOGUE_LINES,
                                dataset=not own_dataset)
        if cut:
            # drop the answer here: pyoxigraph results are bound to the thread that
            # made them, and the traceback may be freed on another (limits.run_bounded)
            del result
            raise RemoteError(self._cut_message(cut))
        return result

    def schema(self) -> Any:
        """The :class:`~cartgraph.entailment.Schema` of the server's data, read once.

        Read with plain triple patterns and closed here: Virtuoso 7.2 refuses a
        transitive path with neither end bound ("transitive start not given").
        """
        if self._schema is None:
            from .schema import read_schema

            self._schema = read_schema(lambda q: self.query(q, entailment="none"))
        return self._schema

    def select(self, text: str, **params: Any) -> list[dict[str, str]]:
        """A SELECT's rows as dicts of variable name to IRI string or literal lexical form."""
        from ..sparql import solution_dicts

        return solution_dicts(self.query(text, params=params or None))

    def quads(self, graph: Any = None) -> list[ox.Quad]:
        """Every quad in cartgraph's named graphs (or in one graph, a NamedNode)."""
        return self.quads_for_pattern(None, None, None, graph)

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, obj: Any = None,
                          graph_name: Any = None) -> list[ox.Quad]:
        """Quads matching a pattern (None is a wildcard), as pyoxigraph.Store offers.

        A server's row cap does not cut this: the rows are paged and their
        number checked against the server's own count.
        """
        terms = [("s", subject), ("p", predicate), ("o", obj)]
        pattern = " ".join(f"?{n}" if t is None else str(t) for n, t in terms)
        if isinstance(graph_name, ox.DefaultGraph):
            where, g_var = f"{{ {pattern} }}", False
        elif graph_name is None:
            where, g_var = f"{{ GRAPH ?g {{ {pattern} }} }}", True
        else:
            where, g_var = f"{{ GRAPH {graph_name} {{ {pattern} }} }}", False
        names = [n for n, t in terms if t is None] + (["g"] if g_var else [])
        select = " ".join(f"?{n}" for n in names) or "*"
        found = []
        for row in self._select_all(f"SELECT {select} WHERE {where}", where):
            s, p, o = (t if t is not None else row[n] for n, t in terms)
            g = row["g"] if g_var else (graph_name if graph_name is not None
                                        else ox.DefaultGraph())
            found.append(ox.Quad(s, p, o, g))
        return found

    def _select_all(self, text: str, where: str) -> list[Any]:
        """Every row of a SELECT, paged past a row cap and checked against a count."""
        result, cut = self._run(text, "select", source="quads")
        rows = list(result)
        if not cut:
            return rows
        page = cut - 1  # a page of exactly the cap is reported as cut
        rows, offset = [], 0
        while True:
            result, again = self._run(f"{text} LIMIT {page} OFFSET {offset}", "select",
                                      source="quads")
            batch = list(result)
            if again:
                raise RemoteError(self._cut_message(again))
            rows.extend(batch)
            offset += page
            if len(batch) < page:
                break
        count, _ = self._run(f"SELECT (COUNT(*) AS ?n) WHERE {where}", "select",
                             source="quads")
        expected = int(next(iter(count))["n"].value)
        if expected != len(rows) or len(set(map(_row_key, rows))) != len(rows):
            raise RemoteError(f"{self.query_url} cuts answers at {cut} rows and paging past "
                              f"the cap gave {len(rows)} rows where it counts {expected}: "
                              "raise the cap (Virtuoso: ResultSetMaxRows in virtuoso.ini)")
        return rows

    def _cut_message(self, cap: int) -> str:
        return (f"{self.query_url} cut the answer at {cap} rows (the server's row cap); "
                "cartgraph does not give an incomplete answer: add LIMIT/OFFSET, or raise "
                "the cap (Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)")

    def graphs(self) -> list[str]:
        """The graphs cartgraph wrote, as its provenance lists them (and that graph)."""
        if self._graphs is None:
            text = (f"SELECT DISTINCT ?g WHERE {{ GRAPH <{PROVENANCE_GRAPH}> "
                    f"{{ ?s <{VOCAB}graph> ?g }} }}")
            result, _ = self._run(text, "select", source="provenance", dataset=False)
            found = {row["g"].value for row in result if isinstance(row["g"], ox.NamedNode)}
            self._graphs = [PROVENANCE_GRAPH, *sorted(found - {PROVENANCE_GRAPH})]
        return self._graphs

    def server_engine(self) -> str:
        """The server's engine as its Server header names it ("" when it does not)."""
        if self.engine is None:
            self._run("ASK {}", "ask", source="probe", dataset=False)
        return self.engine or ""

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """cartgraph's graphs that hold at least one statement (empty graphs are invisible)."""
        result, _ = self._run("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "select",
                              source="graphs")
        return iter([row["g"] for row in result if isinstance(row["g"], ox.NamedNode)])

    def contains_named_graph(self, graph: Any) -> bool:
        """Whether the server holds the graph, whoever wrote it."""
        result, _ = self._run(f"ASK {{ GRAPH {graph} {{ ?s ?p ?o }} }}", "ask",
                              source="graphs", dataset=False)
        return bool(result)

    def refresh(self) -> bool:
        self._graphs = None
        return False

    def update_metadata(self, **changes: Any) -> None:
        """Remote stores keep no cartgraph metadata."""

    def backup(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreError("backup works on local stores only (use your server's own backup, "
                         "or `cartgraph export`)")

    def metadata(self) -> dict[str, Any]:
        return {"remote": self.query_url, "update": self.update_url}

    def close(self) -> None:
        self._graphs = None

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
        try:
            writer.commit(self.limits())
        finally:
            self._graphs = None

    def limits(self) -> Limits:
        """How big one update may be on this server (Virtuoso has hard limits)."""
        if self.server_engine() == "virtuoso":
            return Limits.VIRTUOSO
        return Limits.UNLIMITED

    def _graph_store(self) -> str:
        """The Graph Store endpoint: the one given, else Virtuoso's beside its query URL."""
        if self.graph_store_url:
            return self.graph_store_url
        parts = urlsplit(self.update_url)
        if self.engine == "virtuoso" and parts.path.rstrip("/").endswith(("/sparql",
                                                                            "/sparql-auth")):
            crud = "/sparql-graph-crud-auth" if parts.path.endswith("-auth") else \
                "/sparql-graph-crud"
            path = parts.path.rstrip("/").rsplit("/", 1)[0] + crud
            return parts._replace(path=path).geturl()
        raise StoreError(f"{self.update_url}: this update is too big for one request and the "
                         "server's Graph Store endpoint is unknown: give --graph-store-url")

    def update(self, text: str) -> None:
        """Send one SPARQL update request as it is (the body itself: no form encoding,
        which costs more than the rest of the request for megabytes of data)."""
        self._answer(self.http.post(self.update_url, text.encode(),
                                    "application/sparql-update", accept="*/*",
                                    source="update"))

    def graph_store_post(self, graph: str, data: bytes) -> None:
        """Add N-Triples to one graph through the Graph Store Protocol."""
        endpoint = self._graph_store()
        sep = "&" if "?" in endpoint else "?"
        url = f"{endpoint}{sep}{urlencode({'graph': graph})}"
        self._answer(self.http.post(url, data, "application/n-triples", accept="*/*",
                                    source="graph store"))

    # -- answers -------------------------------------------------------------------

    def _answer(self, answer: Answer) -> Answer:
        if self.engine is None:
            server = answer.headers.get("server", "").lower()
            self.engine = next((name for name in ("virtuoso", "oxigraph", "fuseki", "graphdb",
                                                  "qlever") if name in server), "")
        return answer

    def _run(self, text: str, kind: str, *, source: str, offset: int = 0,
             dataset: bool = True) -> tuple[Any, int]:
        """The parsed answer, and the server's row cap when it cut the answer (else 0)."""
        graph = kind in {"construct", "describe"}
        fields = [("query", text)]
        if dataset and self._dataset_params:
            graphs = self.graphs()
            fields += [("default-graph-uri", g) for g in graphs]
            fields += [("named-graph-uri", g) for g in graphs]
        try:
            answer = self._answer(self.http.post(
                self.query_url, urlencode(fields).encode(),
                "application/x-www-form-urlencoded",
                accept=_GRAPH_ACCEPT if graph else _SELECT_ACCEPT, source=source,
                offset=offset))
        except QueryError as exc:
            # A server that takes no dataset parameters (cartgraph's own `serve`,
            # whose default graph is already the union of cartgraph's graphs)
            if len(fields) == 1 or "default-graph-uri" not in str(exc):
                raise
            self._dataset_params = False
            return self._run(text, kind, source=source, offset=offset, dataset=False)
        cap = _int(answer.headers.get("x-sparql-maxrows"))
        if cap:
            self._cap = cap
        try:
            if graph:
                fmt = _GRAPH_PARSERS.get(answer.media, _RDF.N_TRIPLES)
                triples = [ox.Triple(q.subject, q.predicate, q.object)
                           for q in ox.parse(answer.body, format=fmt)]
                limit = self._cap or (_DEFAULT_VIRTUOSO_CAP if self.engine == "virtuoso"
                                      else 0)
                return triples, (limit if limit and len(triples) >= limit else 0)
            results = _RESULT_PARSERS.get(answer.media, _QRF.JSON)
            body = answer.body
            if results == _QRF.JSON:
                body = _boolean(body) if kind == "ask" else _relabelled(body)
            return ox.parse_query_results(body, format=results), cap
        except (SyntaxError, ValueError) as exc:
            raise RemoteError(f"{self.query_url}: unreadable answer "
                              f"({answer.media or 'no type'}): {exc}") from None


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _row_key(row: Any) -> tuple[str, ...]:
    return tuple(str(t) for t in row)


def _boolean(body: bytes) -> bytes:
    """An ASK answer as a SPARQL JSON boolean.

    Virtuoso 7.2 answers ASK in JSON as a one-row SELECT of ``__ASK_RETVAL``
    (1), or no row at all (false).
    """
    data = json.loads(body)
    if "boolean" in data:
        return body
    rows = data.get("results", {}).get("bindings", [])
    value = bool(rows) and all(str(t.get("value")) not in {"0", "false"}
                               for t in rows[0].values())
    return json.dumps({"head": {}, "boolean": value}).encode()


def _relabelled(body: bytes) -> bytes:
    """SPARQL JSON results with blank-node labels pyoxigraph accepts.

    Servers may label blank nodes as they like (Virtuoso: ``nodeID://b10003``);
    a label that is not a valid N-Triples label is replaced by its hex spelling,
    so the same node keeps the same label within and across answers.
    """
    if b'"bnode"' not in body:
        return body
    data = json.loads(body)
    changed = False
    for row in data.get("results", {}).get("bindings", []):
        for term in row.values():
            _fix_bnodes(term)
            changed = True
    return json.dumps(data).encode() if changed else body


def _fix_bnodes(term: dict[str, Any]) -> None:
    if term.get("type") == "bnode":
        label = str(term.get("value", ""))
        if not _BNODE_LABEL.fullmatch(label):
            term["value"] = "x" + label.encode().hex()
    elif term.get("type") == "triple":
        for part in (term.get("value") or {}).values():
            if isinstance(part, dict):
                _fix_bnodes(part)
