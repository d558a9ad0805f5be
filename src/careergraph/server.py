"""``careergraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the loaded data.

Built on Starlette (routing, requests, the trusted-host check) served by
uvicorn: both small, typed and well kept, and the ASGI pair most Python web
services run on. Queries run in worker processes forked before the server
starts (:class:`Lanes`), so a runaway query is killed at the time limit, its
worker replaced, and the server keeps serving; a slow one moves to a lane of
its own at the lowest priority, so it cannot starve the fast ones; one a worker
has shown to be quick runs in the server process the next times. The safety
check runs in a process of its own (:class:`Checker`); requests from other
sites, oversized bodies and slow senders are refused (:class:`SameOriginMiddleware`,
:func:`run_server`).

- ``GET /sparql?query=…``, ``POST /sparql`` with a form field ``query`` or an
  ``application/sparql-query`` body;
- answers in SPARQL JSON, XML, CSV or TSV (SELECT, ASK; ``text/plain`` is CSV,
  as Oxigraph has it) and Turtle, N-Triples, RDF/XML or JSON-LD (CONSTRUCT,
  DESCRIBE), chosen from the ``Accept`` header with its q-values (406 when
  nothing offered is acceptable); one ``query`` parameter; ``default-graph-uri``
  and ``named-graph-uri`` are a 400 (one default graph is served); ``GET``
  without a query gets the service description; ``--cors ORIGIN`` opt-in;
- updates are 403, ``SERVICE``/``LOAD``/``FROM`` 403 with the reason, a query
  that does not parse 400 with the parser's message, one past the time limit
  503; at most ``max_rows`` rows, and a cut answer says so in the
  ``X-Careergraph-Truncated`` header;
- ``GET /sparql`` with no query, from a browser (``Accept: text/html``), is a
  page to type a query and see the answer (no CDN);
- every other page is the career explorer (:mod:`careergraph.viz.explorer`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from .errors import (
    CareergraphError,
    QueryMemoryError,
    QuerySyntaxError,
    QueryTimeoutError,
    ServerBusyError,
    UnsafeQueryError,
)
from .query.results import choose_type
from .query.safety import CheckedQuery, check_query, varies
from .query.workers import answer_here

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .session import Session

__all__ = ["ServerSettings", "choose_type", "create_app", "exposure_warning", "run_server"]

log = logging.getLogger("careergraph.serve")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/plain": "csv",  # as Oxigraph answers it
}
#: media type -> rdflib's serializer, for CONSTRUCT and DESCRIBE answers (and the service description)
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
    "text/plain": "nt",
    "application/x-turtle": "turtle",
    "application/turtle": "turtle",
    "application/xml": "xml",
    "application/json": "json-ld",
}
#: the graph types offered when the client's Accept allows several, in order
_GRAPH_OFFERED = [
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "text/plain",
    "application/x-turtle",
    "application/turtle",
    "application/xml",
    "application/json",
]


@dataclass
class ServerSettings:
    """How the endpoint behaves."""

    allowed_hosts: list[str] = field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    timeout: float = 10.0
    max_rows: int = 10_000
    #: worker processes running queries side by side (the fast lane): one a processor, two to eight.
    #: Each runs a quick query only (a longer one moves to the slow lane), so more than the machine
    #: has processors adds no answers, only processes that take turns, each cold in the caches.
    workers: int = field(default_factory=lambda: min(8, max(2, os.cpu_count() or 2)))
    #: queries past ``fast_budget`` that may go on running, at low priority (the slow lane)
    slow_workers: int = 4
    #: of those, how many one client (address) may hold
    slow_per_client: int = 2
    #: seconds a query runs in the fast lane; past it, it moves to the slow lane or is stopped
    fast_budget: float = 0.02
    #: seconds (of processor or clock time, whichever is longer) within which a worker answered a
    #: query text for it to be answered in the server process itself from then on (:class:`Lanes`);
    #: 0: every query goes to a worker
    quick_budget: float = 0.002
    #: largest request body, in bytes (413 beyond)
    max_body: int = 1_000_000
    #: seconds to send a request's headers, and its body (the connection is closed / 408)
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    #: open connections at most; more are closed as they arrive
    max_connections: int = 256
    #: bytes a worker may map beyond what it holds when forked (503 beyond); None: no cap
    memory_cap: int | None = 1 << 30
    #: an origin whose pages may read answers (CORS); None: no cross-origin reads
    cors: str | None = None


class Lanes:
    """Worker processes shared so that slow queries cannot starve fast ones.

    Every query starts in the fast lane, at normal priority, with a short
    budget of processor time. One that uses it up moves to the slow lane
    where it stands: it keeps running at the lowest priority (niceness 19, so
    it yields the processors to everything else), and a freshly forked worker
    takes its place in the fast lane; when it ends, its worker is retired. At
    most ``slow_workers`` queries are in the slow lane at once, and
    ``slow_per_client`` from one client (address): one more that uses up its
    budget is stopped with 503. The query's shape (its tokens,
    with comments, spacing, variable names, strings and numbers set aside) is
    remembered: the next query of that shape goes straight to the slow lane,
    or is refused at once when it is full, so slow queries sent again and
    again cost the fast lane nothing. One that then proves quick is forgotten.

    A query text that a fast-lane worker answered within ``quick_budget``
    (and in at most 256 KiB), in a results format, is run in the server
    process itself the next times it is asked, by the same call the worker
    makes: the store is only read, and the same text on the same data costs
    the same work each time, so it cannot run away; handing it to a worker
    and back would cost several times the query. That holds for a text that
    calls no function whose value changes from run to run (``NOW()``,
    ``RAND()``, … :func:`careergraph.query.safety.varies`): such a text is never
    run here. It is still evaluated every time (no answer is kept), and
    forgotten when the data changes or when a run here takes longer than the
    budget after all. Everything here happens on the event loop, the data
    watcher's renewal too, so a text cannot be forgotten between the look and
    the run.
    """

    def __init__(self, store: Any, settings: ServerSettings) -> None:
        import anyio

        from .query.workers import QueryWorker

        self.settings = settings
        self.store = store
        self._new = lambda: QueryWorker(self.store, memory_cap=settings.memory_cap, close_sockets=True)
        self.fast = [self._new() for _ in range(max(1, settings.workers))]
        # The fast lane lives on the event loop: its free workers, and the queries waiting for one.
        self.idle: collections.deque[Any] = collections.deque(self.fast)
        self._waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.slow_running = 0
        self.slow_by_client: dict[str, int] = {}
        self.slow_shapes: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self.lock = threading.Lock()
        self.generation = 0
        # The (text, format) pairs proven quick on this generation of the data, least recently asked first.
        self.quick: collections.OrderedDict[tuple[str, str], None] = collections.OrderedDict()
        # A thread per query in the slow lane: none waits for a worker.
        self.slow_threads = anyio.CapacityLimiter(max(1, settings.slow_workers))
        self.check_limit = anyio.CapacityLimiter(1)  # one checker process

    def start(self) -> None:
        """Fork every worker now, before the server opens its socket or starts threads."""
        for worker in self.fast:
            worker.start()
            worker.generation = self.generation

    def renew(self) -> None:
        """Have every worker forked again before its next query (the data changed)."""
        self.generation += 1
        self.quick.clear()  # proven on the data as it was

    def _remember(self, shape: bytes | None, slow: bool) -> None:
        if shape is None:
            return
        with self.lock:
            if slow:
                self.slow_shapes[shape] = None
                self.slow_shapes.move_to_end(shape)
                while len(self.slow_shapes) > 1024:
                    self.slow_shapes.popitem(last=False)
            else:
                self.slow_shapes.pop(shape, None)

    def _admit_slow(self, client: str) -> bool:
        """Take a place in the slow lane for ``client``, if the lane and the client's share allow."""
        with self.lock:
            if self._slow_full(client):
                return False
            self.slow_running += 1
            self.slow_by_client[client] = self.slow_by_client.get(client, 0) + 1
            return True

    def _release_slow(self, client: str) -> None:
        with self.lock:
            self.slow_running -= 1
            held = self.slow_by_client.pop(client, 1) - 1
            if held:
                self.slow_by_client[client] = held

    def _slow_full(self, client: str) -> bool:
        return (
            self.slow_running >= self.settings.slow_workers
            or self.slow_by_client.get(client, 0) >= self.settings.slow_per_client
        )

    def _demote(self, worker: Any, cpu_at_start: float | None, client: str) -> bool | None:
        """Move ``worker``'s running query to the slow lane, if there is room; fork its successor.

        None (not yet) when the query has used less processor time than its
        budget: on a busy machine a quick query can wait its budget for a core.
        """
        cpu = _cpu_seconds(worker._pid)
        if cpu is not None and cpu_at_start is not None and cpu - cpu_at_start < self.settings.fast_budget:
            return None
        if not self._admit_slow(client):
            return False
        fresh = self._new()
        try:
            fresh.start()
        except BaseException:  # no successor (the fork failed): the query stays where it is
            self._release_slow(client)
            raise
        _lowest_priority(worker._pid)
        fresh.generation = self.generation
        self._give(fresh)
        return True

    async def _take(self) -> Any:
        """A free fast-lane worker, once there is one (first come, first served)."""
        if self.idle:
            return self.idle.popleft()
        waiting: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiting)
        try:
            return await waiting
        except asyncio.CancelledError:
            if waiting.done() and not waiting.cancelled():
                self._give(waiting.result())  # handed over as this one went away: pass it on
            raise

    def _give(self, worker: Any) -> None:
        """``worker`` back in the fast lane: to the first query waiting for one, else free."""
        while self._waiting:
            waiting = self._waiting.popleft()
            if not waiting.done():
                waiting.set_result(worker)
                return
        self.idle.append(worker)

    async def _run(self, checked: Any, shape: bytes | None, client: str, fmt: str | None = None) -> Any:
        """The fast lane: the answer waited for on the event loop (:meth:`QueryWorker.ask_on_loop`)."""
        settings = self.settings
        generation = self.generation
        worker = await self._take()
        demoted = over = False
        cpu_at_start: float | None = None

        def over_budget(running: Any) -> bool | None:
            nonlocal demoted, over
            verdict = self._demote(running, cpu_at_start, client)
            over = verdict is not None
            demoted = bool(verdict)
            return verdict

        try:
            if getattr(worker, "generation", self.generation) != self.generation:
                worker.stop()  # forked from the data as it was
            worker.generation = self.generation
            worker.start()
            cpu_at_start = worker.cpu_used if worker.cpu_used is not None else _cpu_seconds(worker._pid)
            output = await worker.ask_on_loop(
                checked,
                {},
                settings.max_rows,
                settings.timeout,
                "request",
                fmt=fmt,
                budget=settings.fast_budget,
                over_budget=over_budget,
            )
            if generation == self.generation:  # else answered from the data as it was
                self._prove(checked.text, fmt, output, worker.took)
            return output
        finally:
            if over:
                self._remember(shape, slow=True)
            if demoted:
                worker.stop()  # it runs at low priority now: retired, its successor is in the lane
                self._release_slow(client)
            else:
                with contextlib.suppress(CareergraphError, OSError):
                    worker.start()  # stopped at the time limit or the cap: forked again by this query
                self._give(worker)

    def _prove(self, text: str, fmt: str | None, output: Any, took: float | None) -> None:
        """Remember ``text`` in ``fmt`` as quick if its worker wrote ``output`` within the budget."""
        budget = self.settings.quick_budget
        if (
            budget > 0
            and fmt is not None
            and took is not None
            and took <= budget
            and isinstance(output, tuple)  # bytes the engine wrote, not tuples to write here
            and len(output[0]) <= _QUICK_BYTES
            and len(text) <= _REMEMBERED
            and not varies(text)  # what one run cost says nothing of the next's
        ):
            self.quick[(text, fmt)] = None
            if len(self.quick) > 1024:
                self.quick.popitem(last=False)

    def _here(self, checked: CheckedQuery, fmt: str) -> Any:
        """A query proven quick, answered in this process as its worker answers it."""
        key = (checked.text, fmt)
        self.quick.move_to_end(key)
        cpu = time.thread_time()
        try:
            return answer_here(self.store, checked, self.settings.max_rows, fmt, "request")
        finally:
            # It holds the event loop meanwhile: one that no longer keeps to the budget goes back to
            # the workers, and is proven again. Processor time, not the clock's: a quick query that
            # waited for a core is still quick.
            if time.thread_time() - cpu > self.settings.quick_budget:
                self.quick.pop(key, None)

    def _run_slow(self, worker: Any, checked: Any, shape: bytes, fmt: str | None = None) -> Any:
        """The slow lane, in a thread: ``worker``, forked for this query, answers it and ends."""
        try:
            _lowest_priority(worker._pid)
            cpu_at_start = _cpu_seconds(worker._pid)
            settings = self.settings
            output = worker.ask(checked, {}, settings.max_rows, settings.timeout, "request", fmt=fmt)
            cpu = _cpu_seconds(worker._pid)
            if (
                cpu is not None
                and cpu_at_start is not None
                and cpu - cpu_at_start < self.settings.fast_budget
            ):
                self._remember(shape, slow=False)  # quick after all: back to the fast lane
            return output
        finally:
            worker.stop()

    def like_slow(self, text: str) -> bool:
        """Whether ``text`` has the shape of a query that went to the slow lane lately."""
        shape = _shape(text)
        return shape is not None and shape in self.slow_shapes

    def refuse_early(self, text: str, client: str) -> None:
        """Refuse, before it is even checked, a query like those filling the slow lane now."""
        if self.like_slow(text) and self._slow_full(client):
            raise ServerBusyError(_LIKE_SLOW)

    def run_proven(self, checked: CheckedQuery, fmt: str) -> Any:
        """The answer to ``checked`` in ``fmt`` when it is proven quick on this data (run here), else None."""
        if (checked.text, fmt) not in self.quick:
            return None
        return self._here(checked, fmt)

    async def run(self, checked: Any, client: str, fmt: str | None = None) -> Any:
        """The answer to ``checked``, within the time limit (:class:`QueryTimeoutError` otherwise).

        With a results format ``fmt``, the answer comes as the bytes the store's engine wrote and
        whether rows were cut, where it can write them (:meth:`careergraph.query.workers.QueryWorker.ask`).
        """
        import anyio.to_thread

        if fmt is not None:
            output = self.run_proven(checked, fmt)
            if output is not None:
                return output
        shape = _shape(checked.text)
        if shape is not None and shape in self.slow_shapes:
            if not self._admit_slow(client):
                raise ServerBusyError(_LIKE_SLOW)
            try:
                # Forked here, on the event loop, not in the thread: a fork copies only the thread
                # that makes it, and the loop's own store calls (quick queries) hold the store's
                # locks while they run: a copy made meanwhile would wait on them for ever.
                worker = self._new()
                worker.start()
                try:
                    return await anyio.to_thread.run_sync(
                        self._run_slow, worker, checked, shape, fmt, limiter=self.slow_threads
                    )
                except BaseException:
                    worker.stop()  # cancelled before a thread took it, which would have ended it
                    raise
            finally:
                self._release_slow(client)
        return await self._run(checked, shape, client, fmt)


