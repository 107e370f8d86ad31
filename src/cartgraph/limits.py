"""Time and memory limits for work that pyoxigraph cannot interrupt.

A running pyoxigraph query cannot be stopped from Python, and one small query
can allocate gigabytes (26 chained ``BIND(CONCAT(?s, ?s) AS ?t)``). So:

* :class:`MemoryWatch` samples this process's resident memory (every 20 ms)
  and calls back once when it has grown more than ``limit`` bytes beyond what
  it was when the watch started: the caller answers and ends the process (the
  CLI exits 1 with one line, a server worker answers 503 and is replaced).
* :func:`address_space_limit` sets ``RLIMIT_AS`` to the current address space
  plus twice the limit (at least the limit plus 1 GiB), a backstop the kernel
  enforces should an allocation outpace the sampling (the process then dies
  instead of taking the machine).
* :func:`run_bounded` runs work in a thread under a timeout and a memory watch
  and raises :class:`~cartgraph.errors.QueryTimeout` or
  :class:`~cartgraph.errors.QueryTooLarge`; the thread is abandoned, so a
  caller that must not wait for it ends the process (:func:`exit_now`).

Linux reads ``/proc/self/statm``; elsewhere the watch uses ``getrusage`` peak
figures and the address-space limit is skipped where the platform lacks it.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

from .errors import QueryTimeout, QueryTooLarge, UsageError

__all__ = ["DEFAULT_MAX_MEMORY", "MemoryWatch", "address_space_limit", "exit_now",
           "format_size", "parse_size", "run_bounded"]

DEFAULT_MAX_MEMORY = 2 << 30  # 2 GiB
T = TypeVar("T")
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``2G``, ``512M``, ``1.5GB``, ``800MiB`` or a plain number of bytes."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)(?:I?B)?\s*", text, re.I)
    if not m or float(m[1]) <= 0:
        raise UsageError(f"{text!r} is not a size (examples: 2G, 512M, 1500000)")
    return int(float(m[1]) * _UNITS[m[2].upper()])


def format_size(size: int) -> str:
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]} {unit}B"
    return f"{size} bytes"


def _memory() -> tuple[int, int]:
    """(resident bytes, address space bytes) of this process."""
    try:
        with open("/proc/self/statm", "rb") as f:
            size, resident = f.read().split()[:2]
        page = os.sysconf("SC_PAGE_SIZE")
        return int(resident) * page, int(size) * page
    except (OSError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak *= 1 if sys.platform == "darwin" else 1024
        return peak, 0


class MemoryWatch:
    """Call ``exceeded()`` once when resident memory grows ``limit`` bytes past its start."""

    def __init__(self, limit: int, exceeded: Callable[[], None], *,
                 interval: float = 0.02) -> None:
        self.limit, self._exceeded, self._interval = limit, exceeded, interval
        self.baseline = _memory()[0]
        self.tripped = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="cartgraph-memory-watch")
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if _memory()[0] - self.baseline > self.limit:
                self.tripped = True
                self._exceeded()
                return

    def stop(self) -> None:
        self._stop.set()


@contextlib.contextmanager
def address_space_limit(limit: int | None) -> Iterator[None]:
    """Cap this process's address space at its current size plus ``2 * limit``.

    At least ``limit`` plus 1 GiB: the sampling must get its chance first.

    The previous limit is restored on exit (a process that ends inside keeps it).
    """
    try:
        import resource
    except ImportError:  # not on this platform
        yield
        return
    space = _memory()[1]
    if not limit or not space or not hasattr(resource, "RLIMIT_AS"):
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = space + max(2 * limit, limit + (1 << 30))
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft <= wanted:
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def memory_message(limit: int) -> str:
    return (f"the query needed more than {format_size(limit)} of memory (the limit, "
            "--max-memory); narrow it or add a LIMIT")


def run_bounded(work: Callable[[], T], *, timeout: float | None = None,
                max_memory: int | None = None) -> T:
    """Run ``work`` in a daemon thread, bounded in time and in memory growth.

    Raises QueryTimeout or QueryTooLarge when a limit is reached; the thread
    cannot be stopped and is abandoned (call :func:`exit_now` if it must not
    go on running).
    """
    if not timeout and not max_memory:
        return work()
    box: dict[str, Any] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:
            box["error"] = exc
        finally:
            done.set()

    watch = MemoryWatch(max_memory, done.set) if max_memory else None
    worker = threading.Thread(target=target, daemon=True, name="cartgraph-query")
    with address_space_limit(max_memory):
        worker.start()
        finished = done.wait(timeout)
    if watch is not None:
        watch.stop()
        if watch.tripped and "value" not in box and "error" not in box:
            raise QueryTooLarge(memory_message(max_memory or 0))
    if not finished:
        raise QueryTimeout(f"query timed out after {timeout:g} s")
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def exit_now(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` as the CLI's one-line error and end the process at once.

    For work abandoned in a thread: a normal exit would wait for, or tear the
    interpreter down under, a query that is still running.
    """
    sys.stdout.flush()
    print(f"cartgraph: error: {message}", file=sys.stderr, flush=True)
    os._exit(code)
