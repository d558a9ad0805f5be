"""Compare a named query's text at a git revision with the working tree's, on Oxigraph, taking turns.

For a change to the queries (here: ORDER BY keys that leave no ties, and
careergraph's own settling of GROUP_CONCAT cells), this times each query's old
and new text through careergraph (``run_query``: bound, settled) and on
pyoxigraph directly (every value of every row read), alternating old and new,
on a synthetic graph of about ``--triples`` triples. Parameters are bound
to the synthetic graph's first roles, guest, tool and skill.

Usage: python benchmarks/bench_query_text.py [--base REV] [--triples N] [--runs N] [QUERY ...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import generate, sizes_for_triples

from careergraph.data import shipped_dir
from careergraph.query.catalogue import list_queries, parse_query_text
from careergraph.query.params import bind_in_text
from careergraph.query.terms import Iri
from careergraph.run import run_query
from careergraph.stores.oxigraph import OxigraphStore

ID = "https://w3id.org/careergraph/id/"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", default="HEAD~1", help="the git revision whose query text is the baseline")
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("queries", nargs="*")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-query-text-"))
    triples = generate(folder / "data.ttl", **sizes_for_triples(args.triples))
    OxigraphStore(str(folder / "store"), []).load([folder / "data.ttl"])
    store = OxigraphStore(str(folder / "store"), [])
    bindings = {  # the synthetic graph's names, as bench_scale.py binds them
        name: Iri(ID + local)
        for name, local in (
            ("from", "role/r0"), ("to", "role/r1"), ("role", "role/r1"),
            ("guest", "guest/g0"), ("tool", "tool/t0"), ("skill", "skill/s0"),
        )
    }  # fmt: skip
    names = args.queries or [q.name for q in list_queries(shipped_dir("queries"))]
    print(f"{triples:,} triples; base {args.base}; median of {args.runs} turns each\n")
    print(
        "| query | rows | careergraph old | careergraph new | new ÷ old "
        "| direct old | direct new | new ÷ old |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in names:
        new = (shipped_dir("queries") / f"{name}.rq").read_text(encoding="utf-8")
        old = subprocess.run(
            ["git", "show", f"{args.base}:queries/{name}.rq"], capture_output=True, text=True, check=True
        ).stdout
        query = parse_query_text(new, name=name)
        if any(p.name not in bindings for p in query.params):
            print(f"| {name} | (skipped: takes {', '.join(p.name for p in query.params)}) ||||||| ")
            continue
        bound = {p.name: bindings[p.name] for p in query.params}
        params = {name: term.value for name, term in bound.items()}
        times: dict[str, list[float]] = {k: [] for k in ("cg old", "cg new", "direct old", "direct new")}
        for _ in range(args.runs):
            for label, text in (("old", old), ("new", new)):
                named = parse_query_text(text, name=name)
                start = time.perf_counter()
                rows = len(run_query(store, named, params=params, index=_Iris(), timeout=None).plain_rows)  # type: ignore[arg-type]
                times[f"cg {label}"].append(time.perf_counter() - start)
                start = time.perf_counter()
                answer = store.store.query(bind_in_text(text, "SELECT", bound))
                [tuple(solution[v] for v in answer.variables) for solution in answer]
                times[f"direct {label}"].append(time.perf_counter() - start)
        m = {k: sorted(v)[len(v) // 2] * 1000 for k, v in times.items()}
        ours = f"{m['cg old']:.2f} ms | {m['cg new']:.2f} ms | {m['cg new'] / m['cg old']:.2f}×"
        floor = (
            f"{m['direct old']:.2f} ms | {m['direct new']:.2f} ms | {m['direct new'] / m['direct old']:.2f}×"
        )
        print(f"| {name} | {rows:,} | {ours} | {floor} |")
    sys.stdout.flush()


class _Iris:
    """A label index that takes every name for the IRI it is."""

    def resolve(self, _kind: str, name: str) -> str:
        return name


if __name__ == "__main__":
    main()
