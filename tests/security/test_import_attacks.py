"""Hostile files given to `cartgraph import`: one line naming the file and line,
exit 1, the store exactly as it was, and nothing fetched or read outside."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
from security_helpers import Listener

from helpers_ingest import assert_error, assert_unchanged, run_cli, snapshot, write_shapes

RDF = ('xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
       'xmlns:ex="https://example.org/"')
TTL = "@prefix ex: <https://example.org/> .\n"


def _write(path: Path, data: str | bytes) -> Path:
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _refused(store: Path, path: Path, start: str, *extra: str) -> str:
    """Import ``path``: a one-line error starting ``start``, and nothing changed."""
    before = snapshot(store)
    started = time.monotonic()
    result = run_cli(store, "import", "--no-shacl", *extra, str(path))
    assert time.monotonic() - started < 20
    message = assert_error(result, start)
    assert_unchanged(store, before)
    return message


def _bomb(levels: int) -> str:
    return '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, levels + 1))


@pytest.mark.parametrize("name", ["late.rdf", "late.rdf.gz"])
def test_entities_after_a_megabyte_of_comment_are_still_refused(
        store: Path, tmp_path: Path, name: str) -> None:
    # The old guard read the first 1 MB only: 9 nested levels then reached 3.1 GB.
    doc = (f'<?xml version="1.0"?>\n<!-- {"x" * (1 << 20)} -->\n'
           f"<!DOCTYPE rdf:RDF [{_bomb(9)}]>\n<rdf:RDF {RDF}>\n"
           '<rdf:Description rdf:about="https://example.org/a"><ex:p>&a9;</ex:p>'
           "</rdf:Description>\n</rdf:RDF>\n").encode()
    path = _write(tmp_path / name, gzip.compress(doc) if name.endswith(".gz") else doc)
    message = _refused(store, path, f"{path}:3: XML entity a1 refers to other entities")
    assert "nested entities are refused" in message


def test_one_entity_used_many_times_cannot_blow_the_document_up(
        store: Path, tmp_path: Path) -> None:
    # No nesting, but 2 KB times 20,000 uses would be 40 MB from a 100 KB file.
    uses = "&big;" * 20_000
    path = _write(tmp_path / "wide.rdf", f'<?xml version="1.0"?>\n'
                  f'<!DOCTYPE rdf:RDF [<!ENTITY big "{"y" * 2048}">]>\n<rdf:RDF {RDF}>\n'
                  '<rdf:Description rdf:about="https://example.org/a">\n'
                  f"<ex:p>{uses}</ex:p></rdf:Description>\n</rdf:RDF>\n")
    message = _refused(store, path, f"{path}:")
    assert "XML entities would make the document more than 4 times larger" in message


def test_plain_entities_as_ontology_editors_write_them_still_import(
        store: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "protege.owl", f'<?xml version="1.0"?>\n'
                  '<!DOCTYPE rdf:RDF [<!ENTITY ex "https://example.org/">]>\n'
                  f"<rdf:RDF {RDF}>\n"
                  + "".join(f'<rdf:Description rdf:about="&ex;a{i}"><ex:p rdf:resource='
                            f'"&ex;b{i}"/></rdf:Description>\n' for i in range(100))
                  + "</rdf:RDF>\n")
    result = run_cli(store, "import", "--no-shacl", "--format", "json", str(path))
    assert result.exit_code == 0, result.output
    assert '"statements": 100' in result.stdout


@pytest.mark.parametrize("name", ["long.ttl", "long.ttl.gz"])
def test_a_token_over_16_mib_is_a_one_line_error(store: Path, tmp_path: Path,
                                                  name: str) -> None:
    doc = (TTL + "ex:a ex:p 1 .\n" + 'ex:s ex:p "' + "x" * (17 << 20) + '" .\n').encode()
    path = _write(tmp_path / name, gzip.compress(doc, 1) if name.endswith(".gz") else doc)
    message = _refused(store, path, f"{path}:3: token too long (limit 16 MiB)")
    assert "MemoryError" not in message


def test_deep_rdfxml_is_refused_at_once_and_moderate_depth_imports(
        store: Path, tmp_path: Path) -> None:
    def nested(levels: int) -> str:
        return (f"<rdf:RDF {RDF}>\n"
                '<rdf:Description rdf:about="https://example.org/a">'
                + "<ex:p><rdf:Description>" * levels + "<ex:q>x</ex:q>"
                + "</rdf:Description></ex:p>" * levels + "</rdf:Description></rdf:RDF>\n")

    # 40,000 levels took 31 s before (the parser's time grows with depth x size).
    deep = _write(tmp_path / "deep.rdf", nested(40_000))
    started = time.monotonic()
    message = _refused(store, deep, f"{deep}:2: XML elements nested deeper than 256 levels")
    assert time.monotonic() - started < 5
    assert "refused" in message
    fine = _write(tmp_path / "fine.rdf", nested(100))
    result = run_cli(store, "import", "--no-shacl", "--format", "json", str(fine))
    assert result.exit_code == 0, result.output
    assert '"statements": 101' in result.stdout


def test_recursive_import_does_not_leave_the_directory_through_links(
        store: Path, tmp_path: Path) -> None:
    secret = _write(tmp_path / "secret.ttl", "root:x:0:0:root:/root:/bin/bash\n")
    outside = _write(tmp_path / "outside.ttl", TTL + "ex:o ex:p 2 .\n")
    data = tmp_path / "data"
    data.mkdir()
    _write(data / "a.ttl", TTL + "ex:a ex:p 1 .\n")
    (data / "passwd.ttl").symlink_to(secret)
    before = snapshot(store)
    result = run_cli(store, "import", "--no-shacl", "--recursive", str(data))
    message = assert_error(result, f"{data / 'passwd.ttl'}: symbolic link leads out of {data}")
    assert "root:" not in result.output
    assert "--follow-symlinks" in message
    assert_unchanged(store, before)
    # a link that stays inside is not imported twice; --follow-symlinks opts in
    (data / "passwd.ttl").unlink()
    (data / "again.ttl").symlink_to(data / "a.ttl")
    (data / "more.ttl").symlink_to(outside)
    assert_error(run_cli(store, "import", "--no-shacl", "-r", str(data)), str(data / "more.ttl"))
    assert_unchanged(store, before)
    result = run_cli(store, "import", "--no-shacl", "-r", "--follow-symlinks", str(data))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stdout
    assert "again.ttl" not in result.stdout


SHAPES_HEAD = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
"""
SPARQL_SHAPES = {
    "service": ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select '
                '"""SELECT $this WHERE { SERVICE <URL> { $this ?p ?o } }""" ] .',
                "sh:select of https://example.org/S: SERVICE is refused"),
    "escaped service": ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select '
                        '"""SELECT $this WHERE { OPTIONAL { ?a ?b ?c } # x\n'
                        'SERV\\\\u0049CE <URL> { $this ?p ?o } }""" ] .',
                        "SERVICE is refused"),
    "from": ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:ask '
             '"""ASK FROM <URL> { $this ?p ?o }""" ] .', "FROM is refused"),
    "sparql target": ('ex:S a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ; sh:select '
                      '"""SELECT ?this WHERE { SERVICE SILENT <URL> { ?this ?p ?o } }""" ] ; '
                      "sh:property [ sh:path ex:p ; sh:minCount 1 ] .", "SERVICE is refused"),
    "bad sparql": ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:select '
                   '"""SELECT WHERE {""" ] .', "sh:select of https://example.org/S: not valid"),
    "bad path": ('ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; '
                 'sh:property [ sh:path "p" ; sh:minCount 1 ] .', "SHACL cannot use these shapes"),
    "syntax": ("ex:S a .", ""),
}


