"""Content negotiation: which result format answers a query, from Accept or format=."""

from __future__ import annotations

import functools

from .wire import HTTPError

__all__ = ["negotiate"]

# media type -> (format name for cartgraph.query.write_result, kinds it fits)
_SOLUTION_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
_BOOLEAN_TYPES = {k: v for k, v in _SOLUTION_TYPES.items() if v in {"json", "xml"}}
_GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/n-quads": "nquads",
    "text/plain": "ntriples",
}
_OFFERS = {"select": _SOLUTION_TYPES, "ask": _BOOLEAN_TYPES, "construct": _GRAPH_TYPES,
           "describe": _GRAPH_TYPES}
def _accept_ranges(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


@functools.lru_cache(maxsize=128)  # clients send the same few Accept headers
def negotiate(kind: str, accept: str | None, fmt: str | None = None) -> str:
    """The write_result format name for a query kind, from Accept or a format= parameter."""
    offers = _OFFERS[kind]
    if fmt:
        name = offers.get(fmt.lower()) or (fmt.lower() if fmt.lower() in offers.values()
                                          else None)
        if name is None or (name == "nt" and "ntriples" not in offers.values()):
            known = sorted(set(offers.values()))
            raise HTTPError(406, f"format {fmt} does not fit {_a(kind)} query "
                                  f"(use one of: {', '.join(known)})")
        return "ntriples" if name == "nt" else name
    default = next(iter(offers))
    if not accept or not accept.strip():
        return offers[default]
    ranges = _accept_ranges(accept)
    best, best_q = None, 0.0
    for media in offers:
        major = media.split("/")[0]
        q, specificity = 0.0, -1
        for rng, rq in ranges:
            level = 2 if rng == media else 1 if rng == f"{major}/*" else \
                0 if rng == "*/*" else -1
            if level > specificity:
                q, specificity = rq, level
        if q > best_q:
            best, best_q = media, q
    if best is None:
        wanted = ", ".join(sorted(set(offers)))
        raise HTTPError(406, f"cannot answer {_a(kind)} query as {accept} "
                              f"(available: {wanted})")
    return offers[best]


def _a(kind: str) -> str:
    return f"{'an' if kind == 'ask' else 'a'} {kind.upper()}"
