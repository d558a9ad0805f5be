"""Where the triples live: one small interface, three backends chosen by name.

=================  ==========================================================
``memory``         rdflib's in-memory graph, parsed from the Turtle files (default)
``oxigraph:PATH``  an on-disk pyoxigraph store, filled by ``careergraph load``
``sparql:URL``     any SPARQL 1.1 Protocol endpoint, queried over HTTP
=================  ==========================================================

Every backend answers :meth:`Store.execute` with the same
:class:`~careergraph.sparql.QueryOutput` (rdflib terms), so the named queries
give the same rows on each, and :meth:`Store.construct` with an rdflib graph,
from which the label index and the role projection are built with one query
each. Heavy libraries are imported by the backend that needs them, when it is
opened, as rdflib's plugin registry does.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CareergraphError, DataFileError, UsageError

if TYPE_CHECKING:
    from rdflib import Graph

    from .sparql import CheckedQuery, QueryOutput, WorkerPool

__all__ = ["BACKENDS", "STORE_ENV", "LABELS_QUERY", "Store", "open_store"]

STORE_ENV = "CAREERGRAPH_STORE"
#: backend name -> "module:class", imported only when that backend is opened
BACKENDS = {
    "memory": "careergraph.stores:MemoryStore",
    "oxigraph": "careergraph.stores:OxigraphStore",
    "sparql": "careergraph.stores:SparqlStore",
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


class StoreError(CareergraphError):
    """A store cannot be opened or reached."""


class Store:
    """What careergraph asks of a place that holds triples."""

    kind = "store"

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        """Run a checked query with ``bindings`` (plain terms by variable name)."""
        raise NotImplementedError

    def answer(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> tuple[Any, ...]:
        """:meth:`execute` 's answer as plain tuples (:func:`careergraph.sparql.plain_output`)."""
        from .sparql import plain_output

        return plain_output(self.execute(query, bindings, limit))

    def prepare(self) -> None:
        """Do the slow part of opening (parse, open files) now, before queries fork from this process."""

    def workers(self, size: int = 1) -> WorkerPool:
        """The worker processes that run this store's queries within a time limit (made on first use)."""
        pool = self.__dict__.get("_workers")
        if pool is None:
            from .sparql import WorkerPool

            pool = self.__dict__["_workers"] = WorkerPool(self, size)
        return pool  # type: ignore[no-any-return]

    def construct(self, text: str) -> Graph:
        """The graph a CONSTRUCT query returns."""
        from .sparql import check_query

        output = self.execute(check_query(text), {}, None)
        return output.to_result().graph  # type: ignore[return-value]

    def as_graph(self) -> Graph:
        """Every triple, as an rdflib graph (for views and validation of the whole data)."""
        return self.construct("CONSTRUCT WHERE { ?s ?p ?o }")

    def pull(self, query: str) -> Graph:
        """A graph holding at least what the CONSTRUCT ``query`` answers: one query, never one per node."""
        return self.construct(query)

    def fingerprint(self) -> str | None:
        """A key that changes whenever the data does (None: do not cache)."""
        return None

    @property
    def is_local(self) -> bool:
        return False


def open_store(spec: str | None, data: Sequence[Path]) -> Store:
    """The store ``spec`` names (``memory``, ``oxigraph:PATH``, ``sparql:URL``).

    Raises
    ------
    UsageError
        for an unknown backend, with the known ones.
    """
    spec = spec or "memory"
    name, _, argument = spec.partition(":")
    target = BACKENDS.get(name)
    if target is None:
        raise UsageError(f"unknown store {spec!r}; stores: memory, oxigraph:PATH, sparql:URL")
    if name != "memory" and not argument:
        raise UsageError(f"store {name!r} needs a location: {name}:{'PATH' if name == 'oxigraph' else 'URL'}")
    module, _, cls = target.partition(":")
    factory = getattr(importlib.import_module(module), cls)
    return factory(argument, data)  # type: ignore[no-any-return]


