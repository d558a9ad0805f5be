"""Shared fixtures. Test files never import fixtures from each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from careergraph.data import load_graph, shipped_dir
from careergraph.names import LabelIndex

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the user's cache, and never inherit a store choice.
    import os
    import tempfile

    os.environ["CAREERGRAPH_CACHE"] = tempfile.mkdtemp(prefix="careergraph-cache-")
    os.environ.pop("CAREERGRAPH_STORE", None)


SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def graph_data() -> Path:
    return shipped_dir("graph_data")


@pytest.fixture(scope="session")
def seed_graph(graph_data: Path) -> Graph:
    """The shipped graph. Session-wide: tests must not change it."""
    return load_graph([graph_data])


@pytest.fixture(scope="session")
def seed_index(seed_graph: Graph) -> LabelIndex:
    return LabelIndex.from_graph(seed_graph)


@pytest.fixture()
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner on the shipped data only, whatever the importer has written."""
    monkeypatch.setenv("CAREERGRAPH_DATA", str(shipped_dir("graph_data")))
    return CliRunner()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared material at {SHARED} (not present on this machine)")
    return SHARED


@pytest.fixture(scope="session")
def seed_text(shared_dir: Path) -> str:
    path = shared_dir / "seed" / "data-scientist-to-machine-learning-engineer.txt"
    if not path.is_file():
        pytest.skip(f"needs the seed page at {path}")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def podwiki(shared_dir: Path) -> Path:
    path = shared_dir / "podwiki"
    if not (path / "_wiki").is_dir():
        pytest.skip(f"needs the podcast wiki snapshot at {path}")
    return path


CHROMIUM = Path("/usr/bin/chromium")
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


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright; skips when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("needs playwright (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageVisit:
    """A page opened from a file with every other request blocked and recorded."""

    def __init__(self, browser, path: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.outside: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith("file:"):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def evaluate(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def open_page(browser):
    visits: list[PageVisit] = []

    def opener(path: Path) -> PageVisit:
        visit = PageVisit(browser, path)
        visits.append(visit)
        return visit

    yield opener
    for visit in visits:
        visit.close()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def free_port():
    """A function that returns a TCP port on 127.0.0.1 nobody listens on."""
    return _free_port


@pytest.fixture(scope="session")
def listening():
    """A context manager that runs ``command(port)`` on a free port until it listens, then stops it.

    The test fails with the server's own error output if it exits or never listens.
    """
    import socket
    import subprocess
    import time
    from contextlib import contextmanager

    @contextmanager
    def run(command):
        port = _free_port()
        process = subprocess.Popen(command(port), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(200):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    if process.poll() is not None:
                        break
                    time.sleep(0.05)
            else:
                process.kill()
            if process.poll() is not None:
                pytest.fail(f"{command(port)[0]} did not start: {process.stderr.read().decode()}")
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stderr.close()

    return run


@pytest.fixture()
def listener():
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""
    import socket
    import threading

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    seen: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except OSError:
                continue
            seen.append(address)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()
