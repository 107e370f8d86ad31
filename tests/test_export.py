"""`cartgraph export`: every format round-trips, output is deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import isomorphic

from cartgraph.convert import to_rdflib_graph
from cartgraph.namespaces import RESOURCE

ONTOLOGY_GRAPH = f"{RESOURCE}source-ontology"


def store_graphs(store_dir: Path) -> dict[str, Graph]:
    from cartgraph import Store

    with Store.open(store_dir) as store:
        names = [g.value for g in store.ox.named_graphs()]
        return {g: to_rdflib_graph(store.ox.quads_for_pattern(None, None, None, ox.NamedNode(g)))
                for g in names}


def test_trig_export_holds_every_graph(run, store_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "all.trig"
    result = run("export", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    expected = store_graphs(store_dir)
    parsed = list(ox.parse(path=str(out)))
    for name, graph in expected.items():
        exported = to_rdflib_graph(q for q in parsed if q.graph_name == ox.NamedNode(name))
        assert isomorphic(exported, graph), name
    assert "@prefix cg: <https://w3id.org/cartgraph/vocab#>" in out.read_text()


def test_export_is_deterministic(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first, second = tmp_path / "a.nq", tmp_path / "b.nq"
    assert run("export", "-o", str(first)).exit_code == 0
    assert run("export", "-o", str(second)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text().splitlines()
    assert len(lines) > 100


def test_one_graph_as_turtle_ntriples_and_jsonld(run, store_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    formats = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD}
    for fmt, rdf_format in formats.items():
        out = tmp_path / f"ontology.{fmt}"
        result = run("export", "-o", str(out), "--format", fmt, "--graph", "cgr:source-ontology")
        assert result.exit_code == 0, result.stderr
        got = to_rdflib_graph(ox.parse(path=str(out), format=rdf_format))
        assert isomorphic(got, store_graphs(store_dir)[ONTOLOGY_GRAPH]), fmt


def test_stdout_export(run) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "-o", "-", "--format", "ntriples", "--graph", "cgr:source-shapes")
    assert result.exit_code == 0
    assert result.stdout.count(" .\n") == len(result.stdout.splitlines())
    json.dumps(result.stdout)  # plain text, nothing binary


def test_unknown_graph_is_exit_1_and_unknown_format_exit_2(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "x.ttl"
    missing = run("export", "-o", str(out), "--graph", "https://example.org/nope")
    assert missing.exit_code == 1
    assert "no such graph" in missing.stderr
    assert not out.exists()
    assert run("export", "-o", str(out), "--format", "yaml").exit_code == 2


def test_unwritable_target_is_one_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("export", "-o", "/nonexistent-dir/out.trig")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1:] == [
        "cartgraph: error: /nonexistent-dir/out.trig: cannot write: No such file or directory"]
