"""Shared by the security tests: a listener that counts connections, the real CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import cartgraph

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


def run_cli(store: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m cartgraph --store STORE ARGS`` as a real process."""
    env = dict(os.environ)
    src = str(Path(cartgraph.__file__).resolve().parents[1])  # the code under test
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "cartgraph", "--store", str(store), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
