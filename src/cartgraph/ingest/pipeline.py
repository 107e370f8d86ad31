"""The two entry points, ``validate_files`` and ``import_files``, and ``drop_source``.

Imports go one of two ways. On a store with atomic transactions the checked
quads stream straight into the transaction's private snapshot, published only
if every check passed. Other stores (memory, remote) and dry runs check
everything into a scratch store first (``_stage``) and write afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import SourceError
from .inputs import Input, read_inputs
from .model import ImportOptions, ImportReport, SourceRecord, SourceResult
from .parse import Scan, drain, parse_quads
from .provenance import check_ownership, provenance_quads, read_sources, remove_source
from .shacl import Checks, chain, check_shacl, load_checks, types_by_query, types_in

_COMPACT_AT = 200_000


def validate_files(paths: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Check files as ``import`` would, against the bundled graph; write nothing.

    Raises ParseError, ValidationError or InputError on the first problem found.
    """
    from ..store import Store

    options = options or ImportOptions()
    inputs = read_inputs(paths, options)
    try:
        checks = load_checks(options)
        bundled = Store.memory() if options.shacl else None
        scans = _stage(inputs, checks, options, context=bundled, records={},
                       existing=lambda _g: False)
    finally:
        for inp in inputs:
            inp.close()
    results = [SourceResult(s.input.source, s.input.location, "valid", s.statements, s.graphs,
                            warnings=s.warnings) for s in scans]
    return _report(results, options, dry_run=False)  # "valid" says enough


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
        types_of = (types_in(scratch, context) if context is None or hasattr(context, "ox")
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

    def unchanged(inp: Input, records: dict[str, SourceRecord]) -> SourceResult | None:
        old = records.get(inp.source)
        if old is None or old.sha256 != inp.sha256 or old.format != inp.format.media_type \
                or old.base != (options.base or ""):
            return None
        return SourceResult(inp.source, inp.location, "unchanged", old.statements, old.graphs)

    if all(unchanged(i, existing) for i in inputs):  # the cheap, common case
        return _report([r for i in inputs if (r := unchanged(i, existing))], options)
    checks = load_checks(options)
    graph_exists = _graph_exists(store)

    def result(scan: Scan, records: dict[str, SourceRecord]) -> SourceResult:
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
        scans: list[Scan] = []
        for inp in inputs:
            if (same := unchanged(inp, current)) is not None:
                results.append(same)
                continue
            started = now()
            old = current.get(inp.source)
            if old is not None:
                remove_source(writer, old)
            if atomic:
                scan = Scan(inp)
                drain(parse_quads(inp, scan, known_terms=checks.known, progress=options.progress),
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
            writer.extend(provenance_quads(scan, started, now(), options.base))
        if atomic:
            before = _graphs_before(store)
            check_ownership(scans, current, before.__contains__)
            if options.shacl and scans:
                check_shacl(scans, writer, types_in(writer), checks, options.progress)
        if atomic and sum(scan.statements for scan in scans) >= _COMPACT_AT:
            # Chunked bulk loads leave many overlapping SST files, and read-only
            # opens never compact: compact once before publishing (about 4 s at 1M
            # triples; queries on the result were up to 2x faster, benchmarks/).
            writer.optimize()
    return _report(results, options)


def _load_staged(writer: Any, scan: Scan) -> None:
    for g in scan.graphs:
        drain(scan.staged.quads_for_pattern(None, None, None, ox.NamedNode(g)),
               writer.bulk_extend)


def _graph_exists(store: Any) -> Callable[[str], bool]:
    reader = getattr(store, "ox", None)
    if reader is not None:
        return lambda g: bool(reader.contains_named_graph(ox.NamedNode(g)))

    def ask(g: str) -> bool:
        result = store.query(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}")
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
        remove_source(writer, rec)
    return rec


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
