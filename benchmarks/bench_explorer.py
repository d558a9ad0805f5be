"""How fast the explorer answers its pages once warm, on the memory and the Oxigraph stores.

Usage: python benchmarks/bench_explorer.py [DATA ...]   (default: graph_data and generated/podwiki.ttl)

Starts `careergraph serve` twice on the same data — on the memory store and on
an Oxigraph store filled by `careergraph load` — asks each page once to warm it
(the first request builds the label index, the role projection and the graph),
then asks every page of each server in turn, ROUNDS times, over HTTP on
127.0.0.1, and prints the medians side by side with the 100 ms budget.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 30
PAGES = {
    "route DS → MLE (HTML)": "/route?from=Data+Scientist&to=Machine+Learning+Engineer",
    "route DA → MLE (HTML)": "/route?from=Data+Analyst&to=Machine+Learning+Engineer",
    "route DA → MLE (JSON)": "/route?from=Data+Analyst&to=Machine+Learning+Engineer&format=json",
    "route DA → MLE, have=SQL,Python, k=5": "/route?from=Data+Analyst&to=Machine+Learning+Engineer"
    "&have=SQL,Python&k=5",
    "role Data Scientist": "/roles/data-scientist",
    "guest Ben Wilson": "/guests/benwilson",
    "search 'data'": "/search?q=data",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        answer.read()
        assert answer.status == 200, url
    return time.perf_counter() - start


def start(args: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "careergraph", *args, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(1200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"careergraph serve {' '.join(args)} did not start") from None
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server never listened")


def main() -> None:
    data = sys.argv[1:] or [str(ROOT / "graph_data"), str(ROOT / "generated" / "podwiki.ttl")]
    options = [x for d in data for x in ("--data", d)]
    with tempfile.TemporaryDirectory() as folder:
        store = f"oxigraph:{folder}/store"
        subprocess.run([sys.executable, "-m", "careergraph", "--store", store, *options, "load"], check=True)
        servers = {"memory": options, "oxigraph": ["--store", store, *options]}
        running = {name: start(args) for name, args in servers.items()}
        try:
            first = {}
            for name, (_process, base) in running.items():
                first[name] = get(base + "/")  # builds what every page reads
                for path in PAGES.values():
                    get(base + path)
            times: dict[tuple[str, str], list[float]] = {}
            for _ in range(ROUNDS):
                for page, path in PAGES.items():
                    for name, (_process, base) in running.items():
                        times.setdefault((page, name), []).append(get(base + path))
        finally:
            for process, _base in running.values():
                process.terminate()
                process.wait(timeout=10)
    lines = [
        "# The explorer's pages, warm",
        "",
        machine(),
        f"data: {' '.join(data)}; {ROUNDS} rounds, the two servers taking turns; "
        f"first request (builds the index, projection and graph): memory {first['memory']:.2f} s, "
        f"oxigraph {first['oxigraph']:.2f} s",
        "",
        "| page | memory | oxigraph | oxigraph ÷ memory | slower store ÷ 100 ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for page in PAGES:
        memory = statistics.median(times[page, "memory"]) * 1000
        oxigraph = statistics.median(times[page, "oxigraph"]) * 1000
        lines.append(
            f"| {page} | {memory:.1f} ms | {oxigraph:.1f} ms | {oxigraph / memory:.2f}× "
            f"| {max(memory, oxigraph) / 100:.2f} |"
        )
    report("bench_explorer", "\n".join(lines))


if __name__ == "__main__":
    main()
