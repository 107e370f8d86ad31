"""The benchmark machinery runs end to end on a tiny graph (so that it cannot rot).

Timings are not checked: only that every measurement ran and the tables hold
the rows they should, with every engine returning the same rows.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pyoxigraph as ox

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _module(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(text: str, heading: str) -> dict[str, list[str]]:
    """The rows of the markdown table under ``## heading``, by first cell."""
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip("|").split("|") for line in section.splitlines()
            if line.startswith("|")][2:]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}


def test_synthetic_graph_is_exact_and_deterministic(tmp_path: Path) -> None:
    synthetic = _module("synthetic")
    nt, ttl, again = tmp_path / "a.nt", tmp_path / "a.ttl", tmp_path / "b.nt"
    assert synthetic.write_ntriples(nt, 3000, seed=7) == 3000
    assert synthetic.write_turtle(ttl, 3000, seed=7) == 3000
    synthetic.write_ntriples(again, 3000, seed=7)
    assert nt.read_bytes() == again.read_bytes()
    from_nt = set(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES))
    from_ttl = set(ox.parse(path=str(ttl), format=ox.RdfFormat.TURTLE))
    assert len(from_nt) == 3000
    assert from_nt == from_ttl


def test_benchmark_run_prints_every_row(tmp_path: Path, capsys) -> None:
    run = _module("run")
    code = run.main(["--triples", "2000", "--repeats", "1", "--query-repeats", "1",
                     "--startup-repeats", "1", "--workdir", str(tmp_path / "work"),
                     "--data-dir", str(tmp_path / "data"),
                     "--output", str(tmp_path / "RESULTS.md")])
    out = capsys.readouterr().out
    assert code == 0
    assert (tmp_path / "RESULTS.md").read_text(encoding="utf-8") == out
    assert "error" not in out

    imports = _table(out, "Import")
    assert list(imports) == [
        "pyoxigraph Store.bulk_load (on disk, default graph)",
        "pyoxigraph Store.bulk_load (on disk, to_graph=named graph)",
        "cartgraph import (SHACL off, on disk)",
        "cartgraph import (SHACL off) vs bulk_load to a named graph",
        "cartgraph re-import, unchanged bytes",
        "cartgraph import (SHACL on, on disk)",
        "rdflib Graph.parse (in memory)",
    ]
    assert all(cells[0] == "2,000" for cells in imports.values())

    queries = _table(out, "Queries")
    assert list(queries) == ["count by class", "two-hop join with labels",
                             "GROUP BY / ORDER BY / LIMIT", "regex FILTER over labels",
                             "property path cites+", "OPTIONAL + NOT EXISTS"]
    # every engine returned the same rows (one number); cartgraph's class count may add
    # the classes of its provenance records
    for title, cells in queries.items():
        if title != "count by class":
            assert cells[0].isdigit() and int(cells[0]) > 0, (title, cells[0])
    counts = [int(x) for x in queries["count by class"][0].split(" / ")]
    assert counts[0] >= counts[1] == counts[2] == counts[3] > 0

    startup = _table(out, "Start-up and CLI overhead")
    assert list(startup) == [
        "python -c pass", "python -c 'import pyoxigraph'", "python -c 'import click'",
        "python -c 'import rdflib'", "cartgraph --help", "cartgraph --version",
        "bare pyoxigraph process (count, json)", "cartgraph query (count, json) end-to-end",
        "in-process query (count, json)",
        "bare pyoxigraph process (join, json)", "cartgraph query (join, json) end-to-end",
        "in-process query (join, json)",
    ]


def test_replace_benchmark_runs(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CARTGRAPH_BENCH_DATA", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["bench_replace.py", "--triples", "2000"])
    _module("bench_replace").main()
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:]] == ["remove_graph (baseline)",
                                                           "cartgraph"]
