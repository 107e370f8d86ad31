"""Conversions between pyoxigraph terms (the engine) and rdflib terms (the edges).

Literals keep their lexical form exactly (rdflib's normalisation is turned off
per literal), and xsd:string literals become plain rdflib literals.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
import rdflib

from .namespaces import XSD

__all__ = ["to_rdflib", "to_rdflib_graph"]

_XSD_STRING = XSD + "string"


def to_rdflib(term: Any) -> Any:
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language, normalize=False)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return rdflib.Literal(term.value, normalize=False)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype), normalize=False)
    if isinstance(term, ox.DefaultGraph) or term is None:
        return None
    raise TypeError(f"cannot convert {term!r} to rdflib")


def to_rdflib_graph(triples: Iterable[Any], graph: rdflib.Graph | None = None) -> rdflib.Graph:
    """Add pyoxigraph triples or quads (graph names ignored) to an rdflib Graph."""
    graph = rdflib.Graph() if graph is None else graph
    add = graph.add
    for t in triples:
        add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph
