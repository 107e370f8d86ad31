"""Running servers for the tests: `cartgraph serve` and `oxigraph serve` as subprocesses."""

from __future__ import annotations

import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BIN = Path(sys.executable).parent


def executable(name: str) -> str | None:
    found = BIN / name
    return str(found) if found.exists() else shutil.which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _direct() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (lower-cased names) and body; HTTP errors are answers too."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with _direct().open(req, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request(url, timeout=2)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


@contextlib.contextmanager
def cartgraph_serve(store: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``cartgraph --store STORE serve --port 0 ARGS``; yields (base URL, process)."""
    proc = subprocess.Popen([executable("cartgraph") or "cartgraph", "--store", str(store),
                             "serve", "--port", "0", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines = []
    reader: threading.Thread | None = None
    try:
        while True:
            line = proc.stderr.readline()
            if not line:
                raise RuntimeError(f"cartgraph serve exited: {''.join(lines)}")
            lines.append(line)
            m = re.match(r"serving (http://127\.0\.0\.1:\d+/) \(SPARQL at /sparql\)", line)
            if m:
                break
        rest: list[str] = []
        reader = threading.Thread(target=lambda: rest.extend(proc.stderr), daemon=True)
        reader.start()
        yield m[1], proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if reader is not None:
            reader.join(5)
        proc.stderr.close()


@contextlib.contextmanager
def oxigraph_serve(location: Path | None = None) -> Iterator[str]:
    """``oxigraph serve --union-default-graph`` on a free port; yields its query URL."""
    binary = executable("oxigraph")
    if binary is None:
        raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
    port = free_port()
    args = [binary, "serve", "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    if location is not None:
        args += ["--location", str(location)]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
        yield f"http://127.0.0.1:{port}/query"
    finally:
        proc.kill()
        proc.wait()
