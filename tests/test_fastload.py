"""The bulk loader's path for big plain files: the same result, the same errors.

A plain N-Triples or Turtle file without blank nodes is written by pyoxigraph's
bulk loader while the strict checks run; everything else goes chunk by chunk.
Both must leave the same graph and provenance, and a failed check must leave
the store as it was.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.compare import isomorphic

from cartgraph import fastload
from cartgraph.convert import to_rdflib_graph
from cartgraph.errors import ParseError, ValidationError
from cartgraph.ingest import ImportOptions, import_files, read_sources
from cartgraph.store import LocalStore
from helpers_ingest import write_ntriples


def _graph(store: LocalStore, graph: str) -> object:
    return to_rdflib_graph(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))


def test_which_files_take_the_bulk_loader(tmp_path: Path) -> None:
    nt = write_ntriples(tmp_path / "a.nt", 50)
    assert fastload.eligible(nt, ox.RdfFormat.N_TRIPLES, compressed=False)
    assert not fastload.eligible(nt, ox.RdfFormat.N_TRIPLES, compressed=True)
    assert not fastload.eligible(None, ox.RdfFormat.N_TRIPLES, compressed=False)
    assert not fastload.eligible(nt, ox.RdfFormat.N_QUADS, compressed=False)
    blank = tmp_path / "b.nt"
    blank.write_text("<urn:x:s> <urn:x:p> _:b1 .\n")
    assert not fastload.eligible(blank, ox.RdfFormat.N_TRIPLES, compressed=False)
    anonymous = tmp_path / "c.ttl"
    anonymous.write_text("<urn:x:s> <urn:x:p> [ <urn:x:q> 1 ] .\n")
    assert not fastload.eligible(anonymous, ox.RdfFormat.TURTLE, compressed=False)


def test_both_paths_give_the_same_graph_and_counts(tmp_path: Path) -> None:
    plain = write_ntriples(tmp_path / "data.nt", 3_000, seed=4)
    packed = tmp_path / "data.nt.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    fast, slow = LocalStore.memory(), LocalStore.open(tmp_path / "s1")
    on_disk = LocalStore.open(tmp_path / "s2")
    options = ImportOptions(shacl=False, graph="urn:x:g")
    reports = [import_files(on_disk, [str(plain)], options),
               import_files(slow, [str(packed)], options),
               import_files(fast, [str(plain)], options)]
    assert [r.results[0].statements for r in reports] == [3_000] * 3
    assert isomorphic(_graph(on_disk, "urn:x:g"), _graph(slow, "urn:x:g"))
    assert isomorphic(_graph(on_disk, "urn:x:g"), _graph(fast, "urn:x:g"))
    assert read_sources(on_disk)["urn:x:g"].statements == 3_000


@pytest.mark.parametrize("line, error", [
    ('<urn:x:s> <urn:x:p> "2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .\n',
     ValidationError),
    ("<urn:x:s> <urn:x:p> <urn:x:o>\n", ParseError),
])
def test_a_late_error_leaves_the_store_as_it_was(tmp_path: Path, line: str,
                                                 error: type[Exception]) -> None:
    data = write_ntriples(tmp_path / "data.nt", 20_000, seed=5)
    with data.open("a") as out:
        out.write(line)
    assert fastload.eligible(data, ox.RdfFormat.N_TRIPLES, compressed=False)
    store = LocalStore.open(tmp_path / "s")
    before = store.generation
    with pytest.raises(error, match=r"data\.nt:2000[12]"):
        import_files(store, [str(data)], ImportOptions(shacl=False))
    assert store.generation == before and len(store) == 0


def test_n_triples_reach_the_loader_in_slices_of_whole_lines(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    data = write_ntriples(tmp_path / "data.nt", 2_000, seed=6)
    monkeypatch.setattr(fastload, "_SLICE", 4096)
    monkeypatch.setattr(fastload, "_WHOLE", 4096)
    slices = list(fastload._slices(data))
    assert len(slices) > 10
    assert b"".join(slices) == data.read_bytes()
    assert all(s.endswith(b"\n") for s in slices)
    sliced, whole = LocalStore.open(tmp_path / "s1"), LocalStore.memory()
    options = ImportOptions(shacl=False, graph="urn:x:g")
    import_files(sliced, [str(data)], options)
    monkeypatch.setattr(fastload, "_WHOLE", 64 << 20)
    import_files(whole, [str(data)], options)
    assert len(sliced) == len(whole) > 2_000  # the data and its provenance
    assert isomorphic(_graph(sliced, "urn:x:g"), _graph(whole, "urn:x:g"))
