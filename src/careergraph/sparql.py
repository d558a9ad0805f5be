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
query does can write or reach outside the loaded graph. Neither rdflib nor
pyoxigraph can stop a running query, so a process is what the time limit
stops: :func:`careergraph.run.run_query` runs the query in a worker process
(:class:`QueryWorker`) that is killed when the limit passes, or, for a
one-shot command, in the command's own process, which a watchdog thread ends
(:class:`Watchdog`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, overload

from .errors import (
    CareergraphError,
    QueryMemoryError,
    QueryParameterError,
    QuerySyntaxError,
    QueryTimeoutError,
    ServerBusyError,
    UnknownNameError,
    UnsafeQueryError,
    rebuilt,
)
from .names import Names
from .prefixes import KINDS, PREFIXES
from .terms import XSD_INTEGER, Answer, Blank, Iri, Lit, Term, literal

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.query import Result
    from rdflib.term import Node as RDFNode


#: A term as answers and bindings hold it (see :mod:`careergraph.terms`).
Plain = Term

__all__ = [
    "NamedQuery",
    "Param",
    "QueryOutput",
    "check_query",
    "find_query",
    "list_queries",
    "parse_query_text",
    "plain_term",
    "CheckedQuery",
    "prepare_rdflib",
]

PARAM_KINDS = ("role", "skill", "tool", "topic", "guest", "episode", "string", "integer", "iri")
assert set(PARAM_KINDS) >= set(KINDS), "a kind of name that queries cannot take"
_PARAM_LINE = re.compile(r"^#\s*@param\s+(\w+)\s+(\w+)\s*(.*)$")


@dataclass(frozen=True)
class Param:
    """A parameter of a named query: a variable name, a kind, what it means, and a value that
    answers something on the shipped data (what the golden answers are run with)."""

    name: str
    kind: str
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class NamedQuery:
    """A SPARQL query with its description and parameters."""

    name: str
    text: str
    description: str = ""
    params: tuple[Param, ...] = ()
    source: str = "<query>"
    #: a shipped query (a file in ``queries/``, part of careergraph): checked by its tokens only,
    #: so that running it needs no SPARQL parser in this process
    trusted: bool = False

    @property
    def examples(self) -> dict[str, str]:
        """Each parameter's example value, by name (the parameters the golden answer is run with)."""
        return {p.name: p.example for p in self.params}


def parse_query_text(
    text: str, *, name: str = "query", source: str = "<query>", trusted: bool = False
) -> NamedQuery:
    """Read the description and ``@param`` lines of a query's leading comment.

    A ``@param`` line may end in ``@example VALUE``.

    >>> q = parse_query_text("# Roles.\\n# @param role role  The role.  @example Ann\\nSELECT * {}")
    >>> q.description, q.params[0].description, q.examples
    ('Roles.', 'The role.', {'role': 'Ann'})
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
            pdesc, _, example = pdesc.partition("@example")
            params.append(Param(pname, kind, pdesc.strip(), example.strip()))
        elif not description and not stripped.lstrip("#").strip().startswith("@"):
            description = stripped.lstrip("#").strip()
    return NamedQuery(name, text, description, tuple(params), source, trusted)


def list_queries(folder: Path) -> list[NamedQuery]:
    """Every named query in ``folder``, sorted by name."""
    return [
        parse_query_text(p.read_text(encoding="utf-8"), name=p.stem, source=str(p), trusted=True)
        for p in sorted(folder.glob("*.rq"))
    ]


#: What a shipped query's name looks like: a file name in the queries folder, no path in it.
QUERY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def find_query(spec: str, folder: Path, *, stdin_text: str | None = None) -> NamedQuery:
    """The query ``spec`` names: ``-`` (standard input), a path to a ``.rq`` file, or a name.

    A query found by its name in ``folder`` (careergraph's own) is trusted; one
    from a path or standard input is not, and is checked on a full parse. Only
    a bare name (letters, digits, ``-``, ``_``) is looked up in ``folder``, so
    ``../x`` or ``/tmp/x`` can never pass for a shipped query.

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
    if not QUERY_NAME.fullmatch(spec):  # a path to no file, or `../x`: never one of ours
        raise UnknownNameError("query file", spec)
    candidate = folder / f"{spec}.rq"
    if candidate.is_file() and candidate.resolve().parent == folder.resolve():
        return parse_query_text(
            candidate.read_text(encoding="utf-8"), name=spec, source=str(candidate), trusted=True
        )
    import difflib

    names = [p.stem for p in sorted(folder.glob("*.rq"))]
    raise UnknownNameError("query", spec, difflib.get_close_matches(spec, names, n=5, cutoff=0.4))


# --- safety ------------------------------------------------------------------

#: Words only an update holds: a query never does.
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: SPARQL's tokens, as far as telling a keyword from a string, an IRI, a name or a comment needs.
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''
             | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
             | '(?:[^'\\\n\r]|\\.)*'
             | "(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<variable>[?$]\w+)
  | (?P<language>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<name>(?:[^\W\d][\w.-]*)?:(?:[\w:%.-]|\\\S)*)
  | (?P<word>[^\W\d]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class CheckedQuery:
    """A query :func:`check_query` found read-only, and its form: SELECT, ASK, CONSTRUCT or DESCRIBE."""

    text: str
    form: str
    #: checked as a shipped query (by its tokens), not on a full parse
    trusted: bool = False


#: How deep brackets and groups may nest. rdflib's parser gives up near 24 nested
#: parentheses and pyoxigraph's overflows its stack in the thousands; no real query
#: comes near either.
MAX_DEPTH = 20
_OPEN, _CLOSE = "({[", ")}]"


def tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """The tokens of ``text`` as (kind, text, offset): what the safety check and parameter binding read.

    >>> [t for t in tokens('{ "}" }') if t[0] != "space"]
    [('other', '{', 0), ('string', '"}"', 2), ('other', '}', 6)]
    """
    return ((m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(text))


def _words(text: str, *, prefixes: bool = False) -> list[str]:
    """The bare words of ``text`` (keywords, function names), upper-cased, in order.

    Strings, IRIs, variables, language tags and comments are passed over, so a
    keyword inside them is not one. A prefixed name's dotted parts count as
    words, which errs on the side of seeing a keyword; with ``prefixes=True``
    its prefix does too (after ``PREFIX : <…>``, engines read ``SERVICE:x`` as
    the keyword and ``:x``).

    >>> _words('SELECT ?from WHERE { ?s rdfs:label "SERVICE" . # FROM here\\n ?s <urn:load> ?o }')
    ['SELECT', 'WHERE']
    >>> _words('ASK { SERVICE:x { ?s ?p ?o } }', prefixes=True)
    ['ASK', 'SERVICE']
    """
    words = []
    for kind, token, _ in tokens(text):
        if kind == "word":
            words.append(token.upper())
        elif kind == "name":
            prefix, _colon, local = token.partition(":")
            parts = [prefix, *local.split(".")[1:]] if prefixes else local.split(".")[1:]
            words += [part.upper() for part in parts if part]
    return words


def _depth(text: str) -> int:
    """How deep brackets nest in ``text``, strings, IRIs and comments aside.

    >>> _depth("SELECT * { FILTER((?a)) }")
    3
    """
    depth = deepest = 0
    for kind, token, _ in tokens(text):
        if kind == "other":
            if token in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif token in _CLOSE:
                depth -= 1
    return deepest


_UPDATES_REFUSED = (
    "query refused: updates (INSERT, DELETE, LOAD, CLEAR, …) are not allowed; careergraph only reads"
)
_SERVICE_REFUSED = "query refused: SERVICE calls out to other endpoints"
_FROM_REFUSED = "query refused: FROM and FROM NAMED load graphs from outside the loaded data"
_FORM_NAMES = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


def _too_deep() -> UnsafeQueryError:
    return UnsafeQueryError(
        f"query refused: brackets or groups nest more than {MAX_DEPTH} deep; flatten the query"
    )


@functools.lru_cache(maxsize=256)  # the same named queries come back again and again
def check_query(text: str, *, trusted: bool = False) -> CheckedQuery:
    """Check that ``text`` is a read-only SPARQL query, before anything runs it.

    The verdict is taken from rdflib's parse of the query: its parse tree and
    its algebra are walked, and a ``ServiceGraphPattern`` anywhere (nested
    in a subquery, an ``EXISTS``, a union), a dataset clause (``FROM``,
    ``FROM NAMED``) or an update request refuses it. A query rdflib cannot
    parse is refused too, even if the engine that would run it could: the
    engine must never run text the check did not understand. Before the
    parse, as a second net and a fast path, the query's tokens are read (an
    update keyword, ``SERVICE`` or ``FROM`` outside strings, IRIs and
    comments refuses it, ``\\u`` escapes undone and not) and their nesting
    is bounded (:data:`MAX_DEPTH`). A ``trusted`` query (careergraph's own
    named queries) is checked by its tokens only, so that running one needs
    no SPARQL parser in the process.

    Raises
    ------
    UnsafeQueryError
        for updates, ``SERVICE`` anywhere in the query, ``FROM`` / ``FROM NAMED``,
        and nesting deeper than :data:`MAX_DEPTH`.
    QuerySyntaxError
        when rdflib cannot parse the query (with its message).

    >>> check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    careergraph.errors.UnsafeQueryError: query refused: SERVICE calls out to other endpoints
    >>> check_query("PREFIX : <http://127.0.0.1:1/> ASK { SERVICE:x { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    careergraph.errors.UnsafeQueryError: query refused: SERVICE calls out to other endpoints
    >>> check_query("PREFIX s: <https://schema.org/> ASK { ?x s:name 'SERVICE' }").form
    'ASK'
    """
    # A trusted query gets no parse, so a prefix that is a keyword (`SERVICE:x`) refuses it too.
    written = _words(text, prefixes=trusted)
    words = set(written)
    unescaped = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    if unescaped != text:
        words.update(_words(unescaped, prefixes=trusted))
    if words & _UPDATE_WORDS:
        raise UnsafeQueryError(_UPDATES_REFUSED)
    if "SERVICE" in words:
        raise UnsafeQueryError(_SERVICE_REFUSED)
    if "FROM" in words:
        raise UnsafeQueryError(_FROM_REFUSED)
    if max(_depth(text), _depth(unescaped)) > MAX_DEPTH:
        raise _too_deep()
    if trusted:
        form = next((word for word in written if word in _FORMS), None)
        if form is None:
            raise QuerySyntaxError("not a SPARQL query: it has no SELECT, ASK, CONSTRUCT or DESCRIBE")
        return CheckedQuery(text, form, trusted=True)
    return CheckedQuery(text, _parsed_form(text))


#: rdflib's parser (pyparsing) keeps state between calls: two threads parsing at once break each other.
_PARSING = threading.Lock()


def _parsed_form(text: str) -> str:
    """The form of the query rdflib parses from ``text``, once nothing in it reaches out or writes."""
    with _PARSING:
        return _parsed_form_unlocked(text)


def _parsed_form_unlocked(text: str) -> str:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import parser
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        tree = parser.parseQuery(text)
    except RecursionError:
        raise _too_deep() from None
    except ParseBaseException as error:
        if _is_update(text):
            raise UnsafeQueryError(_UPDATES_REFUSED) from None
        raise QuerySyntaxError(f"not a SPARQL query: {error}") from None
    except Exception as error:  # rdflib raises plain Exceptions for bad escapes and such
        raise QuerySyntaxError(f"not a valid SPARQL query: {error}") from None
    _refuse_reaching_out(tree)
    try:
        algebra = translateQuery(tree, initNs=PREFIXES)
    except RecursionError:
        raise _too_deep() from None
    except Exception as error:  # unknown prefixes, variables projected twice, …
        raise QuerySyntaxError(f"not a valid SPARQL query: {error}") from None
    _refuse_reaching_out(algebra.algebra)
    return _FORM_NAMES[tree[1].name]


def _is_update(text: str) -> bool:
    from rdflib.plugins.sparql import parser

    try:
        parser.parseUpdate(text)
    except Exception:  # not an update either: the query's own parse error is the one to show
        return False
    return True


def _refuse_reaching_out(tree: Any) -> None:
    """Refuse a parse tree or algebra that holds a SERVICE call or a dataset clause, however deep."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    stack, seen = [tree], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                raise UnsafeQueryError(_SERVICE_REFUSED)
            if node.name == "DatasetClause" or dict.get(node, "datasetClause"):
                raise UnsafeQueryError(_FROM_REFUSED)
            stack.extend(dict.values(node))
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(dict.values(node))


def prepare_rdflib(text: str) -> Any:
    """rdflib's parsed and translated form of a checked query (what the memory store runs).

    Raises
    ------
    QuerySyntaxError
        with rdflib's message when the text is not SPARQL.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql import parser
    from rdflib.plugins.sparql.algebra import translateQuery

    try:
        with _PARSING:
            return translateQuery(parser.parseQuery(text), initNs=PREFIXES)
    except RecursionError:
        raise _too_deep() from None
    except ParseException as error:
        raise QuerySyntaxError(f"not a SPARQL query: {error}") from None
    except Exception as error:  # rdflib raises plain Exceptions for unknown prefixes etc.
        raise QuerySyntaxError(f"not a valid SPARQL query: {error}") from None


# --- parameters --------------------------------------------------------------


def bind_params(query: NamedQuery, values: Mapping[str, str], index: Names | None) -> dict[str, Plain]:
    """Turn ``NAME=VALUE`` strings into bindings of the query's parameters (plain terms by name).

    Raises
    ------
    QueryParameterError
        for a parameter the query does not take, or one it needs and lacks.
    UnknownNameError
        for a role, skill, tool, topic, guest or episode label not in the graph.

    >>> query = parse_query_text("# n.\\n# @param n integer  A number.\\nSELECT * {}")
    >>> bind_params(query, {"n": "5"}, None)
    {'n': Lit(value='5', language=None, datatype='http://www.w3.org/2001/XMLSchema#integer')}
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
    bindings: dict[str, Plain] = {}
    for name, raw in values.items():
        param = declared[name]
        if param.kind == "string":
            bindings[name] = Lit(raw)
        elif param.kind == "integer":
            try:
                bindings[name] = Lit(str(int(raw)), None, XSD_INTEGER)
            except ValueError:
                raise QueryParameterError(f"parameter {name!r} must be a whole number, not {raw!r}") from None
        elif param.kind == "iri":
            if not re.match(r"^[a-zA-Z][\w+.-]*:[^\s<>\"{}|^`\\]*$", raw):
                raise QueryParameterError(f"parameter {name!r} must be an IRI, not {raw!r}")
            bindings[name] = Iri(raw)
        else:
            if index is None:
                raise QueryParameterError(f"parameter {name!r} needs the loaded graph's labels")
            bindings[name] = Iri(index.resolve(param.kind, raw))
    return bindings


_TURTLE_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def turtle_term(term: Plain) -> str:
    """A plain term in Turtle (and SPARQL) syntax, on one line; a string cannot break out of its quotes.

    >>> print(turtle_term(Lit('say "hi"\\n', "en")), turtle_term(Iri("urn:x")))
    "say \\"hi\\"\\n"@en <urn:x>
    """
    if isinstance(term, Iri):
        return f"<{term.value}>"
    if isinstance(term, Blank):
        return f"_:{term.value}"
    value, language, datatype = term
    quoted = '"' + value.translate(_TURTLE_ESCAPES) + '"'
    return f"{quoted}@{language}" if language else f"{quoted}^^<{datatype}>" if datatype else quoted


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


class QueryOutput:
    """What a query returned: rows of a SELECT, a boolean of an ASK, or a graph.

    A SELECT's rows come as rdflib terms (``rows``) or as the plain terms the
    stores read them as (``plain_rows``: :class:`~careergraph.terms.Iri`,
    :class:`~careergraph.terms.Blank` or :class:`~careergraph.terms.Lit`).
    Each is made from the other when first asked for, so writing an answer in
    a results format never builds the rdflib terms it does not need.
    """

    def __init__(
        self,
        kind: str,
        variables: list[str] | None = None,
        rows: list[tuple[Any, ...]] | None = None,
        boolean: bool | None = None,
        triples: list[tuple[Any, Any, Any]] | None = None,
        truncated: bool = False,
        *,
        plain_rows: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self.kind = kind  # "SELECT", "ASK", "CONSTRUCT" or "DESCRIBE"
        self.variables = variables or []
        self._rows = rows if rows is not None or plain_rows is not None else []
        self._plain_rows = plain_rows
        self.boolean = boolean
        self.triples = triples or []
        self.truncated = truncated

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as rdflib terms (None where a variable is unbound)."""
        if self._rows is None:
            term = _terms()
            self._rows = [tuple([term(value) for value in row]) for row in self._plain_rows or []]
        return self._rows

    @property
    def plain_rows(self) -> list[tuple[Any, ...]]:
        """The rows as plain tuples (None where a variable is unbound)."""
        if self._plain_rows is None:
            self._plain_rows = [tuple([plain_term(value) for value in row]) for row in self.rows]
        return self._plain_rows

    def __repr__(self) -> str:
        return (
            f"QueryOutput({self.kind!r}, variables={self.variables!r}, rows={len(self.plain_rows)}, "
            f"boolean={self.boolean!r}, triples={len(self.triples)}, truncated={self.truncated!r})"
        )

    def to_result(self) -> Result:
        """The same answer as an rdflib ``Result`` (what rdflib writes graphs and parses results from)."""
        from rdflib import Graph, Variable
        from rdflib.query import Result

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
    graph: Graph, query: CheckedQuery, bindings: dict[str, Plain], limit: int | None
) -> QueryOutput:
    """Run a checked query on an rdflib graph (the memory store's way of answering)."""
    import rdflib.plugins.sparql as rdflib_sparql
    from rdflib import Variable

    # Belt and braces: even if a FROM slipped past check_query, rdflib must not fetch it.
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    term = _terms()
    initial: dict[str, Any] = {Variable(name): term(value) for name, value in bindings.items()}
    result = graph.query(prepare_rdflib(query.text), initBindings=initial)
    if result.type == "ASK":
        return QueryOutput("ASK", boolean=bool(result.askAnswer))
    if result.type == "SELECT":
        variables = [str(v) for v in (result.vars or [])]
        rows: list[tuple[Any, ...]] = []
        truncated = False
        solutions: Iterable[Any] = result  # a SELECT's result yields ResultRows
        for row in solutions:
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            rows.append(tuple(row))
        return QueryOutput("SELECT", variables=variables, rows=rows, truncated=truncated)
    triples: list[Any] = list(result.graph) if result.graph is not None else list(result)
    truncated = limit is not None and len(triples) > limit
    return QueryOutput(result.type, triples=sorted(triples)[:limit], truncated=truncated)


# Answers are held, written and sent from a worker to its parent (pickled) as plain
# terms (careergraph.terms: named tuples). Pickling rdflib's terms instead would build
# each one twice and cost several times as much; Oxigraph's answers never become rdflib
# terms unless a caller asks for QueryOutput.rows.


@overload
def plain_term(term: None) -> None: ...
@overload
def plain_term(term: RDFNode) -> Plain: ...
@overload
def plain_term(term: object) -> Plain | None: ...
def plain_term(term: object) -> Plain | None:
    """An rdflib term as a plain term (None stays None).

    >>> from rdflib import Literal, URIRef
    >>> plain_term(Literal("Testing", lang="en")), plain_term(URIRef("urn:x"))
    (Lit(value='Testing', language='en', datatype=None), Iri(value='urn:x'))
    """
    from rdflib import Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, Literal):
        return literal(str(term), term.language, term.datatype and str(term.datatype))
    return Blank(str(term))


