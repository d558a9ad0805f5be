"""The server's fast paths: a query worker waited for on the event loop, and the SPARQL route
answered straight on ASGI, checked against the full Starlette path it stands in front of."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from typing import Any

import pytest

from careergraph.errors import CareergraphError, QueryTimeoutError, ServerBusyError
from careergraph.query.safety import CheckedQuery
from careergraph.query.workers import QueryWorker


class Scripted:
    """A store whose queries say what the worker does: answer, sleep first, or die."""

    def prepare(self) -> None:
        pass

    def write(self, query, bindings, fmt, limit):
        verb, _, argument = query.text.partition(" ")
        if verb == "sleep":
            time.sleep(float(argument))
        elif verb == "die":
            os._exit(3)
        return (f"{fmt}:{query.text}".encode(), False)

    def execute_plain(self, query, bindings, limit):
        raise AssertionError("the worker should write every answer here")


class LoopThread:
    """An event loop running in a thread of its own: a test session may hold one running in the
    main thread already (Playwright's sync API does), where asyncio.run() refuses to start."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, awaitable):
        return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result(timeout=60)

    def call(self, function) -> None:
        async def called() -> None:
            function()

        self.run(called())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture(scope="module")
def loop():
    running = LoopThread()
    yield running
    running.close()


def ask(worker: QueryWorker, text: str, **options):
    options.setdefault("timeout", 5.0)
    timeout = options.pop("timeout")
    return worker.loop_thread.run(
        worker.ask_on_loop(CheckedQuery(text, "SELECT"), {}, None, timeout, "q", fmt="json", **options)
    )


def scripted(loop: LoopThread, store: Scripted) -> QueryWorker:
    worker = QueryWorker(store)
    worker.loop_thread = loop  # type: ignore[attr-defined]
    return worker


@pytest.fixture
def worker(loop: LoopThread):
    worker = scripted(loop, Scripted())
    yield worker
    loop.call(worker.stop)  # the loop watching its pipe lets go of it


def test_an_answer_comes_back_on_the_loop_with_the_childs_processor_time(worker: QueryWorker) -> None:
    assert ask(worker, "quick") == (b"json:quick", False)
    assert worker.cpu_used is not None and worker.cpu_used >= 0
    pid = worker._pid
    assert ask(worker, "again") == (b"json:again", False) and worker._pid == pid  # the same child


def test_the_time_limit_stops_the_child_and_the_next_query_forks_another(worker: QueryWorker) -> None:
    ask(worker, "first")
    pid = worker._pid
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match="stopped after 0.3 s"):
        ask(worker, "sleep 30", timeout=0.3)
    assert time.monotonic() - started < 10
    assert worker._pid is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    assert ask(worker, "after") == (b"json:after", False)


def test_a_query_past_its_budget_is_asked_about_until_it_moves_on(worker: QueryWorker) -> None:
    verdicts = [None, None, True]  # not yet (it waited for a processor), not yet, then the slow lane
    asked = []

    def over_budget(running: QueryWorker):
        asked.append(running)
        return verdicts.pop(0)

    answer = ask(worker, "sleep 0.6", budget=0.05, over_budget=over_budget)
    assert answer == (b"json:sleep 0.6", False)
    assert asked == [worker] * 3  # once moved on, it runs to the end without being asked again


def test_a_query_the_slow_lane_cannot_take_is_stopped(worker: QueryWorker) -> None:
    with pytest.raises(ServerBusyError, match="busy with slow queries"):
        ask(worker, "sleep 30", budget=0.05, over_budget=lambda _worker: False)
    assert worker._pid is None
    assert ask(worker, "next") == (b"json:next", False)


def test_a_moved_query_is_still_stopped_at_the_time_limit(worker: QueryWorker) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        ask(worker, "sleep 30", timeout=0.5, budget=0.05, over_budget=lambda _worker: True)
    assert time.monotonic() - started < 10 and worker._pid is None


def test_a_child_that_dies_mid_query_is_said_in_a_line(worker: QueryWorker) -> None:
    with pytest.raises(CareergraphError, match="ended without an answer .exit status 3"):
        ask(worker, "die")
    assert ask(worker, "next") == (b"json:next", False)


