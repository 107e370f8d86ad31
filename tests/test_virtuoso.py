"""The command set against real SPARQL servers, compared with a local store.

One OpenLink Virtuoso (Debian's virtuoso-opensource 7.2, with the row cap it
ships: 10,000) and one ``oxigraph serve`` per test session; each test starts
from an empty server. Virtuoso missing is a failure, not a skip, unless
``CARTGRAPH_SKIP_VIRTUOSO=1`` (see tests/helpers_virtuoso.py).
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
import rdflib.collection
from click.testing import CliRunner, Result
from rdflib.compare import isomorphic

from cartgraph.bundled import bundled_files
from cartgraph.cli import cli
from cartgraph.errors import RemoteError
from cartgraph.ingest import ImportOptions, import_files
from cartgraph.query import named_queries
from cartgraph.remote import Limits, RemoteStore, RemoteWriter
from helpers_server import oxigraph_serve
from helpers_virtuoso import PASSWORD, ROW_CAP, USER, Virtuoso, virtuoso_serve

pytestmark = pytest.mark.server

Run = Callable[..., Result]
ENGINES = ["virtuoso", "oxigraph"]


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    with virtuoso_serve(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server


@pytest.fixture(scope="session")
def oxigraph_url() -> Iterator[str]:
    with oxigraph_serve() as url:
        yield url


def _empty(url: str) -> None:
    store = RemoteStore(url, token="", user="")
    for graph in store.graphs():
        store.update(f"DROP SILENT GRAPH <{graph}>")


@pytest.fixture
def endpoint(request: pytest.FixtureRequest) -> str:
    """The query URL of an emptied server: ``request.param`` names the engine."""
    engine = getattr(request, "param", "virtuoso")
    url = (request.getfixturevalue("virtuoso").url if engine == "virtuoso"
           else request.getfixturevalue("oxigraph_url"))
    _empty(url)
    return str(url)


def runner_for(store: str) -> Run:
    runner = CliRunner()

    def call(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(cli, ["--store", store, *args],
                             env={"CARTGRAPH_TOKEN": "", "CARTGRAPH_USER": "", **(env or {})})

    return call


@pytest.fixture(scope="session")
def local_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A local store seeded with the bundled graph (read only in these tests)."""
    path = tmp_path_factory.mktemp("local") / "store"
    assert runner_for(str(path))("sources").exit_code == 0
    return str(path)


def seed(url: str) -> None:
    """The bundled graph on a server, as a local store is seeded (same source IRIs)."""
    files = bundled_files()
    report = import_files(RemoteStore(url, token="", user=""), [str(f.path) for f in files],
                          ImportOptions(sources=[f.source for f in files], shacl=False))
    assert {r.status for r in report.results} == {"added"}


def rows(result: Result) -> list[tuple[str, ...]]:
    """SPARQL JSON results as sorted rows; blank nodes all read ``_:``.

    GROUP_CONCAT's order is not defined by SPARQL: ``a, b`` and ``b, a`` are one value.
    """
    data = json.loads(result.stdout)
    names = data["head"]["vars"]
    out = []
    for binding in data["results"]["bindings"]:
        row = []
        for name in names:
            term = binding.get(name)
            value = "" if term is None else term["value"]
            for separator in (", ", " "):
                parts = value.split(separator)
                if len(parts) > 1 and (separator == ", " or all(
                        p.startswith("http") for p in parts)):
                    value = separator.join(sorted(parts))
                    break
            row.append("" if term is None else "_:" if term["type"] == "bnode" else
                       f"{value}|{term.get('datatype', '')}|{term.get('xml:lang', '')}")
        out.append(tuple(row))
    return sorted(out)


def quads_by_graph(nquads: str) -> dict[str, rdflib.Graph]:
    dataset = rdflib.Dataset()
    dataset.parse(data=nquads, format="nquads")
    return {str(g.identifier): rdflib.Graph().__iadd__(g) for g in dataset.graphs()
            if len(g)}


def unreliable(name: str, engine: str) -> bool:
    header = re.search(r"^# unreliable-on:(.*)$", named_queries()[name].text, re.M)
    return header is not None and engine in header[1].split()


# -- the whole command set, compared with a local store -------------------------------


