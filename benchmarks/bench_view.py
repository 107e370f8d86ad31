"""The network view: page generation and first drawn frame, against pyvis, same run.

For 1k, 5k and 20k drawn nodes (the synthetic CAR-T graph of synthetic.py,
200k triples, about 24k entities, capped with ``max_nodes``):

* generation: ``cartgraph.viz.view(store, max_nodes=N)`` in process, to the HTML
  string (the store already loaded; median of ``repeats``);
* first frame: headless Chromium opens the file via file:// and we read the time
  from navigation start to the page's first ``afterDrawing`` (the explorer sets
  ``window.cartgraph.drawnAt``); median of ``repeats`` page loads;
* pyvis 0.3.2 with its defaults (physics on) for the same nodes and edges, built
  with ``cdn_resources="in_line"`` (its default "local" mode loads vis-network
  from a CDN, so offline it never draws at all); the first frame is caught by
  wrapping ``vis.Network`` in an init script. Building the pyvis object is
  O(E^2), so it runs only up to ``pyvis_max`` nodes, and its page gets
  ``pyvis_timeout`` seconds to draw. Every request that is not file: or data: is
  aborted (pyvis asks a CDN for Bootstrap).

Run: ``python benchmarks/bench_view.py [--repeats 3] [--out /work/notes/view-bench.md]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synthetic

from cartgraph import Store
from cartgraph.viz import view

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SIZES = (1000, 5000, 20000)
TRIPLES = 200_000

# Catches pyvis's first frame: the UMD build assigns window.vis, then vis.Network.
_HOOK = """(() => {
  let box;
  Object.defineProperty(window, "vis", {configurable: true, get() { return box; }, set(v) {
    box = v;
    let Original;
    function Wrapped(...args) {
      const n = new Original(...args);
      n.once("afterDrawing", () => { window.__drawn = performance.now(); });
      return n;
    }
    Object.defineProperty(v, "Network", {configurable: true, enumerable: true,
      get() { return Original && Wrapped; }, set(x) { Original = x; }});
  }});
})();"""


def _store() -> Store:
    store = Store.memory()
    path = synthetic.generate(TRIPLES)
    store.ox.load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                  to_graph=ox.NamedNode("https://example.org/synthetic"))
    return store


def _pyvis_page(html: str, target: Path) -> tuple[float, Path]:
    """Build pyvis's page for the nodes and edges of our page; (build seconds, file)."""
    import json
    import re

    from pyvis.network import Network

    data = json.loads(re.search(r'id="cartgraph-data">(.*?)</script>', html, re.S)[1])
    drawn = [n for n in data["nodes"] if not n[5]]
    ids = {n[0] for n in drawn}
    t0 = time.perf_counter()
    net = Network(cdn_resources="in_line")
    for n in drawn:
        net.add_node(n[0], label=n[1], title=n[0])
    for e in data["edges"]:
        a, b = data["nodes"][e[0]][0], data["nodes"][e[1]][0]
        if a in ids and b in ids:
            net.add_edge(a, b, title=data["predicates"][e[2]]["label"])
    page = net.generate_html()
    build = time.perf_counter() - t0
    target.write_text(page, encoding="utf-8")
    return build, target


def _first_frame(browser: Any, path: Path, *, ours: bool, timeout: float) -> float | None:
    """Seconds from navigation start to the first drawn frame (None on timeout)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.route("**/*", lambda route: route.continue_()
                  if route.request.url.startswith(("file:", "data:", "blob:")) else route.abort())
    try:
        page = context.new_page()
        if not ours:
            page.add_init_script(_HOOK)
        page.goto(path.as_uri(), wait_until="commit")
        deadline = time.monotonic() + timeout
        expr = "() => window.cartgraph && window.cartgraph.drawnAt" if ours else \
            "() => window.__drawn"
        while time.monotonic() < deadline:
            value = page.evaluate(expr)
            if value:
                return float(value) / 1000
            time.sleep(0.05)
        return None
    finally:
        context.close()


def run(*, repeats: int = 3, pyvis_max: int = 5000, pyvis_timeout: float = 60.0,
        out: str | None = None) -> str:
    from playwright.sync_api import sync_playwright

    store = _store()
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="cartgraph-bench-view-"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for size in SIZES:
            gen = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                v = view(store, max_nodes=size)
                gen.append(time.perf_counter() - t0)
            ours = tmp / f"cartgraph-{size}.html"
            v.save(ours)
            frames = [_first_frame(browser, ours, ours=True, timeout=60) for _ in range(repeats)]
            row: dict[str, Any] = {
                "nodes": v.nodes, "edges": v.edges, "mode": v.info and _mode(v.html),
                "size_mb": len(v.html.encode()) / 1e6, "gen": statistics.median(gen),
                "frame": _median(frames)}
            if size <= pyvis_max:
                build, theirs = _pyvis_page(v.html, tmp / f"pyvis-{size}.html")
                row["pyvis_build"] = build
                row["pyvis_frame"] = _first_frame(browser, theirs, ours=False,
                                                  timeout=pyvis_timeout)
            rows.append(row)
            print(_row(row, pyvis_timeout), flush=True)
        browser.close()
    table = _table(rows, pyvis_timeout, pyvis_max, repeats)
    if out:
        Path(out).write_text(table, encoding="utf-8")
    return table


def _mode(html: str) -> str:
    import re

    m = re.search(r'"mode":"(\w+)"', html)
    return m[1] if m else "?"


def _median(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return statistics.median(found) if len(found) == len(values) else None


def _fmt(value: float | None, timeout: float | None = None) -> str:
    if value is None:
        return f"> {timeout:g} s (never drew)" if timeout else "-"
    return f"{value:.2f} s"


def _row(r: dict[str, Any], timeout: float) -> str:
    pyvis = ("not run (building the pyvis object is O(E^2): ~150 s at 20k)"
             if "pyvis_build" not in r else
             f"{_fmt(r['pyvis_build'])} | {_fmt(r['pyvis_frame'], timeout)}")
    if "pyvis_build" not in r:
        pyvis = f"{pyvis} | -"
    return (f"| {r['nodes']:,} | {r['edges']:,} | {r['mode']} | {r['size_mb']:.1f} MB | "
            f"{_fmt(r['gen'])} | {_fmt(r['frame'])} | {pyvis} |")


def _table(rows: list[dict[str, Any]], timeout: float, pyvis_max: int, repeats: int) -> str:
    head = ("| nodes | edges | mode | page | cartgraph generation | cartgraph first frame | "
            "pyvis build | pyvis first frame |\n|---:|---:|---|---:|---:|---:|---:|---:|")
    cpu = os.cpu_count()
    note = (f"\nSynthetic CAR-T graph ({TRIPLES:,} triples, benchmarks/synthetic.py, seed 0), "
            f"capped with --max-nodes; medians of {repeats} runs; headless Debian Chromium "
            f"({' '.join(ARGS)}), viewport 1400x900, {cpu} CPUs. First frame: navigation start "
            "to the first vis-network afterDrawing. pyvis 0.3.2 defaults (physics on), "
            f"cdn_resources='in_line', built only up to {pyvis_max:,} nodes, {timeout:g} s to "
            "draw.\n")
    return "\n".join([head, *(_row(r, timeout) for r in rows)]) + "\n" + note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pyvis-max", type=int, default=5000)
    parser.add_argument("--pyvis-timeout", type=float, default=60.0)
    parser.add_argument("--out", help="also write the markdown table here")
    args = parser.parse_args(argv)
    print(run(repeats=args.repeats, pyvis_max=args.pyvis_max, pyvis_timeout=args.pyvis_timeout,
              out=args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
