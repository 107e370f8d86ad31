"""Start-up and CLI overhead: whole processes, timed from outside.

Each command runs ``repeats`` times after one warm-up; wall time comes from the
parent's clock and CPU time from ``os.wait4`` (user + system of the child).
``cartgraph query`` end-to-end is compared with the same query in-process
(from the query benchmark) to show what the process itself costs: interpreter
start, imports, opening the store and writing to stdout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from measure import median


def cartgraph_command() -> str:
    """The ``cartgraph`` console script beside this interpreter (else on PATH)."""
    beside = Path(sys.executable).parent / "cartgraph"
    if beside.exists():
        return str(beside)
    found = shutil.which("cartgraph")
    if not found:
        raise RuntimeError("no cartgraph command: install the package (pip install -e .)")
    return found


def time_command(cmd: list[str], repeats: int) -> dict[str, Any]:
    """Median wall and CPU seconds of running ``cmd`` (output discarded)."""
    walls, cpus = [], []
    env = {k: v for k, v in os.environ.items() if k != "CARTGRAPH_STORE"}
    for i in range(repeats + 1):
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stderr.close()
        if proc.returncode != 0:
            message = err.decode(errors="replace").strip().splitlines()
            return {"error": f"exit {proc.returncode}: {message[-1] if message else ''}"}
        if i:  # the first run warms the page cache
            walls.append(wall)
            cpus.append(usage.ru_utime + usage.ru_stime)
    return {"wall": median(walls), "cpu": median(cpus), "runs": repeats}


def run(store: Path | None, queries: dict[str, str], in_process: dict[str, dict[str, Any]],
        *, repeats: int, log: Any = print) -> list[dict[str, Any]]:
    """Rows: python -c pass, imports, cartgraph --help, and cartgraph query end-to-end."""
    python = sys.executable
    cartgraph = cartgraph_command()
    log(f"start-up: x{repeats} each")
    base = time_command([python, "-c", "pass"], repeats)
    rows: list[dict[str, Any]] = [
        {"name": "python -c pass", **base},
        {"name": "python -c 'import pyoxigraph'",
         **time_command([python, "-c", "import pyoxigraph"], repeats)},
        {"name": "python -c 'import rdflib'",
         **time_command([python, "-c", "import rdflib"], repeats)},
        {"name": "cartgraph --help", "baseline": base, "baseline_name": "python -c pass",
         "target": 5.0, **time_command([cartgraph, "--help"], repeats)},
        {"name": "cartgraph --version", "baseline": base, "baseline_name": "python -c pass",
         **time_command([cartgraph, "--version"], repeats)},
    ]
    if store is not None:
        for name, query in queries.items():
            log(f"start-up: cartgraph query {name} end-to-end x{repeats}")
            inproc = in_process.get(name, {})
            rows.append({"name": f"cartgraph query ({name}, json) end-to-end",
                         "baseline": inproc, "baseline_name": "in-process",
                         **time_command([cartgraph, "--store", str(store), "query",
                                         "--format", "json", query], repeats)})
    return rows
