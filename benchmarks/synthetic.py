"""A seeded synthetic CAR-T knowledge graph for benchmarks.

The graph uses cartgraph's vocabulary (``cg:``) and resource namespace (``cgr:``):
countries and cities, hospitals, universities and research centres, manufacturers,
people, journals, diseases with symptoms, target antigens, CAR-T and other
therapies, CAR-T products, clinical trials, publications that cite earlier
publications (``cg:cites``), and patient cases, which fill the graph up to the
requested size. Every entity has a type and an ``rdfs:label``; literals are typed
(xsd:integer, xsd:decimal, xsd:date, xsd:gYear, xsd:gYearMonth, xsd:boolean) or
language-tagged, and some labels carry characters that need escaping.

Output is deterministic: the same ``n_triples`` and ``seed`` give the same bytes,
and exactly ``n_triples`` distinct triples are written. Entities are written in
dependency order (a triple only points at entities written before it), so any
prefix of the file is a self-contained graph.

API (stable; other benchmarks import it)::

    write_ntriples(path, n_triples, *, seed=0) -> int   # triples written
    write_turtle(path, n_triples, *, seed=0) -> int
    generate(n_triples, seed=0, *, directory=None, fmt="nt") -> Path   # cached file
    triples(n_triples, *, seed=0) -> Iterator[tuple[str, str, str]]   # N-Triples terms
    SIZES / counts(n_triples)                                        # entity counts

Run as a script: ``python benchmarks/synthetic.py OUT.nt --triples 1000000 [--seed 0]``.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["counts", "generate", "triples", "write_ntriples", "write_turtle"]

CG = "https://w3id.org/cartgraph/vocab#"
CGR = "https://w3id.org/cartgraph/id/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
COMMENT = "<http://www.w3.org/2000/01/rdf-schema#comment>"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS_TITLE = "<http://purl.org/dc/terms/title>"

# Per 1M triples; scaled linearly with n (at least the floor in _FLOORS).
# Patient cases are not listed: they fill the rest of the graph.
_PER_MILLION = {
    "country": 60,
    "city": 2_000,
    "university": 1_000,
    "hospital": 5_000,
    "centre": 1_500,
    "manufacturer": 300,
    "person": 20_000,
    "journal": 400,
    "disease": 400,
    "symptom": 1_200,
    "target": 120,
    "therapy": 600,
    "product": 300,
    "trial": 8_000,
    "publication": 30_000,
}
_FLOORS = {
    "country": 5,
    "city": 10,
    "university": 5,
    "hospital": 10,
    "centre": 3,
    "manufacturer": 3,
    "person": 10,
    "journal": 3,
    "disease": 5,
    "symptom": 10,
    "target": 5,
    "therapy": 5,
    "product": 3,
    "trial": 5,
    "publication": 20,
}
# Named targets so that queries can use a stable IRI (cgr:target-cd19, ...).
_TARGETS = ["cd19", "bcma", "cd20", "cd22", "cd7", "gprc5d", "cd70", "cd30"]
_SEXES = ["female", "male"]
_OUTCOMES = ["complete remission", "partial remission", "stable disease", "relapse",
             "drug-free remission", "ongoing"]
_WORDS = ["immune", "reset", "lupus", "nephritis", "B-cell", "depletion", "CAR-T", "CD19",
          "autologous", "remission", "cytokine", "release", "syndrome", "refractory",
          "systemic", "sclerosis", "myositis", "antibody", "durable", "response", "cohort",
          "phase", "trial", "safety", "efficacy", "long-term", "follow-up", "Erlangen",
          "T-cell", "lymphodepletion", "fludarabine", "cyclophosphamide", "plasma", "cells"]
_FIRST = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Georg", "Hanna", "Ines", "Jonas",
          "Karin", "Lukas", "Maria", "Niko", "Olga", "Paul", "Rosa", "Sven", "Tanja", "Ugo",
          "José", "Zoë", "Søren", "Łukasz"]
_LAST = ["Schett", "Müller", "Mackensen", "Kretschmann", "Taubmann", "Völkl", "Bozec", "Rossi",
         "García", "Nakamura", "Okafor", "Smith", "O'Brien", "Dupont", "Novák", "Kowalski"]


def counts(n_triples: int) -> dict[str, int]:
    """How many entities of each kind a graph of ``n_triples`` holds (cases excluded)."""
    scale = n_triples / 1_000_000
    return {k: max(_FLOORS[k], round(v * scale)) for k, v in _PER_MILLION.items()}


SIZES = counts(1_000_000)


def _ror(i: int) -> str:
    """A ROR-shaped identifier: 0, six characters of ROR's alphabet, two digits."""
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    chars = "".join(alphabet[(i >> (5 * k)) & 31] for k in range(6))
    return f"0{chars}{i % 100:02d}"


