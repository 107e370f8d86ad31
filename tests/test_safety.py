"""Hostile or odd input: never a fetch, a hang, a traceback or a half-written store."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import pytest

from helpers_ingest import assert_error, assert_unchanged, run_cli, snapshot, write_shapes

PREFIX = "@prefix ex: <https://example.org/> .\n"


def _no_connection(sock: socket.socket) -> None:
    time.sleep(0.2)
    with pytest.raises(BlockingIOError):
        sock.accept()


def _write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    return path


def test_nothing_is_fetched(seeded: Path, tmp_path: Path,
                            listener: tuple[str, socket.socket]) -> None:
    url, sock = listener
    shapes = write_shapes(tmp_path)
    data = _write(tmp_path / "d.ttl", PREFIX + f"""
<https://example.org/onto> a <http://www.w3.org/2002/07/owl#Ontology> ;
    <http://www.w3.org/2002/07/owl#imports> <{url}/ontology.ttl> .
ex:s <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{url}/more.ttl> ;
    <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> "{url}/text" .
""")
    result = run_cli(seeded, "import", "--shapes", str(shapes), str(data))
    assert result.exit_code == 0, result.output
    ctx = _write(tmp_path / "c.jsonld", json.dumps(
        {"@context": f"{url}/context.jsonld", "@id": "https://example.org/x", "name": "x"}))
    before = snapshot(seeded)
    message = assert_error(run_cli(seeded, "import", "--no-shacl", str(ctx)), f"{ctx}:1:")
    assert f"remote JSON-LD @context {url}/context.jsonld is not fetched" in message
    listed = _write(tmp_path / "l.jsonld", json.dumps(
        {"@context": [{"ex": "https://example.org/"}, f"{url}/second.jsonld"],
         "@id": "ex:x"}))
    message = assert_error(run_cli(seeded, "import", "--no-shacl", str(listed)), str(listed))
    assert f"{url}/second.jsonld is not fetched" in message
    assert_error(run_cli(None, "validate", "--no-shacl", str(ctx)), str(ctx))
    assert_unchanged(seeded, before)
    _no_connection(sock)


def test_xml_external_entities_are_never_resolved(tmp_path: Path,
                                                  listener: tuple[str, socket.socket]) -> None:
    url, sock = listener
    secret = _write(tmp_path / "secret.txt", "top secret")
    for n, target in enumerate([secret.absolute().as_uri(), f"{url}/entity"]):
        doc = _write(tmp_path / f"x{n}.rdf", f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{target}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>&e;</ex:p></rdf:Description>
</rdf:RDF>
""")
        result = run_cli(None, "validate", "--no-shacl", "--format", "json", str(doc))
        assert "top secret" not in result.output
        assert_error(result, f"{doc}")
    _no_connection(sock)


