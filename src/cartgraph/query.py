"""SPARQL: the project's prefixes predeclared, named queries, result formats.

Queries run on pyoxigraph with the union of all graphs as the default graph.
Results are streamed straight from pyoxigraph to the output format; no rdflib
terms are made on the way. Updates, ``SERVICE`` and ``LOAD`` are refused here:
``query`` only reads, and nothing is fetched from the network.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import IO, Any, TypeVar

import pyoxigraph as ox

from . import formats
from .errors import QueryError, QueryTimeout, QueryTooLarge, UsageError
from .limits import DEFAULT_MAX_MEMORY, exit_now, run_bounded
from .namespaces import PREFIXES
from .sparql import (  # the text helpers live on the ground floor, below the stores
    bind_params,
    check_params_used,
    check_query,
    keywords,
    parse_value,
    query_kind,
    refuse_fetching,
    solution_dicts,
    syntax_message,
)
from .text import align, display

__all__ = [
    "FORMATS",
    "NamedQuery",
    "Param",
    "bind_params",
    "check_params_used",
    "check_query",
    "execute",
    "keywords",
    "named_queries",
    "parse_value",
    "query_kind",
    "refuse_fetching",
    "run_query",
    "run_with_timeout",
    "select_rows",
    "syntax_message",
    "write_result",
]

T = TypeVar("T")


def _engines(use: str) -> dict[str, Any]:
    """Format name (and alias) to pyoxigraph format, for one kind of result."""
    return {n: f.engine for f in formats.FORMATS if f.fits(use) for n in (f.name, *f.aliases)}


SOLUTION_FORMATS = _engines("select")
BOOLEAN_FORMATS = _engines("ask")
GRAPH_FORMATS = _engines("graph")
FORMATS = {"select": SOLUTION_FORMATS, "ask": BOOLEAN_FORMATS,
           "construct": GRAPH_FORMATS, "describe": GRAPH_FORMATS}
DEFAULT_FORMAT = {"select": "table", "ask": "table", "construct": "turtle",
                  "describe": "turtle"}



def execute(store: Any, text: str, *, params: dict[str, Any] | None = None,
             source: str = "query", entailment: str = "rdfs") -> Any:
    """Run a read-only query on a store (any :class:`~cartgraph.store.GraphStore`).

    Returns pyoxigraph's lazy result (QuerySolutions, QueryBoolean or
    QueryTriples). ``source`` names the query in error messages (a file name);
    ``entailment`` is ``rdfs`` or ``none`` (see :mod:`cartgraph.entailment`).
    The default graph is the union of all graphs, unless the query names its own
    dataset with FROM / FROM NAMED: then that dataset, as SPARQL 1.1 defines it
    (a FROM graph is a graph of the store, never fetched).
    """
    return store.query(text, params=params, source=source, entailment=entailment)


def kind_of(result: Any) -> str:
    """``ask``, ``select`` or ``construct`` for a pyoxigraph result (or a list of triples)."""
    if isinstance(result, ox.QueryBoolean | bool):
        return "ask"
    if isinstance(result, ox.QuerySolutions):
        return "select"
    return "construct"


def check_format(kind: str, fmt: str | None) -> str:
    """The output format for a query kind; UsageError when they do not pair."""
    kind = "construct" if kind == "describe" else kind
    if fmt is None:
        return DEFAULT_FORMAT[kind]
    fmt = fmt.lower()
    if fmt not in FORMATS[kind]:
        article = "an" if kind == "ask" else "a"
        raise UsageError(f"--format {fmt} does not fit {article} {kind.upper()} query "
                         f"(use one of: {', '.join(FORMATS[kind])})")
    return fmt


def write_result(result: Any, fmt: str | None, out: IO[bytes]) -> None:
    """Serialise a query result to ``out`` in ``fmt`` (validated against its kind)."""
    kind = kind_of(result)
    fmt = check_format(kind, fmt)
    try:
        if kind == "construct":
            prefixes = PREFIXES if formats.find(fmt, "graph").prefixes else None
            ox.serialize(result, out, GRAPH_FORMATS[fmt], prefixes=prefixes)
        elif fmt == "table":
            out.write(_table(result).encode())
        else:
            result.serialize(out, FORMATS[kind][fmt])
    except (OSError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None


def _table(result: Any) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "true\n" if bool(result) else "false\n"
    names = [v.value for v in result.variables]
    rows = [[display(row[i]).replace("\n", "\\n") for i in range(len(names))] for row in result]
    lines = align(rows, header=names)
    lines.append(f"({len(rows)} row{'s' * (len(rows) != 1)})")
    return "\n".join(lines) + "\n"


def select_rows(store: Any, text: str, params: dict[str, Any] | None = None
                ) -> list[dict[str, str]]:
    """A SELECT's rows as dicts of variable name to IRI string or literal lexical form."""
    return solution_dicts(execute(store, text, params=params), "select_rows")




