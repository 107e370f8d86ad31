"""The commands against a real SPARQL server (`oxigraph serve`), through `--store URL`."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner, Result
from rdflib.compare import isomorphic

from cartgraph import Store
from cartgraph.bundled import bundled_files
from cartgraph.cli import cli
from cartgraph.errors import QueryError, RemoteError, StoreError
from cartgraph.ingest import ImportOptions, import_files
from cartgraph.query import named_queries, write_result
from cartgraph.remote import RemoteStore, default_update_url
from cartgraph.store import GraphStore
from helpers_ingest import write_shapes
from helpers_server import cartgraph_serve, free_port, oxigraph_serve

pytestmark = [pytest.mark.server, pytest.mark.needs("oxigraph")]

SMALL = """\
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/> .
ex:h1 a cg:Hospital ; rdfs:label "Hospital One" ; cg:locatedIn ex:c1 .
ex:c1 a cg:City ; rdfs:label "City \\"One\\"\\nwith a newline" .
ex:h2 a cg:Hospital ; rdfs:label "Hospital Two" ; cg:partOf [ rdfs:label "a blank node" ] .
"""
ORDERED = ("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != "
           "<https://w3id.org/cartgraph/graph/provenance>) FILTER(!isBlank(?s) && !isBlank(?o)) }"
           " ORDER BY ?s ?p ?o")
Run = Callable[..., Result]


@pytest.fixture
def url() -> Iterator[str]:
    with oxigraph_serve() as query_url:
        yield query_url


@pytest.fixture
def run(url: str) -> Run:
    runner = CliRunner()

    def call(*args: str, store: str | None = None, env: dict[str, str] | None = None,
             input: str | None = None) -> Result:
        return runner.invoke(cli, ["--store", store or url, *args], env=env, input=input)

    return call


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.ttl"
    path.write_text(SMALL)
    return path


@pytest.fixture
def shapes(tmp_path: Path) -> Path:
    return write_shapes(tmp_path)


def dump(run: Run) -> list[str]:
    result = run("export", "-o", "-", "--format", "nquads")
    assert result.exit_code == 0, result.output
    return sorted(result.stdout.splitlines())


def bundled_paths() -> list[str]:
    return [str(f.path) for f in bundled_files()]


def test_update_url_defaults() -> None:
    assert default_update_url("http://h:7878/query") == "http://h:7878/update"
    assert default_update_url("http://h/ds/query") == "http://h/ds/update"
    assert default_update_url("http://h/sparql") == "http://h/sparql"
    with pytest.raises(StoreError, match="not an http"):
        RemoteStore("ftp://h/query")


def test_import_query_export_sources_drop(run: Run, small: Path, shapes: Path) -> None:
    result = run("import", str(small), "--shapes", str(shapes))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"added     {small}  (9 statements -> <{small.as_uri()}>)")
    result = run("import", str(small), "--shapes", str(shapes))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("unchanged ")

    result = run("query", "SELECT ?label WHERE { ?h a cg:Hospital ; rdfs:label ?label } "
                 "ORDER BY ?label", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"label\r\nHospital One\r\nHospital Two\r\n"

    result = run("export", "-o", "-", "--format", "ntriples", "--graph", small.as_uri())
    assert result.exit_code == 0, result.output
    exported = rdflib.Graph().parse(data=result.stdout, format="nt")
    assert isomorphic(exported, rdflib.Graph().parse(small, format="turtle"))

    result = run("sources", "--format", "json")
    records = json.loads(result.stdout)
    assert [(r["location"], r["statements"], r["graphs"]) for r in records] == [
        (str(small), 9, [small.as_uri()])]

    result = run("drop", str(small))
    assert result.exit_code == 0, result.output
    assert result.stdout == "dropped " + str(small) + " (9 statements, 1 graph)\n"
    assert dump(run) == []
    assert json.loads(run("sources", "--format", "json").stdout) == []


def test_bundled_data_reimports_unchanged_and_matches_a_local_store(run: Run) -> None:
    paths = bundled_paths()
    result = run("import", *paths, "--no-shacl")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == \
        f"{len(paths)} sources: {len(paths)} added; SHACL skipped (--no-shacl)"
    result = run("import", *paths)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == \
        f"{len(paths)} sources: {len(paths)} unchanged; SHACL checked"

    local = Store.memory(seed=False)
    import_files(local, paths, ImportOptions(shacl=False))
    for fmt in ("table", "csv", "tsv", "json", "xml"):
        remote_out = run("query", ORDERED, "--format", fmt)
        assert remote_out.exit_code == 0, remote_out.output
        buffer = io.BytesIO()
        write_result(local.query(ORDERED), fmt, buffer)
        assert remote_out.stdout_bytes == buffer.getvalue(), fmt
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g != " \
                "<https://w3id.org/cartgraph/graph/provenance>) " \
                "FILTER(!isBlank(?s) && !isBlank(?o)) }"
    for fmt, parser in (("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                        ("rdfxml", "xml")):
        remote_out = run("query", construct, "--format", fmt)
        assert remote_out.exit_code == 0, remote_out.output
        got = rdflib.Graph().parse(data=remote_out.stdout_bytes, format=parser)
        want = rdflib.Graph()
        for t in local.query(construct):
            want.parse(data=f"{t} .", format="nt")
        assert isomorphic(got, want), fmt


def test_bad_input_leaves_the_remote_store_unchanged(run: Run, small: Path, shapes: Path,
                                                     tmp_path: Path) -> None:
    assert run("import", str(small), "--shapes", str(shapes)).exit_code == 0
    before = dump(run)
    assert len(before) > 8  # the data and its provenance
    broken = tmp_path / "broken.ttl"
    broken.write_text(SMALL + "ex:h3 a cg:Hospital ; rdfs:label \"unterminated .\n")
    invalid = tmp_path / "invalid.ttl"
    invalid.write_text("@prefix cg: <https://w3id.org/cartgraph/vocab#> .\n"
                       "<https://example.org/h9> a cg:Hospital .\n")
    changed = tmp_path / "changed.ttl"
    changed.write_text(SMALL.replace("Hospital Two", "Hospital 2"))
    for args, message in [
        ([str(broken)], f"{broken}:7:"),
        ([str(invalid)], "a hospital needs a label"),
        ([str(changed), str(broken)], f"{broken}:7:"),
        ([str(tmp_path / "missing.ttl")], "no such file"),
    ]:
        result = run("import", *args, "--shapes", str(shapes))
        assert result.exit_code == 1, result.output
        assert message in result.stderr
        assert dump(run) == before
    result = run("import", str(small), "--graph", "https://w3id.org/cartgraph/graph/provenance",
                 "--shapes", str(shapes))
    assert result.exit_code == 1
    assert dump(run) == before


def test_query_errors_are_one_line(run: Run, tmp_path: Path) -> None:
    result = run("query", "SELECT ?s\nWHERE { ?s a cg:Hospital")
    assert result.exit_code == 1
    assert result.stderr.startswith("cartgraph: error: query:2:")
    assert result.stderr.count("\n") == 1
    result = run("query", "CLEAR ALL")
    assert result.exit_code == 1 and "updates are refused" in result.stderr
    closed = f"http://127.0.0.1:{free_port()}/query"
    result = run("query", "ASK {}", store=closed)
    assert result.exit_code == 1
    assert result.stderr == f"cartgraph: error: {closed}: cannot connect: Connection refused\n"
    result = run("backup", str(tmp_path / "copy"))
    assert result.exit_code == 1 and "local stores only" in result.stderr


def test_the_library_api(url: str, small: Path) -> None:
    store = RemoteStore(url)
    assert store.location == url
    assert isinstance(store, GraphStore)
    assert not store.capabilities.atomic_writes and not store.capabilities.local_reads
    import_files(store, [str(small)], ImportOptions(shacl=False))
    rows = store.select("SELECT ?label WHERE { ?h a cg:Hospital ; rdfs:label ?label } "
                        "ORDER BY ?label")
    assert rows == [{"label": "Hospital One"}, {"label": "Hospital Two"}]
    bound = store.select("SELECT ?label WHERE { ?h rdfs:label ?label }",
                         h="https://example.org/h2")
    assert bound == [{"label": "Hospital Two"}]
    assert len(store.quads(ox.NamedNode(small.as_uri()))) == 9
    assert store.refresh() is False
    with pytest.raises(QueryError, match=r"^query:1:"):
        store.query("SELECT * WHERE {")
    with pytest.raises(RemoteError, match="404"):
        RemoteStore(url.replace("/query", "/nothing")).query("ASK {}")


def test_named_query_with_parameter(run: Run) -> None:
    assert run("import", *bundled_paths(), "--no-shacl").exit_code == 0
    local = Store.memory(seed=False)
    import_files(local, bundled_paths(), ImportOptions(shacl=False))
    name = next(n for n, q in named_queries().items() if q.params and q.kind == "select")
    remote_out = run("query", "--name", name, "--format", "json")
    assert remote_out.exit_code == 0, remote_out.output
    got = json.loads(remote_out.stdout)["results"]["bindings"]
    nq = named_queries()[name]
    want = local.select(nq.text, **nq.bindings({}))
    assert len(got) == len(want)


def test_stats_and_view_on_a_remote_store(url: str, run: Run, tmp_path: Path) -> None:
    pytest.importorskip("cartgraph.analytics")
    files = bundled_files()  # as the seed imports them: same source IRIs, same graphs
    import_files(RemoteStore(url), [str(f.path) for f in files],
                 ImportOptions(sources=[f.source for f in files], shacl=False))
    result = run("stats", "--format", "json")
    assert result.exit_code == 0, result.output
    remote_stats = json.loads(result.stdout)
    local = tmp_path / "local"
    Store.open(local).close()
    local_stats = json.loads(CliRunner().invoke(
        cli, ["--store", str(local), "stats", "--format", "json"]).stdout)
    assert remote_stats == local_stats
    pytest.importorskip("cartgraph.viz")
    result = run("view", "-o", str(tmp_path / "view.html"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "view.html").read_text().lower().startswith("<!doctype html")


def test_cartgraph_serve_as_a_remote_store_with_a_token(tmp_path: Path, small: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("t0ken")
    store_dir = tmp_path / "served"
    Store.open(store_dir, seed=False).close()
    runner = CliRunner()
    with cartgraph_serve(store_dir, "--allow-update", "--token-file", str(token_file)) as (
            base, _proc):
        endpoint = f"{base}sparql"
        args = ["--store", endpoint, "--update-url", endpoint, "import", str(small),
                "--no-shacl"]
        refused = runner.invoke(cli, args, env={"CARTGRAPH_TOKEN": ""})
        assert refused.exit_code == 1
        assert "401" in refused.stderr and "CARTGRAPH_TOKEN" in refused.stderr
        done = runner.invoke(cli, args, env={"CARTGRAPH_TOKEN": "t0ken"})
        assert done.exit_code == 0, done.output
        again = runner.invoke(cli, args, env={"CARTGRAPH_TOKEN": "t0ken"})
        assert again.stdout.startswith("unchanged ")
    local = Store.open(store_dir, seed=False)
    assert local.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(?g = "
                        f"<{small.as_uri()}>) }}") == [{"n": "9"}]


def test_bulk_loads_through_the_graph_store_protocol(url: str, small: Path) -> None:
    store = RemoteStore(url, graph_store_url=url.replace("/query", "/store"))
    report = import_files(store, [str(small)], ImportOptions(shacl=False))
    assert [r.status for r in report.results] == ["added"]
    assert len(store.quads(ox.NamedNode(small.as_uri()))) == 9
    changed = small.with_name("small2.ttl")
    changed.write_text(SMALL.replace("Hospital Two", "Hospital 2"))
    report = import_files(store, [str(changed)], ImportOptions(shacl=False,
                                                               source_id=small.as_uri()))
    assert [r.status for r in report.results] == ["replaced"]
    labels = store.select("SELECT ?l WHERE { ?h a cg:Hospital ; rdfs:label ?l } ORDER BY ?l")
    assert labels == [{"l": "Hospital 2"}, {"l": "Hospital One"}]
    assert [r.status for r in import_files(store, [str(changed)], ImportOptions(
        shacl=False, source_id=small.as_uri())).results] == ["unchanged"]


def test_the_cli_sends_imports_through_the_graph_store_protocol(run: Run, url: str,
                                                                small: Path) -> None:
    nowhere = run("--graph-store-url", "http://127.0.0.1:9/store", "import", "--no-shacl",
                  str(small))  # the flag is used: an unreachable endpoint fails the import
    assert nowhere.exit_code == 1 and "127.0.0.1:9" in nowhere.stderr, nowhere.output
    assert RemoteStore(url).quads(ox.NamedNode(small.as_uri())) == []
    graph_store = url.replace("/query", "/store")
    result = run("--graph-store-url", graph_store, "import", "--no-shacl", str(small))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("added ")
    assert len(RemoteStore(url).quads(ox.NamedNode(small.as_uri()))) == 9
    again = run("--graph-store-url", graph_store, "import", "--no-shacl", str(small))
    assert again.stdout.startswith("unchanged ")
    # a blank node shared by two graphs cannot go by two POSTs: it is sent as one update
    shared = small.with_name("shared.trig")
    shared.write_text("@prefix ex: <https://example.org/> .\n"
                      "ex:g1 { _:x ex:p 1 } ex:g2 { _:x ex:p 2 }\n")
    result = run("--graph-store-url", graph_store, "import", "--no-shacl", str(shared))
    assert result.exit_code == 0, result.output
    rows = RemoteStore(url).select("SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { GRAPH ?g { ?x "
                                   "<https://example.org/p> ?v } }")
    assert rows == [{"n": "1"}]


def test_remote_only_options_are_refused_for_a_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "s"), "--graph-store-url",
                                      "http://127.0.0.1:1/store", "stats"])
    assert result.exit_code == 2
    assert "for a remote store" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "s").exists()


def test_graph_store_posts_keep_blank_nodes_in_one_scope() -> None:
    from cartgraph.remote import RemoteWriter

    store = RemoteStore("http://127.0.0.1:9/query", graph_store_url="http://127.0.0.1:9/store")
    p, b = ox.NamedNode("https://example.org/p"), ox.BlankNode("b")
    g1, g2 = ox.NamedNode("https://example.org/g1"), ox.NamedNode("https://example.org/g2")

    def sent(*chunks: list[ox.Quad]) -> list[str]:
        writer = RemoteWriter(store)
        writer.remove_graph(g1)
        for chunk in chunks:
            writer.bulk_extend(chunk)
        return [kind for kind, _ in writer.requests()]

    one = [ox.Quad(b, p, ox.Literal(str(i)), g1) for i in range(3)]
    # chunks of one graph become one POST (one blank-node scope), after the DROP
    assert sent(one[:2], one[2:]) == ["update", "gsp"]
    assert sent(one, [ox.Quad(ox.BlankNode("c"), p, p, g2)]) == ["update", "gsp", "gsp"]
    # the same blank node in two graphs: one SPARQL update instead
    assert sent(one, [ox.Quad(b, p, p, g2)]) == ["update"]
    # quads alternating between graphs still make one POST per graph
    alternating = [ox.Quad(ox.BlankNode(f"n{i}"), p, p, (g1, g2)[i % 2]) for i in range(100)]
    assert sent(alternating[:50], alternating[50:]) == ["update", "gsp", "gsp"]


def test_the_remote_schema_is_the_one_read_with_paths(bundled_store: Store) -> None:
    """Read without transitive paths (Virtuoso 7.2 refuses them with both ends free), the
    schema is the one the local store reads with them: same entailed answers."""
    from cartgraph.entailment import read_schema as with_paths
    from cartgraph.remote.schema import read_schema

    def select(text: str) -> ox.QuerySolutions:
        answer = bundled_store.ox.query(text, use_default_graph_as_union=True)
        assert isinstance(answer, ox.QuerySolutions)
        return answer

    expected = with_paths(lambda q: (tuple(t.value for t in row) for row in select(q)))
    assert expected.superclasses and expected.ambiguous and expected.subproperties
    assert read_schema(select) == expected
