"""The store interface: what every backend offers, and what it can promise.

Every module above the store layer holds a :class:`GraphStore` and calls only
what is listed here; none asks which backend it holds. Where behaviour must
differ (an importer that checks everything before writing when a failed write
would leave a trace), it reads :attr:`GraphStore.capabilities`, a small frozen
set of promises, never an attribute of one backend.

Backends: :class:`cartgraph.store.LocalStore` (a directory or memory) and
:class:`cartgraph.remote.RemoteStore` (a SPARQL 1.1 server).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = ["Capabilities", "GraphStore", "Writer"]


@dataclass(frozen=True)
class Capabilities:
    """What a store promises. Read them; never probe a store's attributes."""

    #: the data outlives this object (a directory or a server, not memory)
    persistent: bool
    #: a transaction that fails, or a process killed inside one, leaves no trace
    atomic_writes: bool
    #: the writer is a private copy until it commits, so a bulk rewrite of it
    #: (clear, then write back what stays) is as safe as any other change
    private_writer: bool
    #: reads run in this process: one quad pattern costs microseconds, not a request
    local_reads: bool
    #: other processes can open the store from :attr:`GraphStore.location` and see
    #: one committed state (the server's worker processes do)
    multiprocess: bool
    #: writers take a lock: a second writer fails with StoreBusy or waits
    write_lock: bool
    #: :meth:`GraphStore.backup` writes a consistent copy
    backup: bool


@runtime_checkable
class Writer(Protocol):
    """What a transaction yields: the store being changed, in pyoxigraph's own terms.

    Reads see the transaction's own changes on local stores (a remote writer
    buffers its changes and reads the server's committed state). ``clear``,
    ``add_graph`` and ``optimize`` are only for stores whose capabilities say
    ``private_writer``.
    """

    def query(self, text: str, **kwargs: Any) -> Any: ...
    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> Iterable[Any]: ...
    def add(self, quad: Any) -> None: ...
    def extend(self, quads: Iterable[Any]) -> None: ...
    def bulk_extend(self, quads: Iterable[Any]) -> None: ...
    def remove(self, quad: Any) -> None: ...
    def remove_graph(self, graph: Any) -> None: ...


@runtime_checkable
class GraphStore(Protocol):
    """A cartgraph store: a local directory, memory, or a remote SPARQL server."""

    @property
    def location(self) -> str:
        """Where the store is: a directory, ``:memory:`` or a query URL."""

    @property
    def capabilities(self) -> Capabilities: ...

    @property
    def generation(self) -> Any:
        """A token that changes whenever a commit changes the store (None: unknown)."""

    def query(self, text: str, *, params: dict[str, Any] | None = None,
              source: str = "query") -> Any:
        """A read-only SPARQL query, the project's prefixes predeclared, the default
        graph the union of all graphs; pyoxigraph results (QuerySolutions,
        QueryBoolean, or triples). Updates, SERVICE and LOAD are refused."""

    def select(self, text: str, **params: Any) -> list[dict[str, str]]:
        """A SELECT's rows as dicts of variable name to IRI or lexical form."""

    def quads_for_pattern(self, subject: Any = None, predicate: Any = None, object: Any = None,
                          graph_name: Any = None) -> Iterable[Any]:
        """Quads matching a pattern of pyoxigraph terms (None: any)."""

    def named_graphs(self) -> Iterator[Any]:
        """The named graphs (pyoxigraph NamedNodes)."""

    def contains_named_graph(self, graph: Any) -> bool: ...

    def transaction(self, *, wait: float = 0.0) -> AbstractContextManager[Any]:
        """A :class:`Writer` whose changes commit together when the block ends
        (atomically when ``capabilities.atomic_writes``)."""

    def refresh(self) -> bool:
        """Catch up with commits made by other processes; True if there were any."""

    def metadata(self) -> dict[str, Any]: ...

    def update_metadata(self, **changes: Any) -> None: ...

    def backup(self, target: str | Path) -> Path: ...

    def close(self) -> None: ...
