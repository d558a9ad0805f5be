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
- ``GET /sparql`` with no query, from a browser (``Accept: text/html``), is a
  page to type a query and see the answer (no CDN);
- every other page is the career explorer (:mod:`careergraph.explorer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs

from .errors import CareergraphError, QuerySyntaxError, QueryTimeoutError, UnsafeQueryError
from .sparql import check_query

__all__ = ["ServerSettings", "choose_type", "create_app"]

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
    #: worker processes running queries side by side
    workers: int = 4


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


def create_app(store: Any, *, settings: ServerSettings | None = None) -> Any:
    """The ASGI application answering SPARQL over ``store`` (a :class:`careergraph.stores.Store`)."""
    import anyio.to_thread
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, PlainTextResponse, Response
    from starlette.routing import Route

    settings = settings or ServerSettings()
    pool = store.workers(settings.workers)
    pool.start()  # fork the workers now, before the server starts threads

    def problem(status: int, message: str) -> Response:
        return PlainTextResponse(message + "\n", status_code=status)

    async def sparql(request: Request) -> Response:
        if _wants_page(request):
            return await page(request)
        text, refusal = await _query_text(request)
        if refusal is not None:
            return refusal
        try:
            checked = check_query(text)
        except UnsafeQueryError as error:
            return problem(403, str(error))
        except QuerySyntaxError as error:
            return problem(400, str(error))
        kind = checked.form
        offered = list(RESULT_TYPES if kind in ("SELECT", "ASK") else GRAPH_TYPES)
        media_type = choose_type(request.headers.get("accept"), offered)
        if media_type is None:
            return problem(406, f"none of the answer's types is acceptable: {', '.join(offered)}")
        try:
            output = await anyio.to_thread.run_sync(
                pool.run, checked, {}, settings.max_rows, settings.timeout, "request"
            )
        except QueryTimeoutError:
            return problem(503, f"the query was stopped after {settings.timeout:g} s")
        except CareergraphError as error:
            return problem(400, str(error))
        body = _serialise(output, media_type)
        headers = {"X-Careergraph-Truncated": "true"} if output.truncated else {}
        return Response(body, media_type=media_type, headers=headers)

    async def _query_text(request: Request) -> tuple[str, Response | None]:
        if request.method == "GET":
            if "update" in request.query_params:
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            text = request.query_params.get("query")
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == "application/sparql-update":
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            if content_type == "application/sparql-query":
                text = (await request.body()).decode("utf-8", "replace")
            elif content_type == "application/x-www-form-urlencoded":
                form = parse_qs((await request.body()).decode("utf-8", "replace"))
                if "update" in form:
                    return "", problem(403, "updates are not allowed: this endpoint only reads")
                text = form.get("query", [""])[0]
            else:
                return "", problem(
                    415, f"send the query as a form field or application/sparql-query, not {content_type!r}"
                )
        if not text:
            return "", problem(400, "no query: give it as the query parameter")
        return text, None

    page_html = (files("careergraph") / "templates" / "sparql.html").read_text(encoding="utf-8")

    async def page(_request: Request) -> Response:
        return HTMLResponse(page_html)

    from .explorer import explorer_routes

    return Starlette(
        routes=[*explorer_routes(store), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)],
    )


def _wants_page(request: Any) -> bool:
    """A browser opening ``/sparql`` with no query gets the query page; protocol requests are unchanged."""
    if request.method != "GET" or "query" in request.query_params or "update" in request.query_params:
        return False
    offered = ["application/sparql-results+json", "text/html"]
    return choose_type(request.headers.get("accept"), offered) == "text/html"


def _serialise(output: Any, media_type: str) -> bytes:
    from .results import format_output

    if media_type in RESULT_TYPES:
        return format_output(output, RESULT_TYPES[media_type]).encode("utf-8")
    graph = output.to_result().graph
    return graph.serialize(format=GRAPH_TYPES[media_type]).encode("utf-8")
