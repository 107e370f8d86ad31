"""Shared fixtures: stores, the CLI runner, and where ../shared lives."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartgraph import Store
from cartgraph.cli import cli

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture
def memory_store() -> Store:
    """A fresh in-memory store seeded with the bundled graph."""
    return Store.memory()


@pytest.fixture(scope="session")
def bundled_store() -> Store:
    """One seeded in-memory store shared by read-only tests."""
    return Store.memory()


@pytest.fixture(scope="session")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded on-disk store, made once; tests copy it (see ``store``)."""
    store = tmp_path_factory.mktemp("seeded") / "store"
    Store.open(store).close()
    return store


@pytest.fixture
def store(seeded: Path, tmp_path: Path) -> Path:
    """A seeded store directory of the test's own (a copy: seeding once is enough)."""
    target = tmp_path / "store"
    shutil.copytree(seeded, target, symlinks=True)
    return target


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    """Where a test's on-disk store goes (created and seeded on first use)."""
    return tmp_path / "store"


CliCall = Callable[..., Result]


@pytest.fixture
def run(store_dir: Path) -> CliCall:
    """Run the CLI in-process against the test's store: ``run("stats", "--format", "json")``."""
    runner = CliRunner()

    def call(*args: str, input: str | bytes | None = None) -> Result:
        return runner.invoke(cli, ["--store", str(store_dir), *args], input=input,
                             catch_exceptions=True)

    return call


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is missing (the project's shared/ folder beside the repository)")
    return SHARED
