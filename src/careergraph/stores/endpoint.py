"""The ``sparql:URL`` store: any SPARQL 1.1 Protocol endpoint, queried over HTTP."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError, UsageError
from ..query.params import _opening_brace, bound_text, push_limit
from . import Store

if TYPE_CHECKING:
    from rdflib import Graph

    from ..facts import Facts, Pull
    from ..query.output import QueryOutput
    from ..query.safety import CheckedQuery
    from ..query.terms import Term

# --- a SPARQL endpoint -----------------------------------------------------------------

_ACCEPT = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples",
    "DESCRIBE": "application/n-triples",
}
#: Rows asked for in one page of a bulk pull (a server's smaller cap is found and followed).
PAGE_ROWS = 10_000
_PULL_TEMPLATE = re.compile(r"(?is)\bCONSTRUCT\s*\{\s*\?s\s+\?p\s+\?o\s*\.?\s*\}")


class IncompletePullError(StoreError):
    """An endpoint's answer could not be read in full: careergraph never works on part of the data."""


def _pull_parts(query: str) -> tuple[str, str]:
    """The prologue (PREFIXes) and the WHERE group of a ``CONSTRUCT { ?s ?p ?o } WHERE {…}`` pull.

    >>> _pull_parts("PREFIX a: <urn:a#> CONSTRUCT { ?s ?p ?o } WHERE { ?s a:p ?o }")
    ('PREFIX a: <urn:a#> ', '{ ?s a:p ?o }')
    """
    template = _PULL_TEMPLATE.search(query)
    if template is None:
        raise UsageError("a bulk pull is a CONSTRUCT { ?s ?p ?o } query")
    brace = _opening_brace(query, 1)
    end = query.rstrip().rindex("}")
    return query[: template.start()], query[brace : end + 1]


def _endpoint_spec(spec: str) -> tuple[str, str | None]:
    """The endpoint's URL and the graph named by a ``#graph=IRI`` fragment (None: the default graph).

    >>> _endpoint_spec("http://h:8890/sparql#graph=https://w3id.org/careergraph/graph")
    ('http://h:8890/sparql', 'https://w3id.org/careergraph/graph')
    >>> _endpoint_spec("http://h/query")
    ('http://h/query', None)
    """
    url, _, fragment = spec.partition("#")
    if not fragment:
        return url, None
    name, sep, graph = fragment.partition("=")
    if name != "graph" or not sep or not re.fullmatch(r"[a-zA-Z][\w+.-]*:[^\s<>\"{}|^`\\]+", graph):
        raise UsageError(f"sparql store: the URL's fragment names a graph as #graph=IRI, not #{fragment!r}")
    return url, graph


