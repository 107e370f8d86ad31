"""Loading a big file at the engine's own speed, checks included.

Import parses every input strictly in Python to check it (typed literals, terms
missing from the ontology, counts) and to rename blank nodes apart. Sending each
checked quad back to the engine costs about as much again as the engine's own
bulk loader. For a plain local file in a triples format that holds no blank
nodes there is nothing to rename, so :func:`load_while_checking` lets
pyoxigraph's bulk loader parse and write the file on its own threads while this
thread runs the same checks over its own parse. The writer is a transaction's
private snapshot: when a check fails the snapshot is thrown away, exactly as
when the quads came one chunk at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import InputError

__all__ = ["eligible", "load_while_checking"]

_TRIPLE_FORMATS = {ox.RdfFormat.N_TRIPLES: (b"_:",),
                   # anonymous nodes and collections are blank nodes too; "[" or "(" in
                   # a literal only sends the file down the usual path
                   ox.RdfFormat.TURTLE: (b"_:", b"[", b"(")}
_BOM = b"\xef\xbb\xbf"
# pyoxigraph's bulk loader holds what it is given in memory (0.9 GB for 1M triples,
# 1.4 GB for 2M). It reads an N-Triples file of up to 128 MB (about 1M triples)
# itself; a bigger one goes to it in slices of whole lines, 96 MB each (the slice
# is in memory too). Turtle, which cannot be cut, only up to 64 MB (as many
# triples). Each slice adds its own layer of index files, so an import of more
# than one slice is compacted before it is published (the caller's business).
_WHOLE = 128 << 20
_SLICE = 96 << 20
_TURTLE_MAX = 64 << 20


def eligible(path: Path | None, fmt: ox.RdfFormat, *, compressed: bool) -> bool:
    """Whether ``path`` can go straight to the bulk loader: a regular, uncompressed
    N-Triples or Turtle file without a byte-order mark and without blank nodes."""
    needles = _TRIPLE_FORMATS.get(fmt)
    if path is None or compressed or needles is None:
        return False
    if fmt != ox.RdfFormat.N_TRIPLES and path.stat().st_size > _TURTLE_MAX:
        return False
    tail = b""
    with path.open("rb") as f:
        if f.read(3) == _BOM:
            return False
        f.seek(0)
        while chunk := f.read(8 << 20):
            window = tail + chunk
            if any(n in window for n in needles):
                return False
            tail = chunk[-1:]
    return True


def load_while_checking(writer: Any, path: Path, fmt: ox.RdfFormat, *, base: str | None,
                        graph: str, checked: Iterable[Any], location: str) -> int:
    """Bulk-load ``path`` into ``graph`` of ``writer`` while ``checked`` is consumed;
    return how many bulk loads it took (slices).

    ``checked`` is the strict, checking parse of the same file (its quads are
    dropped): its errors are the ones raised, with their file:line:col. The
    bulk loader cannot be stopped, so an error is raised once it has finished.
    """
    failure: list[BaseException] = []
    target = ox.NamedNode(graph)
    loads = [0]

    def load() -> None:
        try:
            if fmt != ox.RdfFormat.N_TRIPLES or path.stat().st_size <= _WHOLE:
                loads[0] += 1
                writer.bulk_load(path=str(path), format=fmt, base_iri=base, to_graph=target)
                return
            for part in _slices(path):
                loads[0] += 1
                writer.bulk_load(input=part, format=fmt, base_iri=base, to_graph=target)
        except BaseException as exc:  # reported below, after the checks' own errors
            failure.append(exc)

    loader = threading.Thread(target=load, name="cartgraph-bulk-load", daemon=True)
    loader.start()
    try:
        for _ in checked:
            pass
    finally:
        loader.join()
    if failure:  # the checks passed but the bulk loader refused: one line, not a traceback
        exc = failure[0]
        if isinstance(exc, SyntaxError | ValueError | OSError):
            raise InputError(f"{location}: {str(exc).splitlines()[0] if str(exc) else exc!r}")
        raise exc
    return loads[0]


def _slices(path: Path) -> Iterator[bytes]:
    """The file in pieces of about ``_SLICE`` bytes, each ending with a whole line."""
    rest = b""
    with path.open("rb") as f:
        while block := f.read(_SLICE):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield block[:cut]
    if rest:
        yield rest
