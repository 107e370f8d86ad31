"""What a SPARQL text would do, decided before pyoxigraph sees it.

pyoxigraph 0.5 evaluates ``SERVICE`` and ``LOAD`` with its own HTTP client and
offers no switch to turn that off (its ``query()``/``update()`` take no service
handler), so cartgraph decides from the parsed query:

* **Fetching.** A text in which the letters ``service`` or ``load`` do not
  occur at all (in any case, before or after ``\\uXXXX`` expansion) cannot hold
  either keyword: no parser needed. Otherwise the text is parsed with rdflib's
  SPARQL 1.1 grammar and refused when the parse tree holds a ``SERVICE`` pattern
  or a ``LOAD`` operation, wherever it is (a subquery, an update's ``WHERE``).
  A text that mentions those letters but that rdflib cannot parse is refused
  too, so no spelling, escape or comment trick can slip a fetch past the check.
* **Size.** The text may be at most :data:`MAX_QUERY_CHARS` characters long,
  and its brackets (``{``, ``(``, ``[``) may nest at most :data:`MAX_DEPTH`
  deep: pyoxigraph's parser recurses per level and a few thousand levels
  overflow its thread's stack, which kills the process instead of answering.
* **Dataset.** Whether the query names its own dataset with ``FROM`` or
  ``FROM NAMED`` (then it is evaluated on that dataset, as SPARQL 1.1 defines,
  instead of the union of all graphs).

Results are memoised per text (for texts up to 8 KB): a server sees the same
few queries again and again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, TypeVar

from .errors import QueryError

__all__ = ["MAX_DEPTH", "MAX_QUERY_CHARS", "Shape", "inspect", "keywords", "nesting_depth"]

MAX_QUERY_CHARS = 100_000
MAX_DEPTH = 128

T = TypeVar("T")

_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE",
                 "ADD", "WITH"}
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"} | _UPDATE_WORDS
_FETCHING = re.compile(r"service|load", re.I)
_FROM = re.compile(r"from", re.I)
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# The terminals of the SPARQL grammar that matter here. Strings, IRIs and comments
# are opaque; everything else is code. A backslash outside a string is a local name
# escape (cgr:x\#): it and the next character are code, never a comment or a quote.
_PN = r"[^\W\d]"  # a letter or _
_LOCAL = r"(?:[\w\-.:%\u00B7\u0300-\u036F\u203F-\u2040]|\\.)"
_SCAN = re.compile(
    r'(?P<ws>\s+)'
    r'|(?P<comment>\#[^\n\r]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"' r"|'(?:[^'\\\n\r]|\\.)*')"
    r'|(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)'
    r'|(?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)'
    rf'|(?P<name>(?:{_PN}[\w\-.\u00B7\u0300-\u036F\u203F-\u2040]*)?:{_LOCAL}*'
    rf'|{_PN}\w*)'
    r'|(?P<number>[0-9][0-9A-Za-z.+\-]*|\.[0-9][0-9A-Za-z.+\-]*)'
    r'|(?P<escape>\\.)'
    r'|(?P<open>[{(\[])|(?P<close>[})\]])'
    r'|(?P<other>.)', re.S)
_OPERANDS = {"var", "string", "iri", "name", "number"}


def cached_when_short(func: Callable[[str], T]) -> Callable[[str], T]:
    """Memoise a function of a query's text, for texts up to 8 KB.

    Long texts are not kept, so that many large distinct queries cannot fill
    the memory.
    """
    cached = lru_cache(maxsize=512)(func)

    @wraps(func)
    def call(text: str) -> T:
        return cached(text) if len(text) <= 8192 else func(text)

    return call


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "other", m.group()) for m in _SCAN.finditer(text)
            if m.lastgroup not in {"ws", "comment"}]


@cached_when_short
def keywords(text: str) -> tuple[str, ...]:
    """The bare words of a query, outside strings, IRIs and comments, upper-cased."""
    return tuple(v.upper() for kind, v in _tokens(text) if kind == "name" and ":" not in v)


def nesting_depth(text: str) -> int:
    """How deep the brackets of ``text`` nest, as pyoxigraph's parser would see them.

    Counted on the tokens above. Where ``<`` could be a less-than sign rather than
    the start of an IRI (right after an operand, inside parentheses) and the would-be
    IRI holds a quote or a ``#`` (which would then open a string or a comment), the
    reading is uncertain: from there on every opening bracket counts, closing ones
    do not, so the depth returned is never below pyoxigraph's.
    """
    depth = deepest = parens = 0
    stack: list[str] = []
    previous = ""
    scan = _SCAN.finditer(text)
    for m in scan:
        kind, value = m.lastgroup or "other", m.group()
        if kind in {"ws", "comment"}:
            continue
        if kind == "iri" and parens and previous in _OPERANDS and re.search(r"['#]", value):
            rest = text[m.start():]
            return max(deepest, depth + sum(rest.count(c) for c in "{(["))
        if kind == "open":
            depth += 1
            deepest = max(deepest, depth)
            stack.append(value)
            parens += value == "("
        elif kind == "close" and stack:
            parens -= stack.pop() == "("
            depth -= 1
        previous = "close" if kind == "close" else kind
        if kind == "close" and value in ")]":
            previous = "var"  # an operand: a less-than sign may follow
    return deepest


def query_kind(text: str) -> str:
    """``select``, ``ask``, ``construct``, ``describe`` or ``update``."""
    for word in keywords(text):
        if word in _FORMS:
            return "update" if word in _UPDATE_WORDS else word.lower()
    return "select"


@dataclass(frozen=True)
class Shape:
    """What a query or update is: its kind and whether it names its own dataset."""

    kind: str  # select, ask, construct, describe or update
    has_dataset: bool = False  # FROM or FROM NAMED


def _expanded(text: str) -> str:
    def expand(m: re.Match[str]) -> str:
        try:
            return chr(int(m[1] or m[2], 16))
        except (ValueError, OverflowError):
            return m[0]

    return _UNICODE_ESCAPE.sub(expand, text)


def _parse(text: str, update: bool) -> tuple[Any, str]:
    """rdflib's parse tree of ``text`` (None if it cannot parse it) and why not."""
    from rdflib.plugins.sparql import parser

    try:
        return (parser.parseUpdate(text) if update else parser.parseQuery(text)), ""
    except RecursionError:
        return None, "it nests too deeply for the checker"
    except Exception as exc:  # pyparsing's ParseException and whatever rdflib raises
        return None, " ".join(str(exc).split())[:200]


