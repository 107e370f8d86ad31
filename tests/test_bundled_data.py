"""The bundled graph is the product: check the ontology, the shapes, the data and
the named queries with rdflib, pyoxigraph and pyshacl only (no cartgraph API).
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, XSD, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

from helpers_fixtures import (
    DOMAIN_FACTS_PRODUCTS,
    PATIENT_NAME_DIGESTS,
    SEED_ARTICLE_QUOTES,
    NameDigests,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
ONTOLOGY = REPO / "ontology" / "cartgraph.ttl"
SHAPES = REPO / "ontology" / "shapes.ttl"
QUERIES = REPO / "src" / "cartgraph" / "queries"
# Vendored fixtures (tests/fixtures/README.md): the article's quoted sentences, the
# patient's name as digests only, the product table of the project's domain notes.
SEED_ARTICLE = SEED_ARTICLE_QUOTES
PATIENT_NAME = NameDigests.load(PATIENT_NAME_DIGESTS)
DOMAIN_FACTS = DOMAIN_FACTS_PRODUCTS

VOCAB = "https://w3id.org/cartgraph/vocab#"
RESOURCE = "https://w3id.org/cartgraph/id/"
CG = rdflib.Namespace(VOCAB)
CGR = rdflib.Namespace(RESOURCE)
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")

# The prefixes the query runner predeclares (docs/data-model.md lists them).
PREFIXES = {
    "cg": VOCAB,
    "cgr": RESOURCE,
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": "http://schema.org/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "sh": "http://www.w3.org/ns/shacl#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}

DATA_FILES = sorted(DATA.glob("*.ttl"))
ALL_TTL = [ONTOLOGY, SHAPES, *DATA_FILES]
QUERY_FILES = sorted(QUERIES.glob("*.rq"))

CASE = CGR["case-erlangen-sle-1"]
SEED = CGR["seed-article"]
NEJM_2021 = CGR["mougiakakos-2021"]

# Approved CAR-T products as domain-facts.md lists them (all marked V):
# brand -> (generic name, target, first US approval, makers).
PRODUCTS = {
    "Kymriah": ("tisagenlecleucel", "cd19", "2017-08-30", {"novartis"}),
    "Yescarta": ("axicabtagene ciloleucel", "cd19", "2017-10-18", {"kite"}),
    "Tecartus": ("brexucabtagene autoleucel", "cd19", "2020-07-24", {"kite"}),
    "Breyanzi": ("lisocabtagene maraleucel", "cd19", "2021-02-05", {"juno"}),
    "Abecma": ("idecabtagene vicleucel", "bcma", "2021-03-26", {"celgene"}),
    "Carvykti": ("ciltacabtagene autoleucel", "bcma", "2022-02-28", {"janssen", "legend"}),
    "Aucatzyl": ("obecabtagene autoleucel", "cd19", "2024-11-08", {"autolus"}),
}
# The maker as domain-facts.md writes it ("Kite/Gilead") -> the companies in the graph,
# the first holding the approval, the rest its group (cg:partOf) or partner.
MAKER_NAMES = {
    "Novartis": {"novartis"},
    "Kite/Gilead": {"kite", "gilead"},
    "Juno/Bristol Myers Squibb": {"juno", "bms"},
    "Celgene/Bristol Myers Squibb": {"celgene", "bms"},
    "Janssen/Legend": {"janssen", "legend"},
    "Autolus": {"autolus"},
}


# -- loading -------------------------------------------------------------------------


@cache
def file_graph(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


@cache
def data_graph() -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in DATA_FILES:
        graph += file_graph(path)
    return graph


def ontology() -> rdflib.Graph:
    return file_graph(ONTOLOGY)


def shapes() -> rdflib.Graph:
    return file_graph(SHAPES)


def validate(data: rdflib.Graph) -> tuple[bool, rdflib.Graph, str]:
    conforms, report, text = pyshacl.validate(
        data, shacl_graph=shapes(), ont_graph=ontology(), inference="none", advanced=True)
    return conforms, report, text


def messages(report: rdflib.Graph) -> set[str]:
    return {str(m) for m in report.objects(None, SH.resultMessage)}


def source_of(path: Path) -> URIRef:
    return CGR[f"source-{path.stem}"]


@cache
def query_store() -> ox.Store:
    """Each data file in its own named graph (cgr:source-STEM), the ontology in another."""
    store = ox.Store()
    for path in DATA_FILES:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(str(source_of(path))))
    store.load(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE,
               to_graph=ox.NamedNode(RESOURCE + "source-ontology"))
    return store


def cg_terms(graph: rdflib.Graph) -> set[URIRef]:
    terms = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(VOCAB):
                terms.add(term)
    return terms


def label_of(graph: rdflib.Graph, node: URIRef) -> str:
    return str(graph.value(node, RDFS.label))


# -- every file parses strictly ------------------------------------------------------


@pytest.mark.parametrize("path", ALL_TTL, ids=lambda p: p.name)
def test_file_parses_strictly_with_pyoxigraph(path: Path) -> None:
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(quads) > 10


@pytest.mark.parametrize("path", ALL_TTL, ids=lambda p: p.name)
def test_rdflib_and_pyoxigraph_read_the_same_graph(path: Path) -> None:
    ntriples = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in
                         ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    from_oxigraph = rdflib.Graph().parse(data=ntriples, format="nt")
    assert isomorphic(from_oxigraph, file_graph(path))


def test_there_are_bundled_data_files() -> None:
    stems = {p.stem for p in DATA_FILES}
    assert {"seed-article", "nejm-2021", "natmed-2022", "nejm-2024", "organisations",
            "vocabularies", "car-t-products"} <= stems


def test_no_owl_imports_anywhere() -> None:
    for path in ALL_TTL:
        assert not list(file_graph(path).triples((None, OWL.imports, None))), path.name


# -- SHACL -----------------------------------------------------------------------------


def test_data_and_ontology_conform_to_the_shapes() -> None:
    conforms, _, text = validate(data_graph() + ontology())
    assert conforms, text


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_each_data_file_conforms_on_its_own(path: Path) -> None:
    conforms, _, text = validate(file_graph(path))
    assert conforms, text


def test_the_ontology_itself_conforms() -> None:
    conforms, _, text = validate(rdflib.Graph() + ontology())
    assert conforms, text


PREAMBLE = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items())


def check(turtle: str) -> tuple[bool, set[str]]:
    conforms, report, _ = validate(rdflib.Graph().parse(data=PREAMBLE + turtle, format="turtle"))
    return conforms, messages(report)


@pytest.mark.parametrize("turtle", [
    'cgr:h a cg:Hospital ; rdfs:label "A hospital" .',
    'cgr:h a cg:Hospital ; rdfs:label "Klinikum"@de , "Hospital"@en .',
    'cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; cg:ageAtTreatment 30 .',
    'cgr:p a cg:CARTProduct ; rdfs:label "P" .',
    'cgr:s a cg:ClinicalTrial ; rdfs:label "A trial" .',
    'cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; cg:treatedAt cgr:elsewhere .',
    'cgr:a a cg:ScholarlyArticle ; rdfs:label "A" ; dcterms:title "T" ; cg:doi "10.1000/xyz" .',
])
def test_shapes_accept_minimal_reasonable_data(turtle: str) -> None:
    conforms, found = check(turtle)
    assert conforms, found


@pytest.mark.parametrize(("turtle", "expected"), [
    ('cgr:h a cg:Hospital .', "A hospital needs a name (rdfs:label)"),
    ('cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; foaf:name "Jane Doe" .', "pseudonymous"),
    ('cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; schema:birthDate "2001-01-01"^^xsd:date .',
     "pseudonymous"),
    ('cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; cg:ageAtTreatment "20" .', "age at treatment"),
    ('cgr:c a cg:PatientCase ; rdfs:label "Case 7" ; cg:ageAtTreatment 16, 20 .',
     "age at treatment"),
    ('cgr:c a cg:PatientCase ; rdfs:label "C" ; cg:treatedAt cgr:d . cgr:d a cg:Disease ; '
     'rdfs:label "D" .', "cg:treatedAt"),
    ('cgr:a a cg:ScholarlyArticle ; rdfs:label "A" .', "exactly one title (dcterms:title)"),
    ('cgr:a a cg:ScholarlyArticle ; rdfs:label "A" ; dcterms:title "T" ; '
     'cg:doi "https://doi.org/10.1000/x" .', "DOI (cg:doi)"),
    ('cgr:a a cg:ScholarlyArticle ; rdfs:label "A" ; dcterms:title "T" ; cg:pmid "PMID123" .',
     "PubMed ID"),
    ('cgr:j a cg:Journal ; rdfs:label "J" ; cg:issn "00284793" .', "ISSN"),
    ('cgr:h a cg:Hospital ; rdfs:label "H" ; cg:rorId "https://ror.org/0030f2a11" .', "ROR"),
    ('cgr:x a cg:Claim ; rdfs:label "X" ; cg:about cgr:y ; cg:claimedValue 3 ; '
     'cg:statedIn cgr:z .', "claimed property (cg:claimedProperty)"),
    ('cgr:x a cg:Claim ; rdfs:label "X" ; cg:about cgr:y ; cg:claimedProperty cg:sex ; '
     'cg:claimedValue "female" .', "cg:statedIn"),
    ('cgr:x a cg:Claim ; rdfs:label "X" ; cg:about cgr:y ; cg:claimedProperty cg:sex ; '
     'cg:claimedValue "female" ; cg:statedIn cgr:z ; cg:checkStatus "true" .', "check status"),
    ('cgr:s a cg:Source ; rdfs:label "S" ; dcterms:title "T" .', "prov:wasDerivedFrom"),
    ('cgr:p a cg:CARTProduct ; rdfs:label "P" ; cg:firstUSApprovalDate "2017" .',
     "first US approval"),
])
def test_shapes_reject_bad_data_with_a_readable_message(turtle: str, expected: str) -> None:
    conforms, found = check(turtle)
    assert not conforms
    assert any(expected in m for m in found), found


def test_every_property_shape_has_a_message_and_every_class_a_shape() -> None:
    g = shapes()
    property_shapes = set(g.objects(None, SH.property))
    assert property_shapes
    for ps in property_shapes:
        assert g.value(ps, SH.message), g.value(ps, SH.path)
    targeted = set(g.objects(None, SH.targetClass))
    classes = set(ontology().subjects(RDF.type, OWL.Class))
    assert {c for c in classes if str(c).startswith(VOCAB)} <= targeted
    assert not list(g.triples((None, SH.closed, Literal(True))))
    for cls in targeted - {CG.Import}:
        shape = next(g.subjects(SH.targetClass, cls))
        paths = {g.value(ps, SH.path) for ps in g.objects(shape, SH.property)}
        assert RDFS.label in paths, f"{cls} has no label requirement"


# -- the ontology ----------------------------------------------------------------------


def declared_terms() -> dict[URIRef, set[URIRef]]:
    found: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, _, o in ontology().triples((None, RDF.type, None)):
        if isinstance(s, URIRef) and str(s).startswith(VOCAB):
            found[s].add(o)
    return found


def test_every_class_and_property_has_one_label_and_a_comment() -> None:
    onto = ontology()
    for term in declared_terms():
        assert len(list(onto.objects(term, RDFS.label))) == 1, term
        assert len(list(onto.objects(term, RDFS.comment))) >= 1, term


def test_object_and_datatype_properties_have_domain_and_range() -> None:
    onto = ontology()
    kinds = {OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property}
    props = [t for t, types in declared_terms().items() if types & kinds]
    assert len(props) > 60
    for prop in props:
        assert isinstance(onto.value(prop, RDFS.domain), URIRef), f"{prop} needs a named domain"
        assert isinstance(onto.value(prop, RDFS.range), URIRef), f"{prop} needs a named range"


def test_no_xsd_int_float_or_double() -> None:
    bad = {XSD.int, XSD.float, XSD.double, XSD.long, XSD.short}
    for path in ALL_TTL:
        g = file_graph(path)
        assert not [o for o in g.objects() if isinstance(o, Literal) and o.datatype in bad], path
        assert not set(g.objects(None, RDFS.range)) & bad, path


def test_every_cg_term_used_is_declared() -> None:
    declared = declared_terms()
    used = cg_terms(data_graph()) | cg_terms(shapes())
    for path in QUERY_FILES:
        used |= {CG[m] for m in re.findall(r"\bcg:([A-Za-z][\w-]*)", path.read_text())}
    missing = sorted(str(t) for t in used if t not in declared)
    assert not missing, missing


def test_required_classes_and_bookkeeping_terms_exist() -> None:
    declared = declared_terms()
    for name in ["Hospital", "ResearchCentre", "University", "City", "Country", "PatientCase",
                 "Disease", "Symptom", "Therapy", "CARTCellTherapy", "ImmunosuppressiveTherapy",
                 "TargetAntigen", "CARTProduct", "ClinicalTrial", "Study", "Publication",
                 "NewsArticle", "Journal", "Person", "Organisation", "Manufacturer", "Claim",
                 "Source", "Import"]:
        assert OWL.Class in declared[CG[name]], name
    onto = ontology()
    assert (CG.Import, RDFS.subClassOf, PROV.Activity) in onto
    assert (CG.Claim, RDFS.subClassOf, PROV.Entity) in onto
    assert (CG.Source, RDFS.subClassOf, PROV.Entity) in onto
    assert onto.value(CG.sha256, RDFS.range) == XSD.string
    assert onto.value(CG.tripleCount, RDFS.range) == XSD.integer
    assert onto.value(CG.graph, RDFS.range) == RDFS.Resource
    assert onto.value(CG.location, RDFS.range) == XSD.string
    assert onto.value(CG.cartgraphVersion, RDFS.range) == XSD.string
    for sub, sup in [("Hospital", "Organisation"), ("Manufacturer", "Organisation"),
                     ("CARTCellTherapy", "Therapy"), ("ImmunosuppressiveTherapy", "Therapy"),
                     ("NewsArticle", "Publication"), ("ClinicalTrial", "Study")]:
        assert (CG[sub], RDFS.subClassOf, CG[sup]) in onto


@pytest.mark.parametrize(("name", "external"), [
    ("Hospital", "http://schema.org/Hospital"),
    ("ResearchCentre", "http://schema.org/ResearchOrganization"),
    ("Disease", "http://schema.org/MedicalCondition"),
    ("Disease", "https://w3id.org/biolink/vocab/Disease"),
    ("Therapy", "http://schema.org/MedicalTherapy"),
    ("CARTProduct", "http://schema.org/Drug"),
    ("CARTProduct", "https://w3id.org/biolink/vocab/Drug"),
    ("PatientCase", "http://schema.org/Patient"),
    ("PatientCase", "https://w3id.org/biolink/vocab/Case"),
    ("ClinicalTrial", "http://schema.org/MedicalTrial"),
    ("ClinicalTrial", "https://w3id.org/biolink/vocab/ClinicalTrial"),
    ("ScholarlyArticle", "http://schema.org/ScholarlyArticle"),
    ("Publication", "https://w3id.org/biolink/vocab/Publication"),
    ("Journal", "http://schema.org/Periodical"),
    ("Person", "http://schema.org/Person"),
    ("Organisation", "http://schema.org/Organization"),
    ("City", "http://schema.org/City"),
    ("Country", "http://schema.org/Country"),
    ("TargetAntigen", "https://w3id.org/biolink/vocab/Protein"),
    ("Symptom", "https://w3id.org/biolink/vocab/PhenotypicFeature"),
])
def test_classes_are_aligned(name: str, external: str) -> None:
    onto = ontology()
    links = {o for p in (SKOS.exactMatch, SKOS.closeMatch, OWL.equivalentClass, RDFS.subClassOf)
             for o in onto.objects(CG[name], p)}
    assert URIRef(external) in links


def test_every_class_has_a_distinct_colour_blind_friendly_colour_and_a_shape() -> None:
    onto = ontology()
    allowed = {"dot", "box", "diamond", "star", "triangle", "triangleDown", "square", "ellipse",
               "hexagon"}
    colours = {}
    for cls in onto.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(VOCAB):
            continue
        colour = str(onto.value(cls, CG.displayColor))
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", colour), cls
        assert str(onto.value(cls, CG.displayShape)) in allowed, cls
        colours[colour.upper()] = [*colours.get(colour.upper(), []), cls]
    assert all(len(v) == 1 for v in colours.values()), colours
    assert (CG.displayColor, RDF.type, OWL.AnnotationProperty) in onto
    assert (CG.displayShape, RDF.type, OWL.AnnotationProperty) in onto


# -- the data --------------------------------------------------------------------------


def resources(graph: rdflib.Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(RESOURCE)}


def test_every_entity_has_exactly_one_plain_label() -> None:
    g = data_graph()
    for node in resources(g):
        labels = list(g.objects(node, RDFS.label))
        assert len(labels) == 1, (node, labels)
        assert labels[0].language is None and labels[0].datatype in (None, XSD.string), node
        assert g.value(node, RDF.type) is not None, f"{node} has no rdf:type"


def test_resource_names_are_flat_kebab_case() -> None:
    g = data_graph()
    for node in resources(g) | {o for o in g.objects() if str(o).startswith(RESOURCE)}:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", str(node)[len(RESOURCE):]), node


def test_every_referenced_resource_is_described_somewhere() -> None:
    g = data_graph()
    described = resources(g)
    referenced = {o for o in g.objects() if isinstance(o, URIRef) and str(o).startswith(RESOURCE)}
    assert not referenced - described, sorted(referenced - described)


def test_each_entity_is_described_in_one_file_and_no_triple_is_repeated() -> None:
    owner: dict[URIRef, str] = {}
    seen: dict[tuple, str] = {}
    for path in DATA_FILES:
        for node in file_graph(path).subjects(RDF.type, None):
            assert owner.setdefault(node, path.name) == path.name, (node, owner[node], path.name)
        for triple in file_graph(path):
            assert seen.setdefault(triple, path.name) == path.name, (triple, path.name)


def test_cg_literals_have_the_datatype_of_the_property_range() -> None:
    onto = ontology()
    g = data_graph()
    for s, p, o in g:
        if not str(p).startswith(VOCAB) or not isinstance(o, Literal) or p == CG.claimedValue:
            continue
        expected = onto.value(p, RDFS.range)
        assert (o.datatype or XSD.string) == expected, (s, p, o, expected)


def test_claimed_values_have_the_type_of_the_claimed_property() -> None:
    onto = ontology()
    g = data_graph()
    claims = list(g.subjects(RDF.type, CG.Claim))
    assert len(claims) >= 20
    for claim in claims:
        prop = g.value(claim, CG.claimedProperty)
        value = g.value(claim, CG.claimedValue)
        kinds = set(onto.objects(prop, RDF.type))
        if str(prop).startswith(VOCAB):
            assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}, prop
        else:
            assert prop in {RDF.type, DCTERMS.issued}, prop
        if OWL.DatatypeProperty in kinds:
            assert isinstance(value, Literal), claim
            assert (value.datatype or XSD.string) == onto.value(prop, RDFS.range), claim
        elif OWL.ObjectProperty in kinds or prop == RDF.type:
            assert isinstance(value, URIRef), claim


def test_every_claim_names_its_own_file_as_source_graph() -> None:
    for path in DATA_FILES:
        g = file_graph(path)
        for claim in g.subjects(RDF.type, CG.Claim):
            assert g.value(claim, CG.sourceGraph) == source_of(path), claim
            assert (g.value(claim, CG.statedIn), RDF.type, None) in data_graph()


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.name)
def test_every_data_file_describes_its_source(path: Path) -> None:
    g = file_graph(path)
    source = source_of(path)
    assert (source, RDF.type, PROV.Entity) in g
    assert (source, RDF.type, CG.Source) in g
    assert str(g.value(source, DCTERMS.title)).strip()
    derived = list(g.objects(source, PROV.wasDerivedFrom))
    assert derived and all(isinstance(d, URIRef) for d in derived)
    retrieved = g.value(source, CG.retrieved)
    assert isinstance(retrieved, Literal) and retrieved.datatype == XSD.date
    # only its own source is described in a file
    others = {s for s in g.subjects(RDF.type, CG.Source)} - {source}
    assert not others, others


def test_publication_sources_derive_from_their_publication() -> None:
    for stem, publication in [("nejm-2021", "mougiakakos-2021"), ("natmed-2022", "mackensen-2022"),
                              ("nejm-2024", "mueller-2024"), ("seed-article", "seed-article")]:
        g = file_graph(DATA / f"{stem}.ttl")
        assert (CGR[f"source-{stem}"], PROV.wasDerivedFrom, CGR[publication]) in g
        assert (CGR[publication], RDF.type, None) in g


def test_the_seed_article_file_holds_only_claims_and_the_article() -> None:
    g = file_graph(DATA / "seed-article.ttl")
    allowed = {SEED, CGR["source-seed-article"]}
    for subject in set(g.subjects()):
        assert subject in allowed or (subject, RDF.type, CG.Claim) in g, subject
    for claim in g.subjects(RDF.type, CG.Claim):
        assert g.value(claim, CG.statedIn) == SEED
        assert g.value(claim, CG.quote) is not None, claim
        assert g.value(claim, CG.checkStatus) is not None, claim


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_article_quotes_are_faithful() -> None:
    article = normalise(SEED_ARTICLE.read_text(encoding="utf-8"))
    g = file_graph(DATA / "seed-article.ttl")
    quotes = [str(q) for c in g.subjects(RDF.type, CG.Claim) for q in g.objects(c, CG.quote)]
    assert len(quotes) >= 20
    for quote in quotes:
        parts = [re.escape(normalise(p)) for p in re.split(r"\[[^\]]*\]", quote)]
        pattern = r"[\w .-]{1,30}?".join(parts)  # [the patient] stands for a name
        assert re.search(pattern, article), quote


def test_the_patient_is_pseudonymous() -> None:
    # the name as the article writes it, its given name and its parts (digests only)
    assert len(PATIENT_NAME.digests) == 3
    forbidden = [PATIENT_NAME]
    files = [p for p in (REPO / "data").rglob("*") if p.is_file()]
    files += [p for p in (REPO / "ontology").rglob("*") if p.is_file()]
    files += QUERY_FILES + [p for p in (REPO / "docs").glob("data-model.md")]
    assert len(files) >= 9
    for path in files:
        text = path.read_text(encoding="utf-8")
        for pattern in forbidden:
            assert not pattern.search(text), f"{path.name} names the patient"
    g = data_graph()
    assert label_of(g, CASE) == "Erlangen SLE case 1"
    personal = [URIRef("http://xmlns.com/foaf/0.1/" + n) for n in
                ("name", "givenName", "familyName", "birthday")]
    personal += [URIRef("http://schema.org/" + n) for n in
                 ("name", "givenName", "familyName", "birthDate")]
    assert not [p for p in personal if (CASE, p, None) in g]
    assert not list(g.triples((CASE, RDF.type, CG.Person)))


def test_age_16_from_the_article_and_20_from_nejm_are_two_claims() -> None:
    g = data_graph()
    claims = set()
    for claim in g.subjects(CG.about, CASE):
        if g.value(claim, CG.claimedProperty) == CG.ageAtTreatment:
            claims.add((g.value(claim, CG.claimedValue).toPython(), g.value(claim, CG.statedIn),
                        g.value(claim, CG.sourceGraph)))
    # a regional news item (radio8) agrees with the letter: a third claim, same value 20
    assert claims == {(16, SEED, CGR["source-seed-article"]),
                      (20, NEJM_2021, CGR["source-nejm-2021"]),
                      (20, CGR["radio8-2021"], CGR["source-nejm-2021"])}
    # the checked value is also a plain fact, from NEJM 2021 only; 16 never is
    assert list(g.objects(CASE, CG.ageAtTreatment)) == [Literal(20)]
    assert (CASE, CG.ageAtTreatment, Literal(20)) in file_graph(DATA / "nejm-2021.ttl")
    # "SLE since age 16" is the age at onset, not at diagnosis
    assert (CASE, CG.ageAtOnset, Literal(16)) in file_graph(DATA / "nejm-2021.ttl")
    assert (CASE, CG.ageAtDiagnosis, None) not in g
    article = CGR["claim-article-age-at-treatment"]
    assert g.value(article, CG.claimedValue) == Literal(16)
    assert str(g.value(article, CG.checkStatus)) == "contradicted"


def test_case_facts_from_the_nejm_report() -> None:
    g = file_graph(DATA / "nejm-2021.ttl")
    assert (CASE, RDF.type, CG.PatientCase) in g
    assert g.value(CASE, CG.diagnosedWith) == CGR.sle
    assert g.value(CASE, CG.treatedAt) == CGR.uker
    assert g.value(CASE, CG.receivedTherapy) == CGR["cd19-car-t-cell-therapy"]
    assert g.value(CASE, CG.treatmentDate) == Literal("2021-03", datatype=XSD.gYearMonth)
    assert g.value(CASE, CG.reportedIn) == NEJM_2021
    assert g.value(NEJM_2021, DCTERMS.issued) == Literal("2021-08-05", datatype=XSD.date)
    assert str(g.value(NEJM_2021, CG.pmid)) == "34347960"
    assert g.value(NEJM_2021, CG.doi) is None  # not checked: not stated


def test_unchecked_facts_are_not_asserted() -> None:
    everything = "\n".join(p.read_text(encoding="utf-8") for p in DATA_FILES)
    assert "NEJMc2107725" not in everything  # the DOI domain-facts.md marks U
    g = data_graph()
    # what only the article says is never a plain fact
    assert (CASE, CG.worldFirst, None) not in g
    assert (CASE, CG.diagnosisYear, None) not in g
    assert (CGR.sle, CG.hasSymptom, None) not in g
    assert (CGR.dzi, CG.focus, None) not in g


def test_every_article_statement_in_domain_facts_is_a_claim() -> None:
    g = data_graph()

    def claimed(about: URIRef, prop: URIRef) -> list:
        return [g.value(c, CG.claimedValue) for c in g.subjects(CG.about, about)
                if g.value(c, CG.claimedProperty) == prop and g.value(c, CG.statedIn) == SEED]

    assert claimed(CASE, CG.treatedAt) == [CGR.uker]
    assert claimed(CASE, CG.diagnosedWith) == [CGR.sle]
    assert claimed(CASE, CG.treatmentDate) == [Literal("2021-03", datatype=XSD.gYearMonth)]
    assert claimed(CASE, CG.worldFirst) == [Literal(True)]
    assert claimed(CASE, CG.diagnosisYear) == [Literal("2017", datatype=XSD.gYear)]
    assert claimed(CASE, CG.maxDailyTablets) == [Literal(20)]
    assert CGR["immunosuppressive-therapy"] in claimed(CASE, CG.receivedTherapy)
    assert claimed(CASE, CG.resolvedSymptom) == [CGR["joint-pain"]]
    assert claimed(CASE, CG.heartRateBeforeTreatment) == [Literal("115-130")]
    assert claimed(CASE, CG.heartRateAfterTreatment) == [Literal("80")]
    assert claimed(CASE, CG.symptomFreeDuration) == [Literal("almost six months")]
    assert claimed(CASE, CG.reportedIn) == [NEJM_2021]
    assert claimed(NEJM_2021, DCTERMS.issued) == [Literal("2021-08-05", datatype=XSD.date)]
    assert set(claimed(CGR.sle, CG.hasSymptom)) == {
        CGR["joint-pain"], CGR.oedema, CGR.palpitations, CGR["hair-loss"]}
    assert [v.toPython() for v in claimed(CGR.sle, CG.prevalencePer100k)] == [50]
    assert claimed(CGR.sle, CG.primarilyAffects) == [Literal("young women")]
    assert claimed(CGR.dzi, CG.foundingYear) == [Literal("2018", datatype=XSD.gYear)]
    assert claimed(CGR.dzi, CG.focus)
    note = str(g.value(SEED, SKOS.editorialNote))
    assert "Thermal innovations" in note and "therapeutic innovations" in note
    assert set(map(str, g.objects(SEED, CG.namedWebSource))) == {"fau.de", "dzi.uk-erlangen.de"}


def test_approved_products_match_domain_facts() -> None:
    g = data_graph()
    products = {label_of(g, p): p for p in g.subjects(RDF.type, CG.CARTProduct)}
    assert set(products) == set(PRODUCTS)
    for name, (generic, target, approved, makers) in PRODUCTS.items():
        p = products[name]
        assert str(g.value(p, CG.genericName)) == generic
        assert list(g.objects(p, CG.targets)) == [CGR[target]]
        assert list(g.objects(p, CG.firstUSApprovalDate)) == [Literal(approved, datatype=XSD.date)]
        assert set(g.objects(p, CG.manufacturer)) == {CGR[m] for m in makers}
        assert (p, CG.approvedFor, CGR.sle) not in g
    # a company relation is a fact only where a checked page states it (the ZUMA-1
    # registry record for Kite); Juno's is a claim of society news; Celgene's is unstated
    assert g.value(CGR.kite, CG.partOf) == CGR.gilead
    quotation = next(g.subjects(CG.quotationFor, CGR.kite))
    assert "Kite, A Gilead Company" in str(g.value(quotation, CG.quote))
    assert g.value(CGR.juno, CG.partOf) is None and g.value(CGR.celgene, CG.partOf) is None
    claim = CGR["claim-juno-part-of-bms"]
    assert g.value(claim, CG.claimedValue) == CGR.bms
    assert str(g.value(claim, CG.checkStatus)) == "unverified"


def test_product_table_is_the_one_in_domain_facts() -> None:
    rows = re.findall(r"^- V (\w+) \(([\w ]+)\): (\w+), (\d{4}-\d{2}-\d{2}), (.+)$",
                      DOMAIN_FACTS.read_text(encoding="utf-8"), re.M)
    assert len(rows) == 7
    g = data_graph()
    for brand, generic, target, approved, maker in rows:
        ours = PRODUCTS[brand]
        assert (generic, target.lower(), approved) == ours[:3]
        companies = MAKER_NAMES[maker.strip()]
        product = next(p for p in g.subjects(RDF.type, CG.CARTProduct) if label_of(g, p) == brand)
        makers = set(g.objects(product, CG.manufacturer))
        # groups as facts or as claims; domain facts name the group, the graph states it
        # only as far as a source it cites does
        groups = {o for m in makers for o in g.objects(m, CG.partOf)}
        claimed = {g.value(c, CG.claimedValue) for m in makers for c in g.subjects(CG.about, m)
                   if g.value(c, CG.claimedProperty) == CG.partOf}
        named = {str(m)[len(RESOURCE):] for m in makers | groups | claimed}
        assert {str(m)[len(RESOURCE):] for m in makers} <= named <= companies


def test_identifiers_are_the_checked_ones() -> None:
    g = data_graph()
    sle = CGR.sle
    assert str(g.value(sle, CG.mondoId)) == "MONDO:0007915"
    assert str(g.value(sle, CG.doid)) == "DOID:9074"
    assert str(g.value(sle, CG.meshId)) == "D008180"
    assert str(g.value(sle, CG.ncitId)) == "C3201"
    assert str(g.value(sle, CG.snomedCtId)) == "55464009"
    assert str(g.value(sle, CG.icd10Code)) == "M32"
    assert {URIRef("http://purl.obolibrary.org/obo/MONDO_0007915"),
            URIRef("http://purl.obolibrary.org/obo/DOID_9074"),
            URIRef("http://id.nlm.nih.gov/mesh/D008180"),
            URIRef("http://purl.obolibrary.org/obo/NCIT_C3201")} <= set(
                g.objects(sle, SKOS.exactMatch))
    assert (sle, RDF.type, CG.AutoimmuneDisease) in g
    assert str(g.value(CGR.cd19, CG.hgncId)) == "HGNC:1633"
    assert str(g.value(CGR.cd19, CG.uniprotId)) == "P15391"
    assert str(g.value(CGR["car-t-cell-therapy"], CG.ncitId)) == "C126102"
    assert str(g.value(CGR.uker, CG.rorId)) == "0030f2a11"
    assert str(g.value(CGR.uker, CG.wikidataId)) == "Q1544159"
    assert URIRef("https://ror.org/0030f2a11") in set(g.objects(CGR.uker, OWL.sameAs))
    assert str(g.value(CGR.fau, CG.rorId)) == "00f7hpc57"
    assert str(g.value(CGR.fau, CG.wikidataId)) == "Q40025"
    assert g.value(CGR.dzi, CG.rorId) is None
    assert g.value(CGR.dzi, CG.openingDate) == Literal("2018-07-13", datatype=XSD.date)
    assert g.value(CGR.dzi, CG.partOf) == CGR.uker
    assert g.value(CGR.uker, CG.universityHospitalOf) == CGR.fau
    assert str(g.value(CGR.nejm, CG.issn)) == "0028-4793"
    assert str(g.value(CGR["nature-medicine"], CG.issn)) == "1078-8956"
    for pub, doi, pmid in [("mackensen-2022", "10.1038/s41591-022-02017-5", "36109639"),
                           ("mueller-2024", "10.1056/NEJMoa2308917", "38381673")]:
        assert str(g.value(CGR[pub], CG.doi)) == doi
        assert str(g.value(CGR[pub], CG.pmid)) == pmid
        assert URIRef(f"https://doi.org/{doi}") in set(g.objects(CGR[pub], OWL.sameAs))


def test_study_sizes() -> None:
    g = data_graph()
    assert g.value(CGR["study-mackensen-2022"], CG.participantCount) == Literal(5)
    series = CGR["study-mueller-2024"]
    assert g.value(series, CG.participantCount) == Literal(15)
    cohorts = {g.value(c, CG.studiedCondition): g.value(c, CG.participantCount).toPython()
               for c in g.objects(series, CG.hasCohort)}
    assert cohorts == {CGR.sle: 8, CGR["idiopathic-inflammatory-myositis"]: 3,
                       CGR["systemic-sclerosis"]: 4}
    assert sum(cohorts.values()) == 15


# -- named queries ---------------------------------------------------------------------

HEADER = re.compile(r"^#\s*(title|description|param|unreliable-on):\s*(.*)$")
PARAM = re.compile(r"^(\w+)\s*=\s*(.+?)\s*;\s*(.+)$")


def parse_header(text: str) -> tuple[dict[str, str], dict[str, str]]:
    fields: dict[str, str] = {}
    params: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = HEADER.match(line)
        assert m, f"not a header line: {line!r}"
        if m[1] == "param":
            pm = PARAM.match(m[2])
            assert pm, f"bad param line: {line!r}"
            params[pm[1]] = pm[2]
        else:
            fields[m[1]] = m[2].strip()
    return fields, params


def term(text: str) -> ox.NamedNode | ox.Literal:
    if re.fullmatch(r"[+-]?\d+", text):
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD.integer)))
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return ox.Literal(text[1:-1])
    if text.startswith("<") and text.endswith(">"):
        return ox.NamedNode(text[1:-1])
    prefix, _, local = text.partition(":")
    return ox.NamedNode(PREFIXES[prefix] + local)


def bind(text: str, params: dict[str, ox.NamedNode | ox.Literal]) -> str:
    """Bind parameters the portable way: a VALUES block opening the WHERE group."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    if not params:
        return body
    block = (" VALUES (" + " ".join(f"?{n}" for n in params) + ") { ("
             + " ".join(str(v) for v in params.values()) + ") } ")
    m = re.search(r"\bWHERE\s*\{", body, re.I) or re.search(r"^\s*ASK\s*\{", body, re.I | re.M)
    assert m, "a query with parameters needs a WHERE group"
    return body[:m.end()] + block + body[m.end():]


