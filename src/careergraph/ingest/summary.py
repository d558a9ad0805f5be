"""The importer's summary: one line for people, the same as JSON for ``--report``."""

from __future__ import annotations

import json

from .result import ImportResult

__all__ = ["coverage_line", "report_json", "summary_text"]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_text(result: ImportResult) -> str:
    """What was imported, in one line (without the triple count)."""
    counts = result.counts
    return (
        f"{counts['pages']} pages, {counts['guests']} guests, {counts['episodes']} episodes, "
        f"{counts['segments']} segments, {counts['transitions']} transitions, {counts['claims']} claims, "
        f"{_plural(len(result.problems), 'warning')}"
    )


def coverage_line(result: ImportResult) -> str:
    """Cited ranges found and held, career moves by source, roles created.

    >>> from careergraph.ingest.triples import Triples
    >>> counts = {"cited ranges": 200, "cited ranges held": 199, "times not attributed": 3,
    ...           "moves": 5, "moves from chapters": 3, "moves from episode titles": 1,
    ...           "moves from bios": 1, "roles created": 2, "claims": 9}
    >>> print(coverage_line(ImportResult(Triples(), counts)))
    cited ranges: 200 found, 199 held (99.5%), 3 times not attributed; career moves: 5 (3 from chapters, 1 from episode titles, 1 from bios); roles created: 2
    """
    counts = result.counts
    found, held = counts.get("cited ranges", 0), counts.get("cited ranges held", 0)
    share = f"{100 * held / found:.1f}%" if found else "n/a"
    return (
        f"cited ranges: {found} found, {held} held ({share}), "
        f"{_plural(counts.get('times not attributed', 0), 'time')} not attributed; "
        f"career moves: {counts.get('moves', 0)} ({counts.get('moves from chapters', 0)} from chapters, "
        f"{counts.get('moves from episode titles', 0)} from episode titles, "
        f"{counts.get('moves from bios', 0)} from bios){_topics(counts)}; "
        f"roles created: {counts.get('roles created', 0)}"
    )


def _topics(counts: dict[str, int]) -> str:
    """The chapter moves left out as topics of discussion, when there are any."""
    topics = counts.get("moves read as topics", 0)
    return f", {topics} more read as topics and left out" if topics else ""


def report_json(result: ImportResult, *, output: str) -> str:
    """The summary as JSON: counts, the coverage share, warnings, and every skipped citation and why."""
    counts = dict(sorted(result.counts.items()))
    found = counts.get("cited ranges", 0)
    document = {
        "output": output,
        "counts": counts,
        "cited ranges held share": round(counts.get("cited ranges held", 0) / found, 4) if found else None,
        "warnings": [str(problem) for problem in result.problems],
        **{key: result.details[key] for key in sorted(result.details)},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