def _nodes(tree: Any) -> set[str]:
    """The names of every node (rdflib CompValue) in a parse tree."""
    from rdflib.plugins.sparql.parserutils import CompValue

    names: set[str] = set()
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            names.add(node.name)
            todo.extend(node.values())
        elif isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            todo.extend(node)
    return names


def _check_size(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; the limit is "
                         f"{MAX_QUERY_CHARS}")
    if sum(text.count(c) for c in "{([") > MAX_DEPTH:  # else it cannot nest that deep
        depth = nesting_depth(text)
        if depth > MAX_DEPTH:
            raise QueryError(f"the query nests brackets {depth} deep; the limit is "
                             f"{MAX_DEPTH}")


def _refuse_fetching(text: str, update: bool) -> Any:
    """Refuse SERVICE and LOAD; return rdflib's parse tree when one was needed."""
    if not _FETCHING.search(text) and not (
            "\\" in text and _FETCHING.search(_expanded(text))):
        return None
    tree, problem = _parse(text, update)
    if tree is None:
        words = set(keywords(text)) | set(keywords(_expanded(text)))
        for word in ("SERVICE", "LOAD"):
            if word in words:
                raise QueryError(f"{word} is refused: cartgraph never fetches from the "
                                 "network")
        raise QueryError("refused: the text mentions SERVICE or LOAD, and cartgraph could "
                         f"not parse it to check that it fetches nothing ({problem})")
    names = _nodes(tree)
    for node, word in (("ServiceGraphPattern", "SERVICE"), ("Load", "LOAD")):
        if node in names:
            raise QueryError(f"{word} is refused: cartgraph never fetches from the network")
    return tree


@cached_when_short
def _inspect_query(text: str) -> Shape:
    _check_size(text)
    kind = query_kind(text)
    tree = _refuse_fetching(text, kind == "update")
    has_dataset = False
    if kind != "update" and _FROM.search(text):
        if tree is None:
            tree, _ = _parse(text, False)
        has_dataset = ("DatasetClause" in _nodes(tree)) if tree is not None else \
            "FROM" in keywords(text)
    return Shape(kind, has_dataset)


@cached_when_short
def _inspect_update(text: str) -> Shape:
    _check_size(text)
    _refuse_fetching(text, True)
    return Shape("update")


def inspect(text: str, *, update: bool = False) -> Shape:
    """The shape of a query (or, with ``update``, an update); QueryError if refused."""
    return _inspect_update(text) if update else _inspect_query(text)
