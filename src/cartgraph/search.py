"""Full-text search over entities: labels, other names, identifiers, descriptions.

The index is an SQLite FTS5 table (the standard library's ``sqlite3``), one row
per entity and named graph, ranked by BM25 with the label weighing most. On disk
it is a file inside each store generation (``gen/NNNNNN/search.sqlite``): a
write copies the previous generation's index and re-indexes only the graphs
whose source changed (by the provenance record: source, sha256, import time),
in the same atomic write as the data. A generation without an index (a backup,
a store from an older cartgraph) gets one on first search. A memory store keeps
its index in memory.

What is indexed: ``label`` (rdfs:label, skos:prefLabel, dcterms:title,
schema:name, foaf:name), ``names`` (skos:altLabel, cg:genericName,
cg:geneSymbol, cg:abbreviation, schema:alternateName), ``ids``
(dcterms:identifier, cg:externalId and every sub-property of it, and the
entity's own local name) and ``description`` (rdfs:comment, dcterms:description,
skos:definition, schema:description, cg:quote). The provenance graph and SHACL
shapes are left out.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .errors import StoreError, UsageError
from .namespaces import DCTERMS, PROVENANCE_GRAPH, RDF_TYPE, RDFS, SH, SKOS, VOCAB, curie

__all__ = ["INDEX_FILE", "Hit", "exact_names", "maintain", "normalise", "search"]

INDEX_FILE = "search.sqlite"
_SCHEMA_VERSION = "3"
_SCHEMA = "http://schema.org/"
_FOAF = "http://xmlns.com/foaf/0.1/"
FIELDS: dict[str, tuple[str, ...]] = {
    "label": (RDFS + "label", SKOS + "prefLabel", DCTERMS + "title", _SCHEMA + "name",
              _FOAF + "name"),
    "names": (SKOS + "altLabel", VOCAB + "genericName", VOCAB + "geneSymbol",
              VOCAB + "abbreviation", _SCHEMA + "alternateName"),
    "ids": (DCTERMS + "identifier", VOCAB + "externalId"),
    "description": (RDFS + "comment", DCTERMS + "description", SKOS + "definition",
                    _SCHEMA + "description", VOCAB + "quote"),
}
_COLUMNS = tuple(FIELDS)
_WEIGHTS = "10.0, 6.0, 6.0, 1.0"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Hit:
    """One entity found: its IRI, CURIE, label, class, the text that matched, score."""

    iri: str
    curie: str
    label: str
    cls: str
    field: str
    matched: str
    score: float

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["class"] = data.pop("cls")
        return data


def normalise(text: str) -> str:
    """Case-folded, accents kept, whitespace collapsed: how names are compared."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


# -- building -----------------------------------------------------------------------


def _create(con: sqlite3.Connection) -> None:
    con.executescript(f"""
        CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS graphs(graph TEXT PRIMARY KEY, version TEXT);
        CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
            iri UNINDEXED, graph UNINDEXED, {", ".join(_COLUMNS)},
            tokenize = 'unicode61 remove_diacritics 2');
        INSERT OR REPLACE INTO meta VALUES ('schema', '{_SCHEMA_VERSION}');
    """)


def _graph_versions(reader: Any) -> dict[str, str]:
    """Every named graph (but provenance) with what identifies its content."""
    from .ingest import read_sources

    versions = {g.value: "" for g in reader.named_graphs()
                if isinstance(g, ox.NamedNode) and g.value != PROVENANCE_GRAPH}
    for rec in read_sources(reader).values():
        for g in rec.graphs:
            if g in versions:
                versions[g] = f"{rec.source} {rec.sha256} {rec.base} {rec.ended}"
    return versions


def _id_properties(reader: Any) -> set[str]:
    from .entailment import subproperty_query

    found = set(FIELDS["ids"])
    for row in reader.query(subproperty_query(), use_default_graph_as_union=True):
        if row[1].value in found:
            found.add(row[0].value)
    return found