@pytest.mark.parametrize("endpoint", ENGINES, indirect=True)
def test_the_command_set_matches_a_local_store(endpoint: str, local_dir: str,
                                               tmp_path: Path) -> None:
    seed(endpoint)
    remote, local = runner_for(endpoint), runner_for(local_dir)
    for args in (["stats", "--format", "json"], ["stats", "--format", "json", "--centrality"],
                 ["path", "cgr:case-erlangen-sle-1", "cgr:nejm"],
                 ["neighbors", "cgr:case-erlangen-sle-1", "--depth", "1"],
                 ["query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"],
                 ["query", "ASK { ?s a cg:Hospital }"], ["queries"]):
        got, want = remote(*args), local(*args)
        assert got.exit_code == want.exit_code == 0, (args, got.output)
        assert got.stdout == want.stdout, args
    got, want = (json.loads(r("sources", "--format", "json").stdout) for r in (remote, local))
    keep = ("source", "location", "sha256", "statements", "graphs", "format")
    assert [{k: s[k] for k in keep} for s in got] == [{k: s[k] for k in keep} for s in want]
    got_q, want_q = (r("export", "-o", "-", "--format", "nquads") for r in (remote, local))
    assert got_q.exit_code == 0, got_q.output
    got_g, want_g = quads_by_graph(got_q.stdout), quads_by_graph(want_q.stdout)
    assert sorted(got_g) == sorted(want_g)  # no server graph leaks in
    for name in want_g:
        if name != "https://w3id.org/cartgraph/graph/provenance":  # times differ
            assert isomorphic(got_g[name], want_g[name]), name
    out = tmp_path / "view.html"
    assert remote("view", "-o", str(out)).exit_code == 0
    assert out.read_text().lower().startswith("<!doctype html")
    # the import is idempotent on the server as it is locally
    paths = [str(f.path) for f in bundled_files()]
    sources = [a for f in bundled_files() for a in ("--source-id", f.source)][:2]
    again = remote("import", paths[0], *sources, "--no-shacl")
    assert again.exit_code == 0 and again.stdout.startswith("unchanged "), again.output


@pytest.mark.parametrize("engine", ENGINES)
def test_every_named_query_matches_a_local_store(engine: str, request: pytest.FixtureRequest,
                                                 local_dir: str) -> None:
    url = request.getfixturevalue("virtuoso").url if engine == "virtuoso" else \
        request.getfixturevalue("oxigraph_url")
    _empty(url)
    seed(url)
    remote, local = runner_for(url), runner_for(local_dir)
    wrong = []
    for name, named in named_queries().items():
        fmt = "json" if named.kind in {"select", "ask"} else "ntriples"
        got, want = (r("query", "--name", name, "--format", fmt) for r in (remote, local))
        assert want.exit_code == 0, (name, want.output)
        assert got.exit_code in {0, 1} and got.stderr.count("\n") <= 1, (name, got.output)
        if named.kind == "select":
            same = got.exit_code == 0 and rows(got) == rows(want)
        elif named.kind == "ask":
            same = got.exit_code == 0 and json.loads(got.stdout) == json.loads(want.stdout)
        else:
            same = got.exit_code == 0 and isomorphic(
                rdflib.Graph().parse(data=got.stdout, format="nt"),
                rdflib.Graph().parse(data=want.stdout, format="nt"))
        if not same and not unreliable(name, engine):
            wrong.append(name)  # mark it `# unreliable-on: ENGINE`, or reformulate it
    assert wrong == [], f"wrong on {engine} and not marked unreliable there: {wrong}"


# -- never silently wrong ----------------------------------------------------------------


def test_row_caps_are_paged_for_export_and_refused_for_queries(endpoint: str,
                                                               tmp_path: Path) -> None:
    big = tmp_path / "big.nt"
    n = ROW_CAP + 2345
    big.write_text("".join(f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n"
                           for i in range(n)))
    run = runner_for(endpoint)
    result = run("import", str(big), "--no-shacl")
    assert result.exit_code == 0, result.output
    exported = run("export", "-o", "-", "--format", "ntriples", "--graph", big.as_uri())
    assert exported.exit_code == 0, exported.output
    assert isomorphic(rdflib.Graph().parse(data=exported.stdout, format="nt"),
                      rdflib.Graph().parse(big, format="nt"))
    result = run("query", "SELECT ?s ?o WHERE { ?s <https://example.org/p> ?o }")
    assert result.exit_code == 1
    assert "cut the answer at 10000 rows" in result.stderr and "ResultSetMaxRows" in \
        result.stderr and result.stderr.count("\n") == 1
    result = run("query", "CONSTRUCT WHERE { ?s <https://example.org/p> ?o }")
    assert result.exit_code == 1 and "cut the answer" in result.stderr
    result = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s <https://example.org/p> ?o }",
                 "--format", "csv")
    assert result.stdout.splitlines()[1] == str(n)
    stats = json.loads(run("stats", "--format", "json").stdout)
    assert stats["triples"] == n, stats


