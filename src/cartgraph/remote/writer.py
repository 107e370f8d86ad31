"""The writer of a remote store's transaction: buffer the changes, then send them.

Without limits (Oxigraph, Fuseki, GraphDB) the whole transaction is ONE SPARQL
update request (``DROP SILENT GRAPH ...; DELETE DATA {...}; INSERT DATA {...}``),
which those servers apply atomically. A server with hard limits (Virtuoso: the
SQL it compiles from one operation is capped at 10,000 lines, a request at a
10 MB string session, and no blank nodes in ``INSERT DATA``) gets operations of
at most ``Limits.statements`` statements, packed into requests of at most
``Limits.request_bytes``, in the order of the transaction; statements with
blank nodes go as ``INSERT { ... } WHERE {}``, each blank node's statements in
one operation so that it stays one node (a structure too big for one
operation, such as a long RDF list, goes to the graph in one Graph Store
Protocol POST, Virtuoso's ``/sparql-graph-crud``). Such a transaction is atomic only
when it fits one request; the provenance record is written last, so an import
that fails half-way is not listed as done (see the README).

With a Graph Store URL, bulk loads go through the Graph Store Protocol (one
POST per graph, or per chunk on a limited server, each blank node's statements
in one POST): faster for big files but not atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pyoxigraph as ox

from ..errors import StoreError
from ..namespaces import sparql_prologue

if TYPE_CHECKING:
    from . import RemoteStore

__all__ = ["Limits", "RemoteWriter"]

_NT = ox.RdfFormat.N_TRIPLES


@dataclass(frozen=True)
class Limits:
    """How much one update may hold; 0 is no limit."""

    statements: int = 0         # statements in one INSERT/DELETE operation
    request_bytes: int = 0      # bytes of one request
    bnodes_in_data: bool = True  # whether INSERT DATA takes blank nodes
    blank_statements: int = 0   # statements in one INSERT { } WHERE { } (else ``statements``)

    UNLIMITED: ClassVar[Limits]
    VIRTUOSO: ClassVar[Limits]


Limits.UNLIMITED = Limits()
# measured on 7.2.5: INSERT DATA of 4,000 plain statements passes and 8,000 fail;
# INSERT { } WHERE { } of 1,000 statements with blank nodes passes and 2,000 fail
Limits.VIRTUOSO = Limits(statements=1500, request_bytes=4_000_000, bnodes_in_data=False,
                         blank_statements=500)


class RemoteWriter:
    """Buffers the changes of a transaction; ``commit`` sends them.

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
    def requests(self, limits: Limits = Limits.UNLIMITED) -> list[tuple[str, Any]]:
        """What commit sends: ("update", text) and ("gsp", (graph, n-triples bytes))."""
        out: list[tuple[str, Any]] = []
        pending: list[str] = []
        size = 0

        def flush() -> None:
            nonlocal pending, size
            if pending:
                out.append(("update", " ;\n".join(pending)))
            pending, size = [], 0

        ops = _posts_folded(self._ops) if _shared_blank_nodes(self._ops) else self._ops
        for op, arg in ops:
            if op == "gsp":
                flush()
                graph, quads = arg
                for chunk in _chunks(quads, limits.statements * 20, limits.request_bytes):
                    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in chunk]
                    out.append(("gsp", (graph.value, ox.serialize(triples, format=_NT))))
                continue
            for kind, payload in _operations(op, arg, limits):
                if kind == "gsp":  # a blank-node structure too big for one operation
                    flush()
                    out.append((kind, payload))
                    continue
                if limits.request_bytes and pending and \
                        size + len(payload) > limits.request_bytes:
                    flush()
                pending.append(payload)
                size += len(payload) + 3
        flush()
        return out

    def commit(self, limits: Limits = Limits.UNLIMITED) -> None:
        for kind, arg in self.requests(limits):
            if kind == "update":
                self._store.update(arg)
            else:
                self._store.graph_store_post(*arg)
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
    """The ops with the posts and inserts between two removals as one insert."""
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


