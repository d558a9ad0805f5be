"""``careergraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the loaded data.

Built on Starlette (routing, requests, the trusted-host check) served by
uvicorn: both small, typed and well kept, and the ASGI pair most Python web
services run on. Queries run in a pool of worker processes forked before the
server starts (:class:`careergraph.sparql.WorkerPool`), as on the command line,
so a runaway query is killed at the time limit, its worker replaced, and the
server keeps serving.

- ``GET /sparql?query=…``, ``POST /sparql`` with a form field ``query`` or an
  ``application/sparql-query`` body;
- answers in SPARQL JSON, XML, CSV or TSV (SELECT, ASK) and Turtle or
  N-Triples (CONSTRUCT, DESCRIBE), chosen from the ``Accept`` header with its
  q-values (406 when nothing offered is acceptable);
- updates are 403, ``SERVICE``/``LOAD``/``FROM`` 403 with the reason, a query
  that does not parse 400 with the parser's message, one past the time limit
  503; at most ``max_rows`` rows, and a cut answer says so in the
  ``X-Careergraph-Truncated`` header;
- ``GET /`` is a page to type a query and see the answer (no CDN).
"""

from __future__ import annotations

import collections
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import (
    CareergraphError,
    QueryMemoryError,
    QuerySyntaxError,
    QueryTimeoutError,
    UnsafeQueryError,
)
from .sparql import check_query

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
}
GRAPH_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "text/plain": "nt"}


@dataclass
class ServerSettings:
    """How the endpoint behaves."""

    allowed_hosts: list[str] = field(default_factory=lambda: ["127.0.0.1", "localhost", "[::1]"])
    timeout: float = 10.0
    max_rows: int = 10_000
    #: worker processes running queries side by side (the fast lane)
    workers: int = 4
    #: worker processes for queries that overran ``fast_budget`` once (the slow lane)
    slow_workers: int = 2
    #: seconds a query may take in the fast lane; past it, it is run again in the slow lane
    fast_budget: float = 0.1
    #: slow queries that may wait for a slow worker; more get 503 at once
    slow_queue: int = 8
    #: largest request body, in bytes (413 beyond)
    max_body: int = 1_000_000
    #: seconds to send a request's headers, and its body (the connection is closed / 408)
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    #: open connections at most; more are closed as they arrive
    max_connections: int = 256
    #: bytes a worker may map beyond what it holds when forked (503 beyond); None: no cap
    memory_cap: int | None = 1 << 30


def choose_type(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header likes best (q-values, wildcards), or None.

    >>> choose_type("text/csv;q=0.5, application/sparql-results+xml", ["application/sparql-results+json",
    ...     "application/sparql-results+xml", "text/csv"])
    'application/sparql-results+xml'
    >>> choose_type("text/*;q=0.8, */*;q=0.1", ["application/sparql-results+json", "text/csv"])
    'text/csv'
    >>> choose_type("image/png", ["text/csv"]) is None
    True
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media, quality, position))

    def quality(media_type: str) -> float:
        # The most specific range that matches decides: exact, then type/*, then */*.
        main = media_type.split("/")[0]
        matches = []
        for media, q, _position in ranges:
            specificity = {media_type: 2, f"{main}/*": 1, "*/*": 0}.get(media)
            if specificity is not None:
                matches.append((specificity, q))
        return max(matches)[1] if matches else 0.0

    scored = [(quality(t), -i, t) for i, t in enumerate(offered)]
    best = max(scored)
    return best[2] if best[0] > 0 else None


