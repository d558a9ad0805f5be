"""Realistic questions a career-changer asks, judged against what the wiki pages say.

Each question runs a `careergraph path` or `next` command (JSON output) on the
seed graph merged with an import of the podcast-wiki snapshot, and checks what
the answer should contain and must not contain. Every question names the page
lines its checks come from (paths relative to the snapshot folder), so a reader
can open the page and judge the judgement. The script prints each question, the
checks that failed and why, and a score: a question passes when all its checks
do.

    python benchmarks/eval_routes.py                      # imports ../shared/podwiki first
    python benchmarks/eval_routes.py --imported FILE.ttl  # reuse an import

Exit status 0 when every question passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

#: A check reads the command's JSON answer (None when it exited non-zero) and says (passed, why).
Check = Callable[[dict[str, Any] | None], tuple[bool, str]]


# --- checks on a `path` answer -----------------------------------------------------------------


def _route(doc: dict[str, Any] | None) -> dict[str, Any] | None:
    return doc["paths"][0] if doc and doc.get("paths") else None


def _names(route: dict[str, Any]) -> list[str]:
    return [route["hops"][0]["from"]["label"], *(h["to"]["label"] for h in route["hops"])]


def route_exists() -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        return _route(doc) is not None, "a route" if _route(doc) else "no route"

    return check


def steps(n: int) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return False, "no route"
        return len(route["hops"]) == n, " → ".join(_names(route))

    check.__doc__ = f"{n} step{'s' if n != 1 else ''}"
    return check


def not_via(role: str) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return True, "no route"
        return role not in _names(route)[1:-1], " → ".join(_names(route))

    check.__doc__ = f"not via {role}"
    return check


def no_unevidenced_inferred_step() -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        bad = [
            f"{h['from']['label']} → {h['to']['label']}"
            for p in (doc or {}).get("paths", [])
            for h in p["hops"]
            if h["inferred"] and not h["evidence"]
        ]
        return not bad, ", ".join(bad) or "every inferred step has evidence"

    check.__doc__ = "no inferred step without evidence"
    return check


def _skills(route: dict[str, Any]) -> list[str]:
    return [s["label"].casefold() for h in route["hops"] for s in h["skills_to_gain"]]


def _tools(route: dict[str, Any]) -> list[str]:
    return [t["label"].casefold() for h in route["hops"] for t in h["tools"]]


def names(*labels: str) -> Check:
    """Each label among the route's skills to gain or tools."""

    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return False, "no route"
        named = set(_skills(route)) | set(_tools(route))
        missing = [label for label in labels if label.casefold() not in named]
        return not missing, f"missing {', '.join(missing)}" if missing else "all named"

    check.__doc__ = f"names {', '.join(labels)}"
    return check


def in_top_skills(label: str, top: int = 8) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return False, "no route"
        ranked = [s["label"].casefold() for s in route["hops"][0]["skills_to_gain"]]
        if label.casefold() not in ranked:
            return False, "not listed"
        place = ranked.index(label.casefold()) + 1
        return place <= top, f"at {place} of {len(ranked)}"

    check.__doc__ = f"{label} in the top {top} skills"
    return check


def not_to_gain(label: str) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return True, "no route"
        return label.casefold() not in _skills(route), "listed" if label.casefold() in _skills(
            route
        ) else "not listed"

    check.__doc__ = f"{label} not a skill to gain"
    return check


def not_tool(label: str) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return True, "no route"
        return label.casefold() not in _tools(route), "listed" if label.casefold() in _tools(
            route
        ) else "not listed"

    check.__doc__ = f"{label} not among the tools"
    return check


def cites(guest: str, start: int | None = None) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return False, "no route"
        found = [
            e
            for h in route["hops"]
            for e in h["evidence"]
            if guest in e["guest"] and (start is None or e["start"] == start)
        ]
        return bool(found), f"{len(found)} citation(s)"

    check.__doc__ = f"cites {guest}" + ("" if start is None else f" at {start} s")
    return check


def made_by_guests(at_least: int = 1) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        route = _route(doc)
        if route is None:
            return False, "no route"
        moves = [h.get("moves", 0) for h in route["hops"]]
        return all(m >= at_least for m in moves), f"moves per step: {moves}"

    check.__doc__ = f"every step made by at least {at_least} guest(s)"
    return check


# --- checks on a `next` answer -----------------------------------------------------------------


def next_first(*roles: str) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        ranked = [n["role"]["label"] for n in (doc or {}).get("next", [])]
        return set(ranked[: len(roles)]) == set(roles), ", ".join(ranked[: len(roles) + 2])

    check.__doc__ = f"{' and '.join(roles)} first"
    return check


def next_top(top: int, *roles: str) -> Check:
    """Each role among the first ``top``, and no inferred step ranked above a recorded or observed move."""

    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        found = (doc or {}).get("next", [])
        ranked = [n["role"]["label"] for n in found]
        missing = [role for role in roles if role not in ranked[:top]]
        inferred = [n["inferred"] for n in found]
        late = [n["role"]["label"] for i, n in enumerate(found) if not n["inferred"] and any(inferred[:i])]
        why = ", ".join(ranked[: top + 1])
        if late:
            why += f"; recorded or observed after an inferred step: {', '.join(late)}"
        return not missing and not late, why

    check.__doc__ = f"{', '.join(roles)} in the top {top}, recorded and observed moves first"
    return check


