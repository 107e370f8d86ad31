"""The SPARQL editor at / of `cartgraph serve`, driven in headless Chromium.

Every request the page makes is intercepted: anything not addressed to the test
server is refused and recorded, so a look-up at prefix.cc, LOV or a CDN fails the
tests. Set CARTGRAPH_EDITOR_SCREENSHOT=FILE to keep the completion screenshot
(docs/editor-completion.png in the README was made so).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from cartgraph import Store
from cartgraph.server import ServerOptions, start

PREFIX_CG = "PREFIX cg: <https://w3id.org/cartgraph/vocab#>\n"
PREFIX_CGR = "PREFIX cgr: <https://w3id.org/cartgraph/id/>\n"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with start(Store.memory(), ServerOptions(port=0, timeout=20)) as server:
        yield server.url


@dataclass
class Editor:
    page: Any
    base: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def set_query(self, text: str) -> None:
        """Replace the editor's text and put the cursor at its end."""
        self.js("""(text) => { const y = window.cartgraphEditor.yasqe;
                   y.setValue(text); y.focus(); y.setCursor(y.lastLine(), 1e6); }""", text)

    def hints(self) -> list[str]:
        self.page.wait_for_selector(".CodeMirror-hint", timeout=10_000)
        return [h.inner_text() for h in self.page.query_selector_all(".CodeMirror-hint")]

    def run(self) -> None:
        """Click Run and wait for the answer (the page counts finished runs)."""
        done = int(self.page.get_attribute("#status", "data-runs") or 0)
        self.page.click("#run")
        self.page.wait_for_selector(f"#status[data-runs='{done + 1}']", state="attached",
                                    timeout=20_000)