#: the largest answer a query proven quick may have had (Lanes.quick)
_QUICK_BYTES = 256 * 1024
_LIKE_SLOW = "the server is busy with slow queries, and this one is like them; try again later"


def _lowest_priority(pid: int | None) -> None:
    with contextlib.suppress(OSError, TypeError):
        os.setpriority(os.PRIO_PROCESS, pid, 19)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=1024)  # asked twice a request, and the same queries come back
def _shape(text: str) -> bytes | None:
    """A key for queries alike but for comments, spacing, variable names, strings and numbers.

    >>> _shape("SELECT ?a { ?a ?b 'x' } # 1") == _shape("select ?z{?z ?y 'other'}")
    True
    >>> _shape("SELECT ?a { ?a ?b 1 }") == _shape("SELECT ?a { ?a ?b ?a }")
    False
    """
    import hashlib

    from .query.safety import tokens

    if len(text) > 20_000:
        return None  # not worth reading on the event loop: such a query is never fast-tracked
    names: dict[str, str] = {}
    parts = []
    for kind, token, _ in tokens(text):
        if kind in ("space", "comment"):
            continue
        if kind == "variable":
            token = names.setdefault(token[1:], f"?{len(names)}")
        elif kind == "string":
            token = '""'
        elif kind == "other" and token.isdigit():
            token = "0"
        elif kind == "word":
            token = token.upper()
        parts.append(token)
    return hashlib.sha256(" ".join(parts).encode()).digest()


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int | None) -> float | None:
    """The processor time process ``pid`` has used (user and system), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, ValueError, IndexError):
        return None


class Checker:
    """The safety check, in a process of its own: rdflib's parser is pure Python, and run in
    the server's process it would hold the interpreter's lock the event loop needs.

    A query that takes longer than ``timeout`` seconds to check is refused, and
    the process forked again.
    """

    def __init__(self, *, timeout: float, memory_cap: int | None) -> None:
        self.timeout = timeout
        self.memory_cap = memory_cap
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._conn: Any = None

    def start(self) -> None:
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._pid is not None:
            return
        import marshal
        import sys
        from multiprocessing import Pipe

        from .query.workers import _cap_memory, _close_sockets, die_with_parent

        ours, theirs = Pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent, on_main_thread = os.getpid(), threading.current_thread() is threading.main_thread()
        pid = os.fork()
        if pid == 0:
            try:
                if on_main_thread:  # forked again from a thread, it ends when the server hangs up
                    die_with_parent(parent)
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)
                ours.close()
                _close_sockets(keep=theirs.fileno())
                if self.memory_cap:
                    _cap_memory(self.memory_cap)
                import rdflib.plugins.sparql.algebra  # noqa: F401 (loaded once, not per query)

                while True:
                    try:
                        text = theirs.recv_bytes().decode("utf-8", "replace")
                    except (EOFError, OSError):
                        break
                    try:
                        verdict: tuple[str, str] = ("ok", check_query(text).form)
                    except UnsafeQueryError as error:
                        verdict = ("unsafe", str(error))
                    except QuerySyntaxError as error:
                        verdict = ("syntax", str(error))
                    except MemoryError:
                        verdict = ("syntax", "the query is too large to check")
                    theirs.send_bytes(marshal.dumps(verdict))
            finally:
                os._exit(0)
        theirs.close()
        self._pid, self._conn = pid, ours

    def _stop(self) -> None:
        import signal

        if self._pid is not None:
            self._conn.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = self._conn = None

    def check(self, text: str) -> CheckedQuery:
        """The :class:`~careergraph.query.safety.CheckedQuery` for ``text``, or the error refusing it."""
        import marshal

        with self._lock:
            self._start()
            try:
                self._conn.send_bytes(text.encode("utf-8", "replace"))
                if not self._conn.poll(self.timeout):
                    self._stop()
                    raise QuerySyntaxError(
                        f"the query took longer than {self.timeout:g} s to check; simplify it"
                    )
                status, value = marshal.loads(self._conn.recv_bytes())
            except (EOFError, OSError):
                self._stop()
                raise QuerySyntaxError("the query could not be checked (too large or too complex)") from None
        if status == "unsafe":
            raise UnsafeQueryError(value)
        if status == "syntax":
            raise QuerySyntaxError(value)
        return CheckedQuery(text, value)


def _watch_data(session: Session, lanes: Lanes) -> Any:
    """A function that, called before each query and explorer page, notices a ``careergraph load``
    that replaced the store's data, and has the store reopened, the workers forked again and what
    the session read from it read anew (at most one look a second)."""
    store = session.store
    path = getattr(store, "path", None)
    if path is None or not hasattr(store, "reopen"):
        return lambda: None

    def identity() -> tuple[int, int] | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        return (status.st_ino, status.st_mtime_ns)

    seen = identity()
    looked = time.monotonic()
    lock = threading.Lock()

    def check() -> None:
        nonlocal seen, looked
        now = time.monotonic()
        if now - looked < 1.0 or not lock.acquire(blocking=False):
            return
        try:
            looked = now
            current = identity()
            if current is not None and current != seen:
                seen = current
                log.warning("careergraph: the data at %s was replaced: reopening it", path)
                store.reopen()
                session.reread()
                lanes.renew()
        finally:
            lock.release()

    return check


def create_app(session: Session, *, settings: ServerSettings | None = None) -> Any:
    """The ASGI application answering SPARQL over ``session`` 's store, and the explorer's pages."""
    import anyio
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    settings = settings or ServerSettings()
    store = session.store
    lanes = Lanes(store, settings)
    lanes.start()  # fork the workers now, before the server starts threads
    checker = Checker(timeout=min(settings.timeout, 5.0), memory_cap=settings.memory_cap)
    checker.start()
    data_changed = _watch_data(session, lanes)
    # The queries found safe lately (the same ones come back), least recently asked first.
    verdicts: collections.OrderedDict[str, CheckedQuery] = collections.OrderedDict()

    def problem(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

    async def sparql(request: Request) -> Response:
        if _wants_page(request):
            return await page(request)
        try:
            asked = await _query_text(request)
        except ClientDisconnect:
            _hung_up(request.client.host if request.client else "?")
            return problem(400, "the request ended early")
        if isinstance(asked, Response):
            return asked
        text, dataset = asked
        client = request.client.host if request.client else "?"
        accept = request.headers.get("accept")
        status, media_type, body, truncated = await answer(text, client, accept, dataset)
        headers = {"X-Careergraph-Truncated": "true"} if truncated else {}
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    def refused(status: int, message: str) -> tuple[int, str, bytes, bool]:
        return status, "text/plain", (message + "\n").encode("utf-8"), False

    def failed(error: CareergraphError) -> tuple[int, str, bytes, bool]:
        """The answer to a query that ``error`` stopped."""
        if isinstance(error, QueryTimeoutError):
            return refused(503, f"the query was stopped after {settings.timeout:g} s")
        if isinstance(error, QueryMemoryError):
            cap = (settings.memory_cap or 0) // 2**20
            log.warning("careergraph: a query was stopped at the %d MiB memory cap", cap)
            return refused(503, f"the query was stopped: it needed more than the {cap} MiB a query may use")
        return refused(503 if isinstance(error, ServerBusyError) else 400, str(error))

    def answered(output: Any, media_type: str) -> tuple[int, str, bytes, bool]:
        if isinstance(output, tuple):  # already written by the engine: sent as it is
            body, truncated = output
        else:
            body, truncated = _serialise(output, media_type), output.truncated
        return 200, media_type, body, truncated

    def chosen(checked: CheckedQuery, accept: str | None) -> tuple[str | None, str | None]:
        """The answer's media type for ``accept`` (None: none is acceptable), and the results format
        the engine writes it in (None: written here)."""
        media_type = _choose_answer_type(accept, checked.form in ("SELECT", "ASK"))
        if media_type is None or checked.form != "SELECT":
            return media_type, None
        return media_type, RESULT_TYPES[media_type]

    def at_once(text: str, accept: str | None, dataset: str | None) -> tuple[int, str, bytes, bool] | None:
        """What :func:`answer` answers, for a query found safe and proven quick on this data, answered
        without waiting for anything; else None (``answer`` answers it)."""
        checked = verdicts.get(text)
        # Like a slow one: whether it is refused depends on the client, which ``answer`` weighs.
        if checked is None or dataset is not None or lanes.like_slow(text):
            return None
        media_type, fmt = chosen(checked, accept)
        if media_type is None or fmt is None:
            return None
        verdicts.move_to_end(text)
        data_changed()
        try:
            output = lanes.run_proven(checked, fmt)
        except CareergraphError as error:
            return failed(error)
        return None if output is None else answered(output, media_type)

    async def answer(
        text: str, client: str, accept: str | None, dataset: str | None
    ) -> tuple[int, str, bytes, bool]:
        """The status, media type and body answering the query ``text``, and whether rows were cut."""
        try:
            lanes.refuse_early(text, client)  # spares the check, which costs more than the refusal
        except ServerBusyError as error:
            return refused(503, str(error))
        try:
            checked: CheckedQuery
            if text in verdicts:
                checked = verdicts[text]
                verdicts.move_to_end(text)  # least recently used goes first
            else:
                # Off the event loop: a large query takes a while to parse.
                checked = await anyio.to_thread.run_sync(checker.check, text, limiter=lanes.check_limit)
                if len(text) <= _REMEMBERED:  # 1,024 texts of 16 KiB at most: 16 MiB
                    verdicts[text] = checked
                    if len(verdicts) > 1024:
                        verdicts.popitem(last=False)
        except UnsafeQueryError as error:
            return refused(403, str(error))
        except QuerySyntaxError as error:
            return refused(400, str(error))
        if dataset is not None:
            return refused(400, dataset)
        media_type, fmt = chosen(checked, accept)
        if media_type is None:
            offered = RESULT_TYPES if checked.form in ("SELECT", "ASK") else _GRAPH_OFFERED
            return refused(406, f"none of the answer's types is acceptable: {', '.join(offered)}")
        data_changed()
        try:
            output = await lanes.run(checked, client, fmt)
        except CareergraphError as error:
            return failed(error)
        return answered(output, media_type)

    async def _body(request: Request) -> bytes | Response:
        """The request's body, or the response refusing it: too large (413) or too slow (408)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_body:
            return problem(413, f"the request body is larger than {settings.max_body} bytes")
        chunks, size = [], 0
        try:
            with anyio.fail_after(settings.body_timeout):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > settings.max_body:
                        return problem(413, f"the request body is larger than {settings.max_body} bytes")
                    chunks.append(chunk)
        except TimeoutError:
            return problem(408, _slow_body(settings.body_timeout))
        return b"".join(chunks)

    async def _query_text(request: Request) -> tuple[str, str | None] | Response:
        """The query a request asks and the refusal of its dataset parameters (or None), or the
        response refusing the request (or describing the service, to a GET without a query)."""
        if request.method in ("GET", "HEAD"):
            if "update" in request.query_params:
                return problem(403, _NO_UPDATES)
            if len(request.query_params.getlist("query")) > 1:
                return problem(400, _ONE_QUERY)
            text = request.query_params.get("query")
            if not text and "query" not in request.query_params:
                return _service_description(request)
            if not text:
                return problem(400, _NO_QUERY)
            return text, _dataset_refusal(request.query_params)
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/sparql-update":
            return problem(403, _NO_UPDATES)
        if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            return problem(
                415, f"send the query as a form field or application/sparql-query, not {content_type!r}"
            )
        body = await _body(request)
        if isinstance(body, Response):
            return body
        posted = _posted_query(content_type.encode("latin-1"), body, request.query_params)
        if isinstance(posted, _Refusal):
            return problem(posted.status, posted.message)
        return posted

    page_html = (files("careergraph") / "templates" / "sparql.html").read_text(encoding="utf-8")

    async def page(_request: Request) -> Response:
        return HTMLResponse(page_html)

    def _service_description(request: Request) -> Response:
        media_type = choose_type(request.headers.get("accept"), ["text/html", *_GRAPH_OFFERED])
        if media_type is None or media_type == "text/html":
            return problem(400, _NO_QUERY)
        body = _serialise_graph(service_description(str(request.url)), media_type)
        return Response(body, media_type=media_type)

    from .viz.explorer import explorer_routes

    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
        Middleware(SameOriginMiddleware, allowed_origin=settings.cors),
    ]
    if settings.cors:
        from starlette.middleware.cors import CORSMiddleware

        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=[settings.cors],
                allow_methods=["GET", "POST"],
                allow_headers=["Accept", "Content-Type"],
                expose_headers=["X-Careergraph-Truncated"],
            )
        )
    full = Starlette(
        routes=[*explorer_routes(session, data_changed), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=middleware,
    )
    if settings.cors:
        return full  # answers carry CORS headers: every request goes through the middleware
    return _FastSparql(full, answer, at_once, settings)


@functools.lru_cache(maxsize=256)  # clients send the same few Accept headers again and again
def _choose_answer_type(accept: str | None, results: bool) -> str | None:
    """The media type of the answer for ``accept``: results (SELECT, ASK) or a graph."""
    return choose_type(accept, list(RESULT_TYPES if results else _GRAPH_OFFERED))


class _FastSparql:
    """The SPARQL route's common case answered straight on ASGI, in front of the full application.

    A query sent as a protocol client sends it (``GET /sparql?query=…``, or a
    ``POST`` form or ``application/sparql-query`` body of a declared length
    within the limit), from an allowed host and not from another site, is read
    and answered here, without the middleware, request and response objects
    that cost more than the query itself. Anything else (another page, a
    browser asking for the query page, a refusal of the host or the site, an
    update, the service description, ``HEAD``, a body sent in chunks) goes on
    to ``app``, untouched, which answers it as before: this path only ever
    accepts what the full one would.
    """

    def __init__(self, app: Any, answer: Any, at_once: Any, settings: ServerSettings) -> None:
        self.app = app
        self.answer = answer
        #: ``answer``'s answer when it needs no waiting, else None (the HTTP protocol's fast lane)
        self.at_once = at_once
        self.settings = settings
        self.any_host = "*" in settings.allowed_hosts
        self.hosts = {host.lower().encode("latin-1") for host in settings.allowed_hosts if "*" not in host}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != "/sparql"
            or not await self._answer(scope, receive, send)
        ):
            await self.app(scope, receive, send)

    def plain(self, method: str, raw_headers: list[tuple[bytes, bytes]]) -> dict[bytes, bytes] | None:
        """A request's headers when this path may answer it, else None."""
        if method not in ("GET", "POST"):
            return None
        headers: dict[bytes, bytes] = {}
        for name, value in raw_headers:
            if name in headers:
                return None  # a header given twice: the full path decides what that means
            headers[name] = value
        host = headers.get(b"host", b"")
        name, colon, port = host.rpartition(b":")
        if not (colon and port.isdigit()):
            name = host
        if not (self.any_host or name.lower() in self.hosts):
            return None
        if _cross_site(headers, None, method) is not None:
            return None
        return headers

    async def _answer(self, scope: Any, receive: Any, send: Any) -> bool:
        """Answer the request and say True, or say False having read nothing of it."""
        headers = self.plain(scope["method"], scope["headers"])
        if headers is None:
            return False
        settings = self.settings
        dataset = None
        if scope["method"] == "GET":
            got = _got_query(scope["query_string"])
            if got is None:
                return False
            text = got
        else:
            content_type = _postable(headers, scope["query_string"], settings.max_body)
            if content_type is None:
                return False
            body = await self._body(scope, receive, send)
            if body is None:
                return True
            posted = _posted_query(content_type, body, ())  # _postable: nothing in the URL
            if isinstance(posted, _Refusal):
                await self._send(send, posted.status, "text/plain", posted.message + "\n")
                return True
            text, dataset = posted
        client = scope["client"][0] if scope.get("client") else "?"
        accept = headers.get(b"accept")
        status, media_type, body, truncated = await self.answer(
            text, client, accept.decode("latin-1") if accept is not None else None, dataset
        )
        await self._send(send, status, media_type, body, truncated)
        return True

    async def _body(self, scope: Any, receive: Any, send: Any) -> bytes | None:
        """The request's body, or None once the refusal is sent: too slow (408), cut short (400)."""
        chunks: list[bytes] = []
        try:
            # The whole body within the limit, its first piece too: a client may declare a length
            # and then send nothing (the header deadline is off once the headers are in).
            async with asyncio.timeout(self.settings.body_timeout):
                message = await receive()
                chunks.append(message.get("body", b""))
                while message["type"] == "http.request" and message.get("more_body"):
                    message = await receive()
                    chunks.append(message.get("body", b""))
        except TimeoutError:
            await self._send(send, 408, "text/plain", _slow_body(self.settings.body_timeout) + "\n")
            return None
        if message["type"] != "http.request":
            _hung_up(scope["client"][0] if scope.get("client") else "?")
            await self._send(send, 400, "text/plain", "the request ended early\n")
            return None
        return b"".join(chunks)

    @staticmethod
    async def _send(
        send: Any, status: int, media_type: str, body: bytes | str, truncated: bool = False
    ) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = _answer_headers(media_type, body, truncated)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _answer_headers(media_type: str, body: bytes, truncated: bool) -> list[tuple[bytes, bytes]]:
    """The headers of an answer of ``media_type``, after the server's own (``server``, ``date``)."""
    content_type = media_type + "; charset=utf-8" if media_type.startswith("text/") else media_type
    headers = [(b"content-type", content_type.encode("latin-1")), (b"content-length", b"%d" % len(body))]
    if truncated:
        headers.append((b"x-careergraph-truncated", b"true"))
    return headers


