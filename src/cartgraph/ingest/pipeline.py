"""The two entry points, ``validate_files`` and ``import_files``, and ``drop_source``.

Imports go one of two ways. On a store with atomic transactions the checked
quads stream straight into the transaction's private snapshot, published only
if every check passed. Other stores (memory, remote) and dry runs check
everything into a scratch store first (``_stage``) and write afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import fastload
from ..errors import InputError, SourceError, ValidationError
from .inputs import Input, read_inputs
from .model import ImportOptions, ImportReport, SourceRecord, SourceResult
from .parse import Scan, drain, parse_quads
from .provenance import check_ownership, provenance_quads, read_sources, remove_source
from .shacl import Checks, chain, check_shacl, load_checks, types_by_query, types_in

_COMPACT_AT = 200_000
MAX_FILE_ERRORS = 20  # validate: files with errors reported before it stops


def validate_files(paths: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Check files as ``import`` would, against the bundled graph; write nothing.

    Every file is checked (up to ``MAX_FILE_ERRORS`` files with errors) before
    the run fails: one error is raised as it is (ParseError, ValidationError,
    InputError); several become one ValidationError listing them all.
    """
    options = options or ImportOptions()
    errors: list[InputError] = []
    inputs = read_inputs(paths, options, errors=errors)
    try:
        checks = load_checks(options)
        scans = _check_each(inputs, checks, options, errors)
        if scans and len(errors) < MAX_FILE_ERRORS:
            try:
                check_ownership(scans, {}, lambda _g: False)
                if options.shacl:
                    bundled = _bundled_store()  # what the input may refer to
                    staged = [s.staged for s in scans]
                    check_shacl(scans, None, types_in(*staged, bundled), checks,
                                options.progress)
            except (InputError, SourceError) as exc:
                errors.append(exc)  # type: ignore[arg-type]
    finally:
        for inp in inputs:
            inp.close()
    if errors:
        raise _all_of(errors, paths)
    results = [SourceResult(s.input.source, s.input.location, "valid", s.statements, s.graphs,
                            warnings=s.warnings) for s in scans]
    return _report(results, options, dry_run=False)  # "valid" says enough


def _check_each(inputs: list[Input], checks: Checks, options: ImportOptions,
                errors: list[InputError]) -> list[Scan]:
    """Parse and check each input on its own (its quads in a scratch store of its own
    when SHACL follows); a failing input is listed in ``errors`` and left out."""
    scans = []
    for inp in inputs:
        if len(errors) >= MAX_FILE_ERRORS:
            break
        scan = Scan(inp, staged=ox.Store() if options.shacl else None)
        try:
            drain(parse_quads(inp, scan, known_terms=checks.known, progress=options.progress),
                  scan.staged.bulk_extend if scan.staged is not None else None)
        except InputError as exc:
            errors.append(exc)
            continue
        scans.append(scan)
    return scans


def _all_of(errors: list[Any], paths: list[str]) -> Exception:
    """One error as it is; several as one ValidationError, in the order of the inputs,
    ending with how many inputs failed."""
    if len(errors) == 1:
        return errors[0]

    def order(exc: Any) -> int:
        return next((i for i, p in enumerate(paths) if str(exc).startswith(p)), len(paths))

    lines: list[str] = []
    report: list[Any] = []
    for exc in sorted(errors, key=order):
        lines.append(str(exc))
        items = getattr(exc, "report", None)
        report.extend(items if items else [str(exc)])
    if len(errors) >= MAX_FILE_ERRORS:
        lines.append(f"stopped after {MAX_FILE_ERRORS} errors; files after that were not checked")
    failed = sum(any(line.startswith(p) for line in "\n".join(lines).splitlines())
                 for p in paths)
    lines.append(f"{failed} of {len(paths)} input{'s' * (len(paths) != 1)} failed validation")
    return ValidationError("\n".join(lines), report=report)


