"""``careergraph serve``: a read-only SPARQL 1.1 Protocol endpoint over the loaded data.

Built on Starlette (routing, requests, the trusted-host check) served by
uvicorn: both small, typed and well kept, and the ASGI pair most Python web
services run on. Queries run in a pool of worker processes forked before the
server starts (:class:`careergraph.sparql.WorkerPool`), as on the command line,
so a runaway query is killed at the time limit, its worker replaced, and the
server keeps serving.

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
    #: worker processes running queries side by side
    workers: int = 4
    #: an origin whose pages may read answers (CORS); None: no cross-origin reads
    cors: str | None = None


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
        dataset = _dataset_problem(request)
        if dataset is not None:
            return problem(400, dataset)
        kind = checked.form
        offered = list(RESULT_TYPES if kind in ("SELECT", "ASK") else _GRAPH_OFFERED)
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
        if request.method in ("GET", "HEAD"):
            if "update" in request.query_params:
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            if len(request.query_params.getlist("query")) > 1:
                return "", problem(400, "give one query parameter, not several")
            text = request.query_params.get("query")
            if not text and "query" not in request.query_params:
                return "", _service_description(request)
        else:
            content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type == "application/sparql-update":
                return "", problem(403, "updates are not allowed: this endpoint only reads")
            if content_type == "application/sparql-query":
                text = (await request.body()).decode("utf-8", "replace")
            elif content_type == "application/x-www-form-urlencoded":
                form = parse_qs((await request.body()).decode("utf-8", "replace"))
                request.state.form = form  # for the dataset parameters
                if "update" in form:
                    return "", problem(403, "updates are not allowed: this endpoint only reads")
                if len(form.get("query", [])) > 1:
                    return "", problem(400, "give one query parameter, not several")
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

    def _service_description(request: Request) -> Response:
        media_type = choose_type(request.headers.get("accept"), ["text/html", *_GRAPH_OFFERED])
        if media_type is None or media_type == "text/html":
            return problem(400, "no query: give it as the query parameter")
        body = _serialise_graph(service_description(str(request.url)), media_type)
        return Response(body, media_type=media_type)

    from .explorer import explorer_routes

    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)]
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
    return Starlette(
        routes=[*explorer_routes(store), Route("/sparql", sparql, methods=["GET", "POST"])],
        middleware=middleware,
    )


def _dataset_problem(request: Any) -> str | None:
    """Why the request's RDF dataset cannot be served, or None: the data is one default graph."""
    given = set(request.query_params) | set(getattr(request.state, "form", {}))
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
    from .results import format_output

    if output.kind in ("SELECT", "ASK"):
        return format_output(output, RESULT_TYPES[media_type]).encode("utf-8")
    return _serialise_graph(output.to_result().graph, media_type)
