"""Evidence for people: grouped by episode, timed first, each citation once, capped."""

from __future__ import annotations

from careergraph.routes.answers import evidence_lines
from careergraph.routes.evidence import Evidence, group_evidence


def cite(
    episode: str, guest: str, start: int | None = None, end: int | None = None, claim: str = "c"
) -> Evidence:
    url = None if start is None else f"https://v/{episode}?t={start}"
    return Evidence(episode.title(), start, end, guest, episode, url, claim)


def test_timed_citations_come_grouped_by_episode_in_time_order_each_once() -> None:
    evidence = [
        cite("beta", "Bo", 300, 400),
        cite("alpha", "Ann", 90, 120, claim="x"),
        cite("alpha", "Ann", 90, 120, claim="y"),  # a second claim citing the same segment
        cite("alpha", "Cy", 10, 20),
        cite("alpha", "Ann"),  # whole episode, but Ann is cited at a time in it already
        cite("gamma", "Di"),
        cite("gamma", "Di", claim="z"),
    ]
    timed, whole = group_evidence(evidence)
    assert [(g.title, [(c.guest, c.start) for c in g.citations]) for g in timed] == [
        ("Alpha", [("Cy", 10), ("Ann", 90)]),  # the episode with more citations first
        ("Beta", [("Bo", 300)]),
    ]
    assert [(c.episode, c.guest) for c in whole] == [("gamma", "Di")]


def test_text_lists_titles_once_then_whole_episodes_and_caps_the_lines() -> None:
    evidence = [cite("alpha", "Ann", 90, 120), cite("alpha", "Cy", 10, 20), cite("gamma", "Di")]
    assert evidence_lines(evidence) == [
        "Alpha",
        "  Cy · 0:10–0:20 · https://v/alpha?t=10",
        "  Ann · 1:30–2:00 · https://v/alpha?t=90",
        "Whole episodes:",
        "  Di · Gamma · whole episode",
    ]
    capped = evidence_lines(evidence, limit=2)
    assert capped == [
        "Alpha",
        "  Cy · 0:10–0:20 · https://v/alpha?t=10",
        "… and 2 more (--evidence N shows more; -f json lists all)",
    ]
    assert evidence_lines([]) == []
