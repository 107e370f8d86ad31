"""Shared helpers for the ingest, store, safety and conformance tests."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from click.testing import CliRunner, Result
from rdflib.compare import isomorphic

from cartgraph.cli import cli
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


def reified(quads: object) -> rdflib.Graph:
    """A dataset as one rdflib graph, each distinct quad a blank node: isomorphic
    exactly when the datasets are (blank-node graph names included)."""
    rdf = rdflib.RDF
    g = rdflib.Graph()
    for q in set(quads):  # type: ignore[call-overload]
        node = rdflib.BNode()
        g.add((node, rdf.subject, to_rdflib(q.subject)))
        g.add((node, rdf.predicate, to_rdflib(q.predicate)))
        g.add((node, rdf.object, to_rdflib(q.object)))
        if not isinstance(q.graph_name, ox.DefaultGraph):
            g.add((node, rdflib.URIRef("urn:test:graph"), to_rdflib(q.graph_name)))
    return g


def graph_of(store_dir: Path, graph: str) -> rdflib.Graph:
    """One named graph of an on-disk store, as an rdflib Graph."""
    store = ox.Store.read_only(str(store_dir / os.readlink(store_dir / "current")))
    g = rdflib.Graph()
    for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return g


@dataclass(frozen=True)
class Snapshot:
    """What "nothing changed" compares: the committed generation and its content."""

    current: str
    generations: tuple[str, ...]
    content: bytes


def snapshot(store_dir: Path) -> Snapshot:
    current = os.readlink(store_dir / "current")
    store = ox.Store.read_only(str(store_dir / current))
    content = store.dump(format=ox.RdfFormat.N_QUADS)
    return Snapshot(current, tuple(sorted(os.listdir(store_dir / "gen"))), content)


def assert_unchanged(store_dir: Path, before: Snapshot) -> None:
    after = snapshot(store_dir)
    assert after.current == before.current
    assert after.generations == before.generations
    if set(after.content.splitlines()) == set(before.content.splitlines()):
        return  # the same quads, blank-node labels included: isomorphic a fortiori
    assert by_graph(after.content).keys() == by_graph(before.content).keys()
    for name, graph in by_graph(after.content).items():
        assert isomorphic(graph, by_graph(before.content)[name]), name


def by_graph(nquads: bytes) -> dict[str, rdflib.Graph]:
    """An N-Quads dump as one rdflib Graph per graph name (a store names all its graphs)."""
    graphs: dict[str, rdflib.Graph] = {}
    for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        g = graphs.setdefault(str(q.graph_name), rdflib.Graph())
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return graphs


def run_cli(store_dir: Path | None, *args: str, input: bytes | str | None = None) -> Result:
    """Run the CLI in-process (stderr kept apart from stdout)."""
    prefix = ["--store", str(store_dir)] if store_dir is not None else []
    return CliRunner().invoke(cli, [*prefix, *args], input=input, catch_exceptions=True)


def assert_error(result: Result, start: str, *, code: int = 1) -> str:
    """A user mistake: exit ``code``, one line on stderr starting ``start``, no traceback."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cartgraph: error: {start}"), lines[0]
    assert "Traceback" not in result.output
    return lines[0].removeprefix("cartgraph: error: ")
