"""SHACL on what an import adds: in batches of whole descriptions, with the types
of what the input refers to, reporting only the input's own focus nodes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import InputError, ValidationError
from ..namespaces import RDF_TYPE
from .locate import where_statement
from .model import ImportOptions, Progress
from .parse import Scan

_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_SHACL_BATCH = 50_000  # triples per pyshacl run on large inputs


@dataclass
class Checks:
    """The ontology's terms, and (when SHACL is on) the ontology and shapes graphs."""

    known: set[str]
    ontology: Any = None
    shapes: Any = None
    shapes_location: str | None = None  # a user's --shapes file (None: the bundled one)


def load_checks(options: ImportOptions) -> Checks:
    from ..bundled import ontology_path, shapes_path

    if not options.shacl:  # the ontology's terms only: no rdflib needed
        return Checks({q.subject.value for q in ox.parse(path=str(ontology_path()))
                       if type(q.subject) is ox.NamedNode})
    from ..validate import check_shapes, load_rdflib

    ontology = load_rdflib(ontology_path())
    known = {str(t) for t in ontology.subjects()}
    shapes_file = options.shapes or shapes_path()
    if not options.shapes and not Path(shapes_file).is_file():
        raise InputError(f"{shapes_file}: the bundled shapes are missing; give --shapes FILE "
                         "or --no-shacl")
    shapes = load_rdflib(shapes_file)
    check_shapes(shapes, str(shapes_file))
    return Checks(known, ontology, shapes, options.shapes)


TypesOf = Callable[[list[ox.NamedNode]], Iterable[tuple[ox.NamedNode, ox.NamedNode]]]


def types_in(*stores: Any) -> TypesOf:
    """Look up rdf:type of nodes in stores (anything with ``quads_for_pattern``)."""
    readers = [s for s in stores if s is not None]

    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for node in nodes:
            for r in readers:
                for q in r.quads_for_pattern(node, _RDF_TYPE, None, None):
                    if isinstance(q.object, ox.NamedNode):
                        yield node, q.object
    return types_of


def types_by_query(store: Any) -> TypesOf:
    """Look up rdf:type of nodes with SPARQL (for stores that only answer queries)."""
    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for i in range(0, len(nodes), 200):
            values = " ".join(str(n) for n in nodes[i:i + 200])
            for row in store.query(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} "
                                   f"GRAPH ?g {{ ?s <{RDF_TYPE}> ?t }} }}"):
                if isinstance(row["t"], ox.NamedNode):
                    yield row["s"], row["t"]
    return types_of


def _batches(data: Any, graphs: list[str]) -> Iterator[tuple[list[ox.Quad], set[str]]]:
    """The input's quads in batches of whole subject descriptions, with their focus nodes.

    A batch holds every statement about its subjects and about the blank nodes
    they lead to, so that shapes see complete descriptions.
    """
    names = [ox.NamedNode(g) for g in graphs]
    total = 0
    for g in names:
        for _ in data.quads_for_pattern(None, None, None, g):
            total += 1
            if total > _SHACL_BATCH:
                break
    if total <= _SHACL_BATCH:
        quads = [q for g in names for q in data.quads_for_pattern(None, None, None, g)]
        yield quads, {_key(q.subject) for q in quads}
        return
    subjects: dict[Any, None] = {}
    for g in names:
        for q in data.quads_for_pattern(None, None, None, g):
            subjects[q.subject] = None
    batch: list[ox.Quad] = []
    focus: set[str] = set()
    for s in subjects:
        focus.add(_key(s))
        todo, seen = [s], {s}
        while todo:  # the subject and the blank nodes it leads to, iteratively
            node = todo.pop()
            for g in names:
                for q in data.quads_for_pattern(node, None, None, g):
                    batch.append(q)
                    o = q.object
                    if isinstance(o, ox.BlankNode) and o not in seen:
                        seen.add(o)
                        todo.append(o)
        if len(batch) >= _SHACL_BATCH:
            yield batch, focus
            batch, focus = [], set()
    if batch:
        yield batch, focus


def _key(term: Any) -> str:
    return str(term.value) if hasattr(term, "value") else str(term)


def check_shacl(scans: list[Scan], data: Any, types_of: TypesOf, checks: Checks,
           progress: Progress | None) -> None:
    """Raise ValidationError listing every SHACL violation on the inputs' own nodes."""
    from ..convert import to_rdflib_graph
    from ..validate import shacl_check

    violations = []
    for scan in scans:
        own = scan.staged if scan.staged is not None else data
        for n, (quads, focus) in enumerate(_batches(own, scan.graphs)):
            if progress is not None:
                progress(f"SHACL {scan.input.location}", n, n + 1)
            graph = to_rdflib_graph(quads)
            referenced = list({q.object: None for q in quads
                               if isinstance(q.object, ox.NamedNode)})
            to_rdflib_graph((ox.Triple(s, _RDF_TYPE, t) for s, t in types_of(referenced)), graph)
            del quads
            for v in shacl_check(graph, shapes=checks.shapes, ontology=checks.ontology,
                                 focus=focus, location=checks.shapes_location):
                located = replace(v, location=where_statement(scan.input, v.focus, v.path,
                                                              v.value))
                if v.severity == "Violation":
                    violations.append(located)
                else:
                    scan.warnings.append(located.line())
    if violations:
        lines = [v.line() for v in violations]
        lines += [f"warning: {w}" for scan in scans for w in scan.warnings]
        raise ValidationError(
            f"{len(violations)} SHACL violation{'s' * (len(violations) != 1)}:\n"
            + "\n".join(lines), report=violations)



def chain(*lookups: TypesOf) -> TypesOf:
    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for lookup in lookups:
            yield from lookup(nodes)
    return types_of

