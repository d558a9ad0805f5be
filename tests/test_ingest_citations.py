"""Citations: every form the wiki uses, by the documented rule, and the coverage of the snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki
from careergraph.vocab import CG, ID, PROV, RDF, RDFS, SCHEMA

EPISODES = {
    "ep-one": ("Episode One", ["ada"]),
    "ep-two": ("Episode Two", ["bo"]),
}


def _wiki(tmp_path: Path, pages: dict[str, str]) -> Path:
    root = tmp_path / "wiki"
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    for slug, name in (("ada", "Ada Example"), ("bo", "Boris Example")):
        (root / "_people" / f"{slug}.md").write_text(f'---\ntitle: "{name}"\n---\n')
    for slug, (title, guests) in EPISODES.items():
        (root / "_podcast_summaries" / f"{slug}.md").write_text(
            f'---\ntitle: "{title}"\nguests: {json.dumps(guests)}\n'
            f'youtube_url: "https://www.youtube.com/watch?v={slug}"\n---\n'
        )
    for name, text in pages.items():
        (root / "_wiki" / name).write_text(text)
    return root


def _import(root: Path):
    return import_podwiki(root, load_graph([shipped_dir("graph_data")]))


def _ranges(graph: Graph) -> set[tuple[str, int, int | None]]:
    """(episode slug, start, end) of every segment a claim is derived from."""
    found = set()
    for segment in graph.objects(None, PROV.wasDerivedFrom):
        if (segment, RDF.type, SCHEMA.Clip) in graph:
            episode = str(graph.value(segment, SCHEMA.partOfEpisode)).rsplit("/", 1)[-1]
            end = graph.value(segment, SCHEMA.endOffset)
            start = int(graph.value(segment, SCHEMA.startOffset))
            found.add((episode, start, None if end is None else int(end)))
    return found


CONCEPT = """---
title: "Feature Stores"
---

Inside the link: [[podcast:ep-one|Ada at 1:00-2:00 and 3:00]].

Outside, a list after the link ([[podcast:ep-one|Episode One]], 4:00-5:00 and 6:00-7:00).

At 8:00-9:00, Ada in [[podcast:ep-one|Episode One]] says so. At 1:02:03-1:05:00 she adds more.

Two episodes: [[podcast:ep-one|Episode One]] at 10:00. Then [[podcast:ep-two|Episode Two]] at 11:00-12:00.
Later, at 13:00, he adds a point.

- A list item at 14:00 cites [[podcast:ep-two|Episode Two]]
- and this one [[podcast:ep-one|Episode One]] at 15:00

Nothing to tie this to: at 16:00-17:00 someone says it.

Impossible: [[podcast:ep-one|Episode One]] at 99:99 and 1:02:03:04.
"""


@pytest.fixture()
def concept(tmp_path: Path):
    return _import(_wiki(tmp_path, {"feature-stores.md": CONCEPT}))


def test_every_citation_form_becomes_a_segment(concept) -> None:
    assert _ranges(concept.graph) == {
        ("ep-one", 60, 120),
        ("ep-one", 180, None),
        ("ep-one", 240, 300),
        ("ep-one", 360, 420),
        ("ep-one", 480, 540),
        ("ep-one", 3723, 3900),
        ("ep-one", 600, None),
        ("ep-two", 660, 720),
        ("ep-two", 780, None),  # the nearest link before it in the paragraph
        ("ep-two", 840, None),  # a list item is its own sentence
        ("ep-one", 900, None),
    }


def test_times_that_cannot_be_attributed_are_warnings_with_file_and_line(concept, tmp_path: Path) -> None:
    page = tmp_path / "wiki" / "_wiki" / "feature-stores.md"
    messages = [str(p) for p in concept.problems]
    assert messages == [
        f"{page}:17: time 16:00-17:00 not attributed: no podcast link in its paragraph",
        f"{page}:19: impossible time 1:02:03:04 (not M:SS or H:MM:SS); skipped",
        f"{page}:19: impossible time 99:99 (not M:SS or H:MM:SS); skipped",
    ]
    assert [s["reason"] for s in concept.details["skipped citations"]][0].startswith("time 16:00-17:00")
    assert concept.counts["cited ranges"] == concept.counts["cited ranges held"] == 11


def test_claims_from_different_sections_never_merge(tmp_path: Path) -> None:
    page = """---
title: "Feature Stores"
---

## First

[[person:ada|Ada]] says one thing ([[podcast:ep-one|Episode One]], 1:00-2:00).

## Second

[[person:ada|Ada]] says another ([[podcast:ep-one|Episode One]], 1:00-2:00).
And again ([[podcast:ep-one|Episode One]], 1:00-2:00).
"""
    graph = _import(_wiki(tmp_path, {"feature-stores.md": page})).graph
    claims = sorted(str(c).split("/claim/")[1] for c in graph.subjects(RDF.type, CG.Claim))
    assert claims == ["feature-stores/first/1", "feature-stores/second/1", "feature-stores/second/2"]
    for claim in graph.subjects(RDF.type, CG.Claim):
        assert len(list(graph.objects(claim, RDFS.label))) == 1


TWO_TARGETS = """---
title: "Data Analyst to Data Engineer and Data Scientist"
tags: [transition]
---

Both moves start from SQL ([[podcast:ep-one|Episode One]], 1:00-2:00).

## Moving Into Data Engineer Work

