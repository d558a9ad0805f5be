"""`careergraph import podwiki`: the real snapshot, and small pages for each robustness case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki
from careergraph.validate import validate_graph
from careergraph.vocab import CG, ID, PROV, RDF, SCHEMA, SKOS

DS_MLE = ID["transition/data-scientist--machine-learning-engineer"]


# --- the real snapshot --------------------------------------------------------------


@pytest.fixture(scope="module")
def imported(podwiki: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("import") / "podwiki.ttl"
    result = CliRunner().invoke(
        main, ["import", "podwiki", str(podwiki), "-o", str(output)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return output


@pytest.fixture(scope="module")
def merged(imported: Path) -> Graph:
    return load_graph([shipped_dir("graph_data"), imported])


def test_counts_match_the_snapshot(podwiki: Path, imported: Path) -> None:
    graph = Graph().parse(imported)
    pages = len(set(graph.subjects(RDF.type, CG.WikiPage)))
    guests = len(set(graph.subjects(RDF.type, SCHEMA.Person)))
    episodes = len(set(graph.subjects(RDF.type, SCHEMA.PodcastEpisode)))
    segments = len(set(graph.subjects(RDF.type, SCHEMA.Clip)))
    assert pages >= 260 and guests >= 430 and episodes >= 200 and segments >= 4500
    assert pages == len([p for p in (podwiki / "_wiki").glob("*.md") if p.name != "README.md"])


def test_every_transition_page_becomes_a_transition_with_both_roles(podwiki: Path, merged: Graph) -> None:
    import yaml

    tagged = []
    for path in sorted((podwiki / "_wiki").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---", 2)[1])
        if "transition" in (meta.get("tags") or []):
            tagged.append(path.stem)
    assert len(tagged) >= 10
    for slug in tagged:
        transitions = list(merged.objects(ID[f"page/{slug}"], SCHEMA.about))
        assert transitions, f"{slug} became no transition"
        for transition in transitions:
            assert (transition, RDF.type, CG.Transition) in merged
            for end in (CG.fromRole, CG.toRole):
                role = merged.value(transition, end)
                assert (role, RDF.type, CG.Role) in merged and merged.value(role, SKOS.prefLabel), (slug, end)
            assert list(merged.subjects(CG.supports, transition)), f"{slug}: a transition without evidence"


def test_the_seed_page_and_its_later_edit_meet_on_one_transition(
    merged: Graph, runner: CliRunner, imported: Path
) -> None:
    result = runner.invoke(
        main,
        [
            "--data",
            str(shipped_dir("graph_data")),
            "--data",
            str(imported),
            "query",
            "transition-evidence",
            "-p",
            "from=Data Scientist",
            "-p",
            "to=Machine Learning Engineer",
            "-f",
            "json",
        ],
    )
    rows = json.loads(result.stdout)["results"]["bindings"]
    spans = {
        (r["guest"]["value"], int(r["start"]["value"]), int(r["end"]["value"]) if "end" in r else None)
        for r in rows
    }
    assert ("Danny Ma", 1553, 1992) in spans  # the seed's range
    assert ("Danny Ma", 1553, 2206) in spans  # the wiki's later edit of it
    assert ("Arseny Kravchenko", 474, 2235) in spans  # a citation only the wiki has
    assert ("Ben Wilson", 529, None) in spans
    # one DS → MLE transition (the seed's and the wiki's are the same node), no duplicate roles,
    # guests or episodes
    ds_to_mle = {
        t
        for t in merged.subjects(CG.fromRole, ID["role/data-scientist"])
        if (t, CG.toRole, ID["role/machine-learning-engineer"]) in merged
    }
    assert ds_to_mle == {DS_MLE}
    for role in merged.subjects(RDF.type, CG.Role):
        assert len(list(merged.objects(role, SKOS.prefLabel))) == 1, role
    for kind in (SCHEMA.Person, SCHEMA.PodcastEpisode):
        for thing in merged.subjects(RDF.type, kind):
            assert len(list(merged.objects(thing, SCHEMA.name))) == 1, thing
    # the seed's seven guests are among the archive's people, not beside them
    people = set(merged.subjects(RDF.type, SCHEMA.Person))
    assert len(people) == len(set(Graph().parse(imported).subjects(RDF.type, SCHEMA.Person)))


def test_validate_passes_on_the_merged_graph(merged: Graph) -> None:
    assert validate_graph(merged, shipped_dir("graph_data") / "shapes.ttl") == []


def test_analyst_to_ml_engineer_on_the_merged_graph(imported: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--data",
            str(shipped_dir("graph_data")),
            "--data",
            str(imported),
            "path",
            "Data Analyst",
            "Machine Learning Engineer",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    (route,) = json.loads(result.stdout)["paths"]
    assert route["hops"]
    # Every recorded transition the import writes carries its evidence; how inferred steps are
    # chosen and costed is the route search's business (routes/projection.py, routes/search.py).
    for hop in route["hops"]:
        if not hop["inferred"]:
            assert hop["evidence"], f"{hop['from']['label']} → {hop['to']['label']} has no evidence"
        assert all(e["episode"]["title"] and e["url"] for e in hop["evidence"])


def test_import_is_deterministic(podwiki: Path, imported: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.ttl"
    CliRunner().invoke(main, ["import", "podwiki", str(podwiki), "-o", str(again)], catch_exceptions=False)
    assert again.read_bytes() == imported.read_bytes()


# --- small pages, one per robustness case -----------------------------------------

EPISODE = """---
title: "Shipping Models"
season: 3
episode: 4
guests: ["ada"]
topics: ["MLOps"]
youtube_url: "https://www.youtube.com/watch?v=abc"
---