def test_blank_nodes_stay_one_node_across_batches(endpoint: str, tmp_path: Path) -> None:
    path = tmp_path / "list.ttl"
    items = [f"item {i}" for i in range(1200)]  # one list: 2,400 linked statements
    path.write_text("@prefix ex: <https://example.org/> .\nex:a ex:items ("
                    + " ".join(f'"{i}"' for i in items) + ") .\n"
                    + "".join(f'ex:x{i} ex:note [ ex:text "n{i}" ] .\n' for i in range(600)))
    run = runner_for(endpoint)
    assert run("import", str(path), "--no-shacl").exit_code == 0
    exported = run("export", "-o", "-", "--format", "ntriples", "--graph", path.as_uri())
    graph = rdflib.Graph().parse(data=exported.stdout, format="nt")
    ex = rdflib.Namespace("https://example.org/")
    head = graph.value(ex.a, ex["items"])
    assert [str(x) for x in rdflib.collection.Collection(graph, head)] == items
    for i in range(600):
        notes = list(graph.objects(ex[f"x{i}"], ex.note))
        assert len(notes) == 1 and [str(t) for t in graph.objects(notes[0], ex.text)] == [
            f"n{i}"]
    assert len(graph) == 2 * 1200 + 1 + 2 * 600


def test_the_batches_fit_virtuosos_limits() -> None:
    writer = RemoteWriter(RemoteStore("http://127.0.0.1:9/sparql"))
    g, p = ox.NamedNode("https://example.org/g"), ox.NamedNode("https://example.org/p")
    writer.remove_graph(g)
    writer.extend(ox.Quad(ox.NamedNode(f"https://example.org/s{i}"), p, ox.Literal("x" * 50), g)
                  for i in range(9000))
    writer.extend([ox.Quad(ox.BlankNode("b"), p, ox.Literal(str(i)), g) for i in range(700)])
    assert [kind for kind, _ in writer.requests()] == ["update"]  # unlimited: one request
    sent = writer.requests(Limits.VIRTUOSO)
    texts = [text for _, text in sent]
    assert all(len(t) <= Limits.VIRTUOSO.request_bytes for t in texts)
    operations = [op for t in texts for op in t.split(" ;\n")]
    assert operations[0] == f"DROP SILENT GRAPH {g}"
    assert sum(op.startswith("INSERT DATA") for op in operations) == 6
    blank = [op for op in operations if "_:" in op]
    assert len(blank) == 1 and blank[0].startswith("INSERT {")  # the node's 700 together


def test_virtuoso_system_graphs_never_leak(endpoint: str) -> None:
    run = runner_for(endpoint)
    assert run("stats", "--format", "json").exit_code == 0
    assert json.loads(run("stats", "--format", "json").stdout)["triples"] == 0
    count = run("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv")
    assert count.stdout.splitlines()[1] == "0"
    export = run("export", "-o", "-", "--format", "nquads")
    assert export.exit_code == 0 and export.stdout == ""
    # a query naming its own dataset reaches the server's graphs, as written
    own = run("query", "ASK FROM <http://www.openlinksw.com/schemas/virtrdf#> "
                       "{ ?s ?p ?o }", "--format", "json")
    assert json.loads(own.stdout)["boolean"] is True


def test_errors_from_virtuoso_are_one_line(endpoint: str) -> None:
    run = runner_for(endpoint)
    result = run("query", "SELECT ?s\nWHERE { ?s a cg:Hospital . FILTER( }")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "Parentheses are not balanced" in result.stderr and "PREFIX" not in result.stderr
    result = run("query", "SELECT ?s\nWHERE { ?s a cg:Hospital ; ; }")
    assert result.exit_code == 1, result.output  # the line of the user's text, not ours
    assert result.stderr.startswith("cartgraph: error: query:2: syntax error at ';'")


# -- authentication and redirects ---------------------------------------------------------


