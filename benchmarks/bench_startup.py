"""Start-up and CLI overhead: whole processes, timed from outside.

Each command runs ``repeats`` times after one warm-up; wall time comes from the
parent's clock and CPU time from ``os.wait4`` (user + system of the child).
``cartgraph query`` end-to-end is compared with a bare pyoxigraph process
running the same query on the same store: the difference is what cartgraph's
process costs (imports, opening the store, checks, writing to stdout). The
commands run the console script's entry point of a source tree (``src/`` of
this checkout, and optionally the code before a change).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from measure import median

SRC = Path(__file__).resolve().parents[1] / "src"


def entry_point(src: Path) -> tuple[list[str], dict[str, str]]:
    """The command line and environment that run the ``cartgraph`` console script of
    the source tree ``src``: what pip's script does, with that tree first on the path.

    The entry point is read from the tree's pyproject.toml (an editable install's
    script may name an older one).
    """
    target = "cartgraph.cli:main"
    pyproject = src.parent / "pyproject.toml"
    if pyproject.is_file():
        for line in pyproject.read_text().splitlines():
            if line.replace(" ", "").startswith("cartgraph=\""):
                target = line.split("=", 1)[1].strip().strip('"')
    module, _, function = target.partition(":")
    code = (f"import sys; from {module} import {function} as main; "
            "sys.argv[0] = 'cartgraph'; sys.exit(main())")
    return [sys.executable, "-c", code], {"PYTHONPATH": str(src)}


def bare_query(store: Path, query: str) -> list[str]:
    """A bare pyoxigraph process running ``query`` on a cartgraph store's committed
    generation: open, query with the union default graph, JSON to stdout."""
    code = ("import os, sys, pyoxigraph as ox\n"
            f"store = {str(store)!r}\n"
            "s = ox.Store.read_only(os.path.join(store, os.readlink(os.path.join(store, "
            "'current'))))\n"
            f"s.query({query!r}, use_default_graph_as_union=True).serialize("
            "sys.stdout.buffer, ox.QueryResultsFormat.JSON)\n")
    return [sys.executable, "-c", code]


def time_command(cmd: list[str], repeats: int, env: dict[str, str] | None = None
                 ) -> dict[str, Any]:
    """Median wall and CPU seconds of running ``cmd`` (output discarded)."""
    walls, cpus = [], []
    env = {**{k: v for k, v in os.environ.items() if k != "CARTGRAPH_STORE"}, **(env or {})}
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
        *, repeats: int, log: Any = print, before: Path | None = None) -> list[dict[str, Any]]:
    """Rows: python -c pass, imports, ``cartgraph --help`` / ``--version``, and
    ``cartgraph query`` end-to-end against a bare pyoxigraph process; with
    ``before`` (another source tree) the same commands of that code too."""
    python = sys.executable
    versions = [("", SRC)] + ([("before: ", before)] if before is not None else [])
    log(f"start-up: x{repeats} each")
    base = time_command([python, "-c", "pass"], repeats)
    rows: list[dict[str, Any]] = [
        {"name": "python -c pass", **base},
        {"name": "python -c 'import pyoxigraph'",
         **time_command([python, "-c", "import pyoxigraph"], repeats)},
        {"name": "python -c 'import click'",
         **time_command([python, "-c", "import click"], repeats)},
        {"name": "python -c 'import rdflib'",
         **time_command([python, "-c", "import rdflib"], repeats)},
    ]
    for label, src in versions:
        cmd, env = entry_point(src)
        for flag in ("--help", "--version"):
            rows.append({"name": f"{label}cartgraph {flag}", "baseline": base,
                         "baseline_name": "python -c pass", "target": 3.0,
                         **time_command([*cmd, flag], repeats, env)})
    if store is not None:
        for name, query in queries.items():
            log(f"start-up: cartgraph query {name} end-to-end x{repeats}")
            bare = {"name": f"bare pyoxigraph process ({name}, json)",
                    **time_command(bare_query(store, query), repeats)}
            rows.append(bare)
            for label, src in versions:
                cmd, env = entry_point(src)
                rows.append({"name": f"{label}cartgraph query ({name}, json) end-to-end",
                             "baseline": bare, "baseline_name": "bare pyoxigraph process",
                             "target_ms": 30,
                             **time_command([*cmd, "--store", str(store), "query", "--format",
                                             "json", query], repeats, env)})
            inproc = in_process.get(name)
            if inproc:
                rows.append({"name": f"in-process query ({name}, json)", **inproc})
    return rows