def _rows(reader: Any, graph: str, id_properties: set[str]) -> Iterator[tuple[str, ...]]:
    g = ox.NamedNode(graph)
    shapes = {q.subject.value for kind in ("NodeShape", "PropertyShape")
              for q in reader.quads_for_pattern(None, ox.NamedNode(RDF_TYPE),
                                                ox.NamedNode(SH + kind), g)}
    texts: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {}
    literal, named = ox.Literal, ox.NamedNode
    for i, column in enumerate(_COLUMNS):
        predicates = id_properties if column == "ids" else FIELDS[column]
        for p in predicates:
            for q in reader.quads_for_pattern(None, named(p), None, g):
                o = q.object
                if type(o) is literal:
                    s = q.subject
                    if type(s) is named:
                        key = s.value
                        entry = texts.get(key)
                        if entry is None:
                            entry = texts[key] = ([], [], [], [])
                        entry[i].append(o.value)
    for iri, (label, names, ids, description) in texts.items():
        if iri in shapes:
            continue
        local = iri.rstrip("/#").rpartition("/")[2].rpartition("#")[2].rpartition(":")[2]
        yield (iri, graph, " | ".join(label), " | ".join(names),
               " | ".join([*ids, local]), " | ".join(description))


def _index_graph(con: sqlite3.Connection, reader: Any, graph: str,
                 id_properties: set[str]) -> None:
    con.executemany("INSERT INTO fts(iri, graph, label, names, ids, description) "
                    "VALUES (?, ?, ?, ?, ?, ?)", _rows(reader, graph, id_properties))


def _drop_graph(con: sqlite3.Connection, graph: str) -> None:
    con.execute("DELETE FROM fts WHERE graph = ?", (graph,))
    con.execute("DELETE FROM graphs WHERE graph = ?", (graph,))


def update(con: sqlite3.Connection, reader: Any) -> int:
    """Bring the index in ``con`` up to date with ``reader``; graphs re-indexed.

    The entailment schema (classes with subclasses, sub-properties) is kept here
    too, recomputed on every write (it depends on every graph).
    """
    import json

    from .entailment import read_schema

    _create(con)
    schema = read_schema(lambda q: (tuple(t.value for t in row) for row in
                                    reader.query(q, use_default_graph_as_union=True)))
    with con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('entailment', ?)",
                    (json.dumps(schema.to_json()),))
    wanted = _graph_versions(reader)
    have = dict(con.execute("SELECT graph, version FROM graphs").fetchall())
    stale = [g for g in have if g not in wanted or wanted[g] != have[g] or not wanted[g]]
    fresh = [g for g, v in wanted.items() if g not in have or have[g] != v or not v]
    if not stale and not fresh:
        return 0
    id_properties = _id_properties(reader)
    with con:
        for g in stale:
            _drop_graph(con, g)
        for g in fresh:
            _index_graph(con, reader, g, id_properties)
            con.execute("INSERT OR REPLACE INTO graphs VALUES (?, ?)", (g, wanted[g]))
    return len(fresh)


def maintain(writer: Any, *, previous: Path | None, target: Path | None,
             cache: dict[str, Any]) -> None:
    """Update the text index after a write, before it is published.

    On disk ``previous`` and ``target`` are the committed and the new
    generation's directories: the previous index is copied and updated into
    the new one. In memory (both None) the index lives in ``cache``.
    """
    if target is None:
        con = cache.get("search")
        if con is None:
            con = cache["search"] = sqlite3.connect(":memory:", check_same_thread=False)
        update(con, writer)
        cache.pop("schema", None)
        return
    tmp = target / f"{INDEX_FILE}.{uuid.uuid4().hex[:8]}.tmp"
    old = previous / INDEX_FILE if previous else None
    try:
        if old is not None and old.exists():
            src = sqlite3.connect(f"file:{old}?mode=ro", uri=True)
            dst = sqlite3.connect(tmp)
            with dst:
                src.backup(dst)
            src.close()
        else:
            dst = sqlite3.connect(tmp)
        if _version(dst) != _SCHEMA_VERSION:
            dst.close()
            tmp.unlink()
            dst = sqlite3.connect(tmp)
        # a private file, published by rename once closed: no journal needed
        dst.execute("PRAGMA journal_mode = OFF")
        dst.execute("PRAGMA synchronous = OFF")
        update(dst, writer)
        dst.close()
        os.replace(tmp, target / INDEX_FILE)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _version(con: sqlite3.Connection) -> str | None:
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