def next_lists(role: str) -> Check:
    def check(doc: dict[str, Any] | None) -> tuple[bool, str]:
        ranked = [n["role"]["label"] for n in (doc or {}).get("next", [])]
        return role in ranked, f"{len(ranked)} roles"

    check.__doc__ = f"lists {role}"
    return check


@dataclass
class Question:
    question: str
    command: tuple[str, ...]
    #: the page lines the checks come from, relative to the snapshot folder
    source: str
    should: list[Check] = field(default_factory=list)
    must_not: list[Check] = field(default_factory=list)


DS, MLE, DE, DA, AE = (
    "Data Scientist",
    "Machine Learning Engineer",
    "Data Engineer",
    "Data Analyst",
    "Analytics Engineer",
)

QUESTIONS = [
    Question(
        "I'm a data scientist: how do I become a machine learning engineer?",
        ("path", DS, MLE),
        "_wiki/data-scientist-to-machine-learning-engineer.md:4 (the page is this move), :34-38 (Ben Wilson, "
        "8:49-13:19)",
        should=[steps(1), cites("Ben Wilson", 529)],
        must_not=[not_via(DE), no_unevidenced_inferred_step()],
    ),
    Question(
        "Which skills matter most from data scientist to ML engineer?",
        ("path", DS, MLE),
        "_wiki/data-scientist-to-machine-learning-engineer.md:123 (section: software, deployment and "
        "system design gaps)",
        should=[in_top_skills("Deployment"), in_top_skills("Software engineering")],
    ),
    Question(
        "I'm a data analyst: what does analytics engineering add?",
        ("path", DA, AE),
        '_wiki/data-analyst-to-analytics-engineer.md:4 (the move), :139 ("Add Modeling, dbt, and Review"), '
        ":147-150 (modeling, dbt)",
        should=[steps(1), names("dbt", "Data modeling")],
    ),
    Question(
        "Do I have to learn SQL again to become an analytics engineer?",
        ("path", DA, AE),
        "_wiki/data-analyst-to-analytics-engineer.md:25 (SQL and dashboard work transfer)",
        must_not=[not_to_gain("SQL")],
    ),
    Question(
        "Data analyst to data engineer: what do I add?",
        ("path", DA, DE),
        "_wiki/data-analyst-to-data-engineer.md:4 (the move), :159 (stage 2: Python), :239 (stage 4: "
        "cloud, Docker, orchestration)",
        should=[steps(1), names("Python", "Docker", "Apache Airflow")],
    ),
    Question(
        "Data analyst to data engineer: which BI tools do I keep using?",
        ("path", DA, DE),
        "_wiki/data-analyst-to-data-engineer.md:64-66 (the shift is away from Tableau or Power BI toward "
        "backend work)",
        must_not=[not_tool("Tableau"), not_tool("Power BI")],
    ),
    Question(
        "Does a data engineer need ML modeling?",
        ("path", DA, DE),
        "_wiki/data-engineer-role.md:229 (data scientists own modeling, not data engineers)",
        must_not=[not_to_gain("Modeling")],
    ),
    Question(
        "I'm a data scientist who likes pipelines: how do I become a data engineer?",
        ("path", DS, DE),
        "_wiki/data-scientist-to-data-engineer.md:4 (the move), :45 (Ellen König), :82-84 (SQL transfers)",
        should=[steps(1), cites("Ellen König")],
        must_not=[not_to_gain("SQL")],
    ),
    Question(
        "I'm a software engineer: how do I move into machine learning engineering?",
        ("path", "Software Engineer", MLE),
        "_wiki/software-engineer-to-machine-learning.md:4 (the move), :25 (Santiago Valdarrama), :153-155 "
        "(data pipelines, modeling, deployment, monitoring)",
        should=[
            steps(1),
            cites("Santiago Valdarrama"),
            in_top_skills("Deployment"),
            in_top_skills("Monitoring"),
        ],
    ),
    Question(
        "Software engineer to ML engineer: is code review something I must learn?",
        ("path", "Software Engineer", MLE),
        "_wiki/software-engineer-to-machine-learning.md:148-150 (code review transfers)",
        must_not=[not_to_gain("Code review")],
    ),
    Question(
        "Who moved from software engineering to data science themselves?",
        ("path", "Software Engineer", DS),
        "_people/jackblandin.md:15 (began as a software engineer, then data science); "
        "_podcast_summaries/theme-park-crowd-modeling-to-tesla-full-stack-data-engineering.md:58 "
        "(his chapter at 1:17, 'Early Career: Software Engineering to Data Science'); "
        "_people/wendymak.md:14 (software "
        "engineer before data scientist). Not Andrey Shtylenko's chapter at 52:39 of an episode on data "
        "teams (building-and-scaling-data-science-practice-industrial-ai-mlops.md:73-74): a question on "
        "internal moves, his page names no such job",
        should=[steps(1), made_by_guests(2)],
    ),
    Question(
        "I work in marketing: can I become an analytics engineer?",
        ("path", "Marketing", AE),
        "_wiki/marketing-to-analytics-engineering.md:3-4 (a transition page: this move)",
        should=[steps(1)],
        must_not=[no_unevidenced_inferred_step()],
    ),
    Question(
        "I'm a product designer: how do I become a data product manager?",
        ("path", "Product Designer", "Data Product Manager"),
        "_wiki/product-designer-to-data-product-manager.md:4 (the move)",
        should=[steps(1)],
    ),
    Question(
        "I'm a freelancer: how do I build a data product company?",
        ("path", "Freelancer", "Data Product Founder"),
        "_wiki/consultant-or-freelancer-to-data-product-founder.md:4 (the move, from either role)",
        should=[steps(1)],
    ),
    Question(
        "I'm changing careers: can I get into AI engineering?",
        ("path", "Career Changer", "AI Engineer"),
        "_wiki/nontraditional-paths-to-ai-engineering.md:4 (the move)",
        should=[steps(1)],
    ),
    Question(
        "I'm a data analyst: what can I move to next?",
        ("next", DA),
        "_wiki/data-analyst-to-analytics-engineer.md:4 and _wiki/data-analyst-to-data-engineer.md:4 "
        "(the two recorded moves from this role); guests who made Data Analyst → Data Scientist themselves: "
        "_people/andradaolteanu.md:15 (full-time data analyst, now data scientist) and "
        "_podcast_summaries/analytics-to-data-science-with-kaggle-portfolio.md:56-57 (chapters 1:37, 2:10); "
        "_podcast_summaries/data-science-career-abc-framework.md:58 (Danny Ma, 3:33: his own journey from "
        "analytics to data science). Recorded or observed moves rank before roles with none, so all three "
        "are the top 3, in the order of who made them",
        should=[next_top(3, AE, DE, DS)],
    ),
    Question(
        "I'm a data scientist: what can I move to next?",
        ("next", DS),
        "_wiki/data-scientist-to-machine-learning-engineer.md:4 and "
        "_wiki/data-scientist-to-data-engineer.md:4",
        should=[next_first(MLE, DE)],
    ),
    Question(
        "Data engineer to ML engineer: a route that makes sense?",
        ("path", DE, MLE, "-k", "3"),
        "_wiki/data-scientist-to-machine-learning-engineer.md:4 and _wiki/software-engineer-to-machine-"
        "learning.md:4 (the recorded moves into the role; none is from AI engineering)",
        must_not=[not_via("AI Engineer"), no_unevidenced_inferred_step()],
    ),
]


