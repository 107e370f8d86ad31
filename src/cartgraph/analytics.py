"""Graph analytics: counts, paths, neighbourhoods, centrality and a networkx projection.

Everything here leaves out the provenance graph (bookkeeping, not data). How
the graph is read as a network (node names, labels, classes, walking) lives in
:mod:`cartgraph.graphview`; the text reports in :mod:`cartgraph.reports`.

- :func:`stats` counts with SPARQL ``GRAPH`` patterns, so it gives the same
  answer against a remote SPARQL server; a triple held by several graphs is
  counted once in ``triples``.
- :func:`shortest_path` and :func:`neighbors` walk the store level by level
  (pyoxigraph patterns locally, batched ``VALUES`` queries remotely), following
  edges in both directions; ``rdf:type`` and literal values are not edges. A
  path follows domain relations only: claims, sources, import records, the
  schema and ``cg:mentions`` are left out unless ``via_any=True``.
- :func:`to_networkx` is the projection: a ``MultiDiGraph`` keyed by predicate
  IRI, built straight from pyoxigraph terms. Centrality and the GraphML/GEXF
  export (:func:`write_network`) use it.

Nodes are named by their IRI, or ``_:id`` for blank nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

import pyoxigraph as ox

from .errors import InputError, SourceError, UsageError
from .graphview import (
    BOOKKEEPING_PREDICATES,
    Labels,
    Link,
    Reader,
    Vocabulary,
    bookkeeping_nodes,
    expand_level,
    key,
    not_provenance,
    resolve,
    schema_graphs,
    short,
    types_of,
    walk,
)
from .namespaces import PROVENANCE_GRAPH, RDF_TYPE, expand
from .reports import format_neighbors, format_path, format_stats

__all__ = [
    "Neighborhood",
    "Step",
    "format_neighbors",
    "format_path",
    "format_stats",
    "neighbors",
    "resolve",
    "shortest_path",
    "stats",
    "to_networkx",
    "write_network",
]

_TOP = 10


# -- stats ----------------------------------------------------------------------------


def _count(store: Any, text: str) -> list[Any]:
    return list(store.query(text))


def stats(store: Any, *, centrality: bool = False) -> dict[str, Any]:
    """Triples, graphs, entities per class and statements per predicate (JSON-able).

    Counts leave out the provenance graph; ``triples`` counts a triple held by
    several graphs once, ``graphs`` counts per graph. Entities per class and
    statements per predicate count the data: the schema graphs (those that
    declare an ontology or SHACL shapes; listed as ``schema_graphs``) are left
    out, so that owl:Class or sh:path do not read as entities. With ``centrality``, the ten
    entities of highest degree and betweenness in the data (betweenness sampled
    on large graphs).
    """
    where = f"GRAPH ?g {{ ?s ?p ?o }} {not_provenance()}"
    total = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o "
                          f"WHERE {{ {where} }} }}")
    graphs = _count(store, f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {where} }} GROUP BY ?g "
                           f"ORDER BY ?g")
    schema = sorted(schema_graphs(store))
    data_only = "FILTER(?g NOT IN ({}))".format(
        ", ".join(f"<{g}>" for g in [PROVENANCE_GRAPH, *schema]))
    classes = _count(store, f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g "
                            f"{{ ?s <{RDF_TYPE}> ?c }} {data_only} }} GROUP BY ?c")
    predicates = _count(store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?p ?o "
                               f"WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {data_only} }} }} "
                               f"GROUP BY ?p")
    vocab = Vocabulary(store)
    vocab.learn(key(r["c"]) for r in classes)
    result: dict[str, Any] = {
        "triples": int(total[0]["n"].value) if total else 0,
        "graphs": [{"graph": key(r["g"]), "triples": int(r["n"].value)} for r in graphs],
        "schema_graphs": schema,
        "classes": sorted(({"class": key(r["c"]), "label": vocab.label(key(r["c"])),
                            "entities": int(r["n"].value)} for r in classes),
                          key=lambda c: (-c["entities"], c["class"])),
        "predicates": sorted(({"predicate": key(r["p"]), "edges": int(r["n"].value)}
                              for r in predicates), key=lambda p: (-p["edges"], p["predicate"])),
    }
    if centrality:
        result["centrality"] = _centrality(store, vocab)
    return result


def _centrality(store: Any, vocab: Vocabulary) -> dict[str, Any]:
    import networkx as nx

    graph = nx.Graph(to_networkx(store, exclude_schema=True))
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    k = min(n, max(10, 2_000_000 // max(1, n + m)))
    degree = nx.degree_centrality(graph) if n > 1 else dict.fromkeys(graph, 0.0)
    between = nx.betweenness_centrality(graph, k=k if k < n else None, seed=0)

    def top(scores: dict[str, float]) -> list[dict[str, Any]]:
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:_TOP]
        return [{"node": node, "label": graph.nodes[node].get("label") or vocab.label(node),
                 "score": round(score, 6)} for node, score in best]

    return {"degree": top(degree), "betweenness": top(between), "sampled": k < n,
            "nodes": n, "edges": m}


# -- paths and neighbourhoods ---------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One hop of a path: ``direction`` says whether the statement is
    (source, predicate, target) ("forward") or (target, predicate, source) ("backward")."""

    source: str
    predicate: str
    target: str
    direction: str
    source_label: str = ""
    predicate_label: str = ""
    target_label: str = ""

    def to_json(self) -> dict[str, str]:
        return {"source": self.source, "source_label": self.source_label,
                "predicate": self.predicate, "predicate_label": self.predicate_label,
                "target": self.target, "target_label": self.target_label,
                "direction": self.direction}