@pytest.fixture
def editor(browser: Any, base_url: str) -> Iterator[Callable[[], Editor]]:
    contexts = []

    def open_editor() -> Editor:
        context = browser.new_context(viewport={"width": 1300, "height": 900},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        opened = Editor(page, base_url)

        def route(r: Any) -> None:
            if r.request.url.startswith(base_url):
                r.continue_()
            else:
                opened.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(base_url)
        page.wait_for_selector("html[data-ready=true]", state="attached", timeout=30_000)
        return opened

    yield open_editor
    for context in contexts:
        context.close()


def test_typing_a_class_prefix_offers_the_class_with_its_label(editor: Callable[[], Editor]
                                                               ) -> None:
    e = editor()
    e.set_query(PREFIX_CG + "SELECT * WHERE { ?d a ")
    e.page.keyboard.type("cg:Dis", delay=30)
    hints = e.hints()
    assert "cg:Disease  Disease" in hints
    assert all(h.startswith("cg:Dis") for h in hints)
    shot = os.environ.get("CARTGRAPH_EDITOR_SCREENSHOT")
    if shot:
        e.page.screenshot(path=shot, clip={"x": 0, "y": 0, "width": 1300, "height": 330})
    e.page.keyboard.press("Enter")
    assert e.js("() => window.cartgraphEditor.yasqe.getValue()").endswith("?d a cg:Disease")
    assert e.outside == [] and e.errors == []


def test_properties_prefixes_and_entities_complete_from_this_server(
        editor: Callable[[], Editor]) -> None:
    e = editor()
    e.set_query(PREFIX_CG + "SELECT * WHERE { ?case ")
    e.page.keyboard.type("cg:diagn", delay=30)
    assert any(h.startswith("cg:diagnosedWith") for h in e.hints())
    e.page.keyboard.press("Escape")
    e.set_query(PREFIX_CG + PREFIX_CGR + "SELECT * WHERE { ?case cg:diagnosedWith ")
    e.page.keyboard.type("cgr:lupus", delay=30)
    hints = e.hints()
    assert any(h.startswith("cgr:sle ") and "Systemic lupus erythematosus" in h for h in hints)
    e.page.keyboard.press("Escape")
    e.set_query("PREFIX ")
    e.page.keyboard.type("cgr", delay=30)
    e.page.keyboard.press("Control+Space")
    assert "cgr: <https://w3id.org/cartgraph/id/>" in e.hints()
    assert e.outside == [] and e.errors == []


def test_syntax_errors_are_marked_as_you_type(editor: Callable[[], Editor]) -> None:
    e = editor()
    e.set_query("SELECT * WHERE { ?s ?p }")
    e.page.keyboard.type(" ", delay=30)
    e.page.wait_for_selector(".CodeMirror-gutter-wrapper .parseErrorIcon", timeout=10_000)
    e.set_query("SELECT * WHERE { ?s ?p ?o }")
    e.page.keyboard.type(" ", delay=30)
    e.page.wait_for_selector(".parseErrorIcon", state="detached", timeout=10_000)


def test_a_select_shows_a_table_a_graph_and_downloads(editor: Callable[[], Editor]) -> None:
    e = editor()
    e.set_query(PREFIX_CG + PREFIX_CGR + "SELECT ?case ?caseLabel ?disease WHERE {\n"
                "  VALUES ?case { cgr:case-erlangen-sle-1 }\n"
                "  ?case cg:diagnosedWith ?disease ; rdfs:label ?caseLabel }")
    e.run()
    assert "1 result" in e.page.inner_text("#status")
    table = e.page.inner_text(".yasr_results")
    assert "cgr:case-erlangen-sle-1" in table and "cgr:sle" in table
    e.page.click(".yasr_btn.select_graph")
    e.page.wait_for_selector("svg.cg-graph .cg-node", timeout=10_000)
    labels = [t.text_content() for t in e.page.query_selector_all("svg.cg-graph .cg-node text")]
    assert sorted(labels) == ["Erlangen SLE case 1", "cgr:sle"]
    with e.page.expect_download() as download:
        e.page.click(".yasr_btn.yasr_downloadIcon")
    assert download.value.suggested_filename.endswith(".svg")
    assert e.outside == [] and e.errors == []


def test_entailment_is_on_by_default_and_can_be_turned_off(editor: Callable[[], Editor]
                                                            ) -> None:
    e = editor()
    e.set_query(PREFIX_CG + "SELECT ?d WHERE { ?d a cg:Disease }")
    e.run()
    found = re.match(r"(\d+) results", e.page.inner_text("#status"))
    assert found and int(found[1]) > 0, "subclasses of cg:Disease count as diseases"
    assert "cgr:sle" in e.page.inner_text(".yasr_results"), "an autoimmune disease is a disease"
    e.page.uncheck("#entailment")
    e.run()
    plain = re.match(r"(\d+) results?", e.page.inner_text("#status"))
    assert plain and int(plain[1]) < int(found[1]), "only the entities typed cg:Disease itself"
    assert "cgr:sle" not in e.page.inner_text(".yasr_results")


def test_a_construct_is_drawn_as_a_graph(editor: Callable[[], Editor]) -> None:
    e = editor()
    e.set_query(PREFIX_CG + "CONSTRUCT { ?p cg:targets ?t } WHERE { ?p cg:targets ?t }")
    e.run()
    e.page.click(".yasr_btn.select_graph")
    e.page.wait_for_selector("svg.cg-graph .cg-edge", timeout=10_000)
    assert e.page.query_selector_all("svg.cg-graph .cg-edge")
    assert "cgr:cd19" in (e.page.text_content("svg.cg-graph") or "")


def test_named_queries_run_with_their_parameters(editor: Callable[[], Editor]) -> None:
    e = editor()
    e.page.select_option("#named", "cd19-diseases")
    assert e.page.input_value("#param-target") == "cgr:cd19"
    e.run()
    assert "results" in e.page.inner_text("#status")
    assert "Systemic lupus erythematosus" in e.page.inner_text(".yasr_results")
    e.page.fill("#param-target", "cgr:no-such-target")
    e.run()
    assert "0 results" in e.page.inner_text("#status")


def test_data_is_shown_as_text_never_run(editor: Callable[[], Editor]) -> None:
    e = editor()
    e.set_query('SELECT ?x ?y WHERE { VALUES (?x ?y) { ("<img src=x id=pwned>" '
                "<https://example.org/a'onmouseover='x>) } }")
    e.run()
    assert "<img src=x id=pwned>" in e.page.inner_text(".yasr_results")
    assert e.page.query_selector("#pwned") is None
    assert e.page.query_selector("[onmouseover]") is None
