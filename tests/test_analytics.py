"""Analytics: stats, paths, neighbourhoods, the networkx projection and its export."""

from __future__ import annotations

import io
import json

import networkx as nx
import pyoxigraph as ox
import pytest

from cartgraph import analytics
from cartgraph.errors import InputError
from cartgraph.namespaces import PROVENANCE_GRAPH, RESOURCE, VOCAB

CASE = RESOURCE + "case-erlangen-sle-1"
UKER = RESOURCE + "uker"
OWL = "http://www.w3.org/2002/07/owl#"
SH = "http://www.w3.org/ns/shacl#"


def _count(store, text: str) -> int:
    return int(next(iter(store.ox.query(text)))["n"].value)


def test_stats_counts_match_an_independent_count_and_leave_out_provenance(bundled_store):
    data = analytics.stats(bundled_store)
    distinct = {(q.subject, q.predicate, q.object) for q in bundled_store.ox
                if q.graph_name != ox.NamedNode(PROVENANCE_GRAPH)}
    assert data["triples"] == len(distinct)
    graphs = {g["graph"]: g["triples"] for g in data["graphs"]}
    assert PROVENANCE_GRAPH not in graphs
    for graph, n in graphs.items():
        quads = bundled_store.ox.quads_for_pattern(None, None, None, ox.NamedNode(graph))
        assert n == len(list(quads))
    schema = set(data["schema_graphs"])
    assert {RESOURCE + "source-ontology", RESOURCE + "source-shapes"} <= schema
    data_only = "FILTER(?g NOT IN ({}))".format(
        ", ".join(f"<{g}>" for g in [PROVENANCE_GRAPH, *schema]))
    kinds = {c["class"] for c in data["classes"]}
    assert OWL + "Class" not in kinds and SH + "NodeShape" not in kinds
    assert SH + "path" not in {p["predicate"] for p in data["predicates"]}
    hospitals = next(c for c in data["classes"] if c["class"] == VOCAB + "Hospital")
    assert hospitals["label"] == "Hospital"
    assert hospitals["entities"] == _count(
        bundled_store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g "
        f"{{ ?x a <{VOCAB}Hospital> }} {data_only} }}")
    treated = next(p for p in data["predicates"] if p["predicate"] == VOCAB + "treatedAt")
    assert treated["edges"] == _count(
        bundled_store, f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ "
        f"GRAPH ?g {{ ?s <{VOCAB}treatedAt> ?o }} {data_only} }} }}")
    json.dumps(data)


def test_a_triple_in_two_graphs_is_counted_once(memory_store):
    before = analytics.stats(memory_store)["triples"]
    triple = (ox.NamedNode(UKER), ox.NamedNode(VOCAB + "note"), ox.Literal("twice"))
    for g in ("https://example.org/a", "https://example.org/b"):
        memory_store.ox.add(ox.Quad(*triple, ox.NamedNode(g)))
    after = analytics.stats(memory_store)
    assert after["triples"] == before + 1
    graphs = {g["graph"]: g["triples"] for g in after["graphs"]}
    assert graphs["https://example.org/a"] == graphs["https://example.org/b"] == 1


def test_centrality_ranks_entities_with_labels(bundled_store):
    cent = analytics.stats(bundled_store, centrality=True)["centrality"]
    assert len(cent["degree"]) == 10 and len(cent["betweenness"]) == 10
    assert cent["sampled"] is False
    assert all(r["label"] and r["score"] >= 0 for r in cent["degree"])
    scores = [r["score"] for r in cent["degree"]]
    assert scores == sorted(scores, reverse=True)
    assert "top degree centrality" in analytics.format_stats(
        analytics.stats(bundled_store, centrality=True))


def test_format_stats_aligns_columns_with_curies_and_labels(bundled_store):
    text = analytics.format_stats(analytics.stats(bundled_store))
    assert text.splitlines()[0].endswith("(provenance left out; a triple in several graphs "
                                         "counted once)")
    line = next(x for x in text.splitlines() if x.strip().startswith("cg:Hospital "))
    assert line.split() == ["cg:Hospital", "Hospital", "1"]
    assert "cgr:source-organisations" in text and PROVENANCE_GRAPH not in text


def test_path_from_the_case_to_the_hospital(bundled_store):
    steps = analytics.shortest_path(bundled_store, "cgr:case-erlangen-sle-1", "cgr:uker")
    assert [s.to_json() for s in steps] == [{
        "source": CASE, "source_label": "Erlangen SLE case 1",
        "predicate": VOCAB + "treatedAt", "predicate_label": "treated at",
        "target": UKER, "target_label": "University Hospital Erlangen",
        "direction": "forward"}]
    assert analytics.format_path(steps) == (
        "cgr:case-erlangen-sle-1  Erlangen SLE case 1\n"
        "  --cg:treatedAt-->  cgr:uker  University Hospital Erlangen\n"
        "(1 hop)")


