"""How long `careergraph viz` pages take to settle in headless Chromium: the career map and others.

Usage: python benchmarks/bench_map.py [DATA ...]   (default: graph_data and generated/podwiki.ttl)

Builds three pages of the same data — the career map (the default for a large
graph), the whole graph less its chapter segments (`--types
role,transition,skill,tool,guest,episode`) and the route from data scientist to
machine learning engineer (`--path`) — and opens them in turn, rounds times,
timing from navigation until the layout has settled (`body[data-ready]`).
Needs Debian's chromium and playwright.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ROUNDS = 5


def main() -> None:
    from playwright.sync_api import sync_playwright

    data = sys.argv[1:] or [str(ROOT / "graph_data"), str(ROOT / "generated" / "podwiki.ttl")]
    options = [x for d in data for x in ("--data", d)]
    views = {
        "career map (default)": [],
        "whole graph less segments": ["--types", "role,transition,skill,tool,guest,episode"],
        "route DS → MLE": ["--path", "Data Scientist", "Machine Learning Engineer"],
    }
    times: dict[str, list[float]] = {name: [] for name in views}
    sizes = {}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        pages = {}
        for number, (name, args) in enumerate(views.items()):
            page_file = Path(folder) / f"{number}.html"
            done = subprocess.run(
                [sys.executable, "-m", "careergraph", *options, "viz", *args, "-o", str(page_file)],
                check=True,
                capture_output=True,
                text=True,
            )
            sizes[name] = done.stdout.strip().split(": ", 1)[1]
            pages[name] = page_file.as_uri()
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for _ in range(ROUNDS):
            for name, url in pages.items():
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                page.route("**/*", lambda r: r.continue_() if r.request.url[:5] == "file:" else r.abort())
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector("body[data-ready=true]", state="attached", timeout=120_000)
                times[name].append(time.perf_counter() - start)
                page.close()
        browser.close()
    base = statistics.median(times["career map (default)"])
    lines = [
        "# viz pages settling in headless Chromium",
        "",
        machine(),
        f"data: {' '.join(data)}; {ROUNDS} rounds, pages taking turns",
        "",
        "| page | size | median until settled | ÷ career map |",
        "|---|---|---:|---:|",
    ]
    for name in views:
        median = statistics.median(times[name])
        lines.append(f"| {name} | {sizes[name]} | {median:.2f} s | {median / base:.1f}× |")
    report("bench_map", "\n".join(lines))


if __name__ == "__main__":
    main()
