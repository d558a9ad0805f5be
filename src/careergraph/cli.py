"""The ``careergraph`` command: a thin click layer over the library.

Each command parses its options, calls library functions and prints. Library
errors (:class:`careergraph.errors.CareergraphError`) become a one-line
``Error: …`` and the error's exit status (1 for bad data or no answer, 2 for
words the user has to change). Heavy libraries are imported inside the
commands that need them, so ``careergraph --help`` starts fast.
"""

from __future__ import annotations

import atexit
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import CareergraphError
from .session import Session

if TYPE_CHECKING:
    from pathlib import Path


F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """A library error, shown as ``Error: message`` with the error's exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        # click's stubs declare exit_code a ClassVar, but click reads it from the instance.
        self.exit_code = exit_code  # type: ignore[misc]


@contextmanager
def reported() -> Iterator[None]:
    """Turn careergraph's errors into click's, with their exit status."""
    try:
        yield
    except CareergraphError as error:
        raise Failure(str(error), error.exit_code) from error
    except OSError as error:  # a full disk, a folder that is a file, …: said in a line, not a traceback
        where = f"{error.filename}: " if error.filename else ""
        raise Failure(f"{where}{error.strerror or error}") from error


def reports_errors(command: F) -> F:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with reported():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class CommandSession(Session):
    """The CLI's :class:`careergraph.session.Session`: an unknown ``--have`` skill is a warning on stderr."""

    def skills(self, names: Iterable[str], warn: Callable[[str], None] | None = None) -> frozenset[str]:
        return super().skills(names, warn or (lambda message: click.echo(message, err=True)))


pass_context = click.make_pass_decorator(CommandSession)