# --- memory --------------------------------------------------------------------------


class MemoryStore(Store):
    """rdflib's in-memory graph of the Turtle files (parsed on first use)."""

    kind = "memory"

    def __init__(self, _argument: str, data: Sequence[Path]) -> None:
        from .data import turtle_files

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
            from .data import load_graph

            self._graph = load_graph(self.files)
        return self._graph

    def as_graph(self) -> Graph:
        return self.graph

    def pull(self, query: str) -> Graph:
        # Already in memory: reading it directly beats copying part of it through CONSTRUCT.
        return self.graph

    def prepare(self) -> None:
        self.graph  # noqa: B018 (parsing is the point)

    def construct(self, text: str) -> Graph:
        return self.graph.query(text).graph  # type: ignore[return-value]

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        from .sparql import execute_rdflib

        return execute_rdflib(self.graph, query, bindings, limit)

    def _digest(self) -> str:
        from .cache import file_digests

        # A file's path is part of its content here: relative IRIs resolve against it.
        digest = hashlib.sha256(b"memory\n")
        for file, content in zip(self.files, file_digests(self.files), strict=True):
            digest.update(str(file.resolve()).encode() + b"\n" + content)
        return digest.hexdigest()


# --- oxigraph ------------------------------------------------------------------------


def _plain_terms() -> Any:
    """A function from pyoxigraph terms to the plain tuples answers are held as, each made once."""
    from pyoxigraph import BlankNode, NamedNode

    from .sparql import plain_literal

    made: dict[Any, tuple[str | None, ...] | None] = {None: None}

    def plain(term: Any) -> tuple[str | None, ...] | None:
        found = made.get(term, False)
        if found is False:
            if isinstance(term, NamedNode):
                found = ("u", term.value)
            elif isinstance(term, BlankNode):
                found = ("b", term.value)
            else:
                found = plain_literal(term.value, term.language, term.datatype.value)
            made[term] = found
        return found  # type: ignore[return-value]

    return plain


