"""The bundled graph: the ontology, the shapes and the curated data files.

In a wheel they live in ``cartgraph/bundled/``; in a source checkout (an editable
install) they are read from the repository's ``ontology/`` and ``data/``.
Each file is an ordinary source with a stable IRI, ``cgr:source-STEM``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .namespaces import RESOURCE

__all__ = ["BundledFile", "bundled_files", "fingerprint", "ontology_path", "shapes_path",
           "stat_key"]


@dataclass(frozen=True)
class BundledFile:
    path: Path
    source: str


@cache
def _root() -> Path:
    packaged = Path(__file__).parent / "bundled"
    if (packaged / "ontology").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError("the bundled ontology is missing from this installation")


def ontology_path() -> Path:
    return _root() / "ontology" / "cartgraph.ttl"


def shapes_path() -> Path:
    return _root() / "ontology" / "shapes.ttl"


def bundled_files() -> list[BundledFile]:
    """The ontology, the shapes and every data file, each with its source IRI.

    A file missing from a source checkout (the shapes while they are written) is
    left out rather than breaking every command.
    """
    files = [ontology_path(), shapes_path(), *sorted((_root() / "data").glob("*.ttl"))]
    named = {ontology_path(): "ontology", shapes_path(): "shapes"}
    return [BundledFile(p, f"{RESOURCE}source-{named.get(p, p.stem)}") for p in files
            if p.is_file()]


def stat_key() -> str:
    """Name, size and modification time of every bundled file: cheap to compute on
    every open; when it is what a store recorded, :func:`fingerprint` is too."""
    return ";".join(f"{f.source}:{s.st_size}:{s.st_mtime_ns}"
                    for f in bundled_files() for s in [f.path.stat()])


def fingerprint() -> str:
    """A digest of every bundled file: when it changes, stores re-seed."""
    import hashlib

    digest = hashlib.sha256()
    for f in bundled_files():
        digest.update(f.source.encode() + b"\0" + f.path.read_bytes() + b"\0")
    return digest.hexdigest()