def _postable(headers: dict[bytes, bytes], query_string: bytes, limit: int) -> bytes | None:
    """The content type of a ``POST`` the fast paths read: a form or ``application/sparql-query`` body
    of a declared length within ``limit``, not in chunks, with nothing in the URL; else None."""
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    declared = headers.get(b"content-length", b"")
    if (
        content_type not in (b"application/sparql-query", b"application/x-www-form-urlencoded")
        or not declared.isdigit()
        or int(declared) > limit
        or b"transfer-encoding" in headers
        or query_string  # parameters beside the body: the full path reads both
    ):
        return None
    return content_type


def _got_query(query_string: bytes) -> str | None:
    """The query in a URL's query string when it is all there is (``query=…``), else None."""
    fields = _fields(query_string)
    if list(fields) != ["query"] or len(fields["query"]) != 1 or not fields["query"][0]:
        return None
    return fields["query"][0]


class _Refusal(NamedTuple):
    status: int
    message: str


def _posted_query(
    content_type: bytes, body: bytes, in_url: Iterable[str]
) -> tuple[str, str | None] | _Refusal:
    """The query in a ``POST`` body of ``content_type`` and the refusal of its dataset parameters, in
    the body or among the URL's parameters ``in_url`` (or None); or the refusal of the request."""
    given = set(in_url)
    if content_type == b"application/sparql-query":
        text = body.decode("utf-8", "replace")
    else:
        form = _form(body)
        if "update" in form:
            return _Refusal(403, _NO_UPDATES)
        if len(form.get("query", [])) > 1:
            return _Refusal(400, _ONE_QUERY)
        given.update(form)
        text = form.get("query", [""])[0]
    if not text:
        return _Refusal(400, _NO_QUERY)
    return text, _dataset_refusal(given)