def run(name: str, **overrides: str):
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    _, params = parse_header(text)
    values = {k: term(v) for k, v in {**params, **overrides}.items()}
    return query_store().query(bind(text, values), prefixes=PREFIXES,
                               use_default_graph_as_union=True)


def rows(name: str, **overrides: str) -> list[dict[str, str]]:
    result = run(name, **overrides)
    names = [v.value for v in result.variables]
    return [{n: (s[n].value if s[n] is not None else None) for n in names} for s in result]


def test_there_are_enough_named_queries() -> None:
    assert len(QUERY_FILES) >= 14
    for path in QUERY_FILES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", path.stem), path.name


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# title: ")
    fields, params = parse_header(text)
    assert fields.get("title") and fields.get("description"), path.name
    body = bind(text, {})
    assert not re.search(r"^\s*(PREFIX|BASE)\b", body, re.I | re.M), "prefixes are predeclared"
    assert not re.search(r"\b(SERVICE|LOAD|FROM)\b", body), path.name
    for name, default in params.items():
        assert re.search(rf"\?{name}\b", body), f"?{name} is not used in {path.name}"
        term(default)  # the default parses as a term


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_query_runs_and_returns_results(path: Path) -> None:
    result = run(path.stem)
    if isinstance(result, ox.QueryBoolean):
        assert path.stem == "approved-for-disease"
        assert bool(result) is False  # no CAR-T product is approved for SLE
    elif isinstance(result, ox.QuerySolutions):
        assert len(list(result)) > 0
    else:
        assert len(list(result)) > 0


