"""careergraph at every size: stores, named queries, cold start, the HTML page — side by side, one run.

For synthetic graphs of about 5 thousand, 100 thousand and 1 million triples
(benchmarks/synthetic.py), it measures:

- loading: rdflib parsing the Turtle (the memory store), `careergraph load`
  into an Oxigraph store, and pyoxigraph's own bulk load (the floor); wall time
  and peak memory of each, in a process of its own;
- the named queries: on the memory store and the Oxigraph store through
  careergraph (checked, bound and run under the time limit, as `careergraph
  query` does), on Oxigraph in the store's worker process (as `serve` does),
  and the same query text on pyoxigraph directly, reading every value of every
  row (the floor), the three taking turns;
- a cold `careergraph path` (cache warm) at each size against the shipped data
  and `python -c "import click"`, a cold `careergraph query` on the Oxigraph
  store at each size, and a cold `careergraph --help`, with
  careergraph's modules compiled to bytecode first, as pip does on install;
- building the `viz` page for 100, 1,000 and 10,000 nodes.

It prints medians and ratios as Markdown tables and keeps them in
benchmarks/results/scale.md.

Usage: python benchmarks/bench_scale.py [--sizes 5000,100000,1000000] [--runs N]
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import interleaved_calls, interleaved_medians, machine, median_time, report
from synthetic import generate, sizes_for_triples

import careergraph as package
from careergraph.data import load_graph, shipped_dir
from careergraph.errors import QueryTimeoutError
from careergraph.names import LabelIndex
from careergraph.query.catalogue import list_queries
from careergraph.query.params import bind_in_text, bind_params
from careergraph.query.safety import check_query
from careergraph.run import run_query
from careergraph.stores.memory import MemoryStore
from careergraph.stores.oxigraph import OxigraphStore

PEAK = (
    "import resource, subprocess, sys, time; start = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
    "print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)
RDFLIB_LIMIT = 30.0  # seconds: rdflib's queries past this are reported as stopped
PARAMS = {
    "role-skills": {"role": "Role 0"},
    "transition-evidence": {"from": "Role 0", "to": "Role 1"},
    "skill-gap": {"from": "Role 0", "to": "Role 1"},
    "route-variants": {"from": "Role 0", "to": "Role 1"},
    "portfolio-projects": {"role": "Role 1"},
    "guest": {"guest": "Guest 0"},
    "episodes-for-tool": {"tool": "Tool 0"},
}


def timed_process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of ``command`` in a process of its own."""
    out = subprocess.run([sys.executable, "-c", PEAK, *command], check=True, capture_output=True, text=True)
    seconds, kib = out.stdout.split()
    return float(seconds), int(kib) / 1024


