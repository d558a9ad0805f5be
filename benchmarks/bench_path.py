"""Time `careergraph path`: a cold process and a warm call, on the shipped data and at ESCO's size.

A cold process is what a person waits for: start Python, import, load the
data, project the roles and answer. A warm call is the route search alone on
a projection already in memory (what a long-running caller pays). Each figure
is the median of several runs, measured side by side in this one run; the
synthetic graph has 3,000 roles and 14,000 skills, the size of ESCO.

Usage: python benchmarks/bench_path.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synthetic import generate  # noqa: E402

from careergraph.data import load_graph, shipped_dir  # noqa: E402
from careergraph.names import LabelIndex  # noqa: E402
from careergraph.network import project_roles  # noqa: E402
from careergraph.paths import cheapest_path  # noqa: E402


def cold(data: Path, source: str, target: str, runs: int) -> float:
    command = [sys.executable, "-m", "careergraph", "--data", str(data), "path", source, target]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def warm(data: Path, source: str, target: str, runs: int) -> tuple[float, int]:
    graph = load_graph([data])
    index = LabelIndex.from_graph(graph)
    G = project_roles(graph)
    u, v = str(index.resolve("role", source)), str(index.resolve("role", target))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        route = cheapest_path(G, u, v)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(route.hops)


def baseline(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import click"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="runs per cold measurement (warm: 50x as many)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        synthetic = Path(folder) / "esco-sized.ttl"
        triples = generate(synthetic, roles=3000, skills=14000)
        cases = [
            ("shipped data", shipped_dir("graph_data"), "Data Scientist", "Machine Learning Engineer"),
            (f"synthetic: 3,000 roles, 14,000 skills, {triples:,} triples", synthetic, "Role 0", "Role 3"),
        ]
        click_time = baseline(args.runs)
        rows = []
        for name, data, source, target in cases:
            cold_time = cold(data, source, target, max(3, args.runs // 2) if data == synthetic else args.runs)
            warm_time, hops = warm(data, source, target, args.runs * 50)
            rows.append((name, f"{source} → {target} ({hops} step{'s' if hops != 1 else ''})", cold_time, warm_time))
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}",
        f"`python -c \"import click\"`: {click_time * 1000:.0f} ms",
        "",
        "| data | route | cold process | × import click | warm call |",
        "|---|---|---:|---:|---:|",
    ]
    for name, route, cold_time, warm_time in rows:
        lines.append(
            f"| {name} | {route} | {cold_time:.2f} s | {cold_time / click_time:.0f}× | {warm_time * 1000:.2f} ms |"
        )
    report = "\n".join(lines)
    print(report)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "path.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
