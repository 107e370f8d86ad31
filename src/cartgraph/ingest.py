"""Import and validate RDF files: strict parse, checks, atomic load, provenance.

The pipeline for each run:

1. **read** every input (paths, directories with ``recursive``, ``-`` for stdin),
   decompressing ``.gz``; the sha256 of the bytes, computed while streaming them,
   identifies the content. Nothing else happens to a source whose sha256 matches
   its provenance record: it is "unchanged" and costs one read of its bytes.
2. **parse and check** each new or changed input in one streaming pass: a strict
   pyoxigraph parse (W3C conformant), lexical checks of typed literals, terms
   missing from the ontology (warnings), graph ownership. Blank nodes are renamed
   apart per import, so two sources never share one.
3. **load**: on a store directory the checked quads stream, in bounded chunks,
   straight into the transaction's private snapshot, which is published only if
   every check (SHACL included, run on the loaded data in batches) passed; an error
   or a kill anywhere throws the snapshot away. Stores without such transactions
   (memory, remote) and dry runs check everything into a scratch store first and
   write afterwards.

Counts and hashes come from the parsed input, never from what the store gives back
(Oxigraph canonicalises literals: "+1" is stored as "1").
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import itertools
import re
import stat
import sys
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from . import __version__
from .errors import InputError, ParseError, SourceError, ValidationError
from .literals import literal_problem
from .namespaces import DCTERMS, PROV, PROVENANCE_GRAPH, RDF_TYPE, VOCAB, XSD, source_iri

__all__ = [
    "FORMATS",
    "ImportOptions",
    "ImportReport",
    "SourceRecord",
    "SourceResult",
    "drop_source",
    "import_files",
    "read_sources",
    "validate_files",
]

F = ox.RdfFormat
EXTENSIONS: dict[str, ox.RdfFormat] = {
    ".ttl": F.TURTLE, ".turtle": F.TURTLE, ".nt": F.N_TRIPLES, ".nq": F.N_QUADS,
    ".trig": F.TRIG, ".jsonld": F.JSON_LD, ".rdf": F.RDF_XML, ".owl": F.RDF_XML,
}
FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": F.TURTLE, "ttl": F.TURTLE, "ntriples": F.N_TRIPLES, "nt": F.N_TRIPLES,
    "nquads": F.N_QUADS, "nq": F.N_QUADS, "trig": F.TRIG, "jsonld": F.JSON_LD,
    "json-ld": F.JSON_LD, "rdfxml": F.RDF_XML, "xml": F.RDF_XML,
}
_BOM = b"\xef\xbb\xbf"
_PROV = ox.NamedNode(PROVENANCE_GRAPH)
_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_CHUNK = 100_000  # quads per bulk_extend call: bounds memory, and is faster than one call
_SHACL_BATCH = 50_000  # triples per pyshacl run on large inputs
_MAX_PROBLEMS = 20
_SPOOL = 32 << 20
_COMPACT_AT = 200_000
_REWRITE_FROM = 50_000  # statements a replaced source must hold to consider _rewrite_without
_REWRITE_KEEP = 1_000_000  # at most this many quads are set aside in memory meanwhile
Progress = Callable[[str, int, int], None]


@dataclass
class ImportOptions:
    """What ``import`` and ``validate`` are asked to do (all optional)."""

    graph: str | None = None
    source_id: str | None = None
    sources: list[str] | None = None
    base: str | None = None
    input_format: str | None = None
    shapes: str | None = None
    shacl: bool = True
    dry_run: bool = False
    recursive: bool = False
    wait: float = 0.0
    progress: Progress | None = None


@dataclass
class SourceRecord:
    """What the provenance graph says about one imported source."""

    source: str
    location: str
    sha256: str
    statements: int
    graphs: list[str]
    format: str = ""
    started: str = ""
    ended: str = ""
    version: str = ""
    base: str = ""  # the --base given at import ("" when relative IRIs used the location)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SourceResult:
    """What one run did (or, in a dry run, would do) with one input.

    ``status`` is "added", "replaced", "unchanged", or "valid" for validate;
    ``statements`` is what the input holds, ``removed`` what a replacement
    took away (the old record's count).
    """

    source: str
    location: str
    status: str
    statements: int
    graphs: list[str]
    removed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ImportReport:
    """The outcome of one ``import`` or ``validate`` run."""

    results: list[SourceResult]
    shacl: bool
    dry_run: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[SourceResult]:
        return self.results

    @property
    def changed(self) -> bool:
        return any(r.status in {"added", "replaced"} for r in self.results)

    @property
    def added(self) -> int:
        """Statements added (or, in a dry run, that would be)."""
        return sum(r.statements for r in self.results if r.status in {"added", "replaced"})

    @property
    def removed(self) -> int:
        return sum(r.removed for r in self.results)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "shacl": self.shacl, "summary": self.summary(),
                "added": self.added, "removed": self.removed,
                "warnings": self.warnings, "sources": [r.to_json() for r in self.results]}


# -- reading inputs -------------------------------------------------------------


@dataclass
class _Input:
    """One input: where its bytes are, how to parse them, which source it is."""

    location: str
    format: ox.RdfFormat
    source: str
    graph: str
    base: str | None
    sha256: str
    size: int
    path: Path | None = None  # a regular file, read again for parsing
    gz: bool = False
    spool: Any = None  # stdin or a non-regular file, kept in a temporary file
    _content: bytes | None = None

    def open(self) -> IO[bytes]:
        """A fresh stream of the (decompressed) bytes, a leading BOM skipped."""
        if self.spool is not None:
            self.spool.seek(0)
            raw: IO[bytes] = io.BufferedReader(_Unclosing(self.spool), buffer_size=1 << 20)
        else:
            assert self.path is not None
            raw = (gzip.open(self.path, "rb") if self.gz  # type: ignore[assignment]  # noqa: SIM115
                   else self.path.open("rb"))
        if raw.peek(3)[:3] == _BOM:  # type: ignore[attr-defined]
            raw.read(3)
        return raw

    def content(self) -> bytes:
        """All the bytes, read on demand to locate a problem's line (then kept)."""
        if self._content is None:
            with self.open() as stream:
                self._content = stream.read()
        return self._content

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
        self._content = None


class _Unclosing(io.RawIOBase):
    """A read-only view of a file that closing does not close."""

    def __init__(self, f: Any) -> None:
        self._f = f

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        return int(self._f.seek(pos, whence))

    def readinto(self, b: Any) -> int:
        data = self._f.read(len(b))
        b[: len(data)] = data
        return len(data)


def _format_for(name: str, explicit: str | None) -> ox.RdfFormat:
    if explicit:
        try:
            return FORMATS[explicit.lower()]
        except KeyError:
            raise InputError(f"unknown input format {explicit!r} "
                             f"(known: {', '.join(sorted(FORMATS))})") from None
    lower = name.lower().removesuffix(".gz")
    fmt = EXTENSIONS.get(Path(lower).suffix)
    if fmt is None:
        known = " ".join(sorted(EXTENSIONS))
        raise InputError(f"{name}: unknown file extension (known: {known}, optionally .gz; "
                         "or give --input-format)")
    return fmt


def _expand_paths(paths: list[str], recursive: bool) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            if not recursive:
                raise InputError(f"{p}: is a directory (use --recursive to import its files)")
            found = sorted(str(f) for f in path.rglob("*") if f.is_file()
                           and Path(f.name.lower().removesuffix(".gz")).suffix in EXTENSIONS)
            if not found:
                raise InputError(f"{p}: directory holds no RDF files "
                                 f"({' '.join(sorted(EXTENSIONS))}, optionally .gz)")
            out.extend(found)
        else:
            out.append(p)
    return out


def _digest(stream: IO[bytes], *, spool: Any = None) -> tuple[str, int]:
    """sha256 and length of a stream, copying it into ``spool`` when given."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
        if spool is not None:
            spool.write(chunk)
    return digest.hexdigest(), size


def _read(location: str, fmt: ox.RdfFormat, source: str, graph: str,
          base: str | None) -> _Input:
    """Hash one input's bytes (streaming) and remember where to read them again."""
    gz = location != "-" and location.lower().endswith(".gz")
    try:
        if location == "-":
            spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115
            sha, size = _digest(sys.stdin.buffer, spool=spool)
            return _Input(location, fmt, source, graph, base, sha, size, spool=spool)
        path = Path(location)
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{location}: is a directory (use --recursive)")
        regular = stat.S_ISREG(mode)
        with path.open("rb") as raw:
            stream: IO[bytes] = gzip.GzipFile(fileobj=raw) if gz else raw  # type: ignore[assignment]
            copy = None if regular else tempfile.SpooledTemporaryFile(  # noqa: SIM115
                max_size=_SPOOL)
            sha, size = _digest(stream, spool=copy)
        return _Input(location, fmt, source, graph, base, sha, size,
                      path=path if regular else None, gz=gz and regular, spool=copy)
    except FileNotFoundError:
        raise InputError(f"{location}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{location}: is a directory (use --recursive)") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"{location}: not a valid gzip file ({exc or 'truncated'})") from None
    except OSError as exc:
        raise InputError(f"{location}: cannot read: {exc.strerror or exc}") from None


