"""The explorer page in headless Chromium: offline, safe, and the controls work."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from cartgraph import Store
from cartgraph.namespaces import RDF_TYPE, RDFS_LABEL, RESOURCE, VOCAB
from cartgraph.viz import view

pytestmark = pytest.mark.browser

UKER = RESOURCE + "uker"
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "</script><script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def bundled_html(bundled_store: Store) -> str:
    return view(bundled_store).html


def test_offline_and_no_console_errors(open_page, bundled_html):
    opened = open_page(bundled_html)
    assert opened.remote_requests() == []
    assert all(u.startswith("file:") for u in opened.requests)
    assert opened.errors == []
    assert opened.js("() => window.network.body.data.nodes.length") > 50
    assert opened.js("() => typeof window.network.fit") == "function"


def test_search_finds_and_focuses_a_node(open_page, bundled_html):
    opened = open_page(bundled_html)
    box = opened.page.locator('input[type="search"]')
    box.fill("University Hospital")
    assert opened.page.locator("#results button").first.inner_text().startswith(
        "University Hospital Erlangen")
    box.press("Enter")
    assert opened.js("() => window.network.getSelectedNodes()") == [UKER]
    assert opened.page.locator("#details h2").inner_text() == "University Hospital Erlangen"
    opened.page.locator('input[type="search"]').fill("cgr:erlangen")
    opened.page.locator("#results button").first.click()
    assert opened.js("() => window.network.getSelectedNodes()") == [RESOURCE + "erlangen"]
    assert opened.errors == []


def test_legend_checkbox_hides_a_class(open_page, bundled_html):
    opened = open_page(bundled_html)
    legend = opened.page.locator("#legend")
    row = legend.locator("li", has_text="Hospital").filter(has_not_text="therapy").first
    assert row.locator(".count").inner_text() == "1"
    row.locator("input[type=checkbox]").uncheck()
    assert opened.js("(id) => window.network.body.data.nodes.get(id).hidden", UKER) is True
    assert opened.js("(id) => window.network.body.data.nodes.get(id).hidden",
                     RESOURCE + "sle") is False, "other classes stay"
    row.locator("input[type=checkbox]").check()
    assert opened.js("(id) => window.network.body.data.nodes.get(id).hidden", UKER) is False


def test_clicking_a_node_fills_the_details_panel(open_page, bundled_html):
    opened = open_page(bundled_html)
    opened.js("""(id) => { window.network.stopSimulation();
                           window.network.focus(id, {scale: 2, animation: false}); }""", UKER)
    x, y = opened.js("""(id) => {
        const p = window.network.canvasToDOM(window.network.getPosition(id));
        const r = document.getElementById('network').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", UKER)
    opened.page.mouse.click(x, y)
    panel = opened.page.locator("#details")
    assert panel.locator("h2").inner_text() == "University Hospital Erlangen"
    text = panel.inner_text()
    assert "UKER" in text and "Source: organisations" in text
    assert "cgr:source-organisations" in panel.locator("details.statements").text_content()
    link = panel.locator('.identifiers a[href="https://ror.org/0030f2a11"]')
    assert link.count() == 1 and link.get_attribute("rel").startswith("noopener")
    assert panel.locator('a[href^="cgr"], a[href^="urn"]').count() == 0
    assert opened.errors == []


def test_double_click_expands_and_collapses(open_page, bundled_store):
    opened = open_page(view(bundled_store, focus="cgr:uker", depth=1).html)
    hidden = "(id) => window.network.body.data.nodes.get(id).hidden"
    bavaria = RESOURCE + "bavaria"
    assert opened.js(hidden, bavaria) is True
    opened.js("(id) => window.cartgraph.expand(id)", RESOURCE + "erlangen")
    assert opened.js(hidden, bavaria) is False
    opened.js("(id) => window.cartgraph.expand(id)", RESOURCE + "erlangen")
    assert opened.js(hidden, bavaria) is True
    assert opened.errors == []


def test_png_export_and_fit(open_page, bundled_html):
    opened = open_page(bundled_html)
    opened.page.locator("#fit").click()
    url = opened.js("() => window.cartgraph.png()")
    assert url.startswith("data:image/png;base64,") and len(url) > 5000
    with opened.page.expect_download() as download:
        opened.page.locator("#png").click()
    assert download.value.suggested_filename == "cartgraph.png"
    assert opened.remote_requests() == [] and opened.errors == []


def _hostile_store() -> Store:
    store = Store.memory(seed=False)
    g = ox.NamedNode("https://example.org/hostile")
    labels = [IMG, SCRIPT, "plain"]
    nodes = [ox.NamedNode(f"{RESOURCE}hostile-{i}") for i in range(len(labels))]
    for node, label in zip(nodes, labels, strict=True):
        store.ox.add(ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOCAB + "Hospital"), g))
        store.ox.add(ox.Quad(node, ox.NamedNode(RDFS_LABEL), ox.Literal(label), g))
        store.ox.add(ox.Quad(node, ox.NamedNode(VOCAB + "note"), ox.Literal(SCRIPT + IMG), g))
    store.ox.add(ox.Quad(nodes[0], ox.NamedNode(VOCAB + "partOf"), nodes[1], g))
    store.ox.add(ox.Quad(nodes[1], ox.NamedNode(VOCAB + "partOf"), nodes[2], g))
    store.ox.add(ox.Quad(nodes[2], ox.NamedNode("https://example.org/link"),
                         ox.NamedNode("javascript:window.__pwned=1"), g))
    return store


