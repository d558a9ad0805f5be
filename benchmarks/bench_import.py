"""Time the import of the podcast wiki snapshot against the floor of only reading and YAML-parsing it.

Usage: python benchmarks/bench_import.py [WIKI_FOLDER] [--runs N] [--baseline SRC]
(default folder: ../shared/podwiki beside the repository)

In one run, in turns (floor, import, …): the floor — read every Markdown file
and parse its front matter with PyYAML's C loader — and the import —
``import_podwiki`` and the sorted Turtle it writes, in this process with the
vocabulary loaded once: as ``careergraph import`` runs it (part of the files,
half the pages and half the Turtle in a forked child where there are two
cores), and in one
process (``jobs=1``) — then the import as a cold ``careergraph import podwiki``
process. The table gives each median, wall and CPU time (this process's and
its children's, from ``getrusage``), with its ratio to the floor's median, and
says whether the targets are met (import ≤ 2.5 s and ≤ 25× the floor). The
load average before and after is printed: other work on the machine slows the
import, and the forked half most.

``--baseline SRC`` names the ``src`` folder of another careergraph (for example
``git archive <ref> src graph_data | tar -x -C /tmp/base`` and ``/tmp/base/src``):
its import-and-write and this one's (as run, and in one process) then run in
turns, each in its own process, then the two ``careergraph import podwiki``
commands as cold processes, in turns; the table gives them, their ratios, and
whether the written files are the same bytes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from common import machine, report

from careergraph.data import load_graph, shipped_dir
from careergraph.ingest import import_podwiki

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("_wiki", "_people", "_podcast_summaries")
TARGET_SECONDS = 2.5
TARGET_RATIO = 25.0
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Imports and writes once in a fresh process, with the careergraph its PYTHONPATH finds.
SNIPPET = """
import resource, sys, time
from careergraph.data import load_graph, shipped_dir
try:
    from careergraph.ingest import import_podwiki
except ImportError:
    from careergraph.podwiki import import_podwiki
def cpu():
    who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    return sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, who))
vocabulary = load_graph([shipped_dir("graph_data")])
options = {"jobs": int(sys.argv[3])} if len(sys.argv) > 3 else {}  # a tree from before jobs takes none
start, used = time.perf_counter(), cpu()
result = import_podwiki(sys.argv[1], vocabulary, **options)
if hasattr(result, "turtle"):
    text = result.turtle()
else:
    text = result.graph.serialize(format="turtle")  # a tree from before the importer wrote its own
elapsed, used = time.perf_counter() - start, cpu() - used
open(sys.argv[2], "w", encoding="utf-8").write(text)
print(elapsed, used)
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


def cpu() -> float:
    """CPU seconds used so far by this process and the children it has waited for (forked or run)."""
    usages = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def turns(actions: dict[str, Any], rounds: int) -> dict[str, tuple[float, float]]:
    """The median wall and CPU seconds of each action, called in turn ``rounds`` times."""
    walls: dict[str, list[float]] = {name: [] for name in actions}
    cpus: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(rounds):
        for name, action in actions.items():
            start, used = time.perf_counter(), cpu()
            action()
            walls[name].append(time.perf_counter() - start)
            cpus[name].append(cpu() - used)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in actions}


