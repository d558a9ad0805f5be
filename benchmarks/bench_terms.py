"""Named terms against another tree: each named query's answer on Oxigraph, A and B taking turns.

Times what the plain terms touch, in two careergraph source trees (this one
and ``--baseline SRC``, such as an export of the commit before a change) on
the same synthetic Oxigraph store:

- ``query``: a named query as `careergraph query` runs it (checked, bound,
  run in this process, every value read into a plain term);
- ``worker``: the same in the store's worker process, as `serve` runs it (the
  answer sent back through a pipe);
- ``write``: the answer written as SPARQL JSON, CSV and TSV (what the CLI and
  the server send);
- ``pull``: ``OxigraphStore.construct`` of the label query (what the label
  index and the projection read on a first run).

A tree's figures come from a process of its own (both trees are the package
``careergraph``); the processes alternate A, B, A, B… ``--rounds`` times each,
and each figure is the median, over those processes, of the process's median.

Usage: python benchmarks/bench_terms.py --baseline SRC [--triples N] [--rounds N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_scale import PARAMS as SYNTHETIC_PARAMS  # the synthetic graph's names
from common import machine, report
from synthetic import generate, sizes_for_triples

from careergraph.stores.oxigraph import OxigraphStore

PARAMS = {**SYNTHETIC_PARAMS, "guests-for-skill": {"skill": "Skill 0"}}

# Run in a process of its own with one tree first on sys.path; prints {case: median seconds}.
CHILD = r"""
import json, statistics, sys, time
from careergraph.data import shipped_dir
from careergraph.names import LabelIndex
from careergraph.query.results import format_output
from careergraph.run import run_query
from careergraph.query.catalogue import list_queries
from careergraph.stores import LABELS_QUERY; from careergraph.stores.oxigraph import OxigraphStore

store_path, params, runs = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3])
store = OxigraphStore(store_path, [])
index = LabelIndex.from_graph(store.construct(LABELS_QUERY))
cases = {"pull labels": lambda: store.construct(LABELS_QUERY)}
for query in list_queries(shipped_dir("queries")):
    p = params.get(query.name, {})
    run = lambda q=query, p=p, isolate=False: run_query(store, q, params=p, index=index, isolate=isolate)
    answer = run()
    cases[f"{query.name}\tquery"] = run
    cases[f"{query.name}\tworker"] = lambda run=run: run(isolate=True)
    cases[f"{query.name}\twrite"] = lambda a=answer: [format_output(a, f) for f in ("json", "csv", "tsv")]
    cases[f"{query.name}\trows"] = lambda n=len(answer.plain_rows): n
times = {name: [] for name in cases}
for _ in range(runs):
    for name, action in cases.items():
        start = time.perf_counter()
        action()
        times[name].append(time.perf_counter() - start)
out = {name: statistics.median(t) for name, t in times.items()}
out.update({name: cases[name]() for name in cases if name.endswith("\trows")})
print(json.dumps(out))
"""


def child(src: Path, store: Path, runs: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(store), json.dumps(PARAMS), str(runs)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", type=Path, required=True, help="another careergraph's src folder")
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="processes per tree, taking turns")
    parser.add_argument("--runs", type=int, default=20, help="calls of each case in a process")
    args = parser.parse_args()
    this = Path(__file__).resolve().parent.parent / "src"
    trees = {"A": args.baseline.resolve(), "B": this}
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data.ttl"
        triples = generate(data, **sizes_for_triples(args.triples))
        store = Path(folder) / "store"
        OxigraphStore(str(store), []).load([data])
        seen: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        for turn in range(args.rounds):
            for tree in ("A", "B") if turn % 2 == 0 else ("B", "A"):
                seen[tree].append(child(trees[tree], store, args.runs))
    medians = {
        tree: {case: statistics.median(run[case] for run in runs) for case in runs[0]}
        for tree, runs in seen.items()
    }
    a, b = medians["A"], medians["B"]
    lines = [
        machine(),
        f"{triples:,} triples; A = {trees['A']}, B = {trees['B']}; {args.rounds} processes per tree "
        f"taking turns, {args.runs} calls of each case in each",
        "",
        "| query | rows | query A | query B | B ÷ A | worker A | worker B | B ÷ A "
        "| write A | write B | B ÷ A |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = sorted({case.split("\t")[0] for case in a if "\t" in case})
    ratios = []
    for name in names:
        rows = int(a[f"{name}\trows"])
        cells = [name, f"{rows:,}"]
        for kind in ("query", "worker", "write"):
            x, y = a[f"{name}\t{kind}"], b[f"{name}\t{kind}"]
            ratios.append(y / x)
            cells += [f"{x * 1000:.2f} ms", f"{y * 1000:.2f} ms", f"{y / x:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    x, y = a["pull labels"], b["pull labels"]
    lines += [
        "",
        f"pull of the label query (`construct`): A {x * 1000:.1f} ms, B {y * 1000:.1f} ms, "
        f"B ÷ A {y / x:.2f}×",
        f"B ÷ A over every query figure: median {statistics.median(ratios):.2f}×, "
        f"from {min(ratios):.2f}× to {max(ratios):.2f}×",
    ]
    report("terms", "\n".join(lines))


if __name__ == "__main__":
    main()
