"""The public Python API: what __all__ promises is importable, and lazily."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import cartgraph


def test_every_exported_name_resolves() -> None:
    for name in cartgraph.__all__:
        assert getattr(cartgraph, name) is not None, name


def test_cli_start_up_does_not_import_the_engine() -> None:
    code = ("import sys, cartgraph.cli; "
            "print(sorted(m for m in ('rdflib', 'pyoxigraph', 'networkx', 'pyshacl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_version_matches_the_cli() -> None:
    out = subprocess.run([sys.executable, "-m", "cartgraph", "--version"], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == f"cartgraph, version {cartgraph.__version__}"


def test_readme_library_snippet_runs() -> None:
    from cartgraph import Store

    store = Store.memory()
    rows = store.select("SELECT ?label WHERE { cgr:uker rdfs:label ?label }")
    assert rows == [{"label": "University Hospital Erlangen"}]


# -- what the documentation promises ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_error_class_is_exported() -> None:
    # errors.py documents the tree; the README says errors are cartgraph.CartgraphError
    # "and its subclasses", so each one is reachable as cartgraph.<Name>
    from cartgraph import errors

    tree = (errors.__doc__ or "").split("::", 1)[1]
    drawn = re.findall(r"^[\s│├└─]*([A-Z]\w+)", tree, re.M)
    assert sorted(drawn) == sorted(errors.__all__)
    classes = {name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, errors.CartgraphError)}
    assert classes == set(errors.__all__)
    for name in errors.__all__:
        assert name in cartgraph.__all__, name
        assert getattr(cartgraph, name) is getattr(errors, name)
    assert issubclass(cartgraph.UsageError, cartgraph.CartgraphError)


def test_names_the_docs_use_are_exported() -> None:
    used = set()
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        used |= set(re.findall(r"(?<![\w/.-])cartgraph\.([A-Za-z_]\w*)\b", text))
        for names in re.findall(r"^from cartgraph import ([\w, ]+)$", text, re.M):
            used |= {n.strip() for n in names.split(",")}
    modules = {p.stem for p in (ROOT / "src" / "cartgraph").iterdir()} | {"cli"}
    used -= modules | {"ttl", "html"}  # modules (`cartgraph.viz`) and files (`cartgraph.ttl`)
    assert {"Store", "import_files", "view", "CartgraphError"} <= used
    assert used <= set(cartgraph.__all__)


# -- dependencies declared exactly as imported -----------------------------------------------


def _requirement_names(requirements: list[str]) -> set[str]:
    return {_normal(re.match(r"[A-Za-z0-9_.-]+", r)[0]) for r in requirements}  # type: ignore[index]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_distributions(folder: str = "src/cartgraph") -> set[str]:
    """The distributions whose modules the code in ``folder`` imports (lazily too)."""
    distributions = importlib.metadata.packages_distributions()
    # tests' and benchmarks' own helpers (benchmarks reuse the tests' server helpers)
    local = {p.stem for f in ("tests", "benchmarks") for p in (ROOT / f).rglob("*.py")}
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top in sys.stdlib_module_names or top == "cartgraph" or top in local:
                    continue
                assert top in distributions, f"{path.name}: {top} is not installed"
                found |= {_normal(d) for d in distributions[top]}
    return found


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DECLARED = _requirement_names(PROJECT["dependencies"])
EXTRAS = {extra: _requirement_names(reqs)
          for extra, reqs in PROJECT["optional-dependencies"].items()}


def test_every_import_is_declared() -> None:
    undeclared = _imported_distributions() - DECLARED - EXTRAS["layout"]
    assert undeclared == set()


def test_what_tests_and_benchmarks_import_is_in_the_test_extra() -> None:
    installed_by_make_test = DECLARED | EXTRAS["test"]
    for folder in ("tests", "benchmarks"):
        assert _imported_distributions(folder) - installed_by_make_test == set(), folder


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_every_declared_dependency_is_imported(name: str) -> None:
    assert name in _imported_distributions()
