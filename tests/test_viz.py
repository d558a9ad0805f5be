"""`careergraph viz`: the page's content and safety, without a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir


def viz(
    runner: CliRunner, tmp_path: Path, *args: str, data: list[Path] | None = None
) -> tuple[str, str, dict]:
    output = tmp_path / "page.html"
    options = [x for d in (data or []) for x in ("--data", str(d))]
    result = runner.invoke(main, [*options, "viz", "-o", str(output), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    html = output.read_text(encoding="utf-8")
    match = re.search(r'<script id="careergraph-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the page carries its data"
    return result.output, html, json.loads(match.group(1))


def test_whole_graph_page_is_self_contained(runner: CliRunner, tmp_path: Path) -> None:
    out, html, data = viz(runner, tmp_path)
    count = int(re.search(r": (\d+) nodes", out).group(1))
    assert len(data["nodes"]) == count
    assert f'<span id="node-count">{count}</span>' in html
    # nothing is fetched: no src= or href= pointing anywhere, and a CSP that forbids it
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)
    assert "connect-src 'none'" in html and "default-src 'none'" in html
    types = {n["group"] for n in data["nodes"]}
    assert {"role", "skill", "tool", "guest", "episode", "segment", "transition"} <= types
    legend = {item["type"]: item["count"] for item in data["legend"]}
    assert sum(legend.values()) == count


def test_page_is_written_atomically_and_readable(runner: CliRunner, tmp_path: Path) -> None:
    viz(runner, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]
    assert (tmp_path / "page.html").stat().st_mode & 0o044  # readable by others, like any file


def test_types_filter(runner: CliRunner, tmp_path: Path) -> None:
    out, _, data = viz(runner, tmp_path, "--types", "role,tool")
    assert {n["group"] for n in data["nodes"]} == {"role", "tool"}
    bad = runner.invoke(main, ["viz", "-o", str(tmp_path / "x.html"), "--types", "role,nope"])
    assert bad.exit_code == 2 and "unknown type 'nope'" in bad.output
    assert not (tmp_path / "x.html").exists()


def test_focus_view(runner: CliRunner, tmp_path: Path) -> None:
    _, _, data = viz(runner, tmp_path, "--focus", "Docker")
    labels = {n["fullLabel"] for n in data["nodes"]}
    assert "Docker" in labels and "Data Engineer" in labels
    assert "Terraform" not in labels
    _, _, deeper = viz(runner, tmp_path, "--focus", "Docker", "--depth", "2")
    assert len(deeper["nodes"]) > len(data["nodes"])
    unknown = runner.invoke(main, ["viz", "-o", str(tmp_path / "y.html"), "--focus", "Dokcer"])
    assert unknown.exit_code == 2 and "did you mean: Docker" in unknown.output


def test_path_view_highlights_the_route_and_lists_its_evidence(runner: CliRunner, tmp_path: Path) -> None:
    _, _, data = viz(runner, tmp_path, "--path", "Data Scientist", "Machine Learning Engineer")
    assert data["title"] == "Route: Data Scientist → Machine Learning Engineer"
    (step,) = data["steps"]
    assert step["from"] == "Data Scientist" and not step["inferred"]
    assert "Software engineering" in step["skills"]
    assert {"guest": "Ben Wilson", "span": "8:49"}.items() <= {
        k: v for e in step["evidence"] if e["span"] == "8:49" for k, v in e.items()
    }.items()
    lit = [n for n in data["nodes"] if isinstance(n["color"], dict)]
    assert {n["fullLabel"] for n in lit} >= {
        "Data Scientist",
        "Machine Learning Engineer",
        "Ben Wilson",
        "Docker",
    }
    dimmed = [n for n in data["nodes"] if n["color"] == "#e2e8f0"]
    # the neighbourhood is drawn, dimmed; what is further away is not drawn at all
    assert "Data Scientist to Data Engineer" in {n["fullLabel"] for n in dimmed}
    assert "Terraform" not in {n["fullLabel"] for n in data["nodes"]}


def test_inferred_route_draws_the_step(runner: CliRunner, tmp_path: Path) -> None:
    _, _, data = viz(runner, tmp_path, "--path", "Data Scientist", "ML Platform Engineer")
    assert data["steps"][0]["inferred"] is True
    assert any(e["label"] == "inferred step" and e["dashes"] for e in data["edges"])


def test_query_view(runner: CliRunner, tmp_path: Path) -> None:
    query = tmp_path / "tools.rq"
    query.write_text(
        "# Roles and their tools.\nPREFIX cg: <https://w3id.org/careergraph/ontology#>\n"
        "CONSTRUCT { ?r cg:usesTool ?t } WHERE { ?r cg:usesTool ?t ; a cg:Role }"
    )
    _, _, data = viz(runner, tmp_path, "--query", str(query))
    assert {n["group"] for n in data["nodes"]} == {"role", "tool"}
    assert {e["label"] for e in data["edges"]} == {"uses"}
    select = tmp_path / "spo.rq"
    select.write_text(
        "# s p o.\nPREFIX cg: <https://w3id.org/careergraph/ontology#>\n"
        "SELECT ?s ?p ?o WHERE { ?s cg:leadsTo ?o . BIND(cg:leadsTo AS ?p) }"
    )
    _, _, spo = viz(runner, tmp_path, "--query", str(select))
    assert {e["label"] for e in spo["edges"]} == {"leads to"}
    wrong = tmp_path / "wrong.rq"
    wrong.write_text("# x.\nSELECT ?x WHERE { ?x ?y ?z }")
    result = runner.invoke(main, ["viz", "-o", str(tmp_path / "z.html"), "--query", str(wrong)])
    assert result.exit_code == 2 and "SELECT with ?s ?p ?o" in result.output


def test_only_one_view_at_a_time(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["viz", "-o", str(tmp_path / "z.html"), "--focus", "Docker", "--path", "DS", "MLE"]
    )
    assert result.exit_code == 2 and "choose one of" in result.output


@pytest.fixture()
def hostile_data(data_dir: Path) -> list[Path]:
    return [shipped_dir("graph_data"), data_dir / "hostile.ttl"]


def test_hostile_labels_never_reach_the_page_as_markup(
    runner: CliRunner, tmp_path: Path, hostile_data: list[Path]
) -> None:
    _, html, data = viz(runner, tmp_path, data=hostile_data)
    labels = {n["fullLabel"] for n in data["nodes"]}
    assert "<img src=x onerror=alert(1)>" in labels  # shown as the characters it is
    assert "</script><script>alert(2)</script>" in labels
    assert "<img src=x" not in html
    assert "<script>alert(2)" not in html
    assert "<b onmouseover" not in html
    episode = next(n for n in data["nodes"] if n["group"] == "episode" and "bold" in n["fullLabel"])
    assert episode["url"] is None  # a javascript: link is dropped


def test_a_large_graph_is_drawn_as_the_career_map(runner: CliRunner, tmp_path: Path, big_graph: Path) -> None:
    out, _, whole = viz(runner, tmp_path, "--all", data=[big_graph])
    assert len(whole["nodes"]) == 473
    out, _, data = viz(runner, tmp_path, data=[big_graph])
    assert data["title"].startswith("Career map")
    assert {n["group"] for n in data["nodes"]} == {"role"} and len(data["nodes"]) == 12
    widths = {(e["from"][-2:].strip("/"), e["to"][-2:].strip("/")): e["width"] for e in data["edges"]}
    assert len(widths) == 11
    # the more guests and citations behind a move, the wider its edge
    ordered = [widths[str(r), str(r + 1)] for r in range(11)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]
    last = next(e for e in data["edges"] if e["to"].endswith("/role/11"))
    assert last["title"] == "Role 10 → Role 11: 11 guests, 11 citations"
    sections = {s["title"]: s["lines"] for s in last["details"]}
    assert {"text": "Guest 10-0 · Episode 10-0 · 1:00", "url": "https://video.example/10-0&t=60"} in sections[
        "Evidence"
    ]
    assert sections["Skills to gain"][0]["text"].startswith("Skill ")
    role = next(n for n in data["nodes"] if n["fullLabel"] == "Role 5")
    titles = [s["title"] for s in role["details"]]
    assert titles[:2] == ["Moves out", "Moves in"] and "Skills it needs" in titles
    _, _, small = viz(runner, tmp_path)
    assert not small["title"].startswith("Career map")  # the shipped graph is small enough to draw whole
    _, _, forced = viz(runner, tmp_path, "--map")
    assert {n["group"] for n in forced["nodes"]} == {"role"}


def test_path_shows_the_route_in_its_neighbourhood(
    runner: CliRunner, tmp_path: Path, big_graph: Path
) -> None:
    args = ("--path", "Role 3", "Role 5")
    _, _, near = viz(runner, tmp_path, *args, data=[big_graph])
    _, _, alone = viz(runner, tmp_path, *args, "--context", "0", data=[big_graph])
    _, _, more = viz(runner, tmp_path, *args, "--context", "2", data=[big_graph])
    labels = {n["fullLabel"] for n in near["nodes"]}
    ids = {n["id"] for n in near["nodes"]}
    # the route, the skills its roles need and the moves into and out of it; not the rest of the chain
    assert {"Role 3", "Role 4", "Role 5", "Skill 60"} <= labels
    assert {"https://example.org/move/2", "https://example.org/move/5"} <= ids
    assert "Role 2" not in labels and "Role 9" not in labels and "Skill 0" not in labels
    assert {"Role 2", "Role 6"} <= {n["fullLabel"] for n in more["nodes"]}
    assert {n["fullLabel"] for n in alone["nodes"] if n["group"] == "role"} == {"Role 3", "Role 4", "Role 5"}
    assert all(isinstance(n["color"], dict) for n in alone["nodes"])  # only the route, all of it lit
    assert len(alone["nodes"]) < len(near["nodes"]) < len(more["nodes"])


def test_focus_on_a_guest_shows_their_claims(runner: CliRunner, tmp_path: Path) -> None:
    _, _, data = viz(runner, tmp_path, "--focus", "Ben Wilson")
    groups = {n["group"] for n in data["nodes"]}
    assert {"guest", "episode", "transition"} <= groups
    assert any(e["label"] == "speaks to" for e in data["edges"])
    ben = next(n for n in data["nodes"] if n["fullLabel"] == "Ben Wilson")
    sections = {s["title"]: s["lines"] for s in ben["details"]}
    assert any(line["url"] == "https://www.youtube.com/watch?v=sMy8NYZnsy8" for line in sections["Episodes"])
    cited = [line for line in sections["Cited for"] if line["url"].endswith("&t=529")]
    assert cited and cited[0]["text"].startswith("Data Scientist → Machine Learning Engineer · ")


def test_query_view_draws_untyped_nodes_with_the_labels_it_returns(runner: CliRunner, tmp_path: Path) -> None:
    query = tmp_path / "made.rq"
    query.write_text(
        "# Made-up nodes.\nPREFIX ex: <https://example.org/>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX cg: <https://w3id.org/careergraph/ontology#>\n"
        'CONSTRUCT { ex:a ex:knows ex:b . ex:a rdfs:label "Alpha" . ex:b rdfs:label "Beta" .'
        ' ex:c rdfs:label "C" . ?r ex:near ex:a } WHERE { ?r a cg:Role ; cg:usesTool ?t } LIMIT 1'
    )
    _, _, data = viz(runner, tmp_path, "--query", str(query))
    nodes = {n["id"].rsplit("/", 1)[-1]: n for n in data["nodes"]}
    assert {nodes[k]["fullLabel"] for k in ("a", "b", "c")} == {"Alpha", "Beta", "C"}
    assert {nodes[k]["group"] for k in ("a", "b", "c")} == {"other"}
    assert nodes["a"]["color"] == "#94a3b8" and nodes["a"]["title"] == "Other: Alpha"
    assert {"role", "other"} == {n["group"] for n in data["nodes"]}
    assert {e["label"] for e in data["edges"]} == {"knows", "near"}


def test_focus_on_a_guest_shows_their_career_moves(runner: CliRunner, tmp_path: Path, data_dir: Path) -> None:
    _, _, data = viz(
        runner, tmp_path, "--focus", "Ben Wilson", data=[shipped_dir("graph_data"), data_dir / "moves.ttl"]
    )
    ben = "https://w3id.org/careergraph/id/guest/benwilson"
    transition = "https://w3id.org/careergraph/id/transition/data-scientist--machine-learning-engineer"
    assert {(e["from"], e["to"], e["label"]) for e in data["edges"] if e["from"] == ben} >= {
        (ben, transition, "made the move")
    }
    node = next(n for n in data["nodes"] if n["id"] == ben)
    (move,) = next(s["lines"] for s in node["details"] if s["title"] == "Career moves")
    assert move["text"].startswith("Data Scientist → Machine Learning Engineer · Practical Machine Learning")
    assert move["text"].endswith(" 8:49–13:19") and move["url"].endswith("&t=529")
