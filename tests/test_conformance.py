"""The W3C RDF 1.1 syntax suites (Turtle, N-Triples, N-Quads, TriG): 826 tests.

Every positive and eval test is accepted by ``validate_files`` (and an eval test's
result is isomorphic to the expected file); every negative test is rejected with a
ParseError that carries a line number. A deterministic sample also goes through
the real CLI, ``cartgraph validate`` and ``cartgraph import``, in subprocesses.

The suites are vendored in tests/w3c (with their licence, see its README); they are
read in place and never modified (their licence forbids it).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from cartgraph.errors import ParseError
from cartgraph.ingest import ImportOptions, validate_files
from helpers_fixtures import W3C
from helpers_ingest import reified

ROOT = W3C
BASE = "https://w3c.github.io/rdf-tests/"
SUITES = ["rdf/rdf11/rdf-turtle", "rdf/rdf11/rdf-n-triples", "rdf/rdf11/rdf-n-quads",
          "rdf/rdf11/rdf-trig"]
MF = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#"
RDFT = "http://www.w3.org/ns/rdftest#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CARTGRAPH = [sys.executable, "-m", "cartgraph"]


@dataclass(frozen=True)
class W3CTest:
    id: str  # suite/fragment of the entry IRI (mf:name is duplicated upstream)
    kind: str  # "positive", "negative" or "eval"
    action: Path
    base: str
    result: Path | None

    @property
    def suite(self) -> str:
        return self.id.split("/", 1)[0]


def _local(iri: str) -> Path:
    assert iri.startswith(BASE), iri
    return ROOT / iri.removeprefix(BASE)


def _kind(type_iri: str) -> str:
    name = type_iri.removeprefix(RDFT)
    if name.endswith("NegativeSyntax"):
        return "negative"
    if name.endswith("PositiveSyntax"):
        return "positive"
    if name.endswith("NegativeEval"):
        return "negative"
    assert name.endswith("Eval"), type_iri
    return "eval"


def _collect() -> list[W3CTest]:
    tests = []
    for suite in SUITES:
        manifest = ROOT / suite / "manifest.ttl"
        store = ox.Store()
        store.load(path=str(manifest), base_iri=f"{BASE}{suite}/manifest.ttl")
        for q in store.quads_for_pattern(None, RDF_TYPE, None):
            if not q.object.value.startswith(RDFT):
                continue
            entry = q.subject
            action = next(store.quads_for_pattern(entry, ox.NamedNode(MF + "action"), None))
            results = list(store.quads_for_pattern(entry, ox.NamedNode(MF + "result"), None))
            tests.append(W3CTest(
                id=f"{suite.rsplit('/', 1)[-1]}/{entry.value.rsplit('#', 1)[-1]}",
                kind=_kind(q.object.value), action=_local(action.object.value),
                base=action.object.value,
                result=_local(results[0].object.value) if results else None))
    return sorted(tests, key=lambda t: t.id)


TESTS = _collect()


def _params(tests: list[W3CTest]) -> list[object]:
    return [pytest.param(t, id=t.id) for t in tests]


def test_the_suites_hold_826_tests() -> None:
    by_kind: dict[str, int] = {}
    for t in TESTS:
        by_kind[t.kind] = by_kind.get(t.kind, 0) + 1
    assert len(TESTS) == 826
    assert by_kind == {"positive": 266, "negative": 272, "eval": 288}


@pytest.mark.parametrize("test", _params(TESTS))
def test_w3c(test: W3CTest) -> None:
    options = ImportOptions(shacl=False, base=test.base)
    if test.kind == "negative":
        with pytest.raises(ParseError) as caught:
            validate_files([str(test.action)], options)
        assert caught.value.line is not None, str(caught.value)
        assert str(caught.value).startswith(f"{test.action}:{caught.value.line}:")
        return
    report = validate_files([str(test.action)], options)
    assert [r.status for r in report.results] == ["valid"]
    if test.kind == "eval":
        assert test.result is not None
        got = ox.parse(path=str(test.action), base_iri=test.base)
        expected = ox.parse(path=str(test.result), base_iri=BASE + str(
            test.result.relative_to(ROOT)))
        assert isomorphic(reified(got), reified(expected))


# -- a sample through the real command line ------------------------------------------


def _sample(n_per_group: int = 3) -> list[W3CTest]:
    """A deterministic sample: a few tests of every suite and kind."""
    rng = random.Random(826)
    groups: dict[tuple[str, str], list[W3CTest]] = {}
    for t in TESTS:
        groups.setdefault((t.suite, t.kind), []).append(t)
    picked = []
    for key in sorted(groups):
        picked += rng.sample(groups[key], min(n_per_group, len(groups[key])))
    return picked


SAMPLE = _sample()


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARTGRAPH_STORE": str(cwd / "unused-store")}
    return subprocess.run([*CARTGRAPH, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=60, check=False)


def _assert_clean_failure(proc: subprocess.CompletedProcess[str], test: W3CTest) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"cartgraph: error: {test.action}:"), lines[0]
    line, col = lines[0].removeprefix(f"cartgraph: error: {test.action}:").split(":")[:2]
    assert line.isdigit() and col.isdigit(), lines[0]


def test_sample_covers_every_suite_and_kind() -> None:
    assert len(SAMPLE) == 30
    assert {(t.suite, t.kind) for t in SAMPLE} == {(t.suite, t.kind) for t in TESTS}


@pytest.mark.parametrize("test", _params(SAMPLE))
def test_cli_validate(test: W3CTest, tmp_path: Path) -> None:
    proc = _run(["validate", "--no-shacl", "--base", test.base, str(test.action)], tmp_path)
    if test.kind == "negative":
        _assert_clean_failure(proc, test)
    else:
        assert proc.returncode == 0, proc.stderr
        assert "valid" in proc.stdout
    assert not (tmp_path / "unused-store").exists()  # validate never creates a store


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("w3c") / "store"
    proc = _run(["--store", str(store), "sources"], store.parent)
    assert proc.returncode == 0, proc.stderr
    return store


@pytest.mark.parametrize("test", _params(SAMPLE))
def test_cli_import(test: W3CTest, sample_store: Path, tmp_path: Path) -> None:
    # a copy with a unique name, so that every test is its own source
    copy = tmp_path / f"{test.id.replace('/', '__')}{test.action.suffix}"
    shutil.copyfile(test.action, copy)
    before = os.readlink(sample_store / "current")
    generations = sorted(os.listdir(sample_store / "gen"))
    proc = _run(["--store", str(sample_store), "import", "--no-shacl", "--base", test.base,
                 str(copy)], tmp_path)
    if test.kind == "negative":
        proc_test = W3CTest(test.id, test.kind, copy, test.base, None)
        _assert_clean_failure(proc, proc_test)
        assert os.readlink(sample_store / "current") == before
        assert sorted(os.listdir(sample_store / "gen")) == generations
    else:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("added ")
        assert os.readlink(sample_store / "current") != before
        # drop it again: TriG and N-Quads tests share graph names, which a source owns
        dropped = _run(["--store", str(sample_store), "drop", str(copy)], tmp_path)
        assert dropped.returncode == 0, dropped.stderr
        assert dropped.stdout.startswith(f"dropped {copy}")