def test_ask_can_be_true() -> None:
    assert bool(run("approved-for-disease")) is False
    text = bind((QUERIES / "approved-for-disease.rq").read_text(encoding="utf-8"),
                {"disease": term("cgr:sle")})
    store = ox.Store()
    for quad in query_store():
        store.add(quad)
    store.add(ox.Quad(ox.NamedNode(RESOURCE + "kymriah"), ox.NamedNode(VOCAB + "approvedFor"),
                      ox.NamedNode(RESOURCE + "sle"), ox.NamedNode(RESOURCE + "source-test")))
    assert bool(store.query(text, prefixes=PREFIXES, use_default_graph_as_union=True)) is True


def test_cd19_diseases() -> None:
    found = rows("cd19-diseases")
    diseases = {r["diseaseName"] for r in found}
    assert {"Systemic lupus erythematosus", "Idiopathic inflammatory myositis",
            "Systemic sclerosis", "Lupus nephritis", "Multiple sclerosis",
            "Antisynthetase syndrome"} <= diseases
    # the approved CD19 products' pivotal trials bring their cancers in
    assert {"B-cell precursor acute lymphoblastic leukaemia", "Large B-cell lymphoma"} <= diseases
    assert "Myasthenia gravis" not in diseases  # Descartes-08 targets BCMA
    case = next(r for r in found if r["evidence"] == str(CASE))
    assert case["publication"] == str(NEJM_2021)
    bcma = {r["diseaseName"] for r in rows("cd19-diseases", target="cgr:bcma")}
    assert "Myasthenia gravis" in bcma and "Systemic sclerosis" not in bcma  # really bound


