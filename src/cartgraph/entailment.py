"""RDFS entailment for queries, by rewriting them (nothing is materialised).

Under the ``rdfs`` regime (the default of ``query``, the Python API and the
server) a query's default-graph triple patterns see what RDFS entails from the
``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` statements in the store:

- ``?x a C`` (or ``rdf:type``) also matches instances of C's subclasses, at any
  depth (rules rdfs9 and rdfs11); ``?x a ?c`` lists every class of ``?x``;
- ``?s p ?o`` also matches statements made with a sub-property of ``p`` (rdfs7,
  rdfs5);
- ``rdfs:subClassOf`` and ``rdfs:subPropertyOf`` are transitive.

How: ``a C`` becomes the path ``a/rdfs:subClassOf* C`` when C has subclasses
(a class without any is left as written); when some resource reaches C through
two of its asserted types (``x a cg:Source, prov:Entity``), the path gets an
alternative with a property nothing uses, which the engine evaluates with set
semantics, so ``x`` stays one answer. ``p`` becomes ``(p|sub1|sub2)``. The
:class:`Schema` that decides this is derived data kept with the store's text
index (cartgraph.search), recomputed in the same atomic write as every import.

Not entailed: patterns with a variable predicate (``?s ?p ?o`` sees the asserted
triples), patterns inside ``GRAPH`` (one graph's asserted triples; the ontology
is another graph), predicates written as paths (the author chose the path), the
short form ``CONSTRUCT WHERE``, domain and range (rdfs2, rdfs3), and the
reflexive and axiomatic triples of RDFS.

Why rewriting rather than materialising: at 1M synthetic triples the closure is
330,000 extra quads (every identifier is also a ``cg:externalId`` and a
``dcterms:identifier``), which made imports about 45% slower; rewritten queries
cost about what the same answers cost from a materialised store
(benchmarks/bench_entailment.py, README).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .errors import UsageError
from .namespaces import PREFIXES, RDF_TYPE, RDFS, VOCAB

__all__ = [
    "DEFAULT",
    "NONE_PROPERTY",
    "REGIMES",
    "check_regime",
    "entail",
    "rewrite",
    "subproperty_query",
]

REGIMES = ("none", "rdfs")
DEFAULT = "rdfs"
#: a property no data uses: an alternative with it makes the engine drop duplicates
NONE_PROPERTY = VOCAB + "entailmentNone"
_SUBCLASS = RDFS + "subClassOf"
_SUBPROPERTY = RDFS + "subPropertyOf"

_TOKEN = re.compile(r'''
  (?P<ws>\s+|\#[^\n]*)
| (?P<str>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
          |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
| (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)
| (?P<bnode>_:[A-Za-z0-9_\u00C0-\uFFFF](?:[\w.\-\u00B7\u00C0-\uFFFF]*[\w\-\u00B7\u00C0-\uFFFF])?)
| (?P<pname>(?:[A-Za-z\u00C0-\uFFFF](?:[\w.\-\u00B7\u00C0-\uFFFF]*[\w\-\u00B7\u00C0-\uFFFF])?)?
            :(?:[\w\-:%\u00B7\u00C0-\uFFFF]|\\[^\s]|\.(?=[\w\-:%\u00C0-\uFFFF]))*)
| (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
| (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<punct>\^\^|&&|\|\||!=|<=|>=|<<|>>|[{}()\[\].,;^!|/*+?=<>\-])
''', re.X)


class _Confused(Exception):
    """The rewriter met something it does not follow: the query is left as written."""


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int
    end: int

    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def check_regime(name: str) -> str:
    """The regime's name, lower-cased; UsageError for an unknown one."""
    regime = (name or "").strip().lower()
    if regime not in REGIMES:
        raise UsageError(f"entailment {name!r}: use one of {', '.join(REGIMES)}")
    return regime


