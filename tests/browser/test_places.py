"""The same page from a file, from `cartgraph serve`'s /explorer, inline in Jupyter; and pyvis."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path
from typing import Any

import pytest

from cartgraph import Store
from cartgraph.namespaces import RDFS_LABEL, RESOURCE
from cartgraph.viz import to_pyvis, view
from cartgraph.viz.page import policy_of
from helpers_server import cartgraph_serve, request

pytestmark = pytest.mark.browser

LOCAL = ("file:", "data:", "blob:", "about:")


def _labels_drawn(frame) -> int:
    return frame.evaluate("() => window.cartgraph.labels().length")


def _serve_once(body: bytes, headers: dict[str, str]) -> tuple[str, Any]:
    """A loopback HTTP server that answers every GET with ``body``."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


def test_over_http_with_its_policy_as_header(browser, bundled_store: Store):
    page_text = view(bundled_store).html
    policy = policy_of(page_text)
    assert policy and "'sha256-" in policy and "&#" not in policy
    url, server = _serve_once(page_text.encode(), {
        "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": policy,
        "X-Frame-Options": "DENY"})
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "explorer#node=cgr%3Asle")
        page.wait_for_selector("html[data-drawn=true]", state="attached", timeout=30_000)
        assert _labels_drawn(page) > 10  # the first view, part under the card
        assert page.locator("#details h2").inner_text() == "Systemic lupus erythematosus"
        assert errors == []
        page.close()
    finally:
        server.shutdown()
        server.server_close()


def test_served_explorer_draws_with_its_own_csp(browser, store: Path):
    with cartgraph_serve(store) as (url, _proc):
        _status, headers, body = request(url + "explorer", timeout=120)
        sent = {d.strip() for d in headers["content-security-policy"].split(";")}
        own = {d.strip() for d in (policy_of(body) or "").split(";")}
        assert sent - {"frame-ancestors 'none'"} == own - {"frame-ancestors 'none'"}
        assert "frame-ancestors 'none'" in sent
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "explorer#node=cgr%3Asle", timeout=120_000)
        page.wait_for_selector("html[data-drawn=true]", state="attached", timeout=120_000)
        assert _labels_drawn(page) > 10  # the first view, part under the card
        assert page.locator("#details h2").inner_text() == "Systemic lupus erythematosus"
        assert errors == []
        page.close()


def test_inline_in_jupyter_draws_in_its_frame(browser, bundled_store: Store):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content("<!doctype html><body><div class='output'>"
                     f"{view(bundled_store)._repr_html_()}</div></body>")
    frame = page.frames[1]
    frame.wait_for_selector("html[data-drawn=true]", state="attached", timeout=30_000)
    assert _labels_drawn(frame) > 10
    frame.evaluate("(id) => window.cartgraph.details(id)", RESOURCE + "uker")
    assert frame.locator("#details h2").inner_text() == "University Hospital Erlangen"
    assert all(u.startswith(LOCAL) for u in requests), requests
    page.close()


def test_pyvis_page_draws_the_same_nodes_with_text_titles(browser, tmp_path: Path):
    import pyoxigraph as ox

    store = Store.memory(seed=True)
    label = '<img src=x onerror="window.__pwned=1">'
    store.ox.add(ox.Quad(ox.NamedNode(RESOURCE + "uker"), ox.NamedNode(RDFS_LABEL),
                         ox.Literal(label), ox.NamedNode("https://example.org/hostile")))
    net = to_pyvis(store)
    target = tmp_path / "pyvis.html"
    target.write_text(net.generate_html(), encoding="utf-8")
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(LOCAL)
               else route.abort())
    page.goto(target.as_uri())
    page.wait_for_function("() => window.network && window.network.body", timeout=30_000)
    assert page.evaluate("() => window.network.body.data.nodes.length") == len(net.nodes)
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator("img[src=x]").count() == 0
    page.close()
