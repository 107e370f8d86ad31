"""Limits that answer instead of dying: length, nesting, memory; the pool keeps serving."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import urlencode

from security_helpers import TOKEN, run_cli

from cartgraph import Store
from helpers_server import request

DEEP = "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000
LONG = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 100_000
HOG = ("SELECT (STRLEN(?s26) AS ?n) WHERE { BIND(\"0123456789abcdef0123456789abcdef\" AS ?s0) "
       + " ".join(f"BIND(CONCAT(?s{i}, ?s{i}) AS ?s{i + 1})" for i in range(26)) + " }")
ASK = "ASK { cgr:uker a cg:Hospital }"


def _post(base: str, query: str) -> tuple[int, bytes]:
    status, _, body = request(f"{base}sparql", data=urlencode({"query": query}).encode(),
                              headers={"Content-Type": "application/x-www-form-urlencoded"},
                              timeout=60)
    return status, body


def test_deep_nesting_is_answered_and_workers_survive(served: str) -> None:
    for _ in range(6):  # more than there are workers: none of them died
        status, body = _post(served, DEEP)
        assert status == 400 and b"nests brackets 10000 deep; the limit is 128" in body
    assert _post(served, ASK) == (200, b'{"head":{},"boolean":true}')


def test_a_long_query_is_answered(served: str) -> None:
    status, body = _post(served, LONG)
    assert status == 400 and b"characters long; the limit is 100000" in body


def test_the_cli_answers_deep_and_long_queries_in_one_line(store_dir: Path) -> None:
    for text, message in ((DEEP, "the limit is 128"), (LONG, "the limit is 100000")):
        result = run_cli(store_dir, "query", text)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and message in result.stderr


def test_a_memory_hog_gets_503_while_others_are_answered(served: str) -> None:
    answers: list[tuple[int, bytes]] = []
    hog = threading.Thread(target=lambda: answers.append(_post(served, HOG)))
    hog.start()
    others = [_post(served, ASK) for _ in range(5)]
    hog.join(60)
    status, body = answers[0]
    assert status == 503 and b"256 MB of memory (--max-memory)" in body, body
    assert all(status == 200 for status, _ in others)
    for _ in range(4):  # the replaced worker and its sibling both answer
        assert _post(served, ASK)[0] == 200


def test_the_cli_stops_a_memory_hog_in_one_line(store_dir: Path) -> None:
    result = run_cli(store_dir, "query", "--max-memory", "200M", HOG)
    assert result.returncode == 1
    assert result.stderr == ("cartgraph: error: the query needed more than 200 MB of memory "
                             "(the limit, --max-memory); narrow it or add a LIMIT\n")
    bad = run_cli(store_dir, "query", "--max-memory", "lots", ASK)
    assert bad.returncode == 2 and "not a size" in bad.stderr


def test_a_parse_error_is_answered_whole(served: str, store_dir: Path) -> None:
    text = "SELECT * WHERE { ?s ?p ?o } GROUP BY"
    status, body = _post(served, text)
    cli = run_cli(store_dir, "query", text)
    assert status == 400 and cli.returncode == 1
    message = body.decode().strip()
    assert not message.endswith("...") and len(message) > 160
    assert cli.stderr.strip() == f"cartgraph: error: {message}"


def test_a_busy_store_does_not_tell_where_it_lives(served: str, store_dir: Path) -> None:
    store = Store.open(store_dir, seed=False)
    try:
        with store.transaction():  # this process holds the write lock
            status, _, body = request(
                f"{served}sparql", data=b"INSERT DATA { cgr:a cgr:b cgr:c }",
                headers={"Content-Type": "application/sparql-update",
                         "Authorization": f"Bearer {TOKEN}"})
    finally:
        store.close()
    assert status == 503
    assert b"busy" in body
    assert str(store_dir).encode() not in body and b"pid" not in body.lower()
    assert b"python" not in body.lower()


def test_nesting_hidden_behind_a_less_than_sign_is_still_counted() -> None:
    """`?a<'x>?b` reads as an IRI to a scanner, as `?a < 'x>?b...'` to pyoxigraph."""
    from cartgraph import guard
    from cartgraph.errors import QueryError

    hidden = ("SELECT * WHERE { ?a ?p ?b FILTER(?a<'x>?b) ' ) " + "{" * 3000 + "}" * 3000
              + " } #'")
    try:
        guard.inspect(hidden)
    except QueryError as exc:
        assert "the limit is 128" in str(exc)
    else:
        raise AssertionError("3000 levels passed the nesting check")
    assert guard.nesting_depth("SELECT * WHERE { { ?s ?p 'a {{{{ (((' } }") == 2