## Chapter Summary

- 0:00 - [Intro](https://www.youtube.com/watch?v=abc&t=0)
- 8:49 - [Refactoring](https://www.youtube.com/watch?v=abc&t=529)
- 13:19 - [Wrap-up](https://www.youtube.com/watch?v=abc&t=799)
"""
PERSON = """---
title: "Ada Lovelace"
podcast_episodes: ["shipping-models"]
github: "ada"
linkedin: "ada-l"
---
"""
PAGES = {
    "data-analyst-role.md": """---
title: "Data Analyst Role"
---

Analysts write SQL and build dashboards.
""",
    "analyst-to-dev-and-ml.md": """---
tags: ["transition"]
title: "Data Analyst to Software Engineer and Machine Learning Engineer Roadmap"
related:
  - Data Analyst Role
  - Nowhere Page
---

[[person:ada|Ada]] moves from SQL to Docker and unit testing
([[podcast:shipping-models|Ada at 8:49-13:19 and 1:00:00]]).

## Gaps

Unknown people and episodes: [[person:ghost|Ghost]]
([[podcast:no-such-episode|at 1:00-2:00]]) and [[Missing Page]].

A backwards range ([[podcast:shipping-models|at 13:19-8:49]]).
""",
    "baker-or-chef-to-data-analyst.md": """---
tags: [transition]
title: "Baker or Chef to Data Analyst"
when: 12:30
when: 13:30
---

[[person:ada|Ada]] on career changes ([[podcast:shipping-models|Ada at 0:30]]).
""",
    "broken.md": """---
title: "Broken
tags: [
---

Never read.
""",
    "unclosed.md": """---
title: "No end"
""",
    "no-front-matter.md": "Just text.\n",
}


@pytest.fixture()
def mini_wiki(tmp_path: Path) -> Path:
    root = tmp_path / "wiki"
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    (root / "_podcast_summaries" / "shipping-models.md").write_text(EPISODE)
    (root / "_people" / "ada.md").write_text(PERSON)
    for name, text in PAGES.items():
        (root / "_wiki" / name).write_text(text)
    return root


@pytest.fixture()
def mini(mini_wiki: Path):
    return import_podwiki(mini_wiki, load_graph([shipped_dir("graph_data")]))


def _messages(result) -> list[str]:
    return [str(p) for p in result.problems]


def test_every_problem_names_file_and_line(mini, mini_wiki: Path) -> None:
    wiki = mini_wiki / "_wiki"
    expected = [
        f"{wiki / 'analyst-to-dev-and-ml.md'}:6: related page 'Nowhere Page' does not exist",
        f"{wiki / 'analyst-to-dev-and-ml.md'}:14: unknown person 'ghost': no _people/ghost.md",
        f"{wiki / 'analyst-to-dev-and-ml.md'}:15: unknown episode 'no-such-episode': "
        "no _podcast_summaries/no-such-episode.md",
        f"{wiki / 'analyst-to-dev-and-ml.md'}:15: link to a page that does not exist: [[Missing Page]]",
        f"{wiki / 'analyst-to-dev-and-ml.md'}:17: time range 13:19-8:49 ends before it starts; skipped",
        f"{wiki / 'baker-or-chef-to-data-analyst.md'}:4: value 12:30 of 'when' is read as text, not a number",
        f"{wiki / 'baker-or-chef-to-data-analyst.md'}:5: duplicate key 'when' (first on line 4); "
        "the last value wins",
        f"{wiki / 'baker-or-chef-to-data-analyst.md'}:5: value 13:30 of 'when' is read as text, not a number",
        f"{wiki / 'broken.md'}:3: front matter is not valid YAML",
        f"{wiki / 'no-front-matter.md'}:1: no front matter: the file does not start with ---",
        f"{wiki / 'unclosed.md'}:1: front matter is not closed with ---",
    ]
    messages = _messages(mini)
    for line in expected:
        assert any(m.startswith(line) for m in messages), (line, messages)
    assert len(messages) == len(expected)


def test_transition_titles_with_two_targets_two_sources_and_roadmap(mini) -> None:
    g = mini.graph
    pairs = {
        (str(g.value(t, CG.fromRole)).rsplit("/", 1)[-1], str(g.value(t, CG.toRole)).rsplit("/", 1)[-1])
        for t in g.subjects(RDF.type, CG.Transition)
    }
    assert pairs == {
        ("data-analyst", "software-engineer"),
        ("data-analyst", "machine-learning-engineer"),
        ("baker", "data-analyst"),
        ("chef", "data-analyst"),
    }
    # a source with no page of its own becomes a role
    assert (ID["role/baker"], RDF.type, CG.Role) in g
    assert g.value(ID["role/baker"], SKOS.prefLabel) == Literal("Baker", lang="en")


def test_citations_become_claims_with_segments_and_guests(mini) -> None:
    g = mini.graph
    transition = ID["transition/data-analyst--software-engineer"]
    claims = set(g.subjects(CG.supports, transition))
    assert len(claims) == 1
    (claim,) = claims
    sources = set(g.objects(claim, PROV.wasDerivedFrom))
    assert sources == {ID["segment/shipping-models/529-799"], ID["segment/shipping-models/3600"]}
    assert g.value(claim, PROV.wasAttributedTo) == ID["guest/ada"]
    assert g.value(ID["segment/shipping-models/3600"], SCHEMA.endOffset) is None
    # skills and tools the paragraph names are attached to the transition and the claim
    assert (transition, CG.addsSkill, ID["skill/sql"]) in g
    assert (transition, CG.usesTool, ID["tool/docker"]) in g
    assert (claim, CG.mentionsSkill, ID["skill/testing"]) in g


def test_chapters_become_segments_ending_at_the_next_chapter(mini) -> None:
    g = mini.graph
    assert g.value(ID["segment/shipping-models/0-529"], SCHEMA.name) == Literal("Intro")
    assert g.value(ID["segment/shipping-models/529-799"], SCHEMA.name) == Literal("Refactoring")
    last = ID["segment/shipping-models/799"]
    assert g.value(last, SCHEMA.name) == Literal("Wrap-up") and g.value(last, SCHEMA.endOffset) is None
    assert str(g.value(last, SCHEMA.url)) == "https://www.youtube.com/watch?v=abc&t=799"
    episode = ID["episode/shipping-models"]
    assert g.value(episode, SCHEMA.episodeNumber) == Literal(4)
    assert (episode, CG.guest, ID["guest/ada"]) in g
    assert (ID["guest/ada"], SCHEMA.sameAs, URIRef("https://github.com/ada")) in g


def test_role_pages_become_roles_with_their_skills(mini) -> None:
    g = mini.graph
    role = ID["role/data-analyst"]
    assert (role, CG.requiresSkill, ID["skill/sql"]) in g
    assert (role, CG.requiresSkill, ID["skill/dashboards"]) in g


def test_cli_summary_strict_and_nothing_half_written(mini_wiki: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.ttl"
    output.write_text("# an earlier import\n")
    strict = CliRunner().invoke(main, ["import", "podwiki", str(mini_wiki), "-o", str(output), "--strict"])
    assert strict.exit_code == 1
    assert "--strict: 11 warnings, nothing written" in strict.output
    assert output.read_text() == "# an earlier import\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.ttl", "wiki"]
    lenient = CliRunner().invoke(main, ["import", "podwiki", str(mini_wiki), "-o", str(output)])
    assert lenient.exit_code == 0
    assert "Warning: " in lenient.stderr
    assert lenient.stdout.startswith(f"wrote {output}: 3 pages, 1 guests, 1 episodes, ")
    assert "4 transitions" in lenient.stdout and "11 warnings" in lenient.stdout
    assert len(Graph().parse(output)) > 20


def test_the_cold_command_leaves_what_it_made_frozen_at_exit(mini_wiki: Path, tmp_path: Path) -> None:
    # a hook registered before the command runs after the command's own: it sees the objects frozen, so the
    # collector's last passes, after every hook, do not walk them (and the file is whole, written before)
    hook = "import atexit, gc; atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))"
    output = tmp_path / "out.ttl"
    command = [sys.executable, "-c", f"{hook}; from careergraph.cli import main; main()"]
    done = subprocess.run(
        [*command, "import", "podwiki", str(mini_wiki), "-o", str(output)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("frozen: True\n") and len(Graph().parse(output)) > 20


def test_not_a_wiki_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "podwiki", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a podcast wiki folder" in result.output