@pytest.mark.parametrize("case", sorted(SPARQL_SHAPES))
def test_every_failure_of_a_shapes_file_is_one_line_and_nothing_connects(
        store: Path, tmp_path: Path, listener: Listener, case: str) -> None:
    url = listener.url + "sparql"
    text, expected = SPARQL_SHAPES[case]
    shapes = _write(tmp_path / "shapes.ttl", SHAPES_HEAD + text.replace("URL", url) + "\n")
    data = _write(tmp_path / "d.ttl", TTL + "ex:a ex:p 1 .\n")
    before = snapshot(store)
    for command in (["import"], ["validate"]):
        result = run_cli(store if command == ["import"] else None, *command,
                         "--shapes", str(shapes), str(data))
        message = assert_error(result, f"{shapes}:")
        assert expected in message
        assert "Traceback" not in result.output and "Error:" not in message
    assert_unchanged(store, before)
    time.sleep(0.3)  # the listener accepts every 0.2 s at most
    assert listener.connections == 0


def test_a_harmless_sparql_constraint_still_works(store: Path, tmp_path: Path) -> None:
    shapes = _write(tmp_path / "shapes.ttl", SHAPES_HEAD + (
        'ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:p ; sh:sparql [ sh:message "too big" ; '
        'sh:select """SELECT $this ?value WHERE { $this <https://example.org/p> ?value . '
        'FILTER (?value > 5) }""" ] .\n'))
    good = _write(tmp_path / "good.ttl", TTL + "ex:a ex:p 1 .\n")
    bad = _write(tmp_path / "bad.ttl", TTL + "ex:b ex:q 0 .\nex:b ex:p 9 .\n")
    assert run_cli(store, "import", "--shapes", str(shapes), str(good)).exit_code == 0
    before = snapshot(store)
    result = run_cli(store, "import", "--shapes", str(shapes), str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3:" in result.stderr and "too big" in result.stderr
    assert_unchanged(store, before)
    assert write_shapes  # the shared helpers stay importable from here