class SparqlStore(Store):
    """Any SPARQL 1.1 Protocol endpoint, queried with HTTP POST.

    ``sparql:URL#graph=IRI`` queries the named graph ``IRI`` as the default
    graph (the protocol's ``default-graph-uri``): a Virtuoso's default graph
    is the union of all its graphs, system triples included.
    """

    kind = "sparql"

    def __init__(self, url: str, _data: Sequence[Path]) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"sparql store needs an http(s) URL, not {url!r}")
        self.url, self.graph = _endpoint_spec(url)
        self.timeout = float(os.environ.get("CAREERGRAPH_HTTP_TIMEOUT", "30"))
        self.page_rows = PAGE_ROWS

    def _post(self, text: str, accept: str) -> tuple[bytes, bool]:
        """The endpoint's answer to ``text``, and whether the server says it cut the answer."""
        import urllib.error
        import urllib.parse
        import urllib.request

        fields = {"query": text}
        if self.graph is not None:
            fields["default-graph-uri"] = self.graph
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                cut = response.headers.get("X-Careergraph-Truncated", "").lower() == "true" or bool(
                    response.headers.get("X-SPARQL-MaxRows")
                )
                return response.read(), cut
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:300]
            raise StoreError(f"{self.url} answered {error.code} {error.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreError(f"cannot reach the SPARQL endpoint {self.url}: {reason}") from None

    def _select(self, text: str) -> tuple[list[str], list[tuple[Any, ...]], bool]:
        """A SELECT's variables and plain rows, and whether the server cut them."""
        import json

        from ..query.terms import Blank, Iri, literal

        payload, cut = self._post(text, _ACCEPT["SELECT"])
        document = json.loads(payload)

        def plain(value: dict[str, str] | None) -> Term | None:
            if value is None:
                return None
            if value["type"] == "uri":
                return Iri(value["value"])
            if value["type"] == "bnode":
                return Blank(value["value"])
            return literal(value["value"], value.get("xml:lang"), value.get("datatype"))

        variables = list(document["head"]["vars"])
        rows = [tuple([plain(b.get(v)) for v in variables]) for b in document["results"]["bindings"]]
        return variables, rows, cut

    def _cut_error(self, received: int) -> IncompletePullError:
        return IncompletePullError(
            f"{self.url} cut its answer at {received} rows (its result-size limit): careergraph does not "
            "answer from part of the data; add a LIMIT, or raise the endpoint's limit"
        )

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        from ..query.output import QueryOutput

        kind = query.form
        text = bound_text(query, bindings)
        if kind in ("CONSTRUCT", "DESCRIBE"):
            from rdflib import Graph

            payload, cut = self._post(text, _ACCEPT[kind])
            graph = Graph().parse(data=payload.decode("utf-8"), format="nt")
            triples = sorted(graph)
            if cut and (limit is None or len(triples) <= limit):
                raise self._cut_error(len(triples))
            truncated = limit is not None and len(triples) > limit
            return QueryOutput(kind, triples=triples[:limit], truncated=truncated)
        if kind == "ASK":
            import json

            payload, _cut = self._post(text, _ACCEPT[kind])
            return QueryOutput("ASK", boolean=bool(json.loads(payload)["boolean"]))
        variables, rows, cut = self._select(push_limit(text, limit))
        if cut and (limit is None or len(rows) <= limit):
            raise self._cut_error(len(rows))
        # Engines differ on DISTINCT and ORDER BY over expressions: careergraph settles both.
        from ..query.portable import is_distinct, sort_rows

        if is_distinct(query.text):
            rows = list(dict.fromkeys(rows))
        rows = sort_rows(variables, rows, query.text)
        truncated = limit is not None and len(rows) > limit
        return QueryOutput("SELECT", variables=variables, plain_rows=rows[:limit], truncated=truncated)

    def whole_graph(self) -> Graph:
        return self.graph_covering("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    def graph_covering(self, query: str) -> Graph:
        """Every triple the CONSTRUCT ``query`` answers, read page by page and checked against a count.

        The pattern is asked for as ``SELECT ?s ?p ?o`` in a stable ``ORDER BY``
        with ``LIMIT`` and ``OFFSET``; a server that cuts a page (its
        ``X-SPARQL-MaxRows`` or ``X-Careergraph-Truncated`` header, or a short
        page) is followed at its own page size. The distinct triples read must
        number what ``COUNT(*)`` over the same pattern says (a pull's pattern
        never repeats a triple), else :class:`IncompletePullError`: a wrong
        answer is never built from part of the data.
        """
        from rdflib import Graph

        from ..query.terms import _terms

        found = self._pull_rows(query)
        graph = Graph()
        term = _terms()
        for triple in found:
            graph.add(tuple(map(term, triple)))  # type: ignore[arg-type]
        return graph

    def facts(self, pull: Pull, *, waited: bool = True) -> Facts:
        """The triples ``pull`` asks for, read as :meth:`graph_covering` reads them (paged, counted)."""
        return facts_from_rows(self._pull_rows(pull.construct()))

    def _pull_rows(self, query: str) -> set[tuple[Any, ...]]:
        """The distinct plain rows ``(s, p, o)`` of the CONSTRUCT ``query``, every one or an error."""
        prologue, pattern = _pull_parts(query)
        _vars, counted, _cut = self._select(f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {pattern}")
        try:
            expected = int(counted[0][0].value)
        except (AttributeError, IndexError, ValueError):
            raise IncompletePullError(f"{self.url} did not answer how many triples to read") from None
        try:
            found = self._pages(prologue, pattern, expected, "ORDER BY ?s ?p ?o ")
        except StoreError as refused:
            # Virtuoso refuses to sort past its MaxSortedTopRows (10,000 by default): read the
            # pages in the engine's own order, which the count below still holds to account.
            try:
                found = self._pages(prologue, pattern, expected, "")
            except StoreError as error:
                raise IncompletePullError(f"{error} (ordered pages: {refused})") from None
        if len(found) != expected:
            raise IncompletePullError(
                f"{self.url}: read {len(found)} of the {expected} triples it holds for this pull "
                "(the data changed, or the server cannot page in a stable order); nothing was answered"
            )
        return found

    def _pages(self, prologue: str, pattern: str, expected: int, order: str) -> set[tuple[Any, ...]]:
        """The distinct rows of ``SELECT ?s ?p ?o WHERE pattern``, read a page at a time."""
        found: set[tuple[Any, ...]] = set()
        page, offset = self.page_rows, 0
        while offset < expected:
            text = f"{prologue}SELECT ?s ?p ?o WHERE {pattern} {order}LIMIT {page} OFFSET {offset}"
            _vars, rows, cut = self._select(text)
            if not rows:
                break
            if cut or len(rows) < min(page, expected - offset):
                page = len(rows)  # the server's own cap: keep to it
            found.update(rows)
            offset += len(rows)
        return found


def facts_from_rows(rows: Iterable[tuple[Term, Term, Term]]) -> Facts:
    """:class:`careergraph.facts.Facts` from an endpoint's rows of named terms.

    >>> from careergraph.query.terms import Blank, Iri, Lit
    >>> a, p = Iri("urn:a"), Iri("urn:p")
    >>> facts = facts_from_rows([(a, p, Lit("x")), (Blank("b1"), p, a)])
    >>> facts.objects("urn:a", "urn:p"), facts.iris("urn:a", "urn:p")  # a literal is not an IRI
    (['x'], frozenset())
    >>> [type(blank).__name__ for blank in facts.subjects("urn:p", "urn:a")]
    ['BlankId']
    """
    from ..facts import BlankId, Facts, LexicalForm
    from ..query.terms import Blank, Iri

    def plain(term: Term) -> str:
        if isinstance(term, Iri):
            return term.value
        return BlankId(term.value) if isinstance(term, Blank) else LexicalForm(term.value)

    by_predicate: dict[str, list[tuple[str, str]]] = {}
    for s, p, o in rows:
        by_predicate.setdefault(p.value, []).append((plain(s), plain(o)))
    facts = Facts()
    for predicate, pairs in by_predicate.items():
        facts.add_pairs(predicate, pairs)
    return facts
