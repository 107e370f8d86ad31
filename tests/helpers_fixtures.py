"""The vendored fixtures (tests/fixtures/, tests/w3c/) and how to read them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
W3C = TESTS / "w3c"
SEED_ARTICLE_QUOTES = FIXTURES / "seed-article-quotes.txt"
PATIENT_NAME_DIGESTS = FIXTURES / "patient-name.sha256"
DOMAIN_FACTS_PRODUCTS = FIXTURES / "domain-facts-products.md"

_WORD = re.compile(r"\w+")
_JOINERS = ("-", " ")
_MAX_WORDS = 4


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class NameDigests:
    """Finds a name in a text knowing only the SHA-256 digests of its lower-cased forms.

    A form is one to four words joined by single hyphens or white space; it matches
    where it stands between word boundaries, case-insensitively, as
    ``re.compile(rf"\\b{form}\\b", re.I)`` would (runs of white space count as one
    space). ``search`` mirrors ``re.Pattern.search`` closely enough for ``assert not``.
    """

    def __init__(self, digests: Iterable[str]) -> None:
        self.digests = frozenset(digests)

    @classmethod
    def of(cls, *forms: str) -> NameDigests:
        return cls(_digest(f.lower()) for f in forms)

    @classmethod
    def load(cls, path: Path) -> NameDigests:
        lines = path.read_text(encoding="ascii").split()
        assert lines and all(re.fullmatch(r"[0-9a-f]{64}", d) for d in lines), path
        return cls(lines)

    def search(self, text: str) -> str | None:
        """The first matching form as it stands in ``text`` (normalised), else None."""
        text = re.sub(r"\s+", " ", text.lower())
        words = list(_WORD.finditer(text))
        for i, first in enumerate(words):
            for j in range(i, min(i + _MAX_WORDS, len(words))):
                if j > i and text[words[j - 1].end():words[j].start()] not in _JOINERS:
                    break
                candidate = text[first.start():words[j].end()]
                if _digest(candidate) in self.digests:
                    return candidate
        return None
