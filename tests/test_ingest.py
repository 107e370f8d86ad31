"""import, validate, sources, drop: what a pipeline relies on, through the CLI and the API."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from cartgraph.errors import ParseError, SourceError, ValidationError
from cartgraph.ingest import ImportOptions, import_files, read_sources, validate_files
from cartgraph.namespaces import PROVENANCE_GRAPH
from cartgraph.store import Store
from helpers_ingest import (
    EX,
    assert_error,
    assert_unchanged,
    by_graph,
    graph_of,
    run_cli,
    snapshot,
    write_shapes,
)

PREFIXES = """\
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
HOSPITAL = PREFIXES + 'ex:h a cg:Hospital ; rdfs:label "A hospital" .\n'


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    return write_shapes(tmp_path)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _sources(store: Path) -> dict[str, dict[str, object]]:
    result = run_cli(store, "sources", "--format", "json")
    assert result.exit_code == 0, result.output
    return {r["source"]: r for r in json.loads(result.stdout)}


def _parsed(path: Path, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> rdflib.Graph:
    from cartgraph.convert import to_rdflib_graph

    return to_rdflib_graph(ox.parse(path=str(path), format=fmt,
                                    base_iri=path.absolute().as_uri()))


# -- import, re-import, replace ----------------------------------------------------


def test_import_loads_one_graph_per_source_with_provenance(store: Path, tmp_path: Path,
                                                           shapes: Path) -> None:
    data = _write(tmp_path / "h.ttl", HOSPITAL)
    result = run_cli(store, "import", "--shapes", str(shapes), str(data))
    assert result.exit_code == 0, result.output
    iri = data.absolute().as_uri()
    assert result.stdout.splitlines() == [
        f"added     {data}  (2 statements -> <{iri}>)",
        "1 source: 1 added; SHACL checked"]
    assert isomorphic(graph_of(store, iri), _parsed(data))
    record = _sources(store)[iri]
    assert record["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert record["statements"] == 2
    assert record["graphs"] == [iri]
    assert record["format"] == "text/turtle"
    assert record["location"] == str(data)
    assert record["version"]
    assert record["started"] <= record["ended"]


def test_identical_bytes_are_unchanged_and_nothing_is_written(store: Path, tmp_path: Path,
                                                              shapes: Path) -> None:
    data = _write(tmp_path / "h.ttl", HOSPITAL)
    assert run_cli(store, "import", "--shapes", str(shapes), str(data)).exit_code == 0
    before = snapshot(store)
    recorded = _sources(store)[data.absolute().as_uri()]
    result = run_cli(store, "import", "--shapes", str(shapes), str(data))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"unchanged {data}  (2 statements")
    assert_unchanged(store, before)
    assert _sources(store)[data.absolute().as_uri()] == recorded  # timestamps included


def test_the_same_bytes_with_another_base_replace_the_source(store: Path, tmp_path: Path,
                                                              shapes: Path) -> None:
    data = _write(tmp_path / "h.ttl", HOSPITAL + "ex:h rdfs:seeAlso <other> .\n")
    iri = data.absolute().as_uri()

    def imported(base: str) -> list[str]:
        result = run_cli(store, "import", "--shapes", str(shapes), "--base", base, str(data))
        assert result.exit_code == 0, result.output
        return [line.split()[0] for line in result.stdout.splitlines()[:-1]]

    def targets() -> set[str]:
        return {str(o) for _s, p, o in graph_of(store, iri) if str(p).endswith("seeAlso")}

    assert imported("https://a.example/") == ["added"]
    assert targets() == {"https://a.example/other"}
    assert imported("https://b.example/") == ["replaced"]
    assert targets() == {"https://b.example/other"}
    assert _sources(store)[iri]["base"] == "https://b.example/"
    assert imported("https://b.example/") == ["unchanged"]


def test_changed_bytes_replace_what_the_source_wrote(store: Path, tmp_path: Path,
                                                    shapes: Path) -> None:
    data = _write(tmp_path / "h.ttl", HOSPITAL + 'ex:h rdfs:comment "old" .\n')
    assert run_cli(store, "import", "--shapes", str(shapes), str(data)).exit_code == 0
    _write(data, HOSPITAL + 'ex:h rdfs:comment "new" .\n')
    result = run_cli(store, "import", "--shapes", str(shapes), "--format", "json", str(data))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sources"][0]["status"] == "replaced"
    assert report["sources"][0]["removed"] == 3
    assert report["added"] == 3
    assert isomorphic(graph_of(store, data.absolute().as_uri()), _parsed(data))
    assert len(_sources(store)) == len([r for r in _sources(store)])  # one record per source


@pytest.mark.parametrize(("statements", "rewritten"), [(12000, True), (3, False)])
def test_replacing_a_big_source_rewrites_what_stays_or_deletes_what_goes(
        store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statements: int,
        rewritten: bool) -> None:
    # A source holding more than the rest of the store is replaced by rewriting the
    # rest (on disk deleting is slow); a smaller one by deleting its graph. The
    # threshold is lowered so that a small store shows both (the seeded store holds
    # about 7,500 quads).
    import cartgraph.ingest.provenance as ingest

    monkeypatch.setattr(ingest, "_REWRITE_FROM", 1)
    calls: list[bool] = []
    real = ingest._rewrite_without
    monkeypatch.setattr(ingest, "_rewrite_without",
                        lambda *a: calls.append(real(*a)) or calls[-1])

    def big(tag: str) -> str:
        return PREFIXES + "".join(f'ex:n{i} rdfs:label "{tag} {i}" .\n'
                                  for i in range(statements))

    data = _write(tmp_path / "big.ttl", big("old"))
    other = _write(tmp_path / "h.trig", PREFIXES + "ex:g { ex:h a cg:Hospital } ex:s ex:p 1 .")
    assert run_cli(store, "import", "--no-shacl", str(data), str(other)).exit_code == 0
    before = by_graph(snapshot(store).content)
    sources_before = _sources(store)
    _write(data, big("new"))
    result = run_cli(store, "import", "--no-shacl", "--format", "json", str(data))
    assert result.exit_code == 0, result.output
    assert calls == [rewritten]
    assert json.loads(result.stdout)["sources"][0]["removed"] == statements
    after = by_graph(snapshot(store).content)
    big_iri = data.absolute().as_uri()
    assert after.keys() == before.keys()
    for name in after:
        if name.strip("<>") not in {big_iri, PROVENANCE_GRAPH}:
            assert isomorphic(after[name], before[name]), name
    assert isomorphic(after[f"<{big_iri}>"], _parsed(data))
    sources = _sources(store)
    assert sources.keys() == sources_before.keys()
    assert sources[other.absolute().as_uri()] == sources_before[other.absolute().as_uri()]
    assert sources[big_iri]["sha256"] != sources_before[big_iri]["sha256"]


def test_trig_keeps_its_graph_names_and_replacement_removes_them_all(
        store: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "d.trig", PREFIXES + """
ex:s ex:p "in the default graph" .
ex:g1 { ex:s ex:p 1 }
ex:g2 { ex:s ex:p 2 }
""")
    assert run_cli(store, "import", "--no-shacl", str(data)).exit_code == 0
    iri = data.absolute().as_uri()
    record = _sources(store)[iri]
    assert record["graphs"] == sorted([iri, f"{EX}g1", f"{EX}g2"])
    assert len(graph_of(store, iri)) == 1
    assert len(graph_of(store, f"{EX}g2")) == 1
    _write(data, PREFIXES + "ex:g1 { ex:s ex:p 3 }\n")
    assert run_cli(store, "import", "--no-shacl", str(data)).exit_code == 0
    assert _sources(store)[iri]["graphs"] == [f"{EX}g1"]
    assert len(graph_of(store, f"{EX}g2")) == 0
    assert len(graph_of(store, iri)) == 0


def test_a_graph_owned_by_another_source_is_an_error(store: Path, tmp_path: Path) -> None:
    first = _write(tmp_path / "a.trig", PREFIXES + "ex:g { ex:s ex:p 1 }\n")
    second = _write(tmp_path / "b.trig", PREFIXES + "ex:g { ex:s ex:p 2 }\n")
    assert run_cli(store, "import", "--no-shacl", str(first)).exit_code == 0
    before = snapshot(store)
    message = assert_error(run_cli(store, "import", "--no-shacl", str(second)), str(second))
    assert f"graph <{EX}g> belongs to source <{first.absolute().as_uri()}>" in message
    assert_unchanged(store, before)
    message = assert_error(run_cli(store, "import", "--no-shacl", "--graph", f"{EX}g",
                                   str(second)), str(second))
    assert "belongs to source" in message


def test_no_source_may_write_the_provenance_graph(store: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "p.nq",
                  "<urn:s> <urn:p> <urn:o> <https://w3id.org/cartgraph/graph/provenance> .\n")
    before = snapshot(store)
    message = assert_error(run_cli(store, "import", "--no-shacl", str(data)), str(data))
    assert "provenance graph" in message
    assert_unchanged(store, before)


def test_a_syntax_error_in_file_3_of_5_leaves_nothing(store: Path, tmp_path: Path) -> None:
    files = [_write(tmp_path / f"f{i}.ttl", PREFIXES + f"ex:s{i} ex:p {i} .\n")
             for i in range(5)]
    _write(files[2], PREFIXES + "ex:s2 ex:p .\n")
    before = snapshot(store)
    message = assert_error(run_cli(store, "import", "--no-shacl", *map(str, files)),
                           f"{files[2]}:5:")
    assert message.count(":") >= 3
    assert_unchanged(store, before)


def test_a_shacl_violation_leaves_nothing_and_reads_well(store: Path, tmp_path: Path,
                                                        shapes: Path) -> None:
    good = _write(tmp_path / "good.ttl", HOSPITAL)
    bad = _write(tmp_path / "bad.ttl", PREFIXES + "\n\nex:nameless a cg:Hospital .\n")
    before = snapshot(store)
    result = run_cli(store, "import", "--shapes", str(shapes), str(good), str(bad))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cartgraph: error: 1 SHACL violation:",
        f"{bad}:7:1: violation: {EX}nameless rdfs:label: a hospital needs a label "
        "(shape HospitalShape)"]
    assert_unchanged(store, before)
    result = run_cli(store, "import", "--shapes", str(shapes), "--format", "json", str(bad))
    assert result.exit_code == 1
    errors = json.loads(result.stdout)["errors"]
    assert [(e["focus"], e["path"], e["message"], e["location"]) for e in errors] == [
        (f"{EX}nameless", "http://www.w3.org/2000/01/rdf-schema#label",
         "a hospital needs a label", f"{bad}:7:1")]
    result = run_cli(store, "import", "--no-shacl", str(bad))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "1 source: 1 added; SHACL skipped (--no-shacl)"


