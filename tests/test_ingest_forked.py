"""Reading part of the wiki's files, and half its pages, in a forked child gives what reading them all in one
process gives."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal, URIRef

from careergraph import forked
from careergraph.data import load_graph, shipped_dir
from careergraph.errors import DataFileError
from careergraph.ingest import import_podwiki, triples, writer
from careergraph.vocab import CG, RDF, SCHEMA, SKOS

EPISODES = {
    "ep-one": ("Episode One", ["ada"]),
    "ep-two": ("Episode Two", ["bo"]),
}

#: Wiki pages in slug order. The first transition page names two roles the vocabulary lacks, so reading it
#: creates them (with a warning for the target); later pages name them again, and must find them. The
#: last one creates a role too, which the import's list of roles created must hold whichever process read it.
PAGES = {
    "a-hiker-to-quantum-wrangler.md": """---
title: "Hiker to Quantum Wrangler"
tags: ["transition"]
---

## Skills That Transfer

Hikers already know SQL and Python from trail logs ([[podcast:ep-one|Episode One]], 1:00-2:00).

## Gaps

Learn Docker and monitoring next; [[person:ada|Ada]] adds that at 3:00 in [[podcast:ep-one|Episode One]].
""",
    "b-feature-stores.md": """---
title: "Feature Stores"
---

A feature store keeps features for training and serving models ([[podcast:ep-two|Episode Two]], 4:00-5:00).

Nothing ties this time to an episode: 6:00 here.
""",
    "c-notes.md": """---
title: "Notes"
tags: ["guide"]
---

Quantum wranglers own the deployment of models and write tests ([[podcast:ep-one|Episode One]], 1:00-2:00).

See [[Missing Page]] and [[Feature Stores]].
""",
    "d-quantum-wrangler-to-data-engineer.md": """---
title: "Quantum Wrangler to Data Engineer"
tags: ["transition"]
---

Quantum wranglers keep Python; they add Airflow and dbt ([[podcast:ep-two|Episode Two]], 7:00-8:00).
""",
    "e-hiker-to-quantum-wrangler-roadmap.md": """---
title: "Hiker to Quantum Wrangler Roadmap"
tags: ["transition"]
---

## Stage 1

Add Git and testing at 9:00-10:00 in [[podcast:ep-one|Episode One]]; 99:99 is no time.
""",
    "f-river-guide-to-data-engineer.md": """---
title: "River Guide to Data Engineer"
tags: ["transition"]
---

River guides learn SQL and Spark ([[podcast:ep-two|Episode Two]], 1:00-2:00).
""",
}


FIRST_JOBS = {"ep-one": "Hiker", "ep-two": "River Guide"}
#: A move along the transition the first page makes: writing the moves after any cut of the pages must know
#: that page typed it (a move types a transition only where none is).
FIRST_PAGE_MOVE = (
    "- 0:30 - [Career Journey: From Hiker to Quantum Wrangler](https://www.youtube.com/watch?v=ep-one&t=30)\n"
)
#: A guest's Background that tells a move of its own (read once every page has been read).
BORIS = "\n## Background\n\nBoris is a Data Engineer. Previously, Boris was a Software Engineer at a bank.\n"


def _wiki(tmp_path: Path) -> Path:
    root = tmp_path / "wiki"
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    for slug, name, background in (
        ("ada", "Ada Example", ""),
        ("bo", "Boris Example", BORIS),
    ):
        (root / "_people" / f"{slug}.md").write_text(f'---\ntitle: "{name}"\n---\n{background}')
    for slug, (title, guests) in EPISODES.items():
        (root / "_podcast_summaries" / f"{slug}.md").write_text(
            f'---\ntitle: "{title}"\nguests: {json.dumps(guests)}\n'
            f'youtube_url: "https://www.youtube.com/watch?v={slug}"\n---\n\n## Chapter Summary\n\n'
            f"- 0:00 - [Intro](https://www.youtube.com/watch?v={slug}&t=0)\n"
            f"{FIRST_PAGE_MOVE if slug == 'ep-one' else ''}"
            f"- 1:00 - [Career Journey: From {FIRST_JOBS[slug]} to Data Engineer]"
            f"(https://www.youtube.com/watch?v={slug}&t=60)\n"
            f"- 50:00 - [Wrap-up](https://www.youtube.com/watch?v={slug}&t=3000)\n"
        )
    # Warnings from the files read before the pages, and an episode of two guests whose chapter names one
    # by the first name the people files give: what a child's share of those files must send back too.
    (root / "_people" / "zed.md").write_text('---\ntitle: "Zed"\nsource_url: "not a url"\n---\n')
    (root / "_podcast_summaries" / "ep-three.md").write_text(
        '---\ntitle: "Episode Three"\nguests: ["ada", "bo"]\nseason: "two"\n'
        'youtube_url: "https://www.youtube.com/watch?v=ep-three"\n---\n\n## Chapter Summary\n\n'
        "- 1:00 - [Boris's Journey: From Software Engineer to Data Engineer]"
        "(https://www.youtube.com/watch?v=ep-three&t=60)\n"
    )
    for name, text in PAGES.items():
        (root / "_wiki" / name).write_text(text)
    return root


def _outcome(root: Path, jobs: int) -> tuple[str, Any, Any, Any]:
    result = import_podwiki(root, load_graph([shipped_dir("graph_data")]), jobs=jobs)
    return result.turtle(), result.counts, [str(p) for p in result.problems], result.details


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each forked child returned its pages' triples (so a test cannot pass by the fallback alone)."""
    returned: list[bool] = []
    result = forked.Forked.result

    def recording(self: forked.Forked) -> Any:
        value = result(self)
        returned.append(value is not None)
        return value

    monkeypatch.setattr(forked.Forked, "result", recording)
    return returned


