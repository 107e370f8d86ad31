"""The HTML explorer: one self-contained, offline page drawing the graph with vis-network.

``view(store)`` returns a :class:`View`: ``.html`` is the page (every script
and style inlined, zero network requests, works from ``file://``), ``.save(path)``
writes it atomically, ``.summary()`` says what was drawn and left out, and in
Jupyter the view displays itself inline (an ``<iframe srcdoc>``).

Big graphs are laid out in Python (igraph when installed) and drawn with physics
off and level of detail; see :mod:`cartgraph.viz.layout` and explorer.js. A whole
graph too big to read at once (more than ``PHYSICS_NODES``, fewer than ``LOD_NODES``)
opens on the story's neighbourhood (:func:`_first_view`); the other nodes are in the
page, shown by a double-click, a search or a story step.
"""

from __future__ import annotations

import gc
import html
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import CartgraphError
from ..files import atomic_output

__all__ = ["View", "to_pyvis", "view"]

#: Up to this many nodes, physics runs until the layout is stable, then stops.
PHYSICS_NODES = 300
#: Above this many nodes (or edges), level of detail: edges as one canvas layer,
#: labels only when zoomed in.
LOD_NODES = 1000
LOD_EDGES = 3000


class View:
    """A generated page; see the module docstring."""

    def __init__(self, html_text: str, info: dict[str, Any]) -> None:
        self.html = html_text
        self.info = info
        self.path: Path | None = None

    @property
    def nodes(self) -> int:
        return int(self.info["nodes"])

    @property
    def edges(self) -> int:
        return int(self.info["edges"])

    @property
    def left_out(self) -> int:
        return int(self.info["left_out"])

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically (a temporary file renamed over it)."""
        target = Path(path)
        with atomic_output(target) as out:
            out.write(self.html.encode() if isinstance(self.html, str) else self.html)
        self.path = target
        return target

    def summary(self) -> str:
        """One line: ``wrote N nodes, M edges to FILE; K nodes left out (--max-nodes)``."""
        where = f"wrote {self.nodes} nodes, {self.edges} edges to {self.path}" if self.path \
            else f"view of {self.nodes} nodes, {self.edges} edges"
        if self.left_out:
            where += f"; {self.left_out} nodes left out (--max-nodes)"
        return where

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                'sandbox="allow-scripts allow-downloads allow-popups" '
                'style="width:100%;height:640px;border:1px solid #ddd" '
                'title="cartgraph network view"></iframe>')

    def __repr__(self) -> str:
        return f"<View {self.summary()}>"


def _status(summary: dict[str, Any]) -> str:
    text = f"{summary['nodes']} nodes, {summary['edges']} edges"
    if summary.get("layer"):
        text += f" ({summary['layer']} of the nodes are claims and sources, a layer)"
    if summary["focus"]:
        from ..namespaces import curie

        text += f" around {curie(summary['focus'])}"
    if summary["query"]:
        text += " from a query"
    if summary.get("first_view"):
        text += f"; {summary['first_view']} near the story shown first"
    if summary["left_out"]:
        text += (f"; {summary['left_out']} of {summary['total']} nodes left out "
                 f"(--max-nodes {summary['max_nodes']})")
    return text


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a while.

    Building a big page makes a million small containers (statements, rows,
    nodes) and no reference cycles; the collector would walk them all again and
    again as they accumulate, which was a third of the time at 20,000 nodes.
    Everything is still freed by reference counting; the collector resumes after.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def view(store: Any, *, focus: str | None = None, depth: int = 2, query: str | None = None,
         max_nodes: int = 2000, literals: bool = False, title: str = "cartgraph") -> View:
    """Build the explorer page for ``store``.

    ``focus`` (IRI or CURIE) draws its neighbourhood up to ``depth`` hops;
    ``query`` (SPARQL text of a CONSTRUCT or a ``SELECT ?s ?p ?o``) draws its
    result; otherwise the whole data. At most ``max_nodes`` nodes are drawn
    (highest degree first, or nearest the focus first); the page and
    :meth:`View.summary` say how many were left out. ``literals=True`` draws
    literal values as nodes instead of listing them in the details panel.
    """
    if max_nodes < 1:
        raise CartgraphError("max_nodes must be at least 1")
    with _collector_paused():
        return _view(store, focus=focus, depth=depth, query=query, max_nodes=max_nodes,
                     literals=literals, title=title)


def _view(store: Any, *, focus: str | None, depth: int, query: str | None, max_nodes: int,
          literals: bool, title: str) -> View:
    from . import page

    draft = build(store, focus=focus, depth=depth, query=query, max_nodes=max_nodes,
                  literals=literals)
    summary = draft["summary"]
    return View(page.render(draft, title=title, status=_status(summary)), summary)


def build(store: Any, *, focus: str | None, depth: int, query: str | None, max_nodes: int,
          literals: bool) -> dict[str, Any]:
    """The page's data (see :func:`cartgraph.viz.data.payload`) with the nodes laid out."""
    from . import data as d
    from . import layout

    collected = d.collect(store, focus=focus, depth=depth, query=query, max_nodes=max_nodes,
                          literals=literals)
    drawn = len(collected.drawn)
    index = {n: i for i, n in enumerate(collected.drawn)}
    links = [(index[s], index[o]) for s, _p, o, _g in collected.edges
             if s in index and o in index]
    mode = "small" if drawn <= PHYSICS_NODES else \
        "lod" if drawn > LOD_NODES or len(links) > LOD_EDGES else "full"
    draft = d.payload(collected, mode=mode, max_nodes=max_nodes)
    domain, layer = draft.pop("_domain"), draft.pop("_layer")
    nodes = draft["nodes"]
    draft["summary"]["layer"] = sum(1 for n in nodes[:drawn] if n[0] in layer)
    if mode == "full" and focus is None and query is None and draft["centre"] is not None:
        # A graph too big to read at once: the first view is the story's neighbourhood
        # (two hops from the centre), the rest waits one double-click away.
        mode = draft["mode"] = "small"
        near = _first_view(nodes[:drawn], layer, collected.edges)
        for node in nodes[:drawn]:
            node[5] = 0 if node[0] in near else 1
        draft["summary"]["first_view"] = len(near)
    if mode == "small":
        order = [n[0] for n in nodes[:drawn] if not n[5]]
        centre = nodes[draft["centre"]][0] if draft["centre"] is not None else None
        extra: dict[str, list[str]] = {n: [] for n in order if n in layer}
        for s, _p, o, _g in collected.edges:
            if s in extra and o in domain:
                extra[s].append(o)
            elif o in extra and s in domain:
                extra[o].append(s)
        placing = set(order)
        drawn_domain = {n: {m for m in domain[n] if m in placing} for n in order if n in domain}
        found = layout.radial(order, centre, drawn_domain, extra)
        for node in nodes[:drawn]:
            if not node[5]:  # the rest is placed next to what reveals it
                node[3], node[4] = found.get(node[0], (0.0, 0.0))
    else:
        spacing = 60.0 if mode == "lod" else 110.0
        placed = layout.positions(drawn, links, [n[2] for n in nodes[:drawn]], spacing=spacing)
        for node, (x, y) in zip(nodes, placed, strict=False):
            node[3], node[4] = x, y
    return draft


