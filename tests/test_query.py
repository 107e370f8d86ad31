"""`cartgraph query` and `queries`: formats, prefixes, parameters, refusals, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from cartgraph import Store
from cartgraph.ingest import ImportOptions, import_files
from cartgraph.query import named_queries, parse_value, query_kind

SMALL = """\
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix cgr: <https://w3id.org/cartgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
cgr:h1 a cg:Hospital ; rdfs:label "Hospital One" .
cgr:h2 a cg:Hospital ; rdfs:label "Hôpital, \\"Deux\\"" .
cgr:p1 a cg:Publication ; rdfs:label "Paper" ; cg:pmid "123" .
"""
HOSPITALS = "SELECT ?h ?label WHERE { ?h a cg:Hospital ; rdfs:label ?label } ORDER BY ?h"


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A store holding only SMALL (no bundled graph), and the file."""
    data = tmp_path / "small.ttl"
    data.write_text(SMALL, encoding="utf-8")
    store_dir = tmp_path / "small-store"
    store = Store.open(store_dir, seed=False)
    import_files(store, [str(data)], ImportOptions(shacl=False))
    store.close()
    return store_dir, data


def run_small(small: tuple[Path, Path], *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from cartgraph.cli import cli

    return CliRunner().invoke(cli, ["--store", str(small[0]), "query", *args], input=input)


def test_table_is_aligned_with_curies_and_a_row_count(small: tuple[Path, Path]) -> None:
    result = run_small(small, HOSPITALS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        "h       label\n"
        "------  ---------------\n"
        "cgr:h1  Hospital One\n"
        'cgr:h2  Hôpital, "Deux"\n'
        "(2 rows)\n")


def test_csv_and_tsv_follow_the_w3c_formats(small: tuple[Path, Path]) -> None:
    result = run_small(small, "--format", "csv", HOSPITALS)
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [["h", "label"], ["https://w3id.org/cartgraph/id/h1", "Hospital One"],
                    ["https://w3id.org/cartgraph/id/h2", 'Hôpital, "Deux"']]
    tsv = run_small(small, "--format", "tsv", HOSPITALS).stdout.splitlines()
    assert tsv[0] == "?h\t?label"
    assert tsv[1] == '<https://w3id.org/cartgraph/id/h1>\t"Hospital One"'


def test_json_and_xml_results(small: tuple[Path, Path]) -> None:
    doc = json.loads(run_small(small, "--format", "json", HOSPITALS).stdout)
    assert doc["head"]["vars"] == ["h", "label"]
    assert [b["label"]["value"] for b in doc["results"]["bindings"]] == [
        "Hospital One", 'Hôpital, "Deux"']
    root = ET.fromstring(run_small(small, "--format", "xml", HOSPITALS).stdout)
    ns = {"s": "http://www.w3.org/2005/sparql-results#"}
    assert [u.text for u in root.iterfind(".//s:uri", ns)] == [
        "https://w3id.org/cartgraph/id/h1", "https://w3id.org/cartgraph/id/h2"]


def test_ask_prints_true_or_false(small: tuple[Path, Path]) -> None:
    assert run_small(small, "ASK { cgr:h1 a cg:Hospital }").stdout == "true\n"
    assert run_small(small, "ASK { cgr:p1 a cg:Hospital }").stdout == "false\n"
    doc = json.loads(run_small(small, "--format", "json", "ASK { ?s ?p ?o }").stdout)
    assert doc["boolean"] is True


def test_construct_turtle_is_the_same_graph(small: tuple[Path, Path]) -> None:
    text = "CONSTRUCT { ?h rdfs:label ?l } WHERE { ?h a cg:Hospital ; rdfs:label ?l }"
    result = run_small(small, text)
    assert result.exit_code == 0
    got = rdflib.Graph().parse(data=result.stdout, format="turtle")
    expected = rdflib.Graph().parse(data=SMALL, format="turtle")
    expected.remove((None, rdflib.RDF.type, None))
    expected.remove((rdflib.URIRef("https://w3id.org/cartgraph/id/p1"), None, None))
    assert isomorphic(got, expected)
    assert "@prefix cgr:" in result.stdout
    nt = run_small(small, "--format", "nt", text).stdout
    assert isomorphic(rdflib.Graph().parse(data=nt, format="nt"), expected)


def test_describe_returns_the_resource(small: tuple[Path, Path]) -> None:
    result = run_small(small, "--format", "ntriples", "DESCRIBE cgr:p1")
    graph = rdflib.Graph().parse(data=result.stdout, format="nt")
    assert len(graph) == 3


def test_query_from_a_file_and_from_stdin(small: tuple[Path, Path], tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_text(HOSPITALS)
    assert "(2 rows)" in run_small(small, "-f", str(query_file)).stdout
    assert "(2 rows)" in run_small(small, "-f", "-", input=HOSPITALS).stdout


def test_param_binds_a_variable(small: tuple[Path, Path]) -> None:
    text = "SELECT ?label WHERE { ?h rdfs:label ?label }"
    result = run_small(small, "--format", "csv", "--param", "h=cgr:h1", text)
    assert result.stdout.splitlines() == ["label", "Hospital One"]


@pytest.mark.parametrize(("args", "message"), [
    (["SELECT * WHERE {\n  ?s ?p\n}"], "query:3:"),
    (["INSERT DATA { cgr:a cgr:b cgr:c }"], "updates are refused"),
    (["DELETE WHERE { ?s ?p ?o }"], "updates are refused"),
    (["LOAD <http://127.0.0.1:9/x.ttl>"], "updates are refused"),
    (["SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"],
     "SERVICE is refused"),
    (["-f", "/nonexistent/q.rq"], "/nonexistent/q.rq: cannot read"),
    (["--name", "no-such-query"], "no named query 'no-such-query'"),
    (["SELECT * WHERE { ?s undeclared:p ?o }"], "query:1:"),
])
def test_bad_queries_are_one_line_and_exit_1(small: tuple[Path, Path], args: list[str],
                                             message: str) -> None:
    result = run_small(small, *args)
    assert result.exit_code == 1, result.stdout
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [
    ["--format", "csv", "ASK { ?s ?p ?o }"],
    ["--format", "turtle", "SELECT * WHERE { ?s ?p ?o }"],
    ["--format", "csv", "CONSTRUCT WHERE { ?s ?p ?o }"],
    ["--format", "yaml", "SELECT * WHERE { ?s ?p ?o }"],
    ["SELECT * WHERE { ?s ?p ?o }", "--name", "cd19-diseases"],
    [],
    ["--param", "novalue", "SELECT * WHERE { ?s ?p ?o }"],
])
def test_usage_errors_exit_2(small: tuple[Path, Path], args: list[str]) -> None:
    result = run_small(small, *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_updates_leave_the_store_unchanged(small: tuple[Path, Path]) -> None:
    before = run_small(small, "--format", "nquads", "CONSTRUCT WHERE { ?s ?p ?o }").stdout
    run_small(small, "DELETE WHERE { ?s ?p ?o }")
    after = run_small(small, "--format", "nquads", "CONSTRUCT WHERE { ?s ?p ?o }").stdout
    assert before == after and before


def test_timeout_stops_a_runaway_query(small: tuple[Path, Path]) -> None:
    slow = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
            "?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }")
    proc = subprocess.run(
        [sys.executable, "-m", "cartgraph", "--store", str(small[0]), "query", "--timeout",
         "1", slow], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "cartgraph: error: query timed out after 1 s"


def test_union_default_graph_and_graph_patterns(memory_store: Store) -> None:
    rows = memory_store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
    graphs = [r["g"] for r in rows]
    assert "https://w3id.org/cartgraph/graph/provenance" in graphs
    assert "https://w3id.org/cartgraph/id/source-ontology" in graphs
    union = memory_store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(union[0]["n"]) > 0


def test_predeclared_prefixes_work_with_and_without_prefixed_names(memory_store: Store
                                                                   ) -> None:
    hospitals = "SELECT ?s WHERE { ?s a cg:Hospital } ORDER BY ?s"
    full = "SELECT ?s WHERE { ?s a <https://w3id.org/cartgraph/vocab#Hospital> } ORDER BY ?s"
    assert memory_store.select(hospitals) == memory_store.select(full) != []
    # `<cg:x&&?n>` looks like an IRI to the quick scan; the prefix must still resolve
    tricky = "ASK { VALUES ?n { 1 } FILTER(?n<cg:x&&?n>0) }"
    assert memory_store.query(tricky).__bool__() is False


def test_query_kind_ignores_keywords_in_strings_and_comments() -> None:
    assert query_kind('SELECT ?s WHERE { ?s rdfs:label "INSERT DATA" }') == "select"
    assert query_kind("# DELETE everything\nASK { ?s ?p ?o }") == "ask"
    assert query_kind("PREFIX x: <http://x/DELETE#> CONSTRUCT WHERE { ?s ?p ?o }") == \
        "construct"
    assert query_kind("prefix a: <http://a/>\ninsert data { a:a a:b a:c }") == "update"


def test_parse_value_makes_typed_terms() -> None:
    assert parse_value("cgr:sle") == ox.NamedNode("https://w3id.org/cartgraph/id/sle")
    assert parse_value("20") == ox.Literal(
        "20", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    assert parse_value('"cgr:sle"') == ox.Literal("cgr:sle")
    assert parse_value("plain words") == ox.Literal("plain words")


def test_every_named_query_runs_on_the_bundled_graph(bundled_store: Store) -> None:
    found = named_queries()
    assert len(found) >= 12
    for nq in found.values():
        assert nq.title and nq.description, nq.name
        result = bundled_store.query(nq.text, params=nq.bindings({}), source=f"{nq.name}.rq")
        if nq.kind == "select":
            assert list(result), f"{nq.name} returned no rows"


def test_queries_lists_names_and_titles(run) -> None:  # type: ignore[no-untyped-def]
    result = run("queries")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == [f"{nq.name}\t{nq.title}" for nq in named_queries().values()]
    doc = json.loads(run("queries", "--format", "json").stdout)
    assert {d["name"] for d in doc} == set(named_queries())
    assert all({"title", "description", "params"} <= set(d) for d in doc)


def test_params_bind_in_construct_where_not_in_its_template(small: tuple[Path, Path]) -> None:
    text = "CONSTRUCT { ?h rdfs:label ?l } WHERE { ?h rdfs:label ?l }"
    result = run_small(small, "--format", "nt", "--param", "h=cgr:h2", text)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "/h2>" in result.stdout