def test_shacl_sees_the_types_of_what_the_input_refers_to(store: Path, tmp_path: Path) -> None:
    shapes = _write(tmp_path / "shapes.ttl", """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
<urn:shape> a sh:NodeShape ; sh:targetClass cg:PatientCase ;
    sh:property [ sh:path cg:treatedAt ; sh:class cg:Hospital ; sh:message "not a hospital" ] .
""")
    first = _write(tmp_path / "h.ttl", HOSPITAL)
    assert run_cli(store, "import", "--no-shacl", str(first)).exit_code == 0
    ok = _write(tmp_path / "ok.ttl", PREFIXES + "ex:c a cg:PatientCase ; cg:treatedAt ex:h .\n")
    bad = _write(tmp_path / "bad.ttl", PREFIXES + "ex:c2 a cg:PatientCase ; cg:treatedAt ex:x .\n")
    assert run_cli(store, "import", "--shapes", str(shapes), str(ok)).exit_code == 0
    result = run_cli(store, "import", "--shapes", str(shapes), str(bad))
    assert result.exit_code == 1
    assert "not a hospital" in result.stderr


def test_ill_typed_literals_are_errors(store: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "d.ttl", PREFIXES + 'ex:s ex:when "2021-13-45"^^xsd:date .\n')
    before = snapshot(store)
    message = assert_error(run_cli(store, "import", "--no-shacl", str(data)), f"{data}:5:")
    assert message.endswith('ill-typed literal "2021-13-45"^^xsd:date')
    assert_unchanged(store, before)
    with pytest.raises(ValidationError):
        validate_files([str(data)], ImportOptions(shacl=False))


