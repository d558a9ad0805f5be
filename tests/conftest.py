"""Shared fixtures. Test files never import fixtures from each other."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from careergraph.data import load_graph, shipped_dir
from careergraph.names import LabelIndex

ROOT = Path(__file__).resolve().parents[1]
_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read or write the user's cache, and never inherit a store choice.
    import os
    import tempfile

    config.stash[_CACHE] = os.environ["CAREERGRAPH_CACHE"] = tempfile.mkdtemp(prefix="careergraph-cache-")
    os.environ.pop("CAREERGRAPH_STORE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    # The run's cache holds Oxigraph stores and databases of every size the tests made: left in the
    # temporary folder, each run would add its own.
    import shutil

    folder = config.stash.get(_CACHE, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


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
    """A page in the browser with every request outside its home blocked and recorded, and its
    console errors and dialogs kept: a file's page may load files only, a server's page only
    that server's paths."""

    def __init__(self, browser, target: Path | str) -> None:
        url = target.as_uri() if isinstance(target, Path) else target
        parts = urllib.parse.urlsplit(url)
        self.home = "file:" if parts.scheme == "file" else f"{parts.scheme}://{parts.netloc}/"
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.outside: list[str] = []
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.route("**/*", self._route)
        response = self.page.goto(url)
        self.status = response.status if response is not None else None
        if isinstance(target, Path):  # a written page says when it has drawn
            self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.home):
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
    """Open a page (a file, or a URL of a server) as a :class:`PageVisit`; closed after the test."""
    visits: list[PageVisit] = []

    def opener(target: Path | str) -> PageVisit:
        visit = PageVisit(browser, target)
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


@pytest.fixture(scope="session")
def big_graph(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A made-up graph of 473 nodes: 12 roles in a chain of moves, each move cited by
    more guests than the one before, and skills, tools, guests, episodes and segments."""
    lines = [
        "@prefix cg: <https://w3id.org/careergraph/ontology#> .",
        "@prefix prov: <http://www.w3.org/ns/prov#> .",
        "@prefix schema: <https://schema.org/> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@base <https://example.org/> .",
    ]
    for r in range(12):
        skills = ", ".join(f"<skill/{r * 20 + k}>" for k in range(20))
        lines.append(f'<role/{r}> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Role {r}" ;')
        lines.append(f"    cg:requiresSkill {skills} ; cg:usesTool <tool/{r}> .")
        lines.append(f'<tool/{r}> skos:inScheme cg:Tools ; skos:prefLabel "Tool {r}" .')
    for s in range(240):
        lines.append(f'<skill/{s}> skos:inScheme cg:Skills ; skos:prefLabel "Skill {s}" .')
    for r in range(11):
        lines.append(f"<move/{r}> a cg:Transition ; cg:fromRole <role/{r}> ; cg:toRole <role/{r + 1}> ;")
        lines.append(f"    cg:addsSkill <skill/{(r + 1) * 20}> .")
        for g in range(r + 1):  # the move out of role r is told by r + 1 guests
            guest, episode, segment = f"<guest/{r}-{g}>", f"<episode/{r}-{g}>", f"<segment/{r}-{g}>"
            lines += [
                f'{guest} a schema:Person ; schema:name "Guest {r}-{g}" .',
                f'{episode} a schema:PodcastEpisode ; schema:name "Episode {r}-{g}" ; cg:guest {guest} ;',
                f"    schema:video <https://video.example/{r}-{g}> .",
                f"{segment} a schema:Clip ; schema:partOfEpisode {episode} ;",
                f'    schema:startOffset {60 + g} ; schema:name "Chapter {r}-{g}" ;',
                f"    schema:url <https://video.example/{r}-{g}&t={60 + g}> .",
                f"<claim/{r}-{g}> a cg:Claim ; prov:wasAttributedTo {guest} ;",
                f"    prov:wasDerivedFrom {segment} ; cg:supports <move/{r}> .",
            ]
    path = tmp_path_factory.mktemp("big") / "big.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def capped_endpoint(listening):
    """careergraph's own `serve` on the shipped data, cutting every answer at 100 rows."""
    import sys

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "careergraph", "--data", str(shipped_dir("graph_data")), "serve",
            "--port", str(port), "--max-rows", "100", "--timeout", "30",
        ]  # fmt: skip

    with listening(command) as port:
        yield f"sparql:http://127.0.0.1:{port}/sparql"


VIRTUOSO_GRAPH = "https://w3id.org/careergraph/graph"
_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = {sql_port}
DisableUnixSocket = 1
CheckpointInterval = 0
DirsAllowed = ., {data}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {http_port}
ServerRoot = {db}
ServerThreads = 4
Charset = UTF-8
[SPARQL]
; Debian's defaults: answers cut at 10,000 rows, and sorts past 10,000 rows refused
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory):
    """A function ``start(files)``: Debian's Virtuoso 7 on free ports in a folder of its own, the files
    bulk-loaded (``ld_dir`` + ``rdf_loader_run``) into one graph; it returns the ``sparql:URL#graph=IRI``
    store that reads that graph. Skips where virtuoso-opensource-7 is not installed."""
    import shutil
    import socket
    import subprocess
    import time

    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if server is None or isql is None:
        pytest.skip("needs Virtuoso (apt-get install virtuoso-opensource-7): virtuoso-t and isql-vt")
    running: list[subprocess.Popen] = []
    started: dict[tuple[str, ...], str] = {}

    def start(files: list[Path]) -> str:
        key = tuple(str(f) for f in files)
        if key in started:
            return started[key]
        folder = tmp_path_factory.mktemp("virtuoso")
        db, data = folder / "db", folder / "data"
        db.mkdir()
        data.mkdir()
        for file in files:
            shutil.copy(file, data / file.name)
        sql_port, http_port = _free_port(), _free_port()
        ini = folder / "virtuoso.ini"
        ini.write_text(_VIRTUOSO_INI.format(db=db, data=data, sql_port=sql_port, http_port=http_port))
        with (folder / "console.log").open("wb") as log:  # the server writes to its own copy
            process = subprocess.Popen(
                [server, "+foreground", "+configfile", str(ini)], cwd=folder, stdout=log, stderr=log
            )
        running.append(process)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", http_port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"Virtuoso did not start: {(folder / 'console.log').read_text()[-2000:]}")
        load = (
            f"ld_dir('{data}', '*.ttl', '{VIRTUOSO_GRAPH}'); rdf_loader_run(); checkpoint; "
            "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;"
        )
        done = subprocess.run(
            [isql, f"localhost:{sql_port}", "dba", "dba", f"exec={load}"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode != 0 or "0 Rows." not in done.stdout:
            pytest.fail(f"Virtuoso did not load the data: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        started[key] = f"sparql:http://127.0.0.1:{http_port}/sparql#graph={VIRTUOSO_GRAPH}"
        return started[key]

    yield start
    for process in running:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def protocol_server(listening):
    """`careergraph serve` on the shipped data with its defaults, and CORS for one origin."""
    import sys

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "careergraph", "--data", str(shipped_dir("graph_data")), "serve",
            "--port", str(port), "--cors", "https://app.example",
        ]  # fmt: skip

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}/sparql"


@pytest.fixture(scope="session")
def podwiki_import(podwiki: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The snapshot imported once per session: the Turtle file and the ``--report`` JSON."""
    from careergraph.cli import main

    folder = tmp_path_factory.mktemp("podwiki-import")
    output, report = folder / "podwiki.ttl", folder / "report.json"
    result = CliRunner().invoke(
        main,
        ["import", "podwiki", str(podwiki), "-o", str(output), "--report", str(report)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return output, report
