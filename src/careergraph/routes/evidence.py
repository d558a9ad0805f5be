"""Evidence for a step: who said it, in which episode, from when to when.

A module of its own with no heavy imports, so a cached role projection (whose
edges carry evidence) loads without rdflib.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "EpisodeCitations",
    "Evidence",
    "clock",
    "evidence_key",
    "group_evidence",
    "sort_evidence",
    "span_text",
]


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


def evidence_key(e: Evidence) -> tuple[Any, ...]:
    """What :func:`sort_evidence` orders by: episode, then time (a whole episode first, a single
    time before a range), then claim."""
    return (e.episode_title, e.start is not None, e.start or 0, e.end is not None, e.end or 0, e.claim)


def sort_evidence(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    """Evidence by episode, then time (a whole episode first, a single time before a range)."""
    return tuple(sorted(evidence, key=evidence_key))


@dataclass(frozen=True)
class EpisodeCitations:
    """The timed citations of one episode, each once, in the order of time."""

    episode: str
    title: str
    citations: tuple[Evidence, ...]


def group_evidence(evidence: Iterable[Evidence]) -> tuple[tuple[EpisodeCitations, ...], tuple[Evidence, ...]]:
    """Timed citations grouped by episode, then the whole-episode citations, duplicates removed.

    A citation is a duplicate when its guest, time and link are already listed
    (several claims can cite one segment); a whole-episode citation is dropped
    when the same guest is already cited at a time in that episode. Episodes
    with more citations come first, then by title.

    >>> def e(title, guest, start=None, end=None, claim="c"):
    ...     return Evidence(title, start, end, guest, title.lower(), None, claim)
    >>> timed, whole = group_evidence([
    ...     e("B", "Bo", 60, 90), e("A", "Ann", 10, 20), e("A", "Ann", 10, 20, claim="d"),
    ...     e("A", "Cy", 5), e("A", "Ann"), e("C", "Di"), e("C", "Di", claim="x")])
    >>> [(g.title, [(c.guest, c.start) for c in g.citations]) for g in timed]
    [('A', [('Cy', 5), ('Ann', 10)]), ('B', [('Bo', 60)])]
    >>> [(c.episode_title, c.guest) for c in whole]
    [('C', 'Di')]
    """
    by_episode: dict[str, dict[tuple[Any, ...], Evidence]] = {}
    titles: dict[str, str] = {}
    untimed: dict[tuple[str, str], Evidence] = {}
    for item in sort_evidence(evidence):
        if item.start is None:
            untimed.setdefault((item.episode, item.guest), item)
            continue
        titles[item.episode] = item.episode_title
        by_episode.setdefault(item.episode, {}).setdefault((item.guest, item.start, item.end, item.url), item)
    groups = [
        EpisodeCitations(
            episode,
            titles[episode],
            tuple(
                sorted(found.values(), key=lambda c: (c.start or 0, c.end is not None, c.end or 0, c.guest))
            ),
        )
        for episode, found in by_episode.items()
    ]
    groups.sort(key=lambda g: (-len(g.citations), g.title, g.episode))
    cited_at_a_time = {(g.episode, c.guest) for g in groups for c in g.citations}
    whole = tuple(item for key, item in untimed.items() if key not in cited_at_a_time)
    return tuple(groups), whole
