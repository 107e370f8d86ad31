"""Import and validate RDF files: strict parse, checks, atomic load, provenance.

The pipeline for each run:

1. **read** every input (paths, directories with ``recursive``, ``-`` for stdin),
   decompressing ``.gz``; the sha256 of the bytes identifies the content;
2. **check** each input whose source is new or changed: a strict pyoxigraph parse
   (W3C conformant), lexical checks of typed literals, terms missing from the
   ontology (warnings), graph ownership, and SHACL unless turned off;
3. **load** everything in one store transaction: the old graphs of a changed
   source are removed, the new content bulk-loaded, and the provenance record
   (PROV-O) replaced. An error anywhere leaves the store as it was.

Re-importing identical bytes for the same source is detected by its sha256
before any parsing, and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

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

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SourceResult:
    """What one run did (or, in a dry run, would do) with one input."""

    source: str
    location: str
    status: str  # "added", "replaced", "unchanged" (or "valid" for validate)
    statements: int
    graphs: list[str]
    removed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ImportReport:
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

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "shacl": self.shacl, "summary": self.summary(),
                "warnings": self.warnings, "sources": [r.to_json() for r in self.results]}


@dataclass
class _Input:
    location: str
    data: bytes
    format: ox.RdfFormat
    source: str
    graph: str
    base: str | None
    sha256: str


@dataclass
class _Checked:
    input: _Input
    statements: int
    graphs: list[str]
    default_graph_used: bool
    warnings: list[str]
    quads: list[ox.Quad] | None


# -- reading inputs -------------------------------------------------------------


def _format_for(name: str, explicit: str | None) -> ox.RdfFormat:
    if explicit:
        return FORMATS[explicit.lower()]
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
                raise InputError(f"{p}: directory holds no RDF files")
            out.extend(found)
        else:
            out.append(p)
    return out


def _read(location: str) -> bytes:
    try:
        if location == "-":
            raw = sys.stdin.buffer.read()
        else:
            raw = Path(location).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{location}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{location}: is a directory (use --recursive)") from None
    except OSError as exc:
        raise InputError(f"{location}: cannot read: {exc.strerror}") from None
    if location.lower().endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"{location}: not a valid gzip file ({exc})") from None
    return raw


def _inputs(paths: list[str], options: ImportOptions) -> list[_Input]:
    if not paths:
        raise InputError("no input files given")
    locations = _expand_paths(paths, options.recursive)
    if options.graph and len(locations) > 1:
        raise InputError("--graph names one graph, but several files were given")
    if "-" in locations and not (options.graph or options.source_id):
        raise InputError("-: standard input needs --graph IRI (or --source-id) to name its source")
    inputs = []
    for i, location in enumerate(locations):
        if location == "-" and not options.input_format:
            raise InputError("-: standard input needs --input-format")
        fmt = _format_for(location, options.input_format)
        data = _read(location)
        file_iri = Path(location).absolute().as_uri() if location != "-" else None
        if options.sources:
            source = options.sources[i]
        elif options.source_id:
            source = source_iri(options.source_id)
        elif options.graph:
            source = _iri(options.graph, "--graph")
        else:
            assert file_iri is not None
            source = file_iri
        graph = _iri(options.graph, "--graph") if options.graph else source
        base = options.base or file_iri or source
        sha = hashlib.sha256(data).hexdigest()
        inputs.append(_Input(location, data, fmt, source, graph, base, sha))
    seen: dict[str, str] = {}
    for inp in inputs:
        if inp.source in seen:
            raise InputError(f"{inp.location}: names the same source as {seen[inp.source]} "
                             f"({inp.source})")
        seen[inp.source] = inp.location
    return inputs


def _iri(text: str, what: str) -> str:
    from .namespaces import expand

    try:
        iri = expand(text)
        ox.NamedNode(iri)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}") from None
    return iri


# -- checking -------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """A byte stream that reports how far the parser has read."""

    def __init__(self, data: bytes, report: Callable[[int], None] | None) -> None:
        self._buf = io.BytesIO(data)
        self._report = report

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._buf.readinto(b)
        if self._report:
            self._report(self._buf.tell())
        return n


def _locate(data: bytes, needles: list[str]) -> tuple[int, int] | None:
    """Line and column (1-based) of the first needle found in the document."""
    for needle in needles:
        if not needle:
            continue
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
    found = _locate(inp.data, needles)
    return f"{inp.location}:{found[0]}:{found[1]}" if found else inp.location


def _remote_contexts(data: bytes) -> list[str]:
    """Every remote @context a JSON-LD document names (never fetched)."""
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError):
        return []
    found: list[str] = []
    stack: list[Any] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ctx = node.get("@context")
            for c in ctx if isinstance(ctx, list) else [ctx]:
                if isinstance(c, str):
                    found.append(c)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _parse_error(inp: _Input, exc: SyntaxError) -> ParseError:
    message = re.sub(r"^Parser error at line \d+ (between columns \d+ and \d+|column \d+): ",
                     "", str(exc.msg))
    message = re.sub(r"^error at \d+:\d+: ", "", message)
    return ParseError(inp.location, message, line=exc.lineno or None, column=exc.offset or None)


def _check(inp: _Input, *, known_terms: set[str], keep: bool,
           progress: Progress | None) -> _Checked:
    if inp.format == F.JSON_LD:
        for ctx in _remote_contexts(inp.data):
            if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", ctx):
                raise InputError(f"{_where(inp, [ctx])}: remote JSON-LD @context {ctx} is not "
                                 "fetched; inline the context instead")
    data = inp.data[len(_BOM):] if inp.data.startswith(_BOM) else inp.data
    report = None
    if progress:
        total = len(data)

        def report(done: int) -> None:
            progress(inp.location, done, total)

    reader = io.BufferedReader(_CountingReader(data, report), buffer_size=1 << 20)
    statements = 0
    graphs: dict[str, None] = {}
    default_used = False
    unknown: dict[str, None] = {}
    problems: list[str] = []
    quads: list[ox.Quad] | None = [] if keep else None
    try:
        for q in ox.parse(reader, format=inp.format, base_iri=inp.base):
            statements += 1
            g = q.graph_name
            if isinstance(g, ox.DefaultGraph):
                default_used = True
            elif g.value not in graphs:
                if isinstance(g, ox.BlankNode):
                    raise InputError(f"{inp.location}: blank-node graph names are not supported")
                graphs[g.value] = None
            p = q.predicate.value
            if p.startswith(VOCAB) and p not in known_terms:
                unknown[p] = None
            o = q.object
            if isinstance(o, ox.Literal):
                dtype = o.datatype.value
                if dtype.startswith(XSD) and (problem := literal_problem(o.value, dtype)):
                    problems.append(f"{_where(inp, [chr(34) + o.value + chr(34)])}: {problem}")
                    if len(problems) >= 20:
                        break
            elif p == RDF_TYPE and o.value.startswith(VOCAB) and o.value not in known_terms:
                unknown[o.value] = None
            if quads is not None:
                quads.append(q)
    except SyntaxError as exc:
        raise _parse_error(inp, exc) from None
    except (ValueError, OSError) as exc:
        raise InputError(f"{inp.location}: {exc}") from None
    except RecursionError:
        raise InputError(f"{inp.location}: nesting too deep") from None
    if problems:
        raise ValidationError("\n".join(problems), report=problems)
    warnings = []
    vocab_terms = [t for t in known_terms if t.startswith(VOCAB)]
    for term in unknown:
        hint = get_close_matches(term, vocab_terms, n=1, cutoff=0.75)
        suggestion = f" (did you mean cg:{hint[0].removeprefix(VOCAB)}?)" if hint else ""
        warnings.append(f"{_where(inp, _spellings(term))}: cg:{term.removeprefix(VOCAB)} "
                        f"is not in the ontology{suggestion}")
    written = ([inp.graph] if default_used else []) + [g for g in graphs if g != inp.graph]
    if not written:
        written = [inp.graph]
    return _Checked(inp, statements, written, default_used, warnings, quads)


# -- provenance -----------------------------------------------------------------


def read_sources(store: Any) -> dict[str, SourceRecord]:
    """The import records in the provenance graph, by source IRI.

    ``store`` is anything with a SPARQL ``query`` method returning pyoxigraph
    results: a :class:`~cartgraph.store.Store`, a ``pyoxigraph.Store`` or a remote store.
    """
    text = f"""
    SELECT ?s ?location ?sha ?count ?format ?graph ?start ?end ?version WHERE {{
      GRAPH <{PROVENANCE_GRAPH}> {{
        ?s <{VOCAB}sha256> ?sha ; <{VOCAB}location> ?location ; <{VOCAB}tripleCount> ?count .
        OPTIONAL {{ ?s <{DCTERMS}format> ?format }}
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
                version=row["version"].value if row["version"] else "")
        if row["graph"] and row["graph"].value not in rec.graphs:
            rec.graphs.append(row["graph"].value)
    for rec in records.values():
        rec.graphs.sort()
    return dict(sorted(records.items(), key=lambda kv: kv[1].location))


def _activity(source: str) -> ox.NamedNode:
    return ox.NamedNode(f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, source)}")


def _provenance(checked: _Checked, started: str, ended: str) -> list[ox.Quad]:
    inp = checked.input
    s, a = ox.NamedNode(inp.source), _activity(inp.source)

    def iri(local: str, ns: str = VOCAB) -> ox.NamedNode:
        return ox.NamedNode(ns + local)

    def lit(value: Any, dtype: str = "string") -> ox.Literal:
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + dtype))

    rdf_type = ox.NamedNode(RDF_TYPE)
    triples = [
        (s, rdf_type, iri("Entity", PROV)),
        (s, iri("location"), lit(inp.location)),
        (s, iri("sha256"), lit(inp.sha256)),
        (s, iri("tripleCount"), lit(checked.statements, "integer")),
        (s, iri("format", DCTERMS), lit(inp.format.media_type)),
        *((s, iri("graph"), ox.NamedNode(g)) for g in checked.graphs),
        (a, rdf_type, iri("Import")),
        (a, rdf_type, iri("Activity", PROV)),
        (a, iri("used", PROV), s),
        *((a, iri("generated", PROV), ox.NamedNode(g)) for g in checked.graphs),
        (a, iri("startedAtTime", PROV), lit(started, "dateTime")),
        (a, iri("endedAtTime", PROV), lit(ended, "dateTime")),
        (a, iri("cartgraphVersion"), lit(__version__)),
    ]
    return [ox.Quad(*t, _PROV) for t in triples]