class Lanes:
    """Two pools of worker processes, so that slow queries cannot starve fast ones.

    Every query starts in the fast lane with a short budget. One that overruns
    it is stopped there (its worker forked again at once) and run again in the
    slow lane, which has its own few workers and a short queue; its text is
    remembered, so the next time it goes to the slow lane straight away. The
    fast lane thus only ever holds a query for its budget.
    """

    def __init__(self, store: Any, settings: ServerSettings) -> None:
        import anyio

        from .sparql import WorkerPool

        options = {"memory_cap": settings.memory_cap, "close_sockets": True}
        self.settings = settings
        self.fast = WorkerPool(store, settings.workers, **options)
        self.slow = WorkerPool(store, settings.slow_workers, **options)
        self.fast_limit = anyio.CapacityLimiter(settings.workers)
        self.slow_slots = anyio.Semaphore(settings.slow_workers)
        self.slow_limit = anyio.CapacityLimiter(settings.slow_workers)
        self.check_limit = anyio.CapacityLimiter(1)  # rdflib's parser is one at a time
        self.slow_texts: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self.waiting = 0

    def start(self) -> None:
        """Fork every worker now, before the server opens its socket or starts threads."""
        self.fast.start()
        self.slow.start()

    def renew(self) -> None:
        self.fast.renew()
        self.slow.renew()

    def _remember(self, key: bytes) -> None:
        self.slow_texts[key] = None
        self.slow_texts.move_to_end(key)
        while len(self.slow_texts) > 1024:
            self.slow_texts.popitem(last=False)

    def _fast(self, checked: Any, limit: int) -> Any:
        try:
            budget = min(self.settings.fast_budget, self.settings.timeout)
            return self.fast.run(checked, {}, limit, budget, "request")
        except QueryTimeoutError:
            self.fast.refill()  # the stopped worker is forked again by this slow query, not the next one
            return None

    async def run(self, checked: Any) -> Any:
        """The answer to ``checked``, within the time limit (:class:`QueryTimeoutError` otherwise)."""
        import anyio.to_thread

        settings = self.settings
        started = time.monotonic()
        key = hashlib.sha256(checked.text.encode()).digest()
        if key not in self.slow_texts:
            output = await anyio.to_thread.run_sync(
                self._fast, checked, settings.max_rows, limiter=self.fast_limit
            )
            if output is not None:
                return output
            self._remember(key)
        if self.waiting >= settings.slow_queue:
            raise Busy("too many slow queries are waiting; try again later")
        self.waiting += 1
        try:
            with anyio.fail_after(max(0.0, settings.timeout - (time.monotonic() - started))):
                await self.slow_slots.acquire()
        except TimeoutError:
            raise QueryTimeoutError(f"the query was stopped after {settings.timeout:g} s") from None
        finally:
            self.waiting -= 1
        try:
            left = max(0.01, settings.timeout - (time.monotonic() - started))
            return await anyio.to_thread.run_sync(
                self.slow.run, checked, {}, settings.max_rows, left, "request", limiter=self.slow_limit
            )
        finally:
            self.slow_slots.release()


class Busy(CareergraphError):
    """The server has no room for this query now."""


def _watch_data(store: Any, lanes: Lanes) -> Any:
    """A function that, called before each query, notices a ``careergraph load`` that replaced the
    store's data, and has the workers reopen it (at most one look a second)."""
    path = getattr(store, "path", None)
    if path is None or not hasattr(store, "reopen"):
        return lambda: None

    def identity() -> tuple[int, int] | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        return (status.st_ino, status.st_mtime_ns)

    state = {"seen": identity(), "looked": time.monotonic()}
    lock = threading.Lock()

    def check() -> None:
        now = time.monotonic()
        if now - state["looked"] < 1.0 or not lock.acquire(blocking=False):
            return
        try:
            state["looked"] = now
            current = identity()
            if current is not None and current != state["seen"]:
                state["seen"] = current
                log.warning("careergraph: the data at %s was replaced: reopening it", path)
                store.reopen()
                lanes.renew()
        finally:
            lock.release()

    return check


