"""The exception tree of cartgraph.

Every error a user can act on is a :class:`CartgraphError`; the CLI turns it into
one line on stderr and exit code 1. Anything else is a bug and gets a traceback.

::

    CartgraphError
    ├── InputError          a file or text the user gave is unusable
    │   ├── ParseError      an RDF syntax error, with file, line and column
    │   └── ValidationError SHACL violations or ill-typed literals (carries the report)
    ├── QueryError          a SPARQL query is malformed, refused or failed
    │   ├── QueryTimeout    a query ran longer than its timeout
    │   └── QueryTooLarge   a query needed more memory than its limit
    ├── StoreError          the store cannot be opened, read or written
    │   └── StoreBusy       another process holds the store's write lock
    ├── SourceError         a source is unknown or a graph belongs to another source
    ├── RemoteError         a remote SPARQL endpoint failed or refused
    └── UsageError          options that do not fit the request (the CLI exits 2)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CartgraphError",
    "InputError",
    "ParseError",
    "QueryError",
    "QueryTimeout",
    "QueryTooLarge",
    "RemoteError",
    "SourceError",
    "StoreBusy",
    "StoreError",
    "UsageError",
    "ValidationError",
]


class CartgraphError(Exception):
    """Base class: a failure the user can act on."""


class InputError(CartgraphError):
    """A file or text the user gave cannot be used."""


class ParseError(InputError):
    """An RDF document is not valid in its format."""

    def __init__(self, location: str, message: str, *, line: int | None = None,
                 column: int | None = None) -> None:
        self.location, self.message, self.line, self.column = location, message, line, column
        where = location + "".join(f":{n}" for n in (line, column) if n is not None)
        super().__init__(f"{where}: {message}")


class ValidationError(InputError):
    """The input does not conform: SHACL violations or ill-typed literals."""

    def __init__(self, message: str, report: Any = None) -> None:
        self.report = report
        super().__init__(message)


class QueryError(CartgraphError):
    """A SPARQL query is malformed, refused or failed while running."""


class QueryTimeout(QueryError):
    """A query ran longer than its timeout."""


class QueryTooLarge(QueryError):
    """A query needed more memory than its limit (``--max-memory``)."""


class StoreError(CartgraphError):
    """The store cannot be opened, read or written."""


class StoreBusy(StoreError):
    """Another process is writing to the store."""


class SourceError(CartgraphError):
    """A source is unknown, or a graph belongs to another source."""


class RemoteError(CartgraphError):
    """A remote SPARQL endpoint could not be reached or refused a request."""


class UsageError(CartgraphError):
    """Options that do not fit the request, e.g. ``--format csv`` for a CONSTRUCT."""
