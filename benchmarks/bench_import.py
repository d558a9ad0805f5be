"""Time the import of the podcast wiki snapshot: reading, building triples, writing Turtle.

Usage: python benchmarks/bench_import.py [WIKI_FOLDER] [--runs N]
(default folder: ../shared/podwiki beside the repository)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import machine, median_time, report

from careergraph.cli import canonical_turtle
from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "podwiki")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.folder / "_wiki").is_dir():
        sys.exit(f"no podcast wiki at {args.folder}")
    vocabulary = load_graph([shipped_dir("graph_data")])
    result = import_podwiki(args.folder, vocabulary)
    build = median_time(lambda: import_podwiki(args.folder, vocabulary), args.runs)
    write = median_time(lambda: canonical_turtle(result.graph), args.runs)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(args.folder)]
        command += ["-o", f"{folder}/out.ttl"]
        cold = median_time(lambda: subprocess.run(command, check=True, capture_output=True), args.runs)
    counts = result.counts
    report(
        "import",
        "\n".join(
            [
                machine(),
                f"snapshot: {counts['pages']} pages, {counts['guests']} guests, "
                f"{counts['episodes']} episodes, "
                f"{counts['segments']} segments, {counts['claims']} claims → {counts['triples']:,} triples",
                "",
                f"| step | median of {args.runs} |",
                "|---|---:|",
                f"| read the wiki and build the triples | {build:.2f} s |",
                f"| serialise sorted Turtle | {write:.2f} s |",
                f"| `careergraph import podwiki` as a cold process | {cold:.2f} s |",
            ]
        ),
    )


if __name__ == "__main__":
    main()