def _remove_source(writer: Any, record: SourceRecord) -> int:
    """Remove a source's graphs and provenance; return how many quads went."""
    removed = 0
    for g in record.graphs:
        graph = ox.NamedNode(g)
        removed += sum(1 for _ in writer.quads_for_pattern(None, None, None, graph))
        writer.remove_graph(graph)
    for subject in (ox.NamedNode(record.source), _activity(record.source)):
        for q in list(writer.quads_for_pattern(subject, None, None, _PROV)):
            writer.remove(q)
    return removed


def _load(writer: Any, checked: _Checked) -> None:
    inp = checked.input
    data = inp.data[len(_BOM):] if inp.data.startswith(_BOM) else inp.data
    graph = ox.NamedNode(inp.graph)
    if not inp.format.supports_datasets:
        writer.bulk_load(input=data, format=inp.format, base_iri=inp.base, to_graph=graph)
    elif not checked.default_graph_used:
        writer.bulk_load(input=data, format=inp.format, base_iri=inp.base)
    else:
        quads = ox.parse(data, format=inp.format, base_iri=inp.base, rename_blank_nodes=True)
        writer.bulk_extend(
            ox.Quad(q.subject, q.predicate, q.object, graph)
            if isinstance(q.graph_name, ox.DefaultGraph) else q for q in quads)