def test_a_large_answer_arrives_in_pieces(loop: LoopThread) -> None:
    class Large(Scripted):
        def write(self, query, bindings, fmt, limit):
            return (b"x" * 3_000_000, True)

    worker = scripted(loop, Large())
    try:
        assert ask(worker, "big") == (b"x" * 3_000_000, True)
    finally:
        loop.call(worker.stop)


# --- queries proven quick, answered in the server process itself ------------------------------


class Where(Scripted):
    """A store whose answers say which process wrote them; ``spin S`` uses S seconds of processor
    time first, ``big`` answers 300 KiB, and ``extra`` (changed in the server process only) is more
    processor time every query takes here from then on."""

    extra = 0.0

    def write(self, query, bindings, fmt, limit):
        verb, _, argument = query.text.partition(" ")
        spin = (float(argument) if verb == "spin" else 0.0) + self.extra
        started = time.process_time()
        while time.process_time() - started < spin:
            pass
        filler = b"x" * 300_000 if verb == "big" else b""
        return (b"%d:%s" % (os.getpid(), filler), False)


@pytest.fixture
def lanes(loop: LoopThread):
    from careergraph.server import Lanes, ServerSettings

    made = []

    def make(store=None, **settings):
        # A budget well above what answering takes here, even on a busy machine: only the queries
        # that spin are over it.
        settings.setdefault("quick_budget", 0.1)
        running = Lanes(store or Where(), ServerSettings(workers=1, **settings))
        running.start()
        made.append(running)
        return running

    yield make
    for running in made:
        for worker in running.fast:
            loop.call(worker.stop)


def where(loop: LoopThread, lanes, text: str, fmt: str = "json") -> int:
    """The process that answered ``text``: this one, or a worker's."""
    body, _ = loop.run(lanes.run(CheckedQuery(text, "SELECT"), "client", fmt))
    return int(body.split(b":")[0])


def test_a_quick_query_asked_again_is_answered_in_the_server_process(loop: LoopThread, lanes) -> None:
    running = lanes()
    assert where(loop, running, "quick") != os.getpid()  # proven by a worker first
    assert where(loop, running, "quick") == os.getpid()
    assert where(loop, running, "quick", "xml") != os.getpid()  # proven for its format only
    assert where(loop, running, "other") != os.getpid()


def test_a_query_slower_than_the_budget_or_large_always_goes_to_a_worker(loop: LoopThread, lanes) -> None:
    running = lanes()
    for text in ("spin 0.3", "big"):
        assert where(loop, running, text) != os.getpid()
        assert where(loop, running, text) != os.getpid()
    assert where(loop, running, "spin 0.01") != os.getpid()
    assert where(loop, running, "spin 0.01") == os.getpid()  # within the budget


def test_after_the_data_changes_a_query_is_proven_again(loop: LoopThread, lanes) -> None:
    running = lanes()
    where(loop, running, "quick")
    assert where(loop, running, "quick") == os.getpid()
    running.renew()
    assert where(loop, running, "quick") != os.getpid()
    assert where(loop, running, "quick") == os.getpid()

    async def changed_meanwhile() -> None:  # answered from the data as it was: proves nothing
        asked = asyncio.ensure_future(running.run(CheckedQuery("spin 0.05", "SELECT"), "client", "json"))
        await asyncio.sleep(0.01)
        running.renew()
        await asked

    loop.run(changed_meanwhile())
    assert where(loop, running, "spin 0.05") != os.getpid()


def test_a_quick_query_that_slows_down_here_goes_back_to_the_workers(loop: LoopThread, lanes) -> None:
    store = Where()
    running = lanes(store)
    where(loop, running, "quick")
    store.extra = 0.3  # here only: the worker's copy of the store was forked before
    assert where(loop, running, "quick") == os.getpid()  # it held the event loop past the budget
    assert where(loop, running, "quick") != os.getpid()


def test_a_query_calling_a_function_that_varies_never_runs_in_the_server_process(
    loop: LoopThread, lanes
) -> None:
    """``FILTER(NOW() > …)`` (or ``RAND() < …``) can be quick now and a cross product later: one run's
    cost proves nothing, and only a worker has a time limit."""
    running = lanes()
    for text in ("quick NOW()", "quick { FILTER(rand() < 0.5) }", "quick \\u004EOW()", "quick STRUUID()"):
        assert [where(loop, running, text) != os.getpid() for _ in range(3)] == [True] * 3, text
    assert where(loop, running, "quick 'NOW()'") != os.getpid()  # in a string: not a call
    assert where(loop, running, "quick 'NOW()'") == os.getpid()


