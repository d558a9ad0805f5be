"""What every benchmark script shares: the machine it ran on, medians, and where reports go."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    """One line naming the machine, for the top of every report."""
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def median_time(action: Callable[[], object], runs: int) -> float:
    """The median wall-clock seconds of ``runs`` calls of ``action``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_calls(actions: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The median wall-clock seconds of each action, called in turn ``rounds`` times.

    Taking turns spreads the machine's drift (other work, frequency changes)
    over every action alike, which matters when their ratios are the result.
    """
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def interleaved_medians(commands: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """The median wall-clock seconds of each command, run in turn ``rounds`` times."""
    import subprocess

    return interleaved_calls(
        {
            name: lambda c=command: subprocess.run(c, check=True, capture_output=True)
            for name, command in commands.items()
        },
        rounds,
    )


def report(name: str, text: str) -> None:
    """Print a report and keep it in benchmarks/results/NAME.md (git-ignored)."""
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text + "\n", encoding="utf-8")
