"""The same answer from every engine: what careergraph settles itself after a query runs.

SPARQL leaves some things to the engine, and engines differ where it does not:
``GROUP_CONCAT`` joins its values in any order (rdflib in the order it met
them, Oxigraph and Virtuoso in others), Virtuoso mis-sorts ``ORDER BY`` over
an expression such as ``LCASE(STR(?label))`` and does not always honour
``SELECT DISTINCT``. So careergraph

- sorts the values of every ``GROUP_CONCAT(…; SEPARATOR=s) AS ?v`` cell (on every store);
- for a remote endpoint, drops repeated rows of a ``SELECT DISTINCT`` and sorts
  the rows by the query's outer ``ORDER BY`` itself, in SPARQL's order (unbound,
  blank nodes, IRIs, then literals; numbers by value, strings by code point),
  ties broken by the whole row.

The ``ORDER BY`` keys it understands are a variable, ``STR``, ``LCASE`` and
``UCASE`` of one, in ``ASC``/``DESC``; for any other key it keeps the engine's order.
"""

from __future__ import annotations

import functools
import re

from .terms import Blank, Iri, Lit

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from .output import QueryOutput

__all__ = ["concatenated", "is_distinct", "order_keys", "settle_concat", "sort_rows", "sort_key"]

#: compiled on first use (by :mod:`re`'s cache), and only for a query that holds GROUP_CONCAT
_CONCAT = r"""(?is)
        GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*(?:;\s*SEPARATOR\s*=\s*(?:"([^"\\]*)"|'([^'\\]*)'))?\s*\)
        \s*AS\s+[?$](\w+)"""
_NUMERIC = {
    "http://www.w3.org/2001/XMLSchema#" + name
    for name in (
        "integer decimal double float int long short byte nonNegativeInteger positiveInteger "
        "negativeInteger nonPositiveInteger unsignedInt unsignedLong unsignedShort unsignedByte"
    ).split()
}
_FUNCTIONS = {"STR", "LCASE", "UCASE"}


@functools.lru_cache(maxsize=256)
def concatenated(text: str) -> dict[str, str]:
    """The variables a query makes with ``GROUP_CONCAT``, and their separators.

    >>> concatenated('SELECT (GROUP_CONCAT(DISTINCT ?l; SEPARATOR=", ") AS ?all) WHERE {}')
    {'all': ', '}
    """
    if "GROUP_CONCAT" not in text.upper():
        return {}
    return {m.group(3): m.group(1) or m.group(2) or " " for m in re.finditer(_CONCAT, text, re.VERBOSE)}


def _outer_tail(text: str) -> list[tuple[str, str]]:
    """The tokens after the query pattern's last ``}`` (solution modifiers), comments and space left out."""
    from .safety import tokens

    found = [(kind, token) for kind, token, _ in tokens(text) if kind not in ("space", "comment")]
    closing = [i for i, (kind, token) in enumerate(found) if kind == "other" and token == "}"]
    return found[closing[-1] + 1 :] if closing else []


@functools.lru_cache(maxsize=256)
def is_distinct(text: str) -> bool:
    """Whether the query's outer SELECT is DISTINCT (or REDUCED).

    >>> is_distinct("PREFIX a: <urn:a> SELECT DISTINCT ?x { { SELECT ?x {} } }")
    True
    """
    from .safety import tokens

    words = [token.upper() for kind, token, _ in tokens(text) if kind == "word"]
    for word, following in zip(words, words[1:], strict=False):
        if word == "SELECT":
            return following in ("DISTINCT", "REDUCED")
    return False


