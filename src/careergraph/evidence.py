"""Evidence for a step: who said it, in which episode, from when to when.

A module of its own with no heavy imports, so a cached role projection (whose
edges carry evidence) loads without rdflib.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Evidence", "clock", "sort_evidence", "span_text"]


def clock(seconds: int | None) -> str:
    """Seconds as the archive writes times: ``M:SS`` or ``H:MM:SS``.

    >>> clock(529), clock(3747), clock(None)
    ('8:49', '1:02:27', '')
    """
    if seconds is None:
        return ""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def span_text(start: int | None, end: int | None) -> str:
    """``8:49–13:19``, ``8:49`` for a single time, ``whole episode`` with no time.

    >>> span_text(529, 799), span_text(529, None), span_text(None, None)
    ('8:49–13:19', '8:49', 'whole episode')
    """
    if start is None:
        return "whole episode"
    if end is None:
        return clock(start)
    return f"{clock(start)}–{clock(end)}"


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
