"""What an import returns: the triples, their counts, and the problems met."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rdflib import Graph

__all__ = ["ImportResult", "Problem"]


@dataclass(frozen=True, order=True)
class Problem:
    """Something in the wiki that could not be imported as it stands."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ImportResult:
    """The imported triples, what they count, and the problems met on the way."""

    graph: Graph
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Details for ``--report``: skipped citations with their reason, and the like.
    details: dict[str, Any] = field(default_factory=dict)