def _inputs(paths: list[str], options: ImportOptions) -> list[_Input]:
    if not paths:
        raise InputError("no input files given")
    locations = _expand_paths(paths, options.recursive)
    if options.graph and len(locations) > 1:
        raise InputError("--graph names one graph, but several files were given")
    if "-" in locations and not (options.graph or options.source_id or options.sources):
        raise InputError("-: standard input needs --graph IRI (or --source-id) to name its source")
    if options.sources is not None and len(options.sources) != len(locations):
        raise InputError("sources: one source IRI is needed per input")
    named: list[tuple[str, ox.RdfFormat, str, str, str | None]] = []
    for i, location in enumerate(locations):
        if location == "-" and not options.input_format:
            raise InputError("-: standard input needs --input-format")
        fmt = _format_for(location, options.input_format)
        file_iri = Path(location).absolute().as_uri() if location != "-" else None
        if options.sources:
            source = options.sources[i]
        elif options.source_id:
            source = _iri(source_iri(options.source_id), "--source-id")
        elif options.graph:
            source = _iri(options.graph, "--graph")
        else:
            assert file_iri is not None
            source = file_iri
        graph = _iri(options.graph, "--graph") if options.graph else source
        base = _iri(options.base, "--base") if options.base else (file_iri or source)
        named.append((location, fmt, source, graph, base))
    seen: dict[str, str] = {}
    for location, _fmt, source, _graph, _base in named:
        if source in seen:
            raise InputError(f"{location}: names the same source as {seen[source]} ({source})")
        seen[source] = location
    inputs: list[_Input] = []
    try:
        for args in named:
            inputs.append(_read(*args))
    except BaseException:
        for inp in inputs:
            inp.close()
        raise
    return inputs


