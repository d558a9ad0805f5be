"""Routes on the imported podcast-wiki snapshot merged with the seed graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.routes.projection import project_roles
from careergraph.vocab import ID


@pytest.fixture(scope="module")
def imported(podwiki: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("import") / "podwiki.ttl"
    result = CliRunner().invoke(
        main, ["import", "podwiki", str(podwiki), "-o", str(output)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return output


def run(imported: Path, *args: str):
    data = ["--data", str(shipped_dir("graph_data")), "--data", str(imported)]
    return CliRunner().invoke(main, [*data, *args], catch_exceptions=False)


def test_data_scientist_to_ml_engineer_is_one_step_with_the_seeds_ranges(imported: Path) -> None:
    seed = project_roles(load_graph([shipped_dir("graph_data")]))
    ds, mle = str(ID["role/data-scientist"]), str(ID["role/machine-learning-engineer"])
    seed_ranges = {(e.episode, e.start, e.end) for e in seed.edges[ds, mle]["evidence"] if e.end is not None}
    assert len(seed_ranges) == 12

    result = run(imported, "path", "Data Scientist", "Machine Learning Engineer", "-k", "2", "-f", "json")
    assert result.exit_code == 0, result.output
    best, second = json.loads(result.stdout)["paths"]
    (hop,) = best["hops"]
    assert hop["inferred"] is False
    assert hop["transition"].endswith("data-scientist--machine-learning-engineer")
    ranges = {(e["episode"]["id"], e["start"], e["end"]) for e in hop["evidence"] if e["end"] is not None}
    assert seed_ranges <= ranges
    assert best["cost"] < second["cost"]
    weights = [s["weight"] for s in hop["skills_to_gain"]]
    assert weights == sorted(weights, reverse=True) and weights[0] > 1

    text = run(imported, "path", "Data Scientist", "Machine Learning Engineer").stdout.splitlines()
    assert text[0].startswith("Data Scientist → Machine Learning Engineer  (cost ")
    assert text[1].startswith("Why: ") and "timed citations from" in text[1]
    assert "and " in text[4] and text[4].endswith("more (--all-skills)")  # the top 8 of many


def test_no_route_takes_an_inferred_step_without_evidence(imported: Path) -> None:
    for source, target in [("Data Engineer", "Machine Learning Engineer"), ("Data Analyst", "AI Engineer")]:
        result = run(imported, "path", source, target, "-k", "3", "-f", "json")
        if result.exit_code == 1:
            continue  # no route at all is an honest answer too
        for route in json.loads(result.stdout)["paths"]:
            for hop in route["hops"]:
                assert not hop["inferred"] or hop["evidence"], hop


def test_next_never_hides_a_recorded_move(imported: Path) -> None:
    doc = json.loads(run(imported, "next", "Data Analyst", "--limit", "1", "-f", "json").stdout)
    recorded = [n["role"]["label"] for n in doc["next"] if not n["inferred"]]
    assert {"Analytics Engineer", "Data Engineer"} <= set(recorded)
    assert [n["inferred"] for n in doc["next"]][: len(recorded)] == [False] * len(recorded)
