"""What the view draws: choose the nodes, describe them, and pack it all as JSON data.

Three ways to choose (see :func:`collect`): the whole data (highest degree
first), the neighbourhood of ``focus`` (breadth-first order), or the triples of
a CONSTRUCT or ``SELECT ?s ?p ?o`` query. Either way the view leaves out the
provenance graph and, except for a query, the schema (graphs that declare an
ontology or shapes, and things typed as classes, properties or shapes).
External IRIs that say nothing themselves (``owl:sameAs <https://ror.org/...>``)
and literal values are shown in the details panel, not as nodes, unless
``literals=True``.

Besides the drawn nodes the page carries a *reserve*: up to ``reserve`` nodes
one hop beyond them, hidden, so that a double-click can expand a node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from .. import graphview as an
from ..errors import QueryError
from ..namespaces import PREFIXES, PROVENANCE_GRAPH, RDF_TYPE, RESOURCE
from . import families as fam
from .story import tell

__all__ = ["Collected", "collect", "payload"]

NO_CLASS = "(no class)"


@dataclass
class Collected:
    """The chosen nodes, their statements and the edges between them."""

    drawn: list[str]
    reserve: list[str]
    left_out: int
    total: int
    statements: dict[str, list[tuple[Any, Any, str]]]  # node -> [(p, o, graph)]
    edges: list[tuple[str, str, str, str]]  # (s, p, o, graph) among drawn + reserve
    vocab: an.Vocabulary
    focus: str | None = None
    query: bool = False
    literal_nodes: dict[str, Any] = field(default_factory=dict)


def _degrees(edges: list[tuple[str, str, str, str]], nodes: set[str]) -> dict[str, int]:
    degree = dict.fromkeys(nodes, 0)
    for s, _p, o, _g in edges:
        if s in degree and o in degree and s != o:
            degree[s] += 1
            degree[o] += 1
    return degree


def _by_degree(degree: dict[str, int]) -> list[str]:
    return sorted(degree, key=lambda n: (-degree[n], n))


def _reserve(chosen: list[str], candidates: set[str], edges: list[tuple[str, str, str, str]],
             limit: int) -> list[str]:
    """Nodes one hop beyond ``chosen`` (among ``candidates``), at most ``limit``."""
    inside = set(chosen)
    found = set()
    for s, _p, o, _g in edges:
        if s in inside:
            if o not in inside and o in candidates:
                found.add(o)
        elif o in inside and s in candidates:
            found.add(s)
    return sorted(found)[:limit]


@dataclass
class _Scan:
    """One pass over the data: statements by subject, and the candidate edges."""

    statements: dict[str, list[tuple[Any, Any, str]]]  # subject -> [(p, o, graph)]
    subjects: set[str]  # subjects of a statement outside the schema graphs
    schema_typed: set[str]  # typed as a schema thing in any graph
    schema_in_data: set[str]  # typed as a schema thing outside the schema graphs
    links: list[tuple[str, Any, str, str]]  # (s, p, o, graph): resources, outside schema
    scattered: set[str]  # subjects met in more than one run of quads (several graphs)


def _scan(store: Any, schema: set[str]) -> _Scan:
    """Read every quad once (provenance left out), keeping what the view needs.

    Quads come grouped by graph, then subject; a subject whose statements come
    in several runs (several graphs) is noted in ``scattered``, so that its
    statements can be read again in the store's own order for one subject.
    """
    literal, named, rdf_type = ox.Literal, ox.NamedNode, ox.NamedNode(RDF_TYPE)
    schema_types = {named(t) for t in an.SCHEMA_TYPES}
    key = an.key
    found = _Scan({}, set(), set(), set(), [], set())
    statements, subjects, links = found.statements, found.subjects, found.links
    graph_names: dict[Any, str] = {}
    last_s: Any = None
    last_g: Any = None
    name, in_schema, skip, sk = "", False, False, ""
    rows: list[tuple[Any, Any, str]] = []
    # Locally straight from pyoxigraph (the provenance graph skipped below);
    # remotely one query for every quad.
    quads = store.quads_for_pattern(None, None, None, None)
    for s, p, o, g in quads:
        if g != last_g:
            last_g, last_s = g, None
            name = graph_names.get(g) or graph_names.setdefault(g, key(g))
            in_schema, skip = name in schema, name == PROVENANCE_GRAPH
        if skip:
            continue
        if s != last_s:
            last_s = s
            sk = s.value if type(s) is named else key(s)
            if sk in statements:
                found.scattered.add(sk)
                rows = statements[sk]
            else:
                rows = statements[sk] = []
            if not in_schema:
                subjects.add(sk)
        rows.append((p, o, name))
        if p == rdf_type:
            if o in schema_types:
                found.schema_typed.add(sk)
                if not in_schema:
                    found.schema_in_data.add(sk)
        elif not in_schema and type(o) is not literal:
            links.append((sk, p, o.value if type(o) is named else key(o), name))
    return found


def _describe(store: Any, nodes: list[str]) -> dict[str, list[tuple[Any, Any, str]]]:
    """Every statement about each node (subject), with its graph; provenance left out."""
    found: dict[str, list[tuple[Any, Any, str]]] = {n: [] for n in nodes}
    graphs: dict[Any, str] = {}
    if not store.capabilities.local_reads:
        for s, p, o, g in an.Reader(store).about(nodes):
            found[an.key(s)].append((p, o, an.key(g)))
        return found
    skip = ox.NamedNode(PROVENANCE_GRAPH)
    pattern = store.quads_for_pattern
    for n in nodes:
        into = found[n].append
        for _s, p, o, g in pattern(an.term(n), None, None, None):
            if g != skip:
                name = graphs.get(g)
                if name is None:
                    name = graphs[g] = an.key(g)
                into((p, o, name))
    return found


def _query_triples(store: Any, text: str) -> list[tuple[Any, Any, Any]]:
    result = store.query(text, source="--query")
    if isinstance(result, ox.QuerySolutions):
        names = {v.value for v in result.variables}
        if not {"s", "p", "o"} <= names:
            given = ", ".join("?" + n for n in sorted(names)) or "nothing"
            raise QueryError(f"--query: a SELECT for the view must return ?s ?p ?o (it returns "
                             f"{given})")
        rows = [(r["s"], r["p"], r["o"]) for r in result]
        return [t for t in rows if t[0] is not None and t[1] is not None and t[2] is not None
                and not isinstance(t[0], ox.Literal) and isinstance(t[1], ox.NamedNode)]
    if isinstance(result, ox.QueryBoolean):
        raise QueryError("--query: an ASK query has no graph to draw (use CONSTRUCT, or "
                         "SELECT ?s ?p ?o)")
    try:
        return [(t.subject, t.predicate, t.object) for t in result]
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"--query: {exc}") from None


def collect(store: Any, *, focus: str | None = None, depth: int = 2, query: str | None = None,
            max_nodes: int = 2000, literals: bool = False, reserve: int = 500) -> Collected:
    """Choose what to draw (see the module docstring)."""
    vocab = an.Vocabulary(store)
    focus_iri = an.resolve(store, focus) if focus is not None and query is None else None
    if query is not None:
        chosen = _from_query(store, query, max_nodes, reserve)
    elif focus_iri is not None:
        chosen = _around(store, focus_iri, depth, max_nodes, literals, reserve)
    else:
        chosen = _everything(store, max_nodes, literals, reserve)
    drawn, spare, total, statements, edges = chosen
    collected = Collected(drawn, spare, max(0, total - max_nodes), total, statements,
                          sorted(set(edges)), vocab, focus=focus_iri, query=query is not None)
    if literals:
        _literal_nodes(collected)
    return collected


_Chosen = tuple[list[str], list[str], int, dict[str, list[tuple[Any, Any, str]]],
                list[tuple[str, str, str, str]]]


def _from_query(store: Any, query: str, max_nodes: int, reserve: int) -> _Chosen:
    """The nodes of a query's triples, highest degree first; the schema is not left out."""
    extra: dict[str, list[tuple[Any, Any, str]]] = {}
    edges = []
    nodes: set[str] = set()
    for s, p, o in _query_triples(store, query):
        sk = an.key(s)
        nodes.add(sk)
        if an.is_edge(p, o):
            nodes.add(an.key(o))
            edges.append((sk, p.value, an.key(o), ""))
        else:
            extra.setdefault(sk, []).append((p, o, ""))
    order = _by_degree(_degrees(edges, nodes))
    drawn = order[:max_nodes]
    spare = _reserve(drawn, nodes, edges, reserve)
    statements = _describe(store, drawn + spare)
    for node, more in extra.items():
        if node in statements:
            said = {(p, o) for p, o, _g in statements[node]}
            statements[node] += [x for x in more if (x[0], x[1]) not in said]
    inside = set(drawn) | set(spare)
    edges = [e for e in edges if e[0] in inside and e[2] in inside]
    return drawn, spare, len(order), statements, edges


