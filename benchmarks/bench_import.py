"""Import benchmarks: cartgraph's import against pyoxigraph's bulk load and rdflib's parse.

Every measurement runs in its own child process (see measure.py). The task
functions (``task_*``) are what the child runs; :func:`run` is what
``benchmarks/run.py`` calls and returns rows for the table.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from measure import in_child, median, timed

# -- what a child process runs -------------------------------------------------------


def task_cartgraph_import(path: str, store_dir: str, shacl: bool = False) -> dict[str, Any]:
    """``import_files`` of one file into a new, unseeded on-disk store."""
    from cartgraph import Store
    from cartgraph.ingest import ImportOptions, import_files

    store = Store.open(store_dir, seed=False)
    cpu, wall, report = timed(lambda: import_files(store, [path], ImportOptions(shacl=shacl)))
    result = report.results[0]
    return {"cpu": cpu, "wall": wall, "status": result.status, "triples": result.statements}


def task_cartgraph_reimport(path: str, store_dir: str) -> dict[str, Any]:
    """``import_files`` of a file whose identical bytes the store already holds."""
    from cartgraph import Store
    from cartgraph.ingest import ImportOptions, import_files

    store = Store.open(store_dir, seed=False)
    cpu, wall, report = timed(lambda: import_files(store, [path], ImportOptions(shacl=False)))
    result = report.results[0]
    return {"cpu": cpu, "wall": wall, "status": result.status, "triples": result.statements}


def task_pyoxigraph_bulk_load(path: str, store_dir: str, graph: str | None = None
                              ) -> dict[str, Any]:
    """pyoxigraph's own on-disk ``Store.bulk_load``, then ``flush``.

    Into the default graph, or with ``graph`` into that named graph (cartgraph keeps
    each source in its own named graph: the engine writes six quad indexes for a
    named graph instead of three for the default graph).
    """
    import pyoxigraph as ox

    store = ox.Store(store_dir)
    to_graph = ox.NamedNode(graph) if graph else None

    def work() -> None:
        store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES, to_graph=to_graph)
        store.flush()

    cpu, wall, _ = timed(work)
    return {"cpu": cpu, "wall": wall, "triples": len(store)}


def task_rdflib_parse(path: str) -> dict[str, Any]:
    """rdflib's in-memory ``Graph.parse`` of N-Triples."""
    import rdflib

    graph = rdflib.Graph()
    cpu, wall, _ = timed(lambda: graph.parse(path, format="nt"))
    return {"cpu": cpu, "wall": wall, "triples": len(graph)}


# -- the benchmark -------------------------------------------------------------------


def _repeat(target: str, repeats: int, fresh_dir: Path | None, keep: Path | None = None,
            python_path: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run a task ``repeats`` times (a fresh store directory each time); medians.

    The last run's store is moved to ``keep`` when given (the query benchmark
    and the re-import reuse it).
    """
    runs = []
    for i in range(repeats):
        if fresh_dir is not None:
            shutil.rmtree(fresh_dir, ignore_errors=True)
            kwargs["store_dir"] = str(fresh_dir)
        runs.append(in_child(target, python_path=python_path, **kwargs))
        if "error" in runs[-1]:
            break
        if fresh_dir is not None:
            if keep is not None and i == repeats - 1:
                shutil.rmtree(keep, ignore_errors=True)
                fresh_dir.rename(keep)
            else:
                shutil.rmtree(fresh_dir, ignore_errors=True)
    return summarise(runs)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of CPU and wall time, the highest peak RSS, and the first error."""
    good = [r for r in runs if "error" not in r]
    out: dict[str, Any] = {
        "cpu": median([r["cpu"] for r in good]),
        "wall": median([r["wall"] for r in good]),
        "rss_mb": max((r["rss_mb"] for r in good), default=float("nan")),
        "runs": len(good),
    }
    for key in ("triples", "status"):
        if good and key in good[-1]:
            out[key] = good[-1][key]
    errors = [r["error"] for r in runs if "error" in r]
    if errors:
        out["error"] = errors[0]
    return out


