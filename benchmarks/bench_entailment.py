"""Entailment and search at scale: what they cost at import and at query time.

Three stores get the same synthetic N-Triples file (SHACL off) on top of the bundled
graph (which holds the ontology), each import in its own child process:

* ``before``: the import as it was before this work (the derived-data hook is a no-op);
* ``shipped``: cartgraph as shipped: RDFS by query rewriting (nothing materialised)
  and the SQLite FTS5 text index updated in the same atomic write;
* ``materialised``: the alternative: also the rdf:type closure over rdfs:subClassOf and
  the rdfs:subPropertyOf closure, computed in the engine and written to a derived graph
  in the same write (what a materialising design would do on every import).

Then queries to SPARQL JSON bytes (medians of ``repeats`` after a warm-up, each
query in its own child process): no entailment on ``before``; RDFS by rewriting on
``shipped``; RDFS by materialisation on ``materialised`` (the closure is in the union
default graph, so the query runs as written). Last, full-text search latency on the
shipped store, in-process (connection open and warm, as in a server).

    python benchmarks/bench_entailment.py [--triples 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import in_child, median, timed

ENTAILED = "https://w3id.org/cartgraph/graph/entailed"
PREFIXES = """PREFIX cg: <https://w3id.org/cartgraph/vocab#>
PREFIX cgr: <https://w3id.org/cartgraph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
QUERIES: dict[str, str] = {
    "count by class": "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class",
    "two-hop join": """SELECT ?case ?caseLabel ?hospital ?hospitalLabel ?therapyLabel WHERE {
  ?therapy cg:targets cgr:target-cd19 ; rdfs:label ?therapyLabel .
  ?case cg:receivedTherapy ?therapy ; rdfs:label ?caseLabel ; cg:treatedAt ?hospital .
  ?hospital rdfs:label ?hospitalLabel . }""",
    "hospitals (no subclasses)": "SELECT ?h ?l WHERE { ?h a cg:Hospital ; rdfs:label ?l }",
    "organisations (4 subclasses)": "SELECT ?o ?l WHERE { ?o a cg:Organisation ; rdfs:label ?l }",
    "identifiers (sub-properties)": "SELECT ?x ?id WHERE { ?x cg:externalId ?id }",
    "cites+ path": """SELECT (COUNT(*) AS ?n) WHERE {
  ?p a cg:ScholarlyArticle ; cg:cites+ ?q } """,
}
# what a user had to write before, run without entailment, for comparison
HANDWRITTEN = ("SELECT ?o ?l WHERE { ?o a/rdfs:subClassOf* cg:Organisation ; "
               "rdfs:label ?l }")
SEARCHES = ["hospital", "lupus", "cd19", "car t", "NCT0000", "smith", "univ", "0000-0002",
            "leukemia", "z"]


# -- child tasks ----------------------------------------------------------------------


def _materialise(writer: Any) -> int:
    """The closure a materialising design keeps: types over subClassOf, subPropertyOf."""
    import pyoxigraph as ox

    from cartgraph.namespaces import RDF_TYPE, RDFS

    g = ox.NamedNode(ENTAILED)
    writer.remove_graph(g)
    kinds = {"rdfs": RDFS}
    types = writer.query(
        "SELECT DISTINCT ?x ?sup WHERE { ?x a ?c . ?c rdfs:subClassOf+ ?sup . "
        "FILTER(isIRI(?sup)) FILTER NOT EXISTS { ?x a ?sup } }",
        use_default_graph_as_union=True, prefixes=kinds)
    t = ox.NamedNode(RDF_TYPE)
    quads = [ox.Quad(r[0], t, r[1], g) for r in types]
    props = writer.query(
        "SELECT DISTINCT ?s ?sup ?o WHERE { ?p rdfs:subPropertyOf+ ?sup . ?s ?p ?o . "
        "FILTER NOT EXISTS { ?s ?sup ?o } }", use_default_graph_as_union=True,
        prefixes=kinds)
    quads += [ox.Quad(r[0], r[1], r[2], g) for r in props]
    writer.bulk_extend(quads)
    return len(quads)


def task_import(path: str, store_dir: str, mode: str) -> dict[str, Any]:
    import cartgraph.store as store_module
    from cartgraph.ingest import ImportOptions, import_files
    from cartgraph.search import INDEX_FILE

    store = store_module.Store.open(store_dir)  # seeded: the ontology is there
    shipped = store_module._derive
    added: list[int] = []

    def derive(writer: Any, previous: Any, work: Any, cache: Any) -> None:
        if mode == "before":
            return
        shipped(writer, previous, work, cache)
        if mode == "materialised":
            added.append(_materialise(writer))

    store_module._derive = derive  # type: ignore[assignment]
    cpu, wall, _ = timed(lambda: import_files(store, [path], ImportOptions(shacl=False)))
    index = store.generation_path / INDEX_FILE if store.generation_path else None
    return {"cpu": cpu, "wall": wall, "entailed_quads": sum(added),
            "index_mb": index.stat().st_size / 1e6 if index and index.exists() else 0.0}


