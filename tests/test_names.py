"""Entities by name: path, neighbors, view --focus and --param take labels too."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cartgraph import Store
from cartgraph.cli import cli
from cartgraph.errors import InputError
from cartgraph.resolve import resolve

SLE = "https://w3id.org/cartgraph/id/sle"


@pytest.fixture
def run(store: Path) -> Callable[..., Result]:
    """The CLI on a seeded store of the test's own (no creation note on stderr)."""
    def call(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--store", str(store), *args])
    return call


@pytest.mark.parametrize("name", [
    "cgr:sle", "<https://w3id.org/cartgraph/id/sle>", SLE,
    "Systemic lupus erythematosus", "systemic LUPUS erythematosus ",  # a label, any case
    "SLE",  # another name (skos:altLabel)
    "MONDO:0007915",  # an identifier, found by the search
])
def test_resolve(bundled_store: Store, name: str) -> None:
    assert resolve(bundled_store, name) == SLE


def test_path_and_neighbors_by_name_match_the_curie_form(run: Callable[..., Result]) -> None:
    by_name = run("path", "sle", "kymriah")
    assert by_name.exit_code == 0, by_name.stderr
    assert by_name.stdout == run("path", "cgr:sle", "cgr:kymriah").stdout
    named = run("neighbors", "Systemic lupus erythematosus", "--format", "json")
    assert named.exit_code == 0, named.stderr
    assert json.loads(named.stdout) == json.loads(
        run("neighbors", "cgr:sle", "--format", "json").stdout)


def test_an_ambiguous_name_lists_the_candidates(run: Callable[..., Result]) -> None:
    result = run("neighbors", "erlangen sle")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "'erlangen sle' matches" in lines[0]
    assert any(line.split() == ["Erlangen", "SLE", "case", "1", "cgr:case-erlangen-sle-1",
                                "cg:PatientCase"] for line in lines[1:])
    assert "Traceback" not in result.stderr


def test_an_unknown_name_names_the_closest(run: Callable[..., Result]) -> None:
    result = run("path", "kymriha", "sle")
    assert result.exit_code == 1
    assert "no entity named 'kymriha'; the closest names: 'Kymriah' (cgr:kymriah)" \
        in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_view_focus_by_name(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "v.html"
    result = run("view", "-o", str(out), "--focus", "Kymriah", "--depth", "1")
    assert result.exit_code == 0, result.stderr
    assert "Kymriah" in out.read_text()
    assert run("view", "-o", str(out), "--focus", "no such thing at all").exit_code == 1


def test_param_values_take_names_and_quoted_text_stays_text(run: Callable[..., Result]) -> None:
    named = run("query", "--name", "cd19-diseases", "--param", "target=CD19",
                "--format", "csv")
    assert named.exit_code == 0, named.stderr
    assert named.stdout == run("query", "--name", "cd19-diseases", "--param",
                               "target=cgr:cd19", "--format", "csv").stdout
    text = "SELECT ?x WHERE { ?x rdfs:label ?l }"
    quoted = run("query", text, "--param", 'l="Kymriah"', "--format", "csv")
    assert quoted.stdout.splitlines() == ["x", "https://w3id.org/cartgraph/id/kymriah"]
    ambiguous = run("query", "SELECT ?x WHERE { ?x ?p ?y }", "--param", "y=erlangen sle")
    assert ambiguous.exit_code == 1 and "matches" in ambiguous.stderr


def test_a_parameter_the_query_does_not_use_is_a_usage_error(run: Callable[..., Result]) -> None:
    result = run("query", "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1", "--param", "zz=1")
    assert result.exit_code == 2
    assert "--param zz: the query has no variable ?zz" in result.stderr
    # a variable named only inside a string or a comment is not used either
    result = run("query", 'SELECT ?s WHERE { ?s ?p "?zz" } # ?zz', "--param", "zz=1")
    assert result.exit_code == 2
    assert run("query", "SELECT ?s WHERE { ?s ?p $zz } LIMIT 1",
               "--param", "zz=1").exit_code == 0
    assert run("query", "--name", "cd19-diseases", "--param", "zz=1").exit_code == 2


def test_errors_are_input_errors(bundled_store: Store) -> None:
    with pytest.raises(InputError, match="no entity named"):
        resolve(bundled_store, "zzqqxx")