def run(files: dict[int, Path], work: Path, *, repeats: int, rdflib_sizes: list[int],
        shacl_sizes: list[int], log: Any = print, before: Path | None = None
        ) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    """Measure every import variant for each file (by triple count).

    ``before`` is another cartgraph source tree (``src/``), measured in the same
    run. Returns the table rows and the stores left for the query benchmark, by
    engine (of the largest file).
    """
    rows: list[dict[str, Any]] = []
    largest = max(files)
    stores = {"cartgraph": work / "store-cartgraph", "pyoxigraph": work / "store-pyoxigraph",
              "pyoxigraph-named": work / "store-pyoxigraph-named"}
    scratch = work / "scratch"
    for n, path in sorted(files.items()):
        keep = n == largest
        log(f"import {n:,}: pyoxigraph bulk_load x{repeats}")
        ox_row = _repeat("bench_import:task_pyoxigraph_bulk_load", repeats, scratch,
                         stores["pyoxigraph"] if keep else None, path=str(path))
        rows.append({"name": "pyoxigraph Store.bulk_load (on disk, default graph)", "n": n,
                     "engine": "pyoxigraph", **ox_row})
        log(f"import {n:,}: pyoxigraph bulk_load to a named graph x{repeats}")
        named_row = _repeat("bench_import:task_pyoxigraph_bulk_load", repeats, scratch,
                            stores["pyoxigraph-named"] if keep else None, path=str(path),
                            graph=Path(path).absolute().as_uri())
        rows.append({"name": "pyoxigraph Store.bulk_load (on disk, to_graph=named graph)",
                     "n": n, "engine": "pyoxigraph", "baseline": ox_row, **named_row})
        log(f"import {n:,}: cartgraph import_files (SHACL off) x{repeats}")
        cg_row = _repeat("bench_import:task_cartgraph_import", repeats, scratch,
                         stores["cartgraph"] if keep else work / f"store-cartgraph-{n}",
                         path=str(path), shacl=False)
        rows.append({"name": "cartgraph import (SHACL off, on disk)", "n": n,
                     "engine": "cartgraph", "baseline": ox_row, "target": 1.5, **cg_row})
        rows.append({"name": "cartgraph import (SHACL off) vs bulk_load to a named graph",
                     "n": n, "engine": "cartgraph", "baseline": named_row,
                     "baseline_name": "bulk_load to_graph", "target": 1.3, "ratio_only": True,
                     "ratio_key": "wall", **cg_row})
        if before is not None:
            log(f"import {n:,}: cartgraph import_files BEFORE ({before}) x{repeats}")
            old_row = _repeat("bench_import:task_cartgraph_import", repeats, scratch,
                              python_path=str(before), path=str(path), shacl=False)
            rows.append({"name": "before: cartgraph import (SHACL off, on disk)", "n": n,
                         "engine": "cartgraph", "baseline": named_row,
                         "baseline_name": "bulk_load to_graph", "target": 1.3,
                         "ratio_key": "wall", **old_row})
        log(f"import {n:,}: cartgraph re-import of unchanged bytes x{repeats}")
        kept = stores["cartgraph"] if keep else work / f"store-cartgraph-{n}"
        re_row = summarise([in_child("bench_import:task_cartgraph_reimport", path=str(path),
                                     store_dir=str(kept)) for _ in range(repeats)])
        rows.append({"name": "cartgraph re-import, unchanged bytes", "n": n,
                     "engine": "cartgraph", "baseline": cg_row, "target": 0.05,
                     "baseline_name": "full import", **re_row})
        if not keep:
            shutil.rmtree(kept, ignore_errors=True)
        if n in shacl_sizes:
            log(f"import {n:,}: cartgraph import with SHACL x1")
            sh_row = _repeat("bench_import:task_cartgraph_import", 1, scratch, path=str(path),
                             shacl=True)
            rows.append({"name": "cartgraph import (SHACL on, on disk)", "n": n,
                         "engine": "cartgraph", "baseline": ox_row, **sh_row})
        if n in rdflib_sizes:
            log(f"import {n:,}: rdflib Graph.parse x1")
            rd_row = _repeat("bench_import:task_rdflib_parse", 1, None, path=str(path))
            rows.append({"name": "rdflib Graph.parse (in memory)", "n": n, "engine": "rdflib",
                         "baseline": ox_row, **rd_row})
    shutil.rmtree(scratch, ignore_errors=True)
    return rows, stores
