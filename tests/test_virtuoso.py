"""Every command on a real Virtuoso 7 (Debian's virtuoso-opensource-7) gives the memory store's answers.

Virtuoso is run with Debian's limits: answers cut at 10,000 rows and sorts past
10,000 rows refused. Its default graph is the union of every graph, system
triples included, so careergraph reads the loaded graph (``#graph=IRI``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir
from careergraph.query.catalogue import list_queries

# name -> `--param` options: each parameter's @example in the query's header
NAMED = {
    q.name: [f"--param={name}={value}" for name, value in q.examples.items()]
    for q in list_queries(shipped_dir("queries"))
}


def shipped_files() -> list[Path]:
    return [p for p in sorted(shipped_dir("graph_data").glob("*.ttl")) if p.name != "shapes.ttl"]


def run(data: list[Path], *args: str, store: str | None = None):
    options = [option for file in data for option in ("--data", str(file))]
    if store:
        options += ["--store", store]
    return CliRunner().invoke(main, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def shipped(virtuoso) -> str:
    return virtuoso(shipped_files())


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_queries_on_virtuoso(name: str, shipped: str) -> None:
    memory = run(shipped_files(), "query", name, *NAMED[name], "-f", "csv")
    other = run([], "query", name, *NAMED[name], "-f", "csv", store=shipped)
    assert other.exit_code == 0, other.output
    assert other.output == memory.output
    assert len(memory.output.splitlines()) > 1


def test_path_next_viz_and_validate_on_virtuoso(shipped: str, tmp_path: Path) -> None:
    files = shipped_files()
    for command in (
        ["path", "DS", "MLE", "-f", "json", "-k", "3"],
        ["path", "Data Scientist", "ML Platform Engineer", "-f", "json"],
        ["next", "Software Engineer", "-f", "json"],
        ["validate"],
    ):
        other = run([], *command, store=shipped)
        assert other.exit_code == 0, other.output
        assert other.output == run(files, *command).output
    for view in ([], ["--path", "DS", "MLE"]):
        memory = run(files, "viz", "-o", str(tmp_path / "a.html"), *view)
        other = run([], "viz", "-o", str(tmp_path / "b.html"), *view, store=shipped)
        assert other.exit_code == 0, other.output
        assert other.output.replace("b.html", "a.html") == memory.output


def test_virtuosos_default_graph_is_not_the_data(shipped: str) -> None:
    """Without #graph, Virtuoso's default graph holds its own system triples too: say which graph."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    ours = CliRunner().invoke(main, ["--store", shipped, "query", "-", "-f", "csv"], input=count)
    whole = CliRunner().invoke(
        main, ["--store", shipped.partition("#")[0], "query", "-", "-f", "csv"], input=count
    )
    data = [x for f in shipped_files() for x in ("--data", str(f))]
    memory = CliRunner().invoke(main, [*data, "--store", "memory", "query", "-", "-f", "csv"], input=count)
    loaded = int(memory.output.splitlines()[1])
    assert int(ours.output.splitlines()[1]) == loaded
    assert int(whole.output.splitlines()[1]) > loaded


def test_the_whole_archive_on_virtuoso(virtuoso, shared_dir: Path, tmp_path_factory) -> None:
    """77,000 triples: past Virtuoso's 10,000-row answers and sorts, the pulls still read every triple."""
    podwiki = shared_dir / "podwiki"
    if not (podwiki / "_wiki").is_dir():
        pytest.skip(f"needs the podcast wiki snapshot at {podwiki}")
    imported = tmp_path_factory.mktemp("import") / "podwiki.ttl"
    result = run(shipped_files(), "import", "podwiki", str(podwiki), "-o", str(imported))
    assert result.exit_code == 0, result.output
    files = [*shipped_files(), imported]
    store = virtuoso(files)
    for command in (
        ["validate"],
        ["path", "Data Analyst", "Machine Learning Engineer", "-f", "json"],
        ["query", "guests-for-skill", "-p", "skill=Testing", "-f", "csv"],
        ["next", "Data Analyst", "-f", "json"],
    ):
        other = run([], *command, store=store)
        assert other.exit_code == 0, other.output
        assert other.output == run(files, *command).output
    shown = ["--types", "role,transition,skill,tool,guest,episode"]
    memory = run(files, "viz", "-o", str(tmp_path_factory.mktemp("viz") / "a.html"), *shown)
    other = run([], "viz", "-o", str(tmp_path_factory.mktemp("viz") / "a.html"), *shown, store=store)
    assert other.exit_code == 0, other.output
    assert other.output.split(":", 1)[1] == memory.output.split(":", 1)[1]  # the same nodes and edges
    route = json.loads(
        run([], "path", "Data Analyst", "Machine Learning Engineer", "-f", "json", store=store).stdout
    )
    hops = route["paths"][0]["hops"]
    assert hops[0]["from"]["label"] == "Data Analyst"
    assert hops[-1]["to"]["label"] == "Machine Learning Engineer"
