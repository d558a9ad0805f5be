"""`careergraph path` and `careergraph next` on the shipped data."""

from __future__ import annotations

import json

from click.testing import CliRunner

from careergraph.cli import main
from careergraph.vocab import ID

DS_MLE = ["path", "Data Scientist", "Machine Learning Engineer"]
BEN_EPISODE = (
    "Practical Machine Learning Engineering for Production: Ship Maintainable Models, Avoid Complexity"
)
GAP_SKILLS = {
    str(ID[f"skill/{s}"]) for s in ("software-engineering", "deployment-and-operations", "ml-system-design")
}


def run(runner: CliRunner, *args: str):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_json_shape_and_the_seed_transition(runner: CliRunner) -> None:
    result = run(runner, *DS_MLE, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["from"] == {"id": str(ID["role/data-scientist"]), "label": "Data Scientist"}
    assert doc["to"] == {
        "id": str(ID["role/machine-learning-engineer"]),
        "label": "Machine Learning Engineer",
    }
    (path,) = doc["paths"]
    assert isinstance(path["cost"], float | int)
    (hop,) = path["hops"]
    assert set(hop) >= {"from", "to", "transition", "inferred", "skills_to_gain", "tools", "evidence"}
    assert hop["transition"] == str(ID["transition/data-scientist--machine-learning-engineer"])
    assert hop["inferred"] is False
    assert GAP_SKILLS <= {s["id"] for s in hop["skills_to_gain"]}
    assert all(set(s) == {"id", "label"} for s in hop["tools"])
    assert all(set(s) == {"id", "label", "weight", "claims"} for s in hop["skills_to_gain"])
    weights = [(s["weight"], s["claims"]) for s in hop["skills_to_gain"]]
    assert weights == sorted(weights, reverse=True) and weights[0][0] >= 2  # most named first
    assert hop["moves"] == 0 and hop["movers"] == []  # the seed records no guest's own move
    assert hop["why"] == "13 timed citations from 7 guests"
    cited = {(e["guest"], e["start"], e["end"]) for e in hop["evidence"] if e["start"] is not None}
    assert len(cited) == 13
    assert ("Ben Wilson", 529, None) in cited and ("Simon Stiebellehner", 491, 2750) in cited
    for e in hop["evidence"]:
        assert set(e) >= {"guest", "episode", "start", "end", "url"}
        assert set(e["episode"]) >= {"id", "title"} and e["url"].startswith("https://www.youtube.com/")


def test_have_lowers_the_cost_and_removes_the_skills(runner: CliRunner) -> None:
    base = json.loads(run(runner, *DS_MLE, "-f", "json").output)["paths"][0]
    have = json.loads(
        run(runner, *DS_MLE, "-f", "json", "--have", "Testing, modular python", "--have", "Docker").stdout
    )
    cheaper = have["paths"][0]
    assert cheaper["cost"] < base["cost"]
    labels = {s["label"] for s in cheaper["hops"][0]["skills_to_gain"]}
    assert "Testing" not in labels and "Modular Python" not in labels
    assert "Monitoring" in labels


def test_platform_route_carries_simons_evidence(runner: CliRunner) -> None:
    result = run(runner, "path", "Data Scientist", "ML Platform Engineer")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Data Scientist → ML Platform Engineer  (cost 10, 1 step)"
    assert lines[1] == "Why: inferred from a route variant (Platform route), 1 timed citation from 1 guest"
    title = lines.index(
        "     Building Production ML Platforms: Infrastructure, Workflows, Teams & Governance That Scale"
    )
    assert lines[title + 1] == (
        "       Simon Stiebellehner · 8:11–45:50 · https://www.youtube.com/watch?v=CB1YIsxQRtc&t=491"
    )


def test_text_output_for_people(runner: CliRunner) -> None:
    lines = run(runner, *DS_MLE, "--evidence", "40").output.splitlines()
    assert lines[0] == "Data Scientist → Machine Learning Engineer  (cost 4.5, 1 step)"
    assert lines[1] == "Why: 13 timed citations from 7 guests"
    assert lines[3] == "1. Data Scientist → Machine Learning Engineer  [recorded transition, cost 4.5]"
    assert lines[4].startswith(
        "   Skills to gain (36, by how many guests name them): Deployment (2), Testing (2),"
    )
    assert lines[4].endswith(", and 28 more (--all-skills)")
    assert lines[5].startswith("   Tools: Cloud platforms, Docker, Git")
    # timed citations grouped under their episode, in the order of time, each once
    title = lines.index(f"     {BEN_EPISODE}")
    assert lines[title + 1 : title + 3] == [
        "       Ben Wilson · 8:49 · https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529",
        "       Ben Wilson · 8:49–13:19 · https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529",
    ]
    cited = [line for line in lines if line.startswith("       ") and "youtube.com" in line]
    assert len(cited) == len(set(cited)) == 13
    all_skills = run(runner, *DS_MLE, "--all-skills").output.splitlines()[4]
    assert "more (--all-skills)" not in all_skills and len(all_skills.split(": ", 1)[1].split(", ")) == 36


def test_evidence_caps_the_lines_in_text(runner: CliRunner) -> None:
    lines = run(runner, *DS_MLE, "--evidence", "3").output.splitlines()
    start = lines.index("   Evidence:")
    assert len(lines) == start + 5
    assert lines[start + 1].startswith("     Practical Machine Learning Engineering")
    assert lines[-1] == "     … and 11 more (--evidence N shows more; -f json lists all)"


def test_markdown_output(runner: CliRunner) -> None:
    out = run(runner, *DS_MLE, "-f", "markdown").output
    assert out.startswith(
        "## Route 1: Data Scientist → Machine Learning Engineer (cost 4.5)\n\n"
        "Why: 13 timed citations from 7 guests\n"
    )
    assert "- **Skills to gain:** Deployment (2), Testing (2)" in out
    assert (
        f"  - {BEN_EPISODE}\n"
        "    - Ben Wilson · [8:49](https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529)\n"
        "    - Ben Wilson · [8:49–13:19](https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529)\n"
    ) in out


def test_alternatives_and_max_hops(runner: CliRunner) -> None:
    mlops = ["path", "Data Scientist", "MLOps Engineer"]
    # MLE → MLOps Engineer is inferred from shared skills alone: no route without --inferred
    assert run(runner, *mlops).exit_code == 1
    doc = json.loads(run(runner, *mlops, "-k", "3", "--inferred", "-f", "json").output)
    routes = [[h["to"]["label"] for h in p["hops"]] for p in doc["paths"]]
    assert routes[0] == ["Machine Learning Engineer", "MLOps Engineer"]
    costs = [p["cost"] for p in doc["paths"]]
    assert costs == sorted(costs)
    assert doc["paths"][0]["hops"][1]["inferred"] is True
    bounded = run(runner, *mlops, "--inferred", "--max-hops", "1")
    assert bounded.exit_code == 1


def test_role_names_resolve_by_alternative_labels(runner: CliRunner) -> None:
    a = run(runner, "path", "data scientists", "MLE", "-f", "json").output
    b = run(runner, "path", "DS", "ml engineer", "-f", "json").output
    assert a == b == run(runner, *DS_MLE, "-f", "json").output


def test_unknown_role_suggests(runner: CliRunner) -> None:
    result = run(runner, "path", "Data Sceintist", "MLE")
    assert result.exit_code == 2
    assert "Error: unknown role 'Data Sceintist'; did you mean: Data Scientist" in result.output


def test_a_name_whose_bytes_are_not_utf8_is_unknown_with_suggestions(runner: CliRunner) -> None:
    """A terminal's bytes that are not UTF-8 reach argv as lone surrogates, which SQLite refuses."""
    result = run(runner, "path", "Data\udcffScientist", "MLE")
    assert result.exit_code == 2
    assert "Error: unknown role 'Data\ufffdScientist'; did you mean: Data Scientist" in result.output


def test_same_role_at_both_ends(runner: CliRunner) -> None:
    result = run(runner, "path", "MLE", "machine learning engineer")
    assert result.exit_code == 2
    assert "are the same role" in result.output


def test_no_route_names_what_is_reachable(runner: CliRunner) -> None:
    result = run(runner, "path", "Machine Learning Engineer", "Data Scientist")
    assert result.exit_code == 1
    assert "no route from Machine Learning Engineer to Data Scientist in at most 4 steps" in result.output
    assert "(--inferred also takes steps inferred with no evidence)" in result.output
    assert "Reachable from Machine Learning Engineer: none." in result.output
    result = run(runner, "path", "Machine Learning Engineer", "Data Scientist", "--inferred")
    reachable = result.output.split("Reachable from Machine Learning Engineer: ", 1)[1].split(".")[0]
    assert {"MLOps Engineer", "Software Engineer"} <= set(reachable.split(", "))
    assert "Roles that lead to Data Scientist: Full-Stack Data Scientist." in result.output


def test_unknown_have_skill_warns_with_suggestions(runner: CliRunner) -> None:
    result = runner.invoke(main, [*DS_MLE, "--have", "testng", "--have", "Docker"])
    assert result.exit_code == 0
    assert "Warning: unknown skill 'testng'; did you mean: Testing" in result.stderr
    assert "Warning: 'Docker' is a tool, not a skill" in result.stderr
    assert result.stdout.startswith("Data Scientist → Machine Learning Engineer  (cost 4.5,")  # both ignored


def test_next_ranks_roles_one_step_away(runner: CliRunner) -> None:
    doc = json.loads(run(runner, "next", "Data Scientist", "-f", "json").output)
    roles = [n["role"]["label"] for n in doc["next"]]
    assert set(roles) == {
        "Machine Learning Engineer",
        "Data Engineer",
        "ML Platform Engineer",
        "Full-Stack Data Scientist",
        "Big Data Engineer",
    }
    # recorded moves first (by guests who made them, then overlap), then inferred steps by overlap
    assert [n["inferred"] for n in doc["next"]] == [False, False, True, True, True]
    assert roles[:2] == ["Machine Learning Engineer", "Data Engineer"]
    assert roles[2] == "Full-Stack Data Scientist"  # it shares model development with a data scientist
    overlaps = [n["overlap"] for n in doc["next"][2:]]
    assert overlaps == sorted(overlaps, reverse=True)
    assert doc["next"][0]["why"] == "13 timed citations from 7 guests"
    have = json.loads(
        run(
            runner, "next", "DS", "--have", "Testing,Modular Python,APIs", "-f", "json", "--limit", "2"
        ).output
    )
    assert len(have["next"]) == 2
    limited = json.loads(run(runner, "next", "DS", "-f", "json", "--limit", "1").output)
    assert len(limited["next"]) == 2  # the limit hides no recorded move
    mle = json.loads(run(runner, "next", "DS", "--have", "Testing,Modular Python,APIs", "-f", "json").output)
    mle_entry = next(n for n in mle["next"] if n["role"]["label"] == "Machine Learning Engineer")
    assert mle_entry["overlap"] == 0.3
    assert "Testing" not in {s["label"] for s in mle_entry["missing_skills"]}


def test_next_text_and_markdown(runner: CliRunner) -> None:
    text = run(runner, "next", "Software Engineer").output.splitlines()
    assert text[0] == "One step from Software Engineer:"
    (mle,) = [line for line in text if ". Machine Learning Engineer " in line]
    assert "recorded transition" in mle
    md = run(runner, "next", "Software Engineer", "-f", "markdown").output
    assert md.startswith(
        "## One step from Software Engineer\n\n| role | moves | overlap | cost | missing skills |"
    )
