"""The on-disk store: creation, metadata, backup, and what several processes see.

The process tests start real ``cartgraph`` processes on a generated file that
takes a few seconds to import, so that there is time to look while it runs.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from cartgraph import Store
from cartgraph.errors import StoreBusy
from cartgraph.remote import RemoteStore
from cartgraph.store import Capabilities, GraphStore, LocalStore
from helpers_ingest import (
    assert_error,
    assert_unchanged,
    graph_of,
    run_cli,
    snapshot,
    write_ntriples,
)

CARTGRAPH = [sys.executable, "-m", "cartgraph"]
BIG = 300_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ntriples(tmp_path_factory.mktemp("big") / "big.nt", BIG, seed=6)


def _start(store: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*CARTGRAPH, "--store", str(store), *args], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CARTGRAPH, "--store", str(store), *args], capture_output=True,
                          text=True, timeout=120, check=False)


def _wait_for_writer(store: Path, proc: subprocess.Popen[str]) -> None:
    """Until the import holds the lock (its pid is in the lock file)."""
    deadline = time.monotonic() + 30
    while str(proc.pid) not in (store / "lock").read_text():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


# -- opening ---------------------------------------------------------------------


def test_a_missing_store_is_created_and_seeded(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "new", "sources")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith(f"note: created store {tmp_path / 'new'} and seeded it")
    assert "source-ontology" in result.stdout
    meta = json.loads((tmp_path / "new" / "cartgraph.json").read_text())
    assert meta["pyoxigraph"] == ox.__version__
    assert meta["layout"] == 1
    again = run_cli(tmp_path / "new", "sources")
    assert again.stderr == ""
    assert again.stdout == result.stdout


def test_a_missing_parent_is_a_one_line_error(tmp_path: Path) -> None:
    assert_error(run_cli(tmp_path / "no" / "such", "sources"),
                 f"{tmp_path / 'no'}: parent directory does not exist")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "file.txt").write_text("x")
    assert_error(run_cli(tmp_path / "full", "sources"), f"{tmp_path / 'full'}: directory is "
                 "not empty")


def test_a_store_killed_while_being_created_is_created_again(tmp_path: Path) -> None:
    (tmp_path / "s" / "gen" / "000000").mkdir(parents=True)
    (tmp_path / "s" / "lock").write_text("")
    result = run_cli(tmp_path / "s", "sources")
    assert result.exit_code == 0, result.output
    assert "source-ontology" in result.stdout


def test_backup_is_a_store_of_its_own(store: Path, tmp_path: Path) -> None:
    data = tmp_path / "d.nt"
    data.write_text("<urn:s> <urn:p> <urn:o> .\n")
    assert run_cli(store, "import", "--no-shacl", str(data)).exit_code == 0
    result = run_cli(store, "backup", str(tmp_path / "copy"))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"backed up {store} to {tmp_path / 'copy'}\n"
    listed = run_cli(tmp_path / "copy", "sources")
    assert listed.exit_code == 0 and listed.stderr == ""
    assert listed.stdout == run_cli(store, "sources").stdout
    assert len(graph_of(tmp_path / "copy", data.absolute().as_uri())) == 1
    assert_error(run_cli(store, "backup", str(tmp_path / "copy")), f"{tmp_path / 'copy'}: "
                 "already exists")


# -- one interface -----------------------------------------------------------------


def test_every_backend_is_a_graph_store(store: Path) -> None:
    with Store.open(store) as disk:
        memory = LocalStore.memory()
        remote = RemoteStore("http://127.0.0.1:9/query")  # never contacted here
        for backend in (disk, memory, remote):
            assert isinstance(backend, GraphStore), backend
            assert isinstance(backend.capabilities, Capabilities)
        assert disk.capabilities.atomic_writes and disk.capabilities.multiprocess
        assert not memory.capabilities.atomic_writes and not memory.capabilities.persistent
        assert not remote.capabilities.local_reads and not remote.capabilities.backup
        with pytest.raises(AttributeError):
            disk.capabilities.atomic_writes = False  # type: ignore[misc]


def test_the_store_layer_imports_nothing_above_it() -> None:
    code = ("import sys, cartgraph.store, cartgraph.remote; "
            "print(sorted(m for m in sys.modules if m.startswith('cartgraph')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = set(eval(out))  # a printed list of module names
    assert loaded <= {"cartgraph", "cartgraph.store", "cartgraph.store.base",
                      "cartgraph.store.local", "cartgraph.remote", "cartgraph.errors",
                      "cartgraph.files", "cartgraph.formats", "cartgraph.namespaces",
                      "cartgraph.sparql", "cartgraph.guard", "cartgraph.remote.http",
                      "cartgraph.remote.writer"}, loaded


def test_a_local_store_is_empty_and_the_public_store_seeded(tmp_path: Path) -> None:
    with LocalStore.open(tmp_path / "bare") as bare:
        assert len(bare) == 0 and list(bare.named_graphs()) == []
    assert len(LocalStore.memory()) == 0
    with Store.open(tmp_path / "seeded") as seeded:
        assert seeded.contains_named_graph(ox.NamedNode(
            "https://w3id.org/cartgraph/id/source-ontology"))
    assert Store.memory().select("SELECT ?s WHERE { ?s a owl:Ontology }")


@pytest.mark.parametrize("on_disk", [True, False])
def test_a_commit_changes_the_generation(tmp_path: Path, on_disk: bool) -> None:
    store = LocalStore.open(tmp_path / "s") if on_disk else LocalStore.memory()
    before = store.generation
    quad = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"),
                   ox.NamedNode("urn:x:g"))
    with store.transaction() as writer:
        writer.add(quad)
    assert store.generation != before
    assert list(store.quads_for_pattern(None, None, None, ox.NamedNode("urn:x:g"))) == [quad]
    assert store.select("SELECT ?o WHERE { ?s <urn:x:p> ?o }") == [{"o": "o"}]


def test_a_failed_transaction_leaves_no_trace_on_disk(tmp_path: Path) -> None:
    store = LocalStore.open(tmp_path / "s")
    before = store.generation
    with pytest.raises(RuntimeError), store.transaction() as writer:
        writer.add(ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"),
                           ox.Literal("o"), ox.NamedNode("urn:x:g")))
        raise RuntimeError("stop")
    assert store.generation == before and len(store) == 0


def test_a_reader_refreshes_to_another_process_commit(store: Path, tmp_path: Path) -> None:
    reader = Store.open(store)
    assert not reader.refresh()
    data = tmp_path / "d.nt"
    data.write_text("<urn:x:s> <urn:x:p> <urn:x:o> .\n")
    assert _cli(store, "import", "--no-shacl", str(data)).returncode == 0
    assert not reader.contains_named_graph(ox.NamedNode(data.absolute().as_uri()))
    assert reader.refresh()
    assert reader.contains_named_graph(ox.NamedNode(data.absolute().as_uri()))


# -- several processes -------------------------------------------------------------


def test_a_second_writer_fails_at_once_or_waits(store: Path, big: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.nt"
    small.write_text("<urn:s> <urn:p> <urn:o> .\n")
    writer = _start(store, "import", "--no-shacl", str(big))
    try:
        _wait_for_writer(store, writer)
        started = time.monotonic()
        busy = _cli(store, "import", "--no-shacl", str(small))
        assert busy.returncode == 1
        assert time.monotonic() - started < 10
        assert busy.stderr.startswith(f"cartgraph: error: {store}: store is busy: process "
                                      f"{writer.pid} (")
        assert "import" in busy.stderr and "--wait" in busy.stderr
        assert len(busy.stderr.splitlines()) == 1
        # a reader sees the last committed state meanwhile
        reader = _cli(store, "sources", "--format", "json")
        assert reader.returncode == 0, reader.stderr
        assert str(big) not in reader.stdout
        waited = _cli(store, "--wait", "120", "import", "--no-shacl", str(small))
        assert waited.returncode == 0, waited.stderr
    finally:
        _out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err
    listed = _cli(store, "sources").stdout
    assert str(big) in listed and str(small) in listed


def test_busy_is_a_store_busy_error_in_the_api(store: Path) -> None:
    opened = Store.open(store)
    other = Store.open(store)
    with opened.transaction(), pytest.raises(StoreBusy, match="store is busy") as busy, \
            other.transaction():
        pass
    assert "--wait" not in str(busy.value)  # the library names no CLI flags


def _state(store: Path) -> set[bytes]:
    """The committed quads, provenance left out (its timestamps differ per run)."""
    current = store / os.readlink(store / "current")
    dump = ox.Store.read_only(str(current)).dump(format=ox.RdfFormat.N_QUADS)
    return {line for line in dump.splitlines() if b"/graph/provenance>" not in line}


def test_kill_9_at_any_moment_leaves_before_or_after(store: Path, big: Path) -> None:
    """Kill a real import at seeded random moments: during the parse and load, and
    around the publish; the store is exactly as before or after, the lock is free."""
    before = _state(store)
    # how long a whole import takes here, to spread the kills over it
    probe = store.parent / "probe"
    shutil.copytree(store, probe, symlinks=True)
    started = time.monotonic()
    assert _cli(probe, "import", "--no-shacl", str(big)).returncode == 0
    duration = time.monotonic() - started
    after = _state(probe)
    after_sources = {k for k in _cli(probe, "sources").stdout.splitlines()}
    rng = random.Random(9)
    moments = sorted(rng.uniform(0.1, 1.05) * duration for _ in range(4))
    outcomes = []
    for delay in moments:
        proc = _start(store, "import", "--no-shacl", str(big))
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        state = _state(store)
        assert state in (before, after), delay
        outcomes.append("before" if state == before else "after")
        if state != before:
            break
    # a new import works: the lock of the dead process is recovered
    result = _cli(store, "import", "--no-shacl", str(big))
    assert result.returncode == 0, result.stderr
    assert _state(store) == after
    assert {k.split("\t")[0] for k in _cli(store, "sources").stdout.splitlines()} == {
        k.split("\t")[0] for k in after_sources}
    leftovers = [p.name for p in (store / "gen").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert "before" in outcomes


def test_an_interrupted_import_leaves_nothing(store: Path, big: Path) -> None:
    before = snapshot(store)
    proc = _start(store, "import", "--no-shacl", str(big))
    _wait_for_writer(store, proc)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert_unchanged(store, before)


# -- start-up ----------------------------------------------------------------------


def test_version_is_answered_before_the_command_line_loads() -> None:
    from click.testing import CliRunner

    from cartgraph.cli import cli

    expected = CliRunner().invoke(cli, ["--version"]).output
    assert expected == "cartgraph, version " + __import__("cartgraph").__version__ + "\n"
    assert subprocess.run([*CARTGRAPH, "--version"], capture_output=True, text=True,
                          check=True).stdout == expected
    code = ("import sys; sys.argv = ['cartgraph', '--version']; "
            "from cartgraph.__main__ import main; main(); "
            "print(sorted(m for m in ('click', 'typing', 'pyoxigraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.splitlines()[-1] == "[]"