class PathType(click.Path):
    """``click.Path`` giving a ``pathlib.Path``, imported when an option is used, not when --help is."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import os
        from pathlib import Path

        return Path(os.fsdecode(super().convert(value, param, ctx)))


def _split_data(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[Path, ...]:
    from pathlib import Path

    # click reads CAREERGRAPH_DATA as one string; split it on os.pathsep like PATH.
    paths: list[Path] = []
    for item in value:
        paths.extend(Path(p) for p in item.split(os.pathsep) if p)
    return tuple(paths)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--data",
    "data",
    multiple=True,
    envvar="CAREERGRAPH_DATA",
    callback=_split_data,
    metavar="PATH",
    help="A Turtle file or a folder of them to load instead of the shipped data and the importer's output "
    "(repeatable; also CAREERGRAPH_DATA, paths separated by the OS path separator).",
)
@click.option(
    "--store",
    envvar="CAREERGRAPH_STORE",
    metavar="STORE",
    help="Where the triples live: embedded (default: an Oxigraph store kept in the cache folder, "
    "rebuilt when the Turtle files change), memory (the Turtle files parsed by rdflib), "
    "oxigraph:PATH (an on-disk store filled by `careergraph load`) or sparql:URL "
    "(any SPARQL 1.1 endpoint). Also CAREERGRAPH_STORE.",
)
@click.version_option(package_name="careergraph")
@click.pass_context
def main(ctx: click.Context, data: tuple[Path, ...], store: str | None) -> None:
    """A knowledge graph of career transitions in data and ML work.

    Roles, skills, tools, guests and podcast episodes as RDF, with timestamped
    episode segments as evidence for every claim.
    """
    ctx.obj = CommandSession(data, store)


# --- queries -------------------------------------------------------------------


@main.command("queries")
@reports_errors
def queries_command() -> None:
    """List the named queries with what they answer and their parameters."""
    from .data import shipped_dir
    from .query.catalogue import list_queries

    for query in list_queries(shipped_dir("queries")):
        params = " ".join(f"{p.name}={p.kind.upper()}" for p in query.params)
        click.echo(f"{query.name}{' ' + params if params else ''}")
        click.echo(f"    {query.description}")


@main.command("query")
@click.argument("query_spec", metavar="QUERY")
@click.option(
    "-p",
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A value for one of the query's parameters (repeatable). Labels of roles, "
    "skills, tools and guests are matched case-insensitively.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "xml"]),
    default="table",
    show_default=True,
    help="table for people; csv, tsv, json and xml are the W3C SPARQL 1.1 results formats.",
)
@click.option("--limit", type=click.IntRange(min=0), help="Return at most this many rows.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Stop the query after this many seconds.",
)
@pass_context
@reports_errors
def query_command(
    context: CommandSession,
    query_spec: str,
    params: tuple[str, ...],
    fmt: str,
    limit: int | None,
    timeout: float,
) -> None:
    """Run a SPARQL query: a name from `careergraph queries`, a path to an .rq file, or - (stdin).

    Queries are read-only: updates, LOAD, SERVICE and FROM are refused before
    anything runs.
    """
    from .data import shipped_dir
    from .query.catalogue import find_query, parse_param_options

    stdin_text = sys.stdin.read() if query_spec == "-" else None
    query = find_query(query_spec, shipped_dir("queries"), stdin_text=stdin_text)
    answer = context.write(query, fmt, parse_param_options(params), limit=limit, timeout=timeout)
    click.echo(answer, nl=False)


# --- validate ------------------------------------------------------------------


@main.command("validate")
@click.option(
    "--shapes",
    type=PathType(exists=True, dir_okay=False),
    help="SHACL shapes to check against (default: the shipped graph_data/shapes.ttl).",
)
@pass_context
@reports_errors
def validate_command(context: CommandSession, shapes: Path | None) -> None:
    """Check the loaded data against the SHACL shapes; exit 1 when it does not conform."""
    from .data import shipped_dir
    from .validate import validate_graph

    shapes = shapes or shipped_dir("graph_data") / "shapes.ttl"
    violations = validate_graph(context.graph, shapes)
    if not violations:
        click.echo(f"ok: {len(context.graph)} triples conform to {shapes.name}")
        return
    for violation in violations:
        click.echo(str(violation))
    raise Failure(f"{len(violations)} violation{'s' if len(violations) != 1 else ''} of {shapes.name}")


# --- paths -------------------------------------------------------------------------

_HAVE = click.option(
    "--have",
    multiple=True,
    metavar="SKILL",
    help="A skill you already have (repeatable, or a comma list); it costs nothing on the route.",
)
_TEXT_FORMAT = click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)


_INFERRED = click.option(
    "--inferred",
    "include_inferred",
    is_flag=True,
    help="Also take steps inferred with no evidence at all (left out by default).",
)
_ALL_SKILLS = click.option(
    "--all-skills", is_flag=True, help="List every skill in text, not only the 8 most named."
)


@main.command("path")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@_HAVE
@click.option(
    "-k",
    "--alternatives",
    type=click.IntRange(min=1, max=50),
    default=1,
    show_default=True,
    help="How many routes to show, cheapest first.",
)
@click.option(
    "--max-hops",
    type=click.IntRange(min=1, max=10),
    default=4,
    show_default=True,
    help="The most steps a route may take.",
)
@_INFERRED
@_ALL_SKILLS
@click.option(
    "--evidence",
    "evidence_lines",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    metavar="N",
    help="Show at most N lines of evidence per step in text.",
)
@_TEXT_FORMAT
@pass_context
@reports_errors
def path_command(
    context: CommandSession,
    source: str,
    target: str,
    have: tuple[str, ...],
    alternatives: int,
    max_hops: int,
    include_inferred: bool,
    all_skills: bool,
    evidence_lines: int,
    fmt: str,
) -> None:
    """The cheapest route from role FROM to role TO: the skills each step adds and who says so.

    Roles are matched by label or alternative label, case-insensitively
    ("MLE", "ml engineer", "data scientists"). A step costs less the more
    guests made the move themselves or back it with timed citations, and
    more when it is inferred (see "How routes are costed" in the README).
    """
    answer = context.path(
        source,
        target,
        have=have,
        k=alternatives,
        max_hops=max_hops,
        include_inferred=include_inferred,
    )
    if fmt == "json":
        click.echo(answer.json(), nl=False)
    elif fmt == "markdown":
        click.echo(answer.markdown(), nl=False)
    else:
        click.echo(answer.text(all_skills=all_skills, evidence=evidence_lines), nl=False)


@main.command("next")
@click.argument("role", metavar="ROLE")
@_HAVE
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many roles (moves made: all).")
@_INFERRED
@_ALL_SKILLS
@_TEXT_FORMAT
@pass_context
@reports_errors
def next_command(
    context: CommandSession,
    role: str,
    have: tuple[str, ...],
    limit: int | None,
    include_inferred: bool,
    all_skills: bool,
    fmt: str,
) -> None:
    """The roles one step from ROLE: moves guests made first, then by how many of their skills you have."""
    answer = context.next(role, have=have, limit=limit, include_inferred=include_inferred)
    if fmt == "json":
        click.echo(answer.json(), nl=False)
    elif fmt == "markdown":
        click.echo(answer.markdown(), nl=False)
    else:
        click.echo(answer.text(all_skills=all_skills), nl=False)


_LIST_FORMAT = click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@main.command("roles")
@_LIST_FORMAT
@pass_context
@reports_errors
def roles_command(context: CommandSession, fmt: str) -> None:
    """List the roles, with the skills each needs, its moves out and in, and the guests who made them."""
    import json

    from .routes.answers import listing_text, roles_listing

    rows = roles_listing(context.all_roles())
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = [
        ("skills", "skills"),
        ("moves_out", "moves out"),
        ("moves_in", "moves in"),
        ("guests_out", "guests out"),
        ("guests_in", "guests in"),
    ]
    click.echo(listing_text(rows, columns), nl=False)


@main.command("skills")
@click.option(
    "--sort",
    type=click.Choice(["guests", "name"]),
    default="guests",
    show_default=True,
    help="Most named first, or by name.",
)
@_LIST_FORMAT
@pass_context
@reports_errors
def skills_command(context: CommandSession, sort: str, fmt: str) -> None:
    """List the skills: how many guests and claims name them, roles need them, steps add them."""
    import json

    from .routes.answers import listing_text, skills_listing

    index = context.index
    labels = {iri: index.label(iri) for _key, iri in index.names("skill")}
    rows = skills_listing(context.all_roles(), labels, context.skill_totals())
    if sort == "name":
        rows.sort(key=lambda r: r["label"].casefold())
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    columns = [("guests", "guests"), ("claims", "claims"), ("roles", "roles"), ("steps", "steps")]
    click.echo(listing_text(rows, columns), nl=False)


# --- viz ------------------------------------------------------------------------------


def _types(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    from .viz.views import NODE_TYPES

    types = tuple(t.strip().lower() for t in value.split(",") if t.strip())
    unknown = [t for t in types if t not in NODE_TYPES]
    if unknown:
        raise click.BadParameter(f"unknown type {unknown[0]!r}; types: {', '.join(NODE_TYPES)}")
    return types


@main.command("viz")
@click.option(
    "-o",
    "--output",
    type=PathType(dir_okay=False),
    default="graph.html",
    show_default=True,
    help="The HTML file to write (written whole or not at all).",
)
@click.option(
    "--focus", metavar="NODE", help="Show the neighbourhood of a role, skill, tool, guest or episode."
)
@click.option(
    "--depth",
    type=click.IntRange(min=1, max=6),
    default=1,
    show_default=True,
    help="How far --focus reaches.",
)
@click.option(
    "--path", "route", nargs=2, metavar="FROM TO", help="Highlight the cheapest route between two roles."
)
@click.option(
    "--query",
    "query_file",
    type=PathType(exists=True, dir_okay=False),
    help="Show what an .rq file returns: a CONSTRUCT, or a SELECT with ?s ?p ?o.",
)
@click.option(
    "--context",
    "context_hops",
    type=click.IntRange(min=0, max=6),
    default=1,
    show_default=True,
    help="With --path: how many edges around the route's roles and transitions to show.",
)
@click.option(
    "--map/--all",
    "career_map",
    default=None,
    help="The career map (roles and the moves between them) or every node; "
    "by default the map when the graph has more than 300 nodes.",
)
@click.option(
    "--types", callback=_types, help="Which kinds of node to show, e.g. role,skill,tool (default: all)."
)
@_HAVE
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@pass_context
@reports_errors
def viz_command(
    context: CommandSession,
    output: Path,
    focus: str | None,
    depth: int,
    route: tuple[str, str] | None,
    query_file: Path | None,
    context_hops: int,
    career_map: bool | None,
    types: tuple[str, ...] | None,
    have: tuple[str, ...],
    open_browser: bool,
) -> None:
    """Write the graph as one self-contained interactive HTML page (it works offline).

    Nodes are coloured and shaped by type, with a legend that filters them, a
    search box that centres a node, and deep links from episodes and segments
    to the video at that minute. A graph of more than 300 nodes is drawn as the
    career map: roles and the moves between them, with skills, guests and
    evidence in the sidebar.
    """
    from .data import write_atomically
    from .errors import UsageError
    from .viz.page import render_html
    from .viz.views import DEFAULT_TYPES, default_view, query_view, whole_view
    from .viz.views import career_map as career_map_view

    if sum(x is not None for x in (focus, route, query_file, career_map or None)) > 1:
        raise UsageError("choose one of --focus, --path, --query and --map")
    shown = types or DEFAULT_TYPES
    if route:
        view = context.view(route=route, types=shown, context=context_hops, have=have)
    elif focus:
        view = context.view(focus=focus, depth=depth, types=shown)
    elif query_file:
        from .query.catalogue import find_query
        from .run import run_query

        query = find_query(str(query_file), query_file.parent)
        answer = run_query(context.store, query, index=context.index, isolate=not query.trusted)
        view = query_view(context.graph, answer, types=types)
    elif career_map:
        view = career_map_view(context.graph)
    elif types or career_map is False:
        view = whole_view(context.graph, types=shown)
    else:
        view = default_view(context.graph)
    write_atomically(output, render_html(view))
    click.echo(f"wrote {output}: {len(view.nodes)} nodes, {len(view.edges)} edges")
    if open_browser:
        import webbrowser

        webbrowser.open(output.resolve().as_uri())


# --- load -------------------------------------------------------------------------------


@main.command("load")
@click.option("--replace", is_flag=True, help="Load afresh into a store that already holds triples.")
@pass_context
@reports_errors
def load_command(context: CommandSession, replace: bool) -> None:
    """Load the data (--data, or the shipped graph and the importer's output) into --store oxigraph:PATH.

    Later commands given the same --store open it in milliseconds instead of
    parsing Turtle, and run their queries in Oxigraph.
    """
    from .data import turtle_files
    from .errors import UsageError
    from .stores.oxigraph import OxigraphStore

    store = context.store
    if not isinstance(store, OxigraphStore):
        raise UsageError("load fills an on-disk store: give --store oxigraph:PATH")
    files = turtle_files(context.paths)
    size = store.load(files, replace=replace)
    click.echo(f"loaded {len(files)} file{'s' if len(files) != 1 else ''} into {store.path}: {size} triples")


# --- serve ------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True)
@click.option(
    "--allow-host",
    multiple=True,
    metavar="NAME",
    help="Another Host header to answer to (repeatable); localhost, 127.0.0.1 and [::1] always are.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Stop a query after this many seconds.",
)
@click.option(
    "--max-rows", type=click.IntRange(min=1), default=10_000, show_default=True, help="Cut answers here."
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Refuse request bodies larger than this many bytes (413).",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=64),
    default=1024,
    show_default=True,
    metavar="MIB",
    help="Stop a query that needs more than this many MiB (503).",
)
@click.option(
    "--cors",
    metavar="ORIGIN",
    help="Let pages from this origin (https://host:port) read answers (CORS); off by default.",
)
@click.option(
    "--workers",
    "processes",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Server processes answering on the one port, each with its own query workers.",
)
@pass_context
@reports_errors
def serve_command(
    context: CommandSession,
    host: str,
    port: int,
    allow_host: tuple[str, ...],
    timeout: float,
    max_rows: int,
    max_body: int,
    max_memory: int,
    cors: str | None,
    processes: int,
) -> None:
    """Serve the career explorer at / and a read-only SPARQL 1.1 endpoint at /sparql."""
    from .server import ServerSettings, exposure_warning, run_server

    context.store  # noqa: B018  # a bad store spec is reported now, before "serving"
    settings = ServerSettings(
        timeout=timeout, max_rows=max_rows, max_body=max_body, memory_cap=max_memory << 20, cors=cors
    )
    settings.allowed_hosts += list(allow_host)
    if host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "::"):
        settings.allowed_hosts.append(host)
    warning = exposure_warning(host)
    if warning:
        click.secho(warning, err=True, fg="red", bold=True)
    click.echo(f"serving SPARQL at http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    run_server(context, settings, host=host, port=port, processes=processes)


# --- import ---------------------------------------------------------------------------


@main.group("import")
def import_group() -> None:
    """Import an archive into careergraph's model."""


@import_group.command("podwiki")
@click.argument("folder", type=PathType(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    type=PathType(dir_okay=False),
    help="The Turtle file to write (default: generated/podwiki.ttl in a checkout, which "
    "query, path and viz load with the shipped data).",
)
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if anything had to be skipped.")
@click.option(
    "--report",
    "report_file",
    type=PathType(dir_okay=False),
    help="Also write the summary as JSON, with every skipped citation and why.",
)
@pass_context
@reports_errors
def import_podwiki_command(
    context: CommandSession, folder: Path, output: Path | None, strict: bool, report_file: Path | None
) -> None:
    """Import a DataTalks.Club podcast wiki folder (_wiki/, _people/, _podcast_summaries/).

    Names resolve against the curated vocabulary in graph_data/, so the result
    merges with the shipped graph. The output is sorted Turtle, the same bytes
    for the same input, written whole or not at all.
    """
    from .data import generated_dir, shipped_dir, write_atomically
    from .errors import DataFileError
    from .ingest import count_files, coverage_line, import_podwiki, report_json, summary_text

    vocabulary = context.data or [shipped_dir("graph_data")]  # loaded by the import, meanwhile reading files
    output = output or generated_dir() / "podwiki.ttl"
    if sys.stderr.isatty():
        with click.progressbar(length=count_files(folder), label="Importing", file=sys.stderr) as bar:
            result = import_podwiki(folder, vocabulary, progress=lambda _path: bar.update(1))
    else:
        result = import_podwiki(folder, vocabulary)
    for problem in result.problems:
        click.echo(f"Warning: {problem}", err=True)
    counts = result.counts
    summary = summary_text(result)
    if strict and result.problems:
        raise Failure(f"--strict: {len(result.problems)} warnings, nothing written ({summary})")
    for target, text in ((output, result.turtle()), (report_file, None)):
        if target is None:
            continue
        try:
            write_atomically(target, text if text is not None else report_json(result, output=str(output)))
        except OSError as error:  # disk full, no permission: nothing half-written, no traceback
            raise DataFileError(str(target), f"cannot write: {error.strerror or error}") from error
    click.echo(f"wrote {output}: {summary}; {counts['triples']} triples")
    click.echo(coverage_line(result))
    # Every file is written and closed. The process ends with this command, and the collector's passes at
    # its exit would walk everything the import made (0.05 s on the snapshot): frozen, it is passed by.
    atexit.register(gc.freeze)
