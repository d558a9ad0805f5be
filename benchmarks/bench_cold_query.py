"""A cold ``careergraph query role-skills`` against its floor, and against another source tree, taking turns.

Issue 17.5: a cold named query on the embedded Oxigraph store within 1.5× a
``python -c`` that opens the same store read-only, runs the same query text
and writes pyoxigraph's CSV. Every command runs in a process of its own, the
cache warm (the store opened, not built; the data file left alone for over two
seconds first, so that careergraph's warm memo may trust it), in turn with the
others; it reports
the median wall time, the median processor time (user + system, from
``getrusage``, which other processes' load disturbs less than the wall) and
the medians of the ratios pair by pair. ``--baseline SRC`` adds another
careergraph ``src`` folder (say a worktree of main) run the same way. The
commands run as ``python -m careergraph``; ``--script`` adds each tree run by
the ``careergraph`` console script pip writes beside this Python (which
imports :mod:`re` itself, whatever careergraph does). The answers must be the
same bytes.

Usage: python benchmarks/bench_cold_query.py [--triples 100000] [--runs 21] [--baseline SRC] [--script]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_all import QUERY_FLOOR
from common import machine, report
from synthetic import generate, sizes_for_triples

import careergraph as package
from careergraph.data import shipped_dir
from careergraph.names import LabelIndex
from careergraph.query.catalogue import find_query
from careergraph.query.params import bind_in_text, bind_params
from careergraph.query.safety import check_query
from careergraph.stores import LABELS_QUERY
from careergraph.stores.oxigraph import OxigraphStore


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds, processor seconds (user + system) and the output of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, env=env).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--baseline", type=Path, help="another careergraph's src folder to compare with")
    parser.add_argument("--script", action="store_true", help="also run the `careergraph` console script")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-bench-cold-"))
    try:
        data = work / "synthetic.ttl"
        triples = generate(data, **sizes_for_triples(args.triples))
        argv = [
            "-m",
            "careergraph",
            "--data",
            str(data),
            "query",
            "role-skills",
            "-p",
            "role=Role 0",
            "-f",
            "csv",
        ]
        # careergraph trusts a file's stat only once it is two seconds old (see careergraph.cache)
        time.sleep(max(0.0, 2.5 - (time.time() - data.stat().st_mtime)))
        trees = {"this tree": Path(package.__file__).parent.parent}
        if args.baseline is not None:
            trees["baseline"] = args.baseline.resolve()
        envs: dict[str, dict[str, str]] = {}
        for name, src in trees.items():
            # An installed wheel has bytecode; a checkout would otherwise compile on every start.
            compileall.compile_dir(src / "careergraph", quiet=1)
            envs[name] = {
                **os.environ,
                "PYTHONPATH": str(src),
                "CAREERGRAPH_CACHE": str(work / f"cache-{len(envs)}"),
            }
            for _ in range(2):  # the first builds the store, the second may answer warm
                subprocess.run([sys.executable, *argv], check=True, capture_output=True, env=envs[name])
        cache = Path(envs["this tree"]["CAREERGRAPH_CACHE"])
        (store,) = [found for found in cache.glob("oxigraph-*") if found.is_dir()]
        opened = OxigraphStore(str(store), [])
        query = find_query("role-skills", shipped_dir("queries"))
        index = LabelIndex.from_graph(opened.graph_covering(LABELS_QUERY))
        text = bind_in_text(
            query.text, check_query(query.text).form, bind_params(query, {"role": "Role 0"}, index)
        )
        del opened
        commands = {name: [sys.executable, *argv] for name in trees}
        script = Path(sys.executable).parent / "careergraph"
        if args.script:
            for name in trees:
                commands[f"{name}, `careergraph` script"] = [sys.executable, str(script), *argv[2:]]
                envs[f"{name}, `careergraph` script"] = envs[name]
        commands["floor"] = [sys.executable, "-c", QUERY_FLOOR, str(store), text]
        envs["floor"] = dict(os.environ)
        walls: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        outputs: dict[str, bytes] = {}
        for _ in range(args.runs):
            for name, command in commands.items():
                wall, cpu, outputs[name] = run(command, envs[name])
                walls[name].append(wall)
                cpus[name].append(cpu)
        assert len(set(outputs.values())) == 1, "the commands answered differently"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = statistics.median
    lines = [
        f"{machine()}; load average {os.getloadavg()[0]:.1f} at the end; {args.runs} runs each, taking turns",
        "",
        f"| cold `query role-skills -f csv`, {triples:,} triples | wall | ÷ floor (median of pairs) "
        "| CPU (user+sys) | ÷ floor's CPU (median of pairs) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in commands:
        wall_ratio = median([a / b for a, b in zip(walls[name], walls["floor"], strict=True)])
        cpu_ratio = median([a / max(b, 1e-3) for a, b in zip(cpus[name], cpus["floor"], strict=True)])
        lines.append(
            f"| {name} | {median(walls[name]) * 1000:.0f} ms | {wall_ratio:.2f}× "
            f"| {median(cpus[name]) * 1000:.0f} ms | {cpu_ratio:.2f}× |"
        )
    report("bench_cold_query", "\n".join(lines))


if __name__ == "__main__":
    main()
