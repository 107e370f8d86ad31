"""Query benchmarks: six SPARQL queries, each to serialised bytes (SPARQL JSON results).

* cartgraph: ``cartgraph.query.execute`` + ``write_result(..., "json", BytesIO)`` on the
  on-disk store made by the import benchmark (the data in its own named graph,
  queried through the union default graph, as the CLI does);
* pyoxigraph: ``Store.query`` + ``QuerySolutions.serialize`` on its own on-disk
  store (the data in the default graph);
* pyoxigraph, named graph: the same, on a store bulk-loaded into one named graph and
  queried with ``use_default_graph_as_union=True`` (cartgraph's layout, without cartgraph);
* rdflib: ``Graph.query`` + ``Result.serialize`` on one in-memory graph parsed once.

Each engine runs every query once to warm up, then ``repeats`` times; the
medians are reported. The disk engines run each query in its own child process.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from measure import in_child, median, timed

PREFIXES = """PREFIX cg: <https://w3id.org/cartgraph/vocab#>
PREFIX cgr: <https://w3id.org/cartgraph/id/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# name -> (what it is, SPARQL). The same text goes to every engine.
QUERIES: dict[str, tuple[str, str]] = {
    "count": ("count by class", """
SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"""),
    "join": ("two-hop join with labels", """
SELECT ?case ?caseLabel ?hospital ?hospitalLabel ?therapyLabel WHERE {
  ?therapy cg:targets cgr:target-cd19 ; rdfs:label ?therapyLabel .
  ?case cg:receivedTherapy ?therapy ; rdfs:label ?caseLabel ; cg:treatedAt ?hospital .
  ?hospital rdfs:label ?hospitalLabel .
}"""),
    "group": ("GROUP BY / ORDER BY / LIMIT", """
SELECT ?hospital ?label (COUNT(?case) AS ?cases) (AVG(?age) AS ?meanAge) WHERE {
  ?case cg:treatedAt ?hospital ; cg:ageAtTreatment ?age .
  ?hospital rdfs:label ?label .
} GROUP BY ?hospital ?label ORDER BY DESC(?cases) ?hospital LIMIT 20"""),
    "regex": ("regex FILTER over labels", """
SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(REGEX(?label, "remission|lupus", "i")) }"""),
    "path": ("property path cites+", """
SELECT ?pub ?cited WHERE {
  ?pub cg:mentions ?disease . ?disease cg:prevalencePer100k ?p FILTER(?p > 400)
  ?pub cg:cites+ ?cited .
}"""),
    "optional": ("OPTIONAL + NOT EXISTS", """
SELECT ?pub ?title ?case WHERE {
  ?pub a cg:ScholarlyArticle ; rdfs:label ?title .
  OPTIONAL { ?case cg:reportedIn ?pub }
  FILTER NOT EXISTS { ?other cg:cites ?pub }
}"""),
}


def text(name: str) -> str:
    return PREFIXES + QUERIES[name][1].strip() + "\n"


def _rows(data: bytes) -> int:
    return len(json.loads(data)["results"]["bindings"])


def _runs(work: Any, repeats: int) -> dict[str, Any]:
    """Warm up once, then time ``work`` (which returns bytes) ``repeats`` times."""
    data = work()
    cpus, walls = [], []
    for _ in range(repeats):
        cpu, wall, data = timed(work)
        cpus.append(cpu)
        walls.append(wall)
    return {"cpu": median(cpus), "wall": median(walls), "rows": _rows(data),
            "bytes": len(data), "runs": repeats}


# -- what a child process runs -------------------------------------------------------


def task_cartgraph(store_dir: str, name: str, repeats: int) -> dict[str, Any]:
    from cartgraph import Store
    from cartgraph.query import execute, write_result

    store = Store.open(store_dir, seed=False, create=False)
    query = text(name)

    def work() -> bytes:
        out = io.BytesIO()
        write_result(execute(store, query), "json", out)
        return out.getvalue()

    return _runs(work, repeats)


def task_pyoxigraph(store_dir: str, name: str, repeats: int, union: bool = False
                    ) -> dict[str, Any]:
    """pyoxigraph native; with ``union`` the default graph is the union of the named graphs."""
    import pyoxigraph as ox

    store = ox.Store(store_dir)
    query = text(name)

    def work() -> bytes:
        out = io.BytesIO()
        store.query(query, use_default_graph_as_union=union).serialize(
            out, ox.QueryResultsFormat.JSON)
        return out.getvalue()

    return _runs(work, repeats)


def task_rdflib(path: str, names: list[str], repeats: int) -> dict[str, Any]:
    import rdflib

    graph = rdflib.Graph()
    cpu, wall, _ = timed(lambda: graph.parse(path, format="nt"))
    results: dict[str, Any] = {"parse": {"cpu": cpu, "wall": wall}}
    for name in names:
        query = text(name)

        def work(query: str = query) -> bytes:
            out = io.BytesIO()
            graph.query(query).serialize(destination=out, format="json")
            return out.getvalue()

        results[name] = _runs(work, repeats)
    return results


# -- the benchmark -------------------------------------------------------------------


def run(stores: dict[str, Path], rdflib_file: Path | None, rdflib_n: int | None, *,
        repeats: int, log: Any = print) -> list[dict[str, Any]]:
    """One row per query: each engine's medians, rows and bytes."""
    rows = []
    for name, (title, _) in QUERIES.items():
        row: dict[str, Any] = {"name": name, "title": title}
        for engine in ("cartgraph", "pyoxigraph"):
            log(f"query {name}: {engine} x{repeats}")
            row[engine] = in_child(f"bench_query:task_{engine}", store_dir=str(stores[engine]),
                                   name=name, repeats=repeats)
        if "pyoxigraph-named" in stores:
            log(f"query {name}: pyoxigraph, named graph + union default graph x{repeats}")
            row["pyoxigraph-named"] = in_child(
                "bench_query:task_pyoxigraph", store_dir=str(stores["pyoxigraph-named"]),
                name=name, repeats=repeats, union=True)
        rows.append(row)
    if rdflib_file is not None:
        log(f"queries: rdflib (parse {rdflib_n:,} triples once, then every query x{repeats})")
        rd = in_child("bench_query:task_rdflib", path=str(rdflib_file), names=list(QUERIES),
                      repeats=repeats)
        for row in rows:
            row["rdflib"] = rd.get(row["name"], {"error": rd.get("error", "missing")})
            row["rdflib_n"] = rdflib_n
            row["rdflib_rss_mb"] = rd.get("rss_mb")
    return rows
