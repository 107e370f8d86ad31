"""The public Python API: what __all__ promises is importable, and lazily."""

from __future__ import annotations

import subprocess
import sys

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