# -- the two entry points -------------------------------------------------------


def _context(options: ImportOptions) -> tuple[set[str], Any, Any]:
    """The ontology's terms, the ontology and (when SHACL is on) the shapes."""
    from .bundled import ontology_path, shapes_path
    from .validate import load_rdflib

    ontology = load_rdflib(ontology_path())
    shapes = load_rdflib(options.shapes or shapes_path()) if options.shacl else None
    known = {str(t) for t in ontology.subjects()}
    return known, ontology, shapes


def _shacl(checked: list[_Checked], context_store: Any, ontology: Any, shapes: Any) -> None:
    """Raise ValidationError listing every SHACL violation on the inputs' own nodes."""
    from .convert import to_rdflib_graph
    from .validate import shacl_check

    warnings = []
    violations = []
    for c in checked:
        assert c.quads is not None
        data = to_rdflib_graph(c.quads)
        focus = {q.subject.value for q in c.quads if not isinstance(q.subject, ox.Triple)}
        rdf_type = ox.NamedNode(RDF_TYPE)
        referenced = {q.object for q in c.quads if isinstance(q.object, ox.NamedNode)}
        context = [t for node in referenced
                   for t in context_store.ox.quads_for_pattern(node, rdf_type, None)]
        to_rdflib_graph(context, data)
        for v in shacl_check(data, shapes=shapes, ontology=ontology, focus=focus):
            located = type(v)(**{**v.to_json(), "location": _where(c.input, _spellings(v.focus))})
            (violations if v.severity == "Violation" else warnings).append(located)
            if v.severity != "Violation":
                c.warnings.append(located.line())
    if violations:
        lines = [v.line() for v in violations]
        raise ValidationError(
            f"{len(violations)} SHACL violation{'s' * (len(violations) != 1)}:\n"
            + "\n".join(lines), report=violations)