def test_a_quick_budget_of_zero_sends_every_query_to_a_worker(loop: LoopThread, lanes) -> None:
    running = lanes(quick_budget=0)
    assert [where(loop, running, "quick") != os.getpid() for _ in range(3)] == [True] * 3


@pytest.fixture(scope="module")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory):
    from careergraph.data import shipped_dir
    from careergraph.stores.oxigraph import OxigraphStore

    store = OxigraphStore(str(tmp_path_factory.mktemp("ox") / "store"), [])
    store.load(sorted(shipped_dir("graph_data").glob("*.ttl")))
    return store


# A CSV cut at the row cap is not written by the engine (careergraph writes it), so it is not proven.
@pytest.mark.parametrize(("fmt", "cap"), [("json", 3), ("xml", 3), ("tsv", 3), ("csv", 10_000)])
def test_the_server_process_answers_in_the_bytes_a_worker_writes(
    loop: LoopThread, lanes, oxigraph_store, fmt: str, cap: int
) -> None:
    running = lanes(oxigraph_store, max_rows=cap)
    checked = CheckedQuery(ROLES, "SELECT")
    by_worker = loop.run(running.run(checked, "client", fmt))
    handed = []
    to_worker = running._run

    def counted(*arguments):
        handed.append(arguments)
        return to_worker(*arguments)

    running._run = counted
    here = loop.run(running.run(checked, "client", fmt))
    assert handed == [] and here == by_worker and here[1] is (cap == 3)  # cut at the row cap, or not


# --- the SPARQL route straight on ASGI, and the full path behind it ----------------------------


@pytest.fixture(scope="module")
def apps():
    from careergraph import Session
    from careergraph.data import shipped_dir
    from careergraph.server import ServerSettings, _FastSparql, create_app

    settings = ServerSettings(workers=2, slow_workers=1, max_rows=3, timeout=5.0)
    before = set(_descendants(os.getpid()))
    app = create_app(Session([shipped_dir("graph_data")], "memory"), settings=settings)
    assert isinstance(app, _FastSparql)
    runner = LoopThread()
    yield runner, app, app.app
    runner.close()
    # Its workers and checker end now, not at exit: they hold whatever pipes this process had open
    # when they were forked (a browser driver's, which waits for them to close).
    for pid in set(_descendants(os.getpid())) - before:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def call(runner, app, method: str, target: str, headers=(), body: bytes = b""):
    """Status, headers and body of one request sent to the ASGI ``app``."""
    path, _, query = target.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "server": ("127.0.0.1", 7878), "client": ("127.0.0.1", 50000),
        "headers": [*headers] if any(name == b"host" for name, _ in headers)
        else [(b"host", b"127.0.0.1:7878"), *headers],
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive():
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)

    async def send(message) -> None:
        sent.append(message)

    runner.run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(message.get("body", b"") for message in sent[1:])
    return start["status"], dict(start["headers"]), body


ROLES = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX cg: <https://w3id.org/careergraph/ontology#> "
    "SELECT ?role ?label WHERE { ?role a cg:Role ; skos:prefLabel ?label } ORDER BY ?label"
)
FORM = [(b"content-type", b"application/x-www-form-urlencoded")]


