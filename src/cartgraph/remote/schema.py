"""The RDFS entailment schema of a remote store, read without property paths.

:func:`cartgraph.entailment.read_schema` asks for ``rdfs:subClassOf+`` with both
ends free, which Virtuoso 7.2 refuses ("transitive start not given"). Here the
asserted edges are read with plain triple patterns and closed in Python, which
every SPARQL 1.1 server answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from ..entailment import Schema
from ..namespaces import RDFS

__all__ = ["read_schema"]

_SUBCLASS = RDFS + "subClassOf"
_SUBPROPERTY = RDFS + "subPropertyOf"
_EDGES = "SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{p}> ?super }}"
_TYPE_PAIRS = "SELECT DISTINCT ?t1 ?t2 WHERE { ?x a ?t1 , ?t2 . FILTER(?t1 != ?t2) }"


def _pairs(rows: Iterable[Any]) -> list[tuple[str, str]]:
    """The rows whose two terms are both IRIs, as strings (blank nodes and
    literals take no part in the hierarchy, as ``isIRI`` in the local queries)."""
    return [(row[0].value, row[1].value) for row in rows
            if isinstance(row[0], ox.NamedNode) and isinstance(row[1], ox.NamedNode)]


def _ancestors(edges: list[tuple[str, str]]) -> dict[str, set[str]]:
    """Each node's strict ancestors through the edges (sub -> super), transitively."""
    up: dict[str, set[str]] = {}
    for sub, sup in edges:
        up.setdefault(sub, set()).add(sup)
    closed: dict[str, set[str]] = {}
    for start in up:
        seen: set[str] = set()
        todo = list(up[start])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(up.get(node, ()))
        closed[start] = seen
    return closed


def read_schema(query: Callable[[str], Iterable[Any]]) -> Schema:
    """The :class:`Schema` of a store; ``query`` runs a SELECT without entailment."""
    classes = _ancestors(_pairs(query(_EDGES.format(p=_SUBCLASS))))
    superclasses = {sup for sub, sups in classes.items() for sup in sups if sup != sub}
    ambiguous: set[str] = set()
    for t1, t2 in _pairs(query(_TYPE_PAIRS)):
        ambiguous |= (classes.get(t1, set()) | {t1}) & (classes.get(t2, set()) | {t2})
    subs: dict[str, set[str]] = {}
    for sub, sups in _ancestors(_pairs(query(_EDGES.format(p=_SUBPROPERTY)))).items():
        for sup in sups:
            if sup != sub:
                subs.setdefault(sup, set()).add(sub)
    return Schema(frozenset(superclasses), frozenset(ambiguous),
                  {p: frozenset(s) for p, s in subs.items()})
