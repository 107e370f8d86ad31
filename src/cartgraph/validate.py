"""SHACL validation with pyshacl, and its readable report.

The data graph is what the input says plus what it refers to (the types of the
resources it points at); the ontology is mixed in so that ``sh:class`` sees
subclasses. Only focus nodes the input itself describes are reported.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import rdflib

from .convert import to_rdflib_graph
from .errors import InputError
from .namespaces import SH, curie

__all__ = ["Violation", "check_shapes", "load_rdflib", "shacl_check"]

# SHACL-SPARQL keeps its queries in these properties (constraints, targets,
# functions, validators, rules); rdflib runs them, and would fetch for these nodes.
_SPARQL_TEXT = ("select", "ask", "construct", "update")
_NETWORK = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD", "DatasetClause": "FROM"}


@dataclass(frozen=True)
class Violation:
    """One SHACL result: ``severity`` is "Violation", "Warning" or "Info".

    ``shape`` is the named shape that was violated (for a property shape written
    as a blank node, the shape holding it); ``constraints`` the constraint
    components that failed (several when one value breaks several constraints
    of one shape: they are reported once).
    """

    focus: str
    path: str | None
    message: str
    severity: str
    value: str | None
    shape: str | None
    location: str = ""
    constraints: tuple[str, ...] = ()

    def line(self) -> str:
        where = f"{self.location}: " if self.location else ""
        path = f" {curie(self.path)}" if self.path else ""
        extra = [f"value: {self.value}"] if self.value is not None else []
        if self.shape:
            name = curie(self.shape)
            extra.append(f"shape {name if name != self.shape else _local(name)}")
        detail = f" ({'; '.join(extra)})" if extra else ""
        return f"{where}{self.severity.lower()}: {curie(self.focus)}{path}: {self.message}{detail}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _local(iri: str) -> str:
    return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1] or iri


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime: float) -> rdflib.Graph:
    import pyoxigraph as ox

    from .ingest.xml import check_xml

    try:
        if Path(path).suffix.lower() in {".rdf", ".owl", ".xml"}:
            check_xml(Path(path).open("rb"), path)  # noqa: SIM115  (it closes the stream)
        triples = ox.parse(path=path, base_iri=Path(path).absolute().as_uri())
        return to_rdflib_graph(triples)
    except SyntaxError as exc:
        raise InputError(f"{path}:{exc.lineno or 1}:{exc.offset or 1}: "
                         f"{_one_line(str(exc.msg))}") from None
    except MemoryError as exc:
        if "buffer maximal size" not in str(exc):
            raise
        raise InputError(f"{path}: token too long ({exc})") from None
    except RecursionError:
        raise InputError(f"{path}: nesting too deep") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: {_one_line(str(exc))}") from None


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def load_rdflib(path: str | Path) -> rdflib.Graph:
    """Parse a local RDF file strictly into an rdflib Graph (cached per file version)."""
    p = Path(path)
    try:
        mtime = p.stat().st_mtime
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from None
    return _load_cached(str(p), mtime)


def check_shapes(shapes: rdflib.Graph, location: str) -> None:
    """Refuse SHACL-SPARQL that could open a connection: SERVICE, LOAD or FROM.

    Decided on the parsed query (rdflib's SPARQL 1.1 parser, escapes expanded), as
    pyshacl would run it; a query that does not parse is refused too.
    """
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    sh = rdflib.Namespace(SH)
    for key in _SPARQL_TEXT:
        for node, text in shapes.subject_objects(sh[key]):
            what = f"{location}: sh:{key} of {_name(node, shapes)}"
            try:
                tree = (parseUpdate if key == "update" else parseQuery)(str(text))
            except RecursionError:
                raise InputError(f"{what}: the query is nested too deeply") from None
            except Exception as exc:  # pyparsing's ParseException and friends
                raise InputError(f"{what}: not valid SPARQL ({_one_line(str(exc))})") from None
            found = _network_nodes(tree)
            if found:
                raise InputError(f"{what}: {found} is refused in SHACL-SPARQL "
                                 "(cartgraph never opens a connection)")


def _network_nodes(tree: Any) -> str | None:
    """The keyword of the first part of a parsed query that would reach the network."""
    todo = [tree]
    while todo:
        node = todo.pop()
        name = getattr(node, "name", None)
        if isinstance(name, str) and name in _NETWORK:
            return _NETWORK[name]
        if isinstance(node, dict):
            todo.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            todo.extend(node)
    return None


def _name(node: Any, shapes: rdflib.Graph) -> str:
    """A shape's name: its IRI, or for a blank node the named shape it belongs to."""
    seen = set()
    while isinstance(node, rdflib.BNode) and node not in seen:
        seen.add(node)
        parent = next(shapes.subjects(None, node), None)
        if parent is None:
            return "a blank node"
        node = parent
    return curie(str(node))


def shacl_check(data: rdflib.Graph, *, shapes: rdflib.Graph, ontology: rdflib.Graph,
                focus: set[str] | None = None, location: str | None = None) -> list[Violation]:
    """Validate ``data`` and return every result whose focus node is in ``focus``.

    ``location`` names a user's shapes file: any failure of pyshacl on it (a shape
    it cannot load, a SPARQL constraint it refuses) becomes one InputError.
    """
    import pyshacl
    from pyshacl.errors import ReportableRuntimeError

    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=ontology, inference="none",
            abort_on_first=False, allow_warnings=True, advanced=True)
    except (ReportableRuntimeError, RecursionError) as exc:
        raise InputError(f"{location or 'shapes'}: SHACL cannot use these shapes: "
                         f"{_one_line(getattr(exc, 'message', str(exc)))}") from None
    except Exception as exc:
        if location is None:
            raise  # the bundled shapes: a bug, not the user's mistake
        raise InputError(f"{location}: SHACL failed on these shapes: {type(exc).__name__}: "
                         f"{_one_line(str(exc))}") from None
    if not isinstance(results, rdflib.Graph):  # pyshacl returns its ValidationFailure
        raise InputError(f"{location or 'shapes'}: SHACL cannot use these shapes: "
                         f"{_one_line(getattr(results, 'message', str(results)))}")
    sh = rdflib.Namespace(SH)
    found: dict[tuple[Any, ...], Violation] = {}
    for result in results.subjects(rdflib.RDF.type, sh.ValidationResult):
        node = results.value(result, sh.focusNode)
        if focus is not None and str(node) not in focus:
            continue
        path = results.value(result, sh.resultPath)
        value = results.value(result, sh.value)
        severity = results.value(result, sh.resultSeverity)
        message = results.value(result, sh.resultMessage)
        shape = _named_shape(results.value(result, sh.sourceShape), shapes)
        component = results.value(result, sh.sourceConstraintComponent)
        v = Violation(
            focus=str(node),
            path=str(path) if isinstance(path, rdflib.URIRef) else None,
            message=str(message) if message is not None else "does not conform",
            severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
            value=str(value) if value is not None else None,
            shape=shape,
            constraints=(curie(str(component)),) if component is not None else (),
        )
        key = (v.focus, v.path, v.message, v.severity, v.value, v.shape)
        if key in found:  # the same statement, the same words: one line
            merged = sorted({*found[key].constraints, *v.constraints})
            v = replace(found[key], constraints=tuple(merged))
        found[key] = v
    return sorted(found.values(), key=lambda v: (v.focus, v.path or "", v.message, v.value or ""))


def _named_shape(node: Any, shapes: rdflib.Graph) -> str | None:
    """The IRI of a result's shape, or of the named shape a blank one belongs to."""
    seen = set()
    while isinstance(node, rdflib.BNode) and node not in seen:
        seen.add(node)
        node = next(shapes.subjects(None, node), None)
    return str(node) if isinstance(node, rdflib.URIRef) else None
