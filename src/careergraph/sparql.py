"""Named SPARQL queries, run read-only and bounded in time.

A named query is a ``.rq`` file in ``queries/``. Its leading comment says what
it answers (first line) and which parameters it takes::

    # Every cited segment that is evidence for a transition.
    # @param from role  The role the transition starts from.
    # @param to role    The role it leads to.

A parameter is a variable of the query (``?from``) bound to a value before the
query runs (rdflib's ``initBindings``), never pasted into the query text. Its
kind says how a value is read: ``role``, ``skill``, ``tool``, ``topic``,
``guest`` and ``episode`` take a label (case-insensitive) or an IRI;
``string``, ``integer`` and ``iri`` take the value as it is.

Before a query runs, :func:`check_query` refuses updates, ``LOAD``,
``SERVICE`` (anywhere, nested too) and ``FROM``/``FROM NAMED``: nothing a
query does can write or reach outside the loaded graph. rdflib cannot stop a
running query, so :func:`run_query` runs it in a forked child process that is
killed when the time limit passes.
"""

from __future__ import annotations

import difflib
import multiprocessing
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rdflib import Graph, Literal, URIRef, Variable
from rdflib.query import Result

from .errors import (
    CareergraphError,
    QueryParameterError,
    QuerySyntaxError,
    QueryTimeoutError,
    UnknownNameError,
    UnsafeQueryError,
)
from .names import Names
from .vocab import PREFIXES

if TYPE_CHECKING:
    from .stores import Store

__all__ = [
    "NamedQuery",
    "Param",
    "QueryOutput",
    "check_query",
    "find_query",
    "list_queries",
    "parse_query_text",
    "query_form",
    "run_query",
]

PARAM_KINDS = ("role", "skill", "tool", "topic", "guest", "episode", "string", "integer", "iri")
_PARAM_LINE = re.compile(r"^#\s*@param\s+(\w+)\s+(\w+)\s*(.*)$")


@dataclass(frozen=True)
class Param:
    """A parameter of a named query: a variable name, a kind and what it means."""

    name: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """A SPARQL query with its description and parameters."""

    name: str
    text: str
    description: str = ""
    params: tuple[Param, ...] = ()
    source: str = "<query>"


def parse_query_text(text: str, *, name: str = "query", source: str = "<query>") -> NamedQuery:
    """Read the description and ``@param`` lines of a query's leading comment.

    >>> q = parse_query_text("# Roles.\\n# @param role role  The role.\\nSELECT * {}")
    >>> q.description, q.params
    ('Roles.', (Param(name='role', kind='role', description='The role.'),))
    """
    description = ""
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _PARAM_LINE.match(stripped)
        if match:
            pname, kind, pdesc = match.groups()
            if kind not in PARAM_KINDS:
                raise QuerySyntaxError(
                    f"{source}:{number}: parameter {pname!r} has unknown kind {kind!r} "
                    f"(kinds: {', '.join(PARAM_KINDS)})"
                )
            params.append(Param(pname, kind, pdesc.strip()))
        elif not description and not stripped.lstrip("#").strip().startswith("@"):
            description = stripped.lstrip("#").strip()
    return NamedQuery(name, text, description, tuple(params), source)


def list_queries(folder: Path) -> list[NamedQuery]:
    """Every named query in ``folder``, sorted by name."""
    return [
        parse_query_text(p.read_text(encoding="utf-8"), name=p.stem, source=str(p))
        for p in sorted(folder.glob("*.rq"))
    ]


def find_query(spec: str, folder: Path, *, stdin_text: str | None = None) -> NamedQuery:
    """The query ``spec`` names: ``-`` (standard input), a path to a ``.rq`` file, or a name.

    Raises
    ------
    UnknownNameError
        when no query has that name, with the closest names.
    """
    if spec == "-":
        return parse_query_text(stdin_text or "", name="-", source="<stdin>")
    path = Path(spec)
    if spec.endswith(".rq") or path.is_file():
        if not path.is_file():
            raise UnknownNameError("query file", spec)
        return parse_query_text(path.read_text(encoding="utf-8"), name=path.stem, source=spec)
    candidate = folder / f"{spec}.rq"
    if candidate.is_file():
        return parse_query_text(candidate.read_text(encoding="utf-8"), name=spec, source=str(candidate))
    names = [p.stem for p in sorted(folder.glob("*.rq"))]
    raise UnknownNameError("query", spec, difflib.get_close_matches(spec, names, n=5, cutoff=0.4))


# --- safety ------------------------------------------------------------------

_FORBIDDEN = {
    "ServiceGraphPattern": "SERVICE calls out to other endpoints",
    "DatasetClause": "FROM and FROM NAMED load graphs from outside the loaded data",
}