def _form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def _get(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


# Each request, and whether the fast path answers it itself (else it hands it on, untouched).
REQUESTS = [
    ("GET", _get(ROLES), (), b""),
    ("GET", _get(ROLES), [(b"accept", b"text/csv")], b""),
    ("GET", _get(ROLES), [(b"accept", b"image/png")], b""),
    ("GET", _get("ASK { ?s ?p ?o }"), (), b""),
    ("GET", _get("SELECT ?x WHERE { ?x "), (), b""),
    (
        "GET",
        _get("INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
        (),
        b"",
    ),
    ("POST", "/sparql", FORM, _form(query=ROLES)),
    ("POST", "/sparql", [(b"content-type", b"application/sparql-query")], ROLES.encode()),
    ("POST", "/sparql", FORM, _form(update="CLEAR ALL")),
    ("POST", "/sparql", FORM, _form(query=ROLES) + b"&" + _form(query=ROLES)),
    ("POST", "/sparql", FORM, _form(query=ROLES, **{"named-graph-uri": "urn:g"})),
    ("POST", "/sparql", FORM, _form(other="x")),
    ("POST", "/sparql", [(b"content-type", b"text/plain")], ROLES.encode()),
    (
        "GET",
        _get(ROLES),
        [(b"origin", b"http://evil.example")],
        b"",
    ),
    ("GET", "/sparql", [(b"accept", b"text/turtle")], b""),
    ("GET", _get(ROLES), [(b"host", b"evil.example")], b""),
]
HANDED_ON = {12, 13, 14, 15}  # a type it does not read, another site, the service description, a host


@pytest.mark.parametrize("number", range(len(REQUESTS)))
def test_the_fast_path_answers_as_the_full_one(apps, number: int) -> None:
    runner, fast, full = apps
    method, target, headers, body = REQUESTS[number]
    if body:
        headers = [*headers, (b"content-length", str(len(body)).encode())]
    handed_on = []

    def counted(scope, receive, send):
        handed_on.append(scope["path"])
        return full(scope, receive, send)

    fast.app = counted
    try:
        ours = call(runner, fast, method, target, headers, body)
    finally:
        fast.app = full
    assert bool(handed_on) == (number in HANDED_ON)
    theirs = call(runner, full, method, target, headers, body)
    assert ours[0] == theirs[0]
    assert ours[1][b"content-type"] == theirs[1][b"content-type"]
    assert ours[1].get(b"x-careergraph-truncated") == theirs[1].get(b"x-careergraph-truncated")
    assert ours[2] == theirs[2]


def test_the_fast_path_cuts_at_the_row_cap_and_says_so(apps) -> None:
    runner, fast, _ = apps
    status, headers, body = call(runner, fast, "GET", _get(ROLES))
    assert status == 200 and headers[b"x-careergraph-truncated"] == b"true"
    assert len(json.loads(body)["results"]["bindings"]) == 3


def test_a_body_cut_short_is_one_line_in_the_log(apps, caplog: pytest.LogCaptureFixture) -> None:
    runner, fast, _ = apps
    path = "/sparql"
    scope_headers = [*FORM, (b"content-length", b"100")]

    async def run() -> list[dict]:
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
            "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "server": ("127.0.0.1", 7878), "client": ("127.0.0.1", 50000),
            "headers": [(b"host", b"127.0.0.1:7878"), *scope_headers],
        }  # fmt: skip
        messages = [
            {"type": "http.request", "body": b"query=ASK", "more_body": True},
            {"type": "http.disconnect"},
        ]
        sent: list[dict] = []

        async def receive():
            return messages.pop(0)

        async def send(message) -> None:
            sent.append(message)

        await fast(scope, receive, send)
        return sent

    sent = runner.run(run())
    assert sent[0]["status"] == 400 and sent[1]["body"] == b"the request ended early\n"
    assert "hung up before sending the whole request" in caplog.text


# --- an answer on the wire ---------------------------------------------------------------------


class Transport:
    """What a connection's transport records: the writes, and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after closing"
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:  # uvicorn's flow control, for a request pipelined behind another
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default=None):
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 7878)}.get(name, default)


def test_an_answer_leaves_in_one_write_and_what_is_written_before_closing_leaves_first(
    loop: LoopThread,
) -> None:
    """Head and body in one send: one packet, one wake-up for the client (they were two)."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from careergraph.server import ServerSettings, _httptools_protocol

    async def app(scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"5")]})
        await send({"type": "http.response.body", "body": b"hello"})

    async def exchange(request: bytes) -> Transport:
        config = Config(app=app, log_level="warning")
        guarded = _httptools_protocol(ServerSettings())
        protocol = guarded(config=config, server_state=ServerState(), app_state={})
        transport = Transport()
        protocol.connection_made(transport)
        protocol.data_received(request)
        for _ in range(20):
            await asyncio.sleep(0)
        protocol.connection_lost(None)
        return transport

    answered = loop.run(exchange(b"GET /sparql HTTP/1.1\r\nHost: localhost\r\n\r\n"))
    assert len(answered.writes) == 1
    assert answered.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert answered.writes[0].endswith(b"\r\ncontent-length: 5\r\n\r\nhello")
    refused = loop.run(exchange(b"GET /sparql HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n"))
    assert refused.closed and refused.writes[0].startswith(b"HTTP/1.1 400 Bad Request\r\n")