def _stage(inputs: list[Input], checks: Checks, options: ImportOptions, *, context: Any,
           records: dict[str, SourceRecord], existing: Callable[[str], bool],
           keep: bool = False) -> list[Scan]:
    """Parse and check inputs without touching the store (validate, dry runs, and
    stores without atomic transactions). Returns the scans; with ``keep`` (or SHACL
    on) the quads wait in a scratch store, ``scans[i].staged``."""
    scratch = ox.Store() if keep or options.shacl else None
    scans = []
    for inp in inputs:
        scan = Scan(inp)
        drain(parse_quads(inp, scan, known_terms=checks.known, progress=options.progress),
               scratch.bulk_extend if scratch is not None else None)
        scans.append(scan)
    check_ownership(scans, records, existing)
    if options.shacl and scratch is not None:
        types_of = (types_in(scratch, context) if context is None
                    or context.capabilities.local_reads
                    else chain(types_in(scratch), types_by_query(context)))
        check_shacl(scans, scratch, types_of, checks, options.progress)
    for scan in scans:
        scan.staged = scratch
    return scans



def import_files(store: Any, paths: list[str], options: ImportOptions | None = None
                 ) -> ImportReport:
    """Import files into ``store``: all of them, or (on any error) none."""
    options = options or ImportOptions()
    inputs = read_inputs(paths, options)
    try:
        return _import(store, inputs, options)
    finally:
        for inp in inputs:
            inp.close()


def _import(store: Any, inputs: list[Input], options: ImportOptions) -> ImportReport:
    existing = read_sources(store)
    if all(_unchanged(i, existing, options) for i in inputs):  # the cheap, common case
        return _report([r for i in inputs if (r := _unchanged(i, existing, options))], options)
    checks = load_checks(options)
    if options.dry_run:
        return _dry_run(store, inputs, existing, checks, options)
    if store.capabilities.atomic_writes:
        return _import_streaming(store, inputs, checks, options)
    return _import_staged(store, inputs, existing, checks, options)


def _unchanged(inp: Input, records: dict[str, SourceRecord],
               options: ImportOptions) -> SourceResult | None:
    """The result for an input whose bytes, format and base are what the store has."""
    old = records.get(inp.source)
    if old is None or old.sha256 != inp.sha256 or old.format != inp.format.media_type \
            or old.base != (options.base or ""):
        return None
    return SourceResult(inp.source, inp.location, "unchanged", old.statements, old.graphs)


def _result(scan: Scan, records: dict[str, SourceRecord]) -> SourceResult:
    old = records.get(scan.input.source)
    return SourceResult(scan.input.source, scan.input.location,
                        "replaced" if old else "added", scan.statements, scan.graphs,
                        removed=old.statements if old else 0, warnings=scan.warnings)


def _dry_run(store: Any, inputs: list[Input], existing: dict[str, SourceRecord],
             checks: Checks, options: ImportOptions) -> ImportReport:
    """Every check an import makes, on a scratch store; the store is not touched."""
    changed = [i for i in inputs if not _unchanged(i, existing, options)]
    staged = _stage(changed, checks, options, context=store, records=existing,
                    existing=_graph_exists(store))
    by_source = {s.input.source: s for s in staged}
    return _report([_unchanged(i, existing, options) or _result(by_source[i.source], existing)
                    for i in inputs], options)


def _import_streaming(store: Any, inputs: list[Input], checks: Checks,
                      options: ImportOptions) -> ImportReport:
    """Parse straight into the transaction's private snapshot; check it all there."""
    chunked = [0]  # statements written chunk by chunk (not by the bulk loader whole)
    private = store.capabilities.private_writer
    with store.transaction(wait=options.wait) as writer:
        current = read_sources(writer)  # re-read under the lock
        results, scans = _write_all(writer, inputs, current, options,
                                    partial(_parse_into, writer, checks, options, chunked),
                                    private=private)
        check_ownership(scans, current, _graphs_before(store).__contains__)
        if options.shacl and scans:
            check_shacl(scans, writer, types_in(writer), checks, options.progress)
        if chunked[0] >= _COMPACT_AT:
            # Chunked bulk loads leave many overlapping SST files, and read-only
            # opens never compact: compact once before publishing (about 4 s at 1M
            # triples; queries on the result were up to 2x faster, benchmarks/).
            writer.optimize()
    return _report(results, options)


