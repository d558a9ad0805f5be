"""Skills by what the text says: the matcher, kept vs to gain, other roles' sentences, generic labels.

Fixture pages are written here; the snapshot checks skip without ../shared/podwiki.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki
from careergraph.ingest.matcher import LabelMatcher
from careergraph.vocab import CG, ID, SCHEMA

PAGE = """---
title: "Data Analyst to Data Engineer"
tags: ["transition"]
---

An intro with no skills.

## What Analysts Bring Along

Reporting with SQL and dashboards in Tableau is a head start
([[podcast:talk|Talk]] at 1:00-2:00).

## Stage 2: Add Pipelines

Learn Python and Apache Airflow, then put data quality checks around every load
([[podcast:talk|Talk]] at 3:00-4:00). Data scientists own modeling and model evaluation.
The serving table is rebuilt each night. Ask who owns monitoring before you start.
"""

#: A field's concept page: its skills and tools sections say what the practitioner needs, its
#: boundaries section talks about other roles.
FIELD_PAGE = """---
title: "Analytics Engineering"
---

## Core Skills

Analytics engineering turns raw tables into marts through dimensional modeling, with tests on every model.

## Tools in the Stack

Most teams run dbt on Snowflake.

## Role Boundaries

Machine learning engineers handle model deployment and monitoring. Dashboards stay with analysts.
"""

#: Sentences that keep one thing and add another, and a discussion that "adds" in a section on
#: what carries over.
CLAUSE_PAGE = """---
title: "Software Engineer to Machine Learning Engineer"
tags: ["transition"]
---

## Where The Move Starts

The engineer keeps code review habits and adds model monitoring.
Git carries over, experiment tracking is new.

## What Engineers Bring

Ann's discussion adds feature stores to the picture.
"""

#: A move's page that says what a different source role's move needs, and points to other pages.
SCOPE_PAGE = """---
title: "Data Analyst to Data Scientist"
tags: ["transition"]
---

## Where To Start

Learn statistics next ([[podcast:talk|Talk]] at 5:00-6:00).

For a DevOps, SRE, or backend-engineer move, the first gap is Kubernetes. Terraform and CI/CD come next.

For analysts, the first gap is Python.

The modeling side sits near [[Feature Stores]] and other targets. Data lineage sits on the same boundary.

## Related Pages