def test_digest_authentication_on_virtuosos_authenticated_endpoint(
        virtuoso: Virtuoso, tmp_path: Path, small_file: Path) -> None:
    _empty(virtuoso.url)
    run = runner_for(virtuoso.url)
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    args = ["--update-url", virtuoso.auth_url, "import", str(small_file), "--no-shacl"]
    refused = run(*args)
    assert refused.exit_code == 1 and "HTTP 401" in refused.stderr, refused.output
    assert "--user" in refused.stderr
    wrong = run("--user", USER, *args, env={"CARTGRAPH_PASSWORD": "wrong"})
    assert wrong.exit_code == 1 and "check the password of user 'dba'" in wrong.stderr
    done = run("--user", USER, "--password-file", str(password_file), *args)
    assert done.exit_code == 0, done.output
    env = {"CARTGRAPH_USER": USER, "CARTGRAPH_PASSWORD": PASSWORD}
    again = run(*args, env=env)
    assert again.exit_code == 0 and again.stdout.startswith("unchanged "), again.output


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.ttl"
    path.write_text("@prefix ex: <https://example.org/> .\n"
                    "ex:a ex:p [ ex:q \"blank\" ] ; ex:r \"x\" .\n")
    return path


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every POST with ``self.server.reply`` and records the headers seen."""

    def do_POST(self) -> None:
        server: Any = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server.seen.append(dict(self.headers))
        self.body = body
        status, headers, body = server.reply(self)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[Callable[..., Any]]:
    servers = []

    def start(reply: Callable[[Any], tuple[int, dict[str, str], bytes]]) -> Any:
        server: Any = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen, server.reply = [], reply
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        server.url = f"http://127.0.0.1:{server.server_address[1]}/sparql"
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


ANSWERS = {True: (200, {"Content-Type": "application/sparql-results+json"},
                   b'{"head": {}, "boolean": true}'),
           False: (200, {"Content-Type": "application/sparql-results+json"},
                   b'{"head": {"vars": ["g"]}, "results": {"bindings": []}}')}


def answer(handler: Any) -> tuple[int, dict[str, str], bytes]:
    """ASK is true; any other query (the provenance's graphs) has no rows."""
    return ANSWERS[b"ASK" in handler.body]


def test_a_redirect_is_not_followed_and_no_credential_leaves(
        listener: Callable[..., Any]) -> None:
    other = listener(answer)
    redirecting = listener(lambda _: (302, {"Location": other.url}, b""))
    for kwargs in ({"token": "s3cret"}, {"user": "u", "password": "p", "token": ""}):
        store = RemoteStore(redirecting.url, **kwargs)
        with pytest.raises(RemoteError, match=r"redirects .*302.* does not follow redirects"):
            store.query("ASK {}")
    assert other.seen == []  # nothing reached the other address
    assert redirecting.seen[0]["Authorization"] == "Bearer s3cret"


def test_basic_authentication(listener: Callable[..., Any]) -> None:
    import base64

    expected = "Basic " + base64.b64encode(b"alice:pa ss").decode()

    def reply(handler: Any) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("Authorization") == expected:
            return answer(handler)
        return 401, {"WWW-Authenticate": 'Basic realm="lab"'}, b"who are you"

    server = listener(reply)
    assert bool(RemoteStore(server.url, user="alice", password="pa ss", token="")
                .query("ASK {}")) is True
    with pytest.raises(RemoteError, match=r"HTTP 401.*check the password of user 'alice'"):
        RemoteStore(server.url, user="alice", password="nope", token="").query("ASK {}")


def test_credentials_go_only_over_https_or_to_loopback() -> None:
    for kwargs in ({"token": "t"}, {"user": "u", "password": "p", "token": ""}):
        store = RemoteStore("http://sparql.example.org/sparql", **kwargs)
        with pytest.raises(RemoteError, match=r"refusing to send .* over plain http"):
            store.query("ASK {}")  # refused before any connection is made
    result = CliRunner().invoke(cli, ["--store", "http://sparql.example.org/sparql",
                                      "--password-file", "/nonexistent", "stats"])
    assert result.exit_code == 1 and "/nonexistent" in result.stderr, result.output
    result = CliRunner().invoke(cli, ["--store", "http://sparql.example.org/sparql",
                                      "--password", "x", "stats"])
    assert result.exit_code == 2  # a password on the command line is not an option


@pytest.mark.parametrize("endpoint", ENGINES, indirect=True)
def test_replace_drop_and_bad_input(endpoint: str, small_file: Path, tmp_path: Path) -> None:
    run = runner_for(endpoint)
    assert run("import", str(small_file), "--no-shacl").exit_code == 0
    before = run("export", "-o", "-", "--format", "nquads").stdout
    broken = tmp_path / "broken.ttl"
    broken.write_text(small_file.read_text() + "<https://example.org/b> <https://example.org/p>")
    result = run("import", str(broken), "--no-shacl", "--source-id", small_file.as_uri())
    assert result.exit_code == 1 and f"{broken}:" in result.stderr
    assert run("export", "-o", "-", "--format", "nquads").stdout == before
    small_file.write_text(small_file.read_text().replace('"x"', '"y"'))
    result = run("import", str(small_file), "--no-shacl")
    assert result.exit_code == 0 and result.stdout.startswith("replaced "), result.output
    exported = run("export", "-o", "-", "--format", "ntriples", "--graph", small_file.as_uri())
    assert isomorphic(rdflib.Graph().parse(data=exported.stdout, format="nt"),
                      rdflib.Graph().parse(small_file, format="turtle"))
    result = run("drop", str(small_file))
    assert result.exit_code == 0, result.output
    assert run("export", "-o", "-", "--format", "nquads").stdout == ""
    assert json.loads(run("sources", "--format", "json").stdout) == []
