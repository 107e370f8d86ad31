"""SPARQL text: what kind a query is, what it must not do, parameters, errors.

The ground floor under the stores and ``cartgraph.query``: plain functions of a
query's text, plus :func:`run`, the one call into pyoxigraph's query engine with
the project's prefixes and the union of all graphs as the default graph.
Nothing here knows a store, a command or a result format.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

import pyoxigraph as ox

from .errors import QueryError, UsageError
from .namespaces import PREFIXES, XSD, expand

__all__ = [
    "bind_params",
    "check_query",
    "keywords",
    "parse_value",
    "query_kind",
    "refuse_fetching",
    "run",
    "syntax_message",
    "uses_prefixed_names",
]

T = TypeVar("T")

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE",
                 "ADD", "WITH"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"} | _UPDATE_WORDS
# strings, IRIs and comments: where a keyword or a colon means nothing
_OPAQUE = re.compile(
    r'''"""(?:[^"\\]|\\.|"(?!""))*"""|'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
    r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*\''''
    r'''|<[^<>"{}|^`\\\x00-\x20]*>|\#[^\n]*''')
_TOKENS = re.compile(_OPAQUE.pattern + "|[A-Za-z_]+")


_BRACE_TOKENS = re.compile(_TOKENS.pattern + r"|\{")


def _cached_when_short(func: Callable[[str], T]) -> Callable[[str], T]:
    """Memoise a function of a query's text, for texts up to 8 KB.

    A server sees the same few short queries again and again; long texts are
    not kept, so that many large distinct queries cannot fill the memory.
    """
    cached = lru_cache(maxsize=256)(func)

    @wraps(func)
    def call(text: str) -> T:
        return cached(text) if len(text) <= 8192 else func(text)

    return call


@_cached_when_short
def keywords(text: str) -> tuple[str, ...]:
    """The bare words of a query, outside strings, IRIs and comments, upper-cased."""
    return tuple(t.upper() for t in _TOKENS.findall(text) if t[0].isalpha() or t[0] == "_")


@_cached_when_short
def uses_prefixed_names(text: str) -> bool:
    """Whether the query has a colon outside strings, IRIs and comments (``cg:x``)."""
    return ":" in _OPAQUE.sub(" ", text)


def query_kind(text: str) -> str:
    """``select``, ``ask``, ``construct``, ``describe`` or ``update``."""
    for word in keywords(text):
        if word in _FORMS:
            return "update" if word in _UPDATE_WORDS else word.lower()
    return "select"


def check_query(text: str) -> str:
    """Refuse what ``query`` must not do; return the query's kind."""
    kind = query_kind(text)
    if kind == "update":
        raise QueryError("updates are refused: `query` only reads "
                         "(use `cartgraph import`, or `serve --allow-update`)")
    refuse_fetching(text)
    return kind


def refuse_fetching(text: str) -> None:
    """Refuse SERVICE and LOAD, in queries and updates alike: nothing is fetched."""
    words = set(keywords(text))
    for word in ("SERVICE", "LOAD"):
        if word in words:
            raise QueryError(f"{word} is refused: cartgraph never fetches from the network")


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


def run(engine: ox.Store, text: str, *, source: str = "query") -> Any:
    """Run checked query text on a pyoxigraph store: prefixes predeclared, union default graph.

    ``source`` names the query in error messages (``source:line:col: message``).
    """
    try:
        # Handing pyoxigraph the prefix table costs more than a small query, so only
        # when a prefixed name may be used (retried with it if the guess was wrong).
        if not uses_prefixed_names(text):
            with contextlib.suppress(SyntaxError):
                return engine.query(text, use_default_graph_as_union=True)
        return engine.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise QueryError(syntax_message(source, exc)) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise QueryError(f"{source}: {exc}") from None


def syntax_message(source: str, exc: SyntaxError) -> str:
    """``source:line:col: message`` on one line, pyoxigraph's long lists shortened."""
    message = str(exc.msg if exc.msg else exc)
    where = ""
    m = re.match(r"error at (\d+):(\d+): (.*)", message, re.S)
    if m:
        where, message = f":{m[1]}:{m[2]}", m[3]
    if "Prefix not found" in message:
        message = f"unknown prefix (predeclared: {', '.join(PREFIXES)})"
    message = " ".join(message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{source}{where}: {message}"
