"""The README's promises: its generated tables are current and its examples run."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartgraph.cli import cli
from cartgraph.datadict import markdown, read_terms

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ontology_tables_are_generated_from_the_ontology() -> None:
    section = re.search(r"<!-- ontology:start -->\n(.*?)<!-- ontology:end -->", README, re.S)
    assert section, "README lacks the generated ontology section"
    assert section[1] == markdown(read_terms()), "run: .venv/bin/python docs/update_readme.py"


def test_every_class_of_the_ontology_is_in_the_table() -> None:
    classes = [t for t in read_terms() if t.kind == "class"]
    assert len(classes) >= 20
    for term in classes:
        assert f"`cg:{term.iri.rsplit('#', 1)[1]}`" in README


def test_python_snippet_prints_what_the_readme_says() -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block
    code = block[1]
    expected = re.search(r"print\(rows\[0\]\)\s+# (.*)", code)
    assert expected
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().strip() == expected[1].strip()


def test_the_two_commands_and_ci() -> None:
    block = re.search(r"## Two commands\n.*?```console\n(.*?)```", README, re.S)
    assert block
    assert [line.split("#")[0].strip() for line in block[1].splitlines()] == \
        ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "exec make test"


def quick_start() -> list[str]:
    """The commands the README gives after `make demo`, comments dropped."""
    section = README.split("## Two commands\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```console\n(.*?)```", section, re.S)
    return [line.split("  #")[0].strip() for line in blocks[1].splitlines() if line.strip()]


def test_the_next_commands_work_in_a_new_shell(tmp_path: Path) -> None:
    commands = quick_start()
    # a new shell has no cartgraph on PATH: the first command must put it there
    assert commands[0] == ". .venv/bin/activate"
    assert (ROOT / "Makefile").read_text().count("$(PYTHON) -m venv $(VENV)") == 1
    runner = CliRunner()
    for command in commands[1:]:
        args = shlex.split(command)
        assert args[0] == "cartgraph", command
        result = runner.invoke(cli, args[1:], env={"CARTGRAPH_STORE": str(tmp_path / "s")})
        assert result.exit_code == 0, (command, result.output)
        assert result.stdout.strip(), command


def _fake_venv(root: Path, pytest_exit: int) -> None:
    """A ./.venv whose ruff and mypy pass and whose pytest exits with ``pytest_exit``."""
    bin_ = root / ".venv" / "bin"
    bin_.mkdir(parents=True)
    for name, code in [("ruff", 0), ("mypy", 0), ("python", pytest_exit)]:
        (bin_ / name).write_text(f"#!/bin/sh\nexit {code}\n")
        (bin_ / name).chmod(0o755)


@pytest.mark.parametrize(("pytest_exit", "make_fails"), [(0, False), (1, True), (5, True)])
def test_make_test_fails_when_pytest_collects_nothing(tmp_path: Path, pytest_exit: int,
                                                      make_fails: bool) -> None:
    make = shutil.which("make")
    assert make, "make is needed: it runs the README's two commands"
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    _fake_venv(tmp_path, pytest_exit)
    proc = subprocess.run([make, "-o", "install-test", "-o", "chromium", "test"],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert (proc.returncode != 0) == make_fails, proc.stderr
    assert ("pytest collected no tests" in proc.stderr) == (pytest_exit == 5)


def test_the_demo_tells_the_story_and_shares_the_default_store(tmp_path: Path) -> None:
    wrapper = tmp_path / "cartgraph"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m cartgraph "$@"\n')
    wrapper.chmod(0o755)
    work = tmp_path / "clone"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CARTGRAPH_STORE"}
    env["CARTGRAPH"] = str(wrapper)
    proc = subprocess.run(["sh", str(ROOT / "docs" / "demo.sh")], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    # the story first: a short summary, then the answers, then what to open and try
    assert out[0] == "cartgraph: a knowledge graph of CAR-T research"
    assert out[2].startswith("The story: in March 2021, University Hospital Erlangen")
    summary = next(i for i, line in enumerate(out) if line.startswith("The store "))
    first_command = next(i for i, line in enumerate(out) if line.startswith("$ "))
    assert summary < first_command < 16
    assert re.match(r"The store \./\.cartgraph: \d+ triples in \d+ graphs", out[summary])
    assert "Open out/cartgraph.html in a browser" in proc.stdout.split("$ cartgraph view")[1]
    assert out[-8].startswith("Try next, in a new shell")
    assert (work / "out" / "cartgraph.html").stat().st_size > 10_000
    # a bare cartgraph afterwards (no --store) opens the demo's store, seeding nothing
    assert (work / ".cartgraph").is_dir()
    after = subprocess.run([str(wrapper), "sources"], cwd=work, env=env, capture_output=True,
                           text=True, timeout=60, check=False)
    assert after.returncode == 0, after.stderr
    assert "created store" not in after.stderr
    assert {p.name for p in work.iterdir()} == {".cartgraph", "out"}
    # and every command it suggests runs
    tried = out[out.index(next(x for x in out if x.startswith("Try next"))) + 1:]
    for line in tried:
        args = shlex.split(line.split("  #")[0].strip())
        if args[0] == ".":
            continue
        assert args[0] == "cartgraph", line
        ran = subprocess.run([str(wrapper), *args[1:]], cwd=work, env=env,
                             capture_output=True, text=True, timeout=60, check=False)
        assert ran.returncode == 0, (line, ran.stderr)