def _iri(kind: str, i: int | str) -> str:
    return f"<{CGR}{kind}-{i}>"


def _cg(local: str) -> str:
    return f"<{CG}{local}>"


def _lit(text: str, lang: str | None = None) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r"))
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def _entities(n_triples: int, rng: random.Random) -> Iterator[tuple[str, str, str]]:
    """Every triple of the graph, in dependency order, without end (cases repeat)."""
    c = counts(n_triples)
    t = RDF_TYPE
    words = _WORDS

    def title(k: int) -> str:
        return " ".join(rng.choice(words) for _ in range(k))

    for i in range(c["country"]):
        s = _iri("country", i)
        yield s, t, _cg("Country")
        yield s, LABEL, _lit(f"Country {i}", "en")
        yield s, _cg("wikidataId"), _lit(f"Q{1000 + i}")
    for i in range(c["city"]):
        s = _iri("city", i)
        yield s, t, _cg("City")
        yield s, LABEL, _lit(f"City {i}", "en")
        yield s, _cg("locatedIn"), _iri("country", i % c["country"])
    for i in range(c["university"]):
        s = _iri("university", i)
        yield s, t, _cg("University")
        yield s, LABEL, _lit(f"University of City {i % c['city']}", "en")
        yield s, _cg("locatedIn"), _iri("city", i % c["city"])
        yield s, _cg("foundingYear"), _typed(1400 + rng.randrange(600), "gYear")
    for i in range(c["hospital"]):
        s = _iri("hospital", i)
        city = rng.randrange(c["city"])
        yield s, t, _cg("Hospital")
        yield s, LABEL, _lit(f"Hospital {i} \"St. {rng.choice(_LAST)}\"", "en")
        yield s, _cg("locatedIn"), _iri("city", city)
        yield s, _cg("rorId"), _lit(_ror(i))
        if i % 3 == 0:
            yield s, _cg("universityHospitalOf"), _iri("university", i % c["university"])
    for i in range(c["centre"]):
        s = _iri("centre", i)
        yield s, t, _cg("ResearchCentre")
        yield s, LABEL, _lit(f"Research Centre {i}", "en")
        yield s, _cg("partOf"), _iri("hospital", rng.randrange(c["hospital"]))
        yield s, _cg("openingDate"), _typed(f"{1990 + rng.randrange(35)}-"
                                            f"{1 + rng.randrange(12):02d}-"
                                            f"{1 + rng.randrange(28):02d}", "date")
    for i in range(c["manufacturer"]):
        s = _iri("manufacturer", i)
        yield s, t, _cg("Manufacturer")
        yield s, LABEL, _lit(f"Manufacturer {i} Inc.", "en")
        yield s, _cg("locatedIn"), _iri("city", rng.randrange(c["city"]))
    for i in range(c["person"]):
        s = _iri("person", i)
        yield s, t, _cg("Person")
        yield s, LABEL, _lit(f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}")
        yield s, _cg("externalId"), _lit(f"0000-0002-{i // 10000:04d}-{i % 10000:04d}")
    for i in range(c["journal"]):
        s = _iri("journal", i)
        yield s, t, _cg("Journal")
        yield s, LABEL, _lit(f"Journal of {title(2)} {i}", "en")
        yield s, _cg("issn"), _lit(f"{1000 + i:04d}-{i % 10000:04d}")
        yield s, _cg("publisher"), _iri("manufacturer", i % c["manufacturer"])
    for i in range(c["symptom"]):
        s = _iri("symptom", i)
        yield s, t, _cg("Symptom")
        yield s, LABEL, _lit(f"symptom {i} ({rng.choice(words)})", "en")
    for i in range(c["disease"]):
        s = _iri("disease", i)
        yield s, t, _cg("AutoimmuneDisease" if i % 2 else "Disease")
        yield s, LABEL, _lit(f"{rng.choice(words)} disease {i}", "en")
        yield s, COMMENT, _lit(f"A synthetic disease.\nNumber {i}.", "en")
        yield s, _cg("mondoId"), _lit(f"MONDO:{i:07d}")
        yield s, _cg("prevalencePer100k"), _typed(f"{rng.randrange(1, 5000) / 10:.1f}", "decimal")
        for k in rng.sample(range(c["symptom"]), 3):
            yield s, _cg("hasSymptom"), _iri("symptom", k)
    for i in range(c["target"]):
        name = _TARGETS[i] if i < len(_TARGETS) else str(i)
        s = _iri("target", name)
        yield s, t, _cg("TargetAntigen")
        yield s, LABEL, _lit(name.upper() if i < len(_TARGETS) else f"antigen {i}")
        yield s, _cg("geneSymbol"), _lit(name.upper())
        yield s, _cg("hgncId"), _lit(f"HGNC:{1000 + i}")
    targets = [_iri("target", _TARGETS[i] if i < len(_TARGETS) else str(i))
               for i in range(c["target"])]
    for i in range(c["therapy"]):
        s = _iri("therapy", i)
        cart = i % 4 != 3
        yield s, t, _cg("CARTCellTherapy" if cart else "ImmunosuppressiveTherapy")
        yield s, LABEL, _lit(f"{'CAR-T' if cart else 'immunosuppressive'} therapy {i}", "en")
        if cart:
            # a fifth of the CAR-T therapies are CD19-directed
            yield s, _cg("targets"), targets[0] if i % 5 == 0 else rng.choice(targets[1:])
    for i in range(c["product"]):
        s = _iri("product", i)
        yield s, t, _cg("CARTProduct")
        yield s, LABEL, _lit(f"Product-{i}cel", "en")
        yield s, _cg("genericName"), _lit(f"synthecabtagene {i}")
        yield s, _cg("targets"), rng.choice(targets)
        yield s, _cg("manufacturer"), _iri("manufacturer", i % c["manufacturer"])
        yield s, _cg("approvedFor"), _iri("disease", rng.randrange(c["disease"]))
        if i % 2 == 0:
            yield s, _cg("firstUSApprovalDate"), _typed(f"{2017 + i % 8}-"
                                                        f"{1 + i % 12:02d}-"
                                                        f"{1 + i % 28:02d}", "date")
    for i in range(c["trial"]):
        s = _iri("trial", i)
        yield s, t, _cg("ClinicalTrial")
        yield s, LABEL, _lit(f"Trial {i}: {title(3)}", "en")
        yield s, _cg("studiedCondition"), _iri("disease", rng.randrange(c["disease"]))
        yield s, _cg("intervention"), _iri("therapy", rng.randrange(c["therapy"]))
        yield s, _cg("participantCount"), _typed(rng.randrange(1, 400), "integer")
        yield s, _cg("externalId"), _lit(f"NCT{i:08d}")
    n_pub = c["publication"]
    topics = max(1, c["disease"] // 4)
    for i in range(n_pub):
        s = _iri("pub", i)
        yield s, t, _cg("ScholarlyArticle")
        heading = title(6).capitalize()
        yield s, LABEL, _lit(heading, "en")
        yield s, DCTERMS_TITLE, _lit(heading)
        yield s, _cg("journal"), _iri("journal", rng.randrange(c["journal"]))
        yield s, _cg("publicationYear"), _typed(1990 + i * 35 // n_pub, "gYear")
        yield s, _cg("doi"), _lit(f"10.5555/cg.{i}")
        yield s, _cg("pmid"), _lit(str(30_000_000 + i))
        for k in rng.sample(range(c["person"]), 2):
            yield s, _cg("author"), _iri("person", k)
        yield s, _cg("mentions"), _iri("disease", (i % topics) * 4 + rng.randrange(4))
        # cites earlier publications of the same topic: a DAG, closures of a few hundred
        earlier = i // topics
        for k in sorted({rng.randrange(earlier) for _ in range(min(earlier, 2))}):
            if rng.random() < 0.8:
                yield s, _cg("cites"), _iri("pub", k * topics + i % topics)
    i = 0
    while True:
        s = _iri("case", i)
        therapy = rng.randrange(c["therapy"])
        yield s, t, _cg("PatientCase")
        yield s, LABEL, _lit(f"case {i}")
        yield s, _cg("diagnosedWith"), _iri("disease", rng.randrange(c["disease"]))
        yield s, _cg("receivedTherapy"), _iri("therapy", therapy)
        yield s, _cg("treatedAt"), _iri("hospital", rng.randrange(c["hospital"]))
        yield s, _cg("ageAtTreatment"), _typed(rng.randrange(5, 90), "integer")
        yield s, _cg("sex"), _lit(_SEXES[rng.randrange(2)])
        yield s, _cg("diagnosisYear"), _typed(1990 + rng.randrange(30), "gYear")
        yield s, _cg("treatmentDate"), _typed(f"{2015 + rng.randrange(10)}-"
                                              f"{1 + rng.randrange(12):02d}", "gYearMonth")
        yield s, _cg("outcome"), _lit(rng.choice(_OUTCOMES))
        if i % 3 == 0:
            yield s, _cg("reportedIn"), _iri("pub", rng.randrange(n_pub))
        if i % 50 == 0:
            yield s, _cg("worldFirst"), _typed("false", "boolean")
        i += 1


def triples(n_triples: int, *, seed: int = 0) -> Iterator[tuple[str, str, str]]:
    """Exactly ``n_triples`` distinct triples as N-Triples terms (subject, predicate, object)."""
    if n_triples < 0:
        raise ValueError("n_triples must be >= 0")
    rng = random.Random(seed)
    it = _entities(n_triples, rng)
    for _ in range(n_triples):
        yield next(it)


def write_ntriples(path: str | os.PathLike[str], n_triples: int, *, seed: int = 0) -> int:
    """Write ``n_triples`` triples as N-Triples to ``path``; return the number written."""
    n = 0
    chunk: list[str] = []
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for s, p, o in triples(n_triples, seed=seed):
            chunk.append(f"{s} {p} {o} .\n")
            if len(chunk) >= 50_000:
                out.write("".join(chunk))
                n += len(chunk)
                chunk.clear()
        out.write("".join(chunk))
        n += len(chunk)
    return n


def write_turtle(path: str | os.PathLike[str], n_triples: int, *, seed: int = 0) -> int:
    """Write the same graph as :func:`write_ntriples`, as Turtle with prefixes; return count."""
    prefixes = {CG: "cg:", CGR: "cgr:", "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
                XSD: "xsd:"}

    def short(term: str) -> str:
        if term == RDF_TYPE:
            return "a"
        if term.startswith("<"):
            for ns, p in prefixes.items():
                if term.startswith(ns, 1):
                    local = term[1 + len(ns):-1]
                    if local.replace("-", "").replace("_", "").isalnum():
                        return p + local
            return term
        if "^^<" in term:
            lex, _, dt = term.rpartition("^^")
            return f"{lex}^^{short(dt)}"
        return term

    n = 0
    last = None
    parts: list[str] = [f"@prefix {p[:-1]}: <{ns}> .\n" for ns, p in prefixes.items()]
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        for s, p, o in triples(n_triples, seed=seed):
            if s == last:
                parts.append(f" ;\n    {short(p)} {short(o)}")
            else:
                if last is not None:
                    parts.append(" .\n")
                parts.append(f"{short(s)} {short(p)} {short(o)}")
                last = s
            n += 1
            if len(parts) >= 50_000:
                out.write("".join(parts))
                parts.clear()
        if last is not None:
            parts.append(" .\n")
        out.write("".join(parts))
    return n


def generate(n_triples: int, seed: int = 0, *, directory: str | os.PathLike[str] | None = None,
             fmt: str = "nt") -> Path:
    """A cached file of the graph (``fmt`` "nt" or "ttl"), generated on first use.

    Files live in ``directory`` (default: ``$CARTGRAPH_BENCH_DATA`` or a
    ``cartgraph-bench`` folder in the temporary directory) as
    ``synthetic-N-sSEED.FMT``; they are written to a temporary name and renamed,
    so a half-written file is never reused.
    """
    if fmt not in {"nt", "ttl"}:
        raise ValueError(f"fmt must be 'nt' or 'ttl', not {fmt!r}")
    base = Path(directory or os.environ.get("CARTGRAPH_BENCH_DATA")
                or Path(tempfile.gettempdir()) / "cartgraph-bench")
    base.mkdir(parents=True, exist_ok=True)
    path = base / f"synthetic-{n_triples}-s{seed}.{fmt}"
    if not path.exists():
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        (write_ntriples if fmt == "nt" else write_turtle)(tmp, n_triples, seed=seed)
        os.replace(tmp, path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="output file (.nt or .ttl)")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    writer = write_turtle if args.out.endswith(".ttl") else write_ntriples
    n = writer(args.out, args.triples, seed=args.seed)
    print(f"{n} triples -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
