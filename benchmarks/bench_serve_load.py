"""Load on `careergraph serve`: 100 clients, with 0%, 1% and 10% of their queries slow.

Each client keeps one HTTP/1.1 connection to a server on 127.0.0.1 (the
Oxigraph store, the shipped data) and sends query after query, each slow with
the mix's probability: a fast query is a role's skills (a millisecond in
Oxigraph); a slow one counts a three-way cross product of every triple, which
runs until the server's time limit stops it. Every slow query's text differs
(a comment with a counter), so none is known to the server in advance: each
first spends the fast lane's budget, then moves to the slow lane. For each mix
the script prints the fast queries' p50 and p99 latency, how many fast and
slow queries were answered per second, and what the slow ones got.

With ``--baseline-src DIR`` the same mixes also run against the server of
another checkout (for example the one before the slow lane), taking turns mix
by mix, and the table shows both side by side.

Traffic goes only to 127.0.0.1. Usage:
    python benchmarks/bench_serve_load.py [--duration 30] [--clients 100] [--baseline-src ../main/src]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from common import machine, report

from careergraph.data import shipped_dir

FAST = (
    "PREFIX cg: <https://w3id.org/careergraph/ontology#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?skill ?label WHERE { <https://w3id.org/careergraph/id/role/machine-learning-engineer> "
    "cg:requiresSkill ?skill . ?skill skos:prefLabel ?label }"
)
SLOW = "# slow {n}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(store: Path, timeout: float, src: str | None) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src  # ahead of the editable install: that checkout's careergraph
    command = [
        sys.executable, "-m", "careergraph", "--store", f"oxigraph:{store}", "serve",
        "--port", str(port), "--timeout", str(timeout),
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, port
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"the server did not start: {' '.join(command)}")


async def read_response(reader: asyncio.StreamReader) -> int:
    """The status of one response, its body read and dropped."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status


async def client(
    port: int, share: float, deadline: float, seed: int, record: dict[str, list], patience: float
) -> None:
    rng = random.Random(seed)
    reader = writer = None
    counter = 0
    while time.monotonic() < deadline:
        if writer is None:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        slow = rng.random() < share
        counter += 1
        text = SLOW.format(n=f"{seed}-{counter}") if slow else FAST
        body = urllib.parse.urlencode({"query": text}).encode()
        message = (
            f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Accept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        started = time.monotonic()
        try:
            writer.write(message)
            await writer.drain()
            assert reader is not None
            status = await asyncio.wait_for(read_response(reader), timeout=patience)
        except (ConnectionError, asyncio.IncompleteReadError, OSError, ValueError, IndexError, TimeoutError):
            writer.close()
            reader = writer = None
            status = 0  # no answer in time, or the connection broke: a failure, then a new connection
        elapsed = time.monotonic() - started
        if time.monotonic() > deadline and not slow:
            break  # an answer after the window closed is not counted
        record["slow" if slow else "fast"].append((status, elapsed))
    if writer is not None:
        writer.close()


async def run_mix(port: int, clients: int, share: float, duration: float, patience: float) -> dict[str, list]:
    record: dict[str, list] = {"fast": [], "slow": []}
    deadline = time.monotonic() + duration
    await asyncio.gather(*(client(port, share, deadline, seed, record, patience) for seed in range(clients)))
    return record


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(record: dict[str, list], duration: float) -> dict[str, float | str]:
    fast_ok = [t for status, t in record["fast"] if status == 200]
    fast_failed = sum(1 for status, _ in record["fast"] if status != 200)
    statuses: dict[int, int] = {}
    for status, _ in record["slow"]:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "p50": statistics.median(fast_ok) if fast_ok else float("nan"),
        "p99": percentile(fast_ok, 0.99),
        "fast/s": len(fast_ok) / duration,
        "fast failed": fast_failed,
        "slow/s": len(record["slow"]) / duration,
        "slow got": ", ".join(f"{n}× {s or 'no answer'}" for s, n in sorted(statuses.items())) or "–",
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per mix (default 30)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=5.0, help="the server's --timeout (default 5)")
    parser.add_argument("--baseline-src", help="another checkout's src/ to run the same mixes against")
    parser.add_argument(
        "--mixes",
        default="0,1,10",
        help="the slow shares to run, in percent, comma-separated (default 0,1,10)",
    )
    args = parser.parse_args()
    mixes = [float(share) / 100 for share in args.mixes.split(",")]

    servers = {"this checkout": None}
    if args.baseline_src:
        servers["baseline"] = str(Path(args.baseline_src).resolve())
    results: list[tuple[str, float, dict[str, float | str]]] = []
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "store"
        subprocess.run(
            [sys.executable, "-m", "careergraph", "--data", str(shipped_dir("graph_data")),
             "--store", f"oxigraph:{store}", "load"],
            check=True, capture_output=True,
        )  # fmt: skip
        for share in mixes:
            for name, src in servers.items():  # taking turns, mix by mix
                print(f"… {name}: {share:.0%} slow, {args.duration:g} s", file=sys.stderr)
                process, port = start_server(store, args.timeout, src)
                try:
                    record = asyncio.run(run_mix(port, args.clients, share, args.duration, args.timeout + 10))
                finally:
                    process.terminate()
                    process.wait(timeout=30)
                results.append((name, share, summary(record, args.duration)))

    lines = [
        f"# serve under load: {args.clients} clients, {args.duration:g} s per mix, Oxigraph store, "
        f"--timeout {args.timeout:g}",
        "",
        machine(),
        "",
        "| server | slow share | fast p50 | fast p99 | fast answered/s | fast failed | slow sent/s "
        "| slow got |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, share, r in results:
        lines.append(
            f"| {name} | {share:.0%} | {r['p50'] * 1000:.0f} ms | {r['p99'] * 1000:.0f} ms "
            f"| {r['fast/s']:.0f} | {r['fast failed']} | {r['slow/s']:.1f} | {r['slow got']} |"
        )
    lines += [
        "",
        "Fast queries answered per second, each mix ÷ the first mix of the same server:",
        "",
    ]
    for name in servers:
        runs = [(share, float(r["fast/s"])) for n, share, r in results if n == name]
        base = runs[0][1] or float("nan")
        lines.append(f"- {name}: " + ", ".join(f"{share:.0%}: {rate / base:.2f}×" for share, rate in runs))
    report("serve_load", "\n".join(lines))


if __name__ == "__main__":
    main()
