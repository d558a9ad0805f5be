"""Where the triples live: one small interface, three backends chosen by name.

=================  ==========================================================
``embedded``       an Oxigraph store in the cache folder, kept per content of the
                   Turtle files: built on first use, reused while they are unchanged (default)
``memory``         rdflib's in-memory graph, parsed from the Turtle files
``oxigraph:PATH``  an on-disk pyoxigraph store, filled by ``careergraph load``
``sparql:URL``     any SPARQL 1.1 Protocol endpoint, queried over HTTP
=================  ==========================================================

Every backend answers :meth:`Store.execute` with the same
:class:`~careergraph.query.output.QueryOutput` (rdflib terms), so the named queries
give the same rows on each, and :meth:`Store.graph_covering` with an rdflib graph, from
which the label index and the role projection are built: one query each on the
memory and Oxigraph stores, pages checked against a count on an endpoint
(:meth:`SparqlStore.graph_covering`), never a query per node. Heavy libraries are
imported by the backend that needs them, when it is opened, as rdflib's plugin
registry does.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Sequence
from pathlib import Path

from ..errors import StoreError, UsageError

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from rdflib import Graph

    from ..facts import Facts, Pull
    from ..query.output import QueryOutput
    from ..query.safety import CheckedQuery
    from ..query.terms import Answer
    from ..query.workers import WorkerPool

__all__ = ["BACKENDS", "STORE_ENV", "LABELS_QUERY", "Store", "StoreError", "open_store"]

STORE_ENV = "CAREERGRAPH_STORE"
#: backend name -> "module:class", imported only when that backend is opened
BACKENDS = {
    "embedded": "careergraph.stores.oxigraph:EmbeddedStore",
    "memory": "careergraph.stores.memory:MemoryStore",
    "oxigraph": "careergraph.stores.oxigraph:OxigraphStore",
    "sparql": "careergraph.stores.endpoint:SparqlStore",
}
LABELS_QUERY = """
PREFIX cg: <https://w3id.org/careergraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
CONSTRUCT { ?s ?p ?o }
WHERE {
  { VALUES ?p { skos:inScheme skos:prefLabel skos:altLabel schema:name schema:alternateName cg:slug }
    ?s ?p ?o . }
  UNION
  { VALUES ?o { schema:Person schema:PodcastEpisode } ?s rdf:type ?o . BIND(rdf:type AS ?p) }
}
"""


class Store:
    """What careergraph asks of a place that holds triples."""

    kind = "store"

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        """Run a checked query with ``bindings`` (plain terms by variable name): a
        :class:`~careergraph.query.output.QueryOutput`, its rows as rdflib terms."""
        raise NotImplementedError

    def write(
        self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
    ) -> tuple[bytes, bool] | None:
        """The answer already written in ``fmt`` by the engine, at most ``limit`` rows, and whether
        rows were cut; or None: this store cannot (then :meth:`execute` it and write it with
        :func:`careergraph.query.results.format_output`)."""
        return None

    def execute_plain(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> Answer:
        """:meth:`execute`, its answer in plain terms (an :class:`~careergraph.query.terms.Answer`, what
        a worker process sends back; :func:`careergraph.query.output.plain_output`)."""
        from ..query.output import plain_output

        return plain_output(self.execute(query, bindings, limit))

    def prepare(self) -> None:
        """Do the slow part of opening (parse, open files) now, before queries fork from this process."""

    def workers(self, size: int = 1) -> WorkerPool:
        """The worker processes that run this store's queries within a time limit (made on first use)."""
        pool = self.__dict__.get("_workers")
        if pool is None:
            from ..query.workers import WorkerPool

            pool = self.__dict__["_workers"] = WorkerPool(self, size)
        return pool  # type: ignore[no-any-return]

    def construct(self, text: str) -> Graph:
        """Exactly the graph the CONSTRUCT query ``text`` returns."""
        from ..query.safety import check_query

        output = self.execute(check_query(text), {}, None)
        return output.to_result().graph  # type: ignore[return-value]

    def whole_graph(self) -> Graph:
        """Every triple the store holds, as an rdflib graph (for views and validation of the whole data)."""
        return self.construct("CONSTRUCT WHERE { ?s ?p ?o }")

    def graph_covering(self, query: str) -> Graph:
        """A graph holding at least what the CONSTRUCT ``query`` answers, maybe more (the memory store
        gives its whole graph): the cheapest way to cover it, one query, never one per node."""
        return self.construct(query)

    def facts(self, pull: Pull, *, waited: bool = True) -> Facts:
        """The triples ``pull`` asks for, as plain :class:`~careergraph.facts.Facts` (no graph kept).

        ``waited`` False says the caller's answer will not wait on the store
        (a route question needs only what is built from the facts): a store
        still to be built may then be loaded at a lower priority.
        """
        from ..facts import Facts

        return Facts.from_graph(self.graph_covering(pull.construct()), pull)

    def fingerprint(self) -> str | None:
        """A key that changes whenever the data does (None: do not cache)."""
        return None

    @property
    def is_local(self) -> bool:
        return False


def open_store(spec: str | None, data: Sequence[Path]) -> Store:
    """The store ``spec`` names (``embedded``, the default; ``memory``, ``oxigraph:PATH``, ``sparql:URL``).

    Raises
    ------
    UsageError
        for an unknown backend, with the known ones.
    """
    spec = spec or "embedded"
    name, _, argument = spec.partition(":")
    target = BACKENDS.get(name)
    if target is None:
        raise UsageError(
            f"unknown store {spec!r}; stores: embedded (default), memory, oxigraph:PATH, sparql:URL"
        )
    if name not in ("memory", "embedded") and not argument:
        raise UsageError(f"store {name!r} needs a location: {name}:{'PATH' if name == 'oxigraph' else 'URL'}")
    module, _, cls = target.partition(":")
    factory = getattr(importlib.import_module(module), cls)
    return factory(argument, data)  # type: ignore[no-any-return]


def files_digest(files: Sequence[Path]) -> str:
    """A key for the data in ``files``: their paths and contents (the same whichever store reads them)."""
    from ..cache import file_digests

    # A file's path is part of its content here: relative IRIs resolve against it.
    digest = hashlib.sha256(b"memory\n")
    for file, content in zip(files, file_digests(files), strict=True):
        digest.update(str(file.resolve()).encode() + b"\n" + content)
    return digest.hexdigest()