def test_terms_missing_from_the_ontology_are_warnings_with_a_hint(tmp_path: Path) -> None:
    data = _write(tmp_path / "d.ttl",
                  PREFIXES + "ex:c a cg:PatientCase ;\n  cg:treatedAtt ex:h .\n")
    report = validate_files([str(data)], ImportOptions(shacl=False))
    assert report.warnings == [
        f"{data}:6:3: cg:treatedAtt is not in the ontology (did you mean cg:treatedAt?)"]
    result = run_cli(None, "validate", "--no-shacl", str(data))
    assert result.exit_code == 0
    assert f"warning: {report.warnings[0]}" in result.stdout.splitlines()


def test_dry_run_reports_and_writes_nothing(store: Path, tmp_path: Path) -> None:
    same = _write(tmp_path / "same.ttl", PREFIXES + "ex:a ex:p 1 .\n")
    changed = _write(tmp_path / "changed.ttl", PREFIXES + "ex:b ex:p 1 .\nex:b ex:p 2 .\n")
    assert run_cli(store, "import", "--no-shacl", str(same), str(changed)).exit_code == 0
    _write(changed, PREFIXES + "ex:b ex:p 3 .\n")
    new = _write(tmp_path / "new.ttl", PREFIXES + "ex:c ex:p 1 .\nex:c ex:p 2 .\n")
    before = snapshot(store)
    result = run_cli(store, "import", "--no-shacl", "--dry-run", "--format", "json",
                     str(same), str(changed), str(new))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["status"], r["statements"], r["removed"]) for r in report["sources"]] == [
        ("unchanged", 1, 0), ("replaced", 1, 2), ("added", 2, 0)]
    assert (report["dry_run"], report["added"], report["removed"]) == (True, 3, 2)
    assert_unchanged(store, before)
    text = run_cli(store, "import", "--no-shacl", "--dry-run", str(new)).stdout
    assert "would change (dry run)" in text