def careergraph(*args: str) -> list[str]:
    return [sys.executable, "-m", "careergraph", *args]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="5000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    os.environ["CAREERGRAPH_CACHE"] = tempfile.mkdtemp(prefix="careergraph-bench-cache-")
    # An installed wheel has bytecode (pip compiles it); a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start.
    compileall.compile_dir(Path(package.__file__).parent, quiet=1)
    shipped_path = careergraph("--data", str(shipped_dir("graph_data")), "path", "Data Scientist", "MLE")
    subprocess.run(shipped_path, check=True, capture_output=True)  # fill the cache
    # Cold starts are timed last, taking turns, so their ratios share the machine's state.
    starts = {
        "click": [sys.executable, "-c", "import click"],
        "help": careergraph("--help"),
        "shipped": shipped_path,
    }

    load_rows, query_rows, path_rows, labels = [], [], [], []
    with tempfile.TemporaryDirectory() as folder:
        for target in sizes:
            data = Path(folder) / f"synthetic-{target}.ttl"
            triples = generate(data, **sizes_for_triples(target))
            label = f"{triples:,}"
            print(f"… {label} triples", file=sys.stderr)
            parse = _parse_time(data)
            store = Path(folder) / f"oxigraph-{target}"
            load = timed_process(careergraph("--data", str(data), "--store", f"oxigraph:{store}", "load"))
            floor_store = Path(folder) / f"floor-{target}"
            floor = timed_process(
                [sys.executable, "-c",
                 "import pyoxigraph, sys; s = pyoxigraph.Store(sys.argv[1]); "
                 "s.bulk_load(path=sys.argv[2], format=pyoxigraph.RdfFormat.TURTLE); s.optimize()",
                 str(floor_store), str(data)]
            )  # fmt: skip
            load_rows.append(
                f"| {label} | {parse[0]:.2f} s, {parse[1]:.0f} MiB | {load[0]:.2f} s, {load[1]:.0f} MiB "
                f"| {floor[0]:.2f} s, {floor[1]:.0f} MiB | {load[0] / floor[0]:.2f}× |"
            )
            query_rows += _queries(label, data, store, args.runs)
            path = careergraph("--data", str(data), "path", "Role 0", "Role 3")
            query = careergraph("--store", f"oxigraph:{store}", "query", "role-skills", "-p", "role=Role 1")
            for command in (path, query):
                subprocess.run(command, check=True, capture_output=True)  # fill the cache
            starts[f"path {label}"], starts[f"query {label}"] = path, query
            labels.append(label)
        medians = interleaved_medians(starts, max(15, 5 * args.runs))
    click_time, help_time, shipped_cold = medians["click"], medians["help"], medians["shipped"]
    for label in labels:
        cold, query_cold = medians[f"path {label}"], medians[f"query {label}"]
        path_rows.append(
            f"| {label} | {cold * 1000:.0f} ms | {cold / shipped_cold:.2f}× | {cold / click_time:.2f}× "
            f"| {query_cold * 1000:.0f} ms | {query_cold / click_time:.2f}× |"
        )
    viz_rows = _viz(args.runs)
    lines = [
        machine(),
        f'`python -c "import click"`: {click_time * 1000:.0f} ms; cold `careergraph --help`: '
        f"{help_time * 1000:.0f} ms ({help_time / click_time:.2f}× import click); "
        f"cold `careergraph path` on the shipped data: {shipped_cold * 1000:.0f} ms",
        "",
        "### Loading",
        "",
        "| triples | memory (rdflib parse) | `careergraph load` into Oxigraph | pyoxigraph bulk load "
        "| load ÷ floor |",
        "|---:|---:|---:|---:|---:|",
        *load_rows,
        "",
        "### Named queries (median)",
        "",
        "| triples | query | rows | memory (rdflib) | Oxigraph via careergraph | in a worker (`serve`) "
        "| pyoxigraph direct | ÷ direct | added | rdflib ÷ careergraph |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *query_rows,
        "",
        "### Cold starts (cache warm): `path`, and `query role-skills` on the Oxigraph store",
        "",
        "| triples | cold path | ÷ shipped data | ÷ import click | cold query | ÷ import click |",
        "|---:|---:|---:|---:|---:|---:|",
        *path_rows,
        "",
        "### `viz` page build",
        "",
        "| nodes | build |",
        "|---:|---:|",
        *viz_rows,
    ]  # fmt: skip
    report("scale", "\n".join(lines))


def _parse_time(data: Path) -> tuple[float, float]:
    """rdflib parsing ``data`` in a process of its own (time, peak MiB)."""
    return timed_process(
        [sys.executable, "-c", "import sys, pathlib; from careergraph.data import load_graph; "
         "load_graph([pathlib.Path(sys.argv[1])])",
         str(data)]
    )  # fmt: skip