- [[Feature Stores]]
"""


@pytest.fixture(scope="module")
def vocabulary():
    return load_graph([shipped_dir("graph_data")])


@pytest.fixture(scope="module")
def fixture_import(tmp_path_factory: pytest.TempPathFactory, vocabulary):
    root = tmp_path_factory.mktemp("wiki")
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (root / folder).mkdir()
    (root / "_people" / "ann.md").write_text('---\ntitle: "Ann Example"\n---\n\n# Ann Example\n')
    (root / "_podcast_summaries" / "talk.md").write_text(
        '---\ntitle: "A Talk"\nguests: [ann]\nyoutube_url: "https://www.youtube.com/watch?v=abc"\n---\n\n'
        "## Chapters\n\n- 0:00 Intro\n"
    )
    (root / "_wiki" / "analyst-to-engineer.md").write_text(PAGE)
    (root / "_wiki" / "analytics-engineering.md").write_text(FIELD_PAGE)
    (root / "_wiki" / "engineer-to-ml.md").write_text(CLAUSE_PAGE)
    (root / "_wiki" / "analyst-to-scientist.md").write_text(SCOPE_PAGE)
    (root / "_wiki" / "widget-engineering.md").write_text(FIELD_PAGE.replace("Analytics", "Widget"))
    return import_podwiki(root, vocabulary).graph


@pytest.fixture(scope="module")
def matcher(vocabulary) -> LabelMatcher:
    return LabelMatcher(vocabulary)


def _slugs(found) -> set[str]:
    return {str(c).rsplit("/", 1)[-1] for c in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Models are built in DBT and versioned with git on Github.", {"dbt", "git", "github"}),
        ("Fine tuning and fine-tuning are the same skill.", {"fine-tuning"}),
        ("Pipelines feed the nightly report.", set()),  # "pipelines" is generic: not about ML here
        (
            "Training pipelines feed the model registry.",
            {"data-pipelines", "model-training", "model-registry"},
        ),
        ("It is an AWSome day in Gitlab.", set()),  # token boundaries
        ("Kimball-style modeling with dimension tables.", {"data-modeling"}),
        ("She tests each idea with users.", set()),
    ],
)
def test_the_matcher_finds_labels_on_token_boundaries_in_their_sense(matcher, text, expected) -> None:
    found = matcher.find_all(text)
    assert _slugs(found["skill"] | found["tool"]) == expected


def test_topics_are_found(matcher) -> None:
    assert _slugs(matcher.find_all("RAG over a vector database with LLMs")["topic"]) >= {
        "vector-databases",
        "llms",
    }


def test_a_section_on_what_transfers_is_kept_not_to_gain(fixture_import) -> None:
    g = fixture_import
    move = ID["transition/data-analyst--data-engineer"]
    adds = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.addsSkill)}
    keeps = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.keepsSkill)}
    tools = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.usesTool)}
    assert {"sql", "dashboards"} <= keeps and not {"sql", "dashboards"} & adds
    assert "data-quality-checks" in adds
    assert {"python", "apache-airflow"} <= tools and "tableau" not in tools  # left behind
    # another role's sentence, a question to ask, and a generic label used as a modifier name nothing
    assert not {"model-development", "model-evaluation", "monitoring", "batch-and-online-serving"} & (
        adds | keeps
    )


def test_each_clause_says_kept_or_to_gain_and_a_narrated_add_is_no_instruction(fixture_import) -> None:
    g = fixture_import
    move = ID["transition/software-engineer--machine-learning-engineer"]
    adds = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.addsSkill)}
    keeps = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.keepsSkill)}
    tools = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.usesTool)}
    assert "code-review" in keeps and "monitoring" in adds  # "keeps X and adds Y"
    assert "experiment-tracking" in adds and "git" not in tools  # "X carries over, Y is new"
    assert "feature-stores" in keeps and "feature-stores" not in adds  # a discussion "adds", kept section


def test_what_a_page_says_for_another_source_role_or_points_to_stays_out_of_the_move(fixture_import) -> None:
    g = fixture_import
    move = ID["transition/data-analyst--data-scientist"]
    adds = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.addsSkill)}
    tools = {str(s).rsplit("/", 1)[-1] for s in g.objects(move, CG.usesTool)}
    assert "statistics" in adds and "python" in tools  # "For analysts, …" is this move's source: it counts
    # the DevOps/SRE/backend paragraph is those roles' move: neither its first sentence nor the next
    assert not {"ci-cd"} & adds and not {"kubernetes", "terraform"} & tools
    # pointers ("sits near [[X]]", "other targets", a Related Pages list) say nothing is needed
    assert "feature-stores" not in adds
    assert "data-lineage" not in adds  # on the boundary between roles: shared, not this move's gap


def test_a_fields_page_passes_its_skills_sections_to_a_known_practitioner(fixture_import) -> None:
    g = fixture_import
    role = ID["role/analytics-engineer"]
    needs = {str(s).rsplit("/", 1)[-1] for s in g.objects(role, CG.requiresSkill)}
    tools = {str(s).rsplit("/", 1)[-1] for s in g.objects(role, CG.usesTool)}
    assert {"data-modeling", "testing"} <= needs and {"dbt", "snowflake"} <= tools
    # the boundaries section is about other roles' work, not what this one needs
    assert not {"model-deployment", "monitoring", "dashboards"} & needs
    # a field with no known practitioner creates no role and passes nothing; both pages stay topics
    assert (ID["role/widget-engineer"], None, None) not in g
    assert set(g.subjects(CG.requiresSkill, None)) == {role}
    for slug in ("analytics-engineering", "widget-engineering"):
        about = set(g.objects(ID[f"page/{slug}"], SCHEMA.about))
        assert about and all("/topic/" in str(a) for a in about)


@pytest.fixture(scope="module")
def imported(podwiki: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("import") / "podwiki.ttl"
    result = CliRunner().invoke(main, ["import", "podwiki", str(podwiki), "-o", str(output)])
    assert result.exit_code == 0, result.output
    return output


def _hop(imported: Path, source: str, target: str) -> dict:
    data = ["--data", str(shipped_dir("graph_data")), "--data", str(imported)]
    args = ["path", source, target, "--max-hops", "1", "--all-skills", "-f", "json"]
    result = CliRunner().invoke(main, [*data, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["paths"][0]["hops"][0]


def test_snapshot_transferable_strengths_are_not_to_gain(imported: Path) -> None:
    # _wiki/data-scientist-to-data-engineer.md "Skills You Already Bring": SQL and Python transfer;
    # _wiki/software-engineer-to-machine-learning.md "Transferable Engineering Skills": code review.
    ds_de = {s["label"] for s in _hop(imported, "Data Scientist", "Data Engineer")["skills_to_gain"]}
    assert "SQL" not in ds_de
    swe_mle = {
        s["label"] for s in _hop(imported, "Software Engineer", "Machine Learning Engineer")["skills_to_gain"]
    }
    assert "Code review" not in swe_mle and "Deployment" in swe_mle
    # software-engineer-to-machine-learning.md, "Production and Platform Branches": DevOps is named in a
    # paragraph "For a DevOps, SRE, or systems-engineer transition", i.e. for another source role
    assert "DevOps" not in swe_mle


def test_snapshot_analyst_to_analytics_engineer_names_dbt_and_data_modeling(imported: Path) -> None:
    hop = _hop(imported, "Data Analyst", "Analytics Engineer")
    assert "Data modeling" in {s["label"] for s in hop["skills_to_gain"]}
    assert "dbt" in {t["label"] for t in hop["tools"]}


def test_snapshot_software_engineer_to_data_scientist_counts_its_movers(imported: Path) -> None:
    hop = _hop(imported, "Software Engineer", "Data Scientist")
    assert hop["moves"] >= 1 and len(hop["movers"]) == hop["moves"]


def test_snapshot_analytics_engineer_needs_what_its_fields_page_says(imported: Path) -> None:
    # _wiki/analytics-engineering.md has no role page beside it; its "Core Skills" and "Tools in the
    # Stack" sections name data modeling and dbt. Its "Role Boundaries" section gives the role nothing.
    g = load_graph([imported])
    role = ID["role/analytics-engineer"]
    assert ID["skill/data-modeling"] in set(g.objects(role, CG.requiresSkill))
    assert ID["tool/dbt"] in set(g.objects(role, CG.usesTool))
    assert ID["role/software-engineer"] not in set(g.subjects(CG.requiresSkill, None))  # no such sections