# --- the HTTP protocol's own fast lane, and the ASGI path behind it ---------------------------

DATE = [(b"server", b"uvicorn"), (b"date", b"Tue, 01 Dec 2026 00:00:00 GMT")]


@pytest.fixture(scope="module")
def served(loop: LoopThread, tmp_path_factory: pytest.TempPathFactory):
    """An application over an Oxigraph store (whose answers can be proven quick), and a function that
    sends raw HTTP to it through the guarded protocol, with its fast lane or without."""
    from uvicorn.config import Config
    from uvicorn.server import ServerState

    from careergraph import Session
    from careergraph.data import shipped_dir
    from careergraph.server import ServerSettings, _FastSparql, _httptools_protocol, create_app
    from careergraph.stores.oxigraph import OxigraphStore

    location = tmp_path_factory.mktemp("fast") / "store"
    OxigraphStore(str(location), []).load(sorted(shipped_dir("graph_data").glob("*.ttl")))
    settings = ServerSettings(workers=1, slow_workers=1, max_rows=3, quick_budget=1.0, body_timeout=0.3)
    before = set(_descendants(os.getpid()))
    app = create_app(Session([shipped_dir("graph_data")], f"oxigraph:{location}"), settings=settings)
    assert isinstance(app, _FastSparql)
    at_once = app.at_once
    answered_here: list[str] = []
    broken: list[Exception] = []  # what the lane's next answer fails with

    def counted(text, accept, dataset):
        if broken:
            raise broken.pop()
        answer = at_once(text, accept, dataset)
        if answer is not None:
            answered_here.append(text)
        return answer

    app.at_once = counted
    protocols = {True: _httptools_protocol(settings, app), False: _httptools_protocol(settings)}

    def exchange(pieces: list, *, fast: bool, answers: int = 1) -> bytes:
        """What the server writes on a connection on which ``pieces`` arrive (a number: a pause; a
        function: called with the protocol)."""

        async def run() -> bytes:
            state = ServerState()
            state.default_headers = DATE
            config = Config(app=app, log_level="warning", limit_concurrency=256)
            protocol = protocols[fast](config=config, server_state=state, app_state={}, _loop=loop.loop)
            transport = Transport()
            protocol.connection_made(transport)
            for piece in pieces:
                if isinstance(piece, float):
                    await asyncio.sleep(piece)
                elif callable(piece):
                    piece(protocol)
                else:
                    protocol.data_received(piece)
            for _ in range(1000):
                if state.total_requests >= answers or transport.closed:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.01)  # anything written after the last answer would be written now
            protocol.connection_lost(None)
            return b"".join(transport.writes)

        return loop.run(run())

    yield exchange, answered_here, location, broken
    for pid in set(_descendants(os.getpid())) - before:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _raw(
    method: str,
    target: str,
    headers: tuple[str, ...] | list[str] = (),
    body: bytes = b"",
    version: str = "1.1",
) -> bytes:
    """A request as a client writes it, with its length."""
    lines = [f"{method} {target} HTTP/{version}", "Host: localhost", *headers]
    if body and not any(line.lower().startswith("transfer-encoding") for line in headers):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


