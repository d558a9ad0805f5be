"""Shared fixtures. Test files never import fixtures from each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from careergraph.data import load_graph, shipped_dir
from careergraph.names import LabelIndex

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def graph_data() -> Path:
    return shipped_dir("graph_data")


@pytest.fixture(scope="session")
def seed_graph(graph_data: Path) -> Graph:
    """The shipped graph. Session-wide: tests must not change it."""
    return load_graph([graph_data])


@pytest.fixture(scope="session")
def seed_index(seed_graph: Graph) -> LabelIndex:
    return LabelIndex.from_graph(seed_graph)


@pytest.fixture()
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner on the shipped data only, whatever the importer has written."""
    monkeypatch.setenv("CAREERGRAPH_DATA", str(shipped_dir("graph_data")))
    return CliRunner()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared material at {SHARED} (not present on this machine)")
    return SHARED


@pytest.fixture(scope="session")
def seed_text(shared_dir: Path) -> str:
    path = shared_dir / "seed" / "data-scientist-to-machine-learning-engineer.txt"
    if not path.is_file():
        pytest.skip(f"needs the seed page at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def podwiki(shared_dir: Path) -> Path:
    path = shared_dir / "podwiki"
    if not (path / "_wiki").is_dir():
        pytest.skip(f"needs the podcast wiki snapshot at {path}")
    return path