# -- reading ------------------------------------------------------------------------


def _connection(store: Any) -> sqlite3.Connection:
    """The index of the store's committed state, built first if it has none."""
    directory = getattr(store, "generation_path", None)
    cache = getattr(store, "derived", None)
    if cache is None:
        raise StoreError("search needs a local store (a remote SPARQL endpoint has no "
                         "cartgraph text index)")
    key = f"search:{directory}"
    con = cache.get(key if directory else "search")
    if con is not None:
        return con
    if directory is None:
        maintain(store.ox, previous=None, target=None, cache=cache)
        return cache["search"]
    file = Path(directory) / INDEX_FILE
    if not file.exists() or _version(_ro(file)) != _SCHEMA_VERSION:
        try:  # an index built by a reader is the same as a writer's: publish it
            maintain(store.ox, previous=None, target=Path(directory), cache=cache)
        except OSError:
            con = sqlite3.connect(":memory:", check_same_thread=False)
            update(con, store.ox)
            cache[key] = con
            return con
    con = _ro(file)
    cache[key] = con
    return con


def _ro(file: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{file}?mode=ro&immutable=1", uri=True,
                           check_same_thread=False)


def _match_expression(text: str) -> str:
    words = _WORD.findall(text)
    if not words:
        raise UsageError(f"search {text!r}: give at least one word")
    return " ".join(f'"{w}"*' for w in words)


def search(store: Any, text: str, *, limit: int = 10) -> list[Hit]:
    """Entities matching every word of ``text`` (as a word or a word's prefix).

    Ranked by BM25 (labels count most); an exact, case-insensitive label or
    name comes first. Each hit names the field and the text that matched.
    """
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    con = _connection(store)
    exact = set(exact_names(store, text))
    match = _match_expression(text)
    # rank every match by BM25 alone; the highlights only for the best few
    rows = con.execute(
        "SELECT iri, label, top.score, "
        + ", ".join(f"highlight(fts, {i + 2}, '[', ']')" for i in range(len(_COLUMNS)))
        + f" FROM fts JOIN (SELECT rowid AS id, bm25(fts, 0, 0, {_WEIGHTS}) AS score"
        " FROM fts WHERE fts MATCH ? ORDER BY score LIMIT ?) AS top ON fts.rowid = top.id"
        " WHERE fts MATCH ? ORDER BY top.score",
        (match, limit * 4 + 20, match)).fetchall()
    rows += con.execute(  # exact names that BM25 did not rank high enough
        "SELECT iri, label, 0.0, "
        + ", ".join(f"highlight(fts, {i + 2}, '[', ']')" for i in range(len(_COLUMNS)))
        + " FROM fts WHERE fts MATCH ? AND iri IN (SELECT value FROM json_each(?))",
        (match, json.dumps(sorted(exact - {r[0] for r in rows})))).fetchall() \
        if exact - {r[0] for r in rows} else []
    best: dict[str, tuple[tuple[bool, float], str, str, str]] = {}
    for iri, label, score, *marked in rows:
        rank = (iri not in exact, score)  # an exact name first, then BM25 (lower is better)
        if iri in best and best[iri][0] <= rank:
            continue
        field, matched = next(((c, m) for c, m in zip(_COLUMNS, marked, strict=True)
                               if "[" in m and m != _unmarked(m)), ("", ""))
        best[iri] = (rank, label.split(" | ")[0], field, _excerpt(matched))
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])[:limit]
    return [Hit(iri, curie(iri), label or _label(con, iri), _class_of(store, iri), field,
                matched, round(-rank[1], 3))
            for iri, (rank, label, field, matched) in ranked]


