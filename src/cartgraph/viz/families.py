"""Families of classes for the legend and the colours: a few hues, a shade per class.

A class belongs to the family of its nearest ancestor (itself included) among
the anchors of :data:`FAMILIES`, found by walking the ontology's
``rdfs:subClassOf`` hierarchy breadth-first; so a class added to the ontology
later (a kind of study, of therapy, of organisation) joins its family with no
change here. A class with no anchor among its ancestors joins "Other".

Each family has one hue; its classes get shades of it (the family's root
class the pure hue, subclasses lighter and darker in turn). The node shape is
the ontology's ``cg:displayShape``, mapped to a shape that draws its label
outside the node (so labels are placed, measured and kept apart by the page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..namespaces import VOCAB

__all__ = ["FAMILIES", "Family", "assign", "shade"]

PROV = "http://www.w3.org/ns/prov#"


@dataclass(frozen=True)
class Family:
    name: str
    color: str
    anchors: frozenset[str]
    layer: bool = False  # drawn only when the reader switches the layer on


def _cg(*names: str) -> frozenset[str]:
    return frozenset(VOCAB + n for n in names)


#: Families in legend order. Anchors are classes; their subclasses follow them.
FAMILIES = (
    Family("People and cases", "#D55E00", _cg("PatientCase", "Person") | {PROV + "Person"}),
    Family("Medicine", "#1A9850", _cg("Disease", "Symptom", "Therapy", "TargetAntigen",
                                      "PrevalenceEstimate", "AdverseEvent", "Outcome",
                                      "CARConstruct", "Approval")),
    Family("Organisations", "#1F5FA8", _cg("Organisation") | {PROV + "Organization"}),
    Family("Research", "#7B3294", _cg("Study")),
    Family("Publications", "#B58900", _cg("Publication", "Journal")),
    Family("Places", "#8C6D46", _cg("Place") | {PROV + "Location"}),
    Family("Claims and sources", "#6E6E6E", _cg("Claim", "Source", "Import") |
           {PROV + "Activity"}, layer=True),
)
OTHER = Family("Other", "#138D90", frozenset())
NO_CLASS_COLOR = "#9A9A9A"

#: vis-network shapes that draw the label inside the node, and what is drawn instead.
OUTSIDE = {"box": "square", "ellipse": "dot", "circle": "dot", "database": "square",
           "text": "dot"}
SHAPES = {"dot", "diamond", "star", "triangle", "triangleDown", "square", "hexagon"}


def family_of(cls: str, parents: dict[str, set[str]]) -> int:
    """Index in FAMILIES (len(FAMILIES) for Other) of the nearest anchor above ``cls``."""
    level, seen = [cls], {cls}
    while level:
        for f, family in enumerate(FAMILIES):
            if any(c in family.anchors for c in level):
                return f
        nxt = []
        for c in sorted(level):
            for p in sorted(parents.get(c, ())):
                if p not in seen:
                    seen.add(p)
                    nxt.append(p)
        level = nxt
    return len(FAMILIES)


def _mix(color: str, towards: str, t: float) -> str:
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(towards[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b, strict=True))


def shade(color: str, k: int) -> str:
    """The k-th shade of a hue: the hue itself, then lighter and darker in turn."""
    if k == 0:
        return color.upper()
    step = (k + 1) // 2
    if k % 2:
        return _mix(color, "#FFFFFF", min(0.22 * step, 0.7))
    return _mix(color, "#000000", min(0.2 * step, 0.55))


def _depth(cls: str, parents: dict[str, set[str]]) -> int:
    depth, level, seen = 0, {cls}, {cls}
    while True:
        level = {p for c in level for p in parents.get(c, ()) if p not in seen}
        if not level:
            return depth
        seen |= level
        depth += 1


def assign(classes: Iterable[str], parents: dict[str, set[str]],
           shapes: dict[str, str | None]) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The families used by ``classes`` and, per class, its colour, shape and family index.

    Returns ``(families, info)``: families as the page lists them (name, colour,
    layer), ``info[class] = {"color", "shape", "family"}`` with the family as an
    index into the returned list.
    """
    classes = sorted(set(classes))
    every = [*FAMILIES, OTHER]
    of = {c: family_of(c, parents) for c in classes}
    used = sorted(set(of.values()))
    position = {f: i for i, f in enumerate(used)}
    families = [{"name": every[f].name, "color": every[f].color, "layer": every[f].layer}
                for f in used]
    info: dict[str, dict[str, Any]] = {}
    for f in used:
        members = sorted((c for c in classes if of[c] == f),
                         key=lambda c: (_depth(c, parents), c))
        for k, c in enumerate(members):
            shape = shapes.get(c) or "dot"
            shape = OUTSIDE.get(shape, shape)
            info[c] = {"color": shade(every[f].color, k),
                       "shape": shape if shape in SHAPES else "dot",
                       "family": position[f]}
    return families, info
