"""The view as a ``pyvis.network.Network``, for notebook users who script pyvis.

:func:`to_pyvis` builds the same nodes as :func:`cartgraph.viz.view` (the same
choice of nodes, labels, family colours, shapes and layout) into a pyvis
network, with physics off so that the layout stays as computed. Node and edge
titles (the tooltips) are plain text: the name, the kind, the CURIE and the
first sentence of the description; pyvis's template passes them through
``tojson``, which escapes ``<`` and ``>``, and vis-network 9 shows string
titles as text.

Limits, compared with the explorer page: no details card, story, legend, search,
URL state or level of detail; labels are drawn by vis-network (they may overlap
on crowded graphs); claims and sources are left out unless ``layer=True``; and
pyvis's ``add_edge`` checks every edge already added, so building is quadratic
in the edges (``max_nodes`` defaults to 500). A page written by pyvis with its
default ``cdn_resources="local"`` loads vis-network from a CDN; keep
``"in_line"`` (the default here) to work offline.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["to_pyvis"]

_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
#: Width, in pyvis pixels, of the laid-out drawing.
WIDTH = 1400.0


def _description(draft: dict[str, Any], i: int) -> str:
    preds = draft["predicates"]
    for p, kind, value, _extra, _g in draft["details"][i]:
        if kind == "l" and preds[p]["iri"] == _COMMENT:
            found = re.match(r"(.{40,}?[.!?])\s", value)
            return found[1] if found else value
    return ""


def to_pyvis(store: Any, *, focus: str | None = None, depth: int = 2, query: str | None = None,
             max_nodes: int = 500, layer: bool = False, height: str = "720px",
             notebook: bool = False, cdn_resources: str = "in_line") -> Any:
    """A populated ``pyvis.network.Network`` of the view (see the module docstring).

    ``focus``, ``depth``, ``query`` and ``max_nodes`` choose the nodes as for
    :func:`cartgraph.viz.view`; ``layer=True`` adds claims, sources and import
    records; ``height``, ``notebook`` and ``cdn_resources`` go to pyvis.
    """
    from pyvis.network import Network

    from . import build
    from .families import OUTSIDE

    draft = build(store, focus=focus, depth=depth, query=query, max_nodes=max_nodes,
                  literals=False)
    nodes, classes, families = draft["nodes"], draft["classes"], draft["families"]
    keep = [i for i, n in enumerate(nodes) if not n[5] and n[3] is not None and
            (layer or not families[classes[n[2]]["family"]]["layer"])]
    xs = [nodes[i][3] for i in keep] or [0.0]
    span = (max(xs) - min(xs)) or 1.0
    scale = WIDTH / span
    net = Network(height=height, width="100%", directed=True, notebook=notebook,
                  cdn_resources=cdn_resources)
    for i in keep:
        n = nodes[i]
        cls = classes[n[2]]
        family = families[cls["family"]]["name"]
        title = "\n".join(x for x in (n[1], f"{cls['label']} · {family}" if cls["iri"] else family,
                                      n[0], _description(draft, i)) if x)
        net.add_node(n[0], label=n[1], title=title, shape=OUTSIDE.get(cls["shape"], cls["shape"]),
                     color=cls["color"], x=n[3] * scale, y=n[4] * scale, physics=False,
                     size=18 if i == draft["centre"] else 12)
    inside = {nodes[i][0] for i in keep}
    preds = draft["predicates"]
    for a, b, p, _g in draft["edges"]:
        if nodes[a][0] in inside and nodes[b][0] in inside and (layer or not preds[p]["layer"]):
            net.add_edge(nodes[a][0], nodes[b][0], title=preds[p]["label"])
    net.toggle_physics(False)
    return net
