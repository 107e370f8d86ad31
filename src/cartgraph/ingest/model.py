"""What an import or validate run is asked to do, and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[str, int, int], None]


@dataclass
class ImportOptions:
    """What ``import`` and ``validate`` are asked to do (all optional)."""

    graph: str | None = None
    source_id: str | None = None
    sources: list[str] | None = None
    base: str | None = None
    input_format: str | None = None
    shapes: str | None = None
    shacl: bool = True
    dry_run: bool = False
    recursive: bool = False
    follow_symlinks: bool = False  # with recursive: follow links out of the directory
    wait: float = 0.0
    progress: Progress | None = None


@dataclass
class SourceRecord:
    """What the provenance graph says about one imported source."""

    source: str
    location: str
    sha256: str
    statements: int
    graphs: list[str]
    format: str = ""
    started: str = ""
    ended: str = ""
    version: str = ""
    base: str = ""  # the --base given at import ("" when relative IRIs used the location)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SourceResult:
    """What one run did (or, in a dry run, would do) with one input.

    ``status`` is "added", "replaced", "unchanged", or "valid" for validate;
    ``statements`` is what the input holds, ``removed`` what a replacement
    took away (the old record's count).
    """

    source: str
    location: str
    status: str
    statements: int
    graphs: list[str]
    removed: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ImportReport:
    """The outcome of one ``import`` or ``validate`` run."""

    results: list[SourceResult]
    shacl: bool
    dry_run: bool
    warnings: list[str] = field(default_factory=list)

    @property
    def sources(self) -> list[SourceResult]:
        return self.results

    @property
    def changed(self) -> bool:
        return any(r.status in {"added", "replaced"} for r in self.results)

    @property
    def added(self) -> int:
        """Statements added (or, in a dry run, that would be)."""
        return sum(r.statements for r in self.results if r.status in {"added", "replaced"})

    @property
    def removed(self) -> int:
        return sum(r.removed for r in self.results)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        return ", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "shacl": self.shacl, "summary": self.summary(),
                "added": self.added, "removed": self.removed,
                "warnings": self.warnings, "sources": [r.to_json() for r in self.results]}