def task_query(store_dir: str, text: str, entailment: str, repeats: int) -> dict[str, Any]:
    from cartgraph.query import execute, write_result
    from cartgraph.store import Store

    store = Store.open(store_dir, seed=False)

    def once() -> bytes:
        out = io.BytesIO()
        write_result(execute(store, text, entailment=entailment), "json", out)
        return out.getvalue()

    body = once()
    cpus, walls = [], []
    for _ in range(repeats):
        cpu, wall, body = timed(once)
        cpus.append(cpu)
        walls.append(wall)
    import json

    data = json.loads(body)
    rows = len(data["results"]["bindings"]) if "results" in data else 1
    return {"cpu": median(cpus), "wall": median(walls), "rows": rows}


def task_search(store_dir: str, words: list[str], repeats: int) -> dict[str, Any]:
    from cartgraph.search import search
    from cartgraph.store import Store

    store = Store.open(store_dir, seed=False)
    c0 = time.perf_counter()
    search(store, "warm")  # opens the index
    first = time.perf_counter() - c0
    per_word = {}
    for word in words:
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            hits = search(store, word, limit=10)
            times.append(time.perf_counter() - t0)
        per_word[word] = {"ms": statistics.median(times) * 1000, "hits": len(hits)}
    return {"first_ms": first * 1000, "words": per_word}


# -- the run --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    import synthetic

    data = synthetic.generate(args.triples, 0)
    work = Path(tempfile.mkdtemp(prefix="cg-entail-", dir=args.workdir))
    n = f"{args.triples:,}"
    load = os.getloadavg()[0]
    print(f"## Entailment and search at {n} triples (load average {load:.1f})\n")
    print("| import (N-Triples, SHACL off) | CPU s | wall s | peak RSS MB | wall vs before "
          "| derived quads | text index MB |")
    print("|---|---|---|---|---|---|---|")
    stores = {}
    base = None
    for mode in ("before", "shipped", "materialised"):
        target = work / mode
        r = in_child("bench_entailment:task_import", path=str(data), store_dir=str(target),
                     mode=mode)
        stores[mode] = target
        if "error" in r:
            print(f"| {mode} | error: {r['error']} | | | | | |")
            continue
        base = base or r["wall"]
        print(f"| {mode} | {r['cpu']:.2f} | {r['wall']:.2f} | {r['rss_mb']:.0f} | "
              f"{r['wall'] / base:.2f}x | {r['entailed_quads']:,} | {r['index_mb']:.1f} |")
    print("\n| query (to SPARQL JSON) | rows none | wall s none | rows rewrite | wall s rewrite "
          "| ratio | rows materialised | wall s materialised | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    runs = [(name, PREFIXES + text) for name, text in QUERIES.items()]
    for name, text in runs:
        cells = []
        for mode, regime in (("before", "none"), ("shipped", "rdfs"),
                             ("materialised", "none")):
            r = in_child("bench_entailment:task_query", store_dir=str(stores[mode]),
                         text=text, entailment=regime, repeats=args.repeats)
            cells.append(r)
        if any("error" in c for c in cells):
            print(f"| {name} | " + " | ".join(c.get("error", "") for c in cells) + " |")
            continue
        b, s, m = cells
        print(f"| {name} | {b['rows']:,} | {b['wall']:.3f} | {s['rows']:,} | {s['wall']:.3f} "
              f"| {s['wall'] / b['wall']:.2f}x | {m['rows']:,} | {m['wall']:.3f} "
              f"| {m['wall'] / b['wall']:.2f}x |")
    r = in_child("bench_entailment:task_query", store_dir=str(stores["before"]),
                 text=PREFIXES + HANDWRITTEN, entailment="none", repeats=args.repeats)
    if "error" not in r:
        print(f"| organisations, hand-written `a/rdfs:subClassOf*` (no entailment) | "
              f"{r['rows']:,} | {r['wall']:.3f} | | | | | | |")
    r = in_child("bench_entailment:task_search", store_dir=str(stores["shipped"]),
                 words=SEARCHES, repeats=max(args.repeats, 20))
    print(f"\n| search (in-process, {n} triples, limit 10) | median ms | hits |")
    print("|---|---|---|")
    if "error" in r:
        print(f"| error | {r['error']} | |")
    else:
        for word, v in r["words"].items():
            print(f"| `{word}` | {v['ms']:.2f} | {v['hits']} |")
        print(f"| (first search: opening the index) | {r['first_ms']:.1f} | |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