def _iri(text: str, what: str) -> str:
    from .namespaces import expand

    try:
        iri = expand(text)
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None
    return iri


# -- parsing and checking -------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """A byte stream that reports how far the parser has read."""

    def __init__(self, stream: IO[bytes], report: Callable[[int], None]) -> None:
        self._stream = stream
        self._report = report
        self._done = 0

    def close(self) -> None:
        self._stream.close()
        super().close()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._stream.read(len(b))
        n = len(data)
        b[:n] = data
        self._done += n
        self._report(self._done)
        return n


def _printable(text: str) -> str:
    """A message on one line: control characters escaped, at most 300 characters."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return text if len(text) <= 300 else text[:297] + "..."


def _locate(data: bytes, needles: list[str]) -> tuple[int, int] | None:
    """Line and column (1-based) of the first needle found in the document.

    A needle starting with ``:`` is a local name: it matches ``prefix:local`` for
    any prefix, as a whole token.
    """
    for needle in needles:
        if not needle:
            continue
        if needle.startswith(":"):
            pattern = (rb"(?<![\w.:/#<-])(?:[A-Za-z][\w.-]*)?" + re.escape(needle.encode())
                       + rb"(?![\w-])")
            m = re.search(pattern, data)
            pos = m.start() if m else -1
        else:
            pos = data.find(needle.encode())
        if pos >= 0:
            line = data.count(b"\n", 0, pos) + 1
            col = pos - (data.rfind(b"\n", 0, pos) + 1) + 1
            return line, col
    return None


def _spellings(iri: str) -> list[str]:
    """How an IRI is likely written in a document: in full, or as prefix:local."""
    local = re.split(r"[#/]", iri)[-1]
    return [f"<{iri}>", f'"{iri}"', f":{local}" if local else ""]


def _where(inp: _Input, needles: list[str]) -> str:
    found = _locate(inp.content(), needles)
    return f"{inp.location}:{found[0]}:{found[1]}" if found else inp.location


_CONTEXT_RE = re.compile(r'"@(?:context|import)"\s*:\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\])')
_VALUE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"(?!\s*:)')


def _remote_contexts(data: bytes) -> list[str]:
    """Every remote (string) @context or @import a JSON-LD document names."""
    import json

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):  # a regular expression does as a fallback
        text = data.decode("utf-8", errors="replace")
        return [v for m in _CONTEXT_RE.finditer(text) for v in _VALUE_RE.findall(m.group(1))]
    found: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in ("@context", "@import"):
                value = node.get(key)
                found += [v for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, str)]
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


def _parse_error(inp: _Input, exc: SyntaxError) -> InputError:
    message = str(exc.msg)
    if inp.format == F.JSON_LD and "LoadDocumentCallback" in message:
        contexts = _remote_contexts(inp.content())
        name = contexts[0] if contexts else "a remote document"
        where = _where(inp, ['"' + name + '"'])
        return InputError(f"{where}: remote JSON-LD @context {name} is not fetched "
                          "(nothing is); inline the context instead")
    message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ",
                     "", message)
    message = re.sub(r"^error at \d+:\d+: ", "", message)
    line = exc.lineno or None
    if line is None and inp.format == F.RDF_XML:
        line = _line_reached(inp.content(), inp.format)
    return ParseError(inp.location, _printable(message), line=line,
                      column=exc.offset or None)


class _OneLineAtATime(io.RawIOBase):
    """A byte stream that hands out at most one line per read."""

    def __init__(self, data: bytes) -> None:
        self._data, self._pos, self.lines = data, 0, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        end = self._data.find(b"\n", self._pos)
        end = len(self._data) if end < 0 else end + 1
        end = min(end, self._pos + len(buffer))
        chunk = self._data[self._pos:end]
        buffer[:len(chunk)] = chunk
        self._pos = end
        self.lines += chunk.endswith(b"\n")
        return len(chunk)

    @property
    def line(self) -> int:
        """The number of the line the last byte handed out is on."""
        return self.lines + (self._pos > 0 and self._data[self._pos - 1:self._pos] != b"\n")


def _line_reached(data: bytes, fmt: ox.RdfFormat) -> int | None:
    """The line on which a streaming parser stops with an error that names no line.

    pyoxigraph's RDF/XML parser reports none for errors such as an unknown
    prefix, but it reads as it goes: fed one line at a time, the lines it has
    read when it fails end with the faulty one.
    """
    stream = _OneLineAtATime(data)
    try:
        for _ in ox.parse(stream, format=fmt):  # type: ignore[arg-type]  # a raw stream
            pass
    except SyntaxError:
        return stream.line or None
    except Exception:  # only a hint: no line rather than a new error
        return None
    return None


@dataclass
class _Scan:
    """What one parse of an input found."""

    input: _Input
    statements: int = 0
    graphs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    staged: Any = None  # the scratch store holding its quads, when staged


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


def _quads(inp: _Input, scan: _Scan, *, known_terms: set[str],
           progress: Progress | None) -> Iterator[ox.Quad]:
    """Parse one input strictly, check it, and yield the quads to store.

    Fills ``scan`` (counts, graphs written, warnings) as it goes; raises ParseError,
    ValidationError (ill-typed literals) or InputError when the input is not valid.
    """
    target = ox.NamedNode(inp.graph)
    rename = _Renamer(inp.source)
    datasets = inp.format.supports_datasets
    graphs: dict[str, None] = {}
    default_used = False
    unknown: dict[str, None] = {}
    problems: list[str] = []
    bnode = ox.BlankNode
    literal = ox.Literal
    triple = ox.Triple
    if inp.size < 1024 and not inp.content().strip():
        scan.warnings.append(f"{inp.location}: holds no statements (empty input)")
        scan.graphs = [inp.graph]
        return  # empty for every format, JSON-LD included
    if inp.format == F.RDF_XML:
        _check_entities(inp)
    stream = inp.open()
    if progress is not None:
        total = inp.size
        report = progress

        def tell(done: int) -> None:
            report(inp.location, done, total)

        stream = io.BufferedReader(_CountingReader(stream, tell), buffer_size=1 << 20)
    try:
        with stream:
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
                        problems.append(problem)
                        if len(problems) >= _MAX_PROBLEMS:
                            break
                pv = p.value
                if pv.startswith(VOCAB):
                    if pv not in known_terms:
                        unknown[pv] = None
                elif pv == RDF_TYPE and o.value.startswith(VOCAB) and o.value not in known_terms:
                    unknown[o.value] = None
                g = target
                if datasets:
                    name = q.graph_name
                    tg = type(name)
                    if tg is ox.DefaultGraph:
                        default_used = True
                    else:
                        g = rename.graph(name.value) if tg is bnode else name
                        if g.value not in graphs:
                            graphs[g.value] = None
                else:
                    default_used = True
                yield ox.Quad(s, p, o, g)
    except SyntaxError as exc:
        raise _parse_error(inp, exc) from None
    except RecursionError:
        raise InputError(f"{inp.location}: nesting too deep") from None
    except (ValueError, OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{inp.location}: {_printable(str(exc))}") from None
    if problems:
        lines = [f"{_where(inp, [_quoted(p)])}: {p}" for p in problems]
        if len(problems) >= _MAX_PROBLEMS:
            lines.append(f"{inp.location}: stopped after {_MAX_PROBLEMS} ill-typed literals")
        raise ValidationError("\n".join(lines), report=lines)
    vocab_terms = [t for t in known_terms if t.startswith(VOCAB)]
    for term in unknown:
        hint = get_close_matches(term, vocab_terms, n=1, cutoff=0.75)
        suggestion = f" (did you mean cg:{hint[0].removeprefix(VOCAB)}?)" if hint else ""
        scan.warnings.append(f"{_where(inp, _spellings(term))}: cg:{term.removeprefix(VOCAB)} "
                             f"is not in the ontology{suggestion}")
    if scan.statements == 0:
        scan.warnings.append(f"{inp.location}: holds no statements (empty input)")
    written = [inp.graph] if default_used or not graphs or inp.graph in graphs else []
    scan.graphs = written + [g for g in graphs if g != inp.graph]


_ENTITY_RE = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s>]+)\s+(SYSTEM|PUBLIC|\"[^\"]*\"|'[^']*')")


def _check_entities(inp: _Input) -> None:
    """Refuse XML entities that would be fetched, read from disk, or expand explosively.

    Plain internal entities (``<!ENTITY xsd "http://...#">``, common in OWL files)
    are fine; external ones are never resolved, and an entity built from other
    entities (the "billion laughs") is refused before the parser sees it.
    """
    with inp.open() as stream:
        head = stream.read(1 << 20)
    if b"<!ENTITY" not in head:
        return
    for m in _ENTITY_RE.finditer(head):
        name = m.group(2).decode(errors="replace")
        line = head.count(b"\n", 0, m.start()) + 1
        where = f"{inp.location}:{line}:"
        if m.group(1):
            raise InputError(f"{where} XML parameter entity %{name} is not supported")
        if m.group(3) in {b"SYSTEM", b"PUBLIC"}:
            raise InputError(f"{where} XML external entity {name} is never resolved "
                             "(nothing is read or fetched); inline its value")
        if b"&" in m.group(3):
            raise InputError(f"{where} XML entity {name} refers to other entities; "
                             "nested entities are refused (they can expand without bound)")


def _quoted(problem: str) -> str:
    """The quoted lexical form inside an ill-typed literal message."""
    m = re.match(r'ill-typed literal ("[^"]*)', problem)
    return m.group(1) if m else ""


def _drain(quads: Iterable[ox.Quad], sink: Callable[[list[ox.Quad]], None] | None) -> None:
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


# -- provenance -----------------------------------------------------------------


def read_sources(store: Any) -> dict[str, SourceRecord]:
    """The import records in the provenance graph, by source IRI.

    ``store`` is anything with a SPARQL ``query`` method returning pyoxigraph
    results: a :class:`~cartgraph.store.Store`, a ``pyoxigraph.Store`` or a remote store.
    """
    text = f"""
    SELECT ?s ?location ?sha ?count ?format ?graph ?start ?end ?version ?base WHERE {{
      GRAPH <{PROVENANCE_GRAPH}> {{
        ?s <{VOCAB}sha256> ?sha ; <{VOCAB}location> ?location ; <{VOCAB}tripleCount> ?count .
        OPTIONAL {{ ?s <{DCTERMS}format> ?format }}
        OPTIONAL {{ ?s <{VOCAB}baseIRI> ?base }}
        OPTIONAL {{ ?s <{VOCAB}graph> ?graph }}
        OPTIONAL {{ ?a <{PROV}used> ?s ; <{PROV}startedAtTime> ?start ;
                       <{PROV}endedAtTime> ?end ; <{VOCAB}cartgraphVersion> ?version }}
      }}
    }}"""
    records: dict[str, SourceRecord] = {}
    for row in store.query(text):
        source = row["s"].value
        rec = records.get(source)
        if rec is None:
            rec = records[source] = SourceRecord(
                source=source, location=row["location"].value, sha256=row["sha"].value,
                statements=int(row["count"].value), graphs=[],
                format=row["format"].value if row["format"] else "",
                started=row["start"].value if row["start"] else "",
                ended=row["end"].value if row["end"] else "",
                version=row["version"].value if row["version"] else "",
                base=row["base"].value if row["base"] else "")
        if row["graph"] and row["graph"].value not in rec.graphs:
            rec.graphs.append(row["graph"].value)
    for rec in records.values():
        rec.graphs.sort()
    return dict(sorted(records.items(), key=lambda kv: kv[1].location))


def _activity(source: str) -> ox.NamedNode:
    return ox.NamedNode(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, source)}")


def _provenance(scan: _Scan, started: str, ended: str, base: str | None) -> list[ox.Quad]:
    inp = scan.input
    s, a = ox.NamedNode(inp.source), _activity(inp.source)

    def iri(local: str, ns: str = VOCAB) -> ox.NamedNode:
        return ox.NamedNode(ns + local)

    def lit(value: Any, dtype: str = "string") -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + dtype))

    triples: list[tuple[Any, Any, Any]] = [
        (s, _RDF_TYPE, iri("Entity", PROV)),
        (s, iri("location"), lit(inp.location)),
        (s, iri("sha256"), lit(inp.sha256)),
        (s, iri("tripleCount"), lit(scan.statements, "integer")),
        (s, iri("format", DCTERMS), lit(inp.format.media_type)),
        *([(s, iri("baseIRI"), lit(base, "anyURI"))] if base else []),
        *((s, iri("graph"), ox.NamedNode(g)) for g in scan.graphs),
        (a, _RDF_TYPE, iri("Import")),
        (a, _RDF_TYPE, iri("Activity", PROV)),
        (a, iri("used", PROV), s),
        *((a, iri("generated", PROV), ox.NamedNode(g)) for g in scan.graphs),
        (a, iri("startedAtTime", PROV), lit(started, "dateTime")),
        (a, iri("endedAtTime", PROV), lit(ended, "dateTime")),
        (a, iri("cartgraphVersion"), lit(__version__)),
    ]
    return [ox.Quad(*t, _PROV) for t in triples]


def _remove_source(writer: Any, record: SourceRecord) -> None:
    """Remove a source's graphs and its provenance record."""
    graphs = {ox.NamedNode(g) for g in record.graphs}
    if not _rewrite_without(writer, graphs, record.statements):
        for g in graphs:
            writer.remove_graph(g)
    for subject in (ox.NamedNode(record.source), _activity(record.source)):
        for q in list(writer.quads_for_pattern(subject, None, None, _PROV)):
            writer.remove(q)


