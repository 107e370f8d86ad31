"""Attacks on the real CLI and a real `cartgraph serve`, all on 127.0.0.1.

``listener`` is a local TCP server that counts the connections made to it: a
test that sends a query naming its address proves that nothing was fetched by
finding the count at zero (and the listener answers like an HTTP server, so a
fetch would otherwise succeed).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # helpers_server

from helpers_server import cartgraph_serve  # noqa: E402

from cartgraph import Store  # noqa: E402

TOKEN = "security-test-token"


class Listener:
    """A loopback HTTP listener that records every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        body = b"<http://127.0.0.1/s> <http://127.0.0.1/p> <http://127.0.0.1/o> .\n"
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                conn.settimeout(1)
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\n"
                                 b"Content-Length: " + str(len(body)).encode() +
                                 b"\r\nConnection: close\r\n\r\n" + body)
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("security") / "store"
    Store.open(path).close()
    return path


@pytest.fixture(scope="session")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("token") / "token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture(scope="session")
def served(store_dir: Path, token_file: Path) -> Iterator[str]:
    """A real `cartgraph serve` (two workers, updates with a token, 256 MB per worker)."""
    with cartgraph_serve(store_dir, "--allow-update", "--token-file", str(token_file),
                         "--workers", "2", "--timeout", "20", "--max-memory", "256M",
                         "--allowed-host", "graph.lab.example") as (url, proc):
        yield url
        proc.send_signal(signal.SIGINT)
        proc.wait(15)


def run_cli(store: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m cartgraph --store STORE ARGS`` as a real process."""
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "cartgraph", "--store", str(store), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