def _slow_body(timeout: float) -> str:
    return f"the request body took longer than {timeout:g} s to arrive"


def _hung_up(client: str) -> None:
    log.warning("careergraph: %s hung up before sending the whole request", client)


def _fields(query_string: bytes) -> dict[str, list[str]]:
    """A URL's query string's parameters, as Starlette reads them (read only: they may be shared)."""
    if len(query_string) > _REMEMBERED:
        return parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
    return _remembered(query_string, True)


def _form(body: bytes) -> dict[str, list[str]]:
    """A form body's fields, as the full path reads them (read only: they may be shared)."""
    if len(body) > _REMEMBERED:
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return _remembered(body, False)


#: the longest text whose parameters are remembered (256 of them at most: 4 MiB)
_REMEMBERED = 16_384


# Parsed once for each text the clients send (the same queries come back): percent-decoding a
# query in Python costs as much as a tenth of an answer.
@functools.lru_cache(maxsize=256)
def _remembered(text: bytes, url: bool) -> dict[str, list[str]]:
    # Blank values kept, in a form as in a URL: "update=" or "default-graph-uri=" is still asked for.
    decoded = text.decode("latin-1") if url else text.decode("utf-8", "replace")
    return parse_qs(decoded, keep_blank_values=True)


#: refusals both paths say (the full one through ``problem``, which ends the line)
_NO_UPDATES = "updates are not allowed: this endpoint only reads"
_ONE_QUERY = "give one query parameter, not several"
_NO_QUERY = "no query: give it as the query parameter"


