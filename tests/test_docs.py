"""The README documents every command, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_in_the_readme(command: str) -> None:
    assert f"`careergraph {command}" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: main {command}") or f"{command}" in result.output.splitlines()[0]
    assert len(result.output.splitlines()) > 3


def test_ci_runs_the_readme_test_command() -> None:
    blocks = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    test_command = next(b for b in blocks if "pytest" in b)
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()


def test_every_named_query_is_in_the_readme() -> None:
    for query in (ROOT / "queries").glob("*.rq"):
        assert f"| `{query.stem}` |" in README


def test_the_python_example_in_the_readme_runs() -> None:
    """The README's `careergraph.Session` example, run as a doctest: it answers a route and a query."""
    import doctest

    [example] = [b for b in re.findall(r"```pycon\n(.*?)```", README, re.S) if "careergraph.Session" in b]
    test = doctest.DocTestParser().get_doctest(example, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 8
