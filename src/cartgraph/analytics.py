"""Graph analytics: counts, paths, neighbourhoods, centrality and a networkx projection.

Everything here leaves out the provenance graph (bookkeeping, not data).

- :func:`stats` counts with SPARQL ``GRAPH`` patterns, so it gives the same
  answer against a remote SPARQL server; a triple held by several graphs is
  counted once in ``triples``.
- :func:`shortest_path` and :func:`neighbors` walk the store level by level
  (pyoxigraph patterns locally, batched ``VALUES`` queries remotely), following
  edges in both directions; ``rdf:type`` and literal values are not edges. They
  return what networkx would find on :func:`to_networkx`'s projection without
  building it (11 s for a 1M-triple store).
- :func:`to_networkx` is that projection: a ``MultiDiGraph`` keyed by predicate
  IRI, built straight from pyoxigraph terms. Centrality and the GraphML/GEXF
  export (:func:`write_network`) use it.

Nodes are named by their IRI, or ``_:id`` for blank nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import pyoxigraph as ox

from .errors import InputError, SourceError, UsageError
from .namespaces import (
    DCTERMS,
    OWL,
    PROVENANCE_GRAPH,
    RDF_TYPE,
    RDFS,
    RDFS_LABEL,
    RDFS_SUBCLASS_OF,
    SH,
    SKOS,
    VOCAB,
    curie,
    expand,
)
from .text import align, key

__all__ = [
    "Neighborhood",
    "Step",
    "format_neighbors",
    "format_path",
    "format_stats",
    "neighbors",
    "shortest_path",
    "stats",
    "to_networkx",
    "write_network",
]

#: Predicates that name a thing, best first.
LABEL_PREDICATES = (RDFS_LABEL, SKOS + "prefLabel", "http://schema.org/name",
                    "http://xmlns.com/foaf/0.1/name", DCTERMS + "title")
DISPLAY_COLOR = VOCAB + "displayColor"
DISPLAY_SHAPE = VOCAB + "displayShape"
#: Types of schema things (classes, properties, shapes): the view leaves them out.
SCHEMA_TYPES = frozenset({OWL + "Class", RDFS + "Class", OWL + "ObjectProperty",
                          OWL + "DatatypeProperty", OWL + "AnnotationProperty",
                          "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
                          OWL + "Ontology", SH + "NodeShape", SH + "PropertyShape"})
_SCHEMA_GRAPH_TYPES = (OWL + "Ontology", SH + "NodeShape")
_BATCH = 400
_TOP = 10


# -- terms -----------------------------------------------------------------------------


def term(name: str) -> ox.NamedNode | ox.BlankNode:
    """The inverse of :func:`key` for resources."""
    return ox.BlankNode(name[2:]) if name.startswith("_:") else ox.NamedNode(name)


def short(name: str) -> str:
    """A node name as people read it: a CURIE, ``_:id``, or the IRI."""
    return name if name.startswith("_:") else curie(name)


def _sparql_term(name: str) -> str:
    return f"<{name}>"


def _label_rank(predicate: str, literal: ox.Literal) -> tuple[int, int]:
    lang = literal.language or ""
    lang_rank = 0 if lang.startswith("en") else 1 if not lang else 2
    return LABEL_PREDICATES.index(predicate), lang_rank


class Labels:
    """Collects label candidates and keeps the best one per node."""

    def __init__(self) -> None:
        self._best: dict[str, tuple[tuple[int, int], str]] = {}

    def offer(self, node: str, predicate: str, value: Any) -> None:
        if predicate not in LABEL_PREDICATES or not isinstance(value, ox.Literal):
            return
        rank = _label_rank(predicate, value)
        old = self._best.get(node)
        if old is None or rank < old[0] or (rank == old[0] and value.value < old[1]):
            self._best[node] = (rank, value.value)

    def get(self, node: str, default: str | None = None) -> str:
        found = self._best.get(node)
        if found is not None:
            return found[1]
        return short(node) if default is None else default

    def __contains__(self, node: str) -> bool:
        return node in self._best


# -- reading quads, locally or remotely -------------------------------------------------


class Reader:
    """Reads quads from a local Store (pyoxigraph patterns) or a remote one (SPARQL).

    Yields ``pyoxigraph.Quad`` objects (they unpack as ``s, p, o, g``); the
    provenance graph and the graphs in ``exclude`` are skipped, and ``graph``
    limits reading to one graph.
    """

    def __init__(self, store: Any, *, graph: str | None = None,
                 exclude: Iterable[str] = ()) -> None:
        self.store = store
        self.graph = graph
        self.exclude = {PROVENANCE_GRAPH, *exclude} - ({graph} if graph else set())
        self.local = store.capabilities.local_reads
        self._graph_term = ox.NamedNode(graph) if graph is not None else None
        self._skip = {ox.NamedNode(g) for g in self.exclude}

    def _local(self, s: Any = None, p: Any = None, o: Any = None) -> Iterator[Any]:
        g, skip = self._graph_term, self._skip
        quads = self.store.quads_for_pattern(s, p, o, g)
        if g is not None:
            yield from quads
            return
        for q in quads:
            if q.graph_name not in skip:
                yield q

    def _filter(self) -> str:
        if self.graph is not None:
            return f"FILTER(?g = <{self.graph}>)"
        return "FILTER(?g NOT IN (" + ", ".join(f"<{g}>" for g in sorted(self.exclude)) + "))"

    def _remote(self, pattern: str, values: str = "") -> Iterator[Any]:
        text = (f"SELECT ?s ?p ?o ?g WHERE {{ {values} GRAPH ?g {{ {pattern} }} "
                f"{self._filter()} }}")
        for row in self.store.query(text):
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"])

    def all(self) -> Iterator[Any]:
        """Every quad."""
        if self.local:
            yield from self._local()
        else:
            yield from self._remote("?s ?p ?o")

    def about(self, nodes: Iterable[str], *, incoming: bool = False) -> Iterator[Any]:
        """Quads whose subject (or, with ``incoming``, object) is one of ``nodes``."""
        nodes = list(nodes)
        if self.local:
            for n in nodes:
                yield from (self._local(o=term(n)) if incoming else self._local(term(n)))
            return
        named = [n for n in nodes if not n.startswith("_:")]
        var = "o" if incoming else "s"
        for i in range(0, len(named), _BATCH):
            values = f"VALUES ?{var} {{ {' '.join(map(_sparql_term, named[i:i + _BATCH]))} }}"
            yield from self._remote("?s ?p ?o", values)

    def with_predicate(self, predicates: Iterable[str]) -> Iterator[Any]:
        """Quads with one of ``predicates``."""
        predicates = list(predicates)
        if self.local:
            for p in predicates:
                yield from self._local(p=ox.NamedNode(p))
        else:
            values = f"VALUES ?p {{ {' '.join(map(_sparql_term, predicates))} }}"
            yield from self._remote("?s ?p ?o", values)


def is_edge(p: Any, o: Any) -> bool:
    """Whether a statement is an edge between resources (not a type, not a literal)."""
    return not isinstance(o, ox.Literal) and p.value != RDF_TYPE


def schema_graphs(store: Any) -> set[str]:
    """Graphs that declare an ontology or SHACL shapes: the schema, not the data."""
    kinds = ", ".join(f"<{t}>" for t in _SCHEMA_GRAPH_TYPES)
    text = (f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?x <{RDF_TYPE}> ?t }} "
            f"FILTER(?t IN ({kinds})) }}")
    return {key(row["g"]) for row in store.query(text)}


# -- classes and labels ------------------------------------------------------------


@dataclass
class ClassInfo:
    """What the ontology says about a class."""

    iri: str
    label: str
    color: str | None = None
    shape: str | None = None
    parents: set[str] = field(default_factory=set)


class Vocabulary:
    """Classes (labels, display colour and shape, superclasses) and labels of things."""

    def __init__(self, store: Any) -> None:
        self.reader = Reader(store)
        self.classes: dict[str, ClassInfo] = {}
        self.labels = Labels()
        for s, p, o, _g in self.reader.with_predicate(
                [RDFS_SUBCLASS_OF, DISPLAY_COLOR, DISPLAY_SHAPE]):
            info = self._class(key(s))
            if p.value == RDFS_SUBCLASS_OF and not isinstance(o, ox.Literal):
                info.parents.add(key(o))
            elif p.value == DISPLAY_COLOR and re.fullmatch(r"#[0-9A-Fa-f]{3,8}", o.value):
                info.color = o.value
            elif p.value == DISPLAY_SHAPE:
                info.shape = o.value
        self.learn(self.classes)

    def _class(self, iri: str) -> ClassInfo:
        if iri not in self.classes:
            self.classes[iri] = ClassInfo(iri, short(iri))
        return self.classes[iri]

    def learn(self, nodes: Iterable[str]) -> None:
        """Look up the labels of ``nodes`` not known yet."""
        missing = [n for n in nodes if n not in self.labels]
        for s, p, o, _g in self.reader.about(missing):
            self.labels.offer(key(s), p.value, o)
        for iri, info in self.classes.items():
            info.label = self.labels.get(iri)

    def label(self, node: str) -> str:
        return self.labels.get(node)

    def ancestors(self, iri: str) -> set[str]:
        seen: set[str] = set()
        todo = [iri]
        while todo:
            for parent in self.classes.get(todo.pop(), ClassInfo("", "")).parents:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def main_class(self, types: Iterable[str]) -> str | None:
        """The most specific of a node's types, preferring classes with display hints."""
        types = set(types)
        if not types:
            return None
        above = set().union(*(self.ancestors(t) for t in types))
        candidates = (types - above) or types
        return min(candidates, key=lambda t: (self.classes.get(t, ClassInfo(t, "")).color
                                              is None, t))

    def class_label(self, iri: str | None) -> str:
        if iri is None:
            return ""
        info = self.classes.get(iri)
        if info is None:
            self.learn([iri])
            return self.labels.get(iri)
        return info.label


