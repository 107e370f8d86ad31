"""Every prefix cartgraph knows, declared once.

Parsing, queries, export and the HTML view all take their prefixes from here.
"""

from __future__ import annotations

VOCAB = "https://w3id.org/cartgraph/vocab#"
RESOURCE = "https://w3id.org/cartgraph/id/"
GRAPH = "https://w3id.org/cartgraph/graph/"
PROVENANCE_GRAPH = GRAPH + "provenance"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"

PREFIXES: dict[str, str] = {
    "cg": VOCAB,
    "cgr": RESOURCE,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "sh": SH,
    "schema": "http://schema.org/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "obo": "http://purl.obolibrary.org/obo/",
    "wd": "http://www.wikidata.org/entity/",
}

RDF_TYPE = RDF + "type"
RDFS_LABEL = RDFS + "label"
RDFS_COMMENT = RDFS + "comment"
RDFS_SUBCLASS_OF = RDFS + "subClassOf"

__all__ = [
    "DCTERMS",
    "GRAPH",
    "OWL",
    "PREFIXES",
    "PROV",
    "PROVENANCE_GRAPH",
    "RDF",
    "RDFS",
    "RDFS_COMMENT",
    "RDFS_LABEL",
    "RDFS_SUBCLASS_OF",
    "RDF_TYPE",
    "RESOURCE",
    "SH",
    "SKOS",
    "VOCAB",
    "XSD",
    "curie",
    "expand",
    "source_iri",
    "sparql_prologue",
]


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """PREFIX declarations on ONE line (so a query's line numbers move by exactly one)."""
    chosen = PREFIXES if prefixes is None else prefixes
    return " ".join(f"PREFIX {p}: <{iri}>" for p, iri in chosen.items())


def expand(text: str) -> str:
    """Turn a CURIE (``cgr:uker``) or an IRI (``<...>`` or bare) into a full IRI.

    Raises ValueError for an unknown prefix or something that is neither.
    """
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return text[1:-1]
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    if sep and (local.startswith("//") or prefix in {"urn", "mailto", "file", "tag"}):
        return text
    raise ValueError(f"not an IRI or known CURIE: {text!r} (known prefixes: {', '.join(PREFIXES)})")


def curie(iri: str) -> str:
    """The shortest CURIE for an IRI, or the IRI itself when no prefix fits."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            local = iri[len(ns) :]
            if local and "/" not in local and "#" not in local:
                best = prefix
    return f"{best}:{iri[len(PREFIXES[best]):]}" if best else iri


def source_iri(source_id: str) -> str:
    """The IRI of a source named on the command line: an IRI as is, a bare id as cgr:source-ID."""
    if ":" in source_id:
        return expand(source_id)
    return f"{RESOURCE}source-{source_id}"