def shortest_path(store: Any, a: str, b: str, *, via_any: bool = False) -> list[Step]:
    """A shortest path from ``a`` to ``b`` (IRIs or CURIEs), following edges both ways.

    Bidirectional breadth-first search; among equally short paths the first in
    IRI order is returned. By default only domain relations are followed: the
    path does not pass through claims, sources, import records or the schema,
    nor along ``cg:mentions`` (``via_any=True`` follows every edge).
    InputError for an unknown entity or when no path exists.
    """
    start, goal = resolve(store, a), resolve(store, b)
    if start == goal:
        return []
    avoid: set[str] = set()
    skip: frozenset[str] = frozenset()
    if via_any:
        reader = Reader(store)
    else:
        reader = Reader(store, exclude=schema_graphs(store))
        avoid, skip = bookkeeping_nodes(store) - {start, goal}, BOOKKEEPING_PREDICATES
    parents: list[dict[str, Link | None]] = [{start: None}, {goal: None}]
    frontiers = [[start], [goal]]
    meet = None
    while meet is None and frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        nxt = []
        for node, links in sorted(expand_level(reader, frontiers[side], avoid=avoid,
                                                 skip_predicates=skip).items()):
            if node in parents[side]:
                continue
            parents[side][node] = links[0]
            nxt.append(node)
            if meet is None and node in parents[1 - side]:
                meet = node
        frontiers[side] = nxt
    if meet is None:
        how = "" if via_any else (" through domain relations (claims, sources and "
                                  "mentions left out; --via-any follows every edge)")
        raise InputError(f"no path between {a} and {b}: they are not connected{how} "
                         "(edges between resources, either direction; types and literals "
                         "are not edges)")
    hops: list[tuple[str, str, str, str]] = []
    node = meet
    while (link := parents[0][node]) is not None:
        hops.insert(0, (link.origin, link.predicate, node, link.direction))
        node = link.origin
    node = meet
    while (link := parents[1][node]) is not None:
        back = "backward" if link.direction == "forward" else "forward"
        hops.append((node, link.predicate, link.origin, back))
        node = link.origin
    vocab = Vocabulary(store)
    vocab.learn({n for h in hops for n in (h[0], h[1], h[2])})
    return [Step(s, p, t, d, vocab.label(s), vocab.label(p), vocab.label(t))
            for s, p, t, d in hops]



@dataclass
class Neighbor:
    node: str
    label: str
    cls: str | None
    class_label: str
    distance: int
    via: list[Link]

    def to_json(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "class": self.cls,
                "class_label": self.class_label, "distance": self.distance,
                "via": [{"from": v.origin, "predicate": v.predicate, "direction": v.direction}
                        for v in self.via]}


