"""RDFS entailment: subclasses and sub-properties, on by default, off on request."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner, Result

from cartgraph import Store
from cartgraph.cli import cli
from cartgraph.entailment import NONE_PROPERTY, Schema, entail, rewrite
from cartgraph.ingest import ImportOptions, import_files
from cartgraph.query import named_queries
from cartgraph.server import ServerOptions, start
from helpers_server import request

DISEASES = "SELECT ?d ?name WHERE { ?d a cg:Disease ; rdfs:label ?name }"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"


def rows(store: Store, text: str, **kwargs: str) -> list[tuple[str, ...]]:
    result = store.query(text, **kwargs)
    names = [v.value for v in result.variables]
    return [tuple(str(r[n].value) if r[n] is not None else "" for n in names) for r in result]


def test_the_newcomers_query_answers_with_the_subclass_instances(
        run: Callable[..., Result]) -> None:
    result = run("query", "--format", "csv", DISEASES)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "d,name"
    assert "https://w3id.org/cartgraph/id/sle,Systemic lupus erythematosus" in lines
    none = run("query", "--format", "csv", "--entailment", "none", DISEASES)
    # without entailment only what is typed cg:Disease itself answers: not SLE, an
    # cg:AutoimmuneDisease
    assert none.exit_code == 0 and none.stdout.splitlines()[0] == "d,name"
    assert set(none.stdout.splitlines()) < set(lines)
    assert not any("/id/sle," in line for line in none.stdout.splitlines())
    bad = run("query", "--entailment", "owl", DISEASES)
    assert bad.exit_code == 2


def test_the_python_api_entails_by_default(bundled_store: Store) -> None:
    found = {r["d"] for r in bundled_store.select(DISEASES)}
    assert "https://w3id.org/cartgraph/id/sle" in found
    plain = {r[0] for r in rows(bundled_store, DISEASES, entailment="none")}
    assert "https://w3id.org/cartgraph/id/sle" not in plain and plain < found
    assert {r[0] for r in rows(bundled_store, DISEASES, entailment="rdfs")} == found


def test_sub_properties_count_as_their_parents(bundled_store: Store) -> None:
    text = "SELECT ?id WHERE { cgr:sle cg:externalId ?id }"
    assert ("MONDO:0007915",) in rows(bundled_store, text)
    assert rows(bundled_store, text, entailment="none") == []
    # and further up: cg:externalId is itself a sub-property of dcterms:identifier
    text = "SELECT ?id WHERE { cgr:sle dcterms:identifier ?id }"
    assert ("MONDO:0007915",) in rows(bundled_store, text)


def test_a_variable_class_lists_every_superclass(bundled_store: Store) -> None:
    classes = {r[0] for r in rows(bundled_store, "SELECT ?c WHERE { cgr:sle a ?c }")}
    vocab = "https://w3id.org/cartgraph/vocab#"
    assert {vocab + "AutoimmuneDisease", vocab + "Disease"} <= classes
    assert {r[0] for r in rows(bundled_store, "SELECT ?c WHERE { cgr:sle a ?c }",
                               entailment="none")} == {vocab + "AutoimmuneDisease"}


def test_subclass_of_is_transitive(bundled_store: Store) -> None:
    text = "SELECT ?super WHERE { cg:Hospital rdfs:subClassOf ?super }"
    found = {r[0] for r in rows(bundled_store, text)}
    assert "http://www.w3.org/ns/prov#Organization" in found  # via cg:Organisation
    assert len(found) > len(rows(bundled_store, text, entailment="none"))


def test_an_entity_typed_with_a_class_and_its_subclass_is_one_answer(tmp_path: Path) -> None:
    data = tmp_path / "both.ttl"
    data.write_text("@prefix cg: <https://w3id.org/cartgraph/vocab#> .\n"
                    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                    "<https://example.org/d> a cg:Disease , cg:AutoimmuneDisease ;\n"
                    "  rdfs:label \"Both\" .\n")
    store = Store.open(tmp_path / "store")
    import_files(store, [str(data)], ImportOptions(shacl=False))
    text = "SELECT ?d WHERE { ?d a cg:Disease } "
    counts = Counter(r[0] for r in rows(store, text))
    assert counts["https://example.org/d"] == 1
    count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a cg:Disease }"
    assert rows(store, count) == [(str(len(counts)),)]


def test_every_named_query_answers_at_least_as_much_with_entailment(bundled_store: Store
                                                                    ) -> None:
    for name, nq in named_queries().items():
        if nq.kind != "select":
            continue
        plain = Counter(rows(bundled_store, nq.text, entailment="none"))
        entailed = Counter(rows(bundled_store, nq.text))
        if "COUNT(" in nq.text.upper():  # counts per class grow: superclasses count too
            assert len(entailed) >= len(plain), name
        else:
            assert not plain - entailed, name


@pytest.mark.parametrize(("text", "expected"), [
    # plain predicates become paths; everything else stays as written
    ("SELECT * { ?x a cg:C }",
     f"SELECT * {{ ?x ({TYPE}/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*|"
     f"<{NONE_PROPERTY}>) cg:C }}"),
    ("SELECT * { GRAPH ?g { ?x a cg:C } }", None),
    ("SELECT * { ?x rdf:type/rdfs:subClassOf* cg:C }", None),
    ("SELECT * { ?x ?p cg:C }", None),
    ("CONSTRUCT WHERE { ?x a cg:C }", None),
    ('SELECT * { ?x rdfs:label "?y a cg:C" } # ?z a cg:C', None),
    ("SELECT * { VALUES ?x { cg:a } ?x cg:q ?y }", None),
    ("SELECT * { ?x ?p ?y", None),  # not SPARQL: left for the engine to report
])
def test_rewrite(text: str, expected: str | None) -> None:
    assert rewrite(text) == (text if expected is None else expected)


def test_rewrite_reaches_nested_patterns_but_not_templates() -> None:
    text = ("CONSTRUCT { ?x a cg:C } WHERE { ?x cg:p [ a cg:D ] . "
            "OPTIONAL { ?x a cg:E } FILTER NOT EXISTS { ?x a cg:F } "
            "{ SELECT ?x WHERE { ?x a cg:G } LIMIT 1 } }")
    out = rewrite(text)
    assert out.startswith("CONSTRUCT { ?x a cg:C } WHERE {")
    for c in "DEFG":
        assert f"|<{NONE_PROPERTY}>) cg:{c}" in out


def test_the_schema_decides_the_form_and_is_read_only_when_needed() -> None:
    asked: list[int] = []
    cg = "https://w3id.org/cartgraph/vocab#"
    schema = Schema(frozenset({cg + "Organisation", cg + "Entity"}), frozenset({cg + "Entity"}),
                    {cg + "id": frozenset({cg + "pmid"})})

    def read() -> Schema:
        asked.append(1)
        return schema

    assert entail("SELECT * { ?x ?p ?o }", "rdfs", read) == "SELECT * { ?x ?p ?o }"
    assert asked == []
    # a class without subclasses: the query runs as written
    assert entail("SELECT * { ?x a cg:Hospital }", "rdfs", read) == \
        "SELECT * { ?x a cg:Hospital }"
    # a class with subclasses: a path the engine joins well
    assert entail("SELECT * { ?x a cg:Organisation }", "rdfs", read) == \
        f"SELECT * {{ ?x {TYPE}/{SUBCLASS}* cg:Organisation }}"
    # a class some resource reaches twice: the path with set semantics
    assert entail("SELECT * { ?x a cg:Entity }", "rdfs", read) == \
        f"SELECT * {{ ?x ({TYPE}/{SUBCLASS}*|<{NONE_PROPERTY}>) cg:Entity }}"
    assert entail("SELECT * { ?x cg:id ?v }", "rdfs", read) == \
        f"SELECT * {{ ?x (<{cg}id>|<{cg}pmid>) ?v }}"
    assert entail("SELECT * { ?x cg:id ?v }", "none", read) == "SELECT * { ?x cg:id ?v }"


def test_the_endpoint_takes_an_entailment_parameter() -> None:
    with start(Store.memory(), ServerOptions(port=0, timeout=10)) as server:
        def ask(**params: str) -> tuple[int, bytes]:
            status, _, body = request(f"{server.url}sparql?{urlencode(params)}",
                                      headers={"Accept": "application/sparql-results+json"})
            return status, body

        def diseases(body: bytes) -> set[str]:
            return {b["d"]["value"] for b in json.loads(body)["results"]["bindings"]}

        status, body = ask(query=DISEASES)
        assert status == 200
        entailed = diseases(body)
        assert "https://w3id.org/cartgraph/id/sle" in entailed
        status, body = ask(query=DISEASES, entailment="none")
        assert status == 200 and diseases(body) < entailed
        assert "https://w3id.org/cartgraph/id/sle" not in diseases(body)
        status, body = ask(query=DISEASES, entailment="owl")
        assert status == 400 and b"entailment" in body


def test_cli_and_api_agree(store: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(store), "query", "--format", "json",
                                      DISEASES])
    data = json.loads(result.stdout)
    from_cli = sorted(b["d"]["value"] for b in data["results"]["bindings"])
    with Store.open(store) as opened:
        assert from_cli == sorted(r["d"] for r in opened.select(DISEASES))
