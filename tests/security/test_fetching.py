"""SERVICE and LOAD: no query or update makes cartgraph open a connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from security_helpers import TOKEN, Listener, run_cli

from helpers_server import request

ATTACKS = [
    # the issue's blinding: an escaped '#' in a local name hid the rest of the line
    "SELECT ?leak WHERE {{ OPTIONAL {{ ?a cgr:x\\# ?b }} SERVICE <{url}internal> "
    "{{ ?leak ?p ?o }} }}",
    "SELECT ?leak WHERE {{ OPTIONAL {{ ?a cgr:x\\' ?b }} SERVICE <{url}x> {{ ?leak ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o<'x>?p) ' ) SERVICE <{url}> {{ ?s ?p ?o }} }} #'",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
]


def _get(base: str, query: str) -> tuple[int, bytes]:
    status, _, body = request(f"{base}sparql?{urlencode({'query': query})}")
    return status, body


@pytest.mark.parametrize("template", ATTACKS)
def test_the_cli_refuses_service(store_dir: Path, listener: Listener, template: str) -> None:
    result = run_cli(store_dir, "query", template.format(url=listener.url))
    assert result.returncode == 1
    assert result.stderr.startswith("cartgraph: error: ") and result.stderr.count("\n") == 1
    assert "SERVICE" in result.stderr
    assert listener.connections == 0


@pytest.mark.parametrize("template", ATTACKS)
def test_the_server_refuses_service_by_get_and_post(served: str, listener: Listener,
                                                    template: str) -> None:
    query = template.format(url=listener.url)
    status, body = _get(served, query)
    assert status == 400 and b"SERVICE is refused" in body
    status, _, body = request(f"{served}sparql", data=query.encode(),
                              headers={"Content-Type": "application/sparql-query"})
    assert status == 400 and b"SERVICE is refused" in body
    status, _, body = request(f"{served}sparql", data=urlencode({"query": query}).encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert listener.connections == 0


@pytest.mark.parametrize("template", [
    "LOAD <{url}data.nt>",
    "LOAD <{url}data.nt> INTO GRAPH <https://example.org/g>",
    "INSERT {{ ?s ?p ?o }} WHERE {{ ?a cgr:x\\# ?b . SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DELETE {{ ?s ?p ?o }} WHERE {{ {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "INSERT DATA {{ cgr:a cgr:b 1 }} ; lOaD <{url}x.nt>",
])
def test_updates_with_the_token_cannot_fetch(served: str, listener: Listener,
                                             template: str) -> None:
    status, _, body = request(f"{served}sparql", data=template.format(url=listener.url).encode(),
                              headers={"Content-Type": "application/sparql-update",
                                       "Authorization": f"Bearer {TOKEN}"})
    assert status == 400, body
    assert b"is refused" in body
    assert listener.connections == 0


def test_from_defines_the_dataset_and_fetches_nothing(store_dir: Path, served: str,
                                                      listener: Listener) -> None:
    count = "SELECT (COUNT(*) AS ?n) FROM <{g}> WHERE {{ ?s ?p ?o }}"
    result = run_cli(store_dir, "query", "--format", "csv", count.format(g=listener.url))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["n", "0"]  # a graph the store does not have: empty
    status, body = _get(served, count.format(g=listener.url))
    assert status == 200 and b'"value":"0"' in body
    assert listener.connections == 0
    everything = run_cli(store_dir, "query", "--format", "csv",
                         "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").stdout.split()[1]
    graphs = run_cli(store_dir, "query", "--format", "csv",
                     "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
                     ).stdout.split()[1:]
    in_one = run_cli(store_dir, "query", "--format", "csv",
                     f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graphs[0]}> {{ ?s ?p ?o }} }}"
                     ).stdout.split()[1]
    from_one = run_cli(store_dir, "query", "--format", "csv",
                       count.format(g=graphs[0])).stdout.split()[1]
    assert from_one == in_one and int(from_one) < int(everything)
    # FROM NAMED only: the default graph is empty, GRAPH ?g sees just that graph
    named = run_cli(store_dir, "query", "--format", "csv",
                    f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{graphs[0]}> WHERE {{ GRAPH ?g "
                    "{ ?s ?p ?o } } GROUP BY ?g").stdout.splitlines()
    assert named == ["g,n", f"{graphs[0]},{in_one}"]
    empty = run_cli(store_dir, "query", "--format", "csv",
                    f"SELECT (COUNT(*) AS ?n) FROM NAMED <{graphs[0]}> WHERE {{ ?s ?p ?o }}")
    assert empty.stdout.split() == ["n", "0"]


def test_the_attacks_are_real_without_the_check(listener: Listener) -> None:
    """pyoxigraph itself does fetch these: the refusals above are what stops them."""
    import pyoxigraph as ox

    from cartgraph.namespaces import PREFIXES

    query = ATTACKS[0].format(url=listener.url).replace("SERVICE", "SERVICE SILENT")
    result: Any = ox.Store().query(query, prefixes=PREFIXES)
    list(result)
    assert listener.connections >= 1