def _around(store: Any, focus: str, depth: int, max_nodes: int, literals: bool,
            reserve: int) -> _Chosen:
    """The neighbourhood of ``focus``, nearest first."""
    schema = an.schema_graphs(store)
    reader = an.Reader(store, exclude=schema)
    found = an.walk(store, focus, depth, reader=reader)
    known = _describe(store, list(found))
    order = sorted(_drop_schema_and_bare(list(found), [], known, focus, literals)[0],
                   key=lambda n: (found[n][0], n))
    drawn = order[:max_nodes]
    farthest = found[drawn[-1]][0]
    last = [n for n in drawn if found[n][0] == farthest]
    beyond = set(an.expand_level(reader, last)) - set(found) if len(drawn) == len(order) \
        else set()
    spare = sorted(set(order[max_nodes:]) | beyond)[:reserve]
    statements = {**known, **_describe(store, [n for n in spare if n not in known])}
    drawn, spare = _drop_schema_and_bare(drawn, spare, statements, focus, literals)
    inside = set(drawn) | set(spare)
    literal, rdf_type = ox.Literal, ox.NamedNode(RDF_TYPE)
    edges = []
    for s in inside:
        for p, o, g in statements[s]:
            if type(o) is not literal and p != rdf_type and g not in schema:
                ok = an.key(o)
                if ok in inside:
                    edges.append((s, p.value, ok, g))
    return drawn, spare, len(order), statements, edges