Pipelines matter here ([[podcast:ep-one|Episode One]], 3:00-4:00).

## Other Notes

For a Data Scientist the models come first ([[podcast:ep-two|Episode Two]], 5:00-6:00).
"""


def test_a_claim_supports_the_target_its_section_or_paragraph_names(tmp_path: Path) -> None:
    graph = _import(_wiki(tmp_path, {"analyst.md": TWO_TARGETS})).graph
    to_de = ID["transition/data-analyst--data-engineer"]
    to_ds = ID["transition/data-analyst--data-scientist"]

    def supported(section: str) -> set:
        (claim,) = [c for c in graph.subjects(RDF.type, CG.Claim) if f"/{section}/" in str(c)]
        return set(graph.objects(claim, CG.supports))

    assert supported("introduction") == {to_de, to_ds}
    assert supported("moving-into-data-engineer-work") == {to_de}
    assert supported("other-notes") == {to_ds}


# --- the snapshot: an independent count of the cited ranges ----------------------------

_LINK = re.compile(r"\[\[podcast:([^\]|]+)(\|[^\]]*)?\]\]")
_RANGE = re.compile(r"(?<![\d:])(\d{1,2}(?::\d\d){1,2})(?:\s*[-–—]\s*(\d{1,2}(?::\d\d){1,2}))?(?![\d:])")


def _secs(stamp: str) -> int:
    total = 0
    for part in stamp.split(":"):
        total = total * 60 + int(part)
    return total


def _count_cited_ranges(wiki: Path) -> set[tuple[str, int, int | None]]:
    """Unique (episode, start, end) the pages cite in a paragraph with a podcast link.

    Deliberately simpler than the importer: a time inside a link belongs to it;
    else to the last podcast link before it in its paragraph, or the first
    after it. (Times in paragraphs with no link are out of this count: which
    episode they belong to is the importer's judgement, not a fact to count.)
    """
    cited = set()
    for path in sorted(wiki.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        for paragraph in re.split(r"\n\s*\n", body):
            links = [(m.start(), m.end(), m.group(1).strip()) for m in _LINK.finditer(paragraph)]
            if not links:
                continue
            for match in _RANGE.finditer(paragraph):
                inside = [ep for s, e, ep in links if s <= match.start() < e]
                before = [ep for s, e, ep in links if e <= match.start()]
                episode = (inside or before[-1:] or [links[0][2]])[0]
                end = _secs(match.group(2)) if match.group(2) else None
                cited.add((episode, _secs(match.group(1)), end))
    return cited


def test_at_least_95_percent_of_the_cited_ranges_are_held(podwiki: Path, podwiki_import) -> None:
    output, report = podwiki_import
    cited = _count_cited_ranges(podwiki / "_wiki")
    held = _ranges(Graph().parse(output))
    share = len(cited & held) / len(cited)
    assert len(cited) > 1500
    assert share >= 0.95, f"{len(cited & held)} of {len(cited)} cited ranges held ({share:.1%})"
    counts = json.loads(report.read_text())["counts"]
    assert counts["cited ranges held"] / counts["cited ranges"] >= 0.95


def test_a_paragraph_without_a_link_goes_on_with_its_sections_episode(tmp_path: Path) -> None:
    page = """---
title: "Feature Stores"
---

## One

[[person:ada|Ada]] explains it in [[podcast:ep-one|Episode One]].

At 1:00-2:00, she adds a point.

Boris says otherwise at 3:00.

## Two

At 4:00 nobody can tell which episode this is.

Boris has his own episode, [[podcast:ep-two|Episode Two]].
"""
    result = _import(_wiki(tmp_path, {"feature-stores.md": page}))
    assert _ranges(result.graph) == {("ep-one", 60, 120)}
    path = tmp_path / "wiki" / "_wiki" / "feature-stores.md"
    assert [str(p) for p in result.problems] == [
        f"{path}:11: time 3:00 not attributed: no podcast link in its paragraph",
        f"{path}:15: time 4:00 not attributed: no podcast link in its paragraph",
    ]


def test_summary_and_report_say_what_was_held_and_skipped(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from careergraph.cli import main

    root = _wiki(tmp_path, {"feature-stores.md": CONCEPT})
    output, report = tmp_path / "out.ttl", tmp_path / "report.json"
    result = CliRunner().invoke(
        main, ["import", "podwiki", str(root), "-o", str(output), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "cited ranges: 11 found, 11 held (100.0%), 1 time not attributed; career moves: 0 "
        "(0 from chapters, 0 from episode titles, 0 from bios); roles created: 0"
    ) in result.stdout
    document = json.loads(report.read_text())
    assert document["counts"]["cited ranges held"] == 11 and document["cited ranges held share"] == 1.0
    page = str(root / "_wiki" / "feature-stores.md")
    assert document["skipped citations"] == [
        {
            "file": page,
            "line": 17,
            "time": "16:00-17:00",
            "reason": "time 16:00-17:00 not attributed: no podcast link in its paragraph",
        },
        {
            "file": page,
            "line": 19,
            "time": "1:02:03:04",
            "reason": "impossible time 1:02:03:04 (not M:SS or H:MM:SS); skipped",
        },
        {
            "file": page,
            "line": 19,
            "time": "99:99",
            "reason": "impossible time 99:99 (not M:SS or H:MM:SS); skipped",
        },
    ]
    assert len(document["warnings"]) == 3
