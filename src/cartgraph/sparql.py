"""SPARQL text: what kind a query is, what it must not do, parameters, errors.

The ground floor under the stores and ``cartgraph.query``: plain functions of a
query's text, plus :func:`run`, the one call into pyoxigraph's query engine with
the project's prefixes and the union of all graphs as the default graph.
Nothing here knows a store, a command or a result format.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pyoxigraph as ox

from .errors import QueryError, StoreError, UsageError
from .guard import MAX_QUERY_CHARS, cached_when_short, inspect, keywords, query_kind
from .namespaces import PREFIXES, XSD, expand

__all__ = [
    "bind_params",
    "check_params_used",
    "check_query",
    "keywords",
    "parse_value",
    "query_kind",
    "refuse_fetching",
    "run",
    "solution_dicts",
    "syntax_message",
    "uses_prefixed_names",
]

# strings, IRIs and comments: where a colon means nothing
_OPAQUE = re.compile(
    r'''"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*\''''
    r'''|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*''')
_BRACE_TOKENS = re.compile(_OPAQUE.pattern + r"|\\.|[A-Za-z_]+|\{")


@cached_when_short
def uses_prefixed_names(text: str) -> bool:
    """Whether the query has a colon outside strings, IRIs and comments (``cg:x``)."""
    return ":" in _OPAQUE.sub(" ", text)


def check_query(text: str) -> str:
    """Refuse what a read-only query must not do; return the query's kind.

    Updates are refused, and so is anything :func:`cartgraph.guard.inspect`
    refuses: SERVICE, LOAD, a text too long or nested too deeply.
    """
    if len(text) <= MAX_QUERY_CHARS and query_kind(text) == "update":
        raise QueryError("updates are refused: a query only reads "
                         "(imports and `serve --allow-update` write)")
    return inspect(text).kind


def refuse_fetching(text: str) -> None:
    """Refuse an update that fetches (LOAD, SERVICE) or is too large to parse safely."""
    inspect(text, update=True)


def parse_value(text: str) -> Any:
    """A parameter value from the command line as an RDF term.

    ``cgr:sle`` or ``<https://...>`` or ``https://...`` is an IRI; ``20`` an
    integer, ``1.5`` a decimal, ``true``/``false`` a boolean; ``"text"`` or
    anything else a string literal.
    """
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "integer"))
    if re.fullmatch(r"[+-]?\d*\.\d+", text):
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "decimal"))
    if text in {"true", "false"}:
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "boolean"))
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return ox.Literal(text[1:-1])
    try:
        return ox.NamedNode(expand(text))
    except ValueError:
        return ox.Literal(text)


def _sparql_term(value: Any) -> str:
    term = value if isinstance(value, ox.NamedNode | ox.Literal) else parse_value(str(value))
    return str(term)


def bind_params(text: str, params: dict[str, Any] | None) -> str:
    """Bind variables by a VALUES block at the start of the query's WHERE group.

    Unlike a trailing VALUES clause this also binds variables that are not
    projected, and unlike pyoxigraph's substitutions it works on any SPARQL
    server. The block goes on the same line, so error line numbers still hold.
    """
    if not params:
        return text
    names = [name.lstrip("?$") for name in params]
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UsageError(f"--param {name}: not a SPARQL variable name")
    values = " ".join(_sparql_term(v) for v in params.values())
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    kind = query_kind(text)
    after_where = False
    for m in _BRACE_TOKENS.finditer(text):
        token = m.group()
        if token.upper() == "WHERE":
            after_where = True
        elif token == "{" and after_where:
            return text[:m.end()] + block + text[m.end():]
        elif token.upper() in {"SELECT", "ASK", "DESCRIBE"} and kind != "construct":
            after_where = True
    raise UsageError("parameters need a query with a WHERE clause")

def check_params_used(text: str, names: list[str]) -> None:
    """UsageError for a parameter whose variable the query never mentions."""
    words = _OPAQUE.sub(" ", text)
    for name in names:
        if not re.search(rf"[?$]{re.escape(name.lstrip('?$'))}(?![\w\u00B7-\uFFFF])", words):
            raise UsageError(f"--param {name}: the query has no variable ?{name}")


def solution_dicts(result: Any, caller: str = "select") -> list[dict[str, str]]:
    """A SELECT's rows as dicts of variable name to IRI string or literal lexical form."""
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError(f"{caller} needs a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: str(row[n].value) for n in names if row[n] is not None} for row in result]


def run(engine: ox.Store, text: str, *, source: str = "query") -> Any:
    """Run checked query text on a pyoxigraph store: prefixes predeclared, union default graph.

    ``source`` names the query in error messages (``source:line:col: message``).
    A query that names its own dataset (FROM / FROM NAMED) is evaluated on that
    dataset, as SPARQL 1.1 defines it (a FROM graph is a graph of the store,
    never fetched); any other on the union of all graphs.
    """
    union = not inspect(text).has_dataset
    try:
        # Handing pyoxigraph the prefix table costs more than a small query, so only
        # when a prefixed name may be used (retried with it if the guess was wrong).
        if not uses_prefixed_names(text):
            with contextlib.suppress(SyntaxError):
                return engine.query(text, use_default_graph_as_union=union)
        return engine.query(text, prefixes=PREFIXES, use_default_graph_as_union=union)
    except SyntaxError as exc:
        raise QueryError(syntax_message(source, exc)) from None
    except OSError as exc:
        raise StoreError(f"{source}: cannot read the store: {exc}") from None
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"{source}: {exc}") from None


def syntax_message(source: str, exc: SyntaxError) -> str:
    """``source:line:col: message``: pyoxigraph's whole message, on one line."""
    message = str(exc.msg if exc.msg else exc)
    where = ""
    m = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if m:
        where, message = f":{m[1]}:{m[2]}", m[3]
    if "Prefix not found" in message:
        message = f"unknown prefix (predeclared: {', '.join(PREFIXES)})"
    return f"{source}{where}: {' '.join(message.split())}"
