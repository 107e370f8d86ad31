"""The README's promises: its generated tables are current and its examples run."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from cartgraph.datadict import markdown, read_terms

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ontology_tables_are_generated_from_the_ontology() -> None:
    section = re.search(r"<!-- ontology:start -->\n(.*?)<!-- ontology:end -->", README, re.S)
    assert section, "README lacks the generated ontology section"
    assert section[1] == markdown(read_terms()), "run: .venv/bin/python docs/update_readme.py"


def test_every_class_of_the_ontology_is_in_the_table() -> None:
    classes = [t for t in read_terms() if t.kind == "class"]
    assert len(classes) >= 20
    for term in classes:
        assert f"`cg:{term.iri.rsplit('#', 1)[1]}`" in README


def test_python_snippet_prints_what_the_readme_says() -> None:
    block = re.search(r"```python\n(.*?)```", README, re.S)
    assert block
    code = block[1]
    expected = re.search(r"print\(rows\[0\]\)\s+# (.*)", code)
    assert expected
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().strip() == expected[1].strip()


def test_the_two_commands_and_ci() -> None:
    assert "make demo" in README and "make test" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.strip().splitlines()[-1] == "exec make test"
