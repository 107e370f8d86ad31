"""Opening stores: the one place that picks a backend and seeds the bundled graph.

``open_store(location)`` opens a store directory (created and seeded with the
bundled graph on first use), or a remote SPARQL endpoint when given an
``http(s)://`` URL (never seeded). :class:`Store` is the local store of the
public API: a :class:`~cartgraph.store.LocalStore` whose :meth:`Store.open` and
:meth:`Store.memory` seed it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

from . import __version__
from .errors import UsageError
from .store import GraphStore, LocalStore

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Store", "open_store", "seed_bundled"]

Note = Callable[[str], None]


def _ignore(_: str) -> None:
    pass


class Store(LocalStore):
    """A local store (a directory, or memory) that holds the bundled graph.

    ``Store.open(path)`` creates the directory on first use and seeds it with the
    bundled ontology, shapes and data; when a newer cartgraph ships changed
    bundled files, they are re-imported. ``seed=False`` leaves a new store empty.
    """

    def _derive(self, writer: Any, previous: Path | None, work: Path | None,
                cache: dict[str, Any]) -> None:
        """Keep the text index and the schema facts with each committed write."""
        from .search import maintain

        maintain(writer, previous=previous, target=work, cache=cache)

    @classmethod
    def memory(cls, *, seed: bool = True) -> Self:
        """A new in-memory store, seeded with the bundled graph unless ``seed=False``."""
        store = super().memory()
        if seed:
            seed_bundled(store)
        return store

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = True, seed: bool = True,
             wait: float = 0.0, note: Note = _ignore,
             metadata: dict[str, Any] | None = None) -> Self:
        """Open (and on first use create and, unless ``seed=False``, seed) a store directory.

        ``note`` is told when the store is created or its bundled graph updated.
        """
        store = super().open(path, create=create, wait=wait, note=note,
                             metadata={**(metadata or {}), "seeded": seed})
        meta = store.metadata()
        if seed and meta.get("seeded", True) and _bundle_changed(meta):
            report = seed_bundled(store, wait=wait)
            if meta.get("bundle") is None:
                note(f"created store {store.location} and seeded it with the bundled graph "
                     f"({len(report.sources)} sources)")
            elif report.changed:
                note(f"updated the bundled graph in {store.location} ({report.summary()})")
        return store

    def seed(self, *, wait: float = 0.0) -> Any:
        """Import (or re-import when changed) every bundled file as its own source."""
        return seed_bundled(self, wait=wait)


def seed_bundled(store: GraphStore, *, wait: float = 0.0) -> Any:
    """Import (or re-import when changed) every bundled file into ``store``, each as
    its own source; record the bundle's digest. Returns the import report."""
    from .bundled import bundled_files
    from .ingest import ImportOptions, import_files

    files = bundled_files()
    report = import_files(store, [str(f.path) for f in files],
                          ImportOptions(sources=[f.source for f in files], shacl=False,
                                        wait=wait))
    from .bundled import fingerprint, stat_key

    store.update_metadata(bundle=fingerprint(), bundle_files=stat_key(), cartgraph=__version__)
    return report


def _bundle_changed(meta: dict[str, Any]) -> bool:
    """Whether the bundled files differ from those the store was seeded with: by their
    sizes and times first (cheap), by their digest when those differ."""
    from .bundled import fingerprint, stat_key

    if meta.get("bundle") is None:
        return True
    if meta.get("bundle_files") == stat_key():
        return False
    return bool(meta["bundle"] != fingerprint())


def open_store(location: str | os.PathLike[str], *, update_url: str | None = None,
               graph_store_url: str | None = None, wait: float = 0.0,
               note: Note = _ignore, seed: bool = True, **auth: Any) -> GraphStore:
    """Open a store directory, or a remote SPARQL endpoint when given an http(s) URL.

    ``update_url``, ``graph_store_url`` and ``auth`` (``user``, ``password``) are for
    remote stores only.
    """
    text = str(location)
    if text.startswith(("http://", "https://")):
        from .remote import RemoteStore

        return RemoteStore(text, update_url=update_url, graph_store_url=graph_store_url,
                           **auth)
    if update_url or graph_store_url:
        raise UsageError(f"{text}: an update URL or a Graph Store URL is for a remote store "
                         "(an http(s) URL), not a directory")
    return Store.open(text, wait=wait, note=note, seed=seed)