class OxigraphStore(Store):
    """An on-disk pyoxigraph store: opened in milliseconds, queried by Rust."""

    kind = "oxigraph"

    def __init__(self, path: str, _data: Sequence[Path]) -> None:
        self.path = Path(path)
        self._store: Any = None

    @property
    def is_local(self) -> bool:
        return True

    def _open(self, *, write: bool = False) -> Any:
        import pyoxigraph

        try:
            if write:
                return pyoxigraph.Store(str(self.path))
            if not (self.path / "CURRENT").is_file():
                raise StoreError(f"{self.path}: no oxigraph store here; fill one with `careergraph load`")
            return pyoxigraph.Store.read_only(str(self.path))
        except OSError as error:
            raise StoreError(f"{self.path}: cannot open the oxigraph store: {error}") from error

    @property
    def store(self) -> Any:
        if self._store is None:
            self._store = self._open()
        return self._store

    def prepare(self) -> None:
        self.store  # noqa: B018 (opening is the point)

    def load(self, files: Sequence[Path], *, replace: bool = False) -> int:
        """Bulk-load ``files`` into a fresh store beside this one, then swap it in; return its size.

        Nothing is half-done: a load that fails leaves the store as it was, and a
        running ``serve`` sees the new store appear whole (and reopens it).

        Raises
        ------
        UsageError
            when the store holds triples and ``replace`` is not given.
        DataFileError
            for a file that does not parse, or a term too large for Oxigraph.
        StoreError
            when the store cannot be opened (another writer holds it) or written.
        """
        import shutil
        import tempfile

        import pyoxigraph

        target = self.path
        if target.exists():
            if not target.is_dir():
                raise StoreError(f"{target}: not a directory, so not an oxigraph store")
            if (target / "CURRENT").is_file():
                held = self._open(write=True)  # and fail now if another process writes to it
                count = len(held)
                del held
                if count and not replace:
                    raise UsageError(
                        f"{target} already holds {count} triples; give --replace to load it afresh "
                        "(the old store stays until the new one is complete)"
                    )
            elif any(target.iterdir()):
                raise StoreError(
                    f"{target}: a folder that is not an oxigraph store; choose an empty or new one"
                )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.loading-", dir=target.parent))
        except OSError as error:
            raise StoreError(f"{target}: cannot make the store: {error.strerror or error}") from None
        try:
            store = pyoxigraph.Store(str(fresh))
            for file in files:
                fmt = pyoxigraph.RdfFormat.N_TRIPLES if file.suffix == ".nt" else pyoxigraph.RdfFormat.TURTLE
                try:
                    store.bulk_load(path=str(file), format=fmt, base_iri=file.resolve().as_uri())
                except SyntaxError as error:
                    raise DataFileError(str(file), f"syntax error: {error}") from error
                except MemoryError as error:  # pyoxigraph's parser buffers one term at most 16 MiB long
                    raise DataFileError(
                        str(file), f"a term or line is too large for Oxigraph to load ({error})"
                    ) from None
                except OSError as error:
                    raise StoreError(f"{target}: cannot write the store: {error}") from None
            store.optimize()
            size = len(store)
            store.flush()
            del store
            self._swap(fresh)
        except BaseException:
            shutil.rmtree(fresh, ignore_errors=True)
            raise
        self._store = None
        return size

    def _swap(self, fresh: Path) -> None:
        """Put the complete store at ``fresh`` in this one's place (the old one is removed)."""
        import shutil

        target = self.path
        if target.is_dir() and not any(target.iterdir()):
            target.rmdir()
        if not target.exists():
            os.rename(fresh, target)
            return
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
        os.rename(fresh, target)
        shutil.rmtree(old, ignore_errors=True)

    def reopen(self) -> None:
        """Forget the open store: the next query opens what is at the path now."""
        self._store = None

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        from .sparql import output_from_plain

        return output_from_plain(self.answer(query, bindings, limit))

    def answer(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> tuple[Any, ...]:
        import pyoxigraph

        # Oxigraph's own substitutions only bind projected variables: bind in the pattern instead.
        try:
            answer = self.store.query(bound_text(query, bindings))
        except SyntaxError as error:
            from .errors import QuerySyntaxError

            raise QuerySyntaxError(f"not a valid SPARQL query: {error}") from None
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return ("ASK", [], [], bool(answer), [], False)
        plain = _plain_terms()
        if isinstance(answer, pyoxigraph.QuerySolutions):
            variables = answer.variables
            rows = []
            truncated = False
            for solution in answer:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                rows.append(tuple([plain(solution[v]) for v in variables]))
            return ("SELECT", [v.value for v in variables], rows, None, [], truncated)
        triples = sorted(
            ((plain(t.subject), plain(t.predicate), plain(t.object)) for t in answer),
            key=lambda triple: [[part or "" for part in term] for term in triple],  # None beside text
        )
        truncated = limit is not None and len(triples) > limit
        return (query.form, [], [], None, triples[:limit], truncated)

    def fingerprint(self) -> str:
        # The store's files change whenever its content does.
        if not (self.path / "CURRENT").is_file():
            raise StoreError(f"{self.path}: no oxigraph store here; fill one with `careergraph load`")
        digest = hashlib.sha256(f"oxigraph\n{self.path.resolve()}\n".encode())
        for file in sorted(self.path.iterdir()):
            stat = file.stat()
            digest.update(f"{file.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()


# --- a SPARQL endpoint -----------------------------------------------------------------

_ACCEPT = {
    "SELECT": "application/sparql-results+json",
    "ASK": "application/sparql-results+json",
    "CONSTRUCT": "application/n-triples",
    "DESCRIBE": "application/n-triples",
}


@functools.lru_cache(maxsize=256)  # named queries come back again and again
def _opening_brace(text: str, skip_groups: int) -> int:
    """The offset of the ``{`` that opens the query pattern, after ``skip_groups`` whole groups.

    Read from the query's tokens, so a ``{`` inside a comment, string or IRI does not count.
    """
    from .sparql import tokens

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
    """``text`` with ``bindings`` (plain terms by name) as a VALUES block at the start of its pattern.

    A VALUES block first in the WHERE group joins with everything after it, as
    rdflib's initBindings do; the terms are written in SPARQL syntax by
    :func:`careergraph.sparql.turtle_term`, so a value cannot break out of its place.

    >>> bind_in_text("SELECT ?x WHERE { ?x ?p ?l }", "SELECT", {"l": ("l", 'a" }', None, None)})
    'SELECT ?x WHERE { VALUES (?l) { ("a\\\\" }") }  ?x ?p ?l }'
    """
    from .sparql import turtle_term

    if not bindings:
        return text
    short_construct = form == "CONSTRUCT" and bool(re.search(r"(?i)\bCONSTRUCT\s+WHERE\b", text))
    skip = 1 if form == "CONSTRUCT" and not short_construct else 0
    brace = _opening_brace(text, skip)
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(turtle_term(term) for term in bindings.values())
    return f"{text[: brace + 1]} VALUES ({names}) {{ ({values}) }} {text[brace + 1 :]}"


def bound_text(query: CheckedQuery, bindings: dict[str, Any]) -> str:
    """The text the engine runs: ``query`` with its bindings, checked again unless careergraph wrote it.

    Where the bindings go is found from careergraph's tokens; the text that
    results is what the engine parses, so that is the text the check decides on.
    """
    text = bind_in_text(query.text, query.form, bindings)
    if bindings and not query.trusted:
        from .sparql import check_query

        check_query(text)
    return text


class SparqlStore(Store):
    """Any SPARQL 1.1 Protocol endpoint, queried with HTTP POST."""

    kind = "sparql"

    def __init__(self, url: str, _data: Sequence[Path]) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"sparql store needs an http(s) URL, not {url!r}")
        self.url = url
        self.timeout = float(os.environ.get("CAREERGRAPH_HTTP_TIMEOUT", "30"))

    def _post(self, text: str, accept: str) -> bytes:
        import urllib.error
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode({"query": text}).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()  # type: ignore[no-any-return]
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace").strip()[:300]
            raise StoreError(f"{self.url} answered {error.code} {error.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StoreError(f"cannot reach the SPARQL endpoint {self.url}: {reason}") from None

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        from .sparql import QueryOutput, plain_literal

        kind = query.form
        payload = self._post(bound_text(query, bindings), _ACCEPT[kind])
        if kind in ("CONSTRUCT", "DESCRIBE"):
            from rdflib import Graph

            graph = Graph().parse(data=payload.decode("utf-8"), format="nt")
            triples = sorted(graph)
            truncated = limit is not None and len(triples) > limit
            return QueryOutput(kind, triples=triples[:limit], truncated=truncated)
        document = json.loads(payload)
        if kind == "ASK":
            return QueryOutput("ASK", boolean=bool(document["boolean"]))

        def plain(value: dict[str, str] | None) -> tuple[str | None, ...] | None:
            if value is None:
                return None
            if value["type"] == "uri":
                return ("u", value["value"])
            if value["type"] == "bnode":
                return ("b", value["value"])
            return plain_literal(value["value"], value.get("xml:lang"), value.get("datatype"))

        variables = list(document["head"]["vars"])
        bindings_list = document["results"]["bindings"]
        truncated = limit is not None and len(bindings_list) > limit
        rows = [tuple([plain(b.get(v)) for v in variables]) for b in bindings_list[:limit]]
        return QueryOutput("SELECT", variables=variables, plain_rows=rows, truncated=truncated)
