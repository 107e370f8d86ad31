"""One strict, streaming parse of an input: quads to store, counts, checks.

Blank nodes are renamed apart per import, so that two sources never share one;
typed literals are checked lexically; terms missing from the ontology are
warnings. RDF/XML first goes through the XML guard (see ``xml.py``).
"""

from __future__ import annotations

import io
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import IO, Any

import pyoxigraph as ox

from ..errors import InputError, ValidationError
from ..literals import literal_problem
from ..namespaces import RDF_TYPE, VOCAB, XSD
from .inputs import Input
from .locate import parse_error, printable, quoted, spellings, where
from .model import Progress
from .xml import check_xml

_CHUNK = 100_000  # quads per bulk_extend call: bounds memory, and is faster than one call
_MAX_PROBLEMS = 20


class _CountingReader(io.RawIOBase):
    """The stream the parser reads: counts the bytes it took (and reports progress).

    The parser reads from this object directly, so ``done`` is what it consumed:
    a "token too long" error is placed from it.
    """

    def __init__(self, stream: IO[bytes], report: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._report = report
        self.done = 0

    def close(self) -> None:
        self._stream.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._stream.read(len(b))
        n = len(data)
        b[:n] = data
        self.done += n
        if self._report is not None:
            self._report(self.done)
        return n


@dataclass
class Scan:
    """What one parse of an input found."""

    input: Input
    statements: int = 0
    graphs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    staged: Any = None  # the scratch store holding its quads, when staged


@dataclass
class _Seen:
    """What the statement loop notices besides the quads."""

    graphs: dict[str, None] = field(default_factory=dict)
    default_used: bool = False
    unknown: dict[str, None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Renamer:
    """Blank nodes renamed apart per import (a random prefix on the document's label),
    blank-node graph names turned into stable IRIs derived from the source."""

    def __init__(self, source: str) -> None:
        self.prefix = "i" + uuid.uuid4().hex[:12]
        self.source = source

    def node(self, term: Any) -> Any:
        if type(term) is ox.BlankNode:
            return ox.BlankNode(self.prefix + term.value)
        if type(term) is ox.Triple:
            return ox.Triple(self.node(term.subject), term.predicate, self.node(term.object))
        return term

    def graph(self, label: str) -> ox.NamedNode:
        return ox.NamedNode(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, self.source + '#' + label)}")


def parse_quads(inp: Input, scan: Scan, *, known_terms: set[str],
                progress: Progress | None, keep: bool = True) -> Iterator[ox.Quad]:
    """Parse one input strictly, check it, and yield the quads to store (none when
    not ``keep``: the bulk loader writes them, see cartgraph.fastload).

    Fills ``scan`` (counts, graphs written, warnings) as it goes; raises ParseError,
    ValidationError (ill-typed literals) or InputError when the input is not valid.
    """
    if inp.size < 1024 and not inp.content().strip():
        scan.warnings.append(f"{inp.location}: holds no statements (empty input)")
        scan.graphs = [inp.graph]
        return  # empty for every format, JSON-LD included
    if inp.format == ox.RdfFormat.RDF_XML:
        check_xml(inp.open(), inp.location)
    report = None
    if progress is not None:
        def report(done: int) -> None:
            progress(inp.location, done, inp.size)
    stream = _CountingReader(inp.open(), report)
    seen = _Seen()
    try:
        with stream:
            statements = _statements(inp, scan, seen, stream, known_terms)
            if keep:
                yield from statements
            else:
                for _ in statements:
                    pass
    except SyntaxError as exc:
        raise parse_error(inp, exc) from None
    except MemoryError as exc:
        if "buffer maximal size" not in str(exc):
            raise
        raise _too_long(inp, stream.done, str(exc)) from None
    except RecursionError:
        raise InputError(f"{inp.location}: nesting too deep") from None
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{inp.location}: {printable(str(exc))}") from None
    _finish(inp, scan, seen, known_terms)


def _statements(inp: Input, scan: Scan, seen: _Seen, stream: Any,
                known_terms: set[str]) -> Iterator[ox.Quad]:
    """The hot loop: every parsed statement renamed, checked and put in its graph."""
    target = ox.NamedNode(inp.graph)
    rename = _Renamer(inp.source)
    datasets = inp.format.supports_datasets
    bnode, literal, triple = ox.BlankNode, ox.Literal, ox.Triple
    for q in ox.parse(stream, format=inp.format, base_iri=inp.base):
        scan.statements += 1
        s, p, o = q.subject, q.predicate, q.object
        ts, to = type(s), type(o)
        if ts is bnode or ts is triple:
            s = rename.node(s)
        if to is bnode or to is triple:
            o = rename.node(o)
        elif to is literal:
            dtype = o.datatype.value
            if dtype.startswith(XSD) and (problem := literal_problem(o.value, dtype)):
                seen.problems.append(problem)
                if len(seen.problems) >= _MAX_PROBLEMS:
                    return
        pv = p.value
        if pv.startswith(VOCAB):
            if pv not in known_terms:
                seen.unknown[pv] = None
        elif pv == RDF_TYPE and o.value.startswith(VOCAB) and o.value not in known_terms:
            seen.unknown[o.value] = None
        g = target
        if datasets:
            name = q.graph_name
            tg = type(name)
            if tg is ox.DefaultGraph:
                seen.default_used = True
            else:
                g = rename.graph(name.value) if tg is bnode else name
                if g.value not in seen.graphs:
                    seen.graphs[g.value] = None
        else:
            seen.default_used = True
        yield ox.Quad(s, p, o, g)


def _finish(inp: Input, scan: Scan, seen: _Seen, known_terms: set[str]) -> None:
    """After the parse: ill-typed literals are an error; unknown terms, warnings."""
    if seen.problems:
        lines = [f"{where(inp, [quoted(p)])}: {p}" for p in seen.problems]
        if len(seen.problems) >= _MAX_PROBLEMS:
            lines.append(f"{inp.location}: stopped after {_MAX_PROBLEMS} ill-typed literals")
        raise ValidationError("\n".join(lines), report=lines)
    vocab_terms = [t for t in known_terms if t.startswith(VOCAB)]
    for term in seen.unknown:
        hint = get_close_matches(term, vocab_terms, n=1, cutoff=0.75)
        suggestion = f" (did you mean cg:{hint[0].removeprefix(VOCAB)}?)" if hint else ""
        scan.warnings.append(f"{where(inp, spellings(term))}: cg:{term.removeprefix(VOCAB)} "
                             f"is not in the ontology{suggestion}")
    if scan.statements == 0:
        scan.warnings.append(f"{inp.location}: holds no statements (empty input)")
    graphs = seen.graphs
    written = [inp.graph] if seen.default_used or not graphs or inp.graph in graphs else []
    scan.graphs = written + [g for g in graphs if g != inp.graph]


def _too_long(inp: Input, done: int, message: str) -> InputError:
    """``file:line: token too long``, placed where the parser's full buffer began.

    The parser keeps the current token in a buffer of at most ``limit`` bytes, so
    the token starts about ``limit`` bytes before what it has read.
    """
    limit = int(message.rsplit(" ", 1)[-1]) if message.rsplit(" ", 1)[-1].isdigit() else 0
    offset, line = max(0, done - limit), 1
    with inp.open() as stream:
        while offset > 0 and (chunk := stream.read(min(offset, 1 << 20))):
            line += chunk.count(b"\n")
            offset -= len(chunk)
    size = f"{limit >> 20} MiB" if limit and limit % (1 << 20) == 0 else f"{limit} bytes"
    return InputError(f"{inp.location}:{line}: token too long (limit {size}): a single "
                      "literal, IRI or name this long cannot be parsed")


def drain(quads: Iterable[ox.Quad], sink: Callable[[list[ox.Quad]], None] | None) -> None:
    """Send quads to ``sink`` in chunks (or just consume them)."""
    chunk: list[ox.Quad] = []
    for q in quads:
        if sink is not None:
            chunk.append(q)
            if len(chunk) >= _CHUNK:
                sink(chunk)
                chunk = []
    if chunk and sink is not None:
        sink(chunk)

