"""Worker processes for an on-disk store: each one accepts connections itself.

The parent binds the listening socket and starts ``size`` workers, fresh
interpreters that inherit it. Each worker opens the store read-only and runs a
threaded HTTP server on the shared socket, so a request never passes through the
parent and no process's GIL is shared by all requests. The parent only starts
workers and replaces those that exit.

A running pyoxigraph query cannot be interrupted. When one outlives the timeout
its worker answers 503, stops accepting, finishes the requests it is in the
middle of (each bounded by the same timeout) and exits, which stops the query;
the parent starts a replacement. Idle keep-alive connections of that worker are
closed, as HTTP/1.1 allows; clients reconnect.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import CartgraphError
from .options import ServerOptions

__all__ = ["WorkerPool"]

_START_TIMEOUT = 60.0
_STOP_GRACE = 5.0
_CODE = ("import sys; from cartgraph.server.workers import worker_main; "
         "worker_main(int(sys.argv[1]), int(sys.argv[2]))")


def worker_main(listen_fd: int, control_fd: int) -> None:
    """One worker: serve HTTP on the inherited socket until told to stop, then exit."""
    from multiprocessing.connection import Connection

    from ..store import LocalStore
    from .jobs import Runner
    from .protocol import App, http_server

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    control = Connection(control_fd)
    path, options, token = control.recv()
    try:
        store = LocalStore.open(path, create=False)
    except Exception as exc:
        control.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    stopping = threading.Event()
    # SIGTERM to the whole process group (systemd, docker stop): drain, then exit
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())

    def timed_out() -> None:
        if not stopping.is_set():
            print(f"cartgraph serve: a query outlived the {options.timeout:g} s timeout; "
                  f"worker {os.getpid()} stops it by exiting and is replaced",
                  file=sys.stderr, flush=True)
        stopping.set()

    runner = Runner(store, timeout=options.timeout, max_rows=options.max_rows, refresh=True,
                    on_timeout=timed_out)
    app = App(store, options, runner=runner, token=token, draining=stopping)
    httpd = http_server(socket.socket(fileno=listen_fd), app)
    if options.max_memory:
        _limit_memory(options.max_memory, runner, stopping.set)

    def parent_gone() -> None:  # the parent closes the pipe to stop us (or it died)
        with contextlib.suppress(EOFError, OSError):
            control.recv()
        stopping.set()

    def stop() -> None:
        stopping.wait()
        httpd.shutdown()

    threading.Thread(target=parent_gone, daemon=True).start()
    threading.Thread(target=stop, daemon=True).start()
    control.send(("ready", os.getpid()))
    try:
        httpd.serve_forever(poll_interval=0.25)
    finally:
        httpd.server_close()  # our copy of the listening socket: stop accepting
        deadline = time.monotonic() + options.timeout + 1
        while app.active > runner.stuck and time.monotonic() < deadline:
            time.sleep(0.02)
        sys.stderr.flush()
        os._exit(0)  # also ends a query that cannot be interrupted


def _limit_memory(limit: int, runner: Any, stop: Any) -> None:
    """Answer 503 to every running query and exit when this worker grows past ``limit``.

    The kernel's RLIMIT_AS (start-up address space plus twice the limit) is the
    backstop should an allocation outrun the 20 ms sampling.
    """
    from ..limits import MemoryWatch, address_space_limit, format_size

    def exceeded() -> None:
        print(f"cartgraph serve: worker {os.getpid()} grew past the memory limit of "
              f"{format_size(limit)}; it stops its queries by exiting and is replaced",
              file=sys.stderr, flush=True)
        runner.stop_all(f"query stopped: the server's worker needed more than "
                        f"{format_size(limit)} of memory (--max-memory); narrow the query "
                        "or add a LIMIT", then=stop)

    address_space_limit(limit).__enter__()  # for the rest of this process's life
    MemoryWatch(limit, exceeded)


class _Worker:
    """One worker process and the pipe that tells it to stop."""

    def __init__(self, listener: socket.socket, config: tuple[str, ServerOptions, str | None]
                 ) -> None:
        from multiprocessing.connection import Connection

        import cartgraph

        parent, child = socket.socketpair()
        env = dict(os.environ)
        env.setdefault("MALLOC_ARENA_MAX", "2")  # bounded address space per thread
        package_root = str(Path(cartgraph.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH"))
                                            if p)
        fds = (listener.fileno(), child.fileno())
        try:
            self.process = subprocess.Popen([sys.executable, "-c", _CODE, *map(str, fds)],
                                            pass_fds=fds, stdin=subprocess.DEVNULL, env=env)
        finally:
            child.close()
        self.conn = Connection(parent.detach())
        self.conn.send(config)

    def wait_ready(self) -> None:
        try:
            ready = self.conn.poll(_START_TIMEOUT)
            status, detail = self.conn.recv() if ready else ("error", "no answer in time")
        except (EOFError, OSError):
            status, detail = "error", "it exited"
        if status != "ready":
            self.kill()
            raise CartgraphError(f"a server worker could not open the store: {detail}")

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()

    def kill(self) -> None:
        self.stop()
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)


class WorkerPool:
    """``size`` workers serving ``listener``; one that exits is replaced until close()."""

    def __init__(self, path: Path, options: ServerOptions, token: str | None,
                 listener: socket.socket) -> None:
        self._listener = listener
        self._config = (str(path), options, token)
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._workers: set[_Worker] = set()
        started = [self._spawn() for _ in range(options.processes)]
        try:
            for worker in started:
                worker.wait_ready()
        except BaseException:
            self.close()
            raise
        for worker in started:
            self._watch(worker)

    @property
    def size(self) -> int:
        return len(self._workers)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._listener, self._config)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _watch(self, worker: _Worker) -> None:
        threading.Thread(target=self._replace_when_done, args=(worker,), daemon=True,
                         name="cartgraph-worker-watch").start()

    def _replace_when_done(self, worker: _Worker) -> None:
        worker.process.wait()
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        while not self._closed.is_set():
            new = self._spawn()
            try:
                new.wait_ready()
            except CartgraphError as exc:
                with self._lock:
                    self._workers.discard(new)
                print(f"cartgraph serve: {exc}; retrying", file=sys.stderr, flush=True)
                time.sleep(1.0)
                continue
            if self._closed.is_set():
                new.kill()
            else:
                self._watch(new)
            return

    def serve_forever(self) -> None:
        while not self._closed.wait(0.5):
            pass

    def shutdown(self) -> None:
        self._closed.set()

    def close(self) -> None:
        """Ask every worker to finish what it is doing, then kill what is left."""
        self._closed.set()
        with self._lock:
            workers = list(self._workers)
            self._workers.clear()
        for worker in workers:
            worker.stop()
        deadline = time.monotonic() + _STOP_GRACE
        for worker in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            worker.kill()
