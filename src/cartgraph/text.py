"""Text for people and for names: RDF terms as text, and aligned tables.

The one place that turns a pyoxigraph term into text (:func:`key` for names that
must stay unique, :func:`display` for people) and lays out a text table
(:func:`align`), used by ``query``'s table format and the analytics reports.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from .namespaces import curie

__all__ = ["align", "display", "key"]


def key(term: Any) -> str:
    """A term as a unique name: an IRI's value, ``_:id``, N-Triples for a literal,
    "" for the default graph (or None)."""
    kind = type(term).__name__
    if kind == "NamedNode":
        return str(term.value)
    if kind == "BlankNode":
        return f"_:{term.value}"
    if term is None or kind == "DefaultGraph":
        return ""
    return str(term)


def display(term: Any) -> str:
    """A term as a person reads it: a CURIE, a literal's lexical form (``@lang``
    added), or ``_:id``; "" for None."""
    if term is None:
        return ""
    kind = type(term).__name__
    if kind == "NamedNode":
        return curie(term.value)
    if kind == "BlankNode":
        return f"_:{term.value}"
    if kind == "Literal" and term.language:
        return f"{term.value}@{term.language}"
    return str(term.value)


def align(rows: Sequence[Sequence[str]], *, header: Sequence[str] | None = None,
          right: Collection[int] = (), indent: str = "") -> list[str]:
    """Rows of cells as lines of aligned columns, two spaces apart.

    With ``header``, its names come first, underlined by dashes. Columns in
    ``right`` are right-aligned; trailing spaces are removed.
    """
    table = [list(header)] if header is not None else []
    table += [list(r) for r in rows]
    if not table:
        return []
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]

    def line(cells: Sequence[str]) -> str:
        return (indent + "  ".join(c.rjust(w) if i in right else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
                ).rstrip()

    lines = [line(r) for r in table]
    if header is not None:
        lines.insert(1, indent + "  ".join("-" * w for w in widths))
    return lines
