"""cartgraph: a knowledge graph of CAR-T research.

The public API is listed in ``__all__`` and imported lazily (PEP 562), so that
``cartgraph --help`` does not pay for rdflib or pyoxigraph.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing is not imported: `cartgraph --version` stays as fast as Python
__version__ = "0.1.0"

_EXPORTS = {
    "Store": "cartgraph.open",
    "open_store": "cartgraph.open",
    "GraphStore": "cartgraph.store",
    "LocalStore": "cartgraph.store",
    "Capabilities": "cartgraph.store",
    "RemoteStore": "cartgraph.remote",
    "import_files": "cartgraph.ingest",
    "ImportOptions": "cartgraph.ingest",
    "ImportReport": "cartgraph.ingest",
    "validate_files": "cartgraph.ingest",
    "execute": "cartgraph.query",
    "named_queries": "cartgraph.query",
    "NamedQuery": "cartgraph.query",
    "write_result": "cartgraph.query",
    "export": "cartgraph.export",
    "stats": "cartgraph.analytics",
    "shortest_path": "cartgraph.analytics",
    "neighbors": "cartgraph.analytics",
    "to_networkx": "cartgraph.analytics",
    "view": "cartgraph.viz",
    "CartgraphError": "cartgraph.errors",
    "InputError": "cartgraph.errors",
    "ParseError": "cartgraph.errors",
    "ValidationError": "cartgraph.errors",
    "QueryError": "cartgraph.errors",
    "QueryTimeout": "cartgraph.errors",
    "QueryTooLarge": "cartgraph.errors",
    "StoreError": "cartgraph.errors",
    "StoreBusy": "cartgraph.errors",
    "SourceError": "cartgraph.errors",
    "RemoteError": "cartgraph.errors",
    "UsageError": "cartgraph.errors",
    "PREFIXES": "cartgraph.namespaces",
}

__all__ = ["__version__", *sorted(_EXPORTS)]

if TYPE_CHECKING:
    from .errors import (
        CartgraphError,
        InputError,
        ParseError,
        QueryError,
        QueryTimeout,
        QueryTooLarge,
        RemoteError,
        SourceError,
        StoreBusy,
        StoreError,
        UsageError,
        ValidationError,
    )
    from .namespaces import PREFIXES
    from .open import Store, open_store
    from .store import Capabilities, GraphStore, LocalStore


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'cartgraph' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