def test_conflicting_claims_show_the_age() -> None:
    found = rows("conflicting-claims")
    ages = [r for r in found if r["subject"] == str(CASE)]
    # the article's 16 against the letter's 20 and against radio8's 20
    assert len(ages) == 2
    for row in ages:
        assert row["propertyName"] == "age at treatment"
        assert {row["value1"], row["value2"]} == {"16", "20"}
        assert row["document1Name"] != row["document2Name"]
    others = {(r["propertyName"], frozenset((r["value1"], r["value2"]))) for r in found} - {
        ("age at treatment", frozenset(("16", "20")))}
    assert others == {("approval date", frozenset(("2021-03-26", "2021-03-27"))),
                      ("ClinicalTrials.gov", frozenset(("NCT02435849", "NCT02228096")))}


def test_case_people_and_institutions() -> None:
    found = rows("case-institutions-people")
    entities = {r["entity"][len(RESOURCE):] for r in found}
    assert {"uker", "fau", "dzi", "mougiakakos-d", "kroenke-g", "voelkl-s"} <= entities
    assert found[0]["entity"] == RESOURCE + "uker"


def test_case_publications_in_date_order() -> None:
    found = rows("case-publications")
    assert [r["publication"] for r in found] == [
        str(NEJM_2021), RESOURCE + "fau-news-2024-02-22", str(SEED)]
    assert found[0]["pmid"] == "34347960" and found[0]["date"] == "2021-08-05"