def create_app(store: Any, *, settings: ServerSettings | None = None) -> Any:
    """The ASGI application answering SPARQL over ``store`` (a :class:`careergraph.stores.Store`)."""
    import anyio
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    settings = settings or ServerSettings()
    lanes = Lanes(store, settings)
    lanes.start()  # fork the workers now, before the server starts threads
    data_changed = _watch_data(store, lanes)

    def problem(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

    async def sparql(request: Request) -> Response:
        try:
            text, refusal = await _query_text(request)
        except ClientDisconnect:
            client = request.client.host if request.client else "?"
            log.warning("careergraph: %s hung up before sending the whole request", client)
            return problem(400, "the request ended early")
        if refusal is not None:
            return refusal
        try:
            # Off the event loop: a large query takes a while to parse.
            checked = await anyio.to_thread.run_sync(check_query, text, limiter=lanes.check_limit)
        except UnsafeQueryError as error:
            return problem(403, str(error))
        except QuerySyntaxError as error:
            return problem(400, str(error))
        kind = checked.form
        offered = list(RESULT_TYPES if kind in ("SELECT", "ASK") else GRAPH_TYPES)
        media_type = choose_type(request.headers.get("accept"), offered)
        if media_type is None:
            return problem(406, f"none of the answer's types is acceptable: {', '.join(offered)}")
        data_changed()
        try:
            output = await lanes.run(checked)
        except QueryTimeoutError:
            return problem(503, f"the query was stopped after {settings.timeout:g} s")
        except QueryMemoryError:
            cap = (settings.memory_cap or 0) // 2**20
            log.warning("careergraph: a query was stopped at the %d MiB memory cap", cap)
            return problem(503, f"the query was stopped: it needed more than the {cap} MiB a query may use")
        except Busy as error:
            return problem(503, str(error))
        except CareergraphError as error:
            return problem(400, str(error))
        body = _serialise(output, media_type)
        headers = {"X-Careergraph-Truncated": "true"} if output.truncated else {}
        return Response(body, media_type=media_type, headers=headers)

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
            return problem(408, f"the request body took longer than {settings.body_timeout:g} s to arrive")
        return b"".join(chunks)

    async def _query_text(request: Request) -> tuple[str, Response | None]:
        if request.method in ("GET", "HEAD"):
            if "update" in request.query_params:
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            text = request.query_params.get("query")
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == "application/sparql-update":
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            if content_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
                return "", problem(
                    415, f"send the query as a form field or application/sparql-query, not {content_type!r}"
                )
            body = await _body(request)
            if isinstance(body, Response):
                return "", body
            if content_type == "application/sparql-query":
                text = body.decode("utf-8", "replace")
            else:
                form = parse_qs(body.decode("utf-8", "replace"))
                if "update" in form:
                    return "", problem(403, "updates are not allowed: this endpoint only reads")
                text = form.get("query", [""])[0]
        if not text:
            return "", problem(400, "no query: give it as the query parameter")
        return text, None

    page_html = (files("careergraph") / "templates" / "sparql.html").read_text(encoding="utf-8")

    async def page(_request: Request) -> Response:
        return HTMLResponse(page_html)

    return Starlette(
        routes=[Route("/", page), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=[
            Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts),
            Middleware(SameOriginMiddleware),
        ],
    )


class SameOriginMiddleware:
    """Refuse (403) what a web page on another site makes a browser send here.

    A browser names where a request comes from: ``Sec-Fetch-Site`` (every
    current browser, for every request, ``<img>`` and form posts included) and
    ``Origin`` (cross-origin requests and every POST). A request either header
    places on another site is refused; so is a ``Referer`` from another site.
    Clients that are not browsers send none of them and are served.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            reason = _cross_site(dict(scope["headers"]))
            if reason is not None:
                from starlette.responses import PlainTextResponse

                log.warning("careergraph: refused a cross-site request (%s)", reason)
                response = PlainTextResponse(f"cross-site requests are refused: {reason}\n", status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _cross_site(headers: dict[bytes, bytes]) -> str | None:
    """Why a request with ``headers`` comes from another site, or None.

    >>> _cross_site({b"host": b"127.0.0.1:7878", b"origin": b"http://127.0.0.1:7878"}) is None
    True
    >>> _cross_site({b"host": b"127.0.0.1:7878", b"origin": b"https://evil.example"})
    'Origin https://evil.example'
    >>> _cross_site({b"host": b"localhost:7878", b"sec-fetch-site": b"cross-site"})
    'Sec-Fetch-Site cross-site'
    """
    host = headers.get(b"host", b"").decode("latin-1").lower()
    site = headers.get(b"sec-fetch-site", b"").decode("latin-1").lower()
    if site and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site {site}"
    for name in (b"origin", b"referer"):
        value = headers.get(name)
        if value is None:
            continue
        text = value.decode("latin-1")
        if urlsplit(text.lower()).netloc != host or not host:
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


def _protocol(settings: ServerSettings) -> Any:
    """uvicorn's h11 protocol, with a deadline for the request's headers and a cap on connections."""
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


def run_server(store: Any, settings: ServerSettings, *, host: str, port: int) -> None:
    """Serve ``store`` on ``host:port`` until interrupted, with the limits of ``settings``."""
    import resource

    import uvicorn

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
    logging.basicConfig(format="%(message)s")
    app = create_app(store, settings=settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        http=_protocol(settings),
        timeout_keep_alive=5,
        limit_concurrency=settings.max_connections,
    )


def _serialise(output: Any, media_type: str) -> bytes:
    from .results import format_output

    if media_type in RESULT_TYPES:
        return format_output(output, RESULT_TYPES[media_type]).encode("utf-8")
    graph = output.to_result().graph
    return graph.serialize(format=GRAPH_TYPES[media_type]).encode("utf-8")
