"""Guests' own career moves, roles people start from, and role pages: fixture pages for every form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki
from careergraph.ingest.moves import bio_moves, title_chain
from careergraph.vocab import CG, ID, PROV, RDF, RDFS, SCHEMA, SKOS

CHAPTERS = [
    "Intro",
    "Career Pivot: From Business Analyst to Data Engineering",  # from X to Y, field → practitioner
    "Career Trajectory: Statistician → Data Analyst → Data Engineer",  # a chain gives each pair
    "Guest Background: From Physics to Data Science",
    "Career Path: Java → Data Engineering → AI Engineering",
    "Academic Journey: Athens undergrad → EPFL PhD → Berlin postdoc",  # places dropped
    "Career Journey: Postdoc to Data Science Lead",  # X to Y after a career word
    # never moves: not roles on both sides, advice, schooling, a step that is no role
    "From Bag-of-Words to Dense Vector Representations",
    "From Notebooks to Production: BI, LTV Predictions, and MLOps Needs",
    "Transition Path: Data Analyst → Data Engineer (backend focus)",
    "Early Education: From Economics to Statistics",
    "Guest background: physics → healthcare → machine learning",
    "Wrap-up",
]


def _episode(slug: str, title: str, guests: list[str], chapters: list[str]) -> str:
    lines = [
        f"- {n}:00 - [{c}](https://www.youtube.com/watch?v={slug}&t={n * 60})" for n, c in enumerate(chapters)
    ]
    return (
        f'---\ntitle: "{title}"\nguests: {json.dumps(guests)}\n'
        f'youtube_url: "https://www.youtube.com/watch?v={slug}"\n---\n\n## Chapter Summary\n\n'
        + "\n".join(lines)
        + "\n"
    )


PEOPLE = {
    "ada": (
        "Ada Example",
        "Ada is a Data Scientist at Example. Previously, she was a software engineer at Acme.",
    ),
    "bo": ("Boris Example", "Boris is a former real estate agent turned Senior AI Engineer."),
    "cy": (
        "Cyd Example",
        "Cyd began her career as a QA Engineer, transitioning into Data Engineering in 2019.",
    ),
    "di": (
        "Dina Example",
        "Dina is a founder. Previously, she worked as a researcher at X and as a consultant at Y.",
    ),
}


@pytest.fixture()
def wiki(tmp_path: Path) -> Path:
    root = tmp_path / "wiki"
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    for slug, (name, bio) in PEOPLE.items():
        (root / "_people" / f"{slug}.md").write_text(
            f'---\ntitle: "{name}"\nsource_url: "https://example.org/people/{slug}.html"\n---\n\n'
            f"# {name}\n\n## Background\n\n{bio}\n\n## Episodes\n\nNone here.\n"
        )
    summaries = root / "_podcast_summaries"
    summaries.joinpath("ada-talks.md").write_text(_episode("ada-talks", "Ada Talks", ["ada"], CHAPTERS))
    summaries.joinpath("from-pm.md").write_text(
        _episode("from-pm", "From Project Manager to Data Scientist: Skills and Tools", ["bo"], ["Intro"])
    )
    summaries.joinpath("panel.md").write_text(
        _episode(
            "panel",
            "A Panel",
            ["bo", "cy"],
            [
                "Career Pivot: From Marketing to Data Science",
                "Cyd's Career Path: From Software Engineer to Data Scientist",
            ],
        )
    )
    (root / "_wiki" / "mlops-engineer.md").write_text(
        '---\ntitle: "MLOps Engineer"\n---\n\nThey run Kubernetes and write tests.\n'
    )
    (root / "_wiki" / "to-new.md").write_text(
        '---\ntitle: "Data Analyst to Quantum Whisperer"\ntags: [transition]\n---\n\nText.\n'
    )
    return root


@pytest.fixture()
def result(wiki: Path):
    return import_podwiki(wiki, load_graph([shipped_dir("graph_data")]))


def _moves(graph) -> set[tuple[str, str, str]]:
    found = set()
    for claim in graph.subjects(RDF.type, CG.CareerMove):
        transition = graph.value(claim, CG.supports)
        guest = str(graph.value(claim, PROV.wasAttributedTo)).rsplit("/", 1)[-1]
        ends = [str(graph.value(transition, p)).rsplit("/", 1)[-1] for p in (CG.fromRole, CG.toRole)]
        found.add((guest, ends[0], ends[1]))
    return found


def test_chapter_titles_episode_titles_and_bios_become_moves(result) -> None:
    assert _moves(result.graph) == {
        # chapters of Ada's episode
        ("ada", "business-analyst", "data-engineer"),
        ("ada", "statistician", "data-analyst"),
        ("ada", "data-analyst", "data-engineer"),
        ("ada", "physicist", "data-scientist"),
        ("ada", "java-developer", "data-engineer"),
        ("ada", "data-engineer", "ai-engineer"),
        ("ada", "student", "phd-student"),
        ("ada", "phd-student", "postdoc"),
        ("ada", "postdoc", "data-team-lead"),
        # an episode title
        ("bo", "project-manager", "data-scientist"),
        # a two-guest episode: only the chapter that names its guest
        ("cy", "software-engineer", "data-scientist"),
        # bios: previously, turned, began … career as … transitioning into
        ("ada", "software-engineer", "data-scientist"),
        ("bo", "real-estate-agent", "ai-engineer"),
        ("cy", "qa-engineer", "data-engineer"),
    }
    assert result.counts["moves from chapters"] == 10
    assert result.counts["moves from episode titles"] == 1
    assert result.counts["moves from bios"] == 3
    moves = result.details["moves not attributed"]
    assert [(m["move"], m["reason"]) for m in moves] == [
        ("Marketer → Data Scientist", "several guests and the title names none of them")
    ]


def test_a_move_follows_the_shared_model(result) -> None:
    g = result.graph
    claim = ID["claim/move/ada/business-analyst--data-engineer"]
    transition = ID["transition/business-analyst--data-engineer"]
    segment = ID["segment/ada-talks/60-120"]
    assert {(claim, RDF.type, CG.Claim), (claim, RDF.type, CG.CareerMove)} <= set(g)
    assert g.value(claim, PROV.wasAttributedTo) == ID["guest/ada"]
    assert g.value(claim, CG.supports) == transition
    assert g.value(claim, PROV.wasDerivedFrom) == segment
    assert g.value(segment, SCHEMA.startOffset) == Literal(60)
    assert g.value(claim, RDFS.label) == Literal(
        "Career Pivot: From Business Analyst to Data Engineering", lang="en"
    )
    # no page records it: an observed transition, typed as a transition too
    assert (transition, RDF.type, CG.Transition) in g and (transition, RDF.type, CG.ObservedTransition) in g
    assert g.value(transition, CG.fromRole) == ID["role/business-analyst"]
    # an episode title: derived from the episode; a bio: from the guest's page
    assert (
        g.value(ID["claim/move/bo/project-manager--data-scientist"], PROV.wasDerivedFrom)
        == ID["episode/from-pm"]
    )
    page = URIRef("https://example.org/people/bo.html")
    assert g.value(ID["claim/move/bo/real-estate-agent--ai-engineer"], PROV.wasDerivedFrom) == page
    assert (page, RDF.type, SCHEMA.ProfilePage) in g


def test_role_pages_without_role_in_the_title_and_new_targets(result, wiki: Path) -> None:
    g = result.graph
    mlops = ID["role/mlops-engineer"]
    assert (mlops, CG.requiresSkill, ID["skill/testing"]) in g
    assert (mlops, CG.usesTool, ID["tool/kubernetes"]) in g
    target = ID["role/quantum-whisperer"]
    assert (target, RDF.type, CG.Role) in g and g.value(target, SKOS.prefLabel) == Literal(
        "Quantum Whisperer", lang="en"
    )
    assert (ID["transition/data-analyst--quantum-whisperer"], RDF.type, CG.Transition) in g
    assert (
        f"{wiki / '_wiki' / 'to-new.md'}:2: target role 'Quantum Whisperer' of "
        "'Data Analyst to Quantum Whisperer' is not a known role; added" in [str(p) for p in result.problems]
    )
    assert "Quantum Whisperer" in result.details["roles created"]


def test_the_roles_vocabulary_has_broader_roles_and_fields() -> None:
    from careergraph.names import LabelIndex

    graph = load_graph([shipped_dir("graph_data")])
    index = LabelIndex.from_graph(graph)
    for field, role in [
        ("Data Science", "data-scientist"),
        ("Data Engineering", "data-engineer"),
        ("Analytics Engineering", "analytics-engineer"),
        ("AI Engineering", "ai-engineer"),
        ("Machine Learning", "machine-learning-engineer"),
        ("Product Management", "product-manager"),
        ("PhD", "phd-student"),
        ("DevRel", "developer-advocate"),
    ]:
        assert index.lookup("role", field) == str(ID[f"role/{role}"]), field
    for narrow, broad in [
        ("postdoc", "academic-researcher"),
        ("java-developer", "software-engineer"),
        ("backend-developer", "software-engineer"),
        ("full-stack-developer", "software-engineer"),
        ("astrophysicist", "physicist"),
        ("chief-data-officer", "head-of-data"),
    ]:
        assert (ID[f"role/{narrow}"], SKOS.broader, ID[f"role/{broad}"]) in graph, narrow


def _hiring_wiki(root: Path, background: str) -> Path:
    """One guest, one episode about hiring whose late chapter asks about an analyst's move."""
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir(parents=True)
    (root / "_people" / "eve.md").write_text(
        f'---\ntitle: "Eve Example"\n---\n\n# Eve Example\n\n## Background\n\n{background}\n'
    )
    chapters = [
        "Welcome",
        "Career Beginnings: Maths, forecasting and consulting",
        "Screening CVs",
        "Take-home tasks",
        "Interview loops",
        "Career Transition: From data analyst to data scientist",  # 5:00 of 6:00: the second half
        "Closing thoughts",
    ]
    (root / "_podcast_summaries" / "hiring.md").write_text(
        _episode("hiring", "Hiring Machine Learning Teams", ["eve"], chapters)
    )
    return root


