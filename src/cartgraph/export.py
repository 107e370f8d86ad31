"""Export the store, or one graph, deterministically: sorted, with prefixes.

RDF formats are written by pyoxigraph from quads sorted by graph, subject,
predicate and object, so that two exports of the same data diff cleanly.
Typed literals come back in Oxigraph's canonical form ("+1" as "1").
Formats without named graphs (Turtle, N-Triples, JSON-LD, RDF/XML) get the
union of the graphs. GraphML and GEXF (for Gephi and Cytoscape) come from the
networkx projection. Format names come from :mod:`cartgraph.formats`.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from . import formats
from .errors import CartgraphError, SourceError, UsageError
from .files import atomic_output
from .namespaces import PREFIXES, expand

__all__ = ["export", "export_to", "format_for"]

DEFAULT = "trig"


def format_for(output: str, fmt: str | None) -> formats.Format:
    """The export format: as named, else by the output's extension (TriG for ``-``).

    An unknown name, or an extension that names no export format, is a UsageError.
    """
    if fmt:
        return formats.find(fmt, "export")
    if output == "-":
        return formats.find(DEFAULT, "export")
    if Path(output).is_dir():
        raise CartgraphError(f"{output}: is a directory")
    found = formats.by_extension(output, "export")
    if found is None:
        suffix = Path(output).suffix or "(none)"
        raise UsageError(f"{output}: cannot tell the format from the extension {suffix} "
                         f"(known: {' '.join(formats.extensions('export'))}; or name a format)")
    return found


def _sort_key(q: ox.Quad) -> tuple[str, str, str, str]:
    return (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))


def graph_node(store: Any, graph: str | None) -> Any:
    """The named graph ``graph`` (IRI or CURIE) as a term; SourceError when it is not there."""
    if graph is None:
        return None
    node = ox.NamedNode(expand(graph))
    if not store.contains_named_graph(node):
        raise SourceError(f"{graph}: no such graph in the store")
    return node


def quads(store: Any, graph: str | None = None) -> list[ox.Quad]:
    """Every quad of the store (or of one named graph), sorted."""
    found = list(store.quads_for_pattern(None, None, None, graph_node(store, graph)))
    found.sort(key=_sort_key)
    return found


def export(store: Any, out: IO[bytes], fmt: str | formats.Format, *,
           graph: str | None = None) -> None:
    """Write ``store`` (or one named graph) to ``out`` in ``fmt`` (a name or a Format)."""
    spec = fmt if isinstance(fmt, formats.Format) else formats.find(fmt, "export")
    if spec.engine is None:
        from .analytics import write_network

        graph_node(store, graph)  # the same error as for the RDF formats
        write_network(store, out, spec.name, graph=graph)
        return
    found = quads(store, graph)
    prefixes = PREFIXES if spec.prefixes else None
    try:
        if spec.datasets:
            ox.serialize(found, out, spec.engine, prefixes=prefixes)
        else:
            triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in found},
                             key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
            ox.serialize(triples, out, spec.engine, prefixes=prefixes)
    except ValueError as exc:  # e.g. an IRI RDF/XML cannot write as a predicate
        raise CartgraphError(f"cannot write {spec.name}: {exc}") from None


def export_to(store: Any, output: str, fmt: str | None = None, *,
              graph: str | None = None) -> formats.Format:
    """Write to the file ``output`` atomically (``-``: standard output); returns the format.

    The format is ``fmt``, else the one the extension names.
    """
    spec = format_for(output, fmt)
    graph_node(store, graph)  # before the file is touched
    with atomic_output(output) as out:
        export(store, out, spec, graph=graph)
    return spec