def test_publications_in_date_order() -> None:
    found = rows("publications")
    dated = [r["date"] for r in found if r["date"]]
    assert dated == sorted(dated) and len(dated) >= 8
    assert found[-1]["date"] is None  # undated ones last


def test_approved_products_query() -> None:
    found = rows("approved-products")
    assert len(found) == 7
    assert [r["productName"] for r in found if r["targetName"] == "CD19"] == [
        "Kymriah", "Yescarta", "Tecartus", "Breyanzi", "Aucatzyl"]


def test_products_by_manufacturer_query() -> None:
    found = {r["groupName"]: int(r["products"]) for r in rows("products-by-manufacturer")}
    assert found["Gilead Sciences"] == 2  # Kite's group, from the ZUMA-1 record
    assert "Bristol Myers Squibb" not in found  # no checked source states its units
    assert found["Novartis"] == 1 and found["Juno Therapeutics"] == 1


def test_part_of_query_follows_paths() -> None:
    found = [(r["relation"], r["whole"][len(RESOURCE):]) for r in rows("part-of")]
    assert found == [("part of", "uker"), ("university hospital of", "fau"),
                     ("located in", "erlangen"), ("located in", "bavaria"),
                     ("located in", "germany")]


def test_identifiers_query() -> None:
    found = {r["vocabulary"]: (r["identifier"], r["iri"]) for r in rows("identifiers")}
    assert found["MONDO"] == ("MONDO:0007915", "http://purl.obolibrary.org/obo/MONDO_0007915")
    assert found["MeSH"] == ("D008180", "http://id.nlm.nih.gov/mesh/D008180")
    assert found["ICD-10"] == ("M32", None)
    uker = {r["vocabulary"]: r["iri"] for r in rows("identifiers", entity="cgr:uker")}
    assert uker["ROR"] == "https://ror.org/0030f2a11"