def _unmarked(text: str) -> str:
    return text.replace("[", "").replace("]", "")


def _excerpt(marked: str, width: int = 80) -> str:
    """The part of a field around its first match, with the matches in [brackets]."""
    parts = [p for p in marked.split(" | ") if "[" in p] or [marked]
    text = parts[0]
    if len(text) <= width:
        return text
    at = text.index("[")
    start = max(0, at - width // 3)
    return ("…" if start else "") + text[start:start + width] + "…"


def _label(con: sqlite3.Connection, iri: str) -> str:
    for (label,) in con.execute("SELECT label FROM fts WHERE iri = ? AND label != ''",
                                (iri,)):
        return str(label).split(" | ")[0]
    return ""


def _class_of(store: Any, iri: str) -> str:
    """The CURIE of the entity's most specific asserted class (the first by name)."""
    types = sorted(curie(q.object.value) for q in store.ox.quads_for_pattern(
        ox.NamedNode(iri), ox.NamedNode(RDF_TYPE), None, None)
        if isinstance(q.object, ox.NamedNode))
    cg = [t for t in types if t.startswith("cg:")]
    return (cg or types or [""])[0]


def exact_names(store: Any, name: str) -> list[str]:
    """IRIs whose label or other name is ``name`` (case-insensitive), sorted."""
    words = _WORD.findall(name)
    if not words:
        return []
    wanted = normalise(name)
    match = "{label names}: " + " ".join(f'"{w}"' for w in words)
    # SQLite's LIKE (ASCII case-insensitive) narrows the matches; casefold decides
    rows = _connection(store).execute(
        "SELECT iri, label, names FROM fts WHERE fts MATCH ? AND "
        "(' | ' || label || ' | ' || names || ' | ') LIKE ? ESCAPE '\\'",
        (match, "% | " + re.sub(r"([%_\\])", r"\\\1", " ".join(name.split())) + " | %"))
    found = {iri for iri, label, names in rows
             if any(normalise(n) == wanted for n in f"{label} | {names}".split(" | "))}
    return sorted(found)


def hits_table(hits: Iterable[Hit]) -> list[list[str]]:
    """Rows for a table: rank, CURIE, label, class, the field and text matched."""
    def flat(text: str) -> str:
        return " ".join(text.split())

    return [[str(i), h.curie, flat(h.label), h.cls, f"{h.field}: {flat(h.matched)}"
             if h.field else ""] for i, h in enumerate(hits, 1)]


def http_search(store: Any, params: dict[str, list[str]]) -> tuple[int, bytes]:
    """``GET /search?q=TEXT[&limit=N]``: status and a JSON body (hits, or an error)."""
    import json

    def reply(status: int, data: Any) -> tuple[int, bytes]:
        return status, json.dumps(data, ensure_ascii=False).encode()

    text = (params.get("q") or [""])[-1]
    limit_text = (params.get("limit") or ["10"])[-1]
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 100:
        return reply(400, {"error": "limit must be a number from 1 to 100"})
    if not text.strip():
        return reply(400, {"error": "give the text to search for as ?q="})
    try:
        hits = search(store, text, limit=int(limit_text))
    except UsageError as exc:
        return reply(400, {"error": str(exc)})
    except StoreError as exc:
        return reply(503, {"error": str(exc)})
    return reply(200, {"query": text, "hits": [h.to_json() for h in hits]})


def stored_schema(store: Any) -> Any:
    """The entailment :class:`~cartgraph.entailment.Schema` kept with the text index,
    or None for a store without derived data (a remote endpoint)."""
    import json

    from .entailment import Schema

    cache = getattr(store, "derived", None)
    if cache is None:
        return None
    schema = cache.get("schema")
    if schema is None:
        row = _connection(store).execute(
            "SELECT value FROM meta WHERE key = 'entailment'").fetchone()
        if row is None:
            return None
        schema = cache["schema"] = Schema.from_json(json.loads(row[0]))
    return schema