#: The first view of a big graph: the centre, its neighbours and at most this many
#: nodes in all from two hops away, taken in turns from each neighbour's branch.
FIRST_VIEW_NODES = 40


def _first_view(nodes: list[list[Any]], layer: set[str],
                edges: list[tuple[str, str, str, str]]) -> set[str]:
    """The domain nodes near the centre, and the claims and sources about them."""
    rank = {n[0]: n[6] for n in nodes if n[0] not in layer}
    links: dict[str, set[str]] = {n: set() for n in rank}
    for s, _p, o, _g in edges:
        if s in rank and o in rank and s != o:
            links[s].add(o)
            links[o].add(s)
    near = {n for n, r in rank.items() if 0 <= r <= 1}
    branches = [sorted((m for m in links[n] if rank[m] == 2), key=lambda m: (-len(links[m]), m))
                for n in sorted(near)]
    turn = 0
    while len(near) < FIRST_VIEW_NODES and any(branches):
        branch = branches[turn % len(branches)]
        while branch and branch[0] in near:
            branch.pop(0)
        if branch:
            near.add(branch.pop(0))
        turn += 1
    found = set(near)
    for s, _p, o, _g in edges:
        if s in layer and o in near:
            found.add(s)
        elif o in layer and s in near:
            found.add(o)
    return found


def to_pyvis(store: Any, **options: Any) -> Any:
    """The view as a populated ``pyvis.network.Network``; see :mod:`cartgraph.viz.notebook`."""
    from .notebook import to_pyvis as convert

    return convert(store, **options)