def _rewrite_without(writer: Any, graphs: set[ox.NamedNode], removed: int) -> bool:
    """Drop ``graphs`` by rewriting the rest, when the rest is the smaller part.

    On disk pyoxigraph deletes quad by quad (remove_graph took 70-85 s for 1M
    triples) while ``clear()`` is instant: when fewer quads stay than go, copy
    what stays aside, clear, and write it back. Only for a private copy (a
    transaction's snapshot); False when not done.
    """
    if not getattr(writer, "private_copy", False) or removed < _REWRITE_FROM:
        return False
    limit = min(removed, _REWRITE_KEEP)
    kept_graphs = [g for g in writer.named_graphs() if g not in graphs]
    aside = ox.Store()  # in memory: compact, and gone when this returns
    count = 0
    for g in [ox.DefaultGraph(), *kept_graphs]:
        quads = writer.quads_for_pattern(None, None, None, g)
        while batch := list(itertools.islice(quads, 10_000)):
            count += len(batch)
            if count > limit:
                return False  # more stays than goes: deleting is cheaper
            aside.extend(batch)
    writer.clear()
    for g in kept_graphs:
        writer.add_graph(g)
    writer.bulk_extend(aside)
    return True


def _check_ownership(scans: Iterable[_Scan], records: dict[str, SourceRecord],
                     existing: Callable[[str], bool]) -> None:
    """A source writes only graphs that are its own, or new."""
    owner = {g: rec.source for rec in records.values() for g in rec.graphs}
    for scan in scans:
        for g in scan.graphs:
            other = owner.get(g)
            if g == PROVENANCE_GRAPH:
                raise SourceError(f"{scan.input.location}: graph <{g}> is cartgraph's "
                                  "provenance graph; no source may write to it")
            if other is not None and other != scan.input.source:
                raise SourceError(f"{scan.input.location}: graph <{g}> belongs to source "
                                  f"<{other}>; drop that source first or choose another --graph")
            if other is None and existing(g):
                raise SourceError(f"{scan.input.location}: graph <{g}> already exists in the "
                                  "store and no import wrote it; choose another --graph")
            owner[g] = scan.input.source