def test_path_follows_edges_backwards_and_is_shortest(bundled_store):
    steps = analytics.shortest_path(bundled_store, UKER, "cgr:bavaria")
    assert [(s.predicate, s.direction) for s in steps] == [
        (VOCAB + "locatedIn", "forward"), (VOCAB + "locatedIn", "forward")]
    back = analytics.shortest_path(bundled_store, "cgr:bavaria", "cgr:uker")
    assert [s.direction for s in back] == ["backward", "backward"]
    assert "<--cg:locatedIn--" in analytics.format_path(back)
    projection = analytics.to_networkx(bundled_store).to_undirected(as_view=True)
    for a, b in [(CASE, RESOURCE + "dzi"), (RESOURCE + "nejm", RESOURCE + "erlangen")]:
        assert len(analytics.shortest_path(bundled_store, a, b, via_any=True)) == \
            nx.shortest_path_length(projection, a, b)


def _domain_projection(store):
    """The projection without schema, claims, sources, imports and cg:mentions."""
    graph = nx.Graph()
    for s, o, p in analytics.to_networkx(store, exclude_schema=True).edges(keys=True):
        if p != VOCAB + "mentions":
            graph.add_edge(s, o)
    kinds = {VOCAB + "Claim", VOCAB + "Source", VOCAB + "Import"}
    graph.remove_nodes_from([n for n, c in analytics.to_networkx(store).nodes(data="class")
                             if c in kinds or n.startswith(RESOURCE + "source-")])
    return graph


def test_path_follows_domain_relations_not_mentions_or_claims(bundled_store):
    sle, kymriah = RESOURCE + "sle", RESOURCE + "kymriah"
    steps = analytics.shortest_path(bundled_store, "cgr:sle", "cgr:kymriah")
    predicates = {s.predicate for s in steps}
    assert VOCAB + "mentions" not in predicates
    assert not {VOCAB + "about", VOCAB + "claimedValue"} & predicates
    assert len(steps) == nx.shortest_path_length(_domain_projection(bundled_store), sle, kymriah)
    assert [s.target for s in steps][-1] == kymriah
    anything = analytics.shortest_path(bundled_store, "cgr:sle", "cgr:kymriah", via_any=True)
    assert len(anything) < len(steps)
    assert VOCAB + "mentions" in {s.predicate for s in anything}


def test_path_may_start_at_a_claim(bundled_store):
    steps = analytics.shortest_path(bundled_store, "cgr:claim-article-age-at-treatment",
                                    "cgr:uker")
    assert steps[0].source == RESOURCE + "claim-article-age-at-treatment"
    assert steps[-1].target == UKER


@pytest.mark.parametrize(("a", "b", "message"), [
    ("cgr:no-such-thing", "cgr:uker", "cgr:no-such-thing: no such entity in the store"),
    ("cgr:uker", "nope:x", "not an IRI or known CURIE"),
])
def test_path_unknown_entity_is_an_input_error(bundled_store, a, b, message):
    with pytest.raises(InputError, match=message):
        analytics.shortest_path(bundled_store, a, b)


def test_no_path_is_an_input_error(memory_store):
    memory_store.ox.add(ox.Quad(ox.NamedNode(RESOURCE + "island"), ox.NamedNode(VOCAB + "x"),
                                ox.NamedNode(RESOURCE + "islet"), ox.NamedNode("https://e.org/g")))
    with pytest.raises(InputError, match="no path between cgr:island and cgr:uker"):
        analytics.shortest_path(memory_store, "cgr:island", "cgr:uker")


def test_neighbors_of_the_hospital(bundled_store):
    found = analytics.neighbors(bundled_store, "cgr:uker")
    near = {n.node: n for n in found.nodes}
    assert {CASE, RESOURCE + "erlangen", RESOURCE + "fau", RESOURCE + "dzi"} <= set(near)
    assert {n.distance for n in found.nodes} == {1}
    case = near[CASE]
    assert case.class_label == "Patient case"
    assert [(v.predicate, v.direction) for v in case.via] == [(VOCAB + "treatedAt", "backward")]
    text = analytics.format_neighbors(found)
    assert text.splitlines()[0] == "cgr:uker  University Hospital Erlangen  [Hospital]"
    line = next(x for x in text.splitlines() if "cgr:case-erlangen-sle-1" in x)
    assert line.split() == ["<--cg:treatedAt--", "cgr:case-erlangen-sle-1", "Erlangen", "SLE",
                            "case", "1", "[Patient", "case]"]
    assert found.to_json()["neighbors"][0]["distance"] == 1


