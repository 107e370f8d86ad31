"""Names for entities: an IRI, a CURIE or a label, wherever an entity is expected.

``resolve(store, "Systemic lupus erythematosus")``, ``resolve(store, "sle")`` and
``resolve(store, "cgr:sle")`` all give ``https://w3id.org/cartgraph/id/sle``.
A name is looked up as a label or other name, case-insensitively (exact match
first), then through the full-text search, which must find exactly one entity.
An ambiguous name raises :class:`~cartgraph.errors.InputError` listing the
candidates (label, CURIE, class); an unknown one lists the closest names.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .errors import InputError, UsageError
from .namespaces import curie, expand
from .search import Hit, exact_names, normalise, search

__all__ = ["entity_argument", "resolve", "resolve_value"]

_SHOWN = 8


def _as_iri(text: str) -> str | None:
    """The IRI that an IRI or a known CURIE names, or None for anything else."""
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://\S+$", text):
        return text
    try:
        return expand(text)
    except ValueError:
        return None


def resolve(store: Any, text: str, *, what: str = "entity") -> str:
    """The IRI of the entity ``text`` names (an IRI, a CURIE or a name)."""
    text = text.strip()
    if not text:
        raise UsageError(f"an empty {what} name")
    iri = _as_iri(text)
    if iri is not None:
        return iri
    exact = exact_names(store, text)
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        hits = {h.iri: h for h in search(store, text, limit=50)}
        listed = [hits[i] for i in exact if i in hits] or [_bare(i) for i in exact]
        raise InputError(_candidates(f"{text!r} names {len(exact)} entities", listed))
    try:
        found = search(store, text, limit=_SHOWN + 1)
    except UsageError:
        found = []
    if len(found) == 1:
        return found[0].iri
    if found:
        more = "+" if len(found) > _SHOWN else ""
        raise InputError(_candidates(f"{text!r} matches {len(found[:_SHOWN])}{more} "
                                     f"entities; give one of these", found[:_SHOWN]))
    raise InputError(_closest(store, text, what))


def entity_argument(store: Any, text: str) -> str:
    """A command's entity argument: an IRI or CURIE as the user wrote it (so that
    messages name it the same way), a name replaced by its entity's IRI."""
    return text.strip() if _as_iri(text.strip()) is not None else resolve(store, text)


def resolve_value(store: Any, text: str) -> Any:
    """A ``--param`` value as an RDF term: an entity name becomes its IRI.

    IRIs, CURIEs, numbers, booleans and ``"quoted text"`` are taken as written
    (:func:`cartgraph.query.parse_value`); anything else must name an entity.
    """
    import pyoxigraph as ox

    from .query import parse_value

    term = parse_value(text)
    stripped = text.strip()
    if isinstance(term, ox.Literal) and not term.datatype.value.endswith(
            ("#integer", "#decimal", "#boolean")) and not stripped.startswith('"'):
        return ox.NamedNode(resolve(store, stripped, what="parameter value"))
    return term


def _bare(iri: str) -> Hit:
    return Hit(iri, curie(iri), "", "", "", "", 0.0)


def _candidates(head: str, hits: list[Hit]) -> str:
    lines = [f"{head}:"]
    for h in hits:
        lines.append(f"  {h.label or '(no label)'}  {h.curie}  {h.cls}".rstrip())
    return "\n".join(lines)


def _closest(store: Any, text: str, what: str) -> str:
    """``no entity named X`` and the names that come closest, by spelling."""
    from .search import _connection

    con = _connection(store)
    wanted = normalise(text)
    by_norm: dict[str, tuple[str, str]] = {}
    for word in re.findall(r"\w+", text)[:6]:
        rows = con.execute("SELECT iri, label, names FROM fts WHERE fts MATCH ? LIMIT 500",
                           (f'"{word[:3]}"*',)).fetchall()
        for iri, label, names in rows:
            for n in f"{label} | {names}".split(" | "):
                if n:
                    by_norm.setdefault(normalise(n), (n, iri))
    close = difflib.get_close_matches(wanted, list(by_norm), n=5, cutoff=0.5)
    if not close:
        return f"no {what} named {text!r} (try `cartgraph search WORD`)"
    return (f"no {what} named {text!r}; the closest names: " + ", ".join(
        f"{by_norm[c][0]!r} ({curie(by_norm[c][1])})" for c in close))