@dataclass
class Neighborhood:
    """The entities within ``depth`` hops of ``center``, nearest first."""

    center: str
    label: str
    cls: str | None
    class_label: str
    depth: int
    nodes: list[Neighbor]

    def to_json(self) -> dict[str, Any]:
        return {"entity": self.center, "label": self.label, "class": self.cls,
                "class_label": self.class_label, "depth": self.depth,
                "neighbors": [n.to_json() for n in self.nodes]}


def neighbors(store: Any, x: str, *, depth: int = 1) -> Neighborhood:
    """Every entity within ``depth`` hops of ``x`` (IRI or CURIE), edges both ways."""
    center = resolve(store, x)
    found = walk(store, center, depth)
    vocab = Vocabulary(store)
    types = types_of(Reader(store), found)
    vocab.learn(set(found) | {link.predicate for _d, links in found.values() for link in links})
    out = []
    for node, (distance, links) in sorted(found.items(), key=lambda kv: (kv[1][0], kv[0])):
        if node == center:
            continue
        cls = vocab.main_class(types.get(node, ()))
        out.append(Neighbor(node, vocab.label(node), cls, vocab.class_label(cls), distance,
                            links))
    cls = vocab.main_class(types.get(center, ()))
    return Neighborhood(center, vocab.label(center), cls, vocab.class_label(cls), depth, out)



# -- the networkx projection -------------------------------------------------------------


def to_networkx(store: Any, *, graph: str | None = None, include_literals: bool = False,
                exclude_schema: bool = False) -> Any:
    """The store as a ``networkx.MultiDiGraph``: one edge per (s, p, o), keyed by p's IRI.

    ``graph`` limits it to one named graph (IRI or CURIE); by default every graph
    but provenance (and, with ``exclude_schema``, but the ontology and shapes).
    ``rdf:type`` becomes the node attribute ``class`` (the most specific type);
    literal values become nodes only with ``include_literals``. Node attributes:
    ``label``, ``class``, ``class_label``, ``curie``; edge attributes:
    ``predicate``, ``label``, ``graph``. Built straight from pyoxigraph terms.
    """
    import networkx as nx

    if graph is not None:
        graph = expand(graph) if not graph.startswith("_:") else graph
        if not store.contains_named_graph(ox.NamedNode(graph)):
            raise SourceError(f"{graph}: no such graph in the store")
    exclude = schema_graphs(store) if exclude_schema and graph is None else set()
    reader = Reader(store, graph=graph, exclude=exclude)
    labels = Labels()
    types: dict[str, set[str]] = {}
    g = nx.MultiDiGraph()
    edges = g.add_edge
    nodes = g.add_node
    for s, p, o, gname in reader.all():
        sk, pv = key(s), p.value
        if pv == RDF_TYPE and not isinstance(o, ox.Literal):
            types.setdefault(sk, set()).add(key(o))
            nodes(sk)
        elif isinstance(o, ox.Literal):
            labels.offer(sk, pv, o)
            nodes(sk)
            if include_literals:
                edges(sk, str(o), key=pv, graph=key(gname))
                g.nodes[str(o)].update(label=o.value, literal="true")
        else:
            edges(sk, key(o), key=pv, graph=key(gname))
    vocab = Vocabulary(store)
    vocab.labels = labels
    vocab.learn([n for n in g if not g.nodes[n].get("literal")] +
                sorted({p for _s, _o, p in g.edges(keys=True)}))
    for node, attrs in g.nodes(data=True):
        if attrs.get("literal"):
            attrs.update({"class": "literal", "class_label": "literal", "curie": ""})
            continue
        cls = vocab.main_class(types.get(node, ()))
        attrs.update(label=vocab.label(node), curie=short(node), **{"class": cls or ""},
                     class_label=vocab.class_label(cls))
    for _s, _o, p, attrs in g.edges(keys=True, data=True):
        attrs.update(predicate=p, label=vocab.label(p))
    return g


def write_network(store: Any, out: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
    """Write the networkx projection as GraphML or GEXF (for Gephi and Cytoscape)."""
    import networkx as nx

    g = to_networkx(store, graph=graph)
    if fmt == "graphml":
        nx.write_graphml(g, out, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(g, out, encoding="utf-8", prettyprint=True)
    else:
        raise UsageError(f"unknown network format {fmt!r} (use graphml or gexf)")
