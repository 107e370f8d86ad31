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


# -- one set of format names; the extension decides when --format is absent ---------------


def _parsed(path: Path, fmt: ox.RdfFormat) -> Graph:
    return to_rdflib_graph(ox.parse(path=str(path), format=fmt))


def test_every_name_and_alias_round_trips(run, store_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = None
    names = {"turtle": ox.RdfFormat.TURTLE, "ttl": ox.RdfFormat.TURTLE,
             "ntriples": ox.RdfFormat.N_TRIPLES, "nt": ox.RdfFormat.N_TRIPLES,
             "nquads": ox.RdfFormat.N_QUADS, "nq": ox.RdfFormat.N_QUADS,
             "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD,
             "rdfxml": ox.RdfFormat.RDF_XML, "xml": ox.RdfFormat.RDF_XML}
    for name, rdf_format in names.items():
        out = tmp_path / f"ontology-{name}.out"
        result = run("export", "-o", str(out), "--format", name.upper(),
                     "--graph", "cgr:source-ontology")
        assert result.exit_code == 0, (name, result.stderr)
        expected = expected or store_graphs(store_dir)[ONTOLOGY_GRAPH]
        assert isomorphic(_parsed(out, rdf_format), expected), name


def test_the_extension_names_the_format(run, store_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    expected = store_graphs(store_dir)[ONTOLOGY_GRAPH]
    for suffix, rdf_format in {".rdf": ox.RdfFormat.RDF_XML, ".owl": ox.RdfFormat.RDF_XML,
                               ".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES,
                               ".jsonld": ox.RdfFormat.JSON_LD}.items():
        out = tmp_path / f"ontology{suffix}"
        result = run("export", "-o", str(out), "--graph", "cgr:source-ontology")
        assert result.exit_code == 0, result.stderr
        assert isomorphic(_parsed(out, rdf_format), expected), suffix
    assert (tmp_path / "ontology.rdf").read_text().startswith("<?xml")


def test_an_unknown_extension_is_a_usage_error(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for name in ("x.json", "x.xml", "x.txt", "noextension"):
        result = run("export", "-o", str(tmp_path / name))
        assert result.exit_code == 2, (name, result.output)
        assert result.stderr.startswith(f"cartgraph: error: {tmp_path / name}: cannot tell "
                                        "the format from the extension")
        assert not (tmp_path / name).exists()
    # --format wins over the extension
    result = run("export", "-o", str(tmp_path / "x.json"), "--format", "jsonld")
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "x.json").read_text())


def test_the_same_mistake_is_the_same_exit_code(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("turtle", "trig", "graphml", "gexf"):
        out = tmp_path / f"x.{fmt}"
        result = run("export", "-o", str(out), "--format", fmt, "--graph", "urn:x:nope")
        assert result.exit_code == 1, (fmt, result.output)
        assert result.stderr.splitlines()[-1] == ("cartgraph: error: urn:x:nope: no such "
                                                  "graph in the store")
        assert not out.exists()
    (tmp_path / "dir").mkdir()
    for args in ([], ["--format", "turtle"], ["--format", "graphml"]):
        result = run("export", "-o", str(tmp_path / "dir"), *args)
        assert result.exit_code == 1, (args, result.output)
        assert result.stderr.splitlines()[-1] == (f"cartgraph: error: {tmp_path / 'dir'}: "
                                                  "is a directory")


def test_import_and_query_take_the_same_names(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data.txt"
    data.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
                    '<rdf:Description rdf:about="urn:x:s"><rdf:value>v</rdf:value>'
                    "</rdf:Description></rdf:RDF>")
    for name in ("xml", "rdfxml"):
        result = run("validate", "--no-shacl", "--input-format", name, str(data))
        assert result.exit_code == 0, result.output
    text = "CONSTRUCT WHERE { cgr:uker ?p ?o }"
    answers = {name: run("query", "--format", name, text) for name in ("ttl", "turtle")}
    assert answers["ttl"].exit_code == 0, answers["ttl"].stderr
    assert answers["ttl"].stdout == answers["turtle"].stdout
    nt = run("query", "--format", "nt", text)
    xml = run("query", "--format", "xml", text)
    assert xml.exit_code == 0 and xml.stdout.startswith("<?xml")
    graphs = [to_rdflib_graph(ox.parse(r.stdout.encode(), format=f)) for r, f in
              ((answers["ttl"], ox.RdfFormat.TURTLE), (nt, ox.RdfFormat.N_TRIPLES),
               (xml, ox.RdfFormat.RDF_XML))]
    assert len(graphs[0]) > 3
    assert isomorphic(graphs[0], graphs[1]) and isomorphic(graphs[0], graphs[2])
    # xml on a SELECT is the W3C results format
    select = run("query", "--format", "xml", "SELECT ?p WHERE { cgr:uker ?p ?o } LIMIT 1")
    assert "<sparql" in select.stdout


def test_the_format_table_is_the_cli_s_choices() -> None:
    from cartgraph import formats
    from cartgraph.cli import cli

    options = {c.name: c for c in cli.commands.values()}
    export_choices = next(p for p in options["export"].params if p.name == "fmt").type.choices  # type: ignore[attr-defined]
    assert list(export_choices) == formats.choices("export")
    for name in ("ttl", "turtle", "nt", "ntriples", "nq", "nquads", "trig", "jsonld",
                 "rdfxml", "xml"):
        assert name in formats.choices("import") and name in export_choices
        assert name in formats.choices("graph")


def test_one_graph_for_several_files_is_a_usage_error_either_way(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("a.nt", "b.nt"):
        (folder / name).write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    listed = run("import", "--no-shacl", "--graph", "urn:x:g", str(folder / "a.nt"),
                 str(folder / "b.nt"))
    found = run("import", "--no-shacl", "--graph", "urn:x:g", "--recursive", str(folder))
    assert (listed.exit_code, found.exit_code) == (2, 2), (listed.output, found.output)
    assert "2 files" in found.stderr and "Traceback" not in found.output
