"""Measurement plumbing shared by the benchmarks: one child process per measurement.

Each measurement runs ``module:function(**kwargs)`` in a fresh Python process
(``python benchmarks/measure.py``), so that peak memory (``ru_maxrss``) belongs to
that one measurement and nothing is cached between engines. The function
returns a dict; it times its own work with :func:`timed` (CPU time of the whole
process, all threads included, and wall time). The child adds ``rss_mb``, its
peak resident set size, and prints the dict as JSON on its last line.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_MARK = "@@result@@ "


def timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run ``work()``; return (CPU seconds, wall seconds, its result)."""
    c0, w0 = time.process_time(), time.perf_counter()
    value = work()
    return time.process_time() - c0, time.perf_counter() - w0, value


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_child(target: str, *, timeout: float = 1800, python_path: str | None = None,
             **kwargs: Any) -> dict[str, Any]:
    """Run ``target`` ("module:function", a module in benchmarks/) in a child process.

    ``python_path`` puts another cartgraph source tree first (the code before a
    change, measured in the same run). Returns the function's dict plus
    ``rss_mb``; on failure a dict with ``error``.
    """
    cmd = [sys.executable, str(HERE / "measure.py"), target, json.dumps(kwargs)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if python_path is not None:
        env["PYTHONPATH"] = python_path
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(_MARK):
            return dict(json.loads(line[len(_MARK):]))
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _main(argv: list[str]) -> int:
    target, kwargs = argv[0], json.loads(argv[1])
    module_name, _, function = target.partition(":")
    sys.path.insert(0, str(HERE))
    func = getattr(importlib.import_module(module_name), function)
    try:
        result = dict(func(**kwargs))
    except Exception as exc:  # reported to the parent, which prints it in the table
        result = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    result["rss_mb"] = peak_rss_mb()
    sys.stdout.write(_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