class SameOriginMiddleware:
    """Refuse (403) what a web page on another site makes a browser send here.

    A browser names where a request comes from: ``Sec-Fetch-Site`` (every
    current browser, for every request, ``<img>`` and form posts included) and
    ``Origin`` (cross-origin requests and every POST). A request either header
    places on another site is refused; so is a ``Referer`` from another site.
    Clients that are not browsers send none of them and are served.
    """

    def __init__(self, app: Any, allowed_origin: str | None = None) -> None:
        self.app = app
        self.allowed_origin = allowed_origin

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            reason = _cross_site(dict(scope["headers"]), self.allowed_origin, scope.get("method", "GET"))
            if reason is not None:
                from starlette.responses import PlainTextResponse

                log.warning("careergraph: refused a cross-site request (%s)", reason)
                response = PlainTextResponse(f"cross-site requests are refused: {reason}\n", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cross_site(
    headers: dict[bytes, bytes], allowed_origin: str | None = None, method: str = "GET"
) -> str | None:
    """Why a request with ``headers`` comes from another site, or None.

    ``allowed_origin`` (``serve --cors``) is a site whose pages are let in. A
    person following a link from another site (a top-level ``GET``) is let in
    too, as a ``SameSite=Lax`` cookie would be: the explorer's pages are meant
    to be shared, and such a request cannot read the answer back to that site.

    >>> _cross_site({b"host": b"127.0.0.1:7878", b"origin": b"http://127.0.0.1:7878"}) is None
    True
    >>> _cross_site({b"host": b"127.0.0.1:7878", b"origin": b"https://evil.example"})
    'Origin https://evil.example'
    >>> _cross_site({b"host": b"localhost:7878", b"sec-fetch-site": b"cross-site"})
    'Sec-Fetch-Site cross-site'
    >>> _cross_site({b"host": b"localhost:7878", b"origin": b"https://app.example",
    ...     b"sec-fetch-site": b"cross-site"}, "https://app.example") is None
    True
    >>> _cross_site({b"host": b"localhost:7878", b"sec-fetch-site": b"cross-site",
    ...     b"sec-fetch-mode": b"navigate", b"sec-fetch-dest": b"document"}) is None
    True
    >>> _cross_site({b"host": b"localhost:7878", b"sec-fetch-site": b"cross-site",
    ...     b"sec-fetch-mode": b"navigate", b"sec-fetch-dest": b"document"}, None, "POST")
    'Sec-Fetch-Site cross-site'
    >>> _cross_site({b"host": b"localhost:7878", b"origin": b"http://["})
    'Origin http://['
    """
    host = headers.get(b"host", b"").decode("latin-1").lower()
    if allowed_origin and headers.get(b"origin", b"").decode("latin-1").lower() == allowed_origin.lower():
        return None
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    navigating = (
        method in ("GET", "HEAD")
        and headers.get(b"sec-fetch-mode", b"").lower() == b"navigate"
        and headers.get(b"sec-fetch-dest", b"document").lower() == b"document"
    )
    if navigating:
        return None
    if site and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site {site}"
    for name in (b"origin", b"referer"):
        value = headers.get(name)
        if value is None:
            continue
        text = value.decode("latin-1")
        try:
            netloc = urlsplit(text.lower()).netloc
        except ValueError:  # not a URL (``http://[``): no site that is this one
            netloc = None
        if netloc != host or not host:
            return f"{name.decode().title()} {text}"
    return None


def exposure_warning(host: str) -> str | None:
    """A warning for an address other machines can reach, or None for loopback."""
    if host in LOOPBACK or host.startswith("127."):
        return None
    return (
        f"WARNING: serving on {host}, not on loopback: anyone who can reach this address can query the data "
        f"and use this machine's time. Prefer --host 127.0.0.1 behind a proxy."
    )


def _protocol(settings: ServerSettings, app: Any = None) -> Any:
    """uvicorn's HTTP protocol, with a deadline for each request's headers and a cap on connections:
    the one on httptools (llhttp, a C parser) where it is installed, with a fast lane for ``app``'s
    queries proven quick, else the one on h11 (pure Python, several times the processor time a request)."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return _h11_protocol(settings)
    return _httptools_protocol(settings, app if isinstance(app, _FastSparql) else None)


#: the most a request's line and headers may take (h11's own limit, which uvicorn keeps)
_MAX_HEAD = 16 * 1024


#: the longest body the HTTP protocol's fast lane holds (a longer one goes the ASGI way)
_HELD_BODY = 16 * 1024
#: the most requests of one read the fast lane answers (the rest go the ASGI way, in turn)
_LANE_PER_READ = 8


class _Held:
    """A request the HTTP protocol's fast lane may answer: what it needs of the head, the body so far."""

    def __init__(
        self, headers: dict[bytes, bytes], query_string: bytes, content_type: bytes | None, keep_alive: bool
    ) -> None:
        self.headers = headers
        self.query_string = query_string
        self.content_type = content_type  # None for a GET
        self.keep_alive = keep_alive
        self.body = bytearray()
        self.deadline: Any = None  # for the body
        self.refused = False  # refused (408) before its body was whole: the rest is ignored

    def stop(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None


def _httptools_protocol(settings: ServerSettings, fast: _FastSparql | None = None) -> Any:
    import httptools
    from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

    class GuardedHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc]
        """The clock runs from the connection (or the end of the last answer) until a request's
        headers are all in: a client that sends them slowly, or nothing at all, is hung up on.

        With ``fast``, a query a client sends as most do (:meth:`_FastSparql.plain`, in one request
        at a time on the connection) is held here, not handed to the ASGI application, until its body
        is in; if ``fast`` can answer it at once (a query found safe and proven quick on this data),
        the answer is written here, byte for byte as the ASGI path writes it, without the scope, task,
        event and messages that cost as much as the query. Anything else is handed to the ASGI
        application as uvicorn would have handed it, body and all.
        """

        _deadline: Any = None

        _sending: Any = None  # the connection's transport, as uvicorn writes to it (_OneSend)

        def connection_made(self, transport: Any) -> None:
            self._sending = _OneSend(transport, self.loop)
            super().connection_made(self._sending)
            if len(self.connections) > settings.max_connections:
                transport.close()  # over the cap: closed before it costs more than a descriptor
                return
            self._arm()

        _head = 0  # bytes read while a request's headers are awaited
        _headed = False  # a request's head ended in the read at hand
        _lane_answers = 0  # requests of the read at hand the fast lane answered

        def data_received(self, data: bytes) -> None:
            self._headed, self._lane_answers = False, 0
            super().data_received(data)
            self._await_body()
            if self._deadline is None or self.transport.is_closing() or self._headed:
                # The headers are in (or the connection is ending); or a request ended in this read,
                # answered by the fast lane within it, and what of the read is the next head is not
                # told apart: the next read counts (a head grows by reads, each at most 256 KiB).
                return
            # httptools keeps the request line and each header value by appending piece to piece,
            # with no limit: refused past what h11 allowed (16 KiB), as h11 did.
            self._head += len(data)
            if self._head > _MAX_HEAD:
                self._disarm()
                self.send_431()

        def send_431(self) -> None:
            message = b"the request's line and headers are over 16 KiB; send a long query in the body\n"
            self.transport.write(
                b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
                b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(message), message)
            )
            self.transport.close()

        _held: _Held | None = None

        def on_headers_complete(self) -> None:
            self._disarm()
            self._head, self._headed = 0, True
            # A fast-lane answer earlier in this read set uvicorn's keep-alive timer, which only a new
            # read would stop: stopped here, or it would close the connection under this request.
            self._unset_keepalive_if_required()
            self._held = self._candidate()
            if self._held is None:
                super().on_headers_complete()

        def _await_body(self) -> None:
            # Armed only once what arrived leaves a held request's body unfinished, as the ASGI path
            # arms it once its task runs: most requests arrive whole, and need no timer.
            held = self._held
            if held is not None and held.deadline is None and not held.refused:
                held.deadline = self.loop.call_later(settings.body_timeout, self._body_too_slow)

        def _candidate(self) -> _Held | None:
            """What the fast lane needs of the request whose head is in, if it may answer it."""
            try:
                return self._held_if_plain()
            except Exception:  # raised in a parser callback it would end the connection: ASGI decides
                return None

        def _held_if_plain(self) -> _Held | None:
            parser = self.parser
            if (
                fast is None
                or parser.get_http_version() != "1.1"
                or parser.should_upgrade()
                or self.expect_100_continue
                or self.root_path
                or not (self.cycle is None or self.cycle.response_complete)  # one before it is unanswered
                or self.flow.write_paused  # the client is not reading: the ASGI path waits for it
                or self._over_limit()
                or (self.access_log and self.access_logger.isEnabledFor(logging.INFO))
                # One read holding many requests is answered a few at a time: the loop's other
                # connections and timers get their turn (the rest wait in uvicorn's pipeline).
                or self._lane_answers >= _LANE_PER_READ
            ):
                return None
            url = httptools.parse_url(self.url)
            if url.path != b"/sparql":
                return None
            method = parser.get_method().decode("ascii")
            headers = fast.plain(method, self.headers)
            if headers is None:
                return None
            query_string = url.query or b""
            content_type = None
            if method == "POST":
                content_type = _postable(headers, query_string, min(_HELD_BODY, settings.max_body))
                if content_type is None:
                    return None
            elif b"content-length" in headers or b"transfer-encoding" in headers:
                return None  # a GET with a body: uvicorn reads it past the answer
            return _Held(headers, query_string, content_type, parser.should_keep_alive())

        def _over_limit(self) -> bool:
            # uvicorn's own test in on_headers_complete, past which it answers 503
            limit = self.limit_concurrency
            return limit is not None and (len(self.connections) >= limit or len(self.tasks) >= limit)

        def on_body(self, body: bytes) -> None:
            if self._held is None:
                super().on_body(body)
            elif not self._held.refused:
                self._held.body += body  # within _HELD_BODY: llhttp reads no further than the length

        def on_message_complete(self) -> None:
            held, self._held = self._held, None
            if held is None:
                super().on_message_complete()
                return
            held.stop()
            if held.refused:
                return
            try:
                answer = self._at_once(held)
            except Exception:  # the ASGI path answers it (500) and logs why
                answer = None
            if answer is None:
                self._hand_over(held, more_body=False)
            else:
                self._lane_answers += 1
                self._respond(held, *answer)

        def _at_once(self, held: _Held) -> tuple[int, str, bytes, bool] | None:
            """The answer to ``held`` when the fast lane can give it at once, else None."""
            assert fast is not None  # a request is held only with it
            dataset = None
            if held.content_type is None:
                text = _got_query(held.query_string)
                if text is None:
                    return None
            else:
                posted = _posted_query(held.content_type, bytes(held.body), ())
                if isinstance(posted, _Refusal):
                    return None  # refused as the ASGI path refuses it, by that path
                text, dataset = posted
            accept = held.headers.get(b"accept")
            return fast.at_once(text, accept.decode("latin-1") if accept is not None else None, dataset)  # type: ignore[no-any-return]

        def _hand_over(self, held: _Held, *, more_body: bool) -> None:
            """Hand ``held`` to the ASGI application as uvicorn does, with its body so far."""
            super().on_headers_complete()
            self.cycle.body += held.body
            self.cycle.more_body = more_body
            self.cycle.message_event.set()

        def _respond(self, held: _Held, status: int, media_type: str, body: bytes, truncated: bool) -> None:
            """Write the answer in one send, as uvicorn writes what :meth:`_FastSparql._send` sends."""
            head = [STATUS_LINE[status]]
            for name, value in (
                *self.server_state.default_headers,
                *_answer_headers(media_type, body, truncated),
            ):
                head += (name, b": ", value, b"\r\n")
            if not held.keep_alive:
                head.append(b"connection: close\r\n")
            head += (b"\r\n", body)
            self._sending.send(b"".join(head))
            if not held.keep_alive:
                self.transport.close()
            self.on_response_complete()

        def _body_too_slow(self) -> None:
            held = self._held
            assert held is not None  # the deadline is stopped when the request ends
            held.deadline = None
            held.refused = True
            self._respond(held, 408, "text/plain", (_slow_body(settings.body_timeout) + "\n").encode(), False)

        def shutdown(self) -> None:
            held = self._held
            if held is not None and not held.refused:  # the ASGI path finishes it, then the connection ends
                self._held = None
                held.stop()
                self._hand_over(held, more_body=True)
            super().shutdown()

        def on_response_complete(self) -> None:
            self._sending.flush()  # the answer is whole: it leaves now, in one send
            super().on_response_complete()
            if not self.pipeline and not self.transport.is_closing():
                self._arm()  # waiting for the next request's headers (none is queued)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            held, self._held = self._held, None
            if held is not None:
                held.stop()
                if not held.refused:
                    _hung_up(self.client[0] if self.client else "?")
            super().connection_lost(exc)

        def _arm(self) -> None:
            if self._deadline is None:
                self._deadline = self.loop.call_later(settings.header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                self.transport.close()

    return GuardedHttpToolsProtocol


class _OneSend:
    """A connection's transport that holds what is written until the answer is whole (or, for
    anything written outside an answer, until the event loop's next turn), then sends it at once.

    uvicorn writes an answer's status line and headers, then its body: two
    sends, two packets, and a client that wakes for each. Joined, an answer
    is one send and one wake-up.
    """

    def __init__(self, transport: Any, loop: Any) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)

    def send(self, data: bytes) -> None:
        """Send ``data`` now, after what is held (a whole answer)."""
        self._held.append(data)
        self.flush()

    def flush(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def writelines(self, pieces: Any) -> None:
        for piece in pieces:
            self.write(piece)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def write_eof(self) -> None:
        self.flush()  # what was written goes before the end, as it would have
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._held.clear()  # an abort drops what is unsent, as the transport's own does
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:  # the rest (flow control, extra info) as the transport's
        return getattr(self._transport, name)


def _h11_protocol(settings: ServerSettings) -> Any:
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):  # type: ignore[misc]
        _deadline: Any = None

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if len(self.connections) > settings.max_connections:
                transport.close()  # over the cap: closed before it costs more than a descriptor
                return
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            super().connection_lost(exc)

        def _arm(self) -> None:
            """Start the clock while a request's headers are awaited; stop it once they are in."""
            waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
            if waiting and self._deadline is None:
                self._deadline = self.loop.call_later(settings.header_timeout, self._too_slow)
            elif not waiting and self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11Protocol


