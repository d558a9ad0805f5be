"""Evidence for a step: who said it, in which episode, from when to when.

A module of its own with no heavy imports, so a cached role projection (whose
edges carry evidence) loads without rdflib.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Evidence", "sort_evidence"]


@dataclass(frozen=True)
class Evidence:
    """A segment (or a whole episode) that backs a step, and who said it."""

    episode_title: str
    start: int | None
    end: int | None
    guest: str
    episode: str
    url: str | None
    claim: str
    #: the segment (or, for a citation with no time, the episode) the claim comes from
    source: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "guest": self.guest,
            "episode": {"id": self.episode, "title": self.episode_title},
            "start": self.start,
            "end": self.end,
            "url": self.url,
            "claim": self.claim,
        }


def sort_evidence(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Evidence by episode, then time (a whole episode first, a single time before a range)."""
    return tuple(
        sorted(
            evidence,
            key=lambda e: (
                e.episode_title,
                e.start is not None,
                e.start or 0,
                e.end is not None,
                e.end or 0,
                e.claim,
            ),
        )
    )