def test_neighbors_depth_two_reaches_the_region(bundled_store):
    found = analytics.neighbors(bundled_store, "cgr:uker", depth=2)
    bavaria = next(n for n in found.nodes if n.node == RESOURCE + "bavaria")
    assert bavaria.distance == 2 and bavaria.via[0].origin == RESOURCE + "erlangen"


def test_neighbors_unknown_entity(bundled_store):
    with pytest.raises(InputError, match="no such entity"):
        analytics.neighbors(bundled_store, "cgr:nobody")


def test_to_networkx_keys_edges_by_predicate_and_types_become_attributes(bundled_store):
    g = analytics.to_networkx(bundled_store)
    assert isinstance(g, nx.MultiDiGraph)
    assert g.has_edge(CASE, UKER, key=VOCAB + "treatedAt")
    assert g.nodes[UKER]["class"] == VOCAB + "Hospital"
    assert g.nodes[UKER]["label"] == "University Hospital Erlangen"
    assert g.nodes[UKER]["curie"] == "cgr:uker"
    assert not any(k.endswith("#type") for _a, _b, k in g.edges(keys=True))
    assert not any(str(n).startswith('"') for n in g)
    with_literals = analytics.to_networkx(bundled_store, include_literals=True)
    assert with_literals.has_edge(CASE, '"Erlangen SLE case 1"',
                                  key="http://www.w3.org/2000/01/rdf-schema#label")


def test_to_networkx_one_graph(bundled_store):
    g = analytics.to_networkx(bundled_store, graph="cgr:source-organisations")
    assert UKER in g and CASE not in g
    assert {d["graph"] for _a, _b, d in g.edges(data=True)} == {RESOURCE + "source-organisations"}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_export_parses_back(bundled_store, fmt):
    out = io.BytesIO()
    analytics.write_network(bundled_store, out, fmt)
    out.seek(0)
    g = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    expected = analytics.to_networkx(bundled_store)
    assert set(g.nodes) == set(expected.nodes)
    assert g.number_of_edges() == expected.number_of_edges()
    assert PROVENANCE_GRAPH not in g
    if fmt == "graphml":
        assert g.nodes[UKER]["label"] == "University Hospital Erlangen"
        assert g.nodes[UKER]["class"] == VOCAB + "Hospital"
    else:
        assert g.nodes[UKER]["label"] == "University Hospital Erlangen"


# -- the CLI --------------------------------------------------------------------------


def test_cli_stats_text_and_json(run):
    result = run("stats")
    assert result.exit_code == 0, result.output
    assert "entities per class:" in result.stdout
    data = json.loads(run("stats", "--format", "json").stdout)
    assert data["triples"] > 0 and PROVENANCE_GRAPH not in {g["graph"] for g in data["graphs"]}
    cent = json.loads(run("stats", "--format", "json", "--centrality").stdout)["centrality"]
    assert len(cent["degree"]) == 10


def test_cli_path_and_neighbors(run):
    result = run("path", "cgr:case-erlangen-sle-1", "cgr:uker")
    assert result.exit_code == 0, result.output
    assert "--cg:treatedAt-->  cgr:uker  University Hospital Erlangen" in result.stdout
    steps = json.loads(run("path", "cgr:case-erlangen-sle-1", "cgr:uker", "--format",
                           "json").stdout)
    assert steps[0]["predicate"] == VOCAB + "treatedAt"
    near = run("neighbors", "cgr:uker", "--depth", "2")
    assert near.exit_code == 0 and "distance 2:" in near.stdout
    via = run("path", "cgr:sle", "cgr:kymriah", "--via-any")
    assert via.exit_code == 0 and "cg:mentions" in via.output
    assert "cg:mentions" not in run("path", "cgr:sle", "cgr:kymriah").output
    bad = run("path", "cgr:nothing", "cgr:uker")
    assert bad.exit_code == 1
    assert "cgr:nothing: no such entity in the store" in bad.stderr


def test_cli_export_graphml(run, tmp_path):
    target = tmp_path / "g.graphml"
    result = run("export", "-o", str(target), "--format", "graphml")
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(target)
    assert UKER in g and g.nodes[UKER]["curie"] == "cgr:uker"