FORM_TYPE = "Content-Type: application/x-www-form-urlencoded"
QUERY_TYPE = "Content-Type: application/sparql-query"
POSTED = _raw("POST", "/sparql", [FORM_TYPE], _form(query=ROLES))
SLOW = _raw("POST", "/sparql", [QUERY_TYPE], ROLES.encode())
CHUNKED = (
    _raw("POST", "/sparql", [QUERY_TYPE, "Transfer-Encoding: chunked"])
    + b"%x\r\n" % len(ROLES)
    + ROLES.encode()
    + b"\r\n0\r\n\r\n"
)
# Each exchange: its pieces, how many answers it gets, and how many the protocol's fast lane gives.
EXCHANGES = {
    "get": ([_raw("GET", _get(ROLES))], 1, 1),
    "get, tsv": ([_raw("GET", _get(ROLES), ["Accept: text/tab-separated-values"])], 1, 1),
    "connection close": ([_raw("GET", _get(ROLES), ["Connection: close"])], 1, 1),
    "http/1.0": ([_raw("GET", _get(ROLES), version="1.0")], 1, 0),
    "form": ([POSTED], 1, 1),
    "sparql-query": ([_raw("POST", "/sparql", [QUERY_TYPE], ROLES.encode())], 1, 1),
    "two in one packet": ([_raw("GET", _get(ROLES)) + POSTED], 2, 2),
    "behind one going the ASGI way": (
        [_raw("GET", "/sparql", ["Accept: text/turtle"]) + _raw("GET", _get(ROLES))],
        2,
        0,
    ),
    "body in pieces": ([POSTED[:-40], 0.05, POSTED[-40:-10], 0.05, POSTED[-10:]], 1, 1),
    "body too slow, then another": ([SLOW[:-10], 1.0, SLOW[-10:] + _raw("GET", _get(ROLES))], 2, 1),
    "refused host": ([_raw("GET", _get(ROLES)).replace(b"Host: localhost", b"Host: evil.example")], 1, 0),
    "cross-site": (
        [_raw("POST", "/sparql", [FORM_TYPE, "Origin: http://evil.example"], _form(query=ROLES))],
        1,
        0,
    ),
    "update": ([_raw("POST", "/sparql", [FORM_TYPE], _form(update="CLEAR ALL"))], 1, 0),
    "two queries": (
        [_raw("POST", "/sparql", [FORM_TYPE], _form(query=ROLES) + b"&" + _form(query=ROLES))],
        1,
        0,
    ),
    "no query": ([_raw("POST", "/sparql", [FORM_TYPE], _form(other="x"))], 1, 0),
    "bad accept": ([_raw("GET", _get(ROLES), ["Accept: image/png"])], 1, 0),
    "large body": ([_raw("POST", "/sparql", [QUERY_TYPE], (ROLES + " #" + "x" * 20_000).encode())], 1, 0),
    "chunked": ([CHUNKED], 1, 0),
    # One read of more than the 16 KiB a head may take: no 431; a few answered by the lane, then in turn.
    "sixty in one read": ([_raw("GET", _get(ROLES), ["X-Pad: " + "p" * 250]) * 60], 60, 8),
    "an origin that is not a URL": ([_raw("GET", _get(ROLES), ["Origin: http://["])], 1, 0),
    "expect 100-continue": (
        [_raw("POST", "/sparql", [QUERY_TYPE, "Expect: 100-continue"], ROLES.encode())],
        1,
        0,
    ),
}


@pytest.mark.parametrize("name", list(EXCHANGES))
def test_the_protocols_fast_lane_writes_what_the_asgi_path_writes(served, name: str) -> None:
    exchange, answered_here, _, _ = served
    pieces, answers, here = EXCHANGES[name]
    exchange(pieces, fast=False, answers=answers)  # every text in it is proven quick now, if it can be
    before = len(answered_here)
    ours = exchange(pieces, fast=True, answers=answers)
    assert len(answered_here) - before == here
    theirs = exchange(pieces, fast=False, answers=answers)
    assert ours.count(b"\r\nserver: uvicorn\r\n") == answers
    assert ours == theirs


def _proven_request(served) -> tuple[Any, list[str], bytes, int]:
    """``served``'s exchange, the texts its lane answered, a request whose query is proven quick now,
    and how many texts the lane had answered by then."""
    exchange, answered_here, _, _ = served
    request = _raw("GET", _get(ROLES))
    exchange([request], fast=True)  # checked and proven, the ASGI way
    return exchange, answered_here, request, len(answered_here)


def test_a_client_that_does_not_read_gets_no_more_answers_until_it_does(served) -> None:
    """Answers are not piled up for a client that sends and does not read (its connection's buffer
    is full): the request goes the ASGI way, which waits for the client, and reading stops."""
    exchange, answered_here, request, before = _proven_request(served)
    written = []

    def full(protocol) -> None:
        protocol.pause_writing()

    def drained(protocol) -> None:
        written.append(protocol.server_state.total_requests)
        protocol.resume_writing()

    ours = exchange([request, full, request, 0.3, drained], fast=True, answers=2)
    assert len(answered_here) - before == 1
    assert written == [1]  # no more answers while the client did not read
    assert ours == exchange([request, full, request, 0.3, drained], fast=False, answers=2)


