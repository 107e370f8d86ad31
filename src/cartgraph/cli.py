"""The command line: parse options, call the library, print. Nothing more.

Exit codes: 0 success, 1 a failure the user can act on (one line on stderr),
2 a usage error. Heavy modules are imported inside the commands that need them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

from . import __version__, formats
from .errors import CartgraphError, StoreBusy, UsageError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class State:
    """What the global options say; the store is opened on first use."""

    def __init__(self, store: str, update_url: str | None, graph_store_url: str | None,
                 wait: float, debug: bool, user: str | None = None,
                 password_file: str | None = None) -> None:
        self.location, self.update_url, self.wait, self.debug = store, update_url, wait, debug
        self.graph_store_url = graph_store_url
        self.user, self.password_file = user, password_file
        self._store: Any = None

    def store(self) -> Any:
        if self._store is None:
            from .open import open_store

            auth: dict[str, Any] = {}
            if self.location.startswith(("http://", "https://")):
                from .remote.http import read_password

                auth = {"user": self.user, "password": read_password(self.password_file)}
            elif self.update_url or self.graph_store_url:
                raise click.UsageError("--update-url and --graph-store-url are for a remote "
                                       f"store (--store URL), not the directory {self.location}")
            self._store = open_store(self.location, update_url=self.update_url,
                                     graph_store_url=self.graph_store_url, wait=self.wait,
                                     note=lambda msg: click.echo(f"note: {msg}", err=True),
                                     **auth)
        return self._store


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"cartgraph: error: {message}", err=True)
    sys.stdout.flush()
    sys.exit(code)


class Group(click.Group):
    """Turns CartgraphError into one line and exit 1 (2 for UsageError)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            fail(str(exc), 2)
        except StoreBusy as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            fail(f"{exc} (use --wait SECONDS to wait)")
        except CartgraphError as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted; nothing was changed", 130)
        except BrokenPipeError:
            os._exit(0)


pass_state = click.make_pass_decorator(State)


def stdout_bytes() -> Any:
    """Standard output as a binary stream (also under click's test runner)."""
    sys.stdout.flush()
    return sys.stdout.buffer


def _size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    from .limits import parse_size

    try:
        return parse_size(value)
    except UsageError as exc:
        raise click.BadParameter(str(exc)) from None


max_memory_option = click.option(
    "--max-memory", default="2G", show_default=True, metavar="SIZE", callback=_size,
    help="Stop a query whose memory grows past SIZE (K, M, G suffixes).")


def format_option(*choices: str, default: str | None = None) -> Callable[..., Any]:
    return click.option("--format", "fmt", type=click.Choice(choices, case_sensitive=False),
                        default=default, show_default=default is not None,
                        help="Output format.")


