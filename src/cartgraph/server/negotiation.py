"""Content negotiation: which result format answers a query, from Accept or format=."""

from __future__ import annotations

import contextlib
import functools

from .. import formats
from ..errors import UsageError
from .wire import HTTPError

__all__ = ["negotiate"]

# query kind -> format use in the one format table (cartgraph.formats)
_USE = {"select": "select", "ask": "ask", "construct": "graph", "describe": "graph"}
# query kind -> {media type: format name}: each format's own media type first (the
# first of all is the default), then the other names they are known by
_OFFERS = {kind: {m: f.name for rank in (0, 1) for f in formats.FORMATS if f.fits(use)
                  for m in (f.media_types[:1] if rank == 0 else f.media_types[1:])}
           for kind, use in _USE.items()}


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
        name = offers.get(fmt.lower())
        if name is None:
            with contextlib.suppress(UsageError):
                name = formats.find(fmt, _USE[kind]).name
        if name is None or name not in offers.values():
            known = sorted(set(offers.values()))
            raise HTTPError(406, f"format {fmt} does not fit {_a(kind)} query "
                                 f"(use one of: {', '.join(known)})")
        return name
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