def _walk(node: Any) -> Any:
    """Yield every node of a pyparsing/rdflib parse tree."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, dict):
            stack.extend(current.values())
        elif isinstance(current, list | tuple) or type(current).__name__ == "ParseResults":
            stack.extend(list(current))


def check_query(text: str) -> Any:
    """Parse ``text`` as a read-only SPARQL 1.1 query and return rdflib's prepared query.

    Raises
    ------
    UnsafeQueryError
        for updates (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, …), ``SERVICE``
        anywhere in the query, and ``FROM`` / ``FROM NAMED``.
    QuerySyntaxError
        when the text is not SPARQL.

    >>> check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    careergraph.errors.UnsafeQueryError: query refused: SERVICE calls out to other endpoints
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        tree = parser.parseQuery(text)
    except ParseException as error:
        try:
            parser.parseUpdate(text)
        except ParseException:
            raise QuerySyntaxError(f"not a SPARQL query: {error}") from None
        raise UnsafeQueryError(
            "query refused: updates (INSERT, DELETE, LOAD, CLEAR, …) are not allowed; careergraph only reads"
        ) from None
    for node in _walk(tree):
        reason = _FORBIDDEN.get(getattr(node, "name", ""))
        if reason:
            raise UnsafeQueryError(f"query refused: {reason}")
    try:
        return translateQuery(tree, initNs=PREFIXES)
    except Exception as error:  # rdflib raises plain Exceptions for unknown prefixes etc.
        raise QuerySyntaxError(f"not a valid SPARQL query: {error}") from None


_FORMS = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def query_form(prepared: Any) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query :func:`check_query` prepared.

    >>> query_form(check_query("ASK { ?s ?p ?o }"))
    'ASK'
    """
    return _FORMS[prepared.algebra.name]


# --- parameters --------------------------------------------------------------


def bind_params(query: NamedQuery, values: Mapping[str, str], index: Names | None) -> dict[Variable, Any]:
    """Turn ``NAME=VALUE`` strings into rdflib bindings of the query's parameters.

    Raises
    ------
    QueryParameterError
        for a parameter the query does not take, or one it needs and lacks.
    UnknownNameError
        for a role, skill, tool, topic, guest or episode label not in the graph.
    """
    declared = {p.name: p for p in query.params}
    takes = ", ".join(p.name for p in query.params) or "none"
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise QueryParameterError(
            f"query {query.name!r} takes no parameter {unknown[0]!r} (it takes: {takes})"
        )
    missing = [p.name for p in query.params if p.name not in values]
    if missing:
        raise QueryParameterError(
            f"query {query.name!r} needs parameter {missing[0]!r} (it takes: {takes}); "
            f"give it as --param {missing[0]}=VALUE"
        )
    bindings: dict[Variable, Any] = {}
    for name, raw in values.items():
        param = declared[name]
        if param.kind == "string":
            bindings[Variable(name)] = Literal(raw)
        elif param.kind == "integer":
            try:
                bindings[Variable(name)] = Literal(int(raw))
            except ValueError:
                raise QueryParameterError(f"parameter {name!r} must be a whole number, not {raw!r}") from None
        elif param.kind == "iri":
            if not re.match(r"^[a-zA-Z][\w+.-]*:[^\s<>\"{}|^`\\]*$", raw):
                raise QueryParameterError(f"parameter {name!r} must be an IRI, not {raw!r}")
            bindings[Variable(name)] = URIRef(raw)
        else:
            if index is None:
                raise QueryParameterError(f"parameter {name!r} needs the loaded graph's labels")
            bindings[Variable(name)] = URIRef(index.resolve(param.kind, raw))
    return bindings


def parse_param_options(options: Sequence[str]) -> dict[str, str]:
    """Split ``--param NAME=VALUE`` options into a dict.

    >>> parse_param_options(["from=Data Scientist", "to=MLE"])
    {'from': 'Data Scientist', 'to': 'MLE'}
    """
    values: dict[str, str] = {}
    for option in options:
        name, sep, value = option.partition("=")
        if not sep or not name.strip():
            raise QueryParameterError(f"--param takes NAME=VALUE, not {option!r}")
        if name.strip() in values:
            raise QueryParameterError(f"parameter {name.strip()!r} is given twice")
        values[name.strip()] = value
    return values


# --- running -----------------------------------------------------------------


@dataclass
class QueryOutput:
    """What a query returned: rows of a SELECT, a boolean of an ASK, or a graph."""

    kind: str  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Any, Any, Any]] = field(default_factory=list)
    truncated: bool = False

    def to_result(self) -> Result:
        """The same answer as an rdflib ``Result``, for rdflib's W3C serialisers."""
        result = Result(self.kind)
        if self.kind == "SELECT":
            result.vars = [Variable(v) for v in self.variables]
            result.bindings = [
                {
                    Variable(v): value
                    for v, value in zip(self.variables, row, strict=True)
                    if value is not None
                }
                for row in self.rows
            ]
        elif self.kind == "ASK":
            result.askAnswer = bool(self.boolean)
        else:
            graph = Graph()
            for prefix, namespace in PREFIXES.items():
                graph.bind(prefix, namespace)
            for triple in self.triples:
                graph.add(triple)
            result.graph = graph
        return result


