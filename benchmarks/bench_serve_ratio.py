"""`careergraph serve` against `oxigraph serve-read-only` on the same store: a cheap query's throughput.

Both serve one on-disk Oxigraph store filled by `careergraph load` (the shipped
data). C clients (default 8), each on one HTTP/1.1 connection, send the cheap
query of bench_serve_load.py (a role's skills, a millisecond in Oxigraph) as a
POST form and read each JSON answer, for --duration seconds; servers take turns
round by round (careergraph with each --workers count, then Oxigraph) and the
table gives the median answers a second and careergraph's share of Oxigraph's.
The clients run on the same machine, in one Python process: on a small machine
they take a share of the processors too, the same for every server.

Besides answers a second, each run notes the processor time (user and system,
from /proc) the server's processes took per answer, its query workers
included, and the clients' own: steadier than throughput on a shared machine.
With ``--baseline PYTHON`` (another checkout's interpreter, for example
``../main/.venv/bin/python``), that checkout's ``careergraph serve`` takes its
turns too, with the same --workers counts.

Traffic goes only to 127.0.0.1. Usage:
    python benchmarks/bench_serve_ratio.py [--duration 5] [--rounds 3] [--clients 8] [--workers 1,2]
        [--baseline ../main/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench_serve_load import FAST, free_port, read_response
from common import machine, report

from careergraph.data import shipped_dir


async def client(port: int, path: str, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = urllib.parse.urlencode({"query": FAST}).encode()
    message = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Accept: application/sparql-results+json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    try:
        while time.monotonic() < deadline:
            writer.write(message)
            await writer.drain()
            status = await read_response(reader)
            counts[status == 200] += 1
    finally:
        writer.close()


def throughput(port: int, path: str, clients: int, duration: float) -> float:
    """Answers (200) a second, and fails loudly when anything else came back."""
    counts = [0, 0]

    async def run() -> None:
        deadline = time.monotonic() + duration
        await asyncio.gather(*(client(port, path, deadline, counts) for _ in range(clients)))

    asyncio.run(run())
    if counts[0]:
        raise SystemExit(f"{counts[0]} answers were not 200 on {path}")
    return counts[1] / duration


_TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """Processor seconds (user and system) that process ``pid`` and its living descendants have used."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += (int(fields[11]) + int(fields[12])) / _TICK
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += tree_cpu(int(child))
    except (OSError, ValueError, IndexError):
        pass  # ended while we looked
    return total


def measured(
    process: subprocess.Popen[bytes], port: int, path: str, clients: int, duration: float
) -> tuple[float, float, float]:
    """Answers a second, and the server's and the clients' processor microseconds per answer."""
    server, ours = tree_cpu(process.pid), os.times()
    rate = throughput(port, path, clients, duration)
    server, after = tree_cpu(process.pid) - server, os.times()
    answers = max(1.0, rate * duration)
    client = (after.user + after.system) - (ours.user + ours.system)
    return rate, server / answers * 1e6, client / answers * 1e6


def started(command: list[str], port: int, path: str) -> subprocess.Popen[bytes]:
    """The server, once it answers a query (the socket listens before every process is ready)."""
    import urllib.request

    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}{path}?" + urllib.parse.urlencode({"query": FAST})
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                answer.read()
            time.sleep(2)  # the other server processes and their workers settle too
            return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"did not start: {' '.join(command)}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", default="1,2", help="careergraph serve --workers counts to run")
    parser.add_argument(
        "--baseline", metavar="PYTHON", help="another checkout's Python: its serve takes turns too"
    )
    args = parser.parse_args()
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    work = Path(tempfile.mkdtemp(prefix="cg-bench-serve-"))
    store = work / "store"
    data = ["--data", str(shipped_dir("graph_data"))]
    subprocess.run(
        [sys.executable, "-m", "careergraph", *data, "--store", f"oxigraph:{store}", "load"],
        check=True,
        capture_output=True,
    )
    servers: dict[str, tuple[list[str], str]] = {}
    pythons = {"careergraph": sys.executable}
    if args.baseline:
        pythons["baseline"] = args.baseline
    for count in [int(n) for n in args.workers.split(",")]:
        for label, python in pythons.items():
            command = [python, "-m", "careergraph", "--store", f"oxigraph:{store}", "serve"]
            servers[f"{label} serve --workers {count}"] = ([*command, "--workers", str(count)], "/sparql")
    servers["oxigraph serve-read-only"] = ([oxigraph, "serve-read-only", "--location", str(store)], "/query")
    rates: dict[str, list[float]] = {name: [] for name in servers}
    costs: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
    loads: list[float] = []
    try:
        for _ in range(args.rounds):
            for name, (command, path) in servers.items():
                port = free_port()
                ours = not name.startswith("oxigraph")
                bind = ["--port", str(port)] if ours else ["--bind", f"127.0.0.1:{port}"]
                process = started([*command, *bind], port, path)
                try:
                    rate, server_us, client_us = measured(process, port, path, args.clients, args.duration)
                    rates[name].append(rate)
                    costs[name].append((server_us, client_us))
                    loads.append(os.getloadavg()[0])
                finally:
                    process.terminate()
                    process.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = statistics.median(rates["oxigraph serve-read-only"])
    lines = [
        f"{machine()}; c={args.clients}, {args.duration:g} s a run, {args.rounds} rounds in turn; medians; "
        f"1-minute load average after the runs {min(loads):.2f}-{max(loads):.2f}",
        "",
        "| server | answers/s | share of Oxigraph's | server CPU µs/answer | client CPU µs/answer |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in rates.items():
        rate = statistics.median(values)
        server_us = statistics.median(cost[0] for cost in costs[name])
        client_us = statistics.median(cost[1] for cost in costs[name])
        lines.append(f"| {name} | {rate:,.0f} | {rate / floor:.0%} | {server_us:,.0f} | {client_us:,.0f} |")
    report("bench_serve_ratio", "\n".join(lines))


if __name__ == "__main__":
    main()
