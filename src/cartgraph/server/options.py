"""How ``cartgraph serve`` runs: one dataclass shared by every part of the server."""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["ServerOptions"]


@dataclass
class ServerOptions:
    """How ``cartgraph serve`` runs.

    ``timeout`` (seconds) bounds each query and update; ``max_rows`` the solutions
    or triples one query may return; ``max_request_bytes`` the size of a request
    body (413 beyond it). ``workers`` server processes for an on-disk store
    (default: the CPU count, at least 2). ``log`` prints one line per request on
    stderr. ``allowed_hosts`` are the Host names answered besides the bound
    address and localhost (421 for any other). ``max_memory`` bounds how far a
    worker process's memory may grow while it answers (503 and a new worker
    beyond it; None: no limit).
    """

    host: str = "127.0.0.1"
    port: int = 7878
    allow_update: bool = False
    token_file: str | None = None
    cors: str | None = None
    timeout: float = 30.0
    max_rows: int = 100_000
    workers: int | None = None
    max_request_bytes: int = 1 << 20
    log: bool = False
    allowed_hosts: tuple[str, ...] = ()
    max_memory: int | None = 2 << 30

    @property
    def processes(self) -> int:
        """How many worker processes serve an on-disk store."""
        return self.workers or max(2, os.cpu_count() or 2)
