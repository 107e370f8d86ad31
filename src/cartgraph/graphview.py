"""Reading the graph as a network: terms as node names, labels, classes, neighbourhoods.

The public ground floor that :mod:`cartgraph.analytics` and :mod:`cartgraph.viz`
build on. Everything here leaves out the provenance graph (bookkeeping, not data).

- :class:`Reader` reads quads from a local store (pyoxigraph patterns) or a
  remote one (batched SPARQL ``VALUES`` queries);
- :func:`key` / :func:`term` / :func:`short` name nodes: an IRI, ``_:id`` for a
  blank node, a CURIE for people;
- :class:`Labels` and :class:`Vocabulary` pick the best label of a thing and the
  most specific class of a node (with the ontology's superclasses);
- :func:`expand_level` and :func:`walk` go breadth-first, edges both ways
  (``rdf:type`` and literal values are not edges);
- :func:`bookkeeping_nodes` finds claims, sources and import records: the
  layer that paths and the view's first picture leave out unless asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .errors import InputError
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
from .text import key

__all__ = [
    "BOOKKEEPING_CLASSES",
    "BOOKKEEPING_PREDICATES",
    "LABEL_PREDICATES",
    "SCHEMA_TYPES",
    "ClassInfo",
    "Labels",
    "Link",
    "Reader",
    "Vocabulary",
    "bookkeeping_nodes",
    "expand_level",
    "is_edge",
    "key",
    "not_provenance",
    "resolve",
    "schema_graphs",
    "short",
    "term",
    "types_of",
    "walk",
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
#: Classes of bookkeeping: who said what (claims), where data came from (sources,
#: imports). Their subclasses count too.
BOOKKEEPING_CLASSES = frozenset({VOCAB + "Claim", VOCAB + "Source", VOCAB + "Import"})
#: Predicates that say a document mentions something, not how things relate.
BOOKKEEPING_PREDICATES = frozenset({VOCAB + "mentions"})
_SCHEMA_GRAPH_TYPES = (OWL + "Ontology", SH + "NodeShape")
_BATCH = 400


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


def bookkeeping_nodes(store: Any, vocab: Vocabulary | None = None) -> set[str]:
    """Every node typed with a :data:`BOOKKEEPING_CLASSES` class or one of its subclasses."""
    vocab = vocab or Vocabulary(store)
    kinds = set(BOOKKEEPING_CLASSES) | {
        c for c in vocab.classes if vocab.ancestors(c) & BOOKKEEPING_CLASSES}
    return {key(s) for s, _p, o, _g in Reader(store).with_predicate([RDF_TYPE])
            if not isinstance(o, ox.Literal) and o.value in kinds}


def not_provenance() -> str:
    """A SPARQL filter on ``?g`` that leaves out the provenance graph."""
    return f"FILTER(?g != <{PROVENANCE_GRAPH}>)"


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
                                 f"{{ ?s ?p <{iri}> }} }} {not_provenance()} }}"))
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


def expand_level(reader: Reader, frontier: Iterable[str], *,
                 avoid: frozenset[str] | set[str] = frozenset(),
                 skip_predicates: frozenset[str] | set[str] = frozenset()
                 ) -> dict[str, list[Link]]:
    """The neighbours of ``frontier`` with the links that reach them, both directions.

    Nodes in ``avoid`` are not reached, edges with a predicate in
    ``skip_predicates`` are not followed.
    """
    found: dict[str, set[Link]] = {}
    frontier = sorted(set(frontier))
    for incoming in (False, True):
        for s, p, o, _g in reader.about(frontier, incoming=incoming):
            if not is_edge(p, o) or p.value in skip_predicates:
                continue
            origin, other = (key(o), key(s)) if incoming else (key(s), key(o))
            if other in avoid:
                continue
            link = Link(origin, p.value, "backward" if incoming else "forward")
            found.setdefault(other, set()).add(link)
    return {n: sorted(links, key=lambda x: (x.origin, x.predicate, x.direction))
            for n, links in found.items()}



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


def types_of(reader: Reader, nodes: Iterable[str]) -> dict[str, set[str]]:
    types: dict[str, set[str]] = {}
    for s, p, o, _g in reader.about(nodes):
        if p.value == RDF_TYPE and not isinstance(o, ox.Literal):
            types.setdefault(key(s), set()).add(key(o))
    return types