def run_with_timeout(work: Callable[[], T], timeout: float | None) -> T:
    """Run ``work`` in a worker thread; raise QueryTimeout when time is up.

    A running pyoxigraph query cannot be interrupted, so on timeout the thread
    is abandoned (it is a daemon) and the caller is expected to exit soon.
    """
    return run_bounded(work, timeout=timeout)


def run_query(store: Any, text: str, out: IO[bytes], *, params: dict[str, Any] | None = None,
              source: str = "query", fmt: str | None = None, timeout: float | None = None,
              max_memory: int | None = DEFAULT_MAX_MEMORY, entailment: str = "rdfs",
              exit_on_limit: bool = False) -> None:
    """Check, run and write one query to ``out``, bounded in time and memory.

    The answer is spooled (in memory up to 16 MB, then in a temporary file) and
    copied to ``out`` only once complete, so a failure writes nothing. A query
    stopped by a limit raises QueryTimeout or QueryTooLarge; it goes on running
    in an abandoned thread, so with ``exit_on_limit`` (the command line) the
    process ends at once with the one-line error and exit code 1 instead.
    """
    check_format(check_query(text), fmt)
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as buffer:
        def work() -> None:
            write_result(store.query(text, params=params, source=source,
                                     entailment=entailment), fmt, buffer)

        try:
            run_bounded(work, timeout=timeout, max_memory=max_memory)
        except (QueryTimeout, QueryTooLarge) as exc:
            if exit_on_limit:
                exit_now(str(exc))
            raise
        buffer.seek(0)
        shutil.copyfileobj(buffer, out, 1 << 16)
        out.flush()


# -- named queries ------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query shipped as ``queries/NAME.rq`` with a ``# title:`` header."""

    name: str
    title: str
    description: str
    text: str
    params: list[Param] = field(default_factory=list)
    #: engines known to answer it wrongly (``# unreliable-on: virtuoso``, also in the title)
    unreliable_on: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return query_kind(self.text)

    def bindings(self, given: dict[str, str]) -> dict[str, str]:
        """Defaults merged with ``given``; UsageError for an unknown parameter."""
        known = {p.name for p in self.params}
        unknown = sorted(set(given) - known)
        if unknown:
            names = ", ".join(sorted(known)) or "none"
            raise UsageError(f"query {self.name} has no parameter {unknown[0]} "
                             f"(its parameters: {names})")
        values = {p.name: p.default for p in self.params if p.default is not None}
        return {**values, **given}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "description": self.description,
                "kind": self.kind, "params": [p.__dict__ for p in self.params],
                "unreliable_on": list(self.unreliable_on)}


_HEADER = re.compile(r"#\s*(title|description|param|unreliable-on):\s*(.*)")
_PARAM = re.compile(r"(\w+)\s*(?:=\s*(.*?))?\s*(?:;\s*(.*))?$")


def parse_named(name: str, text: str) -> NamedQuery:
    fields: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if not m:
            continue
        key, value = m[1], m[2].strip()
        if key == "param":
            pm = _PARAM.match(value)
            if pm:
                params.append(Param(pm[1], pm[2] or None, pm[3] or ""))
        else:
            fields[key] = (fields.get(key, "") + " " + value).strip()
    unreliable = tuple(fields.get("unreliable-on", "").lower().split())
    title = fields.get("title", name)
    if unreliable:
        title += f" [unreliable on {', '.join(unreliable)}]"
    return NamedQuery(name, title, fields.get("description", ""), text, params, unreliable)


@cache
def named_queries() -> dict[str, NamedQuery]:
    """Every named query shipped with the package, by name."""
    from importlib import resources  # only here: it costs a CLI query 5 ms to import

    folder = resources.files("cartgraph") / "queries"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name.removesuffix(".rq")
            found[name] = parse_named(name, entry.read_text(encoding="utf-8"))
    return found


def named_query(name: str) -> NamedQuery:
    try:
        return named_queries()[name]
    except KeyError:
        raise QueryError(f"no named query {name!r} (see `cartgraph queries`)") from None
