"""SHACL validation with pyshacl, and its readable report.

The data graph is what the input says plus what it refers to (the types of the
resources it points at); the ontology is mixed in so that ``sh:class`` sees
subclasses. Only focus nodes the input itself describes are reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib

from .convert import to_rdflib_graph
from .errors import InputError
from .namespaces import SH, curie

__all__ = ["Violation", "load_rdflib", "shacl_check"]


@dataclass(frozen=True)
class Violation:
    """One SHACL result: ``severity`` is "Violation", "Warning" or "Info"."""

    focus: str
    path: str | None
    message: str
    severity: str
    value: str | None
    shape: str | None
    location: str = ""

    def line(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f" {curie(self.path)}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}{self.severity.lower()}: {curie(self.focus)}{path}: {self.message}{value}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> rdflib.Graph:
    import pyoxigraph as ox

    try:
        triples = ox.parse(path=path, base_iri=Path(path).absolute().as_uri())
        return to_rdflib_graph(triples)
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno or 1}:{exc.offset or 1}: {exc.msg}") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: {exc}") from None


def load_rdflib(path: str | Path) -> rdflib.Graph:
    """Parse a local RDF file strictly into an rdflib Graph (cached per file version)."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    return _load_cached(str(p), mtime)


def shacl_check(data: rdflib.Graph, *, shapes: rdflib.Graph, ontology: rdflib.Graph,
                focus: set[str] | None = None) -> list[Violation]:
    """Validate ``data`` and return every result whose focus node is in ``focus``."""
    import pyshacl

    _conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none",
        abort_on_first=False, allow_warnings=True, advanced=True)
    sh = rdflib.Namespace(SH)
    found = []
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        node = results.value(result, sh.focusNode)
        if focus is not None and str(node) not in focus:
            continue
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = results.value(result, sh.resultSeverity)
        message = results.value(result, sh.resultMessage)
        shape = results.value(result, sh.sourceShape)
        found.append(Violation(
            focus=str(node),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(message) if message is not None else "does not conform",
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=str(value) if value is not None else None,
            shape=str(shape) if isinstance(shape, rdflib.URIRef) else None,
        ))
    return sorted(found, key=lambda v: (v.focus, v.path or "", v.message, v.value or ""))
