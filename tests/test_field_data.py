"""The field data (trials, constructs, doses, outcomes, safety, approvals): every number
and date has its quote and the page it was read at, SHACL passes on the bundled graph,
disagreements stay paired claims, and the named queries for the field answer from it.

Checked with rdflib, pyoxigraph and pyshacl only, like tests/test_bundled_data.py.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Literal
from rdflib.namespace import DCTERMS, PROV

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
ONTOLOGY = REPO / "ontology" / "cartgraph.ttl"
SHAPES = REPO / "ontology" / "shapes.ttl"
QUERIES = REPO / "src" / "cartgraph" / "queries"

VOCAB = "https://w3id.org/cartgraph/vocab#"
RESOURCE = "https://w3id.org/cartgraph/id/"
CG = rdflib.Namespace(VOCAB)
CGR = rdflib.Namespace(RESOURCE)
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = {"cg": VOCAB, "cgr": RESOURCE, "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL),
            "xsd": str(XSD), "skos": str(SKOS), "dcterms": str(DCTERMS), "prov": str(PROV)}

# The files of the field, and the study files this round extended: every number and
# date in them is quoted.
FIELD_FILES = ["astct-grading", "autoimmune-reports", "autoimmune-trials", "car-t-approvals",
               "car-t-constructs", "castle-trial", "disease-identifiers", "fau-news",
               "natmed-2022", "nejm-2024"]
NUMERIC = {XSD.integer, XSD.decimal}
DATED = {XSD.date, XSD.gYearMonth, XSD.gYear}
# Figures a quote need not spell out: a denominator taken from the study size, a
# time point in months for "baseline", a grade given by its table column, a source's
# own retrieval day, doses printed as "1 × 10<sup>6</sup>" (checked separately).
NOT_SPELLED_OUT = {CG.patientsAssessed, CG.timePointMonths, CG.grade, CG.retrieved,
                   CG.cellsPerKg, CG.totalCells}
WORDS = {0: ["zero"], 1: ["one", "single", "first"], 2: ["two", "second"], 3: ["three", "third"],
         4: ["four"], 5: ["five"], 6: ["six"], 7: ["seven"], 8: ["eight"], 9: ["nine"],
         10: ["ten"], 12: ["twelve"], 15: ["fifteen"]}


@cache
def graph(stem: str) -> rdflib.Graph:
    return rdflib.Graph().parse(DATA / f"{stem}.ttl", format="turtle")


@cache
def data() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(DATA.glob("*.ttl")):
        g += rdflib.Graph().parse(path, format="turtle")
    return g


@cache
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY, format="turtle")


@cache
def store() -> ox.Store:
    s = ox.Store()
    for path in sorted(DATA.glob("*.ttl")):
        s.load(path=str(path), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(f"{RESOURCE}source-{path.stem}"))
    s.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE,
           to_graph=ox.NamedNode(RESOURCE + "source-ontology"))
    return s


def rows(name: str) -> list[dict[str, Any]]:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    result = store().query(text, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def quoted_statements(stem: str) -> list[tuple[Any, Any, Any]]:
    return [(s, p, o) for s, p, o in graph(stem)
            if isinstance(o, Literal) and o.datatype in NUMERIC | DATED]


def quotes_for(s: Any, p: Any) -> list[tuple[str, Any]]:
    """The quotes (with the page read) that state (s, p): the record's own, or a quotation's."""
    g = data()
    found = []
    if g.value(s, CG.quote) is not None:
        found += [(str(g.value(s, CG.quote)), page) for page in g.objects(s, CG.readAt)]
    for q in g.subjects(CG.quotationFor, s):
        if (q, CG.quotedProperty, p) in g:
            found += [(str(g.value(q, CG.quote)), page) for page in g.objects(q, CG.readAt)]
    return found


def spelled_out(value: Literal, quote: str) -> bool:
    if value.datatype in DATED:
        return str(value)[:4] in quote
    number = Decimal(str(value))
    forms = [str(number.normalize()) if number == number.to_integral() else str(value)]
    if number == number.to_integral():
        forms = [str(int(number)), *WORDS.get(int(number), [])]
    return any(re.search(rf"(?<![\d.]){re.escape(f)}(?![\d])", quote, re.I) for f in forms)


# -- every number and date is quoted --------------------------------------------------


@pytest.mark.parametrize("stem", FIELD_FILES)
def test_every_number_and_date_has_a_quote_and_the_page_read(stem: str) -> None:
    statements = quoted_statements(stem)
    assert statements, f"{stem} has no numbers or dates"
    for s, p, o in statements:
        if p == CG.retrieved:
            continue
        quotes = quotes_for(s, p)
        assert quotes, f"{stem}: no quote states {s} {p} {o}"
        assert all(str(page).startswith(("http://", "https://")) for _, page in quotes), s
        if p not in NOT_SPELLED_OUT:
            assert any(spelled_out(o, q) for q, _ in quotes), (s, p, o, quotes)


def test_the_check_is_not_vacuous() -> None:
    """A figure whose quote does not state it is caught."""
    assert not spelled_out(Literal(24), "Ten SLE, nine SSc and five IIM patients")
    assert spelled_out(Literal(9), "Ten SLE, nine SSc and five IIM patients")
    assert not spelled_out(Literal("2019-12-04", datatype=XSD.date), "started in December")
    assert spelled_out(Literal(Decimal("2.7")), "reduced from 10.6 (baseline) to 2.7 (3 months)")
    assert not spelled_out(Literal(Decimal("2.7")), "reduced to 27 points")


def test_quotes_are_short_and_every_quoted_record_names_its_document() -> None:
    g = data()
    quoted = set(g.subjects(CG.quote, None))
    assert len(quoted) > 150
    for node in quoted:
        words = len(str(g.value(node, CG.quote)).split())
        assert words <= 45, (node, words)
        assert (g.value(node, CG.statedIn), RDF.type, None) in g, node
        assert list(g.objects(node, CG.readAt)) or (node, RDF.type, CG.Claim) in g, node


@pytest.mark.parametrize("stem", FIELD_FILES)
def test_each_source_records_the_pages_it_was_read_from(stem: str) -> None:
    g = graph(stem)
    source = CGR[f"source-{stem}"]
    assert g.value(source, CG.retrieved) is not None
    origins = set(g.objects(source, PROV.wasDerivedFrom)) | set(g.objects(source, DCTERMS.source))
    pages = {str(p) for s in g.subjects(CG.sourceGraph, source) for p in g.objects(s, CG.readAt)}
    # every page a record of this file was read at is named by the file's own records;
    # the source lists at least some of them (or the documents themselves)
    assert origins
    assert pages, stem


def test_unverified_figures_are_marked_as_claims_of_their_page() -> None:
    g = data()
    crs = CGR["m-mackensen-2022-crs-grade-1"]
    assert str(g.value(crs, CG.checkStatus)) == "unverified"
    assert g.value(crs, CG.statedIn) == CGR["review-pediatric-rheumatology-2024"]
    # U lines of the domain facts stay out as facts: no NCT number for ZUMA-2 or TRANSCEND
    assert g.value(CGR["trial-zuma-2"], CG.nctId) is None
    assert g.value(CGR["trial-transcend-nhl-001"], CG.nctId) is None
    claim = CGR["claim-zuma-2-nct"]
    assert str(g.value(claim, CG.claimedValue)) == "NCT02601313"
    assert str(g.value(claim, CG.checkStatus)) == "unverified"


def test_disagreements_are_two_sourced_claims() -> None:
    g = data()

    def claims(about: Any, prop: Any) -> dict[str, Any]:
        return {str(g.value(c, CG.claimedValue)): g.value(c, CG.statedIn)
                for c in g.subjects(CG.about, about) if g.value(c, CG.claimedProperty) == prop}

    abecma = claims(CGR["approval-abecma-fda-2021"], CG.approvalDate)
    assert abecma == {"2021-03-26": CGR["drugs-com-abecma"], "2021-03-27": CGR["ons-abecma-2021"]}
    eliana = claims(CGR["trial-eliana"], CG.nctId)
    assert set(eliana) == {"NCT02435849", "NCT02228096"}
    pivotal = claims(CGR["approval-abecma-fda-2021"], CG.pivotalTrial)
    assert set(pivotal) == {RESOURCE + "trial-karmma", RESOURCE + "trial-karmma-3"}
    duration = claims(CGR["case-erlangen-sle-1"], CG.diseaseDuration)
    assert duration == {"approximately 2 years": CGR["review-pediatric-rheumatology-2024"]}


def test_cohorts_that_may_share_patients_are_marked() -> None:
    g = data()
    series = CGR["study-mueller-2024"]
    assert (series, CG.mayShareCohortWith, CGR["study-mackensen-2022"]) in g
    assert (series, CG.mayShareCohortWith, CGR["case-erlangen-sle-1"]) in g
    assert (CGR["study-mackensen-2022"], RDF.type, CG.CaseSeries) in g
    assert (CG.mayShareCohortWith, RDF.type, OWL.SymmetricProperty) in ontology()


def test_no_company_relation_rests_on_the_fda_list_alone() -> None:
    g = graph("car-t-products")
    for s in g.subjects(CG.partOf, None):
        quotation = next(data().subjects(CG.quotationFor, s))
        assert (quotation, CG.quotedProperty, CG.partOf) in data(), s


# -- SHACL --------------------------------------------------------------------------------


def validate(g: rdflib.Graph) -> tuple[bool, str]:
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, _, text = pyshacl.validate(g, shacl_graph=shapes, ont_graph=ontology(),
                                         inference="none", advanced=True)
    return bool(conforms), str(text)


def test_the_bundled_graph_conforms() -> None:
    conforms, text = validate(data() + ontology())
    assert conforms, text


PREAMBLE = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items())


@pytest.mark.parametrize(("turtle", "expected"), [
    ('cgr:m a cg:Outcome ; rdfs:label "M" ; cg:measuredIn cgr:s ; cg:value 3.0 ; '
     'cg:statedIn cgr:p ; cg:readAt <https://example.org/p> .', "needs exactly one quote"),
    ('cgr:m a cg:Outcome ; rdfs:label "M" ; cg:measuredIn cgr:s ; cg:quote "q" ; '
     'cg:statedIn cgr:p .', "the address of the page it was read at"),
    ('cgr:m a cg:AdverseEventCount ; rdfs:label "M" ; cg:measuredIn cgr:s ; '
     'cg:adverseEvent cgr:e ; cg:patientsWithOutcome 6 ; cg:patientsAssessed 5 ; '
     'cg:quote "q" ; cg:statedIn cgr:p ; '
     'cg:readAt <https://example.org/p> .', "more patients with the outcome"),
    ('cgr:a a cg:RegulatoryApproval ; rdfs:label "A" ; cg:approvalOf cgr:x ; cg:agency cgr:fda ; '
     'cg:quote "q" ; cg:statedIn cgr:p ; cg:readAt <https://example.org/p> .',
     "exactly one of cg:approvalDate"),
    ('cgr:t a cg:ClinicalTrial ; rdfs:label "T" ; cg:nctId "NCT123" .', "NCT04146051"),
    ('cgr:t a cg:ClinicalTrial ; rdfs:label "T" ; cg:trialPhase "phase one" .', "phase"),
    ('cgr:c a cg:CARConstruct ; rdfs:label "C" ; cg:vector "adenovirus" .', "vector"),
])
def test_shapes_reject_unsourced_or_malformed_field_data(turtle: str, expected: str) -> None:
    conforms, text = validate(rdflib.Graph().parse(data=PREAMBLE + turtle, format="turtle"))
    assert not conforms
    assert expected in text, text


# -- the named queries answer from the data ------------------------------------------------


def test_trials_by_disease_and_target() -> None:
    found = rows("trials-by-disease-and-target")
    mg = [r for r in found if r["diseaseName"] == "Myasthenia gravis" and r["targetName"]]
    assert [(r["registryId"], r["targetName"], r["phase"], r["started"]) for r in mg] == [
        ("NCT04146051", "BCMA", "Phase 1b/2a", "2019-12-04")]
    sle = {(r["trialName"].split(":")[0], r["targetName"]) for r in found
           if r["diseaseName"] == "Systemic lupus erythematosus"}
    assert ("CASTLE", "CD19") in sle
    castle = next(r for r in found if r["trialName"].startswith("CASTLE"))
    assert castle["registryId"] == "2022-001366-35" and castle["participants"] == "24"
    ln = next(r for r in found if r["registryId"] == "NCT05938725")
    assert ln["sponsors"] == "Kyverna Therapeutics" and ln["started"] == "2023-04-28"
    assert [r["diseaseName"] for r in found] == sorted(r["diseaseName"] for r in found)


def test_products_by_costimulatory_domain() -> None:
    found = rows("products-by-costimulatory-domain")
    approved = {(r["domainName"], r["productName"]) for r in found if r["kind"] == "CAR-T product"}
    assert approved == {("4-1BB", "Kymriah"), ("4-1BB", "Breyanzi"), ("4-1BB", "Abecma"),
                        ("4-1BB", "Carvykti"), ("4-1BB", "Aucatzyl"), ("CD28", "Yescarta"),
                        ("CD28", "Tecartus")}
    kymriah = next(r for r in found if r["productName"] == "Kymriah")
    assert kymriah["approvedFor"] == "B-cell precursor acute lymphoblastic leukaemia"
    assert kymriah["vector"] == "lentiviral vector"
    yescarta = next(r for r in found if r["productName"] == "Yescarta")
    assert yescarta["vector"] == "retroviral vector"
    # a third-generation construct appears under both of its domains
    both = [r["domainName"] for r in found if "PMC10958299" in r["productName"]]
    assert sorted(both) == ["4-1BB", "CD28"]


def test_safety_per_study() -> None:
    found = rows("safety-by-study")
    counted = [r for r in found if r["patients"]]
    assert [(r["eventName"], r["grade"], r["patients"], r["assessed"], r["status"])
            for r in counted] == [("Cytokine release syndrome", "1", "3", "5", "unverified")]
    recorded = {(r["studyName"].split(":")[0], r["eventName"]) for r in found if not r["patients"]}
    assert ("CASTLE", "Immune effector cell-associated neurotoxicity syndrome") in recorded
    assert any(e == "Infection" for _, e in recorded)


def test_outcomes_per_disease() -> None:
    found = rows("outcomes-by-disease")
    doris = [r for r in found if r["measureName"] == "DORIS remission"]
    assert {(r["patients"], r["assessed"], r["timePoint"], r["status"]) for r in doris} == {
        ("5", "5", "3 months after infusion", "supported"),
        ("8", "8", "6 months after infusion", "unverified")}
    diseases = {r["diseaseName"] for r in found}
    assert {"Systemic lupus erythematosus", "Myasthenia gravis", "Antisynthetase syndrome",
            "Systemic sclerosis"} <= diseases
    b_cells = next(r for r in found if r["measureName"] == "Time to reappearance of B cells")
    assert (b_cells["value"], b_cells["unit"]) == ("110", "days")
    assert all(r["readAt"].startswith("http") for r in found)


def test_timeline_of_car_t_in_autoimmunity() -> None:
    found = rows("autoimmunity-timeline")
    when = [r["when"] for r in found]
    assert when == sorted(when)
    events = [(r["when"], r["event"], r["subject"][len(RESOURCE):]) for r in found]
    assert events[:3] == [("2019-10-31", "trial registered", "trial-mg-001"),
                          ("2019-12-04", "trial started", "trial-mg-001"),
                          ("2021-03", "patient treated", "case-erlangen-sle-1")]
    assert ("2021-08-05", "published", "mougiakakos-2021") in events
    assert ("2024-02-22", "published", "mueller-2024") in events
    treated = next(r for r in found if r["subject"] == str(CGR["case-erlangen-sle-1"]))
    assert "March 2021" in treated["quote"] and treated["readAt"].startswith("https://fau.eu/")
    # no oncology event: the timeline is about autoimmune diseases only
    assert not any("lymphoma" in (r["diseases"] or "").lower() for r in found)


def test_facts_that_rest_on_one_source() -> None:
    found = rows("single-source-facts")
    statements = {(r["subject"][len(RESOURCE):], r["propertyName"]) for r in found
                  if r["kind"] == "statement"}
    assert ("kite", "part of") in statements  # only the ZUMA-1 registry record states it
    # the 15 patients of 2024 are stated by PubMed and by FAU: two sources
    assert ("study-mueller-2024", "participants") not in statements
    records = [r for r in found if r["kind"] == "record"]
    assert len(records) == len({r["subject"] for r in records})  # one row per record
    assert any(r["subject"] == str(CGR["approval-carvykti-fda-2022"]) for r in records)
