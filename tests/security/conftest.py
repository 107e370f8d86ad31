"""Attacks on the real CLI and a real `cartgraph serve`, all on 127.0.0.1.

``listener`` is a local TCP server that counts the connections made to it: a
test that sends a query naming its address proves that nothing was fetched by
finding the count at zero (and the listener answers like an HTTP server, so a
fetch would otherwise succeed).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # helpers_server

from security_helpers import TOKEN, Listener

from cartgraph import Store
from helpers_server import cartgraph_serve


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