def _everything(store: Any, max_nodes: int, literals: bool, reserve: int) -> _Chosen:
    """The whole data, highest degree first, from one pass over the store."""
    scan = _scan(store, an.schema_graphs(store))
    schema, subjects = scan.schema_in_data, scan.subjects
    nodes = subjects - schema
    candidates = []
    resource = RESOURCE
    for s, _p, o, _g in scan.links:
        if s in schema or o in schema:
            continue
        if literals or o in subjects or o.startswith(resource):
            candidates.append((s, "", o, ""))
            nodes.add(o)
    order = _by_degree(_degrees(candidates, nodes))
    drawn = order[:max_nodes]
    spare = _reserve(drawn, nodes, candidates, reserve)
    statements = scan.statements
    statements.update(_describe(store, [n for n in drawn + spare if n in scan.scattered]))

    def keep(node: str) -> bool:
        return node not in scan.schema_typed and (
            node in statements or literals or node.startswith(resource))

    drawn, spare = [n for n in drawn if keep(n)], [n for n in spare if keep(n)]
    inside = set(drawn) | set(spare)
    edges = [(s, p.value, o, g) for s, p, o, g in scan.links if s in inside and o in inside]
    return drawn, spare, len(order), statements, edges


def _drop_schema_and_bare(drawn: list[str], spare: list[str],
                          statements: dict[str, list[tuple[Any, Any, str]]],
                          focus: str | None, literals: bool) -> tuple[list[str], list[str]]:
    def keep(node: str) -> bool:
        if node == focus:
            return True
        said = statements.get(node, [])
        if any(p.value == RDF_TYPE and an.key(o) in an.SCHEMA_TYPES for p, o, _g in said):
            return False
        return bool(said) or literals or node.startswith(RESOURCE)

    return [n for n in drawn if keep(n)], [n for n in spare if keep(n)]