def test_entity_expansion_bombs_do_not_explode(tmp_path: Path) -> None:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    doc = _write(tmp_path / "bomb.rdf", f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [{entities}]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="https://example.org/">
  <rdf:Description rdf:about="https://example.org/a"><ex:p>&a9;</ex:p></rdf:Description>
</rdf:RDF>
""")
    started = time.monotonic()
    result = run_cli(None, "validate", "--no-shacl", str(doc))
    assert time.monotonic() - started < 10
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_a_5_mb_literal_imports_in_seconds(seeded: Path, tmp_path: Path) -> None:
    data = _write(tmp_path / "big.ttl", PREFIX + 'ex:s ex:p "' + "x" * (5 << 20) + '" .\n')
    started = time.monotonic()
    result = run_cli(seeded, "import", str(data), "--shapes", str(write_shapes(tmp_path)))
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("shape", ["blank nodes", "lists"])
def test_5000_levels_of_nesting_give_a_result(seeded: Path, tmp_path: Path, shape: str) -> None:
    depth = 5000
    open_, close = ("[ ex:p ", " ]") if shape == "blank nodes" else ("( ", " )")
    data = _write(tmp_path / "deep.ttl", PREFIX + "ex:s ex:p " + open_ * depth + "ex:o"
                  + close * depth + " .\n")
    shapes = _write(tmp_path / "shapes.ttl", """\
@prefix sh: <http://www.w3.org/ns/shacl#> .
<urn:shape> a sh:NodeShape ; sh:targetSubjectsOf <https://example.org/p> ;
    sh:property [ sh:path <https://example.org/p> ; sh:minCount 1 ] .
""")
    started = time.monotonic()
    result = run_cli(seeded, "import", "--shapes", str(shapes), str(data))
    assert time.monotonic() - started < 60
    assert "RecursionError" not in result.output and "Traceback" not in result.output
    if result.exit_code != 0:
        assert_error(result, str(data))
    else:
        assert "added" in result.stdout


@pytest.mark.parametrize(("name", "content", "start"), [
    ("garbage.ttl", bytes(range(256)) * 8, "{path}:1:"),
    ("garbage.nt.gz", b"\x1f\x8b\x08\x00broken", "{path}: not a valid gzip file"),
    ("latin1.ttl", PREFIX.encode() + 'ex:s ex:p "caf\xe9" .\n'.encode("latin-1"), "{path}:2:"),
    ("garbage.jsonld", b"\xff\xfe{", "{path}:1:"),
    ("garbage.rdf", b"<rdf:RDF", "{path}:"),
    ("prefix.rdf", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
     b'<rdf:Description rdf:about="https://example.org/a"/>\n'
     b'<rdf:Description rdf:about="https://example.org/b">\n  <x:p/>\n'
     b"</rdf:Description>\n</rdf:RDF>\n", "{path}:4: Unknown prefix x:"),
    ("unknown.csv", b"a,b\n", "{path}: unknown file extension"),
])
def test_bad_bytes_are_one_line_errors(seeded: Path, tmp_path: Path, name: str,
                                       content: bytes, start: str) -> None:
    path = _write(tmp_path / name, content)
    before = snapshot(seeded)
    assert_error(run_cli(seeded, "import", "--no-shacl", str(path)), start.format(path=path))
    assert_error(run_cli(None, "validate", "--no-shacl", str(path)), start.format(path=path))
    assert_unchanged(seeded, before)


@pytest.mark.parametrize(("name", "content", "statements"), [
    ("bom.ttl", b"\xef\xbb\xbf" + PREFIX.encode() + b"ex:s ex:p 1 .\n", 1),
    ("crlf.ttl", PREFIX.encode().replace(b"\n", b"\r\n") + b"ex:s ex:p 1 .\r\nex:s ex:p 2 .\r\n",
     2),
    ("bom.nt", b"\xef\xbb\xbf<urn:s> <urn:p> <urn:o> .\r\n", 1),
    ("empty.ttl", b"", 0),
    ("empty.jsonld", b"", 0),
    ("blank.nt", b"\n\n   \n", 0),
])
def test_bom_crlf_and_empty_files_are_accepted(tmp_path: Path, name: str, content: bytes,
                                               statements: int) -> None:
    path = _write(tmp_path / name, content)
    result = run_cli(None, "validate", "--no-shacl", "--format", "json", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["sources"][0]["statements"] == statements
    if statements == 0:
        assert report["warnings"] == [f"{path}: holds no statements (empty input)"]


def test_directories_missing_and_unreadable_files(seeded: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "dir"
    (folder / "sub").mkdir(parents=True)
    _write(folder / "a.ttl", PREFIX + "ex:a ex:p 1 .\n")
    _write(folder / "sub" / "b.NT", "<urn:b> <urn:p> <urn:o> .\n")
    _write(folder / "notes.txt", "not rdf")
    before = snapshot(seeded)
    assert_error(run_cli(seeded, "import", "--no-shacl", str(folder)),
                 f"{folder}: is a directory (use --recursive")
    assert_error(run_cli(seeded, "import", "--no-shacl", str(tmp_path / "missing.ttl")),
                 f"{tmp_path / 'missing.ttl'}: no such file")
    unreadable = _write(tmp_path / "secret.ttl", PREFIX)
    if os.geteuid() == 0:  # root reads anything: simulate the refusal
        real_open = Path.open

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            if self == unreadable:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(Path, "open", refuse)
    else:
        unreadable.chmod(0)
    assert_error(run_cli(seeded, "import", "--no-shacl", str(unreadable)),
                 f"{unreadable}: cannot read: Permission denied")
    monkeypatch.undo()
    assert_unchanged(seeded, before)
    result = run_cli(seeded, "import", "--no-shacl", "--recursive", "--format", "json",
                     str(folder))
    assert result.exit_code == 0, result.output
    assert [r["location"] for r in json.loads(result.stdout)["sources"]] == [
        str(folder / "a.ttl"), str(folder / "sub" / "b.NT")]


def test_usage_mistakes_are_exit_2(tmp_path: Path) -> None:
    data = _write(tmp_path / "a.ttl", PREFIX)
    result = run_cli(tmp_path / "store", "import", "--input-format", "csv", str(data))
    assert result.exit_code == 2
    result = run_cli(tmp_path / "store", "import", "--graph", "urn:g", str(data), str(data))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
