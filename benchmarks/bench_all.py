"""Issue 17's ratios, each against its floor, in one run: A and B take turns, in processes of their own.

For synthetic graphs (benchmarks/synthetic.py) of each size it measures:

- **first `path`** (17.2): `careergraph --data FILE path "Role 0" "Role 1"` with an empty cache
  folder, so it builds the embedded store, the label index and the projection; against
  pyoxigraph's bulk load of the same file into a new store (the floor). Target ≤ 2×.
- **cold named query** (17.5): `careergraph --data FILE query role-skills -p role=Role 0 -f csv`
  with the cache warm (the embedded store opened, not built); against a `python -c` that opens
  that same store read-only and runs the same query text, writing CSV with pyoxigraph's
  serializer (the floor). Target ≤ 1.5×.
- **the default store against `--store memory`** (17.1): the same cold query on rdflib.

Then the growth of the first `path` from one size to the next (17.2: 5 M ≤ 5.5× the 1 M time): each
round runs every size, and the growth is the median of the rounds' ratios.

Once per run, not per size:

- **import** (17.4): the podcast-wiki snapshot (``--wiki``, default ``../shared/podwiki``)
  imported and written as Turtle, timed inside a fresh process once the vocabulary is read, against
  reading every file and YAML-parsing its front matter (the floor), in turns; and the cold
  ``careergraph import podwiki`` command's time. Targets ≤ 2.5 s and ≤ 25× the floor.
- **serve** (17.3): answers a second to the cheap query of bench_serve_load.py from C clients
  (``--clients``, default 8) for ``--duration`` seconds, ``careergraph serve --workers N``
  against ``oxigraph serve-read-only`` on the same store, in turns (bench_serve_ratio.py).
  Target ≥ 50% of Oxigraph's.

``--parts`` picks which run (default all: first-path,cold-query,import,serve).

Usage: python benchmarks/bench_all.py [--sizes 100000,1000000] [--runs 3] [--parts ...]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from common import machine, report
from synthetic import generate, sizes_for_triples

import careergraph as package
from careergraph.data import shipped_dir
from careergraph.names import LabelIndex
from careergraph.query.catalogue import list_queries
from careergraph.query.params import bind_in_text, bind_params
from careergraph.query.safety import check_query
from careergraph.stores import LABELS_QUERY
from careergraph.stores.oxigraph import OxigraphStore

BULK_LOAD = (
    "import sys, pyoxigraph; s = pyoxigraph.Store(sys.argv[1]); "
    "s.bulk_load(path=sys.argv[2], format=pyoxigraph.RdfFormat.TURTLE); s.flush()"
)
QUERY_FLOOR = (
    "import sys, pyoxigraph; s = pyoxigraph.Store.read_only(sys.argv[1]); "
    "sys.stdout.buffer.write(s.query(sys.argv[2]).serialize(format=pyoxigraph.QueryResultsFormat.CSV))"
)

PARTS = ("first-path", "cold-query", "import", "serve")


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def alternate(a: Callable[[], float], b: Callable[[], float], runs: int) -> tuple[float, float, float]:
    """Medians of A and B called in turn, and the median of the ratios pair by pair."""
    return paired([(a(), b()) for _ in range(runs)])


def paired(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    """The medians of A and of B over ``pairs`` of runs made in turn, and the median of their ratios."""
    return (
        statistics.median(a for a, _b in pairs),
        statistics.median(b for _a, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def careergraph(*args: str) -> list[str]:
    return [sys.executable, "-m", "careergraph", *args]


#: what A is, A, what B is, B, the median of A ÷ B pair by pair, the target. A and B are seconds,
#: or answers a second where they are a Rate.
Row = tuple[str, float, str, float, float, str]


class Rate(float):
    """Answers a second (where the other figures are seconds)."""


def _shown(value: float) -> str:
    return f"{value:,.0f}/s" if isinstance(value, Rate) else f"{value:.2f} s"


#: a synthetic graph: its triples, its file, the environment its runs see (their own cache folder)
Sized = tuple[int, Path, dict[str, str]]


def first_path_rows(sized: list[Sized], runs: int, work: Path) -> tuple[list[Row], list[str]]:
    """17.2: the first `path` at each size against the bulk load of the same file, and its growth from
    one size to the next.

    Each round runs every size, each first `path` just before its floor: the growth is the median of
    the ratios of runs made in the same round (a minute or two apart), as each row's ratio is of the
    pairs, not the ratio of medians taken many minutes apart while the machine's speed drifts.
    """
    times: dict[int, list[tuple[float, float]]] = {triples: [] for triples, _data, _env in sized}
    for _round in range(runs):
        for triples, data, env in sized:
            shutil.rmtree(env["CAREERGRAPH_CACHE"], ignore_errors=True)
            first = timed(careergraph("--data", str(data), "path", "Role 0", "Role 1"), env)
            target = work / "floor"
            try:
                load = timed([sys.executable, "-c", BULK_LOAD, str(target), str(data)])
            finally:
                shutil.rmtree(target, ignore_errors=True)
            times[triples].append((first, load))
    rows: list[Row] = []
    for triples, pairs in times.items():
        a, b, ratio = paired(pairs)
        rows.append((f"first `path`, {triples:,} triples", a, "pyoxigraph bulk load", b, ratio, "≤ 2"))
    growth = []
    ordered = sorted(times)
    for small, large in zip(ordered, ordered[1:], strict=False):
        by_round = [big / little for (big, _), (little, _) in zip(times[large], times[small], strict=True)]
        each = ", ".join(f"{ratio:.2f}×" for ratio in by_round)
        growth.append(
            f"\nfirst `path`: {large:,} triples took {statistics.median(by_round):.2f}× the time of "
            f"{small:,} ({large / small:.1f}× the data; median of the rounds' ratios {each})"
        )
    return rows, growth


def import_rows(wiki: Path, runs: int, work: Path) -> list[Row]:
    """17.4: the snapshot's import against reading and YAML-parsing it, in turns; and the cold command.

    The import itself (the vocabulary already read, up to its Turtle) is timed inside a fresh process
    (``bench_import.SNIPPET``), not in this one: this process has opened Oxigraph stores by then, whose
    threads rightly keep the import from forking its second process here.
    """
    from bench_import import SNIPPET, TARGET_RATIO, TARGET_SECONDS, read_and_parse

    if not (wiki / "_wiki").is_dir():
        print(f"import: skipped, no podcast wiki at {wiki}", file=sys.stderr)
        return []

    def floor() -> float:
        start = time.perf_counter()
        read_and_parse(wiki)
        return time.perf_counter() - start

    def build() -> float:
        snippet = [sys.executable, "-c", SNIPPET, str(wiki), str(work / "podwiki-in-process.ttl")]
        done = subprocess.run(snippet, check=True, capture_output=True, text=True)
        return float(done.stdout.split()[0])

    command = careergraph("import", "podwiki", str(wiki), "-o", str(work / "podwiki.ttl"))
    a, b, ratio = alternate(build, floor, runs)
    cold, floor_again, cold_ratio = alternate(partial(timed, command), floor, runs)
    limits = f"≤ {TARGET_SECONDS:g} s, ≤ {TARGET_RATIO:g}"
    return [
        ("import of the wiki snapshot, in its process", a, "read + YAML-parse every file", b, ratio, limits),
        (
            "`careergraph import podwiki`, a cold process",
            cold,
            "read + YAML-parse every file",
            floor_again,
            cold_ratio,
            limits,
        ),
    ]


def serve_rows(args: argparse.Namespace, work: Path) -> list[Row]:
    """17.3: a cheap query's answers a second, careergraph serve against Oxigraph's server, in turns."""
    from bench_serve_load import free_port
    from bench_serve_ratio import started, throughput

    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    store = work / "serve-store"
    subprocess.run(
        careergraph("--data", str(shipped_dir("graph_data")), "--store", f"oxigraph:{store}", "load"),
        check=True,
        capture_output=True,
    )
    ours = careergraph("--store", f"oxigraph:{store}", "serve", "--workers", str(args.serve_workers))

    def rate(command: list[str], path: str, bind: Callable[[int], list[str]]) -> float:
        port = free_port()
        process = started([*command, *bind(port)], port, path)
        try:
            return Rate(throughput(port, path, args.clients, args.duration))
        finally:
            process.terminate()
            process.wait(timeout=30)

    a, b, ratio = alternate(
        partial(rate, ours, "/sparql", lambda port: ["--port", str(port)]),
        partial(
            rate,
            [oxigraph, "serve-read-only", "--location", str(store)],
            "/query",
            lambda port: ["--bind", f"127.0.0.1:{port}"],
        ),
        args.runs,
    )
    name = f"`serve --workers {args.serve_workers}`, cheap query, c={args.clients} (answers/s)"
    return [(name, Rate(a), "`oxigraph serve-read-only`", Rate(b), ratio, "≥ 0.5")]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--parts", default=",".join(PARTS), help="which of " + ", ".join(PARTS))
    parser.add_argument(
        "--wiki", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "podwiki"
    )
    # Two: with cheap queries answered in the server process, each server process is one busy
    # thread, and the development machine has two cores (Oxigraph's server uses both).
    parser.add_argument("--serve-workers", type=int, default=2, help="careergraph serve --workers N")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load a serve run")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(
            f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}; choose from {', '.join(PARTS)}"
        )
    # An installed wheel has bytecode (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start.
    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    sizes = [int(size) for size in args.sizes.split(",")] if parts & {"first-path", "cold-query"} else []
    work = Path(tempfile.mkdtemp(prefix="cg-bench-all-"))
    rows = []
    growth: list[str] = []
    query = next(q for q in list_queries(shipped_dir("queries")) if q.name == "role-skills")
    try:
        sized = []
        for size in sizes:
            data = work / f"synthetic-{size}.ttl"
            triples = generate(data, **sizes_for_triples(size))
            sized.append((triples, data, {**os.environ, "CAREERGRAPH_CACHE": str(work / f"cache-{size}")}))
        if "first-path" in parts:
            first_rows, growth = first_path_rows(sized, args.runs, work)
            rows += first_rows
        for triples, data, env in sized if "cold-query" in parts else []:
            # Warm the cache once, then find the store the default opened. The data file is left alone
            # two seconds first: careergraph trusts a file's stat (its warm memo) only then.
            cold = careergraph("--data", str(data), "query", "role-skills", "-p", "role=Role 0", "-f", "csv")
            time.sleep(max(0.0, 2.5 - (time.time() - data.stat().st_mtime)))
            subprocess.run(cold, check=True, capture_output=True, env=env)
            (store,) = [p for p in Path(env["CAREERGRAPH_CACHE"]).glob("oxigraph-*") if p.is_dir()]
            index_store = OxigraphStore(str(store), [])
            index = LabelIndex.from_graph(index_store.graph_covering(LABELS_QUERY))
            text = bind_in_text(
                query.text, check_query(query.text).form, bind_params(query, {"role": "Role 0"}, index)
            )
            floor = [sys.executable, "-c", QUERY_FLOOR, str(store), text]
            del index_store
            a, b, ratio = alternate(partial(timed, cold, env), partial(timed, floor), args.runs)
            rows.append(
                (f"cold `query role-skills`, {triples:,}", a, "`python -c` open + query", b, ratio, "≤ 1.5")
            )
            if triples <= 200_000:
                memory = [*cold[:3], "--store", "memory", *cold[3:]]
                a, b, ratio = alternate(partial(timed, memory, env), partial(timed, cold, env), args.runs)
                rows.append(
                    (f"same on `--store memory`, {triples:,}", a, "default (embedded)", b, ratio, "—")
                )
        if "import" in parts:
            rows += import_rows(args.wiki, args.runs, work)
        if "serve" in parts:
            rows += serve_rows(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"{machine()}; {args.runs} runs each, A and B alternating; medians",
        "",
        "| A | A | B (floor) | B | A ÷ B (median of pairs) | target |",
        "|---|---:|---|---:|---:|---|",
    ]
    lines += [f"| {n} | {_shown(a)} | {fn} | {_shown(b)} | {r:.2f}× | {t} |" for n, a, fn, b, r, t in rows]
    lines += growth
    report("bench_all", "\n".join(lines))


if __name__ == "__main__":
    main()