def load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


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
    before = load()
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(args.folder)]
        command += ["-o", f"{folder}/out.ttl"]
        medians = turns(
            {
                "floor": lambda: read_and_parse(args.folder),
                "import": lambda: import_podwiki(args.folder, vocabulary).turtle(),
                "one": lambda: import_podwiki(args.folder, vocabulary, jobs=1).turtle(),
                "cold": lambda: subprocess.run(command, check=True, capture_output=True),
            },
            args.runs,
        )
    floor = medians["floor"][0]
    build = medians["import"][0]
    counts = result.counts
    met = build <= TARGET_SECONDS and build / floor <= TARGET_RATIO

    def row(label: str, key: str) -> str:
        wall, used = medians[key]
        return f"| {label} | {wall:.2f} s | {wall / floor:.1f}× | {used:.2f} s |"

    lines = [
        machine(),
        f"snapshot: {counts['pages']} pages, {counts['guests']} guests, {counts['episodes']} episodes, "
        f"{counts['segments']} segments, {counts['claims']} claims, {counts.get('moves', 0)} career moves "
        f"→ {counts['triples']:,} triples",
        f"PyYAML loader for the floor: {_LOADER.__name__}; {before} before, {load()} after",
        "",
        f"| step (in turns, median of {args.runs}) | wall | ÷ floor | CPU |",
        "|---|---:|---:|---:|",
        row("read every file and YAML-parse its front matter (the floor)", "floor"),
        row("import: read the wiki, build the triples, write sorted Turtle (as run)", "import"),
        row("the same in one process (`jobs=1`)", "one"),
        row("`careergraph import podwiki` as a cold process", "cold"),
        "",
        f"target: import ≤ {TARGET_SECONDS} s and ≤ {TARGET_RATIO:.0f}× the floor: "
        + ("met" if met else "NOT met"),
    ]
    if args.baseline is not None:
        lines += ["", *compare(args.baseline, args.folder, args.runs, floor)]
    report("import", "\n".join(lines))


def compare(baseline: Path, folder: Path, runs: int, floor: float) -> list[str]:
    """Import and write with ``baseline`` and with this checkout (as run, and in one process), then the cold
    ``careergraph import podwiki`` command of each, in turns, each in a fresh process."""
    keys = ("before", "after", "one", "cold before", "cold after")
    walls: dict[str, list[float]] = {key: [] for key in keys}
    cpus: dict[str, list[float]] = {key: [] for key in keys}
    with tempfile.TemporaryDirectory() as out:

        def timed(src: Path, key: str, *extra: str) -> None:
            env = {**os.environ, "PYTHONPATH": str(src)}
            output = subprocess.run(
                [sys.executable, "-c", SNIPPET, str(folder), f"{out}/{key}.ttl", *extra],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            wall, used = output.stdout.strip().splitlines()[-1].split()
            walls[key].append(float(wall))
            cpus[key].append(float(used))

        def cold(src: Path, key: str) -> None:
            env = {**os.environ, "PYTHONPATH": str(src)}
            command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(folder)]
            command += ["-o", f"{out}/{key}.ttl"]
            start, used = time.perf_counter(), cpu()
            subprocess.run(command, check=True, capture_output=True, env=env)
            walls[key].append(time.perf_counter() - start)
            cpus[key].append(cpu() - used)

        load_before = load()
        for _ in range(runs):
            timed(baseline.resolve(), "before")
            timed(ROOT / "src", "after")
            timed(ROOT / "src", "one", "1")
        for turn in range(runs):  # the cold commands in turns, each side first every other turn
            sides = [(baseline.resolve(), "cold before"), (ROOT / "src", "cold after")]
            for src, key in sides if turn % 2 == 0 else sides[::-1]:
                cold(src, key)
        same = same_graph(Path(out) / "before.ttl", Path(out) / "after.ttl")
        texts = {key: (Path(out) / f"{key}.ttl").read_bytes() for key in keys}
    wall = {key: statistics.median(walls[key]) for key in keys}
    used = {key: statistics.median(cpus[key]) for key in keys}

    def row(label: str, key: str) -> str:
        return f"| {label} | {wall[key]:.2f} s | {wall[key] / floor:.1f}× | {used[key]:.2f} s |"

    def ratio(label: str, key: str, before: str = "before") -> str:
        return f"| {label} | {wall[key] / wall[before]:.2f}× | | {used[key] / used[before]:.2f}× |"

    return [
        f"| import and write, in turns (median of {runs}) | wall | ÷ floor | CPU |",
        "|---|---:|---:|---:|",
        row(f"before ({baseline})", "before"),
        row("after (this checkout, as run)", "after"),
        row("after, in one process (`jobs=1`)", "one"),
        ratio("after ÷ before", "after"),
        ratio("one process ÷ before", "one"),
        row("`careergraph import podwiki`, a cold process: before", "cold before"),
        row("the same, after", "cold after"),
        ratio("cold after ÷ cold before", "cold after", "cold before"),
        "",
        f"{load_before} before, {load()} after",
        f"the files written before and after hold the same graph: {same}; the same bytes: "
        + ("yes" if len(set(texts.values())) == 1 else "NO"),
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
