"""The SPARQL 1.1 Protocol endpoint, the query page and the explorer over HTTP.

``serve(store, options)`` listens (127.0.0.1 unless told otherwise) with these
routes::

    GET  /                the query page (assets under /web/, never from a CDN)
    GET  /explorer        the network view of the graph (cartgraph.viz)
    GET  /queries.json    the predeclared prefixes and the named queries
    GET  /named/NAME      run a named query; other parameters bind its variables
    GET  /sparql          ?query=... runs a query; without one, the service description
    POST /sparql          form-encoded query= or update=, application/sparql-query,
                          application/sparql-update

An on-disk store is served by a pool of worker processes that share the
listening socket (:mod:`.workers`): each holds the store open read-only,
refreshes it before every query so that it sees new commits, and answers HTTP
itself. A running pyoxigraph query cannot be interrupted, so a query that
outlives its timeout gets 503 and its worker exits once its other requests are
answered; a new one takes its place. A SELECT or CONSTRUCT with more than
``max_rows`` results is refused (an error, not a silent truncation). Updates,
when ``allow_update`` is on, need ``Authorization: Bearer TOKEN`` and run
through ``Store.transaction``, so they take the write lock and commit a new
generation atomically (a killed update leaves the store as it was).

In-memory and remote stores have no directory a worker could open: they are
served by threads of this process, where a timeout answers 503 but cannot stop
the abandoned query.

Modules: :mod:`.options` (ServerOptions), :mod:`.wire` (HTTP requests and answers,
the Host check), :mod:`.protocol` (routes, the SPARQL Protocol), :mod:`.negotiation`
(result formats from Accept),
:mod:`.jobs` (answering a query or update under a timeout),
:mod:`.workers` (the process pool).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from ..errors import CartgraphError
from .negotiation import negotiate
from .options import ServerOptions

__all__ = ["Server", "ServerOptions", "negotiate", "serve", "start"]


class _Backend(Protocol):
    def serve_forever(self) -> None: ...
    def shutdown(self) -> None: ...
    def close(self) -> None: ...


class _InProcess:
    """Threads of this process answer (in-memory and remote stores)."""

    def __init__(self, store: Any, options: ServerOptions, token: str | None,
                 listener: socket.socket) -> None:
        from .jobs import Runner
        from .protocol import App, http_server

        self._runner = Runner(store, timeout=options.timeout, max_rows=options.max_rows)
        self._httpd = http_server(listener, App(store, options, runner=self._runner,
                                                token=token))

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.25)

    def shutdown(self) -> None:
        self._httpd.shutdown()

    def close(self) -> None:
        self._httpd.server_close()
        self._runner.close()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family, backlog=128)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).split(" (while attempting")[0]
        raise CartgraphError(f"cannot listen on {host}:{port}: {reason}") from None
    listener.setblocking(False)
    return listener


class Server:
    """A running server: ``url``, ``port``, ``serve_forever()`` and ``close()``."""

    def __init__(self, store: Any, options: ServerOptions) -> None:
        from .protocol import read_token

        self.options = options
        token = read_token(options.token_file) if options.allow_update else None
        self._listener = _listen(options.host, options.port)
        try:
            if not store.capabilities.multiprocess:
                self._backend: _Backend = _InProcess(store, options, token, self._listener)
            else:
                from .workers import WorkerPool

                self._backend = WorkerPool(Path(store.location), options, token,
                                           self._listener)
        except BaseException:
            self._listener.close()
            raise
        self.port: int = self._listener.getsockname()[1]
        host = f"[{options.host}]" if ":" in options.host else options.host
        self.url = f"http://{host}:{self.port}/"
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._backend.serve_forever()

    def start_thread(self) -> Server:
        """Serve from a daemon thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True,
                                        name="cartgraph-server")
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._backend.shutdown()
            self._thread.join(5)
            self._thread = None
        self._backend.close()
        self._listener.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def start(store: Any, options: ServerOptions | None = None) -> Iterator[Server]:
    """Run a server on a thread for the duration of a ``with`` block (port 0: any free)."""
    server = Server(store, options or ServerOptions(port=0)).start_thread()
    try:
        yield server
    finally:
        server.close()


def serve(store: Any, options: ServerOptions) -> None:
    """Serve until Ctrl-C (or SIGTERM); prints where on stderr."""
    server = Server(store, options)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    print(f"serving {server.url} (SPARQL at /sparql)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr, flush=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