@functools.lru_cache(maxsize=256)
def order_keys(text: str) -> tuple[tuple[str, tuple[str, ...], bool], ...] | None:
    """The outer ``ORDER BY`` as (variable, functions applied innermost first, descending); None if
    there is none or a key is more than :data:`_FUNCTIONS` of a variable.

    >>> order_keys("SELECT * { } ORDER BY ?kind DESC(LCASE(STR(?label))) LIMIT 3")
    (('kind', (), False), ('label', ('STR', 'LCASE'), True))
    >>> order_keys("SELECT * { } ORDER BY (?a + ?b)") is None
    True
    """
    tail = _outer_tail(text)
    words = [token.upper() if kind == "word" else token for kind, token in tail]
    try:
        start = next(i for i in range(len(words) - 1) if words[i] == "ORDER" and words[i + 1] == "BY") + 2
    except StopIteration:
        return None
    keys = []
    functions: list[str] = []
    descending = False
    depth = 0
    for (kind, token), word in zip(tail[start:], words[start:], strict=True):
        if word in ("LIMIT", "OFFSET", "VALUES"):
            break
        if word in ("ASC", "DESC") and depth == 0:
            descending = word == "DESC"
        elif word in _FUNCTIONS:
            functions.append(word)
        elif token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
            if depth == 0:
                descending = False
        elif kind == "variable":
            keys.append((token[1:], tuple(reversed(functions)), descending))
            functions = []
            if depth == 0:
                descending = False
        else:
            return None
    return tuple(keys) or None


def sort_key(term: Any) -> tuple[Any, ...]:
    """Where a plain term sorts in SPARQL's ORDER BY.

    >>> from careergraph.query.terms import XSD_INTEGER, Iri, Lit
    >>> terms = [Lit("10", None, XSD_INTEGER), None, Iri("urn:b"), Lit("9", None, XSD_INTEGER)]
    >>> sorted(terms, key=sort_key)[1:3]
    [Iri(value='urn:b'), Lit(value='9', language=None, datatype='http://www.w3.org/2001/XMLSchema#integer')]
    """
    if term is None:
        return (0,)
    if isinstance(term, Blank):
        return (1, term.value)
    if isinstance(term, Iri):
        return (2, term.value)
    value, language, datatype = term
    if datatype in _NUMERIC:
        try:
            return (3, 0, float(value), value)
        except ValueError:
            pass
    return (3, 1, value, language or "", datatype or "")


def _applied(term: Any, functions: tuple[str, ...]) -> Any:
    for function in functions:
        if term is None or isinstance(term, Blank):
            return None  # an error in SPARQL: sorts with the unbound
        text = term.value
        if function == "LCASE":
            text = text.lower()
        elif function == "UCASE":
            text = text.upper()
        term = Lit(text, term.language if isinstance(term, Lit) and function != "STR" else None)
    return term


def sort_rows(variables: list[str], rows: list[tuple[Any, ...]], text: str) -> list[tuple[Any, ...]]:
    """``rows`` in the order of the query's outer ORDER BY, ties broken by the whole row (or as they are)."""
    keys = order_keys(text)
    if keys is None or any(name not in variables for name, _f, _d in keys):
        return rows
    ordered = sorted(rows, key=lambda row: [sort_key(cell) for cell in row])
    for name, functions, descending in reversed(keys):
        column = variables.index(name)
        ordered.sort(key=lambda row: sort_key(_applied(row[column], functions)), reverse=descending)
    return ordered


def settle_concat(output: QueryOutput, text: str) -> QueryOutput:
    """``output`` with the values in each ``GROUP_CONCAT`` cell sorted: the same string from every engine."""
    separators = concatenated(text)
    if output.kind != "SELECT" or not separators:
        return output
    columns = [(output.variables.index(v), s) for v, s in separators.items() if v in output.variables]
    if not columns:
        return output
    from .output import QueryOutput

    rows = []
    for row in output.plain_rows:
        cells = list(row)
        for column, separator in columns:
            cell = cells[column]
            if isinstance(cell, Lit):
                # A simple literal, as SPARQL 1.1 has it: Oxigraph keeps a language its values share.
                cells[column] = Lit(separator.join(sorted(cell.value.split(separator))), None, None)
        rows.append(tuple(cells))
    return QueryOutput("SELECT", output.variables, truncated=output.truncated, plain_rows=rows)