plain_literal = literal  # the name stores and tests know it by


def _terms() -> Any:
    """A function from plain terms back to rdflib terms, building each distinct term once."""
    from rdflib import BNode, Literal, URIRef

    made: dict[Plain, Any] = {}

    def term(plain: Plain | None) -> Any:
        if plain is None:
            return None
        found = made.get(plain)
        if found is None:
            if isinstance(plain, Iri):
                found = URIRef(plain.value)
            elif isinstance(plain, Blank):
                found = BNode(plain.value)
            else:
                value, language, datatype = plain
                found = Literal(value, lang=language, datatype=datatype and URIRef(datatype))
            made[plain] = found
        return found

    return term


def plain_output(output: QueryOutput) -> Answer:
    """``output`` in plain terms (see :func:`output_from_plain`)."""
    triples: list[Any] = [tuple(map(plain_term, triple)) for triple in output.triples]
    return Answer(output.kind, output.variables, output.plain_rows, output.boolean, triples, output.truncated)


def output_from_plain(answer: Answer) -> QueryOutput:
    """The :class:`QueryOutput` whose :func:`plain_output` is ``answer`` (rows stay plain till asked for)."""
    kind, variables, rows, boolean, triples, truncated = answer
    graph: list[Any] = []
    if triples:  # a graph: rdflib writes those
        term = _terms()
        graph = [tuple(map(term, triple)) for triple in triples]
    return QueryOutput(kind, variables, None, boolean, graph, truncated, plain_rows=rows)