def test_script_like_labels_run_no_script(open_page):
    opened = open_page(view(_hostile_store(), title=SCRIPT).html)
    for i, label in enumerate([IMG, SCRIPT]):
        opened.js("(id) => window.cartgraph.details(id)", f"{RESOURCE}hostile-{i}")
        assert opened.page.locator("#details h2").inner_text() == label
        assert SCRIPT + IMG in opened.page.locator("#details").inner_text()
    opened.js("(id) => window.cartgraph.details(id)", f"{RESOURCE}hostile-2")
    hrefs = opened.js("() => [...document.querySelectorAll('#details a')].map(a => a.href)")
    assert hrefs and all(h.startswith("https://") for h in hrefs), hrefs
    assert "javascript:window.__pwned=1" in opened.page.locator("#details").inner_text()
    opened.page.locator('input[type="search"]').fill("onerror")
    assert IMG in opened.page.locator("#results").inner_text()
    assert opened.page.title() == SCRIPT
    assert opened.js("() => typeof window.__pwned") == "undefined"
    assert opened.page.locator("#details img, #results img, #legend img").count() == 0
    assert opened.remote_requests() == []
    assert all(u.startswith("file:") for u in opened.requests), opened.requests


def _big_store(n: int) -> Store:
    store = Store.memory(seed=True)
    g = ox.NamedNode("https://example.org/big")
    kinds = ["Hospital", "PatientCase", "Publication", "Disease"]
    quads = []
    for i in range(n):
        node = ox.NamedNode(f"{RESOURCE}n{i}")
        quads.append(ox.Quad(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOCAB + kinds[i % 4]), g))
        quads.append(ox.Quad(node, ox.NamedNode(RDFS_LABEL), ox.Literal(f"node {i}"), g))
        quads.append(ox.Quad(node, ox.NamedNode(VOCAB + "partOf"),
                             ox.NamedNode(f"{RESOURCE}n{(i * 7 + 1) % n}"), g))
    store.ox.extend(quads)
    return store


def test_a_big_graph_draws_with_level_of_detail(open_page):
    v = view(_big_store(1500), max_nodes=1200)
    opened = open_page(v.html)
    assert opened.js("() => window.cartgraph.data.mode") == "lod"
    assert opened.js("() => window.network.physics.options.enabled") is False
    layer = opened.js("""() => { const d = window.cartgraph.data;
        return d.nodes.filter(n => !n[5] && d.families[d.classes[n[2]].family].layer).length; }""")
    assert opened.js("() => window.network.body.data.nodes.get().filter(n => !n.hidden).length") \
        == 1200 - layer, "every drawn node is visible, but claims and sources (a layer, off)"
    opened.page.locator('input[type="search"]').fill("node 17")
    opened.page.locator('input[type="search"]').press("Enter")
    assert opened.js("() => window.network.getSelectedNodes()") == [RESOURCE + "n17"]
    assert opened.js("() => window.network.body.data.edges.length") > 0, "the selection's edges"
    assert "left out" in opened.page.locator("#status").inner_text()
    assert opened.errors == [] and opened.remote_requests() == []


def test_a_statement_in_two_graphs_is_one_row_naming_both(open_page, memory_store):
    memory_store.ox.add(ox.Quad(ox.NamedNode(UKER), ox.NamedNode(RDFS_LABEL),
                                ox.Literal("University Hospital Erlangen"),
                                ox.NamedNode("https://example.org/copy")))
    opened = open_page(view(memory_store, focus="cgr:uker", depth=1).html)
    opened.js("(id) => window.cartgraph.details(id)", UKER)
    rows = opened.js("""() => [...document.querySelectorAll('#details tr')]
        .map(tr => [...tr.children].map(td => td.textContent))
        .filter(r => r[1] === 'University Hospital Erlangen')""")
    assert rows == [["rdfs:label", "University Hospital Erlangen",
                     "cgr:source-organisations, https://example.org/copy"]]