# -- SHACL ----------------------------------------------------------------------


@dataclass
class _Checks:
    """The ontology's terms, and (when SHACL is on) the ontology and shapes graphs."""

    known: set[str]
    ontology: Any = None
    shapes: Any = None


def _checks(options: ImportOptions) -> _Checks:
    from .bundled import ontology_path, shapes_path
    from .validate import load_rdflib

    ontology = load_rdflib(ontology_path())
    known = {str(t) for t in ontology.subjects()}
    if not options.shacl:
        return _Checks(known)
    shapes_file = options.shapes or shapes_path()
    if not options.shapes and not Path(shapes_file).is_file():
        raise InputError(f"{shapes_file}: the bundled shapes are missing; give --shapes FILE "
                         "or --no-shacl")
    return _Checks(known, ontology, load_rdflib(shapes_file))


TypesOf = Callable[[list[ox.NamedNode]], Iterable[tuple[ox.NamedNode, ox.NamedNode]]]


def _types_in(*stores: Any) -> TypesOf:
    """Look up rdf:type of nodes in stores with ``quads_for_pattern`` (or ``.ox``)."""
    readers = [getattr(s, "ox", s) for s in stores if s is not None]

    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for node in nodes:
            for r in readers:
                for q in r.quads_for_pattern(node, _RDF_TYPE, None, None):
                    if isinstance(q.object, ox.NamedNode):
                        yield node, q.object
    return types_of


