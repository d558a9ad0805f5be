"""Make the README's pictures: pages as headless Chromium shows them, with every outside request blocked.

Usage:
  python scripts/screenshot.py
      docs/route.png: `careergraph viz --path` on the shipped data
  python scripts/screenshot.py map DATA...
      docs/career-map.png: the career map of DATA (e.g. graph_data and the imported wiki)
  python scripts/screenshot.py explorer URL [OUT]
      docs/explorer-route.png: a page of a running `careergraph serve`

Needs Debian's chromium and playwright.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def shoot(url: str, output: Path, *, ready: str = "body[data-ready=true]") -> None:
    """Open ``url`` (only its own origin is reached), wait for ``ready``, and save the window as PNG."""
    origin = urlsplit(url)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 860})

        def local(route) -> None:
            asked = urlsplit(route.request.url)
            same = (asked.scheme, asked.netloc) == (origin.scheme, origin.netloc)
            route.continue_() if same else route.abort()

        page.route("**/*", local)
        page.goto(url)
        page.wait_for_selector(ready, state="attached", timeout=60_000)
        page.screenshot(path=str(output))
        browser.close()
    print(f"wrote {output}")


def viz_page(output: Path, *args: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "page.html"
        subprocess.run([sys.executable, "-m", "careergraph", *args, "-o", str(page_file)], check=True)
        shoot(page_file.as_uri(), output)


def main(argv: list[str]) -> None:
    if argv[:1] == ["map"]:
        data = [x for d in argv[1:] for x in ("--data", d)]
        viz_page(ROOT / "docs" / "career-map.png", *data, "viz", "--map")
    elif argv[:1] == ["explorer"]:
        output = Path(argv[2]) if len(argv) > 2 else ROOT / "docs" / "explorer-route.png"
        shoot(argv[1], output, ready="body[data-drawn=true]" if "/route?" in argv[1] else "body")
    else:
        output = Path(argv[0]) if argv else ROOT / "docs" / "route.png"
        viz_page(output, "viz", "--path", "Data Scientist", "Machine Learning Engineer")


if __name__ == "__main__":
    main(sys.argv[1:])
