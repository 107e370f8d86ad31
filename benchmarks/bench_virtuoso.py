"""cartgraph on OpenLink Virtuoso against Virtuoso's own tools, in the same run.

- import: the seeded synthetic graph (N-Triples) into a fresh Virtuoso through
  cartgraph (SPARQL updates sized to Virtuoso's limits, and through the Graph
  Store Protocol), against Virtuoso's bulk loader (``ld_dir`` +
  ``rdf_loader_run`` + ``checkpoint`` through isql). Goal: within 2x.
- queries: every named SELECT query on the bundled graph through
  ``RemoteStore.query`` (rows parsed) against a plain HTTP POST of the same
  request (query text and dataset parameters; bytes read). Goal: within
  1.2x. Medians of several runs.

Run: ``python benchmarks/bench_virtuoso.py [--triples 100000 1000000]``; needs
Debian's virtuoso-opensource (``make virtuoso``). Prints a markdown table.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from synthetic import generate  # noqa: E402

from helpers_virtuoso import virtuoso_serve  # noqa: E402


def _count(store: object, graph: str) -> int:
    from cartgraph.remote import RemoteStore

    assert isinstance(store, RemoteStore)
    rows = store.select(f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graph}> "
                        f"WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


def bench_import(n: int, work: Path) -> list[tuple[str, str, str]]:
    from cartgraph.ingest import ImportOptions, import_files
    from cartgraph.remote import RemoteStore

    source = generate(n, directory=work / "data")
    rows = []
    with virtuoso_serve(work / f"virtuoso-{n}") as server:
        data_dir = server.directory / "load"
        data_dir.mkdir()
        shutil.copy(source, data_dir / "data.nt")
        start = time.perf_counter()
        server.isql(f"ld_dir('{data_dir}', 'data.nt', 'urn:bulk:{n}');\n"
                    "rdf_loader_run();\ncheckpoint;\n")
        bulk = time.perf_counter() - start
        store = RemoteStore(server.url, token="", user="")
        assert _count(store, f"urn:bulk:{n}") == n
        timings = {}
        for name, remote in (("SPARQL updates", store),
                             ("Graph Store Protocol", RemoteStore(
                                 server.url, token="", user="",
                                 graph_store_url=server.graph_store_url))):
            graph = f"urn:cartgraph:{n}:{len(timings)}"
            start = time.perf_counter()
            import_files(remote, [str(source)], ImportOptions(shacl=False, graph=graph))
            timings[name] = time.perf_counter() - start
            assert _count(store, graph) == n
        rows.append((f"import {n:,} triples", "Virtuoso bulk loader (isql)", f"{bulk:.2f} s"))
        for name, seconds in timings.items():
            rows.append((f"import {n:,} triples", f"cartgraph, {name}",
                         f"{seconds:.2f} s ({seconds / bulk:.2f}x)"))
    return rows


def bench_queries(work: Path, repeat: int) -> list[tuple[str, str, str]]:
    from cartgraph.bundled import bundled_files
    from cartgraph.errors import CartgraphError
    from cartgraph.ingest import ImportOptions, import_files
    from cartgraph.namespaces import sparql_prologue
    from cartgraph.query import bind_params, named_queries
    from cartgraph.remote import RemoteStore

    rows = []
    with virtuoso_serve(work / "virtuoso-queries") as server:
        store = RemoteStore(server.url, token="", user="")
        files = bundled_files()
        import_files(store, [str(f.path) for f in files],
                     ImportOptions(sources=[f.source for f in files], shacl=False))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        dataset = [(kind, g) for kind in ("default-graph-uri", "named-graph-uri")
                   for g in store.graphs()]
        total_ours = total_plain = 0.0
        for name, nq in named_queries().items():
            if nq.kind != "select":
                continue
            text = bind_params(nq.text, nq.bindings({}))

            def ours(text: str = text) -> None:
                list(store.query(text))

            def plain(text: str = text) -> None:  # the same request, bytes only
                body = urlencode([("query", sparql_prologue() + "\n" + text), *dataset]).encode()
                request = urllib.request.Request(server.url, data=body, headers={
                    "Accept": "application/sparql-results+json"})
                with opener.open(request) as response:
                    response.read()

            try:
                ours(), plain()  # warm up
            except CartgraphError as exc:
                rows.append((f"query {name}", "cartgraph / plain HTTP", f"refused: {exc}"[:90]))
                continue
            t_ours = _median(ours, repeat)
            t_plain = _median(plain, repeat)
            total_ours, total_plain = total_ours + t_ours, total_plain + t_plain
            rows.append((f"query {name}", "cartgraph / plain HTTP",
                         f"{t_ours * 1000:.1f} / {t_plain * 1000:.1f} ms "
                         f"({t_ours / t_plain:.2f}x)"))
        rows.append(("all named SELECT queries", "cartgraph / plain HTTP",
                     f"{total_ours * 1000:.1f} / {total_plain * 1000:.1f} ms "
                     f"({total_ours / total_plain:.2f}x)"))
    return rows


def _median(work: object, repeat: int) -> float:
    assert callable(work)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, nargs="*", default=[100_000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-virtuoso-") as tmp:
        work = Path(tmp)
        for n in args.triples:
            rows += bench_import(n, work)
            print(rows[-3:], flush=True)
        rows += bench_queries(work, args.repeat)
    print("| measurement | what | result |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