class Answering(Protocol):
    """What a worker asks of a store (:class:`careergraph.stores.Store` is one): the query
    module stays below the stores, which use it."""

    def prepare(self) -> None: ...

    def answer(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> Answer: ...

    def write(
        self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
    ) -> tuple[bytes, bool] | None: ...


def _serve(conn: Any, store: Answering) -> None:
    """The worker's loop: answer each checked query sent down ``conn`` until the parent hangs up."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            query, bindings, limit, fmt = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        # Pickled, not marshalled: marshal takes no tuple subclass, so no named term.
        try:
            # Written by the engine where it can (bytes, sent as they are), else plain tuples.
            written = store.write(query, bindings, fmt, limit) if fmt is not None else None
            if written is not None:
                answer = pickle.dumps(("written", written), pickle.HIGHEST_PROTOCOL)
            else:
                answer = pickle.dumps(("ok", store.answer(query, bindings, limit)), pickle.HIGHEST_PROTOCOL)
        except CareergraphError as error:  # sent as words: custom exceptions do not all pickle
            answer = pickle.dumps(("careergraph", (type(error).__name__, str(error), error.exit_code)))
        except MemoryError:
            answer = pickle.dumps(("memory", ""))
        except Exception as error:  # report anything to the parent, which raises it
            answer = pickle.dumps(("error", f"{type(error).__name__}: {error}"))
        conn.send_bytes(answer)


def _close_sockets(keep: int) -> None:
    """Close every socket this (forked) process inherited but ``keep``: a server's listening
    socket, its clients' connections, other workers' pipes."""
    import stat

    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: nothing to learn the descriptors from
        return
    for fd in descriptors:
        if fd == keep:
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def _cap_memory(extra: int) -> None:
    """Let this process map at most ``extra`` bytes more than it has now (``RLIMIT_AS``)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def _end_child(pid: int, conn: Any) -> None:
    import os
    import signal

    conn.close()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class QueryWorker:
    """A child process, forked from this one, that runs checked queries on a store one at a time.

    Neither rdflib nor pyoxigraph can stop a running query, so queries run in
    the child, which is killed (and forked again for the next query) when one
    overruns its time limit. Forking once and reusing the child keeps what a
    query costs close to what the engine takes: forking for every query would
    cost milliseconds for a small process and tens of them for one holding a
    large graph.
    """

    def __init__(
        self, store: Answering, *, memory_cap: int | None = None, close_sockets: bool = False
    ) -> None:
        self.store = store
        #: bytes the child may map beyond what it holds when forked (None: no cap)
        self.memory_cap = memory_cap
        #: close every inherited socket in the child (a server's listening and client sockets)
        self.close_sockets = close_sockets
        self._pid: int | None = None
        self._conn: Any = None
        self._lock = threading.Lock()
        #: which pool of workers this one belongs to (a server renews its pools by generation)
        self.generation = 0

    def start(self) -> None:
        """Fork the child now (else the first query does)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._pid is not None:
            return
        import os
        from multiprocessing import Pipe

        self.store.prepare()  # parse or open once, before forking: the child shares it
        ours, theirs = Pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child never returns to the caller's code
            try:
                ours.close()
                if self.close_sockets:
                    _close_sockets(keep=theirs.fileno())
                if self.memory_cap:
                    _cap_memory(self.memory_cap)
                    # An engine that runs out aborts with its own screenful on stderr: the parent
                    # reports it in a line instead.
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 2)
                    os.close(devnull)
                _serve(theirs, self.store)
            finally:
                os._exit(0)
        theirs.close()
        self._pid, self._conn = pid, ours
        import weakref

        # Killed and reaped when this worker is dropped, or when this process exits.
        self._end = weakref.finalize(self, _end_child, pid, ours)

    def _died(self, name: str) -> CareergraphError:
        """The error for a child that hung up mid-query: how it ended, once it is reaped."""
        import signal

        pid = self._pid
        self._end.detach()
        self._conn.close()
        self._pid = self._conn = None
        try:
            _, status = os.waitpid(pid, 0) if pid is not None else (0, 0)
        except ChildProcessError:
            status = 0
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            cause = signal.Signals(number).name if number in signal.Signals._value2member_map_ else number
            if number in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV) and self.memory_cap:
                return QueryMemoryError(
                    f"query {name!r} was stopped: the query engine ran out of the "
                    f"{self.memory_cap // 2**20} MiB it may use, or crashed ({cause})"
                )
            return CareergraphError(
                f"query {name!r} crashed the query engine ({cause}); nothing was answered"
            )
        return CareergraphError(
            f"query {name!r} ended without an answer (exit status {os.WEXITSTATUS(status)})"
        )

    def stop(self) -> None:
        """Kill the child; the next query forks a new one."""
        if self._pid is not None:
            self._end()
            self._pid = self._conn = None

    def run(
        self,
        query: CheckedQuery,
        bindings: dict[str, Plain],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        budget: float | None = None,
        over_budget: Any = None,
    ) -> QueryOutput:
        """The answer to ``query``, or :class:`QueryTimeoutError` after ``timeout`` seconds.

        With a ``budget`` (seconds), ``over_budget(self)`` is called each time
        that much more time passes with the query still running (see :meth:`ask`).
        """
        answer = self.ask(query, bindings, limit, timeout, name, budget=budget, over_budget=over_budget)
        assert isinstance(answer, QueryOutput)
        return answer

    def ask(
        self,
        query: CheckedQuery,
        bindings: dict[str, Plain],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        fmt: str | None = None,
        budget: float | None = None,
        over_budget: Any = None,
    ) -> QueryOutput | tuple[bytes, bool]:
        """The answer to ``query``, or :class:`QueryTimeoutError` after ``timeout`` seconds.

        With a format ``fmt``, the answer comes as the bytes the store's engine wrote and
        whether rows past ``limit`` were cut (:meth:`careergraph.stores.Store.write`) when it
        can write them, else as a :class:`QueryOutput`.

        With a ``budget`` (seconds), ``over_budget(self)`` is called each time
        that much more time passes with the query still running: it returns
        True (the query goes on to the end), False (it is stopped with
        :class:`ServerBusyError`) or None (ask again after another budget).
        """
        import pickle

        with self._lock:
            self._start()
            try:
                self._conn.send_bytes(pickle.dumps((query, bindings, limit, fmt)))
                waited = 0.0
                while budget is not None and waited + budget < timeout and not self._conn.poll(budget):
                    waited += budget
                    verdict = over_budget(self)
                    if verdict is None:  # not over it yet (it waited for a processor): look again later
                        continue
                    if not verdict:
                        self.stop()
                        raise ServerBusyError(
                            "the server is busy with slow queries: this one was stopped; try again later"
                        )
                    break
                if not self._conn.poll(timeout - waited):
                    self.stop()
                    raise timed_out(name, timeout)
                status, payload = pickle.loads(self._conn.recv_bytes())
            except (EOFError, OSError):
                raise self._died(name) from None
        if status == "careergraph":
            raise rebuilt(*payload)
        if status == "memory":
            raise QueryMemoryError(f"query {name!r} was stopped: it needed more memory than it may use")
        if status == "error":
            raise CareergraphError(f"query {name!r} failed: {payload}")
        if status == "written":
            return (payload[0], payload[1])
        return output_from_plain(payload)


class WorkerPool:
    """Several :class:`QueryWorker` s for one store, so that queries from many threads run side by side."""

    def __init__(self, store: Answering, size: int = 1, **options: Any) -> None:
        import queue

        self.idle: queue.SimpleQueue[QueryWorker] = queue.SimpleQueue()
        self.workers = [QueryWorker(store, **options) for _ in range(max(1, size))]
        for worker in self.workers:
            self.idle.put(worker)

    def start(self) -> None:
        """Fork every worker now, before this process starts threads of its own."""
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def run(
        self, query: CheckedQuery, bindings: dict[str, Plain], limit: int | None, timeout: float, name: str
    ) -> QueryOutput:
        """Run ``query`` on the first worker free (see :meth:`QueryWorker.run`)."""
        worker = self.idle.get()
        try:
            return worker.run(query, bindings, limit, timeout, name)
        finally:
            self.idle.put(worker)

    def ask(
        self,
        query: CheckedQuery,
        bindings: dict[str, Plain],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        fmt: str | None = None,
    ) -> QueryOutput | tuple[bytes, bool]:
        """Ask ``query`` of the first worker free (see :meth:`QueryWorker.ask`)."""
        worker = self.idle.get()
        try:
            return worker.ask(query, bindings, limit, timeout, name, fmt=fmt)
        finally:
            self.idle.put(worker)


class Watchdog:
    """Ends this process with an error when a query runs past its deadline.

    For one-shot commands, which run their query in their own process: no
    fork, no copy of the answer between processes. One daemon thread waits for
    the deadline of the query running now; pyoxigraph lets go of the GIL while
    it evaluates, and rdflib, being Python, hands it over every few
    milliseconds, so the thread wakes on time. It writes the error as the CLI
    does and exits with the error's status.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._deadline: float | None = None  # None: nothing is running
        self._error: CareergraphError | None = None
        self._wakes_at: float | None = None  # when the thread wakes next (None: when told)
        self._thread: threading.Thread | None = None
        self._wake: tuple[Any, Any] | None = None

    @contextlib.contextmanager
    def guard(self, seconds: float, error: CareergraphError) -> Iterator[None]:
        """End this process with ``error`` if the block is still running after ``seconds``."""
        with self._changed:
            self._deadline, self._error = time.monotonic() + seconds, error
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="careergraph-watchdog", daemon=True)
                self._thread.start()
            elif self._wakes_at is None or self._wakes_at > self._deadline:
                # Woken only when it would sleep past this deadline: a thread switch per
                # query costs as much as a quick query.
                self._changed.notify()
        previous = self._catch_interrupts()
        try:
            yield
        finally:
            with self._changed:
                self._deadline = None
            if previous is not None:
                import signal

                signal.set_wakeup_fd(previous)

    def _catch_interrupts(self) -> int | None:
        """Have Ctrl-C end the process even while an engine holds the main thread in native code.

        Python runs its handler only when the main thread returns to Python,
        which pyoxigraph does not do until the query ends; but the signal's
        number is written at once to the wakeup descriptor, which a thread reads.
        Returns the descriptor to restore (None when not on the main thread).
        """
        import signal

        if threading.current_thread() is not threading.main_thread():
            return None
        if self._wake is None:
            reader, writer = os.pipe()  # a pipe, not a socket pair: no socket module to import
            os.set_blocking(writer, False)
            self._wake = (reader, writer)
            threading.Thread(
                target=self._listen, args=(reader,), name="careergraph-interrupt", daemon=True
            ).start()
        try:
            return signal.set_wakeup_fd(self._wake[1], warn_on_full_buffer=False)
        except ValueError:
            return None

    def _listen(self, reader: Any) -> None:
        import signal

        while True:
            try:
                received = os.read(reader, 64)
            except OSError:
                return
            if signal.SIGINT in received and self._deadline is not None:
                sys.stdout.flush()
                sys.stderr.write("\nAborted!\n")  # what click says for Ctrl-C
                sys.stderr.flush()
                os._exit(1)

    def _watch(self) -> None:
        with self._changed:
            while True:
                if self._deadline is None:
                    self._wakes_at = None
                    self._changed.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._wakes_at = self._deadline
                    self._changed.wait(left)
                    continue
                assert self._error is not None
                sys.stdout.flush()
                sys.stderr.write(f"Error: {self._error}\n")
                sys.stderr.flush()
                os._exit(self._error.exit_code)


#: the process-wide watchdog of queries run in this process
WATCHDOG = Watchdog()


def timed_out(name: str, timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(
        f"query {name!r} was stopped after {timeout:g} s; narrow it, add a LIMIT, or raise --timeout"
    )
