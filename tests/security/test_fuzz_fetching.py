"""Fuzzing the SERVICE/LOAD refusal over the spellings SPARQL allows (bounded, seeded).

Every generated text that really asks for SERVICE or LOAD must be refused by the
library; a sample of them also goes to the real CLI and server with a listener
that must see no connection. Texts that only mention the words (in strings,
IRIs, comments, variable names) must still run.
"""

from __future__ import annotations

import random
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from security_helpers import Listener, run_cli

from cartgraph import guard
from cartgraph.errors import QueryError
from helpers_server import request

# things that sit before the attack and try to hide it from a scanner
BLINDS = ["", "?a cgr:x\\# ?b .", "?a cgr:x\\' ?b .", '?a cgr:x\\" ?b .', "?a :\\#x ?b .",
          "?a cgr:x\\#\\' ?b .", "# a comment ' \" <\n", "?a ?b 'it\\'s' .", '?a ?b "\\"" .',
          "?a ?b '''multi\nline''' .", "?a ?b <http://e/#frag> .", "FILTER(?a<'x>?b) ' )",
          "FILTER(?a<?b#>\n)", "?a ?b \"#\" .", "?a ?b 1.5e3 ."]
SERVICE = ["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "\\u0053ERVICE"]
TARGETS = ["<{url}>", "<{url}sparql#x>", "<{url}a'b>"]
WRAP = ["{body}", "{{ {body} }}", "OPTIONAL {{ {body} }}", "{{ SELECT * WHERE {{ {body} }} }}",
        "MINUS {{ {body} }}", "FILTER EXISTS {{ {body} }}", "{{ }} UNION {{ {body} }}"]


def _attack(rng: random.Random, url: str) -> str:
    service = f"{rng.choice(SERVICE)} {rng.choice(TARGETS).format(url=url)} {{ ?s ?p ?o }}"
    body = f"OPTIONAL {{ {rng.choice(BLINDS)} }} {service}"
    for _ in range(rng.randrange(3)):
        body = rng.choice(WRAP).format(body=body)
    return f"SELECT * WHERE {{ {body} }}"


def _update(rng: random.Random, url: str) -> str:
    load = rng.choice(["LOAD", "load", "LoAd", "LOAD SILENT"])
    return rng.choice([
        f"{load} <{url}x.nt>",
        f"INSERT DATA {{ cgr:a cgr:b 'load' }} ; {load} <{url}x.nt> INTO GRAPH <{url}g>",
        f"INSERT {{ ?s ?p ?o }} WHERE {{ {rng.choice(BLINDS)} "
        f"{rng.choice(SERVICE)} <{url}> {{ ?s ?p ?o }} }}",
    ])


def _refused(text: str, *, update: bool = False) -> bool:
    try:
        guard.inspect(text, update=update)
    except QueryError:
        return True
    return False


def test_every_generated_service_or_load_is_refused() -> None:
    rng = random.Random(20240610)
    url = "http://127.0.0.1:9/"
    deadline = time.monotonic() + 60
    checked = 0
    for _ in range(400):
        text = _attack(rng, url)
        assert _refused(text), text
        update = _update(rng, url)
        assert _refused(update, update=True), update
        checked += 2
        if time.monotonic() > deadline:
            break
    assert checked >= 100


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { ?s rdfs:label 'viral load' }",
    "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), \"service\")) } LIMIT 1",
    "SELECT ?service ?load WHERE { ?service ?load ?o } LIMIT 1",
    "SELECT * WHERE { ?s ?p <https://example.org/service/load> }",
    "# service, load\nSELECT * WHERE { ?s ?p ?o } LIMIT 1",
])
def test_mentioning_the_words_is_not_fetching(text: str) -> None:
    assert guard.inspect(text).kind == "select"


def test_a_sample_against_the_real_cli_and_server(store_dir: Path, served: str,
                                                  listener: Listener) -> None:
    rng = random.Random(7)
    for _ in range(12):
        text = _attack(rng, listener.url)
        status, _, body = request(f"{served}sparql?{urlencode({'query': text})}")
        assert status == 400, (text, body)
    for _ in range(3):
        result = run_cli(store_dir, "query", _attack(rng, listener.url))
        assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert listener.connections == 0


def test_the_generated_attacks_are_real(listener: Listener) -> None:
    """Without the check, pyoxigraph connects for each one it can parse."""
    import pyoxigraph as ox

    from cartgraph.namespaces import PREFIXES

    rng = random.Random(3)
    connected = 0
    for _ in range(30):
        text = _attack(rng, listener.url)
        if "\\u0053" in text:  # an escape pyoxigraph does not expand: refused all the same
            continue
        text = re.sub(r"(?i)service( silent)?", "SERVICE SILENT", text)
        before = listener.connections
        try:
            result: Any = ox.Store().query(text, prefixes={**PREFIXES, "": "https://example.org/"})
            list(result)
        except SyntaxError:
            continue
        assert listener.connections > before, text
        connected += 1
    assert connected >= 10