def test_sources_and_drop(store: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "d.ttl", PREFIXES + "ex:a ex:p 1 .\n")
    assert run_cli(store, "import", "--no-shacl", str(data)).exit_code == 0
    listed = run_cli(store, "sources").stdout.splitlines()
    assert any(line.startswith(f"{data}\t{data.absolute().as_uri()}\t1 statements")
               for line in listed)
    before = snapshot(store)
    result = run_cli(store, "drop", str(data))
    assert result.stdout == f"dropped {data} (1 statements, 1 graph)\n"
    assert data.absolute().as_uri() not in _sources(store)
    assert len(graph_of(store, data.absolute().as_uri())) == 0
    assert snapshot(store).current != before.current
    assert_error(run_cli(store, "drop", str(data)), f"{data}: no such source")
    # by IRI, and a bundled source too
    assert run_cli(store, "drop", "https://w3id.org/cartgraph/id/source-ontology").exit_code == 0


def test_standard_input_needs_a_graph_and_a_format(store: Path) -> None:
    ttl = PREFIXES + "ex:a ex:p 1 .\n"
    assert_error(run_cli(store, "import", "--no-shacl", "-", input=ttl), "-: standard input")
    assert_error(run_cli(store, "import", "--no-shacl", "--graph", f"{EX}in", "-", input=ttl),
                 "-: standard input needs --input-format")
    result = run_cli(store, "import", "--no-shacl", "--graph", f"{EX}in", "--input-format",
                     "turtle", "-", input=ttl)
    assert result.exit_code == 0, result.output
    assert len(graph_of(store, f"{EX}in")) == 1
    result = run_cli(store, "import", "--no-shacl", "--graph", f"{EX}in", "--input-format",
                     "turtle", "-", input=ttl)
    assert result.stdout.startswith("unchanged -")


