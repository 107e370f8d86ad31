"""Shared fixtures (stores, the CLI runner) and the rule for outside tools.

Outside tools: the browser tests need Debian's chromium and Playwright, the remote
tests the Oxigraph server, the Virtuoso tests Debian's virtuoso-opensource. A test
declares what it needs with ``@pytest.mark.needs("virtuoso")`` (the ``browser``
marker implies ``needs("browser")``). A missing tool FAILS the test, with the
command that installs it: ``make test`` never passes by silently running less.
To leave tools out on purpose, name them in ``CARTGRAPH_SKIP``::

    CARTGRAPH_SKIP=browser,virtuoso make test

Their tests are then skipped (and listed as such). For the same reason any other
skip decided while a test runs (``pytest.skip``, ``importorskip``) is turned into
a failure, unless its reason names a tool in ``CARTGRAPH_SKIP``; skips declared
with ``skip``/``skipif`` markers stay skips.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartgraph import Store
from cartgraph.cli import cli

pytest_plugins = ["pytester"]  # tests/test_tools.py runs pytest inside pytest

SKIP_ENV = "CARTGRAPH_SKIP"
CHROMIUM = "/usr/bin/chromium"


def executable(name: str) -> str | None:
    """A program of this virtualenv (where pip puts `oxigraph`), else on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


@dataclass(frozen=True)
class Tool:
    what: str
    install: str
    present: Callable[[], bool]


TOOLS = {
    "browser": Tool("Debian's chromium (/usr/bin/chromium) and the playwright package",
                    "make chromium install-test",
                    lambda: os.access(CHROMIUM, os.X_OK) and find_spec("playwright") is not None),
    "oxigraph": Tool("the Oxigraph server (the `oxigraph` package from PyPI)",
                     "make install-test", lambda: executable("oxigraph") is not None),
    "ocr": Tool("Tesseract OCR (Debian's tesseract-ocr), for reading the drawn view",
                "make ocr", lambda: shutil.which("tesseract") is not None),
    "virtuoso": Tool("OpenLink Virtuoso (Debian's virtuoso-opensource, virtuoso-t)",
                     "make virtuoso",
                     lambda: executable("virtuoso-t") is not None),
}


def opted_out() -> set[str]:
    """The tools named in CARTGRAPH_SKIP (comma- or space-separated).

    ``CARTGRAPH_SKIP_<TOOL>=1`` (e.g. CARTGRAPH_SKIP_VIRTUOSO=1) says the same.
    """
    names = {n.strip().lower() for n in os.environ.get(SKIP_ENV, "").replace(",", " ").split()}
    names |= {tool for tool in TOOLS
              if os.environ.get(f"{SKIP_ENV}_{tool.upper()}", "").lower() in ("1", "true", "yes")}
    return names - {""}


def pytest_configure(config: pytest.Config) -> None:
    unknown = sorted(opted_out() - set(TOOLS))
    if unknown:
        raise pytest.UsageError(f"{SKIP_ENV}: unknown tool {unknown[0]!r} "
                                f"(known: {', '.join(TOOLS)})")
    for name in opted_out():  # one variable per tool too, for helpers that read it
        variable = f"{SKIP_ENV}_{name.upper()}"
        if variable not in os.environ:
            os.environ[variable] = "1"
            config.add_cleanup(lambda variable=variable: os.environ.pop(variable, None))
    config.addinivalue_line("markers", "needs(*tools): the outside tools a test needs "
                            f"({', '.join(TOOLS)}); see tests/conftest.py")


def pytest_report_header(config: pytest.Config) -> str | None:
    skipped = sorted(opted_out())
    return f"{SKIP_ENV}: skipping tests that need {', '.join(skipped)}" if skipped else None


def needed_tools(item: pytest.Item) -> list[str]:
    tools = [t for mark in item.iter_markers("needs") for t in mark.args]
    if item.get_closest_marker("browser") is not None:
        tools.append("browser")
    unknown = [t for t in tools if t not in TOOLS]
    assert not unknown, f"{item.nodeid}: unknown tool in @pytest.mark.needs: {unknown}"
    return sorted(set(tools))


def pytest_runtest_setup(item: pytest.Item) -> None:
    skip = opted_out()
    for name in needed_tools(item):
        if name in skip:
            pytest.skip(f"needs {name} ({SKIP_ENV}={name})")
        tool = TOOLS[name]
        if not tool.present():
            pytest.fail(f"{tool.what} is missing: install it ({tool.install}), or set "
                        f"{SKIP_ENV}={name} to skip these tests on purpose", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not report.skipped or hasattr(report, "wasxfail"):
        return report
    if any(item.iter_markers("skip")) or any(item.iter_markers("skipif")):
        return report
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if any(name in reason.lower() for name in opted_out()):
        return report
    report.outcome = "failed"
    report.longrepr = (f"skipped while running, which make test does not allow: {reason}\n"
                       f"(install what is missing, or name the tool in {SKIP_ENV} to skip "
                       "on purpose; see tests/conftest.py)")
    return report


# -- stores and the CLI ---------------------------------------------------------------


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


@pytest.fixture
def listener() -> Generator[tuple[str, socket.socket], None, None]:
    """A local TCP listener on 127.0.0.1 (its base URL and its socket): a test
    checks that nobody connected to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", sock
    sock.close()
