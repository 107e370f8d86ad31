"""`cartgraph search`, the text index behind it and GET /search."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import Result

from cartgraph import Store
from cartgraph.errors import ValidationError
from cartgraph.ingest import ImportOptions, drop_source, import_files
from cartgraph.search import INDEX_FILE, search
from cartgraph.server import ServerOptions, start
from helpers_server import request

NEW = """@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://example.org/zorblax> a cg:TargetAntigen ; rdfs:label "Zorblax antigen" ;
  skos:altLabel "ZBX-7" ; rdfs:comment "A made-up antigen for the tests." .
"""


def test_a_word_finds_the_entity_and_shows_what_matched(run: Callable[..., Result]) -> None:
    result = run("search", "kymriah", "--limit", "3")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["rank", "entity", "label", "class", "matched"]
    assert lines[1].split()[:3] == ["1", "cgr:kymriah", "Kymriah"]
    assert "cg:CARTProduct" in lines[1] and "label: [Kymriah]" in lines[1]
    assert len(lines) <= 4


def test_prefixes_identifiers_and_other_names_match(bundled_store: Store) -> None:
    lup = search(bundled_store, "lup", limit=5)  # the start of a word
    assert "cgr:sle" in {h.curie for h in lup}
    assert all("lup" in h.label.lower() or "[lup" in h.matched.lower() for h in lup[:2])
    hit = search(bundled_store, "MONDO:0007915")[0]
    assert (hit.curie, hit.field) == ("cgr:sle", "ids")
    assert "[MONDO]:[0007915]" in hit.matched or "[MONDO" in hit.matched
    hit = search(bundled_store, "36109639")[0]  # a PMID
    assert hit.cls == "cg:ScholarlyArticle" and hit.field == "ids"
    kite = search(bundled_store, "Kite Pharma")[0]
    assert kite.field in {"label", "names"} and "Kite" in kite.matched


def test_an_exact_name_ranks_first(bundled_store: Store) -> None:
    hits = search(bundled_store, "Systemic lupus erythematosus", limit=5)
    assert hits[0].curie == "cgr:sle"
    assert all(h.score > 0 for h in hits)
    assert [h.score for h in hits[1:]] == sorted((h.score for h in hits[1:]), reverse=True)


def test_json_and_csv(run: Callable[..., Result]) -> None:
    data = json.loads(run("search", "cd19", "--format", "json", "--limit", "2").stdout)
    assert len(data) == 2
    assert set(data[0]) == {"iri", "curie", "label", "class", "field", "matched", "score"}
    assert data[0]["iri"] == "https://w3id.org/cartgraph/id/cd19"
    rows = list(csv.reader(io.StringIO(run("search", "cd19", "--format", "csv").stdout)))
    assert rows[0] == ["rank", "entity", "label", "class", "matched"]
    assert rows[1][1] == "cgr:cd19"


def test_nothing_found_and_bad_input(run: Callable[..., Result]) -> None:
    result = run("search", "qqqxqqq")
    assert result.exit_code == 0 and "no entity matches 'qqqxqqq'" in result.stdout
    assert run("search", "---").exit_code == 2
    assert run("search", "x", "--limit", "0").exit_code == 2
    assert run("search", "x", "--format", "xml").exit_code == 2


def test_the_index_follows_imports_and_drops_atomically(store: Path, tmp_path: Path) -> None:
    new = tmp_path / "new.ttl"
    new.write_text(NEW)
    opened = Store.open(store)
    assert search(opened, "zorblax") == []
    import_files(opened, [str(new)], ImportOptions(shacl=False))
    hit = search(opened, "zbx")[0]
    assert (hit.iri, hit.field, hit.cls) == ("https://example.org/zorblax", "names",
                                             "cg:TargetAntigen")
    assert (_index(opened)).exists()
    # a failed import leaves data and index as they were
    bad = tmp_path / "bad.ttl"
    bad.write_text(NEW.replace("Zorblax", "Quuxor") + '<https://example.org/q> '
                   '<https://w3id.org/cartgraph/vocab#participantCount> "many"^^'
                   '<http://www.w3.org/2001/XMLSchema#integer> .\n')
    with pytest.raises(ValidationError):
        import_files(opened, [str(bad)], ImportOptions(shacl=False))
    assert search(opened, "quuxor") == []
    drop_source(opened, str(new))
    assert search(opened, "zorblax") == []
    assert search(opened, "kymriah")[0].curie == "cgr:kymriah"


def test_a_store_without_an_index_gets_one_on_first_search(store: Path, tmp_path: Path
                                                           ) -> None:
    copy = Store.open(store).backup(tmp_path / "backup")
    opened = Store.open(copy)
    assert not (_index(opened)).exists()
    assert search(opened, "kymriah")[0].curie == "cgr:kymriah"
    assert (_index(opened)).exists()
    shutil.rmtree(tmp_path / "backup")


def test_get_search_on_the_server() -> None:
    with start(Store.memory(), ServerOptions(port=0, timeout=10)) as server:
        status, headers, body = request(f"{server.url}search?{urlencode({'q': 'lupus'})}")
        assert status == 200 and headers["content-type"].startswith("application/json")
        data = json.loads(body)
        assert data["query"] == "lupus" and data["hits"][0]["curie"] == "cgr:sle"
        status, _, body = request(f"{server.url}search?q=lupus&limit=1000")
        assert status == 400 and b"limit" in body
        status, _, body = request(f"{server.url}search")
        assert status == 400


def _index(store: Store) -> Path:
    assert store.generation_path is not None
    return store.generation_path / INDEX_FILE
