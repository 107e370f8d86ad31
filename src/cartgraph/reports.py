"""Text reports of the analytics: aligned columns, CURIEs and labels, one idea per line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .graphview import short
from .text import align

if TYPE_CHECKING:
    from .analytics import Neighbor, Neighborhood, Step

__all__ = ["format_neighbors", "format_path", "format_stats"]


def _table(rows: list[list[str]], right: frozenset[int] | set[int] = frozenset()) -> list[str]:
    return align(rows, right=right, indent="  ")


def format_stats(data: dict[str, Any]) -> str:
    """A readable report of :func:`stats`: aligned columns, CURIEs, class labels."""
    lines = [f"{data['triples']} triples in {len(data['graphs'])} graphs "
             "(provenance left out; a triple in several graphs counted once)", "", "graphs:"]
    lines += _table([[short(g["graph"]), str(g["triples"])] for g in data["graphs"]], {1})
    if data["schema_graphs"]:
        schema = ", ".join(short(g) for g in data["schema_graphs"])
        lines += ["", f"entities and statements in the data (schema graphs left out: {schema})"]
    lines += ["", "entities per class:"]
    lines += _table([[short(c["class"]), c["label"], str(c["entities"])]
                     for c in data["classes"]], {2})
    lines += ["", "statements per predicate:"]
    lines += _table([[short(p["predicate"]), str(p["edges"])] for p in data["predicates"]], {1})
    cent = data.get("centrality")
    if cent:
        for name in ("degree", "betweenness"):
            note = " (sampled)" if name == "betweenness" and cent["sampled"] else ""
            lines += ["", f"top {name} centrality{note}:"]
            lines += _table([[short(r["node"]), r["label"], f"{r['score']:.4f}"]
                             for r in cent[name]], {2})
    return "\n".join(lines)


def _named(node: str, label: str) -> str:
    """``cgr:uker  University Hospital Erlangen``, or the bare name when it has no label."""
    name = short(node)
    return name if not label or label == name else f"{name}  {label}"


def _arrow(predicate: str, direction: str) -> str:
    p = short(predicate)
    return f"--{p}-->" if direction == "forward" else f"<--{p}--"


def format_path(steps: list[Step]) -> str:
    """A path one hop per line: ``--cg:treatedAt-->  cgr:uker  University Hospital ...``."""
    if not steps:
        return "(the same entity: 0 hops)"
    first = steps[0]
    lines = [_named(first.source, first.source_label)]
    for s in steps:
        lines.append(f"  {_arrow(s.predicate, s.direction)}  {_named(s.target, s.target_label)}")
    lines.append(f"({len(steps)} hop{'s' * (len(steps) != 1)})")
    return "\n".join(lines)


def format_neighbors(n: Neighborhood) -> str:
    """The neighbourhood grouped by distance, one entity per line with the link to it."""
    lines = [_named(n.center, n.label) + (f"  [{n.class_label}]" if n.cls else "")]
    by_distance: dict[int, list[Neighbor]] = {}
    for item in n.nodes:
        by_distance.setdefault(item.distance, []).append(item)
    for distance in sorted(by_distance):
        items = by_distance[distance]
        lines.append(f"distance {distance}: {len(items)} entit{'ies' if len(items) != 1 else 'y'}")
        rows = []
        for item in items:
            first = item.via[0]
            how = _arrow(first.predicate, first.direction)
            if distance > 1:
                how = f"{short(first.origin)} {how}"
            if len(item.via) > 1:
                how += f" (+{len(item.via) - 1})"
            label = "" if item.label == short(item.node) else item.label
            rows.append([how, short(item.node), label,
                         f"[{item.class_label}]" if item.cls else ""])
        lines += _table(rows)
    if not n.nodes:
        lines.append("(no neighbours)")
    return "\n".join(lines)