def _import_staged(store: Any, inputs: list[Input], existing: dict[str, SourceRecord],
                   checks: Checks, options: ImportOptions) -> ImportReport:
    """For stores without private snapshots: check everything first, then write."""
    changed = [i for i in inputs if not _unchanged(i, existing, options)]
    staged = _stage(changed, checks, options, context=store, records=existing,
                    existing=_graph_exists(store), keep=True)
    by_source = {s.input.source: s for s in staged}
    with store.transaction(wait=options.wait) as writer:
        current = read_sources(writer)  # re-read under the lock
        results, _scans = _write_all(writer, inputs, current, options,
                                     partial(_take_staged, writer, by_source),
                                     private=store.capabilities.private_writer)
    return _report(results, options)


def _write_all(writer: Any, inputs: list[Input], current: dict[str, SourceRecord],
               options: ImportOptions, load: Callable[[Input], Scan], *, private: bool
               ) -> tuple[list[SourceResult], list[Scan]]:
    """Each changed input replaces what its source wrote, with a new import record."""
    results: list[SourceResult] = []
    scans: list[Scan] = []
    for inp in inputs:
        if (same := _unchanged(inp, current, options)) is not None:
            results.append(same)
            continue
        started = now()
        old = current.get(inp.source)
        if old is not None:
            remove_source(writer, old, private=private)
        scan = load(inp)
        if options.progress:
            options.progress(f"recording {inp.location}", 1, 1)
        scans.append(scan)
        results.append(_result(scan, current))
        writer.extend(provenance_quads(scan, started, now(), options.base))
    return results, scans


def _parse_into(writer: Any, checks: Checks, options: ImportOptions, chunked: list[int],
                inp: Input) -> Scan:
    """Parse one input into the writer: plain files go to pyoxigraph's bulk loader
    while the strict checks run over their own parse (cartgraph.fastload)."""
    scan = Scan(inp)
    fast = fastload.eligible(inp.path, inp.format, compressed=inp.gz)
    checked = parse_quads(inp, scan, known_terms=checks.known, progress=options.progress,
                          keep=not fast)
    if fast:
        slices = fastload.load_while_checking(
            writer, inp.path, inp.format, base=inp.base,  # type: ignore[arg-type]
            graph=inp.graph, checked=checked, location=inp.location)
        if slices > 1:  # layered like a chunked load: compact before publishing
            chunked[0] += scan.statements
    else:
        drain(checked, lambda chunk: writer.bulk_extend(chunk))  # no bound method kept
        chunked[0] += scan.statements
    return scan


def _take_staged(writer: Any, by_source: dict[str, Scan], inp: Input) -> Scan:
    if inp.source not in by_source:
        raise SourceError(f"{inp.location}: another process imported this source "
                          "while it was being checked; run the import again")
    scan = by_source[inp.source]
    _load_staged(writer, scan)
    return scan


def _load_staged(writer: Any, scan: Scan) -> None:
    for g in scan.graphs:
        drain(scan.staged.quads_for_pattern(None, None, None, ox.NamedNode(g)),
               writer.bulk_extend)


def _graph_exists(store: Any) -> Callable[[str], bool]:
    return lambda g: bool(store.contains_named_graph(ox.NamedNode(g)))


def _graphs_before(store: Any) -> set[str]:
    """Named graphs in the committed state (what the writer started from)."""
    return {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}


def _bundled_store() -> Any:
    """The bundled graph in memory: the context ``validate`` checks against."""
    from ..bundled import bundled_files
    from ..store import LocalStore

    store = LocalStore.memory()
    files = bundled_files()
    import_files(store, [str(f.path) for f in files],
                 ImportOptions(sources=[f.source for f in files], shacl=False))
    return store


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
        remove_source(writer, rec, private=store.capabilities.private_writer)
    return rec


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
