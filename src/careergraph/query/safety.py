"""The safety check: a query is refused before it runs if it would write or reach outside the loaded data."""

from __future__ import annotations

import _thread
import functools
from collections.abc import Iterator

from ..errors import QuerySyntaxError, UnsafeQueryError
from ..prefixes import PREFIXES
from ..record import Record

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    import re
    from typing import Any

__all__ = ["check_query", "CheckedQuery", "prepare_rdflib", "varies"]

# --- safety ------------------------------------------------------------------

#: Words only an update holds: a query never does.
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
#: SPARQL's tokens, as far as telling a keyword from a string, an IRI, a name or a comment needs.
_TOKEN = r"""
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
    """
_ESCAPE = r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled on first use: importing the module compiles nothing."""
    import re

    return re.compile(pattern, re.VERBOSE | re.DOTALL) if pattern is _TOKEN else re.compile(pattern)


class CheckedQuery(Record):
    """A query :func:`check_query` found read-only, and its form: SELECT, ASK, CONSTRUCT or DESCRIBE;
    ``trusted`` when it was checked as a shipped query (by its tokens), not on a full parse."""

    __slots__ = ("text", "form", "trusted")
    text: str
    form: str
    trusted: bool

    def __init__(self, text: str, form: str, trusted: bool = False) -> None:
        self._set(text=text, form=form, trusted=trusted)


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
    return ((m.lastgroup or "", m.group(), m.start()) for m in _compiled(_TOKEN).finditer(text))


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
    unescaped = _unescaped(text)
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


def _unescaped(text: str) -> str:
    """``text`` with its ``\\u`` and ``\\U`` escapes undone, as SPARQL undoes them before parsing."""
    if "\\u" not in text and "\\U" not in text:  # nothing to undo: no pattern compiled
        return text
    return _compiled(_ESCAPE).sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


#: Functions whose value changes from one run of a query to the next, and with it what a run costs.
_VARYING = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})


def varies(text: str) -> bool:
    """Whether the query ``text`` calls a function whose value changes from one run to the next, so
    that one run's cost says nothing of the next's (``FILTER(NOW() > …)`` can turn a cross product on).
    Escapes are undone first, and a prefix or dotted part spelt like one counts: yes when in doubt.

    >>> varies("SELECT * { BIND(NOW() AS ?t) }"), varies("SELECT * { ?s <urn:now> 'RAND()' }")
    (True, False)
    >>> varies("SELECT * { BIND(\\\\u004EOW() AS ?t) }"), varies("SELECT * { ?s rand:x ?o }")
    (True, True)
    """
    unescaped = _unescaped(text)
    words = {*_words(text, prefixes=True), *_words(unescaped, prefixes=True)}
    return not words.isdisjoint(_VARYING)


#: rdflib's parser (pyparsing) keeps state between calls: two threads parsing at once break each other.
#: (threading.Lock is this lock: _thread is loaded with Python, threading costs a cold query an import.)
_PARSING = _thread.allocate_lock()


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
