"""The data dictionary: the ontology's classes and properties as tables.

Generated from ontology/cartgraph.ttl (never hand-maintained): ``cartgraph
ontology`` prints it, and the README's "ontology at a glance" is its markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .namespaces import OWL, PREFIXES, RDF_TYPE, RDFS, SKOS, curie

__all__ = ["Term", "markdown", "read_terms"]

_PROPERTY_TYPES = {OWL + "ObjectProperty": "object", OWL + "DatatypeProperty": "datatype"}
_ALIGNMENTS = [SKOS + "exactMatch", SKOS + "closeMatch", OWL + "equivalentClass",
               OWL + "equivalentProperty", RDFS + "subClassOf", RDFS + "subPropertyOf"]


@dataclass(frozen=True)
class Term:
    iri: str
    kind: str  # "class", "object" or "datatype"
    label: str
    comment: str
    parents: list[str]
    alignments: list[str]
    domain: list[str]
    range: list[str]

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "curie": curie(self.iri)}


def read_terms(path: str | Path | None = None) -> list[Term]:
    """Every cg: class and property of the ontology, classes first, by label."""
    from .bundled import ontology_path

    graph = ox.Store()
    graph.load(path=str(path or ontology_path()), format=ox.RdfFormat.TURTLE)
    vocab = PREFIXES["cg"]

    def values(subject: ox.NamedNode, predicate: str) -> list[str]:
        return sorted(str(getattr(q.object, "value", q.object)) for q in
                      graph.quads_for_pattern(subject, ox.NamedNode(predicate), None))

    terms = []
    for q in graph.quads_for_pattern(None, ox.NamedNode(RDF_TYPE), None):
        s, kind = q.subject, str(getattr(q.object, "value", ""))
        if not isinstance(s, ox.NamedNode) or not s.value.startswith(vocab):
            continue
        if kind == OWL + "Class":
            kind_name = "class"
        elif kind in _PROPERTY_TYPES:
            kind_name = _PROPERTY_TYPES[kind]
        else:
            continue
        parents_predicate = RDFS + ("subClassOf" if kind_name == "class" else "subPropertyOf")
        links = [v for p in _ALIGNMENTS for v in values(s, p)]
        terms.append(Term(
            iri=s.value, kind=kind_name, label=(values(s, RDFS + "label") or [""])[0],
            comment=(values(s, RDFS + "comment") or [""])[0],
            parents=[v for v in values(s, parents_predicate) if v.startswith(vocab)],
            alignments=sorted({v for v in links if not v.startswith(vocab)}),
            domain=values(s, RDFS + "domain"), range=values(s, RDFS + "range")))
    order = {"class": 0, "object": 1, "datatype": 2}
    return sorted(terms, key=lambda t: (order[t.kind], t.label.lower()))


def _cell(items: list[str]) -> str:
    return ", ".join(f"`{curie(i)}`" for i in items)


def markdown(terms: list[Term]) -> str:
    """Two markdown tables: classes, then properties."""
    lines = ["| class | label | subclass of | aligned with |", "|---|---|---|---|"]
    lines += [f"| `{curie(t.iri)}` | {t.label} | {_cell(t.parents)} | {_cell(t.alignments)} |"
              for t in terms if t.kind == "class"]
    lines += ["", "| property | label | kind | domain | range |", "|---|---|---|---|---|"]
    lines += [f"| `{curie(t.iri)}` | {t.label} | {t.kind} | {_cell(t.domain)} | "
              f"{_cell(t.range)} |" for t in terms if t.kind != "class"]
    return "\n".join(lines) + "\n"
