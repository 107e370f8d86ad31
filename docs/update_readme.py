"""Regenerate the README's generated sections: the ontology tables and the transcript.

Run: .venv/bin/python docs/update_readme.py
The transcript is a real session on a fresh temporary store; the ontology tables
come from ontology/cartgraph.ttl. tests/test_readme.py checks the tables are current.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SESSION = [
    "cartgraph stats",
    "cartgraph query --name approved-products",
    "cartgraph query --name conflicting-claims --format csv",
    "cartgraph path cgr:case-erlangen-sle-1 cgr:nejm",
    "cartgraph query 'SELECT ?d ?name WHERE { ?d a cg:Disease ; rdfs:label ?name }'",
    "cartgraph search lupus --limit 3",
    "cartgraph path sle kymriah",
    "cartgraph neighbors kymriah",
    "cartgraph import new-site.ttl",
    "cartgraph import new-site.ttl",
    "cartgraph validate broken.ttl",
    "cartgraph view -o cartgraph.html",
]
NEW_SITE = """\
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
@prefix cgr: <https://w3id.org/cartgraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/site/charite> a cg:Hospital ; rdfs:label "Charité Berlin" ;
    cg:locatedIn cgr:germany .
"""
BROKEN = """\
@prefix cg: <https://w3id.org/cartgraph/vocab#> .
<https://example.org/h> a cg:Hospital ;
    cg:openingDate "2021-13-45"^^<http://www.w3.org/2001/XMLSchema#date> .
"""


def replace(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
    return pattern.sub(lambda m: m[1] + body + m[2], text)


def ontology_section() -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from cartgraph.datadict import markdown, read_terms

    return markdown(read_terms())


def transcript() -> str:
    binary = Path(sys.executable).parent / "cartgraph"
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "new-site.ttl").write_text(NEW_SITE)
        Path(tmp, "broken.ttl").write_text(BROKEN)
        env = {**os.environ, "CARTGRAPH_STORE": str(Path(tmp, "store")), "COLUMNS": "100"}
        for command in SESSION:
            args = shlex.split(command)
            proc = subprocess.run([str(binary), *args[1:]], cwd=tmp, env=env,
                                  capture_output=True, text=True)
            out = (proc.stderr + proc.stdout).replace(tmp, "/home/lab")
            out_lines = out.rstrip("\n").splitlines()
            if len(out_lines) > 24:
                out_lines = [*out_lines[:22], "...", out_lines[-1]]
            lines.append(f"$ {command}")
            lines.extend(out_lines)
    return "```console\n" + "\n".join(lines) + "\n```\n"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    text = replace(text, "ontology", ontology_section())
    if "--tables-only" not in sys.argv:
        text = replace(text, "transcript", transcript())
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
