"""The HTML explorer as a file: self-contained, safe data, CSP, caps, focus, queries."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

import pyoxigraph as ox
import pytest

from cartgraph import Store
from cartgraph.errors import CartgraphError, InputError, QueryError
from cartgraph.namespaces import RDF_TYPE, RESOURCE, VOCAB
from cartgraph.viz import View, view

EVIL = "</script><img src=x onerror=alert(1)> \u2028\u2029 & <!-- done"


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="cartgraph-data">(.*?)</script>', page,
                  re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


def _scripts(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, re.S)


@pytest.fixture(scope="module")
def page(bundled_store: Store) -> str:
    return view(bundled_store).html


def test_no_remote_urls_in_src_or_href(page):
    tags = re.findall(r"<(script|link|img|iframe|a)\b[^>]*>", page, re.I)
    assert tags
    attrs = re.findall(
        r"<(?:script|link|img|iframe|a)\b[^>]*\b(?:src|href)\s*=\s*[\"']?([^\"' >]*)", page, re.I)
    assert all(not a.lower().startswith(("http:", "https:", "//")) for a in attrs), attrs
    assert "sourceMappingURL" not in page


def test_scripts_are_inlined_and_hashed_in_the_csp(page):
    attr = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', page)[1]
    csp = html.unescape(attr)
    assert "default-src 'none'" in csp and "style-src 'unsafe-inline'" in csp
    assert "img-src data: blob:" in csp and "http" not in csp
    scripts = _scripts(page)
    assert len(scripts) == 5 and "vis-network" in scripts[0]
    hashes = set(re.findall(r"'sha256-([^']+)'", csp))
    assert hashes == {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
                      for s in scripts}


def test_the_page_has_legend_search_and_the_data(page):
    assert 'id="legend"' in page and '<input type="search"' in page
    data = _data(page)
    labels = {n[1] for n in data["nodes"]}
    assert "University Hospital Erlangen" in labels
    classes = {c["iri"]: c for c in data["classes"]}
    families = [f["name"] for f in data["families"]]
    hospital = classes[VOCAB + "Hospital"]
    assert families[hospital["family"]] == "Organisations"
    assert hospital["shape"] == "square", "the ontology's box, drawn with its label outside"
    assert classes[VOCAB + "PatientCase"]["shape"] == "star"
    assert not any(n[0].startswith(VOCAB) for n in data["nodes"]), "the ontology is not drawn"
    assert "https://w3id.org/cartgraph/graph/provenance" not in data["graphs"]


def test_literals_are_details_not_nodes(page):
    data = _data(page)
    ids = [n[0] for n in data["nodes"]]
    uker = ids.index(RESOURCE + "uker")
    values = {d[2] for d in data["details"][uker] if d[1] == "l"}
    assert "UKER" in values and not any(i.startswith('"') for i in ids)
    links = {d[2] for d in data["details"][uker] if d[1] == "i"}
    assert "https://ror.org/0030f2a11" in links and "https://ror.org/0030f2a11" not in ids


def _evil_store() -> Store:
    store = Store.memory()
    g = ox.NamedNode("https://example.org/evil")
    node = ox.NamedNode(RESOURCE + "evil")
    store.ox.add(ox.Quad(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                         ox.NamedNode(VOCAB + "Hospital"), g))
    store.ox.add(ox.Quad(node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                         ox.Literal(EVIL), g))
    store.ox.add(ox.Quad(node, ox.NamedNode(VOCAB + "partOf"), ox.NamedNode(RESOURCE + "uker"), g))
    return store


def test_data_round_trips_script_like_labels_safely():
    page = view(_evil_store()).html
    block = re.search(r'id="cartgraph-data">(.*?)</script>', page, re.S)[1]
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in block
    assert "\\u003c/script\\u003e" in block
    assert page.count("</script>") == 6
    data = _data(page)
    assert EVIL in {n[1] for n in data["nodes"]}


def test_title_is_autoescaped(bundled_store):
    page = view(bundled_store, focus="cgr:uker", depth=1, title="<b>x</b>").html
    assert "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page


def test_max_nodes_caps_and_reports(bundled_store, tmp_path):
    full = view(bundled_store)
    capped = view(bundled_store, max_nodes=10)
    assert capped.nodes == 10 and capped.left_out == full.nodes - 10
    data = _data(capped.html)
    assert sum(1 for n in data["nodes"] if not n[5]) == 10
    assert data["summary"]["left_out"] == full.nodes - 10
    assert f"{full.nodes - 10} of {full.nodes} nodes left out (--max-nodes 10)" in capped.html
    target = capped.save(tmp_path / "v.html")
    assert capped.summary() == (f"wrote 10 nodes, {capped.edges} edges to {target}; "
                                f"{full.nodes - 10} nodes left out (--max-nodes)")
    assert full.summary().startswith(f"view of {full.nodes} nodes") and "left out" not in \
        full.summary()
    degrees = {}
    for n in data["nodes"]:
        degrees[n[0]] = 0
    assert RESOURCE + "seed-article" in degrees, "highest degree first"


def test_focus_draws_the_neighbourhood(bundled_store):
    v = view(bundled_store, focus="cgr:uker", depth=1)
    drawn = {n[0] for n in _data(v.html)["nodes"] if not n[5]}
    assert RESOURCE + "uker" in drawn and RESOURCE + "erlangen" in drawn
    assert RESOURCE + "bavaria" not in drawn
    reserve = {n[0] for n in _data(v.html)["nodes"] if n[5]}
    assert RESOURCE + "bavaria" in reserve, "one hop more is kept for expanding"
    assert "around cgr:uker" in v.html
    with pytest.raises(InputError, match="no such entity"):
        view(bundled_store, focus="cgr:nowhere")


def test_focus_with_cap_keeps_the_nearest(bundled_store):
    v = view(bundled_store, focus="cgr:uker", depth=2, max_nodes=3)
    drawn = [n[0] for n in _data(v.html)["nodes"] if not n[5]]
    assert drawn[0] == RESOURCE + "uker" and len(drawn) == 3 and v.left_out > 0


@pytest.mark.parametrize("text", [
    "CONSTRUCT { ?s cg:treatedAt ?o . ?s rdfs:label ?l } "
    "WHERE { ?s cg:treatedAt ?o ; rdfs:label ?l }",
    "SELECT ?s ?p ?o WHERE { ?s cg:treatedAt ?o BIND(cg:treatedAt AS ?p) }",
])
def test_query_draws_its_triples(bundled_store, text):
    v = view(bundled_store, query=text)
    data = _data(v.html)
    assert {n[0] for n in data["nodes"]} == {RESOURCE + "case-erlangen-sle-1", RESOURCE + "uker"}
    assert v.nodes == 2 and v.edges == 1
    assert data["predicates"][data["edges"][0][2]]["label"] == "treated at"


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT ?x WHERE { ?x ?y ?z }", r"must return \?s \?p \?o"),
    ("ASK { ?s ?p ?o }", "ASK query has no graph"),
    ("CONSTRUCT WHERE { ?s ?p", "--query"),
    ("DELETE WHERE { ?s ?p ?o }", "updates are refused"),
])
def test_bad_query_is_a_query_error(bundled_store, text, message):
    with pytest.raises(QueryError, match=message):
        view(bundled_store, query=text)


def test_save_is_atomic_and_reports_unwritable_paths(bundled_store, tmp_path):
    v = view(bundled_store, focus="cgr:uker", depth=1)
    target = tmp_path / "out.html"
    v.save(target)
    assert target.read_text(encoding="utf-8") == v.html
    assert [p.name for p in tmp_path.iterdir()] == ["out.html"]
    with pytest.raises(CartgraphError, match=r"missing/out\.html: cannot write"):
        v.save(tmp_path / "missing" / "out.html")


def test_jupyter_repr_is_an_escaped_iframe(bundled_store):
    v = view(_evil_store(), max_nodes=5)
    shown = v._repr_html_()
    assert shown.startswith('<iframe srcdoc="') and 'sandbox="allow-scripts' in shown
    inner = shown.split('srcdoc="', 1)[1].split('" sandbox=', 1)[0]
    assert '"' not in inner and "<" not in inner
    assert isinstance(v, View)


def test_cli_view(run, tmp_path):
    out = tmp_path / "graph.html"
    result = run("view", "-o", str(out), "--max-nodes", "15")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"wrote 15 nodes, \d+ edges to {re.escape(str(out))}; \d+ nodes left "
                        r"out \(--max-nodes\)\n", result.stdout)
    assert "vis-network" in out.read_text(encoding="utf-8")
    query = tmp_path / "q.rq"
    query.write_text("SELECT ?s ?p ?o WHERE { ?s cg:treatedAt ?o BIND(cg:treatedAt AS ?p) }")
    result = run("view", "-o", str(out), "--query", str(query))
    assert result.exit_code == 0 and result.stdout.startswith("wrote 2 nodes, 1 edges")
    focus = run("view", "-o", str(out), "--focus", "cgr:uker", "--depth", "1")
    assert focus.exit_code == 0, focus.output
    bad = run("view", "-o", str(out), "--query", str(tmp_path / "none.rq"))
    assert bad.exit_code == 1 and "none.rq: cannot read" in bad.stderr


def test_the_same_graph_gives_the_same_page(bundled_store):
    assert view(bundled_store).html == view(bundled_store).html
    small = view(bundled_store, focus="cgr:uker", depth=1)
    assert small.html == view(bundled_store, focus="cgr:uker", depth=1).html


def _scattered_store(path) -> Store:
    """On disk (quads come graph by graph), one node said by two graphs, the default
    graph and provenance, another by one graph."""
    from cartgraph.namespaces import PROVENANCE_GRAPH

    raw = ox.Store(str(path))
    a, b = ox.NamedNode(RESOURCE + "a"), ox.NamedNode(RESOURCE + "b")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for g in (ox.NamedNode("https://example.org/g2"), ox.NamedNode("https://example.org/g1"),
              ox.DefaultGraph(), ox.NamedNode(PROVENANCE_GRAPH)):
        raw.add(ox.Quad(a, label, ox.Literal("A"), g))
        raw.add(ox.Quad(a, ox.NamedNode(VOCAB + "partOf"), b, g))
        raw.add(ox.Quad(a, ox.NamedNode(VOCAB + "zz"), ox.Literal(str(g)), g))
    raw.add(ox.Quad(b, label, ox.Literal("B"), ox.NamedNode("https://example.org/g1")))
    return Store(raw)


def test_details_are_every_statement_in_store_order(tmp_path):
    from cartgraph.namespaces import PROVENANCE_GRAPH

    store = _scattered_store(tmp_path / "ox")
    data = _data(view(store).html)
    graphs, preds = data["graphs"], [p["iri"] for p in data["predicates"]]
    assert [n[1] for n in data["nodes"]] == ["A", "B"]
    for node, rows in zip(data["nodes"], data["details"], strict=True):
        quads = [q for q in store.ox.quads_for_pattern(ox.NamedNode(node[0]), None, None)
                 if q.graph_name != ox.NamedNode(PROVENANCE_GRAPH)]
        assert [(preds[r[0]], graphs[r[4]]) for r in rows] == \
            [(q.predicate.value, str(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode)
              else "") for q in quads], node[1]
    assert len(data["details"][0]) == 9
    assert sorted(graphs[e[3]] for e in data["edges"]) == ["", "https://example.org/g1",
                                                          "https://example.org/g2"]


def test_the_garbage_collector_is_paused_only_while_building(bundled_store):
    import gc

    assert gc.isenabled()
    view(bundled_store, max_nodes=5)
    assert gc.isenabled()
    gc.disable()
    try:
        view(bundled_store, max_nodes=5)
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- families, claims, sources and the story (issue 13) ----------------------------------


def test_families_come_from_the_class_hierarchy_and_take_new_classes(memory_store):
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    g = ox.NamedNode("https://example.org/more")
    trial = ox.NamedNode(VOCAB + "PhaseOneTrial")
    thing = ox.NamedNode(RESOURCE + "trial-1")
    memory_store.ox.extend([
        ox.Quad(trial, ox.NamedNode(rdfs + "subClassOf"), ox.NamedNode(VOCAB + "ClinicalTrial"), g),
        ox.Quad(thing, ox.NamedNode(RDF_TYPE), trial, g),
        ox.Quad(thing, ox.NamedNode(rdfs + "label"), ox.Literal("A phase 1 trial"), g),
        ox.Quad(thing, ox.NamedNode(VOCAB + "studiedCondition"), ox.NamedNode(RESOURCE + "sle"), g),
    ])
    data = _data(view(memory_store).html)
    classes = {c["iri"]: c for c in data["classes"]}
    names = [f["name"] for f in data["families"]]
    assert names[classes[trial.value]["family"]] == "Research"
    assert names[classes[VOCAB + "CaseSeries"]["family"]] == "Research"
    assert names[classes[VOCAB + "Claim"]["family"]] == "Claims and sources"
    assert [f["layer"] for f in data["families"]].count(True) == 1
    # One hue per family, a different shade per class within it.
    research = [c["color"] for c in data["classes"] if names[c["family"]] == "Research"]
    assert len(set(research)) == len(research)
    hues = {f["color"] for f in data["families"]}
    assert len(hues) == len(data["families"])


def test_claims_carry_who_said_what_and_their_check(page):
    data = _data(page)
    nodes = data["nodes"]
    case = next(i for i, n in enumerate(nodes) if n[0] == RESOURCE + "case-erlangen-sle-1")
    ages = sorted((c[3], c[5], c[8], c[4]) for c in data["claims"]
                  if c[1] == case and c[2] == "age at treatment")
    # One row per source: the news article says 16, the letter and a radio item say 20.
    assert [a[0] for a in ages] == ["16", "20", "20"]
    assert len({a[3] for a in ages}) == 3, "each claim names its own source"
    assert ages[0][1] == "contradicted" and all(a[2] for a in ages), "functional: a conflict"
    assert data["centre"] == case, "the story starts from the entity most claims are about"
    assert nodes[case][6] == 0
    uker = next(n for n in nodes if n[0] == RESOURCE + "uker")
    assert uker[6] == 1


def test_a_big_graph_opens_on_the_story_and_keeps_the_rest_one_click_away(page):
    data = _data(page)
    nodes = data["nodes"]
    first = [n for n in nodes if not n[5]]
    assert len(first) < len(nodes) / 2, "the first view is the neighbourhood, not everything"
    assert all(n[6] <= 2 for n in first), "within two hops of the centre (or about them)"
    assert {n[0] for n in first if 0 <= n[6] <= 1} == {n[0] for n in nodes if 0 <= n[6] <= 1}
    assert all(n[3] is None for n in nodes if n[5]), "the rest is placed where it is revealed"
    assert "near the story shown first" in page


def test_sources_have_title_date_and_link(page):
    data = _data(page)
    by_graph = dict(zip(data["graphs"], data["sources"], strict=True))
    nejm = by_graph[RESOURCE + "source-nejm-2021"]
    assert nejm["name"] == "Mougiakakos et al. 2021 (N Engl J Med)"
    assert nejm["date"] == "5 August 2021"
    assert nejm["link"] == "https://pubmed.ncbi.nlm.nih.gov/34347960/"


def test_the_story_is_read_from_the_dates_in_the_graph(page):
    data = _data(page)
    first, *rest = data["story"]
    assert first["title"] == "The story of Erlangen SLE case 1"
    dates = [s["date"] for s in first["steps"][1:]]
    assert "March 2021" in dates and "5 August 2021" in dates
    years = [d[-4:] for d in dates]
    assert years == sorted(years), "a timeline, oldest first"
    approvals = next(c for c in rest if "approval" in c["title"])
    names = [s["title"] for s in approvals["steps"]]
    assert names[0] == "Kymriah" and len(names) == 7
    for chapter in data["story"]:
        for step in chapter["steps"]:
            assert step["nodes"] and all(0 <= i < len(data["nodes"]) for i in step["nodes"])


# -- pyvis for notebook users ----------------------------------------------------------


def test_to_pyvis_has_the_views_nodes_colours_and_plain_titles(bundled_store):
    from pyvis.network import Network

    from cartgraph.viz import to_pyvis

    net = to_pyvis(bundled_store)
    assert isinstance(net, Network)
    data = _data(view(bundled_store).html)
    layer = {i for i, f in enumerate(data["families"]) if f["layer"]}
    expected = {n[0]: n for n in data["nodes"]
                if not n[5] and data["classes"][n[2]]["family"] not in layer}
    got = {n["id"]: n for n in net.nodes}
    assert set(got) == set(expected)
    for node_id, n in got.items():
        cls = data["classes"][expected[node_id][2]]
        assert n["label"] == expected[node_id][1]
        assert n["color"] == cls["color"] and n["shape"] == cls["shape"]
        assert n["physics"] is False
        assert "<" not in n["title"] and n["title"].startswith(n["label"])
    case = got[RESOURCE + "case-erlangen-sle-1"]
    assert "Patient case · People and cases" in case["title"]
    assert not any(e["title"] == "mentions" for e in net.edges), "mentions are bookkeeping"
    assert len(to_pyvis(bundled_store, layer=True).nodes) > len(net.nodes)


def test_to_pyvis_page_escapes_script_like_labels():
    from cartgraph.viz import to_pyvis

    net = to_pyvis(_evil_store(), focus="cgr:evil", depth=1)
    assert EVIL in {n["label"] for n in net.nodes}, "labels stay as they are, as text"
    html_text = net.generate_html()
    assert EVIL not in html_text and "<img src=x" not in html_text


def test_the_readme_pyvis_example_runs(tmp_path, monkeypatch):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = next(b for b in re.findall(r"```text\n(.*?)```", readme, re.S) if "to_pyvis(" in b)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    page = (tmp_path / "sle.html").read_text(encoding="utf-8")
    assert "Systemic lupus erythematosus" in page