def _tokens(text: str) -> list[_Tok]:
    found = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _Confused(f"unexpected character {text[pos]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            found.append(_Tok(kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return found


_END = _Tok("end", "", -1, -1)
_TERMS = {"iri", "pname", "var", "bnode", "num", "str"}


class _Walker:
    """Finds the predicates of default-graph triple patterns (their token spans)."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens
        self.i = 0
        self.prefixes: dict[str, str] = dict(PREFIXES)
        # (predicate token, its full IRI, the IRIs of its objects: None for anything else)
        self.found: list[tuple[_Tok, str, list[str | None]]] = []

    # -- tokens --------------------------------------------------------------
    def peek(self, k: int = 0) -> _Tok:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else _END

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is _END:
            raise _Confused("unexpected end of query")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        if self.take().text != text:
            raise _Confused(f"expected {text}")

    def iri_of(self, tok: _Tok) -> str | None:
        if tok.kind == "iri":
            return tok.text[1:-1]
        if tok.kind == "pname":
            prefix, _, local = tok.text.partition(":")
            ns = self.prefixes.get(prefix)
            return None if ns is None else ns + local.replace("\\", "")
        if tok.kind == "word" and tok.text == "a":
            return RDF_TYPE
        return None

    # -- the query -----------------------------------------------------------
    def query(self) -> None:
        while self.peek() is not _END:
            tok = self.take()
            word = tok.word()
            if word == "PREFIX":
                name, iri = self.take(), self.take()
                if name.kind != "pname" or iri.kind != "iri":
                    raise _Confused("bad PREFIX")
                self.prefixes[name.text[:-1]] = iri.text[1:-1]
            elif word == "CONSTRUCT":
                if self.peek().text == "{":
                    self.take()
                    self.skip_braces()
                else:
                    return  # CONSTRUCT WHERE: the pattern is also the template
            elif word == "VALUES":
                self.skip_values()
            elif tok.text == "(":
                self.expression()
            elif tok.text == "{":
                self.group(in_graph=False)

    def skip_braces(self) -> None:
        """After a ``{``: skip to its matching ``}``."""
        depth = 1
        while depth:
            text = self.take().text
            depth += (text == "{") - (text == "}")

    def skip_values(self) -> None:
        while self.peek().text != "{":
            self.take()
        self.take()
        self.skip_braces()

    def expression(self) -> None:
        """After a ``(``: skip an expression to its ``)``, walking EXISTS groups."""
        depth = 1
        while depth:
            tok = self.take()
            depth += (tok.text == "(") - (tok.text == ")")
            if tok.word() == "EXISTS":
                self.expect("{")
                self.group(in_graph=self.in_graph)

    in_graph = False

    def group(self, *, in_graph: bool) -> None:
        """After a ``{``: a group graph pattern up to its ``}``."""
        outer, self.in_graph = self.in_graph, in_graph
        try:
            if self.peek().word() == "SELECT":
                self.subselect()
                return
            while True:
                tok = self.peek()
                word = tok.word()
                if tok.text == "}":
                    self.take()
                    return
                if tok.text == "{":
                    self.take()
                    self.group(in_graph=in_graph)
                elif tok.text == "." or word in {"OPTIONAL", "MINUS", "UNION"}:
                    self.take()
                elif word == "GRAPH":
                    self.take()
                    self.take()
                    self.expect("{")
                    self.group(in_graph=True)
                elif word == "SERVICE":
                    while self.take().text != "{":
                        pass
                    self.skip_braces()
                elif word == "FILTER":
                    self.take()
                    self.constraint()
                elif word == "BIND":
                    self.take()
                    self.expect("(")
                    self.expression()
                elif word == "VALUES":
                    self.take()
                    self.skip_values()
                else:
                    self.triples()
        finally:
            self.in_graph = outer

    def subselect(self) -> None:
        while self.peek().text != "{":
            if self.take().text == "(":
                self.expression()
        self.take()
        self.group(in_graph=self.in_graph)
        while True:  # solution modifiers, up to the wrapper's }
            tok = self.take()
            if tok.text == "}":
                return
            if tok.text == "(":
                self.expression()
            elif tok.word() == "VALUES":
                self.skip_values()

    def constraint(self) -> None:
        if self.peek().word() == "NOT":
            self.take()
        if self.peek().word() == "EXISTS":
            self.take()
            self.expect("{")
            self.group(in_graph=self.in_graph)
            return
        if self.peek().text != "(":
            self.take()  # a function's name
        self.expect("(")
        self.expression()

    # -- triples -------------------------------------------------------------
    def triples(self) -> None:
        first = self.peek().text
        self.node()
        if first in {"[", "("} and self.peek().text in {".", "}"}:
            return
        self.property_list()

    def property_list(self) -> None:
        while True:
            objects = self.verb()
            objects.append(self.node())
            while self.peek().text == ",":
                self.take()
                objects.append(self.node())
            if self.peek().text != ";":
                return
            while self.peek().text == ";":
                self.take()
            if self.peek().text in {".", "}", "]"}:
                return

    def node(self) -> str | None:
        """Parse a subject or object; its IRI when it is one, else None."""
        tok = self.take()
        if tok.text == "[":
            if self.peek().text != "]":
                self.property_list()
            self.expect("]")
        elif tok.text == "(":
            while self.peek().text != ")":
                self.node()
            self.take()
        elif tok.kind in _TERMS or tok.word() in {"TRUE", "FALSE"}:
            if tok.kind in {"iri", "pname"}:
                return self.iri_of(tok)
            if tok.kind == "str":
                if self.peek().text == "^^":
                    self.take()
                    self.take()
                elif self.peek().kind == "lang":
                    self.take()
        elif tok.text in {"+", "-"} and self.peek().kind == "num":
            self.take()
        else:
            raise _Confused(f"unexpected {tok.text!r}")
        return None

    def verb(self) -> list[str | None]:
        """Parse a predicate; the list its objects go into (kept when it may be rewritten)."""
        start = self.i
        first = self.peek()
        objects: list[str | None] = []
        if first.kind == "var":
            self.take()
            return objects
        self.path_alternative()
        if self.i - start == 1 and not self.in_graph:
            iri = self.iri_of(first)
            if iri is not None:
                self.found.append((first, iri, objects))
        return objects

    def path_alternative(self) -> None:
        self.path_sequence()
        while self.peek().text == "|":
            self.take()
            self.path_sequence()

    def path_sequence(self) -> None:
        self.path_element()
        while self.peek().text == "/":
            self.take()
            self.path_element()

    def path_element(self) -> None:
        if self.peek().text == "^":
            self.take()
        tok = self.take()
        if tok.text == "(":
            self.path_alternative()
            self.expect(")")
        elif tok.text == "!":
            if self.take().text == "(":
                while self.take().text != ")":
                    pass
        elif self.iri_of(tok) is None and tok.kind not in {"iri", "pname"}:
            raise _Confused(f"unexpected {tok.text!r} as a predicate")
        if self.peek().text in {"*", "+", "?"}:
            self.take()


@lru_cache(maxsize=256)
def _cached_predicates(text: str) -> tuple[tuple[_Tok, str, tuple[str | None, ...]], ...] | None:
    try:
        walker = _Walker(_tokens(text))
        walker.query()
    except _Confused:
        return None
    return tuple((tok, iri, tuple(objects)) for tok, iri, objects in walker.found)


def _predicates(text: str) -> list[tuple[_Tok, str, list[str | None]]]:
    """The rewritable predicates; _Confused when the query is not followed."""
    if len(text) <= 8192:  # a server sees the same short queries again and again
        found = _cached_predicates(text)
        if found is None:
            raise _Confused("not followed")
        return [(tok, iri, list(objects)) for tok, iri, objects in found]
    walker = _Walker(_tokens(text))
    walker.query()
    return walker.found


def rewrite(text: str, schema: Schema | None = None) -> str:
    """``text`` with its default-graph patterns made to see RDFS entailments.

    Without a ``schema`` every class is taken to have subclasses and to be
    ambiguous (the slowest, always correct form). A query the rewriter does not
    follow comes back as written (the engine then reports its syntax error).
    """
    return entail(text, "rdfs", schema or _UNKNOWN)


def _apply(text: str, found: list[tuple[_Tok, str, list[str | None]]], schema: Schema) -> str:
    none = f"<{NONE_PROPERTY}>"
    out = []
    pos = 0
    for tok, iri, objects in found:
        if iri == RDF_TYPE:
            if all(o is not None and o not in schema.superclasses for o in objects):
                continue  # no class here has a subclass: nothing to entail
            if any(o is None or o in schema.ambiguous for o in objects):
                # some entity has two asserted types under one class: a path with set
                # semantics (slower to join) keeps it one answer
                new = f"(<{RDF_TYPE}>/<{_SUBCLASS}>*|{none})"
            else:
                new = f"<{RDF_TYPE}>/<{_SUBCLASS}>*"
        elif iri in {_SUBCLASS, _SUBPROPERTY}:
            new = f"<{iri}>+"
        elif iri in schema.subproperties:
            subs = sorted(schema.subproperties[iri] - {iri})
            new = "(" + "|".join(f"<{p}>" for p in [iri, *subs]) + ")"
        else:
            continue
        out.append(text[pos:tok.start])
        out.append(new)
        pos = tok.end
    out.append(text[pos:])
    return "".join(out)


@dataclass(frozen=True)
class Schema:
    """What the rewriting needs to know of a store's class and property hierarchy.

    ``superclasses``: classes with at least one subclass; ``ambiguous``: classes that
    some resource reaches through two of its asserted types (``x a C, D`` with both
    under ``E``); ``subproperties``: each property's transitive sub-properties.
    """

    superclasses: frozenset[str] = frozenset()
    ambiguous: frozenset[str] = frozenset()
    subproperties: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"superclasses": sorted(self.superclasses), "ambiguous": sorted(self.ambiguous),
                "subproperties": {p: sorted(s) for p, s in sorted(self.subproperties.items())}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schema:
        return cls(frozenset(data["superclasses"]), frozenset(data["ambiguous"]),
                   {p: frozenset(s) for p, s in data["subproperties"].items()})


class _Everything(frozenset[str]):
    """A set that holds every class (for a store whose schema is unknown)."""

    def __contains__(self, item: object) -> bool:
        return True


_UNKNOWN = Schema(_Everything(), _Everything(), {})


_SCHEMA_QUERIES = {
    "superclasses": f"SELECT DISTINCT ?c WHERE {{ ?sub <{_SUBCLASS}>+ ?c . "
                    f"FILTER(isIRI(?c) && ?sub != ?c) }}",
    "ambiguous": f"SELECT DISTINCT ?c WHERE {{ ?x a ?t1 , ?t2 . FILTER(?t1 != ?t2) "
                 f"?t1 <{_SUBCLASS}>* ?c . ?t2 <{_SUBCLASS}>* ?c . FILTER(isIRI(?c)) }}",
}


def read_schema(select: Callable[[str], Iterable[tuple[Any, ...]]]) -> Schema:
    """The :class:`Schema` of a store; ``select`` runs a SELECT on its union graph
    and yields rows of IRI strings."""
    superclasses = frozenset(r[0] for r in select(_SCHEMA_QUERIES["superclasses"]))
    ambiguous = frozenset(r[0] for r in select(_SCHEMA_QUERIES["ambiguous"]))
    subs: dict[str, set[str]] = {}
    for sub, sup in select(subproperty_query()):
        subs.setdefault(sup, set()).add(sub)
    return Schema(superclasses, ambiguous, {p: frozenset(s) for p, s in subs.items()})


def subproperty_query() -> str:
    """A SELECT of (?sub, ?super) for every sub-property pair in the default graph."""
    return (f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{_SUBPROPERTY}>+ ?super . "
            f"FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }}")


def entail(text: str, regime: str, schema: Schema | Callable[[], Schema]) -> str:
    """The query to run under ``regime``; ``schema`` (or a function giving it, called
    only when the query has a pattern to rewrite) describes the store's hierarchy."""
    if check_regime(regime) == "none":
        return text
    try:
        found = _predicates(text)
    except _Confused:
        return text
    if not found:
        return text
    return _apply(text, found, schema() if callable(schema) else schema)


def schema_of(store: Any) -> Schema:
    """The store's schema: kept with its derived data, else read with queries."""
    from .search import stored_schema

    kept = stored_schema(store)
    if kept is not None:
        return kept
    engine = getattr(store, "ox", None)
    if engine is not None:
        return read_schema(lambda q: (tuple(t.value for t in row) for row in
                                      engine.query(q, use_default_graph_as_union=True)))
    return read_schema(lambda q: (tuple(t.value for t in row) for row in
                                  store.query(q, entailment="none")))