def emit(data: Any, fmt: str, text: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON or through ``text`` for people."""
    if fmt == "json":
        import json

        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        out = text(data)
        if out:
            click.echo(out.rstrip("\n"))


@click.group(cls=Group, context_settings=CONTEXT)
@click.option("--store", envvar="CARTGRAPH_STORE", default="./.cartgraph", show_default=True,
              metavar="DIR|URL", help="Store directory, or the URL of a SPARQL query endpoint "
              "(env CARTGRAPH_STORE).")
@click.option("--update-url", metavar="URL", help="SPARQL update endpoint of a remote store "
              "(default: the query URL with /query replaced by /update).")
@click.option("--graph-store-url", metavar="URL", help="Graph Store Protocol endpoint of a "
              "remote store: imports send each file there (faster, not atomic; see README).")
@click.option("--user", envvar="CARTGRAPH_USER", metavar="NAME", help="User name for a remote "
              "store's HTTP Basic or Digest authentication (env CARTGRAPH_USER); the password "
              "comes from CARTGRAPH_PASSWORD or --password-file.")
@click.option("--password-file", metavar="FILE", help="File whose first line is the password "
              "for --user.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, metavar="SECONDS",
              help="When the store is busy, wait this long for the write lock.")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, "--version", prog_name="cartgraph")
@click.pass_context
def cli(ctx: click.Context, store: str, update_url: str | None, graph_store_url: str | None,
        user: str | None, password_file: str | None, wait: float, debug: bool) -> None:
    """cartgraph: a knowledge graph of CAR-T research.

    The store holds the bundled graph (ontology, shapes and curated, sourced
    data about CD19 CAR T cells for lupus) and whatever you import. It is
    created and seeded on first use.

    \b
    Examples:
      cartgraph stats
      cartgraph queries
      cartgraph query --name cd19-diseases
      cartgraph query 'SELECT ?s ?label WHERE { ?s a cg:Hospital ; rdfs:label ?label }'
      cartgraph import data.ttl --graph https://example.org/g
      cartgraph view -o graph.html
    """
    ctx.obj = State(store, update_url, graph_store_url, wait, debug, user, password_file)


# -- import and validate --------------------------------------------------------


def ingest_options(f: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.argument("paths", nargs=-1, required=True, metavar="PATH..."),
        click.option("--input-format", type=click.Choice(formats.choices("import"),
                     case_sensitive=False), help="Parse as this format (default: by "
                     "extension)."),
        click.option("--shapes", metavar="FILE", help="SHACL shapes to validate against "
                     "(default: the bundled ontology/shapes.ttl)."),
        click.option("--base", metavar="IRI", help="Base IRI for relative IRIs "
                     "(default: the file's IRI)."),
        click.option("--recursive", "-r", is_flag=True, help="Import the RDF files in "
                     "directories."),
        click.option("--follow-symlinks", is_flag=True, help="With --recursive, follow "
                     "symbolic links that lead out of the directory (refused by default)."),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
        format_option("text", "json", default="text"),
    ]
    for option in reversed(options):
        f = option(f)
    return f


class ProgressBar:
    """A progress bar on stderr for big files, only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None
        self.label = ""

    def __call__(self, label: str, done: int, total: int) -> None:
        if not self.enabled or total < 4 << 20:
            return
        if label != self.label:
            self.close()
            self.label = label
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def run_ingest(work: Callable[[Any], Any], fmt: str, quiet: bool, *, dry_run: bool = False,
               **options: Any) -> None:
    from .errors import ValidationError
    from .ingest import ImportOptions

    progress = ProgressBar(not quiet)
    try:
        report = work(ImportOptions(progress=progress, dry_run=dry_run, **options))
    except ValidationError as exc:
        progress.close()
        if fmt == "json":
            import json

            items = exc.report or []
            click.echo(json.dumps({"valid": False, "errors": [
                i.to_json() if hasattr(i, "to_json") else {"message": str(i)} for i in items]},
                indent=2))
        raise
    progress.close()
    if not quiet:
        emit(report.to_json(), fmt, lambda _: _report_text(report))


def _report_text(report: Any) -> str:
    lines = []
    for r in report.results:
        graphs = ", ".join(f"<{g}>" for g in r.graphs)
        detail = f"{r.statements} statements"
        if r.removed:
            detail += f", {r.removed} removed"
        lines.append(f"{r.status:<9} {r.location}  ({detail} -> {graphs})")
    lines += [f"warning: {w}" for w in report.warnings]
    what = "would change (dry run)" if report.dry_run else ""
    shacl = "SHACL checked" if report.shacl else "SHACL skipped (--no-shacl)"
    lines.append(f"{len(report.results)} source{'s' * (len(report.results) != 1)}: "
                 f"{report.summary()}{' ' + what if what else ''}; {shacl}")
    return "\n".join(lines)


@cli.command("import")
@ingest_options
@click.option("--graph", metavar="IRI", help="Named graph (and source) for a single input.")
@click.option("--source-id", metavar="ID", help="Source identity (an IRI, or an id that "
              "becomes cgr:source-ID).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--no-shacl", is_flag=True, help="Skip SHACL validation (raw load).")
@pass_state
def import_(state: State, paths: tuple[str, ...], fmt: str, quiet: bool, no_shacl: bool,
            **options: Any) -> None:
    """Import RDF files: strict parse, SHACL, then one atomic load with provenance.

    Each file becomes a source with its own named graph. Re-importing identical
    bytes changes nothing; changed bytes replace what the source wrote before.
    PATH may be - for standard input (needs --graph and --input-format).
    """
    from .ingest import import_files

    if options["graph"] and len(paths) > 1:
        raise click.UsageError("--graph names one graph, but several paths were given")
    store = state.store()
    run_ingest(lambda opts: import_files(store, list(paths), opts), fmt, quiet,
               shacl=not no_shacl, wait=state.wait, **options)


@cli.command()
@ingest_options
@click.option("--no-shacl", is_flag=True, help="Check syntax and literals only.")
def validate(paths: tuple[str, ...], fmt: str, quiet: bool, no_shacl: bool,
             **options: Any) -> None:
    """Check RDF files as import would, without touching any store.

    Every file is checked before the command fails; exit 1 on any syntax
    error, ill-typed literal or SHACL violation.
    """
    from .ingest import validate_files

    run_ingest(lambda opts: validate_files(list(paths), opts), fmt, quiet,
               shacl=not no_shacl, **options)


# -- queries ----------------------------------------------------------------------


def parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        params[name.strip().lstrip("?$")] = value
    return params


@cli.command()
@click.argument("text", required=False)
@click.option("-f", "--file", "file", metavar="FILE", help="Read the query from FILE (- for "
              "standard input).")
@click.option("--name", metavar="NAME", help="Run a named query (see `cartgraph queries`).")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a variable before running: an IRI, CURIE, number or text.")
@click.option("--format", "fmt", type=click.Choice(formats.choices("select", "ask", "graph"),
              case_sensitive=False), help="Result format (default: table, or turtle for "
              "CONSTRUCT/DESCRIBE).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Give up after this long.")
@click.option("--entailment", type=click.Choice(["none", "rdfs"], case_sensitive=False),
              default="rdfs", show_default=True, help="rdfs: `?x a C` also finds instances "
              "of C's subclasses, sub-properties count as their parents (see README).")
@max_memory_option
@pass_state
def query(state: State, text: str | None, file: str | None, name: str | None,
          params: tuple[str, ...], fmt: str | None, timeout: float | None,
          entailment: str, max_memory: int) -> None:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query.

    The project's prefixes (cg:, cgr:, rdfs:, schema:, ...) are predeclared and
    the default graph is the union of all graphs. Updates, SERVICE and LOAD are
    refused.
    """
    from . import query as q

    given = [x for x in (text, file, name) if x is not None]
    if len(given) != 1:
        raise click.UsageError("give exactly one of: TEXT, -f FILE, --name NAME")
    bindings = parse_params(params)
    source = "query"
    if file is not None:
        source = file
        try:
            if file == "-":
                text = sys.stdin.read()
            else:
                with open(file, encoding="utf-8") as f:
                    text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CartgraphError(f"{file}: cannot read: {getattr(exc, 'strerror', exc)}") \
                from None
    elif name is not None:
        named = q.named_query(name)
        text, source, bindings = named.text, f"{name}.rq", named.bindings(bindings)
    assert text is not None
    q.check_format(q.check_query(text), fmt)
    if name is None:
        q.check_params_used(text, list(bindings))
    store = state.store()
    if bindings:
        from .resolve import resolve_value

        bindings = {k: resolve_value(store, v) for k, v in bindings.items()}
    q.run_query(store, text, stdout_bytes(), params=bindings, source=source, fmt=fmt,
                timeout=timeout, max_memory=max_memory, entailment=entailment.lower(),
                exit_on_limit=True)


@cli.command()
@format_option("text", "json", default="text")
def queries(fmt: str) -> None:
    """List the named queries shipped with cartgraph."""
    from .query import named_queries

    found = named_queries()
    emit([nq.to_json() for nq in found.values()], fmt,
         lambda _: "\n".join(f"{nq.name}\t{nq.title}" for nq in found.values()))


@cli.command()
@format_option("text", "json", "markdown", default="text")
def ontology(fmt: str) -> None:
    """The ontology at a glance: every class and property with its label."""
    from .datadict import markdown, read_terms

    terms = read_terms()
    if fmt == "markdown":
        click.echo(markdown(terms), nl=False)
        return
    emit([t.to_json() for t in terms], fmt, lambda _: "\n".join(
        f"{t.kind:<9} {t.to_json()['curie']:<28} {t.label}" for t in terms))


# -- the store ----------------------------------------------------------------------


@cli.command()
@click.option("-o", "--output", required=True, metavar="FILE", help="Output file (- for "
              "standard output).")
@click.option("--format", "fmt", type=click.Choice(formats.choices("export"),
              case_sensitive=False), help="Format (default: by the extension; trig for -).")
@click.option("--graph", metavar="IRI", help="Export one named graph only.")
@pass_state
def export(state: State, output: str, fmt: str | None, graph: str | None) -> None:
    """Write the store, or one graph, to a file (sorted, with prefixes)."""
    from .export import export_to, format_for

    format_for(output, fmt)  # a usage error before the store is opened
    export_to(state.store(), output, fmt, graph=graph)


@cli.command()
@format_option("text", "json", default="text")
@pass_state
def sources(state: State, fmt: str) -> None:
    """List imported sources with their provenance."""
    from .ingest import read_sources

    records = list(read_sources(state.store()).values())
    emit([r.to_json() for r in records], fmt, lambda _: "\n".join(
        f"{r.location}\t{r.source}\t{r.statements} statements\t{r.ended}\tsha256:{r.sha256[:12]}"
        for r in records))


@cli.command()
@click.argument("source")
@pass_state
def drop(state: State, source: str) -> None:
    """Remove everything one source wrote (SOURCE: its IRI or the path given at import)."""
    from .ingest import drop_source

    rec = drop_source(state.store(), source, wait=state.wait)
    click.echo(f"dropped {rec.location} ({rec.statements} statements, "
               f"{len(rec.graphs)} graph{'s' * (len(rec.graphs) != 1)})")


@cli.command()
@click.argument("directory", metavar="DIR")
@pass_state
def backup(state: State, directory: str) -> None:
    """Write a consistent copy of the store to DIR (open it later with --store DIR)."""
    target = state.store().backup(directory)
    click.echo(f"backed up {state.location} to {target}")


# -- analytics and the view --------------------------------------------------------


@cli.command()
@format_option("text", "json", default="text")
@click.option("--centrality", is_flag=True, help="Also rank entities by degree and "
              "betweenness (sampled on large graphs).")
@pass_state
def stats(state: State, fmt: str, centrality: bool) -> None:
    """Triples, entities per class, edges per predicate, graphs."""
    from .analytics import format_stats
    from .analytics import stats as compute

    emit(compute(state.store(), centrality=centrality), fmt, format_stats)


@cli.command()
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--via-any", is_flag=True, help="Also go through claims, sources, import "
              "records and cg:mentions (by default only domain relations are followed).")
@format_option("text", "json", default="text")
@pass_state
def path(state: State, a: str, b: str, via_any: bool, fmt: str) -> None:
    """The shortest path between two entities (IRIs, CURIEs or names), edges both ways."""
    from .analytics import format_path, shortest_path
    from .resolve import entity_argument

    store = state.store()
    steps = shortest_path(store, entity_argument(store, a), entity_argument(store, b),
                          via_any=via_any)
    emit([s.to_json() for s in steps], fmt, lambda _: format_path(steps))


@cli.command()
@click.argument("x", metavar="X")
@click.option("--depth", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many hops.")
@format_option("text", "json", default="text")
@pass_state
def neighbors(state: State, x: str, depth: int, fmt: str) -> None:
    """The neighbourhood of one entity (IRI, CURIE or name)."""
    from .analytics import format_neighbors
    from .analytics import neighbors as find
    from .resolve import entity_argument

    store = state.store()
    found = find(store, entity_argument(store, x), depth=depth)
    emit(found.to_json(), fmt, lambda _: format_neighbors(found))


@cli.command()
@click.option("-o", "--output", required=True, metavar="FILE", help="HTML file to write.")
@click.option("--focus", metavar="ENTITY", help="Draw the neighbourhood of one entity "
              "(IRI, CURIE or name).")
@click.option("--depth", type=click.IntRange(min=1), default=2, show_default=True,
              help="Hops around --focus.")
@click.option("--query", "query_file", metavar="FILE", help="Draw the result of a CONSTRUCT, "
              "or a SELECT of ?s ?p ?o.")
@click.option("--max-nodes", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Draw at most this many nodes (the rest is listed as left out).")
@click.option("--literals", is_flag=True, help="Draw literal values as nodes too (by default "
              "they are listed in the details panel).")
@pass_state
def view(state: State, output: str, focus: str | None, depth: int, query_file: str | None,
         max_nodes: int, literals: bool) -> None:
    """Write one self-contained, offline HTML network view of the graph."""
    from .viz import view as make_view

    query_text = None
    if query_file is not None:
        try:
            with open(query_file, encoding="utf-8") as f:
                query_text = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CartgraphError(f"{query_file}: cannot read: "
                                 f"{getattr(exc, 'strerror', exc)}") from None
    store = state.store()
    if focus is not None:
        from .resolve import entity_argument

        focus = entity_argument(store, focus)
    result = make_view(store, focus=focus, depth=depth, query=query_text,
                       max_nodes=max_nodes, literals=literals)
    result.save(output)
    click.echo(result.summary())


@cli.command()
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="At most this many entities.")
@format_option("table", "csv", "json", default="table")
@pass_state
def search(state: State, text: str, limit: int, fmt: str) -> None:
    """Find entities by label, other names, identifiers or description.

    Every word must match, as a word or the start of one (`lup` finds lupus);
    results are ranked (BM25, labels first) and show the text that matched.
    """
    from .search import hits_table
    from .search import search as run

    hits = run(state.store(), text, limit=limit)
    if fmt == "json":
        emit([h.to_json() for h in hits], fmt, str)
        return
    header = ["rank", "entity", "label", "class", "matched"]
    rows = hits_table(hits)
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([header, *rows])
        return
    if not rows:
        click.echo(f"no entity matches {text!r}")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for r in [header, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False))
                   + "  " + r[-1])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True)
@click.option("--allow-update", is_flag=True, help="Accept SPARQL updates (needs "
              "--token-file).")
@click.option("--token-file", metavar="FILE", help="File holding the bearer token that "
              "updates must present.")
@click.option("--cors", metavar="ORIGIN", help="Allow this origin (or *) to call the "
              "endpoint from a browser.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0,
              show_default=True, metavar="SECONDS", help="Per-query time limit.")
@click.option("--max-rows", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Largest result served.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Server processes for an on-disk store  [default: CPU count, at least 2]")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for this Host name (repeatable; the bound "
              "address and localhost always are).")
@max_memory_option
@click.option("--log", is_flag=True, help="Print one line per request on stderr.")
@pass_state
def serve(state: State, host: str, port: int, allow_update: bool, token_file: str | None,
          cors: str | None, timeout: float, max_rows: int, workers: int | None,
          allowed_hosts: tuple[str, ...], max_memory: int, log: bool) -> None:
    """Serve the SPARQL 1.1 Protocol at /sparql and the explorer at /."""
    from .server import ServerOptions
    from .server import serve as run

    if allow_update and not token_file:
        raise click.UsageError("--allow-update needs --token-file FILE")
    run(state.store(), ServerOptions(host=host, port=port, allow_update=allow_update,
                                     token_file=token_file, cors=cors, timeout=timeout,
                                     max_rows=max_rows, workers=workers, log=log,
                                     allowed_hosts=allowed_hosts, max_memory=max_memory))


def main() -> None:
    """The console script ``cartgraph``."""
    cli(prog_name="cartgraph")