def test_a_request_behind_a_lane_answer_in_one_read_is_not_under_the_keep_alive_timer(served) -> None:
    """The lane's answer sets uvicorn's keep-alive timer in the middle of the read; the request after
    it (here the service description, the ASGI way) must not be cut off by it."""
    exchange, answered_here, request, before = _proven_request(served)
    timers = []

    def look(protocol) -> None:
        timers.append(protocol.timeout_keep_alive_task)

    exchange([request + _raw("GET", "/sparql", ["Accept: text/turtle"]), look], fast=True, answers=2)
    assert len(answered_here) - before == 1
    assert timers == [None]


def test_a_lane_that_fails_unexpectedly_hands_the_request_to_the_asgi_path(served) -> None:
    exchange, answered_here, _, broken = served
    request = [_raw("GET", _get(ROLES))]
    answer = exchange(request, fast=False)
    broken.append(RuntimeError("a fault in the lane"))
    assert exchange(request, fast=True) == answer  # not the parser's 400, nor a closed connection
    assert broken == []


def test_the_protocol_answers_a_query_only_once_proven_on_the_data_as_it_is(served) -> None:
    exchange, answered_here, location, _ = served
    text = ROLES + " # asked for this test only"
    request = [_raw("GET", _get(text))]
    first = exchange(request, fast=True)
    assert answered_here.count(text) == 0  # not yet found safe nor proven: the ASGI way
    assert exchange(request, fast=True) == first
    assert answered_here.count(text) == 1
    time.sleep(1.1)  # the data is looked at once a second at most
    os.utime(location, ns=(time.time_ns(), time.time_ns()))  # as a `careergraph load` replacing it
    assert exchange(request, fast=True) == first
    assert answered_here.count(text) == 1  # proven on the data as it was: the ASGI way again
    assert exchange(request, fast=True) == first
    assert answered_here.count(text) == 2


# --- a parent killed outright ----------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            children = [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_server_processes_and_their_workers_end_with_a_parent_killed_outright(free_port) -> None:
    import socket
    import subprocess

    from careergraph.data import shipped_dir

    port = free_port()
    data = ["--data", str(shipped_dir("graph_data"))]
    command = [sys.executable, "-m", "careergraph", *data, "serve", "--port", str(port), "--workers", "2"]
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family: list[int] = []
    try:
        for _ in range(400):
            family = _descendants(parent.pid)
            # two server processes, each with two or more query workers and a checker
            if len(family) >= 8:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            time.sleep(0.05)
        time.sleep(0.5)  # every server process has forked its workers
        family = _descendants(parent.pid)
        assert len(family) >= 8, family
        parent.send_signal(signal.SIGKILL)  # no clean-up of its own runs
        parent.wait()
        for _ in range(200):
            left = [pid for pid in family if os.path.exists(f"/proc/{pid}") and not _zombie(pid)]
            if not left:
                break
            time.sleep(0.05)
        assert left == [], "the server processes and their workers outlived the parent"
    finally:
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return False


def test_a_failed_fork_while_demoting_gives_the_slow_lane_place_back() -> None:
    """A query past its budget moves to the slow lane only once its successor is forked: when the fork
    fails, its place in the slow lane is given back (it was kept for good) and the query stays put."""
    from types import SimpleNamespace

    from careergraph.server import Lanes, ServerSettings

    lanes = Lanes(SimpleNamespace(), ServerSettings(workers=1, slow_workers=1, slow_per_client=1))

    def no_fork() -> None:
        raise OSError(11, "Resource temporarily unavailable")

    lanes._new = lambda: SimpleNamespace(start=no_fork)  # type: ignore[method-assign]
    running = SimpleNamespace(_pid=None)
    with pytest.raises(OSError):
        lanes._demote(running, None, "client")
    assert lanes.slow_running == 0 and lanes.slow_by_client == {}
    assert lanes._admit_slow("client")  # the place is there for the next one


def test_a_child_that_dies_between_queries_costs_no_answer(worker: QueryWorker) -> None:
    """A worker killed while idle is noticed on the loop and reaped; the next query gets a fresh one
    (it used to fail with 'ended without an answer')."""
    ask(worker, "first")
    pid = worker._pid
    os.kill(pid, signal.SIGKILL)
    for _ in range(200):
        if worker._pid is None:
            break
        time.sleep(0.01)
    assert worker._pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped
    assert ask(worker, "next") == (b"json:next", False)