def test_formats_by_extension_case_and_gzip(store: Path, tmp_path: Path) -> None:
    nt = '<https://example.org/a> <https://example.org/p> "x" .\n'
    files = [_write(tmp_path / "a.NT", nt)]
    (tmp_path / "b.nq.gz").write_bytes(gzip.compress(
        b'<https://example.org/a> <https://example.org/p> "y" <https://example.org/gz> .\n'))
    files.append(tmp_path / "b.nq.gz")
    files.append(_write(tmp_path / "c.jsonld", json.dumps(
        {"@id": f"{EX}a", f"{EX}p": "z"})))
    files.append(_write(tmp_path / "d.RDF", f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
  <rdf:Description rdf:about="{EX}a"><ex:p>w</ex:p></rdf:Description>
</rdf:RDF>
"""))
    files.append(_write(tmp_path / "e.data", nt.replace('"x"', '"v"')))
    assert_error(run_cli(store, "import", "--no-shacl", str(files[-1])),
                 f"{files[-1]}: unknown file extension")
    result = run_cli(store, "import", "--no-shacl", "--format", "json", *map(str, files[:-1]))
    assert result.exit_code == 0, result.output
    formats = {r["location"]: r["format"] for r in _sources(store).values()}
    assert [formats[str(f)] for f in files[:-1]] == [
        "application/n-triples", "application/n-quads", "application/ld+json",
        "application/rdf+xml"]
    assert len(graph_of(store, f"{EX}gz")) == 1
    result = run_cli(store, "import", "--no-shacl", "--input-format", "nt", str(files[-1]))
    assert result.exit_code == 0, result.output
    # the same bytes read as another format are a change (and here a parse error)
    assert_error(run_cli(store, "import", "--no-shacl", "--input-format", "rdfxml",
                         str(files[0])), f"{files[0]}:1:")


def test_source_id_and_base(store: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "rel.ttl", "<a> <p> <b> .\n")
    result = run_cli(store, "import", "--no-shacl", "--source-id", "rel", "--base",
                     f"{EX}base/", str(data))
    assert result.exit_code == 0, result.output
    source = "https://w3id.org/cartgraph/id/source-rel"
    assert _sources(store)[source]["graphs"] == [source]
    triples = list(graph_of(store, source))
    assert triples == [(rdflib.URIRef(f"{EX}base/a"), rdflib.URIRef(f"{EX}base/p"),
                        rdflib.URIRef(f"{EX}base/b"))]


# -- semantics worth pinning -----------------------------------------------------------


def test_counts_and_hashes_come_from_the_parsed_input(tmp_path: Path) -> None:
    # "+1" and "1" are two triples in the file; Oxigraph stores both as "1"
    data = _write(tmp_path / "n.ttl",
                  PREFIXES + 'ex:a ex:p "+1"^^xsd:integer , "1"^^xsd:integer .\n')
    store = Store.memory(seed=False)
    report = import_files(store, [str(data)], ImportOptions(shacl=False))
    assert report.results[0].statements == 2
    record = read_sources(store)[data.absolute().as_uri()]
    assert record.statements == 2
    assert record.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    stored = list(store.ox.quads_for_pattern(None, None, None, ox.NamedNode(record.source)))
    assert [q.object.value for q in stored] == ["1"]


def test_the_union_default_graph_counts_a_triple_in_two_graphs_twice(tmp_path: Path) -> None:
    """pyoxigraph 0.5.13: the union default graph is a bag, not a set (pinned)."""
    store = Store.memory(seed=False)
    for name in ("one", "two"):
        import_files(store, [str(_write(tmp_path / f"{name}.nt",
                                        "<urn:s> <urn:p> <urn:o> .\n"))],
                     ImportOptions(shacl=False))
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { <urn:s> <urn:p> <urn:o> }")
    assert rows == [{"n": "2"}]
    rows = store.select("SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { <urn:s> <urn:p> ?o }")
    assert rows == [{"n": "1"}]


def test_blank_nodes_of_two_sources_stay_apart(tmp_path: Path) -> None:
    store = Store.memory(seed=False)
    for name in ("one", "two"):
        import_files(store, [str(_write(tmp_path / f"{name}.nt",
                                        f'_:b <urn:p> "{name}" .\n'))],
                     ImportOptions(shacl=False))
    rows = store.select("SELECT (COUNT(DISTINCT ?b) AS ?n) WHERE { ?b <urn:p> ?o }")
    assert rows == [{"n": "2"}]


def test_memory_store_import_is_all_or_nothing_too(tmp_path: Path) -> None:
    store = Store.memory(seed=False)
    good = _write(tmp_path / "good.nt", "<urn:s> <urn:p> <urn:o> .\n")
    bad = _write(tmp_path / "bad.nt", "<urn:s> <urn:p> .\n")
    with pytest.raises(ParseError):
        import_files(store, [str(good), str(bad)], ImportOptions(shacl=False))
    assert len(store.ox) == 0
    import_files(store, [str(good)], ImportOptions(shacl=False))
    other = _write(tmp_path / "other.nq", "<urn:s> <urn:p> <urn:o> <urn:g> .\n")
    import_files(store, [str(other)], ImportOptions(shacl=False))
    steal = _write(tmp_path / "steal.nq", "<urn:x> <urn:p> <urn:o> <urn:g> .\n")
    with pytest.raises(SourceError):
        import_files(store, [str(steal)], ImportOptions(shacl=False))


def test_validate_never_creates_a_store(tmp_path: Path, shapes: Path) -> None:
    data = _write(tmp_path / "h.ttl", HOSPITAL)
    result = run_cli(tmp_path / "nostore", "validate", "--shapes", str(shapes), str(data))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"valid     {data}  (2 statements -> <{data.absolute().as_uri()}>)",
        "1 source: 1 valid; SHACL checked"]
    assert not (tmp_path / "nostore").exists()


# -- validate: every file, readable SHACL results -----------------------------------

AGE_SHAPES = """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://example.org/shapes#> .

ex:CaseShape a sh:NodeShape ;
    sh:targetClass cg:PatientCase ;
    sh:property [
        sh:path cg:ageAtTreatment ; sh:datatype xsd:integer ;
        sh:minInclusive 0 ; sh:maxInclusive 130 ;
        sh:message "an age is a whole number from 0 to 130" ] .
"""


def test_validate_reports_every_file_before_failing(tmp_path: Path, shapes: Path) -> None:
    good = _write(tmp_path / "good.ttl", HOSPITAL)
    syntax = _write(tmp_path / "syntax.ttl", PREFIXES + "\nex:a ex:p .\n")
    typed = _write(tmp_path / "typed.ttl", PREFIXES + 'ex:s ex:when "2021-13-45"^^xsd:date .\n')
    missing = tmp_path / "missing.ttl"
    nameless = _write(tmp_path / "nameless.ttl", PREFIXES + "ex:n a cg:Hospital .\n")
    result = run_cli(None, "validate", "--shapes", str(shapes), *map(str, [
        syntax, good, missing, typed, nameless]))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"cartgraph: error: {syntax}:6:")
    assert lines[1] == f"{missing}: no such file"
    assert lines[2].startswith(f"{typed}:5:") and "2021-13-45" in lines[2]
    assert lines[3:5] == ["1 SHACL violation:",
                          f"{nameless}:5:1: violation: {EX}n rdfs:label: a hospital needs a "
                          "label (shape HospitalShape)"]
    assert lines[5:] == ["4 of 5 inputs failed validation"]
    assert "Traceback" not in result.output
    # the same in JSON: one entry per problem
    result = run_cli(None, "validate", "--shapes", str(shapes), "--format", "json",
                     *map(str, [syntax, good, nameless]))
    errors = json.loads(result.stdout)["errors"]
    assert [e.get("location") or e["message"].split(": ")[0].rsplit(":", 2)[0]
            for e in errors] == [str(syntax), f"{nameless}:5:1"]


def test_validate_stops_listing_after_a_limit(tmp_path: Path) -> None:
    from cartgraph.ingest.pipeline import MAX_FILE_ERRORS

    files = [str(_write(tmp_path / f"bad{i:02}.ttl", "nonsense\n"))
             for i in range(MAX_FILE_ERRORS + 5)]
    with pytest.raises(ValidationError) as caught:
        validate_files(files, ImportOptions(shacl=False))
    lines = str(caught.value).splitlines()
    assert len(lines) == MAX_FILE_ERRORS + 2
    assert lines[-2] == (f"stopped after {MAX_FILE_ERRORS} errors; files after that were "
                         "not checked")
    assert all(line.startswith(f"{files[i]}:1:") for i, line in enumerate(lines[:-2]))


def test_one_bad_value_is_one_shacl_result_at_its_line_naming_its_shape(
        tmp_path: Path) -> None:
    shapes = _write(tmp_path / "age.ttl", AGE_SHAPES)
    data = _write(tmp_path / "case.ttl", PREFIXES + """
ex:p1 a cg:PatientCase ;
    rdfs:label "P1" ;
    cg:ageAtTreatment "old" .
""")
    result = run_cli(None, "validate", "--shapes", str(shapes), str(data))
    assert result.exit_code == 1
    # the value breaks three constraints of one shape: one line, at the statement
    assert result.stderr.splitlines() == [
        "cartgraph: error: 1 SHACL violation:",
        f"{data}:8:23: violation: {EX}p1 cg:ageAtTreatment: an age is a whole number "
        "from 0 to 130 (value: old; shape CaseShape)"]
    result = run_cli(None, "validate", "--shapes", str(shapes), "--format", "json", str(data))
    [error] = json.loads(result.stdout)["errors"]
    assert error["shape"] == "https://example.org/shapes#CaseShape"
    assert error["location"] == f"{data}:8:23"
    assert error["constraints"] == ["sh:DatatypeConstraintComponent",
                                    "sh:MaxInclusiveConstraintComponent",
                                    "sh:MinInclusiveConstraintComponent"]


def test_shacl_results_in_ntriples_are_placed_on_their_own_line(tmp_path: Path) -> None:
    shapes = _write(tmp_path / "age.ttl", AGE_SHAPES)
    cg = "https://w3id.org/cartgraph/vocab#"
    data = _write(tmp_path / "cases.nt", "".join([
        f"<{EX}a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{cg}PatientCase> .\n",
        f'<{EX}a> <{cg}ageAtTreatment> "40"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        f"<{EX}b> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{cg}PatientCase> .\n",
        f'<{EX}b> <{cg}ageAtTreatment> "200"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
    ]))
    result = run_cli(None, "validate", "--shapes", str(shapes), str(data))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].startswith(f"{data}:4:")