def test_every_cut_between_parent_and_child_gives_the_one_process_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    root = _wiki(tmp_path)
    alone = _outcome(root, jobs=1)
    warnings = alone[2]
    assert sum("'Quantum Wrangler' of" in w and "is not a known role; added" in w for w in warnings) == 1
    assert alone[1]["roles created"] == 3 and alone[1]["claims"] >= 6
    assert alone[1]["moves from chapters"] == 3 and alone[1]["moves from bios"] == 1
    assert any("zed.md" in w for w in warnings) and any("ep-three.md" in w for w in warnings)
    for cut in range(1, len(PAGES)):
        monkeypatch.setattr(writer, "_half", lambda pages, after, cut=cut: cut)
        assert _outcome(root, jobs=2) == alone, f"pages cut after the {cut}th"
    assert children == [True, True] * (len(PAGES) - 1)  # the files, then the pages


def test_every_cut_of_the_files_between_parent_and_child_gives_the_one_process_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    root = _wiki(tmp_path)
    alone = _outcome(root, jobs=1)
    in_two = writer._Importer._in_two
    files = len(list(root.rglob("*.md")))  # the episodes, the people, the wiki pages' front matter
    for cut in range(1, files):

        def cutting(
            self: Any, work: Any, half: int, state: Any, *rest: Any, cut: int = cut, **then: Any
        ) -> bool:
            assert state is not writer._FILE_STATE or len(work) == files
            return in_two(self, work, cut if state is writer._FILE_STATE else half, state, *rest, **then)

        monkeypatch.setattr(writer._Importer, "_in_two", cutting)
        assert _outcome(root, jobs=2) == alone, f"files cut after the {cut}th"
    assert children == [True, True] * (files - 1)


def test_a_child_that_fails_leaves_its_pages_to_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    root = _wiki(tmp_path)
    alone = _outcome(root, jobs=1)

    def failing(self: Any, state: Any, prepare: Any, mine: Any) -> Any:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(writer._Importer, "_apart", failing)
    assert _outcome(root, jobs=2) == alone
    assert children == [False, False]  # the files' child, then the pages'


