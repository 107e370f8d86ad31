"""`cartgraph serve`: the SPARQL 1.1 Protocol with real clients, limits and the pages."""

from __future__ import annotations

import csv
import io
import json
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from cartgraph import Store
from cartgraph.namespaces import PREFIXES
from cartgraph.query import named_queries, write_result
from cartgraph.server import ServerOptions, negotiate, start
from helpers_server import cartgraph_serve, request

pytestmark = pytest.mark.server

TOKEN = "s3cret-token-for-tests"
HOSPITALS = "SELECT ?s ?label WHERE { ?s a cg:Hospital ; rdfs:label ?label } ORDER BY ?s ?label"
HOSPITAL_GRAPH = "CONSTRUCT { ?s a cg:Hospital ; rdfs:label ?label } WHERE { ?s a cg:Hospital ; " \
                 "rdfs:label ?label }"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("served") / "store"
    Store.open(path).close()
    return path


@pytest.fixture(scope="module")
def server(store_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    token_file = tmp_path_factory.mktemp("token") / "token"
    token_file.write_text(TOKEN + "\n")
    with cartgraph_serve(store_dir, "--allow-update", "--token-file", str(token_file),
                         "--timeout", "1", "--max-rows", "2000") as (url, proc):
        yield url
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0


@pytest.fixture(scope="module")
def local(store_dir: Path) -> Store:
    return Store.open(store_dir, seed=False)


@pytest.fixture(scope="module")
def memory_server() -> Iterator[str]:
    """An in-process, read-only server on a seeded in-memory store, CORS on."""
    with start(Store.memory(), ServerOptions(port=0, cors="https://example.org",
                                             timeout=5)) as srv:
        yield srv.url


def get(base: str, query: str, accept: str | None = None, **params: str
        ) -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept": accept} if accept else {}
    return request(f"{base}sparql?{urlencode({'query': query, **params})}", headers=headers)


def expected(local: Store, query: str, fmt: str) -> bytes:
    out = io.BytesIO()
    write_result(local.query(query), fmt, out)
    return out.getvalue()


# -- the protocol ----------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt", "media"), [
    (None, "json", "application/sparql-results+json"),
    ("application/sparql-results+json", "json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "xml", "application/sparql-results+xml"),
    ("text/csv", "csv", "text/csv"),
    ("text/tab-separated-values", "tsv", "text/tab-separated-values"),
    ("text/html, application/xhtml+xml, */*;q=0.8", "json", "application/sparql-results+json"),
])
def test_select_in_each_result_format(server: str, local: Store, accept: str | None, fmt: str,
                                      media: str) -> None:
    status, headers, body = get(server, HOSPITALS, accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == media
    assert body == expected(local, HOSPITALS, fmt)


@pytest.mark.parametrize(("accept", "fmt"), [
    (None, "turtle"), ("text/turtle", "turtle"), ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ("application/n-quads", "nquads"),
])
def test_construct_in_each_graph_format(server: str, local: Store, accept: str | None,
                                        fmt: str) -> None:
    status, headers, body = get(server, HOSPITAL_GRAPH, accept)
    assert status == 200
    assert headers["content-type"].split(";")[0] == (accept or "text/turtle")
    got = rdflib.Dataset() if fmt == "nquads" else rdflib.Graph()
    got.parse(data=body, format=fmt)
    want = rdflib.Graph().parse(data=expected(local, HOSPITAL_GRAPH, "ntriples"), format="nt")
    graph = rdflib.Graph()
    for triple in (got.triples((None, None, None))):
        graph.add(triple)
    assert len(want) > 0
    assert isomorphic(graph, want)


def test_ask_and_post_forms(server: str) -> None:
    ask = "ASK { cgr:uker a cg:Hospital }"
    status, _, body = request(f"{server}sparql", data=urlencode({"query": ask}).encode(),
                              headers=FORM)
    assert (status, json.loads(body)["boolean"]) == (200, True)
    status, _, body = request(f"{server}sparql", data=ask.encode(), headers={
        "Content-Type": "application/sparql-query; charset=utf-8",
        "Accept": "application/sparql-results+xml"})
    assert status == 200 and b"<boolean>true</boolean>" in body
    status, _, body = get(server, ask, "text/csv")
    assert status == 406 and b"ASK" in body


def test_a_result_larger_than_max_rows_is_refused(server: str) -> None:
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 400
    assert b"more than 2000 rows" in body and b"LIMIT" in body
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 2000")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 2000


@pytest.mark.parametrize(("method", "path", "data", "headers", "status", "message"), [
    ("GET", "sparql?query=SELECT%20%3Fs%20WHERE%20%7B", None, {}, 400, b"query:1:"),
    ("GET", "sparql?query=" + quote("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }"),
     None, {}, 400, b"SERVICE is refused"),
    ("GET", "sparql?query=" + quote("INSERT DATA { cgr:a cgr:b cgr:c }"), None, {}, 400,
     b"updates are refused"),
    ("GET", "sparql?query=ASK%7B%7D", None, {"Accept": "image/png"}, 406, b"available"),
    ("GET", "sparql?query=ASK%7B%7D&default-graph-uri=http%3A%2F%2Fx", None, {}, 400,
     b"default-graph-uri"),
    ("GET", "sparql?update=CLEAR%20ALL", None, {}, 400, b"POST"),
    ("PUT", "sparql", b"x", {}, 405, b"PUT"),
    ("DELETE", "sparql", None, {}, 405, b"DELETE"),
    ("GET", "nowhere", None, {}, 404, b"/sparql"),
    ("POST", "sparql", b"x", {"Content-Type": "text/plain"}, 415, b"Content-Type"),
    ("POST", "sparql", b"x" * (1 << 20 | 1), {"Content-Type": "application/sparql-query"}, 413,
     b"limit"),
    ("POST", "sparql", b"foo=bar", FORM, 400, b"neither"),
])
def test_status_codes(server: str, method: str, path: str, data: bytes | None,
                      headers: dict[str, str], status: int, message: bytes) -> None:
    got, response_headers, body = request(server + path, data=data, headers=headers,
                                          method=method)
    assert got == status, body
    assert message in body
    if status == 405:
        assert "POST" in response_headers["allow"]


def _raw(base: str, data: bytes) -> bytes:
    """Send bytes as they are and read the whole answer (the server closes after it).

    A request without a Host header gets ``Host: 127.0.0.1`` (HTTP/1.1 needs one).
    """
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(base)
    line, sep, rest = data.partition(b"\r\n")
    if sep and b"HTTP/1.1" in line and not rest.lower().startswith(b"host:") and \
            b"\r\nhost:" not in rest.lower().split(b"\r\n\r\n")[0]:
        data = line + b"\r\nHost: 127.0.0.1\r\n" + rest
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(("data", "status", "message"), [
    (b"GARBAGE\r\n\r\n", 400, b"bad request line"),
    (b"GET /sparql HTTP/2.0\r\n\r\n", 505, b"HTTP/2.0"),
    (b"GET /sparql HTTP/1.1\r\nno colon here\r\n\r\n", 400, b"bad header line"),
    (b"GET /sparql HTTP/1.1\r\nHost : x\r\n\r\n", 400, b"bad header line"),
    (b"GET /sparql HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431, b"too many"),
    (b"GET /sparql HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n", 431, b"too long"),
    (b"GET /sparql HTTP/1.1\r\n\r\r\n\r\n", 400, b"bad header line"),
    (b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
     b"Content-Length: +0_3\r\n\r\nASK", 400, b"bad Content-Length"),
    (b"POST /sparql HTTP/1.1\r\nContent-Type: application/sparql-query\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n3\r\nASK\r\n0\r\n\r\n", 411, b"Content-Length"),
])
def test_malformed_requests_get_a_clear_status(server: str, data: bytes, status: int,
                                               message: bytes) -> None:
    answer = _raw(server, data)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert b"Connection: close" in answer and message in answer


@pytest.mark.parametrize("first", [
    b"POST /nowhere HTTP/1.1\r\nContent-Length: {n}\r\n\r\n",
    b"PUT /sparql HTTP/1.1\r\nContent-Length: {n}\r\n\r\n",
    b"GET /queries.json HTTP/1.1\r\nContent-Length: {n}\r\n\r\n",
])
def test_a_body_that_is_not_read_is_never_taken_for_a_request(server: str,
                                                              first: bytes) -> None:
    smuggled = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = _raw(server, first.replace(b"{n}", str(len(smuggled)).encode()) + smuggled)
    assert answer.count(b"HTTP/1.1 ") == 1 and b"Connection: close" in answer
    assert b'"boolean"' not in answer


def test_connection_close_among_other_options_and_a_strange_host(server: str) -> None:
    answer = _raw(server, b"GET /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          b"Connection: keep-alive, close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer
    assert b"sparql-service-description" in answer  # with the real address as endpoint
    answer = _raw(server, b"GET /sparql HTTP/1.1\r\nHost: <bad host>\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ") and b"sparql-service" not in answer


def test_keep_alive_folded_headers_and_expect_continue(server: str) -> None:
    query = quote("ASK { cgr:uker a cg:Hospital }")
    body = b"query=" + query.encode()
    answer = _raw(server, (
        f"GET /sparql?query={query} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv,\r\n"
        " application/sparql-results+json\r\n\r\n"  # folded: the JSON offer counts
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}"
        "\r\n\r\n").encode() + body)
    first, rest = answer.split(b"HTTP/1.1 100", 1)
    assert first.startswith(b"HTTP/1.1 200 ") and b'"boolean":true' in first
    assert b"HTTP/1.1 200 " in rest and rest.rstrip().endswith(b'"boolean":true}')


def test_syntax_error_names_line_and_column(server: str) -> None:
    status, _, body = get(server, "SELECT ?s\nWHERE { ?s a cg:Hospital")
    assert status == 400
    assert body.decode().startswith("query:2:")


def test_service_description(server: str) -> None:
    status, headers, body = request(f"{server}sparql")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    endpoint = rdflib.URIRef(f"{server}sparql")
    assert (endpoint, rdflib.RDF.type, sd.Service) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (endpoint, sd.supportedLanguage, sd.SPARQL11Update) in graph
    assert (endpoint, sd.feature, sd.UnionDefaultGraph) in graph


# -- updates -------------------------------------------------------------------------


def test_updates_need_the_token(server: str) -> None:
    update = "INSERT DATA { GRAPH <https://example.org/g> { cgr:x rdfs:label \"added\" } }"
    check = "ASK { GRAPH <https://example.org/g> { cgr:x rdfs:label \"added\" } }"
    body = urlencode({"update": update}).encode()
    status, headers, _ = request(f"{server}sparql", data=body, headers=FORM)
    assert status == 401 and headers["www-authenticate"].startswith("Bearer")
    status, _, _ = request(f"{server}sparql", data=body,
                           headers={**FORM, "Authorization": "Bearer wrong"})
    assert status == 403
    assert json.loads(get(server, check)[2])["boolean"] is False
    status, _, answer = request(f"{server}sparql", data=update.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 204, answer
    assert json.loads(get(server, check)[2])["boolean"] is True
    load = urlencode({"update": "LOAD <http://example.org/x.ttl>"}).encode()
    status, _, answer = request(f"{server}sparql", data=load,
                                headers={**FORM, "Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and b"LOAD is refused" in answer
    bad = urlencode({"update": "INSERT DATA { cgr:x"}).encode()
    status, _, answer = request(f"{server}sparql", data=bad,
                                headers={**FORM, "Authorization": f"Bearer {TOKEN}"})
    assert status == 400 and answer.startswith(b"update:1:")


def test_a_read_only_server_refuses_updates(memory_server: str) -> None:
    body = urlencode({"update": "CLEAR ALL"}).encode()
    status, _, answer = request(f"{memory_server}sparql", data=body,
                                headers={**FORM, "Authorization": f"Bearer {TOKEN}"})
    assert status == 403 and b"read-only" in answer
    assert json.loads(get(memory_server, "ASK { ?s ?p ?o }")[2])["boolean"] is True


# -- real clients ----------------------------------------------------------------------


def test_sparqlwrapper(server: str, local: Store) -> None:
    from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

    prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
    client = SPARQLWrapper(f"{server}sparql")
    client.setQuery(prologue + HOSPITALS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    want = local.select(HOSPITALS)
    assert [(r["s"]["value"], r["label"]["value"]) for r in rows] == \
        [(r["s"], r["label"]) for r in want]
    client.setReturnFormat(XML)
    doc = client.query().convert()
    assert len(doc.getElementsByTagName("result")) == len(want)
    client.setReturnFormat(CSV)
    table = list(csv.reader(io.StringIO(client.query().convert().decode())))
    assert table[0] == ["s", "label"] and len(table) == len(want) + 1
    client.setQuery(prologue + HOSPITAL_GRAPH)
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == len(local.select(
        "SELECT DISTINCT ?s ?p ?o WHERE { ?s a cg:Hospital ; rdfs:label ?l . "
        "{ ?s ?p ?o FILTER(?p = rdfs:label) } UNION { BIND(rdf:type AS ?p) "
        "BIND(cg:Hospital AS ?o) } }"))


def test_rdflib_sparqlstore(server: str, local: Store) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(f"{server}sparql", returnFormat="json")
    graph = rdflib.Graph(store)
    rows = list(graph.query(HOSPITALS, initNs=PREFIXES))
    assert [(str(r[0]), str(r[1])) for r in rows] == \
        [(r["s"], r["label"]) for r in local.select(HOSPITALS)]
    assert bool(graph.query("ASK { cgr:uker a cg:Hospital }", initNs=PREFIXES).askAnswer)
    store.close()


def test_eight_clients_two_hundred_queries_each(server: str) -> None:
    import http.client
    from urllib.parse import urlsplit

    host, port = urlsplit(server).hostname, urlsplit(server).port
    statuses: list[int] = []
    body = urlencode({"query": "SELECT ?label WHERE { cgr:uker rdfs:label ?label }"}).encode()

    def client() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=30)
        for _ in range(200):
            conn.request("POST", "/sparql", body, FORM)
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 1600 and set(statuses) == {200}


def test_a_slow_query_times_out_and_the_server_keeps_answering(server: str) -> None:
    started = time.monotonic()
    status, _, body = get(server, SLOW)
    assert status == 503 and b"timed out after 1 s" in body
    assert time.monotonic() - started < 5
    for _ in range(10):
        status, _, body = get(server, "ASK { cgr:uker a cg:Hospital }")
        assert status == 200 and json.loads(body)["boolean"] is True
    answers: list[int] = []
    slow = threading.Thread(target=lambda: answers.append(get(server, SLOW)[0]))
    slow.start()
    time.sleep(0.2)
    fast_started = time.monotonic()
    assert get(server, "ASK { ?s ?p ?o }")[0] == 200  # while the slow one runs
    assert time.monotonic() - fast_started < 1
    slow.join()
    assert answers == [503]


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def test_a_worker_that_timed_out_is_replaced(store_dir: Path) -> None:
    with cartgraph_serve(store_dir, "--timeout", "1", "--workers", "2") as (url, proc):
        before = _children(proc.pid)
        assert len(before) == 2
        assert get(url, SLOW)[0] == 503
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            now = _children(proc.pid)
            if len(now) == 2 and len(now & before) == 1:
                break
            time.sleep(0.1)
        assert len(now) == 2 and len(now & before) == 1  # one stopped, one new
        for _ in range(20):  # both answer (new connections spread over the pool)
            assert get(url, "ASK { ?s ?p ?o }")[0] == 200


# -- pages -----------------------------------------------------------------------------


def test_query_page(server: str) -> None:
    status, headers, body = request(server)
    assert status == 200 and headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert b'id="yasqe"' in body and b'href="/explorer"' in body
    assert b"http" not in body.replace(b'http-equiv', b"")  # nothing from elsewhere
    status, headers, script = request(f"{server}web/editor.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript")
    assert b"innerHTML" not in script and b"textContent" in script
    status, _, body = request(f"{server}queries.json")
    config = json.loads(body)
    assert config["prefixes"] == PREFIXES
    assert [q["name"] for q in config["queries"]] == list(named_queries())
    assert all(q["text"] for q in config["queries"])


def test_named_query_with_parameters(server: str, local: Store) -> None:
    name = next(n for n, q in named_queries().items() if q.params and q.kind == "select")
    status, _, body = request(f"{server}named/{name}?format=csv")
    assert status == 200
    assert body.decode().splitlines()[0].split(",") == [
        v.value for v in local.query(named_queries()[name].text).variables]
    status, _, body = request(f"{server}named/no-such-query")
    assert status == 400 and b"no named query" in body
    status, _, body = request(f"{server}named/{name}?nosuchparam=1")
    assert status == 400 and b"no parameter nosuchparam" in body


def test_explorer(server: str) -> None:
    status, headers, body = request(f"{server}explorer", timeout=120)
    try:
        import cartgraph.viz  # noqa: F401
    except ImportError:
        assert status == 503 and b"cartgraph.viz" in body
        return
    assert status == 200, body[:300]
    assert headers["content-type"].startswith("text/html")
    assert "content-security-policy" in headers
    assert b"<html" in body.lower()


def test_head_and_options(server: str, memory_server: str) -> None:
    status, headers, body = request(server, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0
    status, headers, _ = request(f"{server}sparql", method="OPTIONS")
    assert status == 204 and "access-control-allow-origin" not in headers
    status, headers, _ = request(f"{memory_server}sparql", method="OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["access-control-allow-origin"] == "https://example.org"
    assert "POST" in headers["access-control-allow-methods"]
    assert "Authorization" in headers["access-control-allow-headers"]
    _, headers, _ = get(memory_server, "ASK {}")
    assert headers["access-control-allow-origin"] == "https://example.org"
    _, headers, _ = get(server, "ASK {}")
    assert "access-control-allow-origin" not in headers


@pytest.mark.parametrize(("accept", "kind", "fmt"), [
    ("text/csv;q=0.5, application/sparql-results+xml", "select", "xml"),
    ("text/*", "select", "csv"),
    ("application/*;q=0.2, text/turtle", "construct", "turtle"),
    ("application/n-triples, text/turtle;q=0", "construct", "ntriples"),
    ("*/*", "ask", "json"),
])
def test_negotiate(accept: str, kind: str, fmt: str) -> None:
    assert negotiate(kind, accept) == fmt


def test_an_in_memory_store_serves_queries(memory_server: str) -> None:
    status, _, body = get(memory_server, HOSPITALS, "text/tab-separated-values")
    assert status == 200 and body.startswith(b"?s\t?label\n")
    assert ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV).variables == [
        ox.Variable("s"), ox.Variable("label")]


def test_a_port_in_use_is_a_one_line_error(store_dir: Path) -> None:
    import socket

    from click.testing import CliRunner

    from cartgraph.cli import cli

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["--store", str(store_dir), "serve", "--port",
                                          str(port)])
    assert result.exit_code == 1
    assert result.stderr == (f"cartgraph: error: cannot listen on 127.0.0.1:{port}: "
                             "Address already in use\n")


def test_log_prints_one_line_per_request(capfd: pytest.CaptureFixture[str]) -> None:
    with start(Store.memory(), ServerOptions(port=0, log=True)) as srv:
        assert get(srv.url, "ASK { ?s ?p ?o }")[0] == 200
        assert request(f"{srv.url}nowhere")[0] == 404
    # each line is written once its answer is sent: the two may come in either order
    lines = sorted(capfd.readouterr().err.splitlines(), key=lambda line: "/nowhere" in line)
    assert len(lines) == 2
    assert '"GET /sparql?query=' in lines[0]
    assert " 200 " in lines[0] and '"GET /nowhere HTTP/1.1" 404 ' in lines[1]


def test_a_timed_out_job_holds_its_worker_only_while_it_still_runs() -> None:
    # A draining worker exits once only stuck jobs are left; a timed-out job that
    # finishes after all must stop counting as stuck (or other requests get cut).
    from cartgraph.errors import QueryError
    from cartgraph.server.jobs import Job, Runner

    class Slow:
        def refresh(self) -> bool:
            return False

        def query(self, text: str, **_: object) -> None:
            time.sleep(0.8)
            raise QueryError("finished late")

    stopped: list[int] = []
    answers: list[object] = []
    runner = Runner(Slow(), timeout=0.2, max_rows=10, refresh=True,
                    on_timeout=lambda: stopped.append(runner.stuck))
    job = threading.Thread(target=lambda: answers.append(
        runner.run(Job("select", "ASK {}", "json"), answers.append)))
    job.start()
    time.sleep(0.5)
    assert runner.stuck == 1 and stopped == [1]  # the 503 written before the drain
    assert str(answers[0]).startswith("query timed out after 0.2 s")
    job.join()
    assert runner.stuck == 0 and answers[1] is None
    runner.close()