def validate_files(paths: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Check files as ``import`` would, against the bundled graph; write nothing.

    Raises ParseError, ValidationError or InputError on the first problem found.
    """
    from .store import Store

    options = options or ImportOptions()
    inputs = _inputs(paths, options)
    known, ontology, shapes = _context(options)
    checked = [_check(i, known_terms=known, keep=options.shacl, progress=options.progress)
               for i in inputs]
    if options.shacl:
        _shacl(checked, Store.memory(), ontology, shapes)
    results = [SourceResult(c.input.source, c.input.location, "valid", c.statements, c.graphs,
                            warnings=c.warnings) for c in checked]
    return ImportReport(results, shacl=options.shacl, dry_run=True,
                        warnings=[w for r in results for w in r.warnings])


def import_files(store: Any, paths: list[str], options: ImportOptions | None = None
                 ) -> ImportReport:
    """Import files into ``store``: all of them, or (on any error) none."""
    options = options or ImportOptions()
    inputs = _inputs(paths, options)
    existing = read_sources(store)
    changed = [i for i in inputs if existing.get(i.source, None) is None
               or existing[i.source].sha256 != i.sha256]
    known, ontology, shapes = _context(options)
    checked = {c.input.source: c for c in (
        _check(i, known_terms=known, keep=options.shacl, progress=options.progress)
        for i in changed)}
    _check_ownership(list(checked.values()), existing)
    if options.shacl and checked:
        _shacl(list(checked.values()), store, ontology, shapes)

    def result(inp: _Input, records: dict[str, SourceRecord], removed: int = 0) -> SourceResult:
        c = checked.get(inp.source)
        old = records.get(inp.source)
        if c is None or (old is not None and old.sha256 == inp.sha256):
            assert old is not None
            return SourceResult(inp.source, inp.location, "unchanged", old.statements, old.graphs)
        status = "replaced" if old is not None else "added"
        return SourceResult(inp.source, inp.location, status, c.statements, c.graphs,
                            removed=removed, warnings=c.warnings)

    if options.dry_run or not checked:
        return _report([result(i, existing, _old_count(existing, i.source, checked))
                        for i in inputs], options)

    results = []
    with store.transaction(wait=options.wait) as writer:
        current = read_sources(writer)  # re-read under the lock
        _check_ownership(list(checked.values()), current)
        for inp in inputs:
            c = checked[inp.source] if inp.source in checked else None
            old = current.get(inp.source)
            if c is None or (old is not None and old.sha256 == inp.sha256):
                results.append(result(inp, current))
                continue
            started = _now()
            removed = _remove_source(writer, old) if old is not None else 0
            if options.progress:
                options.progress(f"loading {inp.location}", 0, 1)
            _load(writer, c)
            writer.extend(_provenance(c, started, _now()))
            results.append(result(inp, current, removed))
    return _report(results, options)


def _old_count(records: dict[str, SourceRecord], source: str, checked: dict[str, Any]) -> int:
    """How many statements a changed source's replacement would remove."""
    return records[source].statements if source in records and source in checked else 0


def _report(results: list[SourceResult], options: ImportOptions) -> ImportReport:
    return ImportReport(results, shacl=options.shacl, dry_run=options.dry_run,
                        warnings=[w for r in results for w in r.warnings])


def _check_ownership(checked: list[_Checked], records: dict[str, SourceRecord]) -> None:
    owner = {g: rec.source for rec in records.values() for g in rec.graphs}
    for c in checked:
        for g in c.graphs:
            other = owner.get(g)
            if other is not None and other != c.input.source:
                raise SourceError(f"{c.input.location}: graph <{g}> belongs to source "
                                  f"<{other}>; drop that source first or choose another --graph")
        for g in c.graphs:
            owner[g] = c.input.source


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