def run_server(
    session: Session, settings: ServerSettings, *, host: str, port: int, processes: int = 1
) -> None:
    """Serve ``session`` (its store and explorer) on ``host:port`` until interrupted, with the limits
    of ``settings``.

    With ``processes`` above 1, that many server processes answer on the one
    port: the socket is opened here and each forked process accepts from it
    (the kernel hands each connection to one of them), with its own event
    loop, query workers and safety checker. One Python event loop tops out
    near a thousand requests a second whatever the engine does; several
    share the machine's cores.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    logging.basicConfig(format="%(message)s")
    if processes <= 1:
        _serve_on(session, settings, host=host, port=port, sockets=None)
        return
    _serve_forked(session, settings, host=host, port=port, processes=processes)


def _serve_on(session: Session, settings: ServerSettings, *, host: str, port: int, sockets: Any) -> None:
    import uvicorn

    app = create_app(session, settings=settings)
    import gc

    # What is loaded by now lives as long as the server: the collector need not walk it again and
    # again (its passes over every object were a few per cent of a request's processor time).
    gc.freeze()
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=_protocol(settings, app),
        timeout_keep_alive=5,
        limit_concurrency=settings.max_connections,
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises Ctrl-C again once it has shut down
        uvicorn.Server(config).run(sockets=sockets)


def _leave(_signum: int, _frame: Any) -> None:
    raise SystemExit(0)


def _serve_forked(
    session: Session, settings: ServerSettings, *, host: str, port: int, processes: int
) -> None:
    """``processes`` server processes answering on one port (:func:`_listeners`); ended together."""
    import signal
    import sys

    listeners = _listeners(host, port, processes)
    session.store.prepare()  # open the store once: every server process shares it
    children: list[int] = []
    parent = os.getpid()
    for listener in listeners:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # a server process never returns to the command's code
            # uvicorn raises the signal that stopped it again once it has shut down: leave through
            # the finally below, not the default handler, so the query workers end with this process.
            signal.signal(signal.SIGTERM, _leave)
            from .query.workers import die_with_parent

            die_with_parent(parent)  # a parent killed outright takes its server processes along
            code = 0
            for other in listeners:
                if other is not listener:
                    other.close()  # the kernel would queue connections for it that nobody accepts
            try:
                _serve_on(session, settings, host=host, port=port, sockets=[listener])
            except SystemExit as leaving:  # _leave's 0, or uvicorn's own status when it cannot start
                code = leaving.code if isinstance(leaving.code, int) else 1
            except BaseException as error:  # said in a line; the parent stops the others
                sys.stderr.write(f"Error: server process {os.getpid()}: {type(error).__name__}: {error}\n")
                code = 1
            finally:
                import atexit

                atexit._run_exitfuncs()  # its query workers and checker are killed and reaped
                os._exit(code)
        children.append(pid)
    for listener in listeners:
        listener.close()

    def end(_signum: int, _frame: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, end)
    failed = _wait_for(children, end)
    if failed:
        how = f"was killed by signal {-failed}" if failed < 0 else f"ended with status {failed}"
        raise CareergraphError(f"a server process {how}: the others were stopped")


def _listeners(host: str, port: int, count: int) -> list[Any]:
    """``count`` sockets listening on ``host:port``, one a server process: with ``SO_REUSEPORT`` the
    kernel spreads new connections over them, where on one shared socket the first process awake
    accepts every connection waiting (eight clients arriving together went all to one process in a
    run of five, and it did the work of two). Without ``SO_REUSEPORT``, one socket shared by all."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    shared = not hasattr(socket, "SO_REUSEPORT")
    listeners = []
    try:
        for _ in range(1 if shared else count):
            # IPPROTO_TCP spelt out: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets
            # that say so, and a reply written in two parts would otherwise wait for the client's ACK.
            listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            listeners.append(listener)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if not shared:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            listener.bind((host, port))
            listener.listen(2048)
    except OSError as error:
        for listener in listeners:
            listener.close()
        raise CareergraphError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listeners * count if shared else listeners