def _types_by_query(store: Any) -> TypesOf:
    """Look up rdf:type of nodes with SPARQL (for stores that only answer queries)."""
    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for i in range(0, len(nodes), 200):
            values = " ".join(str(n) for n in nodes[i:i + 200])
            for row in store.query(f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} "
                                   f"GRAPH ?g {{ ?s <{RDF_TYPE}> ?t }} }}"):
                if isinstance(row["t"], ox.NamedNode):
                    yield row["s"], row["t"]
    return types_of


def _batches(data: Any, graphs: list[str]) -> Iterator[tuple[list[ox.Quad], set[str]]]:
    """The input's quads in batches of whole subject descriptions, with their focus nodes.

    A batch holds every statement about its subjects and about the blank nodes
    they lead to, so that shapes see complete descriptions.
    """
    names = [ox.NamedNode(g) for g in graphs]
    total = 0
    for g in names:
        for _ in data.quads_for_pattern(None, None, None, g):
            total += 1
            if total > _SHACL_BATCH:
                break
    if total <= _SHACL_BATCH:
        quads = [q for g in names for q in data.quads_for_pattern(None, None, None, g)]
        yield quads, {_key(q.subject) for q in quads}
        return
    subjects: dict[Any, None] = {}
    for g in names:
        for q in data.quads_for_pattern(None, None, None, g):
            subjects[q.subject] = None
    batch: list[ox.Quad] = []
    focus: set[str] = set()
    for s in subjects:
        focus.add(_key(s))
        todo, seen = [s], {s}
        while todo:  # the subject and the blank nodes it leads to, iteratively
            node = todo.pop()
            for g in names:
                for q in data.quads_for_pattern(node, None, None, g):
                    batch.append(q)
                    o = q.object
                    if isinstance(o, ox.BlankNode) and o not in seen:
                        seen.add(o)
                        todo.append(o)
        if len(batch) >= _SHACL_BATCH:
            yield batch, focus
            batch, focus = [], set()
    if batch:
        yield batch, focus


