"""Shared helpers for the ingest, store, safety and conformance tests."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import rdflib

from cartgraph.convert import to_rdflib

EX = "https://example.org/"
VOCAB = "https://w3id.org/cartgraph/vocab#"

# A tiny shapes file of our own, so that the tests do not depend on the bundled
# shapes (written by someone else, and changing).
SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/shapes#> .

ex:HospitalShape a sh:NodeShape ;
    sh:targetClass cg:Hospital ;
    sh:property [
        sh:path rdfs:label ; sh:minCount 1 ; sh:datatype xsd:string ;
        sh:message "a hospital needs a label" ] .
"""


def write_shapes(directory: Path) -> Path:
    path = directory / "shapes.ttl"
    path.write_text(SHAPES)
    return path


def write_ntriples(path: Path, n: int, *, seed: int = 1) -> Path:
    """A seeded synthetic N-Triples file of exactly ``n`` distinct triples."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            s = f"<{EX}e/{i // 5}>"
            kind = i % 5
            if kind == 0:
                out.write(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                          f"<{VOCAB}PatientCase> .\n")
            elif kind == 1:
                out.write(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "case {i // 5}" .\n')
            elif kind == 4:
                out.write(f'{s} <{EX}p/score> "{rng.randint(0, 10**6)}"^^'
                          f'<http://www.w3.org/2001/XMLSchema#integer> .\n')
            else:
                out.write(f"{s} <{EX}p/r{kind}> <{EX}e/{rng.randrange(max(1, n // 5))}> .\n")
    return path


def rdflib_dataset(quads: object) -> rdflib.Dataset:
    """pyoxigraph quads as an rdflib Dataset (lexical forms kept)."""
    ds = rdflib.Dataset()
    for q in quads:  # type: ignore[attr-defined]
        g = q.graph_name
        ctx = ds.default_graph if isinstance(g, ox.DefaultGraph) else ds.graph(to_rdflib(g))
        ctx.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return ds