def _queries(label: str, data: Path, store_path: Path, runs: int) -> list[str]:
    """Each named query on Oxigraph (through careergraph, in a worker, and directly), then on rdflib.

    Through careergraph means as `careergraph query` runs it: checked, bound and
    run in this process under the time limit's watchdog, every value of every
    row read into the answer (plain terms, as the results formats are written
    from). In a worker means as `serve` runs it: in the store's worker
    process, the answer sent back through a pipe.
    """
    import pyoxigraph

    from careergraph.stores import LABELS_QUERY

    oxigraph = OxigraphStore(str(store_path), [])
    direct = pyoxigraph.Store.read_only(str(store_path))
    index = LabelIndex.from_graph(oxigraph.construct(LABELS_QUERY))
    skill = next(iter(direct.query(  # the skill most claims mention
        "SELECT ?l WHERE { ?c <https://w3id.org/careergraph/ontology#mentionsSkill> ?s . "
        "?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } "
        "GROUP BY ?l ORDER BY DESC(COUNT(*)) ?l LIMIT 1"
    )))["l"].value  # fmt: skip
    cases = []
    for query in list_queries(shipped_dir("queries")):
        params = {"skill": skill} if query.name == "guests-for-skill" else PARAMS.get(query.name, {})
        text = bind_in_text(query.text, check_query(query.text).form, bind_params(query, params, index))

        def floor(text: str = text) -> object:
            answer = direct.query(text)
            if isinstance(answer, pyoxigraph.QueryBoolean):
                return bool(answer)
            return [[solution[v] for v in answer.variables] for solution in answer]

        def ours(q: object = query, p: object = params, isolate: bool = False) -> object:
            return run_query(oxigraph, q, params=p, index=index, isolate=isolate)  # type: ignore[arg-type]

        rows = len(ours().rows)  # type: ignore[attr-defined]
        # Quick queries get more rounds (up to 200, about a second each), so their medians settle.
        rounds = max(runs, min(200, int(1.0 / max(median_time(floor, 1), 1e-4))))
        timings = interleaved_calls(
            {"ours": ours, "worker": lambda ours=ours: ours(isolate=True), "floor": floor}, rounds
        )
        cases.append((query, params, rows, timings))

    memory = MemoryStore.of(load_graph([data]))
    lines = []
    for query, params, rows, timings in cases:

        def on_memory(q: object = query, p: object = params, timeout: float | None = None) -> object:
            return run_query(memory, q, params=p, index=index, timeout=timeout)  # type: ignore[arg-type]

        ours, worker, bare = timings["ours"], timings["worker"], timings["floor"]
        try:
            # Once within the time limit (in a worker, which a runaway query cannot take
            # down), then again in this process, as the CLI runs it.
            rdflib_seconds = median_time(lambda on_memory=on_memory: on_memory(timeout=RDFLIB_LIMIT), 1)
            if rdflib_seconds < 5:  # repeat only what is quick to repeat
                rdflib_seconds = median_time(on_memory, runs)
            rdflib_time, speedup = f"{rdflib_seconds:.3f} s", f"{rdflib_seconds / ours:,.1f}×"
        except QueryTimeoutError:
            rdflib_time, speedup = f"stopped at {RDFLIB_LIMIT:g} s", f"> {RDFLIB_LIMIT / ours:,.0f}×"
        except Exception as error:  # a crash is a result here: report it, go on
            rdflib_time, speedup = f"failed: {type(error).__name__}", "–"
        lines.append(
            f"| {label} | {query.name} | {rows:,} | {rdflib_time} | {_ms(ours)} | {_ms(worker)} "
            f"| {_ms(bare)} | {ours / bare:.2f}× | {(ours - bare) * 1000:+.2f} ms | {speedup} |"
        )
    return lines


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def _viz(runs: int) -> list[str]:
    from careergraph.viz.page import render_html
    from careergraph.viz.views import Edge, Node, View

    rows = []
    for count in (100, 1_000, 10_000):
        view = View(f"{count} nodes")
        for i in range(count):
            view.nodes[f"n{i}"] = Node(f"n{i}", f"Node {i}", "skill" if i % 3 else "role", f"Node {i}")
        view.edges = [Edge(f"n{i}", f"n{(i * 7 + 1) % count}", "requires") for i in range(count)]
        seconds = median_time(lambda view=view: render_html(view), runs)
        rows.append(f"| {count:,} | {seconds * 1000:.0f} ms |")
    return rows


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"(ran in {time.perf_counter() - started:.0f} s)", file=sys.stderr)
