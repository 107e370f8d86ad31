"""The store layer: where the graph lives, behind one interface.

::

    base.py    GraphStore (the interface), Writer, Capabilities
    local.py   LocalStore: a directory (generations, a write lock) or memory

The remote backend, :class:`cartgraph.remote.RemoteStore`, implements the same
interface. This layer imports nothing above it (no ingest, queries, seeding or
CLI): whoever opens a store decides how, see :mod:`cartgraph.open`.
"""

from __future__ import annotations

from typing import Any

from .base import Capabilities, GraphStore, Writer
from .local import LAYOUT, LocalStore

__all__ = ["LAYOUT", "Capabilities", "GraphStore", "LocalStore", "Writer"]


def __getattr__(name: str) -> Any:
    # Transitional: ``Store`` (seeded on first use) and ``open_store`` live in
    # cartgraph.open now; these names keep older imports working until callers move.
    if name in {"Store", "open_store"}:
        from .. import open as opening

        return getattr(opening, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
