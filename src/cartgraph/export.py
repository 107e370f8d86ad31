"""Export the store, or one graph, deterministically: sorted, with prefixes.

RDF formats are written by pyoxigraph from quads sorted by graph, subject,
predicate and object, so that two exports of the same data diff cleanly.
Typed literals come back in Oxigraph's canonical form ("+1" as "1").
GraphML and GEXF (for Gephi and Cytoscape) come from the networkx projection.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .errors import SourceError, UsageError
from .namespaces import PREFIXES, expand

__all__ = ["EXPORT_FORMATS", "export", "format_for"]

_R = ox.RdfFormat
EXPORT_FORMATS: dict[str, Any] = {
    "turtle": _R.TURTLE, "trig": _R.TRIG, "nquads": _R.N_QUADS, "ntriples": _R.N_TRIPLES,
    "jsonld": _R.JSON_LD, "graphml": None, "gexf": None,
}
_BY_SUFFIX = {".ttl": "turtle", ".trig": "trig", ".nq": "nquads", ".nt": "ntriples",
              ".jsonld": "jsonld", ".graphml": "graphml", ".gexf": "gexf"}


def format_for(output: str, fmt: str | None) -> str:
    """The export format: as given, else by the output's extension, else TriG."""
    if fmt:
        return fmt.lower()
    return _BY_SUFFIX.get(Path(output).suffix.lower(), "trig")


def _sort_key(q: ox.Quad) -> tuple[str, str, str, str]:
    g = q.graph_name
    return (str(g), str(q.subject), str(q.predicate), str(q.object))


def quads(store: Any, graph: str | None = None) -> list[ox.Quad]:
    """Every quad of the store (or of one graph), sorted."""
    if graph is not None:
        graph_node: Any = ox.NamedNode(expand(graph))
        if hasattr(store, "ox") and not store.ox.contains_named_graph(graph_node):
            raise SourceError(f"--graph {graph}: no such graph in the store")
    else:
        graph_node = None
    if hasattr(store, "ox"):
        found = list(store.ox.quads_for_pattern(None, None, None, graph_node))
    else:
        found = list(store.quads(graph_node))
    found.sort(key=_sort_key)
    return found


def export(store: Any, out: IO[bytes], fmt: str, *, graph: str | None = None) -> None:
    """Write ``store`` (or one named graph) to ``out`` in ``fmt``."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r} (use one of: "
                         f"{', '.join(EXPORT_FORMATS)})")
    if fmt in {"graphml", "gexf"}:
        from .analytics import write_network

        write_network(store, out, fmt, graph=graph)
        return
    rdf_format = EXPORT_FORMATS[fmt]
    found = quads(store, graph)
    if rdf_format.supports_datasets:
        ox.serialize(found, out, rdf_format, prefixes=PREFIXES if fmt == "trig" else None)
    else:
        triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in found},
                         key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        prefixes = PREFIXES if fmt in {"turtle", "jsonld"} else None
        ox.serialize(triples, out, rdf_format, prefixes=prefixes)
