"""What an import returns: the triples, their counts, and the problems met."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from rdflib import Graph

from .. import forked
from .triples import Triples, turtle

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

    triples: Triples
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Details for ``--report``: skipped citations with their reason, and the like.
    details: dict[str, Any] = field(default_factory=dict)
    #: 2: write the Turtle in two processes (see :func:`.triples.turtle`), the same text; None: in
    #: two where a fork is safe when it is written (:func:`.forked.available`: no thread started since)
    jobs: int | None = 1

    @cached_property
    def graph(self) -> Graph:
        """The triples as an rdflib graph, built on first use (the import itself never needs one)."""
        return self.triples.graph()

    def turtle(self) -> str:
        """The triples as sorted Turtle: the same bytes for the same triples."""
        return turtle(self.triples, jobs=forked.jobs() if self.jobs is None else self.jobs)
