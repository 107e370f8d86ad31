"""Host checking (DNS rebinding), framing and CSP headers, the explorer drawing over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from helpers_server import request

PAGES = ["", "sparql", "queries.json", "explorer", "web/app.js", "no-such-page"]


def _raw_get(base: str, path: str, host: str | None) -> bytes:
    url = urlsplit(base)
    head = f"GET /{path} HTTP/1.1\r\n" + (f"Host: {host}\r\n" if host is not None else "")
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall((head + "Connection: close\r\n\r\n").encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7878", "127.0.0.1.evil.example",
                                  "localhost.evil.example", "[::2]", "10.0.0.1"])
def test_a_foreign_host_gets_421_and_is_not_echoed(served: str, host: str) -> None:
    answer = _raw_get(served, "sparql", host)
    assert answer.startswith(b"HTTP/1.1 421 "), answer[:100]
    assert b"sparql-service-description" not in answer


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LOCALHOST:1234", "graph.lab.example",
                                  "graph.lab.example:80"])
def test_the_bound_address_localhost_and_allowed_names_are_answered(served: str,
                                                                   host: str) -> None:
    answer = _raw_get(served, "sparql", host)
    assert answer.startswith(b"HTTP/1.1 200 ")
    endpoint = re.search(rb"<(http://[^>]+/sparql)>", answer)
    assert endpoint is not None
    assert urlsplit(endpoint[1].decode()).hostname == host.split(":")[0].lower()


def test_a_missing_or_malformed_host_is_400(served: str) -> None:
    assert _raw_get(served, "sparql", None).startswith(b"HTTP/1.1 400 ")
    assert _raw_get(served, "sparql", "a b").startswith(b"HTTP/1.1 400 ")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_refuses_to_be_framed(served: str, path: str) -> None:
    _, headers, _ = request(f"{served}{path}", timeout=120)
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_the_explorer_csp_header_is_real(served: str) -> None:
    status, headers, _ = request(f"{served}explorer", timeout=120)
    assert status == 200
    csp = headers["content-security-policy"]
    assert "&#" not in csp and "&quot;" not in csp
    assert re.search(r"script-src [^;]*'(sha256-[A-Za-z0-9+/=]+|self)'", csp), csp


CHROMIUM = "/usr/bin/chromium"
# Run in its own interpreter: Playwright's sync API refuses to start where another
# test's Playwright already runs an event loop (tests/browser, same pytest worker).
_DRAW = """
import json, sys
from playwright.sync_api import sync_playwright
url, served = sys.argv[1], sys.argv[2]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
        "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors, requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    drawn = True
    try:
        page.wait_for_selector("html[data-drawn=true]", state="attached", timeout=60_000)
    except Exception:
        drawn = False
    network = page.evaluate("() => window.network !== undefined")
    browser.close()
print(json.dumps({"drawn": drawn, "network": network, "errors": errors,
                  "requests": requests}))
"""


def test_the_served_explorer_draws_in_chromium(served: str) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    done = subprocess.run([sys.executable, "-c", _DRAW, f"{served}explorer", served],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["drawn"] and seen["network"], seen
    assert not [e for e in seen["errors"] if "Content Security Policy" in e], seen["errors"]
    assert all(u.startswith((served, "data:", "blob:")) for u in seen["requests"])