def _wait_for(children: list[int], end: Any) -> int:
    """Wait for every server process; when one ends on its own with a failure, stop the others
    (the port would quietly lose a server). The first failure's status (minus the signal that
    killed it), or 0."""
    import signal

    failed, left = 0, set(children)
    while left:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except KeyboardInterrupt:  # Ctrl-C reached every process of the group: each ends on its own
            end(signal.SIGINT, None)
            continue
        if pid not in left:
            continue
        left.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code != 0 and not failed:
            failed = code
            end(signal.SIGTERM, None)
    return failed


def _dataset_refusal(given: Any) -> str | None:
    """Why a request naming the parameters ``given`` cannot be served, or None."""
    names = [name for name in ("default-graph-uri", "named-graph-uri") if name in given]
    if names:
        return (
            f"{names[0]} is not supported: this endpoint serves one default graph "
            "(the loaded data) and no named graphs; send the query without it"
        )
    return None


def service_description(endpoint: str) -> Any:
    """The SPARQL 1.1 Service Description of this endpoint, as an rdflib graph."""
    from rdflib import BNode, Graph, Namespace, URIRef
    from rdflib.namespace import RDF

    sd = Namespace("http://www.w3.org/ns/sparql-service-description#")
    formats = Namespace("http://www.w3.org/ns/formats/")
    graph = Graph()
    graph.bind("sd", sd)
    graph.bind("format", formats)
    service = URIRef(endpoint.split("?")[0])
    graph.add((service, RDF.type, sd.Service))
    graph.add((service, sd.endpoint, service))
    graph.add((service, sd.supportedLanguage, sd.SPARQL11Query))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):  # fmt: skip
        graph.add((service, sd.resultFormat, formats[name]))
    dataset = BNode()
    default = BNode()
    graph.add((service, sd.defaultDataset, dataset))
    graph.add((dataset, RDF.type, sd.Dataset))
    graph.add((dataset, sd.defaultGraph, default))
    graph.add((default, RDF.type, sd.Graph))
    return graph


def _serialise_graph(graph: Any, media_type: str) -> bytes:
    return graph.serialize(format=GRAPH_TYPES[media_type]).encode("utf-8")  # type: ignore[no-any-return]


def _wants_page(request: Any) -> bool:
    """A browser opening ``/sparql`` with no query gets the query page; protocol requests are unchanged."""
    if request.method != "GET" or "query" in request.query_params or "update" in request.query_params:
        return False
    offered = ["application/sparql-results+json", "text/html"]
    return choose_type(request.headers.get("accept"), offered) == "text/html"


def _serialise(output: Any, media_type: str) -> bytes:
    from .query.results import format_output

    if output.kind in ("SELECT", "ASK"):
        return format_output(output, RESULT_TYPES[media_type]).encode("utf-8")
    return _serialise_graph(output.to_result().graph, media_type)
