"""Time the import of the podcast wiki snapshot: reading, building triples, writing Turtle.

Usage: python benchmarks/bench_import.py [WIKI_FOLDER] [--runs N]
(default folder: ../shared/podwiki beside the repository)
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

from careergraph.cli import canonical_turtle
from careergraph.data import load_graph, shipped_dir
from careergraph.podwiki import import_podwiki

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "podwiki")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.folder / "_wiki").is_dir():
        sys.exit(f"no podcast wiki at {args.folder}")
    vocabulary = load_graph([shipped_dir("graph_data")])
    build, write = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = import_podwiki(args.folder, vocabulary)
        middle = time.perf_counter()
        canonical_turtle(result.graph)
        build.append(middle - start)
        write.append(time.perf_counter() - middle)
    cold = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "careergraph", "import", "podwiki", str(args.folder), "-o", f"{folder}/out.ttl"],
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            cold.append(time.perf_counter() - start)
    counts = result.counts
    lines = [
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}",
        f"snapshot: {counts['pages']} pages, {counts['guests']} guests, {counts['episodes']} episodes, "
        f"{counts['segments']} segments, {counts['claims']} claims → {counts['triples']:,} triples",
        "",
        "| step | median of %d |" % args.runs,
        "|---|---:|",
        f"| read the wiki and build the triples | {statistics.median(build):.2f} s |",
        f"| serialise sorted Turtle | {statistics.median(write):.2f} s |",
        f"| `careergraph import podwiki` as a cold process | {statistics.median(cold):.2f} s |",
    ]
    report = "\n".join(lines)
    print(report)
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    (results / "import.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
