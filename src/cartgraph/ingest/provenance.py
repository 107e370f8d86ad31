"""The provenance graph: one PROV-O import record per source, and graph ownership."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from .. import __version__
from ..errors import SourceError
from ..namespaces import DCTERMS, PROV, PROVENANCE_GRAPH, RDF_TYPE, VOCAB, XSD
from .model import SourceRecord
from .parse import Scan

_PROV = ox.NamedNode(PROVENANCE_GRAPH)
_RDF_TYPE = ox.NamedNode(RDF_TYPE)
_REWRITE_FROM = 50_000  # statements a replaced source must hold to consider _rewrite_without
_REWRITE_KEEP = 1_000_000  # at most this many quads are set aside in memory meanwhile


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


def provenance_quads(scan: Scan, started: str, ended: str, base: str | None) -> list[ox.Quad]:
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


def remove_source(writer: Any, record: SourceRecord, *, private: bool) -> None:
    """Remove a source's graphs and its provenance record (``private``: the writer is a
    private copy, see Capabilities.private_writer)."""
    graphs = {ox.NamedNode(g) for g in record.graphs}
    if not (private and _rewrite_without(writer, graphs, record.statements)):
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
    if removed < _REWRITE_FROM:
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


def check_ownership(scans: Iterable[Scan], records: dict[str, SourceRecord],
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

