"""Time the import of the podcast wiki snapshot, beside the floor of only reading and YAML-parsing it.

Usage: python benchmarks/bench_import.py [WIKI_FOLDER] [--runs N] [--baseline SRC]
(default folder: ../shared/podwiki beside the repository)

``--baseline SRC`` names the ``src`` folder of another careergraph (for example
``git archive <ref> src graph_data | tar -x -C /tmp/base`` and ``/tmp/base/src``):
its import and this one then run in turns, each in its own process, and the
table gives both and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from common import interleaved_calls, machine, median_time, report

from careergraph.cli import canonical_turtle
from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("_wiki", "_people", "_podcast_summaries")

#: Times one import in a fresh process, with the careergraph its PYTHONPATH finds.
SNIPPET = """
import sys, time
from careergraph.data import load_graph, shipped_dir
try:
    from careergraph.ingest import import_podwiki
except ImportError:
    from careergraph.podwiki import import_podwiki
vocabulary = load_graph([shipped_dir("graph_data")])
start = time.perf_counter()
import_podwiki(sys.argv[1], vocabulary)
print(time.perf_counter() - start)
"""


def read_and_parse(folder: Path) -> int:
    """Read every Markdown file of the wiki and YAML-parse its front matter: the floor of any import."""
    count = 0
    for name in FOLDERS:
        for path in sorted((folder / name).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            if text.startswith("---"):
                yaml.safe_load(text.split("---", 2)[1])
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "podwiki")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="the src folder of the careergraph to compare with")
    args = parser.parse_args()
    if not (args.folder / "_wiki").is_dir():
        sys.exit(f"no podcast wiki at {args.folder}")
    vocabulary = load_graph([shipped_dir("graph_data")])
    result = import_podwiki(args.folder, vocabulary)
    floor = median_time(lambda: read_and_parse(args.folder), args.runs)
    build = median_time(lambda: import_podwiki(args.folder, vocabulary), args.runs)
    write = median_time(lambda: canonical_turtle(result.graph), args.runs)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(args.folder)]
        command += ["-o", f"{folder}/out.ttl"]
        cold = median_time(lambda: subprocess.run(command, check=True, capture_output=True), args.runs)
    counts = result.counts
    lines = [
        machine(),
        f"snapshot: {counts['pages']} pages, {counts['guests']} guests, {counts['episodes']} episodes, "
        f"{counts['segments']} segments, {counts['claims']} claims, {counts.get('moves', 0)} career moves "
        f"→ {counts['triples']:,} triples",
        "",
        f"| step | median of {args.runs} | ÷ read + YAML |",
        "|---|---:|---:|",
        f"| read every file and YAML-parse its front matter (the floor) | {floor:.2f} s | 1.0× |",
        f"| read the wiki and build the triples | {build:.2f} s | {build / floor:.1f}× |",
        f"| serialise sorted Turtle | {write:.2f} s | |",
        f"| `careergraph import podwiki` as a cold process | {cold:.2f} s | |",
    ]
    if args.baseline is not None:
        lines += ["", *compare(args.baseline, args.folder, args.runs, floor)]
    report("import", "\n".join(lines))


def compare(baseline: Path, folder: Path, runs: int, floor: float) -> list[str]:
    """The build step of ``baseline`` and of this checkout, in turns, each in a fresh process."""
    measured: dict[str, list[float]] = {"before": [], "after": []}

    def timed(src: Path, key: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(src)}
        output = subprocess.run(
            [sys.executable, "-c", SNIPPET, str(folder)], check=True, capture_output=True, text=True, env=env
        )
        measured[key].append(float(output.stdout.strip().splitlines()[-1]))

    interleaved_calls(
        {
            "before": lambda: timed(baseline.resolve(), "before"),
            "after": lambda: timed(ROOT / "src", "after"),
        },
        runs,
    )
    before, after = (statistics.median(measured[k]) for k in ("before", "after"))
    return [
        f"| build the triples, in turns (median of {runs}) | seconds | ÷ read + YAML |",
        "|---|---:|---:|",
        f"| before ({baseline}) | {before:.2f} s | {before / floor:.1f}× |",
        f"| after (this checkout) | {after:.2f} s | {after / floor:.1f}× |",
        f"| after ÷ before | {after / before:.2f}× | |",
    ]


if __name__ == "__main__":
    main()
