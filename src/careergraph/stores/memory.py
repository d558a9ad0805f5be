"""The ``memory`` store: rdflib's in-memory graph, parsed from the Turtle files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CareergraphError, QuerySyntaxError
from ..query.output import QueryOutput
from ..query.safety import prepare_rdflib
from ..query.terms import Term, _terms
from . import Store, files_digest

if TYPE_CHECKING:
    from rdflib import Graph

    from ..facts import Facts, Pull
    from ..query.safety import CheckedQuery


def execute_rdflib(
    graph: Graph, query: CheckedQuery, bindings: dict[str, Term], limit: int | None
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


# --- memory --------------------------------------------------------------------------


class MemoryStore(Store):
    """rdflib's in-memory graph of the Turtle files (parsed on first use)."""

    kind = "memory"

    def __init__(self, _argument: str, data: Sequence[Path]) -> None:
        from ..data import turtle_files

        self.files = turtle_files(data)
        self._graph: Graph | None = None
        self._fingerprint: str | None = None

    @classmethod
    def of(cls, graph: Graph) -> MemoryStore:
        """A memory store holding an rdflib graph already in hand (never cached: it has no files)."""
        store = cls("", [])
        store._graph = graph
        return store

    @property
    def is_local(self) -> bool:
        return True

    def fingerprint(self) -> str | None:
        if self._fingerprint is None and self.files:
            self._fingerprint = self._digest()
        return self._fingerprint

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            from ..data import load_graph

            self._graph = load_graph(self.files)
        return self._graph

    def whole_graph(self) -> Graph:
        return self.graph

    def graph_covering(self, query: str) -> Graph:
        # Already in memory: reading it directly beats copying part of it through CONSTRUCT.
        return self.graph

    def facts(self, pull: Pull, *, waited: bool = True) -> Facts:
        from ..facts import Facts

        return Facts.from_graph(self.graph, pull)

    def prepare(self) -> None:
        self.graph  # noqa: B018 (parsing is the point)

    def construct(self, text: str) -> Graph:
        return self.graph.query(text).graph  # type: ignore[return-value]

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        pass

        try:
            return execute_rdflib(self.graph, query, bindings, limit)
        except CareergraphError:
            raise
        except Exception as error:  # rdflib raises plain Exceptions while it evaluates
            message = str(error).splitlines()[0] if str(error) else type(error).__name__
            if "requiring a dataset" in message:
                raise QuerySyntaxError(
                    "GRAPH needs named graphs: the memory store holds the data as one default graph "
                    "(query it without GRAPH)"
                ) from None
            if message.startswith("Cannot eval thing") and re.search(r"(?i)\bGROUP\s+BY\b", query.text):
                message += (
                    "; a grouped query may select only its GROUP BY variables and aggregates: "
                    "name the group with GROUP BY (expression AS ?name)"
                )
            raise QuerySyntaxError(f"the query cannot be evaluated: {message}") from None

    def _digest(self) -> str:
        return files_digest(self.files)