# -- stats ----------------------------------------------------------------------------


def _count(store: Any, text: str) -> list[Any]:
    return list(store.query(text))


def _not_provenance() -> str:
    return f"FILTER(?g != <{PROVENANCE_GRAPH}>)"


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
    where = f"GRAPH ?g {{ ?s ?p ?o }} {_not_provenance()}"
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


def _table(rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> list[str]:
    return align(rows, right=right, indent="  ")


def format_stats(data: dict[str, Any]) -> str:
    """A readable report of :func:`stats`: aligned columns, CURIEs, class labels."""
    lines = [f"{data['triples']} triples in {len(data['graphs'])} graphs "
             "(provenance left out; a triple in several graphs counted once)", "", "graphs:"]
    lines += _table([[short(g["graph"]), str(g["triples"])] for g in data["graphs"]], {1})
    if data["schema_graphs"]:
        schema = ", ".join(short(g) for g in data["schema_graphs"])
        lines += ["", f"entities and statements in the data (schema graphs left out: {schema})"]
    lines += ["", "entities per class:"]
    lines += _table([[short(c["class"]), c["label"], str(c["entities"])]
                     for c in data["classes"]], {2})
    lines += ["", "statements per predicate:"]
    lines += _table([[short(p["predicate"]), str(p["edges"])] for p in data["predicates"]], {1})
    cent = data.get("centrality")
    if cent:
        for name in ("degree", "betweenness"):
            note = " (sampled)" if name == "betweenness" and cent["sampled"] else ""
            lines += ["", f"top {name} centrality{note}:"]
            lines += _table([[short(r["node"]), r["label"], f"{r['score']:.4f}"]
                             for r in cent[name]], {2})
    return "\n".join(lines)


# -- walking the graph -----------------------------------------------------------------


def resolve(store: Any, text: str) -> str:
    """The IRI for an IRI or CURIE naming an entity of the store; InputError otherwise."""
    if text.startswith("_:"):
        iri = text
    else:
        try:
            iri = expand(text)
        except ValueError as exc:
            raise InputError(str(exc)) from None
    reader = Reader(store)
    if reader.local:
        t = term(iri)
        found = any(True for _ in reader._local(t)) or any(True for _ in reader._local(o=t))
    else:
        found = bool(store.query(f"ASK {{ GRAPH ?g {{ {{ <{iri}> ?p ?o }} UNION "
                                 f"{{ ?s ?p <{iri}> }} }} {_not_provenance()} }}"))
    if not found:
        raise InputError(f"{text}: no such entity in the store (it is neither the subject "
                         f"nor the object of any statement)")
    return iri


@dataclass(frozen=True)
class Link:
    """One edge met while walking: from ``origin`` along ``predicate`` to a node."""

    origin: str
    predicate: str
    direction: str  # "forward": (origin, predicate, node); "backward": (node, predicate, origin)


def _named(node: str, label: str) -> str:
    """``cgr:uker  University Hospital Erlangen``, or the bare name when it has no label."""
    name = short(node)
    return name if not label or label == name else f"{name}  {label}"


def _arrow(predicate: str, direction: str) -> str:
    p = short(predicate)
    return f"--{p}-->" if direction == "forward" else f"<--{p}--"


def expand_level(reader: Reader, frontier: Iterable[str]) -> dict[str, list[Link]]:
    """The neighbours of ``frontier`` with the links that reach them, both directions."""
    found: dict[str, set[Link]] = {}
    frontier = sorted(set(frontier))
    for incoming in (False, True):
        for s, p, o, _g in reader.about(frontier, incoming=incoming):
            if not is_edge(p, o):
                continue
            origin, other = (key(o), key(s)) if incoming else (key(s), key(o))
            link = Link(origin, p.value, "backward" if incoming else "forward")
            found.setdefault(other, set()).add(link)
    return {n: sorted(links, key=lambda x: (x.origin, x.predicate, x.direction))
            for n, links in found.items()}


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


def shortest_path(store: Any, a: str, b: str) -> list[Step]:
    """A shortest path from ``a`` to ``b`` (IRIs or CURIEs), following edges both ways.

    Bidirectional breadth-first search; among equally short paths the first in
    IRI order is returned. InputError for an unknown entity or when no path exists.
    """
    start, goal = resolve(store, a), resolve(store, b)
    if start == goal:
        return []
    reader = Reader(store)
    parents: list[dict[str, Link | None]] = [{start: None}, {goal: None}]
    frontiers = [[start], [goal]]
    meet = None
    while meet is None and frontiers[0] and frontiers[1]:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        nxt = []
        for node, links in sorted(expand_level(reader, frontiers[side]).items()):
            if node in parents[side]:
                continue
            parents[side][node] = links[0]
            nxt.append(node)
            if meet is None and node in parents[1 - side]:
                meet = node
        frontiers[side] = nxt
    if meet is None:
        raise InputError(f"no path between {a} and {b}: they are not connected "
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


def format_path(steps: list[Step]) -> str:
    """A path one hop per line: ``--cg:treatedAt-->  cgr:uker  University Hospital ...``."""
    if not steps:
        return "(the same entity: 0 hops)"
    first = steps[0]
    lines = [_named(first.source, first.source_label)]
    for s in steps:
        lines.append(f"  {_arrow(s.predicate, s.direction)}  {_named(s.target, s.target_label)}")
    lines.append(f"({len(steps)} hop{'s' * (len(steps) != 1)})")
    return "\n".join(lines)


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


def walk(store: Any, start: str, depth: int, *, reader: Reader | None = None,
         limit: int | None = None) -> dict[str, tuple[int, list[Link]]]:
    """Breadth-first from ``start``: node -> (distance, links from the previous level)."""
    reader = reader or Reader(store)
    seen: dict[str, tuple[int, list[Link]]] = {start: (0, [])}
    frontier = [start]
    for distance in range(1, depth + 1):
        nxt = []
        for node, links in sorted(expand_level(reader, frontier).items()):
            if node in seen:
                continue
            seen[node] = (distance, links)
            nxt.append(node)
            if limit is not None and len(seen) >= limit:
                return seen
        frontier = nxt
        if not frontier:
            break
    return seen


def neighbors(store: Any, x: str, *, depth: int = 1) -> Neighborhood:
    """Every entity within ``depth`` hops of ``x`` (IRI or CURIE), edges both ways."""
    center = resolve(store, x)
    found = walk(store, center, depth)
    vocab = Vocabulary(store)
    types = _types(Reader(store), found)
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


def _types(reader: Reader, nodes: Iterable[str]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for s, p, o, _g in reader.about(nodes):
        if p.value == RDF_TYPE and not isinstance(o, ox.Literal):
            types.setdefault(key(s), set()).add(key(o))
    return types


def format_neighbors(n: Neighborhood) -> str:
    """The neighbourhood grouped by distance, one entity per line with the link to it."""
    lines = [_named(n.center, n.label) + (f"  [{n.class_label}]" if n.cls else "")]
    by_distance: dict[int, list[Neighbor]] = {}
    for item in n.nodes:
        by_distance.setdefault(item.distance, []).append(item)
    for distance in sorted(by_distance):
        items = by_distance[distance]
        lines.append(f"distance {distance}: {len(items)} entit{'ies' if len(items) != 1 else 'y'}")
        rows = []
        for item in items:
            first = item.via[0]
            how = _arrow(first.predicate, first.direction)
            if distance > 1:
                how = f"{short(first.origin)} {how}"
            if len(item.via) > 1:
                how += f" (+{len(item.via) - 1})"
            label = "" if item.label == short(item.node) else item.label
            rows.append([how, short(item.node), label,
                         f"[{item.class_label}]" if item.cls else ""])
        lines += _table(rows)
    if not n.nodes:
        lines.append("(no neighbours)")
    return "\n".join(lines)


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