def answer(data: list[Path], command: tuple[str, ...], cache: Path) -> dict[str, Any] | None:
    """The command's JSON answer, or None when it exits non-zero (no route)."""
    from click.testing import CliRunner

    from careergraph.cli import main

    os.environ["CAREERGRAPH_CACHE"] = str(cache)
    args = [a for p in data for a in ("--data", str(p))] + list(command) + ["--format", "json"]
    result = CliRunner().invoke(main, args)
    if result.exit_code != 0:
        return None
    return json.loads(result.stdout)


def evaluate(data: list[Path], cache: Path) -> tuple[int, list[tuple[Question, list[tuple[str, str, str]]]]]:
    """Run every question: how many pass, and each question's failed checks (kind, check, why)."""
    passed = 0
    report = []
    for question in QUESTIONS:
        doc = answer(data, question.command, cache)
        failed = []
        for kind, checks in (("should", question.should), ("must not", question.must_not)):
            for check in checks:
                ok, why = check(doc)
                if not ok:
                    failed.append((kind, check.__doc__ or check.__name__, why))
        passed += not failed
        report.append((question, failed))
    return passed, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wiki", type=Path, default=ROOT.parent / "shared" / "podwiki")
    parser.add_argument("--imported", type=Path, help="an import of the wiki to reuse (else one is made)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-routes-") as tmp:
        imported = args.imported
        if imported is None:
            if not (args.wiki / "_wiki").is_dir():
                print(f"needs the podcast wiki snapshot at {args.wiki}", file=sys.stderr)
                return 2
            imported = Path(tmp) / "podwiki.ttl"
            careergraph = [sys.executable, "-m", "careergraph"]
            subprocess.run(
                [*careergraph, "import", "podwiki", str(args.wiki), "-o", str(imported)],
                check=True,
                capture_output=True,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            )
        passed, report = evaluate([ROOT / "graph_data", imported], Path(tmp) / "cache")
    for number, (question, failed) in enumerate(report, start=1):
        mark = "pass" if not failed else "FAIL"
        print(f"{number:>2}. [{mark}] {question.question}")
        print(f"      careergraph {' '.join(question.command)}")
        print(f"      judged from {question.source}")
        for kind, check, why in failed:
            print(f"      {kind}: {check} — {why}")
    print(f"\nscore: {passed} of {len(QUESTIONS)} questions pass")
    return 0 if passed == len(QUESTIONS) else 1


if __name__ == "__main__":
    raise SystemExit(main())
