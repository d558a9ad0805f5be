"""Time `careergraph path`: a cold process and a warm call, on the shipped data and at ESCO's size.

A cold process is what a person waits for: start Python, import, and answer,
either parsing the data and projecting the roles (the first run on new data)
or reading them from the cache (every later run). A warm call is the route
search alone on a projection already in memory (what a long-running caller
pays). Each figure
is the median of several runs, measured side by side in this one run; the
synthetic graph has 3,000 roles and 14,000 skills, the size of ESCO. With the
podcast-wiki snapshot at ``--wiki`` (default ``../shared/podwiki``), the
seed graph merged with its import is a case too.

``--baseline SRC`` also times another careergraph source tree (``SRC`` is its
``src`` folder, such as a worktree of the main branch) on the same cold
commands, taking turns with this one, and prints the ratio this ÷ baseline.

Usage: python benchmarks/bench_path.py [--runs N] [--wiki DIR] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from common import interleaved_calls, machine, median_time, report
from synthetic import generate

from careergraph.data import load_graph, shipped_dir
from careergraph.names import LabelIndex
from careergraph.routes.projection import project_roles
from careergraph.routes.search import cheapest_path


def _command(data: list[Path], source: str, target: str) -> list[str]:
    options = [a for path in data for a in ("--data", str(path))]
    return [sys.executable, "-m", "careergraph", *options, "path", source, target]


def _run(command: list[str], cache: str, src: Path | None) -> None:
    env = {**os.environ, "CAREERGRAPH_CACHE": cache}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    subprocess.run(command, check=True, capture_output=True, env=env)


def cold(
    data: list[Path], source: str, target: str, runs: int, src: Path | None = None
) -> tuple[float, float]:
    """Seconds of the first run (empty cache) and the median of later runs (cache warm)."""
    command = _command(data, source, target)
    cache = tempfile.mkdtemp(prefix="careergraph-bench-cache-")
    first = median_time(lambda: _run(command, cache, src), 1)
    return first, median_time(lambda: _run(command, cache, src), runs)


def side_by_side(data: list[Path], source: str, target: str, runs: int, baseline: Path) -> dict[str, float]:
    """This tree against ``baseline``, taking turns: first runs (a new cache each) and cache-warm runs."""
    command = _command(data, source, target)
    fresh = lambda src: lambda: _run(command, tempfile.mkdtemp(prefix="careergraph-bench-cache-"), src)  # noqa: E731
    firsts = interleaved_calls({"this": fresh(None), "baseline": fresh(baseline)}, max(3, runs // 2))
    caches = {"this": tempfile.mkdtemp(), "baseline": tempfile.mkdtemp()}
    _run(command, caches["this"], None)
    _run(command, caches["baseline"], baseline)
    warm_runs = interleaved_calls(
        {
            "this": lambda: _run(command, caches["this"], None),
            "baseline": lambda: _run(command, caches["baseline"], baseline),
        },
        runs * 3,
    )
    return {
        "first": firsts["this"],
        "first_baseline": firsts["baseline"],
        "warm": warm_runs["this"],
        "warm_baseline": warm_runs["baseline"],
    }


def warm(data: list[Path], source: str, target: str, runs: int) -> tuple[float, int]:
    graph = load_graph(data)
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
    parser.add_argument(
        "--wiki", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "podwiki"
    )
    parser.add_argument("--baseline", type=Path, help="another careergraph's src folder to compare with")
    args = parser.parse_args()
    click_time = median_time(
        lambda: subprocess.run([sys.executable, "-c", "import click"], check=True), args.runs
    )
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        synthetic = Path(folder) / "esco-sized.ttl"
        triples = generate(synthetic, roles=3000, skills=14000)
        seed = shipped_dir("graph_data")
        cases = [
            ("shipped data", [seed], "Data Scientist", "Machine Learning Engineer", args.runs),
            (
                f"synthetic: 3,000 roles, 14,000 skills, {triples:,} triples",
                [synthetic], "Role 0", "Role 3", max(3, args.runs // 2),
            ),
        ]  # fmt: skip
        if (args.wiki / "_wiki").is_dir():
            imported = Path(folder) / "podwiki.ttl"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "careergraph",
                    "import",
                    "podwiki",
                    str(args.wiki),
                    "-o",
                    str(imported),
                ],
                check=True,
                capture_output=True,
            )
            wiki_case = ("shipped data + imported wiki", [seed, imported], *cases[0][2:])
            cases.insert(1, wiki_case)
        compared = []
        for name, data, source, target, runs in cases:
            first, cached = cold(data, source, target, runs)
            warm_time, hops = warm(data, source, target, args.runs * 50)
            route = f"{source} → {target} ({hops} step{'s' if hops != 1 else ''})"
            rows.append(
                f"| {name} | {route} | {first:.2f} s | {cached:.2f} s | {cached / click_time:.1f}× "
                f"| {warm_time * 1000:.2f} ms |"
            )
            if args.baseline is not None:
                t = side_by_side(data, source, target, runs, args.baseline)
                compared.append(
                    f"| {name} | {t['first']:.2f} s | {t['first_baseline']:.2f} s "
                    f"| {t['first'] / t['first_baseline']:.2f}× | {t['warm'] * 1000:.0f} ms "
                    f"| {t['warm_baseline'] * 1000:.0f} ms | {t['warm'] / t['warm_baseline']:.2f}× |"
                )
    lines = [
        machine(),
        f'`python -c "import click"`: {click_time * 1000:.0f} ms',
        "",
        "| data | route | cold, first run | cold, cache warm | ÷ import click | warm call |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
    ]
    if compared:
        lines += [
            "",
            f"Cold `path`, this tree against {args.baseline}, taking turns:",
            "",
            "| data | first run | baseline | ratio | cache warm | baseline | ratio |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *compared,
        ]
    report("path", "\n".join(lines))


if __name__ == "__main__":
    main()