def test_a_progress_bar_counts_every_page_once_and_the_shares_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    root = _wiki(tmp_path)
    files = sorted(str(p) for p in root.rglob("*.md"))
    vocabulary = load_graph([shipped_dir("graph_data")])

    def steps() -> list[str]:
        seen: list[str] = []
        import_podwiki(root, vocabulary, jobs=2, progress=lambda path: seen.append(str(path)))
        assert sorted(seen) == files
        return [Path(path).name for path in seen if path in {str(root / "_wiki" / n) for n in PAGES}]

    names = list(PAGES)
    for cut in range(1, len(names)):
        monkeypatch.setattr(writer, "_half", lambda pages, after, cut=cut: cut)
        mine, theirs = names[:cut], names[cut:]
        expected = []
        for done, name in enumerate(mine, 1):  # the parent's pages, each followed by its share of the child's
            expected += [name, *theirs[(done - 1) * len(theirs) // cut : done * len(theirs) // cut]]
        assert steps() == expected

    def failing(self: Any, state: Any, prepare: Any, mine: Any) -> Any:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(writer._Importer, "_apart", failing)
    steps()
    assert children == [True, True] * (len(names) - 1) + [False, False]


def _started(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The pid of every child forked from now on, taken at the fork (a reaped ``Forked`` forgets its pid)."""
    started: list[int | None] = []
    start = forked.start

    def recording(work: Any) -> forked.Forked | None:
        child = start(work)
        started.append(child and child._pid)
        return child

    monkeypatch.setattr(forked, "start", recording)
    return started


def test_a_parent_that_fails_leaves_no_child_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _wiki(tmp_path)
    page = writer._Importer.page

    def failing(self: Any, read: Any) -> None:
        if read.slug == "a-hiker-to-quantum-wrangler":  # the parent's first page
            raise RuntimeError("the parent fails")
        page(self, read)

    monkeypatch.setattr(writer._Importer, "page", failing)
    started = _started(monkeypatch)
    with pytest.raises(RuntimeError, match="the parent fails"):
        _outcome(root, jobs=2)
    assert len(started) == 2  # the files' child, which finished, then the pages', which the failure stopped
    for pid in started:
        assert pid is not None
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # the child is gone: stopped and reaped


def test_a_vocabulary_given_as_files_loads_while_a_child_reads_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    root = _wiki(tmp_path)
    alone = _outcome(root, jobs=1)
    events: list[str] = []
    start, load = forked.start, writer.load_graph
    monkeypatch.setattr(forked, "start", lambda work: events.append("fork") or start(work))
    monkeypatch.setattr(writer, "load_graph", lambda paths: events.append("load") or load(paths))
    for jobs in (1, 2):
        events.clear()
        result = import_podwiki(root, [shipped_dir("graph_data")], jobs=jobs)
        assert (result.turtle(), result.counts, [str(p) for p in result.problems], result.details) == alone
        # with two jobs, the files' child is started first, then the vocabulary loaded here meanwhile
        assert events == (["load"] if jobs == 1 else ["fork", "load", "fork"])
    assert children == [True, True]


def test_a_vocabulary_that_cannot_be_read_stops_the_import_and_its_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <urn:ex:> .\nex:a ex:b .\n")
    started = _started(monkeypatch)
    with pytest.raises(DataFileError, match="bad.ttl"):
        import_podwiki(_wiki(tmp_path / "wiki"), [bad], jobs=2)
    assert len(started) == 1 and started[0] is not None  # the files' child, started before the loading failed
    with pytest.raises(ChildProcessError):
        os.waitpid(started[0], os.WNOHANG)  # stopped and reaped


def test_snapshot_in_two_processes_is_the_one_process_import(podwiki: Path, children: list[bool]) -> None:
    assert _outcome(podwiki, jobs=2) == _outcome(podwiki, jobs=1)
    # the people and the wiki's front matter, the second half of the pages, then the second half of the Turtle
    assert children == [True, True, True]


def _many_triples() -> triples.Triples:
    """12,000 triples over 3,000 subjects in several namespaces, one of them with no prefix."""
    many = triples.Triples()
    for number in range(3000):
        base = ("https://w3id.org/careergraph/id/role/", "urn:other:", "https://schema.org/")[number % 3]
        subject = URIRef(f"{base}thing-{number:05d}")
        many.add(subject, RDF.type, CG.Role)
        many.add(subject, SCHEMA.name, Literal(f"Thing {number}"))
        many.add(subject, SCHEMA.startOffset, Literal(number))
        many.add(subject, SKOS.related, URIRef(f"urn:other:thing-{(number * 7) % 3000:05d}"))
    return many


def test_turtle_written_in_two_processes_is_the_same_text(
    monkeypatch: pytest.MonkeyPatch, children: list[bool]
) -> None:
    many = _many_triples()
    alone = triples.turtle(many)
    assert triples.turtle(many, jobs=2) == alone
    subjects = sorted({s for s, _p, _o in many})
    for pivot in (subjects[0], subjects[1], subjects[-1], "urn:zzz", "a"):  # cuts at either end, or none
        monkeypatch.setattr(triples, "_middle", lambda _triples, pivot=pivot: pivot)
        assert triples.turtle(many, jobs=2) == alone, pivot
    assert children == [True] * 6


def test_no_fork_by_default_while_another_thread_runs() -> None:
    """A thread may hold a lock when the process forks, and the child would wait on it for ever."""
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert not forked.available()
    finally:
        release.set()
        thread.join()


def test_turtle_is_written_in_one_process_when_a_thread_started_after_the_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import chose two processes (no thread then); by the time its Turtle is written one runs."""
    monkeypatch.setattr(triples, "_middle", lambda _t: pytest.fail("the Turtle was split for a fork"))
    monkeypatch.setattr(writer.forked, "available", lambda: True)
    result = import_podwiki(_wiki(tmp_path), load_graph([shipped_dir("graph_data")]))
    assert result.jobs is None
    many = _many_triples()
    result.triples = many  # enough triples to be split
    monkeypatch.setattr(writer.forked, "available", lambda: False)  # what a running thread makes it say
    assert result.turtle() == triples.turtle(many)
