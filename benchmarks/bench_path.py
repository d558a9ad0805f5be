"""Time `careergraph path`: a cold process and a warm call, on the shipped data and at ESCO's size.

A cold process is what a person waits for: start Python, import, and answer,
either parsing the data and projecting the roles (the first run on new data)
or reading them from the cache (every later run). A warm call is the route
search alone on a projection already in memory (what a long-running caller
pays). Each figure
is the median of several runs, measured side by side in this one run; the
synthetic graph has 3,000 roles and 14,000 skills, the size of ESCO.

Usage: python benchmarks/bench_path.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import machine, median_time, report
from synthetic import generate

from careergraph.data import load_graph, shipped_dir
from careergraph.names import LabelIndex
from careergraph.network import project_roles
from careergraph.paths import cheapest_path


def cold(data: Path, source: str, target: str, runs: int) -> tuple[float, float]:
    """Seconds of the first run (empty cache) and the median of later runs (cache warm)."""
    os.environ["CAREERGRAPH_CACHE"] = tempfile.mkdtemp(prefix="careergraph-bench-cache-")
    command = [sys.executable, "-m", "careergraph", "--data", str(data), "path", source, target]
    first = median_time(lambda: subprocess.run(command, check=True, capture_output=True), 1)
    return first, median_time(lambda: subprocess.run(command, check=True, capture_output=True), runs)


def warm(data: Path, source: str, target: str, runs: int) -> tuple[float, int]:
    graph = load_graph([data])
    index = LabelIndex.from_graph(graph)
    G = project_roles(graph)
    u, v = str(index.resolve("role", source)), str(index.resolve("role", target))
    hops = len(cheapest_path(G, u, v).hops)
    return median_time(lambda: cheapest_path(G, u, v), runs), hops


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per cold measurement (warm: 50x as many)")
    args = parser.parse_args()
    click_time = median_time(
        lambda: subprocess.run([sys.executable, "-c", "import click"], check=True), args.runs
    )
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        synthetic = Path(folder) / "esco-sized.ttl"
        triples = generate(synthetic, roles=3000, skills=14000)
        cases = [
            ("shipped data", shipped_dir("graph_data"), "Data Scientist", "Machine Learning Engineer",
             args.runs),
            (
                f"synthetic: 3,000 roles, 14,000 skills, {triples:,} triples",
                synthetic, "Role 0", "Role 3", max(3, args.runs // 2),
            ),
        ]  # fmt: skip
        for name, data, source, target, runs in cases:
            first, cached = cold(data, source, target, runs)
            warm_time, hops = warm(data, source, target, args.runs * 50)
            route = f"{source} → {target} ({hops} step{'s' if hops != 1 else ''})"
            rows.append(
                f"| {name} | {route} | {first:.2f} s | {cached:.2f} s | {cached / click_time:.1f}× "
                f"| {warm_time * 1000:.2f} ms |"
            )
    lines = [
        machine(),
        f'`python -c "import click"`: {click_time * 1000:.0f} ms',
        "",
        "| data | route | cold, first run | cold, cache warm | ÷ import click | warm call |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
    ]
    report("path", "\n".join(lines))


if __name__ == "__main__":
    main()