def test_a_late_chapter_naming_no_job_of_the_guest_is_a_topic_not_her_move(tmp_path: Path) -> None:
    vocabulary = load_graph([shipped_dir("graph_data")])
    background = "Eve leads a team of data scientists. She began as a researcher and became a manager."
    result = import_podwiki(_hiring_wiki(tmp_path / "a", background), vocabulary)
    assert _moves(result.graph) == set()
    assert result.counts["moves read as topics"] == 1
    [topic] = result.details["moves read as topics"]
    assert (topic["move"], topic["guest"], topic["line"]) == ("Data Analyst → Data Scientist", "eve", 14)
    assert "name Data Analyst" in topic["reason"]
    # the same chapter, for a guest whose Background names the job she started from, is her move
    background = "Eve worked as a data analyst for four years before she moved into data science."
    result = import_podwiki(_hiring_wiki(tmp_path / "b", background), vocabulary)
    assert _moves(result.graph) == {("eve", "data-analyst", "data-scientist")}
    assert result.counts["moves read as topics"] == 0


@pytest.mark.parametrize(
    "bio",
    [
        "Boris is a former real estate agent turned Senior AI Engineer.",
        "Boris is a former real estate agent TURNED Senior AI Engineer.",
        "Boris, a former real estate agent Turned\nSenior AI Engineer, builds search.",
    ],
)
def test_turned_in_a_bio_is_read_in_any_case(bio: str) -> None:
    (before, after), *_ = bio_moves(bio)
    assert before.endswith("real estate agent") and after.startswith("Senior AI Engineer")


@pytest.mark.parametrize(
    ("title", "chain"),
    [
        ("CAREER JOURNEY: DATA ANALYST\tTO\u2003DATA ENGINEER", ["DATA ANALYST", "DATA ENGINEER"]),
        ("Intro - FROM\u00a0Physics\u00a0Into Data Science", ["Physics", "Data Science"]),
        ("Career Story: Statistician⟶Data Analyst", ["Statistician", "Data Analyst"]),
        ("Career Story: Statistician -> Data Analyst", ["Statistician", "Data Analyst"]),
        ("Career Stories, Tools and Automation: Onboarding", None),
    ],
)
def test_a_title_s_move_is_read_in_any_case_and_across_any_space(title: str, chain: list[str] | None) -> None:
    assert title_chain(title) == chain
