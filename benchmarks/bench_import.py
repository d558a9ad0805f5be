"""Time the import of the podcast wiki snapshot against the floor of only reading and YAML-parsing it.

Usage: python benchmarks/bench_import.py [WIKI_FOLDER] [--runs N] [--baseline SRC]
(default folder: ../shared/podwiki beside the repository)

In one run, in turns (floor, import, floor, import, …): the floor — read
every Markdown file and parse its front matter with PyYAML's C loader — and
the import — ``import_podwiki`` and the sorted Turtle it writes, in this
process with the vocabulary loaded once — then the import as a cold
``careergraph import podwiki`` process. The table gives each median and its
ratio to the floor's median, and says whether the targets are met (import
≤ 2.5 s and ≤ 25× the floor).

``--baseline SRC`` names the ``src`` folder of another careergraph (for example
``git archive <ref> src graph_data | tar -x -C /tmp/base`` and ``/tmp/base/src``):
its import-and-write and this one's then run in turns, each in its own
process, and the table gives both, their ratio, and whether the two written
files hold the same graph.
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
from common import interleaved_calls, machine, report

from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("_wiki", "_people", "_podcast_summaries")
TARGET_SECONDS = 2.5
TARGET_RATIO = 25.0
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Imports and writes once in a fresh process, with the careergraph its PYTHONPATH finds.
SNIPPET = """
import sys, time
from careergraph.data import load_graph, shipped_dir
try:
    from careergraph.ingest import import_podwiki
except ImportError:
    from careergraph.podwiki import import_podwiki
vocabulary = load_graph([shipped_dir("graph_data")])
start = time.perf_counter()
result = import_podwiki(sys.argv[1], vocabulary)
if hasattr(result, "turtle"):
    text = result.turtle()
else:
    text = result.graph.serialize(format="turtle")  # a tree from before the importer wrote its own
elapsed = time.perf_counter() - start
open(sys.argv[2], "w", encoding="utf-8").write(text)
print(elapsed)
"""


def read_and_parse(folder: Path) -> int:
    """Read every Markdown file of the wiki and YAML-parse its front matter: the floor of any import."""
    count = 0
    for name in FOLDERS:
        for path in sorted((folder / name).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            if text.startswith("---"):
                yaml.load(text.split("---", 2)[1], Loader=_LOADER)  # noqa: S506 - a safe loader
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT.parent / "shared" / "podwiki")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="the src folder of the careergraph to compare with")
    args = parser.parse_args()
    if not (args.folder / "_wiki").is_dir():
        sys.exit(f"no podcast wiki at {args.folder}")
    vocabulary = load_graph([shipped_dir("graph_data")])
    result = import_podwiki(args.folder, vocabulary)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(args.folder)]
        command += ["-o", f"{folder}/out.ttl"]
        medians = interleaved_calls(
            {
                "floor": lambda: read_and_parse(args.folder),
                "import": lambda: import_podwiki(args.folder, vocabulary).turtle(),
                "cold": lambda: subprocess.run(command, check=True, capture_output=True),
            },
            args.runs,
        )
    floor, build, cold = medians["floor"], medians["import"], medians["cold"]
    counts = result.counts
    met = build <= TARGET_SECONDS and build / floor <= TARGET_RATIO
    lines = [
        machine(),
        f"snapshot: {counts['pages']} pages, {counts['guests']} guests, {counts['episodes']} episodes, "
        f"{counts['segments']} segments, {counts['claims']} claims, {counts.get('moves', 0)} career moves "
        f"→ {counts['triples']:,} triples",
        f"PyYAML loader for the floor: {_LOADER.__name__}",
        "",
        f"| step (in turns, median of {args.runs}) | seconds | ÷ floor |",
        "|---|---:|---:|",
        f"| read every file and YAML-parse its front matter (the floor) | {floor:.2f} s | 1.0× |",
        f"| import: read the wiki, build the triples, write sorted Turtle | {build:.2f} s "
        f"| {build / floor:.1f}× |",
        f"| `careergraph import podwiki` as a cold process | {cold:.2f} s | {cold / floor:.1f}× |",
        "",
        f"target: import ≤ {TARGET_SECONDS} s and ≤ {TARGET_RATIO:.0f}× the floor: "
        + ("met" if met else "NOT met"),
    ]
    if args.baseline is not None:
        lines += ["", *compare(args.baseline, args.folder, args.runs, floor)]
    report("import", "\n".join(lines))


def compare(baseline: Path, folder: Path, runs: int, floor: float) -> list[str]:
    """Import and write with ``baseline`` and with this checkout, in turns, each in a fresh process."""
    measured: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as out:

        def timed(src: Path, key: str) -> None:
            env = {**os.environ, "PYTHONPATH": str(src)}
            output = subprocess.run(
                [sys.executable, "-c", SNIPPET, str(folder), f"{out}/{key}.ttl"],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            measured[key].append(float(output.stdout.strip().splitlines()[-1]))

        interleaved_calls(
            {
                "before": lambda: timed(baseline.resolve(), "before"),
                "after": lambda: timed(ROOT / "src", "after"),
            },
            runs,
        )
        same = same_graph(Path(out) / "before.ttl", Path(out) / "after.ttl")
    before, after = (statistics.median(measured[k]) for k in ("before", "after"))
    return [
        f"| import and write, in turns (median of {runs}) | seconds | ÷ floor |",
        "|---|---:|---:|",
        f"| before ({baseline}) | {before:.2f} s | {before / floor:.1f}× |",
        f"| after (this checkout) | {after:.2f} s | {after / floor:.1f}× |",
        f"| after ÷ before | {after / before:.2f}× | |",
        "",
        f"the two written files hold the same graph: {same}",
    ]


def same_graph(first: Path, second: Path) -> str:
    """Whether two Turtle files hold isomorphic graphs (a set comparison when they have no blank nodes)."""
    import pyoxigraph

    def triples(path: Path) -> set[object]:
        return set(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))

    a, b = triples(first), triples(second)
    if any(isinstance(term, pyoxigraph.BlankNode) for t in a | b for term in (t.subject, t.object)):
        from rdflib import Graph
        from rdflib.compare import isomorphic

        same = isomorphic(Graph().parse(first), Graph().parse(second))
        return "yes" if same else "NO"
    if a == b:
        return f"yes ({len(a):,} triples each)"
    return f"NO ({len(a - b):,} triples only before, {len(b - a):,} only after)"


if __name__ == "__main__":
    main()
