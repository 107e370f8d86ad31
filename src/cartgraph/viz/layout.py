"""Node positions computed in Python, so that big graphs draw with physics off.

With igraph (the optional extra ``layout``) positions come from its
Fruchterman-Reingold layout (the grid variant above 300 nodes, fewer iterations
as graphs grow; seeded, so the same graph gives the same picture). Without it, a
deterministic layout groups nodes by class: one sunflower (phyllotaxis) disc per
class, discs on a circle, highest degree in the middle of each disc. It is O(n)
and pure Python: networkx's spring layout is O(n^2) per iteration and needs numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["positions"]

_GOLDEN = math.pi * (3 - math.sqrt(5))


def positions(n: int, edges: Sequence[tuple[int, int]], classes: Sequence[int], *,
              spacing: float = 80.0) -> list[tuple[float, float]]:
    """Positions for nodes ``0..n-1`` with about ``spacing`` pixels between neighbours."""
    if n == 0:
        return []
    try:
        import igraph
    except ImportError:
        found = _by_class(n, edges, classes)
    else:
        found = _igraph(igraph, n, edges, classes)
    return _scaled(found, spacing)


def _by_class(n: int, edges: Sequence[tuple[int, int]],
              classes: Sequence[int]) -> list[tuple[float, float]]:
    degree = [0] * n
    for a, b in edges:
        degree[a] += 1
        degree[b] += 1
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(classes[i], []).append(i)
    order = sorted(groups, key=lambda c: (-len(groups[c]), c))
    radii = {c: math.sqrt(len(groups[c])) for c in order}
    ring = sum(2 * r + 2 for r in radii.values()) / (2 * math.pi) if len(order) > 1 else 0.0
    out = [(0.0, 0.0)] * n
    angle = 0.0
    for c in order:
        r = radii[c]
        step = (2 * r + 2) / max(ring, 1e-9) if ring else 0.0
        angle += step / 2
        cx, cy = ring * math.cos(angle), ring * math.sin(angle)
        angle += step / 2
        members = sorted(groups[c], key=lambda i: (-degree[i], i))
        for k, i in enumerate(members):
            rho = math.sqrt(k + 0.5)
            out[i] = (cx + rho * math.cos(k * _GOLDEN), cy + rho * math.sin(k * _GOLDEN))
    return out


def _iterations(n: int) -> int:
    """Fruchterman-Reingold iterations: fewer as graphs grow (each costs O(n + edges)).

    Above 10,000 nodes 100 iterations leave neighbours as close together, on
    average, as 150 do (measured on the synthetic graph), in two thirds of the time.
    """
    return 500 if n <= 2000 else 300 if n <= 5000 else 150 if n <= 10000 else 100


def _igraph(igraph: object, n: int, edges: Sequence[tuple[int, int]],
            classes: Sequence[int]) -> list[tuple[float, float]]:
    import random

    graph = igraph.Graph(n=n, edges=[(a, b) for a, b in edges if a != b])  # type: ignore[attr-defined]
    niter = _iterations(n)
    # igraph's layouts draw random numbers even from a given start: give them a
    # seeded generator (the same graph gives the same picture), then put the
    # default one back.
    igraph.set_random_number_generator(random.Random(0))  # type: ignore[attr-defined]
    try:
        if n <= 300:
            seed = [list(p) for p in _by_class(n, edges, classes)]
            layout = graph.layout("fr", seed=seed, niter=niter)
        else:
            # The grid variant is fast from igraph's own random start (seeding it
            # with a compact layout makes it slower).
            layout = graph.layout("fr", grid=True, niter=niter)
    finally:
        igraph.set_random_number_generator(random)  # type: ignore[attr-defined]
    return [(float(x), float(y)) for x, y in layout.coords]


def _scaled(points: list[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Centre the points and scale them so that each node has about spacing^2 of area."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    area = max(width * height, (max(width, height) ** 2) / 4, 1e-9)
    factor = spacing * math.sqrt(len(points) / area) if len(points) > 1 else 1.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [(round((x - cx) * factor, 1), round((y - cy) * factor, 1)) for x, y in points]


def radial(order: Sequence[str], centre: str | None, domain: dict[str, set[str]],
           extra: dict[str, list[str]], *, ring: float = 260.0,
           aspect: float = 1.45) -> dict[str, tuple[float, float]]:
    """A story layout: ``centre`` in the middle, each breadth-first level on a wider ring.

    ``domain`` holds the edges that count (node -> neighbours); each node's wedge
    of the circle is proportional to the leaves below it in the breadth-first
    tree, so that branches do not cross and labels get room. Nodes the centre
    does not reach go on an outer ring. ``extra`` (bookkeeping: node -> the
    nodes it is about) are put in a small ring around the first of those, just
    outside it. The ellipse is ``aspect`` times wider than high, like a screen.
    """
    out: dict[str, tuple[float, float]] = {}
    nodes = [n for n in order if n in domain]
    if not nodes:
        return out
    root = centre if centre in domain else nodes[0]
    children: dict[str, list[str]] = {n: [] for n in nodes}
    depth = {root: 0}
    level = [root]
    while level:
        nxt = []
        for n in level:
            for m in sorted(domain[n], key=lambda m: (-len(domain[m]), m)):
                if m not in depth:
                    depth[m] = depth[n] + 1
                    children[n].append(m)
                    nxt.append(m)
        level = nxt
    # Nodes the centre reaches only through bookkeeping (a claim naming both)
    # hang on a node that shares such a claim with them.
    for n in sorted(extra):
        named = [a for a in extra[n] if a in domain]
        anchor = next((a for a in named if a in depth), None)
        for m in named:
            if anchor is not None and m not in depth:
                depth[m] = depth[anchor] + 1
                children[anchor].append(m)
    outer = max(depth.values()) + 1
    loose = [n for n in nodes if n not in depth]
    weight: dict[str, float] = {}

    def measure(n: str) -> float:
        weight[n] = max(1.0, sum(measure(m) for m in children[n])) if children[n] else 1.0
        return weight[n]

    measure(root)

    def place(n: str, start: float, span: float) -> None:
        angle = start + span / 2
        r = ring * depth[n] ** 0.75
        out[n] = (aspect * r * math.cos(angle), r * math.sin(angle))
        at = start
        for m in children[n]:
            share = span * weight[m] / weight[n]
            place(m, at, share)
            at += share

    place(root, -math.pi / 2, 2 * math.pi)
    for k, n in enumerate(loose):
        angle = 2 * math.pi * (k + 0.5) / len(loose)
        r = ring * outer ** 0.85
        out[n] = (aspect * r * math.cos(angle), r * math.sin(angle))
    around: dict[str, list[str]] = {}
    for n in sorted(extra):
        anchor = next((a for a in extra[n] if a in out), None)
        if anchor is not None:
            around.setdefault(anchor, []).append(n)
    spare = [n for n in sorted(extra) if not any(a in out for a in extra[n])]
    for anchor, items in around.items():
        ax, ay = out[anchor]
        for k, n in enumerate(items):
            angle = 2 * math.pi * k / len(items)
            r = 70 + 6 * len(items)
            out[n] = (ax + r * math.cos(angle), ay + r * math.sin(angle))
    for k, n in enumerate(spare):
        angle = 2 * math.pi * (k + 0.5) / max(len(spare), 1)
        r = ring * (outer + 1) ** 0.85
        out[n] = (aspect * r * math.cos(angle), r * math.sin(angle))
    return {n: (round(x, 1), round(y, 1)) for n, (x, y) in out.items()}