def _key(term: Any) -> str:
    return str(term.value) if hasattr(term, "value") else str(term)


def _shacl(scans: list[_Scan], data: Any, types_of: TypesOf, checks: _Checks,
           progress: Progress | None) -> None:
    """Raise ValidationError listing every SHACL violation on the inputs' own nodes."""
    from .convert import to_rdflib_graph
    from .validate import shacl_check

    violations = []
    for scan in scans:
        for n, (quads, focus) in enumerate(_batches(data, scan.graphs)):
            if progress is not None:
                progress(f"SHACL {scan.input.location}", n, n + 1)
            graph = to_rdflib_graph(quads)
            referenced = list({q.object: None for q in quads
                               if isinstance(q.object, ox.NamedNode)})
            to_rdflib_graph((ox.Triple(s, _RDF_TYPE, t) for s, t in types_of(referenced)), graph)
            del quads
            for v in shacl_check(graph, shapes=checks.shapes, ontology=checks.ontology,
                                 focus=focus):
                located = type(v)(**{**v.to_json(),
                                     "location": _where(scan.input, _spellings(v.focus))})
                if v.severity == "Violation":
                    violations.append(located)
                else:
                    scan.warnings.append(located.line())
    if violations:
        lines = [v.line() for v in violations]
        lines += [f"warning: {w}" for scan in scans for w in scan.warnings]
        raise ValidationError(
            f"{len(violations)} SHACL violation{'s' * (len(violations) != 1)}:\n"
            + "\n".join(lines), report=violations)


# -- the two entry points -------------------------------------------------------