def _literal_nodes(c: Collected) -> None:
    """With ``literals=True``: every literal value of a drawn node becomes a node."""
    for node in c.drawn:
        for p, o, g in c.statements.get(node, []):
            if isinstance(o, ox.Literal) and p.value not in an.LABEL_PREDICATES:
                name = str(o)
                c.literal_nodes[name] = o
                c.edges.append((node, p.value, name, g))
    c.drawn += sorted(set(c.literal_nodes) - set(c.drawn))


# -- packing for the page ------------------------------------------------------------


class _Table:
    """Strings numbered in order of first use (``index`` may be read and filled directly)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, value: str) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def items(self) -> list[str]:
        return list(self.index)


def _details(c: Collected, everyone: list[str], index: dict[str, int], graphs: _Table,
             preds: _Table, labels: an.Labels) -> tuple[list[list[tuple[Any, ...]]],
                                                        dict[str, frozenset[str]]]:
    """Each node's details rows ``(predicate, kind, value, extra, graph)`` and its types.

    A statement's object is ``"l"`` (a literal, extra its ``@lang`` or datatype),
    ``"n"`` (a node of the page, by index), ``"i"`` (another IRI) or ``"b"`` (a
    blank node). Labels go to ``labels`` on the way. This is the page's biggest
    loop (every statement of every node), so it is written out flat.
    """
    literal, named, blank = ox.Literal, ox.NamedNode, ox.BlankNode
    pcache: dict[Any, int] = {}  # predicate term -> index in preds
    label_preds: set[int] = set()
    type_pred = -1
    datatypes: dict[Any, str] = {}
    gcache = graphs.index
    offer, key, statements = labels.offer, an.key, c.statements
    details = []
    types: dict[str, frozenset[str]] = {}
    for n in everyone:
        rows: list[tuple[Any, ...]] = []
        add = rows.append
        kinds = []
        for p, o, g in statements.get(n, ()):
            pi = pcache.get(p)
            if pi is None:
                pi = pcache[p] = preds(p.value)
                if p.value in an.LABEL_PREDICATES:
                    label_preds.add(pi)
                elif p.value == RDF_TYPE:
                    type_pred = pi
            gi = gcache.get(g)
            if gi is None:
                gi = graphs(g)
            if type(o) is literal:
                if pi in label_preds:
                    offer(n, p.value, o)
                lang = o.language
                if lang:
                    add((pi, "l", o.value, "@" + lang, gi))
                    continue
                dt = o.datatype
                extra = datatypes.get(dt)
                if extra is None:
                    extra = datatypes[dt] = "" if dt.value.endswith("#string") \
                        else an.short(dt.value)
                add((pi, "l", o.value, extra, gi))
                continue
            name = o.value if type(o) is named else key(o)
            if pi == type_pred:
                kinds.append(name)
            at = index.get(name)
            if at is not None:
                add((pi, "n", at, "", gi))
            else:
                add((pi, "b" if type(o) is blank else "i", name, "", gi))
        types[n] = frozenset(kinds)
        details.append(rows)
    return details, types


def payload(c: Collected, *, mode: str, max_nodes: int) -> dict[str, Any]:
    """The JSON data the page reads: nodes, edges, classes, details, what was left out.

    Nodes are ``[id, label, class index, x, y, reserve, rank]``, with x and y
    None (the caller lays out the drawn nodes) and rank the distance from the
    story's centre (-1: not reached along domain relations); edges ``[from, to,
    predicate, graph]``. ``families``, ``sources``, ``claims``, ``story`` and
    ``centre`` are described in :mod:`.families` and :mod:`.story`; the key
    ``_domain`` (node -> domain neighbours) is for the layout, not the page.
    """
    vocab = c.vocab
    everyone = c.drawn + c.reserve
    index = {n: i for i, n in enumerate(everyone)}
    graphs, preds = _Table(), _Table()
    labels = an.Labels()
    # Types, labels and the details panel's rows in one pass over every statement;
    # the page merges a statement held by several graphs when it shows it.
    details, types = _details(c, everyone, index, graphs, preds, labels)
    main_of: dict[frozenset[str], str | None] = {}
    for t in set(types.values()):
        main_of[t] = vocab.main_class(t)
    used = sorted({m for m in main_of.values() if m is not None})
    vocab.learn(used)
    class_index = {iri: i for i, iri in enumerate(used)}
    parents = {iri: info.parents for iri, info in vocab.classes.items()}
    shapes = {iri: info.shape for iri, info in vocab.classes.items()}
    families, looks = fam.assign(used, parents, shapes)
    classes = []
    for iri in used:
        look = looks[iri]
        classes.append({"iri": iri, "label": vocab.class_label(iri), "color": look["color"],
                        "shape": look["shape"], "family": look["family"]})
    if any(main_of[types[n]] is None for n in everyone):
        families.append({"name": "Other", "color": fam.NO_CLASS_COLOR, "layer": False})
        classes.append({"iri": "", "label": NO_CLASS, "color": fam.NO_CLASS_COLOR,
                        "shape": "dot", "family": len(families) - 1})
    none = len(classes) - 1
    layer_classes = {iri for iri in used if families[looks[iri]["family"]]["layer"]}
    in_layer = {n for n in everyone if main_of[types[n]] in layer_classes}
    told = tell(c, everyone, index, labels, in_layer, types, vocab, graphs.items())
    ranks = told["ranks"]
    nodes = []
    for i, n in enumerate(everyone):
        lit = c.literal_nodes.get(n)
        label = lit.value if lit is not None else labels.get(n)
        main = main_of[types[n]]
        cls = class_index.get(main, none) if main is not None else none
        nodes.append([n, label, cls, None, None, 0 if i < len(c.drawn) else 1,
                      ranks.get(n, -1)])
    edges: list[tuple[int, int, int, int]] = []
    add = edges.append
    pindex, gindex = preds.index, graphs.index
    for s, p, o, g in c.edges:
        a, b = index.get(s), index.get(o)
        if a is not None and b is not None:
            pi, gi = pindex.get(p), gindex.get(g)
            add((a, b, preds(p) if pi is None else pi, graphs(g) if gi is None else gi))
    predicates = preds.items()
    vocab.learn(predicates)
    graph_names = graphs.items()
    sources = told["sources"] + tell_more(told, graph_names)
    drawn_edges = sum(1 for e in edges if e[0] < len(c.drawn) and e[1] < len(c.drawn))
    return {
        "version": 1,
        "mode": mode,
        "prefixes": PREFIXES,
        "classes": classes,
        "families": families,
        "predicates": [{"iri": p, "label": vocab.label(p),
                        "layer": p in an.BOOKKEEPING_PREDICATES} for p in predicates],
        "graphs": graph_names,
        "sources": sources,
        "claims": told["claims"],
        "story": told["story"],
        "centre": told["centre"],
        "nodes": nodes,
        "edges": edges,
        "details": details,
        "summary": {"nodes": len(c.drawn), "edges": drawn_edges, "left_out": c.left_out,
                    "total": c.total, "reserve": len(c.reserve), "max_nodes": max_nodes,
                    "focus": c.focus, "query": c.query},
        "_domain": told["domain"],
        "_layer": in_layer,
    }


def tell_more(told: dict[str, Any], graph_names: list[str]) -> list[None]:
    """Graphs first met after the sources were read (edges only) have no source card."""
    return [None] * (len(graph_names) - len(told["sources"]))