def execute_rdflib(
    graph: Graph, prepared: Any, bindings: dict[Variable, Any], limit: int | None
) -> QueryOutput:
    """Run a checked query on an rdflib graph (the memory store's way of answering)."""
    import rdflib.plugins.sparql as rdflib_sparql

    # Belt and braces: even if a FROM slipped past check_query, rdflib must not fetch it.
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    result = graph.query(prepared, initBindings=bindings)
    if result.type == "ASK":
        return QueryOutput("ASK", boolean=bool(result.askAnswer))
    if result.type == "SELECT":
        variables = [str(v) for v in (result.vars or [])]
        rows: list[tuple[Any, ...]] = []
        truncated = False
        for row in result:
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append(tuple(row))
        return QueryOutput("SELECT", variables=variables, rows=rows, truncated=truncated)
    triples = list(result.graph) if result.graph is not None else list(result)
    truncated = limit is not None and len(triples) > limit
    return QueryOutput(result.type, triples=sorted(triples)[:limit], truncated=truncated)


def _child(
    conn: Any,
    store: Store,
    query: NamedQuery,
    prepared: Any,
    bindings: dict[Variable, Any],
    limit: int | None,
) -> None:
    try:
        conn.send(("ok", store.execute(prepared, query.text, bindings, limit)))
    except CareergraphError as error:  # sent as words: custom exceptions do not all pickle
        conn.send(("careergraph", (str(error), error.exit_code)))
    except BaseException as error:  # report anything to the parent, which raises it
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def run_query(
    store: Store | Graph,
    query: NamedQuery,
    *,
    params: Mapping[str, str] | None = None,
    index: Names | None = None,
    limit: int | None = None,
    timeout: float | None = 30.0,
) -> QueryOutput:
    """Check, bind and run ``query`` on ``store``; stop it after ``timeout`` seconds.

    ``store`` is a :class:`careergraph.stores.Store`, or an rdflib graph (run in memory).

    Raises
    ------
    UnsafeQueryError, QuerySyntaxError, QueryParameterError, UnknownNameError
        before anything runs.
    QueryTimeoutError
        when the query is still running after ``timeout`` seconds.
    """
    from .stores import Store

    if not isinstance(store, Store):
        from .stores import MemoryStore

        store = MemoryStore.of(store)
    prepared = check_query(query.text)
    bindings = bind_params(query, params or {}, index)
    store.prepare()  # once, here: each query's child then shares it
    if timeout is None or sys.platform == "win32":
        return store.execute(prepared, query.text, bindings, limit)
    return collect(start(store, query, prepared, bindings, limit), query, timeout)


@dataclass
class Running:
    """A query running in a forked child process, and the pipe its answer comes through."""

    child: Any
    receiver: Any


def start(
    store: Store, query: NamedQuery, prepared: Any, bindings: dict[Variable, Any], limit: int | None
) -> Running:
    """Fork a child that runs a checked query; :func:`collect` waits for its answer."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, store, query, prepared, bindings, limit))
    child.start()
    sender.close()
    return Running(child, receiver)


def collect(running: Running, query: NamedQuery, timeout: float) -> QueryOutput:
    """The answer of a :func:`start` ed query, or :class:`QueryTimeoutError` after ``timeout`` s."""
    child, receiver = running.child, running.receiver
    try:
        if not receiver.poll(timeout):
            raise QueryTimeoutError(
                f"query {query.name!r} was stopped after {timeout:g} s; "
                "narrow it, add a LIMIT, or raise --timeout"
            )
        try:
            status, payload = receiver.recv()
        except EOFError:
            raise QueryTimeoutError(f"query {query.name!r} ended without an answer") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if status == "careergraph":
        message, exit_code = payload
        error = CareergraphError(message)
        error.exit_code = exit_code
        raise error
    if status == "error":
        raise CareergraphError(f"query {query.name!r} failed: {payload}")
    return payload  # type: ignore[no-any-return]