def _operations(op: str, arg: Any, limits: Limits) -> Iterator[tuple[str, Any]]:
    """One op as ("update", SPARQL operation) within the limits, or ("gsp", post)."""
    if op == "drop":
        yield "update", f"DROP SILENT GRAPH {arg}"
    elif op == "update":
        yield "update", str(arg)
    elif op == "delete":
        for chunk in _chunks(arg, limits.statements, limits.request_bytes):
            yield "update", f"DELETE DATA {{\n{_quad_data(chunk)}}}"
    elif limits.bnodes_in_data:
        for chunk in _chunks(arg, limits.statements, limits.request_bytes):
            yield "update", f"INSERT DATA {{\n{_quad_data(chunk)}}}"
    else:
        plain = [q for q in arg if not _has_blank(q)]
        for chunk in _chunks(plain, limits.statements, limits.request_bytes):
            yield "update", f"INSERT DATA {{\n{_quad_data(chunk)}}}"
        blank = [q for q in arg if _has_blank(q)]
        most = limits.blank_statements or limits.statements
        for chunk in _chunks(blank, most, limits.request_bytes):
            if len(chunk) <= most * 2 or not most:
                yield "update", f"INSERT {{\n{_quad_data(chunk)}}} WHERE {{}}"
                continue
            by_graph: dict[Any, list[ox.Triple]] = {}
            for q in chunk:
                by_graph.setdefault(q.graph_name, []).append(
                    ox.Triple(q.subject, q.predicate, q.object))
            if len(by_graph) > 1 or not isinstance(q.graph_name, ox.NamedNode):
                raise StoreError(f"a structure of {len(chunk)} statements linked by blank "
                                 "nodes (in several graphs) is too big for one update on "
                                 "this server and cannot be split without breaking it")
            for graph, triples in by_graph.items():
                yield "gsp", (graph.value, ox.serialize(triples, format=_NT))


def _has_blank(q: ox.Quad) -> bool:
    return isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)


def _chunks(quads: list[ox.Quad], statements: int, size: int) -> Iterator[list[ox.Quad]]:
    """Runs of at most ``statements`` quads (0: all) that keep each blank node whole.

    A blank node's statements (and those of blank nodes linked to it) stay in
    one chunk, even past the limit: split, they would become two nodes.
    """
    if not statements or len(quads) <= statements:
        if quads:
            yield quads
        return
    if size:  # long literals: fewer statements per chunk, ~200 bytes each allowed
        statements = max(1, min(statements, size // max(1, _mean_size(quads))))
    chunk: list[ox.Quad] = []
    for group in _blank_groups(quads):
        if chunk and len(chunk) + len(group) > statements:
            yield chunk
            chunk = []
        chunk.extend(group)
    if chunk:
        yield chunk


def _mean_size(quads: list[ox.Quad]) -> int:
    sample = quads[:: max(1, len(quads) // 200)]
    return 2 * sum(len(str(q)) for q in sample) // len(sample)


def _blank_groups(quads: list[ox.Quad]) -> list[list[ox.Quad]]:
    """The quads as groups: one per set of linked blank nodes, one per other quad."""
    parent: dict[ox.BlankNode, ox.BlankNode] = {}

    def root(node: ox.BlankNode) -> ox.BlankNode:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for q in quads:
        if isinstance(q.subject, ox.BlankNode) and isinstance(q.object, ox.BlankNode):
            a, b = root(q.subject), root(q.object)
            if a != b:
                parent[a] = b
    groups: dict[Any, list[ox.Quad]] = {}
    singles: list[list[ox.Quad]] = []
    for q in quads:
        node = q.subject if isinstance(q.subject, ox.BlankNode) else \
            q.object if isinstance(q.object, ox.BlankNode) else None
        if node is None:
            singles.append([q])
        else:
            groups.setdefault(root(node), []).append(q)
    return singles + list(groups.values())


def _quad_data(quads: list[ox.Quad]) -> str:
    """Quads as SPARQL QuadData: N-Triples lines, grouped in GRAPH blocks."""
    by_graph: dict[Any, list[ox.Triple]] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate,
                                                               q.object))
    parts = []
    for graph, triples in by_graph.items():
        lines = (ox.serialize(triples, format=_NT) or b"").decode()
        if isinstance(graph, ox.DefaultGraph):
            parts.append(lines)
        else:
            parts.append(f"GRAPH {graph} {{\n{lines}}}\n")
    return "".join(parts)
