"""The tests stand on their own: vendored fixtures, their licences, nothing from outside."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers_fixtures import (
    FIXTURES,
    PATIENT_NAME_DIGESTS,
    SEED_ARTICLE_QUOTES,
    TESTS,
    W3C,
    NameDigests,
)

REPO = TESTS.parent


@pytest.mark.parametrize(("text", "found"), [
    ("The case of Jane-Doe X., who", "jane-doe"),
    ("the case of JANE-DOE\n  x during", "jane-doe"),
    ("seen by jane-doe-smith.", "jane-doe"),  # "-" is a word boundary, as for \b
    ("Dr. Doe-Smith", None),
    ("a Janeway story", None),
    ("x_jane-doe", None),                      # no word boundary before "jane"
    ("Jane Doe", None),                        # a space is not the name's hyphen
])
def test_name_digests_match_like_word_bounded_patterns(text: str, found: str | None) -> None:
    assert NameDigests.of("Jane-Doe").search(text) == found


def test_name_digests_match_forms_of_several_words() -> None:
    name = NameDigests.of("Jane-Doe X")
    assert name.search("the case of JANE-DOE\n  x, during") == "jane-doe x"
    assert name.search("Jane-Doe Xavier") is None


def test_name_digests_find_a_form_inside_a_longer_hyphenated_name() -> None:
    assert NameDigests.of("Marie").search("Anne-Marie V.") == "marie"


def test_the_vendored_fixtures_do_not_name_the_patient() -> None:
    name = NameDigests.load(PATIENT_NAME_DIGESTS)
    assert len(name.digests) == 3
    for path in [*FIXTURES.iterdir(), *TESTS.glob("*.py"), REPO / "README.md"]:
        assert name.search(path.read_text(encoding="utf-8")) is None, path.name
    quotes = SEED_ARTICLE_QUOTES.read_text(encoding="utf-8")
    assert quotes.count("NN") == 3  # where the article names her


def test_the_w3c_suites_keep_their_licence_beside_them() -> None:
    assert "W3C Test Suite License" in (W3C / "LICENSE").read_text(encoding="utf-8")
    assert "04-testsuite-copyright" in (W3C / "LICENSE.md").read_text(encoding="utf-8")
    for suite in ("rdf-turtle", "rdf-n-triples", "rdf-n-quads", "rdf-trig"):
        assert (W3C / "rdf" / "rdf11" / suite / "manifest.ttl").is_file(), suite
    assert (W3C / "rdf" / "rdf11" / "rdf-turtle" / "LICENSE").read_bytes() == \
        (W3C / "LICENSE").read_bytes()


def test_nothing_under_tests_reads_outside_the_repository() -> None:
    outside = re.compile(r"""parents?\[\s*[2-9]\s*\]|\.parent\.parent\.parent|["']\.\./|"""
                         r"""/work/|["']shared["']|REPO\.parent|ROOT\.parent""")
    offenders = []
    for path in sorted(TESTS.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if outside.search(line) and path != Path(__file__):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []
