"""Evidence on the real snapshot: hand-checked career moves come back from `path`, at their minute.

Each row below was checked by hand against the episode's chapter list and the
guest's page in ../shared/podwiki: the chapter title tells the guest's own move
from the first role to the second, at that minute.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir

#: (guest slug, episode slug, chapter start M:SS, from role, to role)
HAND_CHECKED = [
    (
        "andreaskretz",
        "production-ml-pipelines-with-aws-and-kafka",
        "3:19",
        "Software Engineer",
        "Data Engineer",
    ),
    ("jeffkatz", "data-engineering-career-path-and-skills", "1:20", "Software Engineer", "Educator"),
    (
        "pastorsoto",
        "nonlinear-path-to-machine-learning-freelancing-and-public-learning",
        "1:34",
        "Physician",
        "Machine Learning Engineer",
    ),
    (
        "pastorsoto",
        "nonlinear-path-to-machine-learning-freelancing-and-public-learning",
        "3:21",
        "Statistician",
        "Data Analyst",
    ),
    ("victoriaperezmola", "analytics-engineer-skills-tools", "11:48", "BI Developer", "Analytics Engineer"),
    (
        "andradaolteanu",
        "analytics-to-data-science-with-kaggle-portfolio",
        "1:37",
        "Data Analyst",
        "Data Scientist",
    ),
    ("elenitziritazacharatou", "big-data-analytics-and-postdoc-research", "2:49", "Student", "PhD Student"),
    (
        "saramenefee",
        "product-designer-to-data-product-manager",
        "1:27",
        "Technical Support Engineer",
        "Designer",
    ),
    (
        "roksolanadiachuk",
        "big-data-engineer-vs-data-scientist",
        "2:28",
        "Java Developer",
        "Big Data Engineer",
    ),
    ("misraturp", "how-to-break-into-data-science", "1:57", "Big Data Engineer", "Content Creator"),
    (
        "robzinkov",
        "bayesian-modeling-workflows-and-tools",
        "2:46",
        "Software Engineer",
        "Machine Learning Researcher",
    ),
    ("orellgarten", "from-academic-research-to-data-engineering-freelancing", "19:34", "CTO", "Consultant"),
    ("nemanjaradojkovic", "lean-mlops-for-startups", "2:15", "Academic Researcher", "Consultant"),
    (
        "16rahuljain",
        "data-engineering-leadership-and-modern-data-platforms",
        "1:56",
        "ETL Developer",
        "Data Team Lead",
    ),
    ("eddyzulkifly", "finops-for-data-engineers", "6:20", "Business Analyst", "Data Engineer"),
    ("lorismarini", "data-professionals-business-skills-in-saas", "1:42", "Physicist", "Data Scientist"),
    # (Andrey Shtylenko's "Career Pivot: From Software Engineer to Data Scientist Internally" at 52:39
    # is not here: late in an episode on building data teams, beside "Timing and Strategies for Internal
    # Role Transitions", and his page names no such job; the importer reads it as a topic.)
    (
        "abouzarabbaspour",
        "theme-park-crowd-modeling-to-tesla-full-stack-data-engineering",
        "1:17",
        "Software Engineer",
        "Data Scientist",
    ),
    (
        "angelaramirez",
        "building-and-scaling-data-engineering-systems-for-fraud-detection",
        "16:02",
        "Data Analyst",
        "Data Engineer",
    ),
    (
        "isabellabicalho",
        "from-biology-to-machine-learning-data-science-portfolio-open-source-computer-vision-transformers",
        "7:01",
        "Biologist",
        "Machine Learning Engineer",
    ),
    (
        "marcodesa",
        "chief-data-officer-data-strategy-and-org-design",
        "14:24",
        "Head of Data",
        "Chief Data Officer",
    ),
    (
        "katiebauer",
        "hiring-and-managing-data-science-teams-in-b2b-saas",
        "2:27",
        "Linguist",
        "Data Scientist",
    ),
]


def _seconds(stamp: str) -> int:
    minutes, seconds = stamp.split(":")
    return int(minutes) * 60 + int(seconds)


def _name(podwiki: Path, slug: str) -> str:
    text = (podwiki / "_people" / f"{slug}.md").read_text(encoding="utf-8")
    return str(yaml.safe_load(text.split("---", 2)[1])["title"])


@pytest.fixture(scope="module")
def cli(podwiki_import):
    output, _report = podwiki_import
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, ["--data", str(shipped_dir("graph_data")), "--data", str(output), *args])

    return run


def test_at_least_twenty_hand_checked_moves() -> None:
    assert len(HAND_CHECKED) >= 20
    assert len({(g, f, t) for g, _e, _m, f, t in HAND_CHECKED}) == len(HAND_CHECKED)


@pytest.mark.parametrize(("guest", "episode", "minute", "source", "target"), HAND_CHECKED)
def test_a_hand_checked_move_is_evidence_for_its_step(
    cli, podwiki: Path, guest: str, episode: str, minute: str, source: str, target: str
) -> None:
    result = cli("path", source, target, "--max-hops", "1", "--format", "json")
    assert result.exit_code == 0, result.output
    (route,) = json.loads(result.stdout)["paths"][:1]
    (hop,) = route["hops"]
    found = [
        e
        for e in hop.get("evidence", [])
        if str(e.get("episode", {}).get("id", "")).endswith(f"/episode/{episode}")
        and e.get("start") == _seconds(minute)
    ]
    assert found, f"{source} → {target}: no evidence from {episode} at {minute}"
    assert found[0].get("guest") == _name(podwiki, guest)


def test_done_when_answers(cli) -> None:
    answers = {
        ("Physicist", "Data Scientist"): ("Loris Marini", 102),
        ("Business Analyst", "Data Engineer"): ("Eddy Zulkifly", 380),
        ("Software Engineer", "Data Scientist"): ("abouzarabbaspour", 77),
    }
    for (source, target), (guest, start) in answers.items():
        result = cli("path", source, target)
        assert result.exit_code == 0, result.output
        assert guest in result.output and f"t={start}" in result.output


def test_transition_evidence_returns_the_pages_ranges(cli) -> None:
    result = cli(
        "query", "transition-evidence", "-p", "from=Data Analyst", "-p", "to=Data Engineer", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    rows = {
        (r["guest"]["value"], int(r["start"]["value"]), int(r["end"]["value"]) if "end" in r else None)
        for r in json.loads(result.stdout)["results"]["bindings"]
    }
    # ranges the page cites beside its links (6:33-8:00, 44:21-45:14, 42:38-43:37) and a paragraph after
    # one (50:15-51:24)
    assert {
        ("Eddy Zulkifly", 393, 480),
        ("Jeff Katz", 2661, 2714),
        ("Gloria Quiceno", 2558, 2617),
        ("Gloria Quiceno", 3015, 3084),
    } <= rows
    assert len(rows) >= 16


def test_snapshot_a_late_chapter_on_a_question_is_no_move_of_the_guest(podwiki_import) -> None:
    # _podcast_summaries/hiring-for-data-science-jobs-interview-questions-skills.md:72, "Career Transition:
    # From data analyst to data scientist" at 45:37 of an episode on hiring; _people/olgaivina.md names no
    # analyst job, nor do the episode's career chapters (:57, "Career Beginnings: Applied mathematics…")
    _output, report = podwiki_import
    topics = json.loads(report.read_text(encoding="utf-8"))["moves read as topics"]
    assert {(t["guest"], t["move"]) for t in topics} >= {("olgaivina", "Data Analyst → Data Scientist")}
    assert len(topics) <= 5  # precision first: the rule sets aside a few chapters, not the guests' stories
