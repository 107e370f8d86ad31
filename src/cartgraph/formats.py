"""Every format cartgraph reads or writes, in one table.

A :class:`Format` has a name, aliases, file extensions, media types (the first
is the one served), the pyoxigraph format behind it, and the uses it fits:

``import``     parse a file (``import``, ``validate``)
``export``     write the store or one graph (``export``)
``graph``      a CONSTRUCT or DESCRIBE result (``query``, the server)
``select``     a SELECT result
``ask``        an ASK result

Import, export, query, the server and the CLI's choices all read this table, so
every command accepts the same names (``ttl`` and ``turtle``, ``nt`` and
``ntriples``, ...). ``xml`` is RDF/XML where a graph is written and the W3C
SPARQL XML results format where solutions are. pyoxigraph is imported only
when an engine format is asked for, so that ``cartgraph --help`` stays fast.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .errors import UsageError

__all__ = [
    "FORMATS",
    "Format",
    "by_extension",
    "by_media_type",
    "choices",
    "extensions",
    "find",
    "names",
]

_RDF = frozenset({"import", "export", "graph"})


class Format(NamedTuple):
    """One format (a NamedTuple: cheap to build at start-up, immutable)."""

    name: str
    aliases: tuple[str, ...]
    extensions: tuple[str, ...]
    media_types: tuple[str, ...]
    uses: frozenset[str]
    #: the pyoxigraph format as "RdfFormat.X" or "QueryResultsFormat.X"; "" when
    #: pyoxigraph does not write it (the text table, GraphML and GEXF)
    engine_name: str = ""
    #: whether it holds named graphs (TriG, N-Quads)
    datasets: bool = False
    #: whether it is written with the project's prefixes
    prefixes: bool = False

    @property
    def media_type(self) -> str:
        return self.media_types[0] if self.media_types else ""

    @property
    def engine(self) -> Any:
        """The pyoxigraph format object (None for formats pyoxigraph does not write)."""
        if not self.engine_name:
            return None
        import pyoxigraph as ox

        kind, _, member = self.engine_name.partition(".")
        return getattr(getattr(ox, kind), member)

    def fits(self, use: str) -> bool:
        return use in self.uses


FORMATS: tuple[Format, ...] = (
    Format("turtle", ("ttl",), (".ttl", ".turtle"), ("text/turtle", "application/x-turtle"),
           _RDF, "RdfFormat.TURTLE", prefixes=True),
    Format("ntriples", ("nt",), (".nt",), ("application/n-triples", "text/plain"),
           _RDF, "RdfFormat.N_TRIPLES"),
    Format("nquads", ("nq",), (".nq",), ("application/n-quads",),
           _RDF, "RdfFormat.N_QUADS", datasets=True),
    Format("trig", (), (".trig",), ("application/trig",),
           _RDF, "RdfFormat.TRIG", datasets=True, prefixes=True),
    Format("jsonld", ("json-ld",), (".jsonld",), ("application/ld+json",),
           _RDF, "RdfFormat.JSON_LD", prefixes=True),
    Format("rdfxml", ("xml",), (".rdf", ".owl"), ("application/rdf+xml",),
           _RDF, "RdfFormat.RDF_XML", prefixes=True),
    Format("table", (), (), (), frozenset({"select", "ask"})),
    Format("json", (), (".srj", ".json"),
           ("application/sparql-results+json", "application/json"),
           frozenset({"select", "ask"}), "QueryResultsFormat.JSON"),
    Format("xml", (), (".srx",),
           ("application/sparql-results+xml", "application/xml", "text/xml"),
           frozenset({"select", "ask"}), "QueryResultsFormat.XML"),
    Format("csv", (), (".csv",), ("text/csv",), frozenset({"select"}),
           "QueryResultsFormat.CSV"),
    Format("tsv", (), (".tsv",), ("text/tab-separated-values",), frozenset({"select"}),
           "QueryResultsFormat.TSV"),
    Format("graphml", (), (".graphml",), ("application/graphml+xml",),
           frozenset({"export"})),
    Format("gexf", (), (".gexf",), ("application/gexf+xml",), frozenset({"export"})),
)

_USES = ("import", "export", "graph", "select", "ask")


def _for(use: str) -> list[Format]:
    if use not in _USES:
        raise ValueError(f"unknown format use {use!r}")
    return [f for f in FORMATS if use in f.uses]


def names(use: str, *, aliases: bool = True) -> list[str]:
    """The names (and aliases) that fit ``use``, in table order."""
    out: list[str] = []
    for f in _for(use):
        out += [f.name, *(f.aliases if aliases else ())]
    return out


def choices(*uses: str) -> list[str]:
    """Every name and alias fitting any of ``uses``, once each (for click.Choice)."""
    out: dict[str, None] = {}
    for use in uses:
        out.update(dict.fromkeys(names(use)))
    return list(out)


def find(name: str, use: str) -> Format:
    """The format called ``name`` (or an alias of it) that fits ``use``.

    A name that fits no format for this use is a :class:`UsageError` listing
    those that do.
    """
    wanted = name.lower()
    for f in _for(use):
        if wanted == f.name or wanted in f.aliases:
            return f
    raise UsageError(f"unknown format {name!r} here (use one of: "
                     f"{', '.join(names(use, aliases=False))})")


def by_extension(path: str, use: str) -> Format | None:
    """The format a file name's extension says (``.gz`` stripped), or None."""
    name = path.lower().removesuffix(".gz").replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if dot <= 0:  # no extension (a leading dot starts a hidden file's name)
        return None
    suffix = name[dot:]
    for f in _for(use):
        if suffix in f.extensions:
            return f
    return None


def extensions(use: str) -> list[str]:
    """Every extension the formats fitting ``use`` are known by."""
    return [e for f in _for(use) for e in f.extensions]


def by_media_type(media_type: str, use: str) -> Format | None:
    """The format served as ``media_type`` (parameters ignored) for ``use``, or None."""
    wanted = media_type.split(";")[0].strip().lower()
    for f in _for(use):
        if wanted in f.media_types:
            return f
    return None
