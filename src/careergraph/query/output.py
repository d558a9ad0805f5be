"""A query's answer (:class:`QueryOutput`), and its plain form for crossing processes."""

from __future__ import annotations

from ..prefixes import PREFIXES
from .terms import Answer, _terms, plain_term

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from rdflib.query import Result

__all__ = ["QueryOutput"]

# --- running -----------------------------------------------------------------


class QueryOutput:
    """What a query returned: rows of a SELECT, a boolean of an ASK, or a graph.

    A SELECT's rows come as rdflib terms (``rows``) or as the plain terms the
    stores read them as (``plain_rows``: :class:`~careergraph.query.terms.Iri`,
    :class:`~careergraph.query.terms.Blank` or :class:`~careergraph.query.terms.Lit`).
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
