"""SPARQL: the project's prefixes predeclared, named queries, result formats.

Queries run on pyoxigraph with the union of all graphs as the default graph.
Results are streamed straight from pyoxigraph to the output format; no rdflib
terms are made on the way. Updates, ``SERVICE`` and ``LOAD`` are refused here:
``query`` only reads, and nothing is fetched from the network.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache, wraps
from importlib import resources
from typing import IO, Any, TypeVar

import pyoxigraph as ox

from .entailment import entail, schema_of
from .errors import QueryError, QueryTimeout, UsageError
from .namespaces import PREFIXES, XSD, curie, expand

__all__ = [
    "FORMATS",
    "NamedQuery",
    "Param",
    "bind_params",
    "check_query",
    "execute",
    "keywords",
    "named_queries",
    "parse_value",
    "query_kind",
    "refuse_fetching",
    "run_with_timeout",
    "select_rows",
    "syntax_message",
    "write_result",
]

T = TypeVar("T")
_QRF = ox.QueryResultsFormat
_RDF = ox.RdfFormat
SOLUTION_FORMATS: dict[str, Any] = {
    "table": None, "csv": _QRF.CSV, "tsv": _QRF.TSV, "json": _QRF.JSON, "xml": _QRF.XML}
BOOLEAN_FORMATS: dict[str, Any] = {"table": None, "json": _QRF.JSON, "xml": _QRF.XML}
GRAPH_FORMATS: dict[str, Any] = {
    "turtle": _RDF.TURTLE, "ntriples": _RDF.N_TRIPLES, "nt": _RDF.N_TRIPLES,
    "nquads": _RDF.N_QUADS, "jsonld": _RDF.JSON_LD, "rdfxml": _RDF.RDF_XML}
FORMATS = {"select": SOLUTION_FORMATS, "ask": BOOLEAN_FORMATS,
           "construct": GRAPH_FORMATS, "describe": GRAPH_FORMATS}
DEFAULT_FORMAT = {"select": "table", "ask": "table", "construct": "turtle",
                  "describe": "turtle"}

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


def check_params_used(text: str, names: list[str]) -> None:
    """UsageError for a parameter whose variable the query never mentions."""
    words = _OPAQUE.sub(" ", text)
    for name in names:
        if not re.search(rf"[?$]{re.escape(name.lstrip('?$'))}(?![\w\u00B7-\uFFFF])", words):
            raise UsageError(f"--param {name}: the query has no variable ?{name}")


def execute(store: Any, text: str, *, params: dict[str, Any] | None = None,
            source: str = "query", entailment: str = "rdfs") -> Any:
    """Run a read-only query on a :class:`~cartgraph.store.Store`.

    Returns pyoxigraph's lazy result (QuerySolutions, QueryBoolean or
    QueryTriples). ``source`` names the query in error messages (a file name);
    ``entailment`` is ``rdfs`` or ``none`` (see :mod:`cartgraph.entailment`).
    """
    check_query(text)
    engine = getattr(store, "ox", store)
    text = entail(text, entailment, lambda: schema_of(store))
    text = bind_params(text, params)
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
            prefixes = PREFIXES if fmt in {"turtle", "rdfxml"} else None
            ox.serialize(result, out, GRAPH_FORMATS[fmt], prefixes=prefixes)
        elif fmt == "table":
            out.write(_table(result).encode())
        else:
            result.serialize(out, FORMATS[kind][fmt])
    except (OSError, RuntimeError) as exc:
        raise QueryError(f"query failed: {exc}") from None


def display(term: Any) -> str:
    """A term as a person reads it in a table: CURIE, lexical form, or ``_:id``."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return curie(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal) and term.language:
        return f"{term.value}@{term.language}"
    return str(term.value)


def _table(result: Any) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "true\n" if bool(result) else "false\n"
    names = [v.value for v in result.variables]
    rows = [[display(row[i]).replace("\n", "\\n") for i in range(len(names))] for row in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]
    lines.append(f"({len(rows)} row{'s' * (len(rows) != 1)})")
    return "\n".join(lines) + "\n"


def select_rows(store: Any, text: str, params: dict[str, Any] | None = None
                ) -> list[dict[str, str]]:
    """A SELECT's rows as dicts of variable name to IRI string or literal lexical form."""
    result = execute(store, text, params=params)
    if not isinstance(result, ox.QuerySolutions):
        raise QueryError("select_rows needs a SELECT query")
    names = [v.value for v in result.variables]
    return [{n: str(row[n].value) for n in names if row[n] is not None} for row in result]




def run_with_timeout(work: Callable[[], T], timeout: float | None) -> T:
    """Run ``work`` in a worker thread; raise QueryTimeout when time is up.

    A running pyoxigraph query cannot be interrupted, so on timeout the thread
    is abandoned (it is a daemon) and the caller is expected to exit soon.
    """
    if not timeout:
        return work()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True, name="cartgraph-query")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise QueryTimeout(f"query timed out after {timeout:g} s")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


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
                "kind": self.kind, "params": [p.__dict__ for p in self.params]}


_HEADER = re.compile(r"#\s*(title|description|param):\s*(.*)")
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
    return NamedQuery(name, fields.get("title", name), fields.get("description", ""), text,
                      params)


@cache
def named_queries() -> dict[str, NamedQuery]:
    """Every named query shipped with the package, by name."""
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
