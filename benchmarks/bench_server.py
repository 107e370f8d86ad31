"""Throughput and latency of `cartgraph serve` beside `oxigraph serve`, same data, same run.

Both servers load the same seeded synthetic graph (benchmarks/synthetic.py) into
one named graph and answer over loopback. For a simple SELECT and a two-hop join
(with labels), with 1 and 8 concurrent clients (threads with keep-alive
connections, POST form-encoded, JSON results), it reports queries per second and
p50/p99 latency, prints a markdown table and writes it to
/work/notes/server-bench.md (or --out).

    .venv/bin/python benchmarks/bench_server.py [--triples 100000] [--requests 2000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
CG = "https://w3id.org/cartgraph/vocab#"
CGR = "https://w3id.org/cartgraph/id/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
GRAPH = "https://example.org/bench"

QUERIES = {
    "simple SELECT": f"SELECT ?label WHERE {{ <{CGR}hospital-160> <{LABEL}> ?label }}",
    "two-hop join": (f"SELECT ?case ?hospital ?label WHERE {{ ?case <{CG}diagnosedWith> "
                     f"<{CGR}disease-9> ; <{CG}treatedAt> ?hospital . "
                     f"?hospital <{LABEL}> ?label }}"),
}


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(port: int, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not come up")


def start_oxigraph(data: Path, workdir: Path) -> tuple[subprocess.Popen[bytes], int, str]:
    location = workdir / "oxigraph"
    subprocess.run([_bin("oxigraph"), "load", "--location", str(location), "--file", str(data),
                    "--graph", GRAPH], check=True, capture_output=True)
    port = _free_port()
    proc = subprocess.Popen([_bin("oxigraph"), "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_http(port, "/query?query=ASK%7B%7D")
    return proc, port, "/query"


def start_cartgraph(data: Path, workdir: Path, *serve_args: str
                    ) -> tuple[subprocess.Popen[bytes], int, str]:
    import pyoxigraph as ox

    from cartgraph.store import Store

    location = workdir / "cartgraph"
    with Store.open(location, seed=False) as store, store.transaction() as writer:
        writer.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES,
                         to_graph=ox.NamedNode(GRAPH))
    proc = subprocess.Popen([_bin("cartgraph"), "--store", str(location), "serve", "--port",
                             "0", *serve_args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    line = proc.stderr.readline().decode()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise RuntimeError(f"cartgraph serve did not start: {line!r}")
    threading.Thread(target=proc.stderr.read, daemon=True).start()
    return proc, int(m[1]), "/sparql"


def _client(port: int, path: str, body: bytes, count: int, latencies: list[float],
            errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/sparql-results+json"}
    for _ in range(count):
        start = time.perf_counter()
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            errors.append(str(response.status))
    conn.close()


def measure(port: int, path: str, query: str, clients: int, requests: int) -> dict[str, float]:
    body = urlencode({"query": query}).encode()
    _client(port, path, body, 20, [], [])  # warm up
    latencies: list[float] = []
    errors: list[str] = []
    per_client = max(1, requests // clients)
    threads = [threading.Thread(target=_client, args=(port, path, body, per_client, latencies,
                                                      errors)) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"qps": len(latencies) / elapsed,
            "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "errors": len(errors), "n": len(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000,
                        help="requests per server, query and concurrency level")
    parser.add_argument("--out", default="/work/notes/server-bench.md")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    import synthetic

    data = synthetic.generate(args.triples)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cartgraph-bench-") as tmp:
        servers = {"oxigraph serve": start_oxigraph(data, Path(tmp)),
                   "cartgraph serve": start_cartgraph(data, Path(tmp))}
        try:
            for name, query in QUERIES.items():
                for clients in (1, 8):
                    results = {}
                    for server, (_proc, port, path) in servers.items():
                        results[server] = measure(port, path, query, clients, args.requests)
                    ratio = results["cartgraph serve"]["qps"] / results["oxigraph serve"]["qps"]
                    for server, r in results.items():
                        rows.append(f"| {name} | {clients} | {server} | {r['qps']:.0f} | "
                                    f"{r['p50']:.2f} | {r['p99']:.2f} | {int(r['errors'])} | "
                                    + (f"{ratio:.2f}" if server == "cartgraph serve" else "")
                                    + " |")
        finally:
            for proc, _port, _path in servers.values():
                proc.terminate()
                proc.wait(10)
    header = ["| query | clients | server | queries/s | p50 ms | p99 ms | errors | "
              "cartgraph/oxigraph |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    table = "\n".join(header + rows)
    cores = os.cpu_count()
    text = (f"# Server benchmark\n\n{args.triples:,} synthetic triples (seed 0), "
            f"{args.requests} requests per cell, loopback, {cores} cores, Python "
            f"{sys.version.split()[0]}; clients are threads with keep-alive connections in "
            "one Python process (the same client for both servers).\n\n" + table + "\n")
    print(text)
    if args.out:
        Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