def validate_files(paths: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Check files as ``import`` would, against the bundled graph; write nothing.

    Raises ParseError, ValidationError or InputError on the first problem found.
    """
    from .store import Store

    options = options or ImportOptions()
    inputs = _inputs(paths, options)
    try:
        checks = _checks(options)
        bundled = Store.memory() if options.shacl else None
        scans = _stage(inputs, checks, options, context=bundled, records={},
                       existing=lambda _g: False)
    finally:
        for inp in inputs:
            inp.close()
    results = [SourceResult(s.input.source, s.input.location, "valid", s.statements, s.graphs,
                            warnings=s.warnings) for s in scans]
    return _report(results, options, dry_run=False)  # "valid" says enough


def _stage(inputs: list[_Input], checks: _Checks, options: ImportOptions, *, context: Any,
           records: dict[str, SourceRecord], existing: Callable[[str], bool],
           keep: bool = False) -> list[_Scan]:
    """Parse and check inputs without touching the store (validate, dry runs, and
    stores without atomic transactions). Returns the scans; with ``keep`` (or SHACL
    on) the quads wait in a scratch store, ``scans[i].staged``."""
    scratch = ox.Store() if keep or options.shacl else None
    scans = []
    for inp in inputs:
        scan = _Scan(inp)
        _drain(_quads(inp, scan, known_terms=checks.known, progress=options.progress),
               scratch.bulk_extend if scratch is not None else None)
        scans.append(scan)
    _check_ownership(scans, records, existing)
    if options.shacl and scratch is not None:
        types_of = (_types_in(scratch, context) if context is None or hasattr(context, "ox")
                    else _chain(_types_in(scratch), _types_by_query(context)))
        _shacl(scans, scratch, types_of, checks, options.progress)
    for scan in scans:
        scan.staged = scratch
    return scans


def _chain(*lookups: TypesOf) -> TypesOf:
    def types_of(nodes: list[ox.NamedNode]) -> Iterator[tuple[ox.NamedNode, ox.NamedNode]]:
        for lookup in lookups:
            yield from lookup(nodes)
    return types_of


def import_files(store: Any, paths: list[str], options: ImportOptions | None = None
                 ) -> ImportReport:
    """Import files into ``store``: all of them, or (on any error) none."""
    options = options or ImportOptions()
    inputs = _inputs(paths, options)
    try:
        return _import(store, inputs, options)
    finally:
        for inp in inputs:
            inp.close()


def _import(store: Any, inputs: list[_Input], options: ImportOptions) -> ImportReport:
    existing = read_sources(store)

    def unchanged(inp: _Input, records: dict[str, SourceRecord]) -> SourceResult | None:
        old = records.get(inp.source)
        if old is None or old.sha256 != inp.sha256 or old.format != inp.format.media_type \
                or old.base != (options.base or ""):
            return None
        return SourceResult(inp.source, inp.location, "unchanged", old.statements, old.graphs)

    if all(unchanged(i, existing) for i in inputs):  # the cheap, common case
        return _report([r for i in inputs if (r := unchanged(i, existing))], options)
    checks = _checks(options)
    graph_exists = _graph_exists(store)

    def result(scan: _Scan, records: dict[str, SourceRecord]) -> SourceResult:
        old = records.get(scan.input.source)
        return SourceResult(scan.input.source, scan.input.location,
                            "replaced" if old else "added", scan.statements, scan.graphs,
                            removed=old.statements if old else 0, warnings=scan.warnings)

    atomic = getattr(store, "atomic_transactions", False)
    if options.dry_run or not atomic:
        changed = [i for i in inputs if not unchanged(i, existing)]
        staged = _stage(changed, checks, options, context=store, records=existing,
                        existing=graph_exists, keep=not options.dry_run)
        by_source = {s.input.source: s for s in staged}
        if options.dry_run:
            return _report([unchanged(i, existing) or result(by_source[i.source], existing)
                            for i in inputs], options)

    results: list[SourceResult] = []
    with store.transaction(wait=options.wait) as writer:
        current = read_sources(writer)  # re-read under the lock
        scans: list[_Scan] = []
        for inp in inputs:
            if (same := unchanged(inp, current)) is not None:
                results.append(same)
                continue
            started = _now()
            old = current.get(inp.source)
            if old is not None:
                _remove_source(writer, old)
            if atomic:
                scan = _Scan(inp)
                _drain(_quads(inp, scan, known_terms=checks.known, progress=options.progress),
                       lambda chunk: writer.bulk_extend(chunk))  # no bound method kept
            else:
                if inp.source not in by_source:
                    raise SourceError(f"{inp.location}: another process imported this source "
                                      "while it was being checked; run the import again")
                scan = by_source[inp.source]
                _load_staged(writer, scan)
            if options.progress:
                options.progress(f"recording {inp.location}", 1, 1)
            scans.append(scan)
            results.append(result(scan, current))
            writer.extend(_provenance(scan, started, _now(), options.base))
        if atomic:
            before = _graphs_before(store)
            _check_ownership(scans, current, before.__contains__)
            if options.shacl and scans:
                _shacl(scans, writer, _types_in(writer), checks, options.progress)
        if atomic and sum(scan.statements for scan in scans) >= _COMPACT_AT:
            # Chunked bulk loads leave many overlapping SST files, and read-only
            # opens never compact: compact once before publishing (about 4 s at 1M
            # triples; queries on the result were up to 2x faster, benchmarks/).
            writer.optimize()
    return _report(results, options)


def _load_staged(writer: Any, scan: _Scan) -> None:
    for g in scan.graphs:
        _drain(scan.staged.quads_for_pattern(None, None, None, ox.NamedNode(g)),
               writer.bulk_extend)


def _graph_exists(store: Any) -> Callable[[str], bool]:
    reader = getattr(store, "ox", None)
    if reader is not None:
        return lambda g: bool(reader.contains_named_graph(ox.NamedNode(g)))

    def ask(g: str) -> bool:
        # FROM NAMED: a remote store must look past the graphs cartgraph wrote
        result = store.query(f"ASK FROM NAMED <{g}> {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
        return bool(result)
    return ask


def _graphs_before(store: Any) -> set[str]:
    """Named graphs in the committed state (what the writer started from)."""
    reader = getattr(store, "ox", None)
    if reader is None:
        return set()
    return {g.value for g in reader.named_graphs() if isinstance(g, ox.NamedNode)}


def _report(results: list[SourceResult], options: ImportOptions, *,
            dry_run: bool | None = None) -> ImportReport:
    return ImportReport(results, shacl=options.shacl,
                        dry_run=options.dry_run if dry_run is None else dry_run,
                        warnings=[w for r in results for w in r.warnings])


def drop_source(store: Any, source: str, *, wait: float = 0.0) -> SourceRecord:
    """Remove everything one source wrote. ``source`` is its IRI or its location."""
    def find(records: dict[str, SourceRecord]) -> SourceRecord:
        for rec in records.values():
            if source in {rec.source, rec.location} or (
                    source != "-" and Path(source).absolute().as_uri() == rec.source):
                return rec
        raise SourceError(f"{source}: no such source (see `cartgraph sources`)")

    find(read_sources(store))
    with store.transaction(wait=wait) as writer:
        rec = find(read_sources(writer))
        _remove_source(writer, rec)
    return rec


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