def test_symptoms_and_timeline_and_claims_queries() -> None:
    symptoms = rows("disease-symptoms")
    assert {r["symptomName"] for r in symptoms} == {
        "Joint pain", "Oedema (water retention)", "Heart palpitations", "Hair loss"}
    assert {r["kind"] for r in symptoms} == {"claim"}
    timeline = rows("case-timeline")
    assert [r["when"] for r in timeline] == sorted(r["when"] for r in timeline)
    assert timeline[0]["when"] == "2017" and timeline[0]["kind"] == "claim"
    claims = rows("case-claims")
    assert len(claims) >= 15
    assert {r["document"] for r in claims} == {
        str(SEED), str(NEJM_2021), RESOURCE + "radio8-2021",
        RESOURCE + "review-pediatric-rheumatology-2024", RESOURCE + "fau-news-2024-02-22"}


def test_entities_per_class_query() -> None:
    counts = {r["className"]: int(r["entities"]) for r in rows("entities-per-class")}
    assert counts["CAR-T product"] == 7
    assert counts["Patient case"] == 7  # pseudonymous cases of seven reports
    assert counts["Claim"] == len(list(data_graph().subjects(RDF.type, CG.Claim)))


def test_construct_returns_the_case_subgraph() -> None:
    result = run("case-subgraph")
    graph = rdflib.Graph()
    for triple in result:
        graph.add((URIRef(triple.subject.value), URIRef(triple.predicate.value),
                   rdflib.util.from_n3(str(triple.object))))
    case_triples = rdflib.Graph()
    for triple in data_graph().triples((CASE, None, None)):
        case_triples.add(triple)
    assert len(case_triples) > 5
    inside = rdflib.Graph()
    for triple in graph.triples((CASE, None, None)):
        inside.add(triple)
    assert isomorphic(inside, case_triples)
    assert (CGR["claim-article-age-at-treatment"], CG.about, CASE) in graph
