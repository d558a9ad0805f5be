"""Make docs/route.png: the page `careergraph viz --path` writes, as headless Chromium shows it.

Usage: python scripts/screenshot.py [OUTPUT.png]   (needs Debian's chromium and playwright)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

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


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "route.png"
    with tempfile.TemporaryDirectory() as folder:
        page_file = Path(folder) / "route.html"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "careergraph",
                "viz",
                "--path",
                "Data Scientist",
                "Machine Learning Engineer",
                "-o",
                str(page_file),
            ],
            check=True,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
            )
            page.goto(page_file.as_uri())
            page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
            page.screenshot(path=str(output))
            browser.close()
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
