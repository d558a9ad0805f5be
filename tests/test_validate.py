"""`careergraph validate`: SHACL over the loaded data."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import shipped_dir


def test_shipped_data_conforms(runner: CliRunner) -> None:
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ") and "conform to shapes.ttl" in result.output


def test_violations_are_readable_and_exit_1(runner: CliRunner, data_dir: Path) -> None:
    data = [str(shipped_dir("graph_data") / "ontology.ttl"), str(data_dir / "broken-shapes.ttl")]
    result = runner.invoke(main, ["--data", data[0], "--data", data[1], "validate"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "Violation: Loop Role (role/loop)" not in result.output  # the role itself is fine
    assert any(
        line.startswith("Violation: transition/loop--loop cg:toRole:") and "other than its source" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith("Violation: segment/e/100-50 schema:startOffset:") and "before its end" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith("Violation: claim/x/nobody prov:wasAttributedTo:") and "guest" in line
        for line in lines
    ), result.output
    assert lines[-1].startswith("Error: ") and lines[-1].endswith("violations of shapes.ttl")


def test_a_broken_shapes_file_is_one_line_naming_its_line(runner: CliRunner, tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n<x> a sh:NodeShape ;;; oops\n")
    result = runner.invoke(main, ["validate", "--shapes", str(shapes)])
    assert result.exit_code == 1
    [line] = result.output.splitlines()
    assert line.startswith(f"Error: {shapes}:2: syntax error: ")
    assert "Traceback" not in result.output
