"""Parameters: values bound to a query's variables, and the text a remote engine is sent with them."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from ..errors import QueryParameterError, UsageError
from ..names import Names
from .catalogue import NamedQuery
from .terms import XSD_INTEGER, Blank, Iri, Lit, Term

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from .safety import CheckedQuery

# --- parameters --------------------------------------------------------------


def bind_params(query: NamedQuery, values: Mapping[str, str], index: Names | None) -> dict[str, Term]:
    """Turn ``NAME=VALUE`` strings into bindings of the query's parameters (plain terms by name).

    Raises
    ------
    QueryParameterError
        for a parameter the query does not take, or one it needs and lacks.
    UnknownNameError
        for a role, skill, tool, topic, guest or episode label not in the graph.

    >>> from careergraph.query.catalogue import parse_query_text
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
    bindings: dict[str, Term] = {}
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


def turtle_term(term: Term) -> str:
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


@functools.lru_cache(maxsize=256)  # named queries come back again and again
def _opening_brace(text: str, skip_groups: int) -> int:
    """The offset of the ``{`` that opens the query pattern, after ``skip_groups`` whole groups.

    Read from the query's tokens, so a ``{`` inside a comment, string or IRI does not count.
    """
    from .safety import tokens

    depth = 0
    for kind, token, offset in tokens(text):
        if kind != "other":
            continue
        if token == "{":
            if depth == 0 and skip_groups == 0:
                return offset
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                skip_groups -= 1
    raise UsageError("cannot find the query pattern's opening brace to bind parameters")


def bind_in_text(text: str, form: str, bindings: dict[str, Any]) -> str:
    """``text`` with ``bindings`` (plain terms by name) as VALUES blocks at the start of its pattern.

    A VALUES block first in the WHERE group joins with everything after it, as
    rdflib's initBindings do; one block per parameter, since Virtuoso cannot
    compile a row of two variables before an OPTIONAL (SP031). The terms are
    written in SPARQL syntax by :func:`careergraph.query.params.turtle_term`, so a
    value cannot break out of its place.

    >>> from careergraph.query.terms import Lit
    >>> bind_in_text("SELECT ?x WHERE { ?x ?p ?l }", "SELECT", {"l": Lit('a" }')})
    'SELECT ?x WHERE { VALUES ?l { "a\\\\" }" }  ?x ?p ?l }'
    """
    if not bindings:
        return text
    short_construct = form == "CONSTRUCT" and bool(re.search(r"(?i)\bCONSTRUCT\s+WHERE\b", text))
    skip = 1 if form == "CONSTRUCT" and not short_construct else 0
    brace = _opening_brace(text, skip)
    values = " ".join(f"VALUES ?{name} {{ {turtle_term(term)} }}" for name, term in bindings.items())
    return f"{text[: brace + 1]} {values} {text[brace + 1 :]}"


def push_limit(text: str, limit: int | None) -> str:
    """``text`` with ``LIMIT limit+1`` added, when that cannot change which rows come first.

    Not for a query with a LIMIT or trailing VALUES of its own, a DISTINCT or
    REDUCED one (some engines ignore those), or one ordered by an expression
    (engines differ there): careergraph cuts those answers itself. One row more
    than asked tells a cut answer from a whole one.

    >>> push_limit("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 5)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\\nLIMIT 6'
    >>> push_limit("SELECT * WHERE { ?s ?p ?o } # every triple", 5)
    'SELECT * WHERE { ?s ?p ?o } # every triple\\nLIMIT 6'
    >>> push_limit("SELECT * WHERE { ?s ?p ?o } ORDER BY LCASE(?o)", 5)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY LCASE(?o)'
    """
    from .safety import tokens

    if limit is None:
        return text
    words = [(kind, token.upper()) for kind, token, _ in tokens(text) if kind not in ("space", "comment")]
    form = next((i for i, (kind, word) in enumerate(words) if word in ("SELECT", "CONSTRUCT")), None)
    if form is None or words[form][1] != "SELECT" or words[form + 1][1] in ("DISTINCT", "REDUCED"):
        return text
    last = max(i for i, (_kind, word) in enumerate(words) if word == "}")
    tail = words[last + 1 :]
    if any(word in ("LIMIT", "OFFSET", "VALUES") for _kind, word in tail):
        return text
    order = next((i for i, (_kind, word) in enumerate(tail) if word == "ORDER"), None)
    if order is not None and any(kind != "variable" for kind, _word in tail[order + 2 :]):
        return text
    return f"{text.rstrip()}\nLIMIT {limit + 1}"  # on a line of its own: the text may end in a comment


def bound_text(query: CheckedQuery, bindings: dict[str, Any]) -> str:
    """The text the engine runs: ``query`` with its bindings, checked again unless careergraph wrote it.

    Where the bindings go is found from careergraph's tokens; the text that
    results is what the engine parses, so that is the text the check decides on.
    """
    text = bind_in_text(query.text, query.form, bindings)
    if bindings and not query.trusted:
        from .safety import check_query

        check_query(text)
    return text
