"""Where the triples live: one small interface, three backends chosen by name.

=================  ==========================================================
``embedded``       an Oxigraph store in the cache folder, kept per content of the
                   Turtle files: built on first use, reused while they are unchanged (default)
``memory``         rdflib's in-memory graph, parsed from the Turtle files
``oxigraph:PATH``  an on-disk pyoxigraph store, filled by ``careergraph load``
``sparql:URL``     any SPARQL 1.1 Protocol endpoint, queried over HTTP
=================  ==========================================================

Every backend answers :meth:`Store.execute` with the same
:class:`~careergraph.sparql.QueryOutput` (rdflib terms), so the named queries
give the same rows on each, and :meth:`Store.pull` with an rdflib graph, from
which the label index and the role projection are built: one query each on the
memory and Oxigraph stores, pages checked against a count on an endpoint
(:meth:`SparqlStore.pull`), never a query per node. Heavy libraries are
imported by the backend that needs them, when it is opened, as rdflib's plugin
registry does.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CareergraphError, DataFileError, QuerySyntaxError, StoreError, UsageError

if TYPE_CHECKING:
    from rdflib import Graph

    from .facts import Facts, Pull
    from .sparql import CheckedQuery, QueryOutput, WorkerPool
    from .terms import Answer, Term

__all__ = ["BACKENDS", "STORE_ENV", "LABELS_QUERY", "Store", "StoreError", "open_store"]

STORE_ENV = "CAREERGRAPH_STORE"
#: backend name -> "module:class", imported only when that backend is opened
BACKENDS = {
    "embedded": "careergraph.stores:EmbeddedStore",
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


class Store:
    """What careergraph asks of a place that holds triples."""

    kind = "store"

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        """Run a checked query with ``bindings`` (plain terms by variable name)."""
        raise NotImplementedError

    def write(
        self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
    ) -> tuple[bytes, bool] | None:
        """The answer already written in ``fmt`` by the engine, at most ``limit`` rows, and whether
        rows were cut; or None: this store cannot (then :meth:`execute` it and write it with
        :func:`careergraph.results.format_output`)."""
        return None

    def answer(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> Answer:
        """:meth:`execute` 's answer in plain terms (:func:`careergraph.sparql.plain_output`)."""
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

    def facts(self, pull: Pull) -> Facts:
        """The triples ``pull`` asks for, as plain :class:`~careergraph.facts.Facts` (no graph kept)."""
        from .facts import Facts

        return Facts.from_graph(self.pull(pull.construct()), pull)

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

    def facts(self, pull: Pull) -> Facts:
        from .facts import Facts

        return Facts.from_graph(self.graph, pull)

    def prepare(self) -> None:
        self.graph  # noqa: B018 (parsing is the point)

    def construct(self, text: str) -> Graph:
        return self.graph.query(text).graph  # type: ignore[return-value]

    def execute(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> QueryOutput:
        from .errors import QuerySyntaxError
        from .sparql import execute_rdflib

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


def files_digest(files: Sequence[Path]) -> str:
    """A key for the data in ``files``: their paths and contents (the same whichever store reads them)."""
    from .cache import file_digests

    # A file's path is part of its content here: relative IRIs resolve against it.
    digest = hashlib.sha256(b"memory\n")
    for file, content in zip(files, file_digests(files), strict=True):
        digest.update(str(file.resolve()).encode() + b"\n" + content)
    return digest.hexdigest()


# --- oxigraph ------------------------------------------------------------------------


def _plain_terms() -> Any:
    """A function from pyoxigraph terms to the plain terms answers are held as, each made once."""
    from pyoxigraph import BlankNode, NamedNode

    from .terms import Blank, Iri, literal

    made: dict[Any, Term | None] = {None: None}

    def plain(term: Any) -> Term | None:
        found = made.get(term, False)
        if found is False:
            if isinstance(term, NamedNode):
                found = Iri(term.value)
            elif isinstance(term, BlankNode):
                found = Blank(term.value)
            else:
                found = literal(term.value, term.language, term.datatype.value)
            made[term] = found
        return found  # type: ignore[return-value]

    return plain


def _fact_terms() -> Any:
    """A function from pyoxigraph terms to the plain strings of :class:`careergraph.facts.Facts`."""
    from pyoxigraph import BlankNode, Literal

    from .facts import BlankId, LexicalForm

    made: dict[Any, str] = {}

    def term(node: Any) -> str:
        found = made.get(node)
        if found is None:
            kind = type(node)
            found = made[node] = (
                LexicalForm(node.value)
                if kind is Literal
                else BlankId(node.value)
                if kind is BlankNode
                else node.value
            )
        return found

    return term


def _rdf_format(file: Path) -> Any:
    """The format :func:`bulk_load` reads ``file`` in."""
    import pyoxigraph

    return pyoxigraph.RdfFormat.N_TRIPLES if file.suffix == ".nt" else pyoxigraph.RdfFormat.TURTLE


def parsed_facts(files: Sequence[Path], pull: Pull) -> Facts:
    """The triples of ``files`` that ``pull`` asks for, read by the parser that bulk-loads them.

    What an embedded store holds is exactly its files, and Oxigraph's parser
    yields their triples at several times the rate a query reads them back out
    of the store (each term a lookup by id): so the first run reads the files
    again instead of the store it has just built. A triple written twice is
    kept once, and an integer's digits are written as the store writes them
    (``"061"`` is ``"61"``), as the store keeps them; other typed literals keep
    their written form (the projection and the label index read only text and
    integers).

    Raises
    ------
    SyntaxError, OSError
        for a file that does not parse or cannot be read (the store's build reports it first).
    """
    import pyoxigraph
    from pyoxigraph import Literal, NamedNode

    from .facts import BlankId, Facts, LexicalForm

    everything = {NamedNode(p): p for p in pull.predicates}
    only = {NamedNode(p): (p, frozenset(map(NamedNode, objects))) for p, objects in pull.only}
    pairs: dict[str, set[tuple[str, str]]] = {p: set() for p, _objects in pull.patterns()}

    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

    def plain(node: Any) -> str:
        kind = type(node)
        if kind is NamedNode:
            return node.value  # type: ignore[no-any-return]
        if kind is not Literal:
            return BlankId(node.value)
        if node.datatype == integer:  # "061" as a store (and rdflib) give it back: "61"
            with contextlib.suppress(ValueError):
                return LexicalForm(int(node.value))
        return LexicalForm(node.value)

    for file in files:
        quads = pyoxigraph.parse(path=str(file), format=_rdf_format(file), base_iri=file.resolve().as_uri())
        for quad in quads:  # only the terms of a kept triple are made into Python objects
            predicate = quad.predicate
            name = everything.get(predicate)
            if name is None:
                restricted = only.get(predicate)
                if restricted is None:
                    continue
                obj = quad.object
                if obj not in restricted[1]:
                    continue
                pairs[restricted[0]].add((plain(quad.subject), obj.value))
                continue
            subject = quad.subject
            pairs[name].add(
                (subject.value if type(subject) is NamedNode else plain(subject), plain(quad.object))
            )
    facts = Facts()
    for predicate, found in pairs.items():
        facts.add_pairs(predicate, found)
    return facts


def bulk_load(store: Any, files: Sequence[Path], target: Path | str) -> None:
    """Load the RDF ``files`` into the pyoxigraph ``store`` (at ``target``, for messages).

    Raises
    ------
    DataFileError
        for a file that does not parse, or a term too large for Oxigraph.
    StoreError
        when the store cannot be written.
    """
    import pyoxigraph

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
            if not file.is_file() or not os.access(file, os.R_OK):
                raise DataFileError(str(file), f"cannot read it: {error.strerror or error}") from None
            raise StoreError(f"{target}: cannot write the store: {error}") from None


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
            bulk_load(store, files, target)
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

    def _query(self, query: CheckedQuery, bindings: dict[Any, Any]) -> Any:
        # Oxigraph's own substitutions only bind projected variables: bind in the pattern instead.
        return self._run(bound_text(query, bindings))

    def _run(self, text: str) -> Any:
        try:
            return self.store.query(text)
        except SyntaxError as error:
            from .errors import QuerySyntaxError

            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise QuerySyntaxError(f"not a valid SPARQL query: {first[:300]}") from None

    def write(
        self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
    ) -> tuple[bytes, bool] | None:
        """The answer to a SELECT ``query`` in ``fmt``, written by pyoxigraph's serializer in the
        bytes :func:`careergraph.results.format_output` gives, at most ``limit`` rows, and whether
        rows were cut; None where it cannot be (another form or format, a ``GROUP_CONCAT``
        careergraph settles itself, a ``limit`` the engine cannot be told): then :meth:`answer` it."""
        from .portable import concatenated
        from .results import WRITTEN, written

        if query.form != "SELECT" or fmt not in WRITTEN or concatenated(query.text):
            return None
        text = bound_text(query, bindings)
        if limit is None:
            return written(self._run(text), fmt)
        limited = _limit_in_oxigraph(text, limit)
        if limited is None:
            return None
        try:
            return written(self._run(limited), fmt, limit)
        except QuerySyntaxError:  # the LIMIT did not fit where it went: answer() says what is wrong
            return None

    def answer(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> Answer:
        import pyoxigraph

        from .terms import Answer, sort_key

        answer = self._query(query, bindings)
        if isinstance(answer, pyoxigraph.QueryBoolean):
            return Answer("ASK", [], [], bool(answer), [], False)
        plain = _plain_terms()
        if isinstance(answer, pyoxigraph.QuerySolutions):
            variables = answer.variables
            rows: list[tuple[Term | None, ...]] = []
            truncated = False
            for solution in answer:
                if limit is not None and len(rows) >= limit:
                    truncated = True
                    break
                rows.append(tuple([plain(solution[v]) for v in variables]))
            return Answer("SELECT", [v.value for v in variables], rows, None, [], truncated)
        triples = sorted(
            ((plain(t.subject), plain(t.predicate), plain(t.object)) for t in answer),
            key=lambda triple: [sort_key(term) for term in triple],
        )
        truncated = limit is not None and len(triples) > limit
        return Answer(query.form, [], [], None, triples[:limit], truncated)

    def pull(self, query: str) -> Graph:
        """The CONSTRUCT ``query``'s triples, added to a graph as Oxigraph yields them.

        A graph has no order, so unlike :meth:`answer` nothing is sorted, and no
        answer is held as a list of tuples on the way.
        """
        from rdflib import Graph

        from .sparql import _terms

        plain, term = _plain_terms(), _terms()
        graph = Graph()
        add = graph.add
        for triple in self.store.query(query):
            add((term(plain(triple.subject)), term(plain(triple.predicate)), term(plain(triple.object))))
        return graph

    def facts(self, pull: Pull) -> Facts:
        """The triples ``pull`` asks for: one SELECT per predicate, each answer read straight into
        :class:`~careergraph.facts.Facts` as Oxigraph yields it (no graph, no sort)."""
        from .facts import Facts

        facts, term = Facts(), _fact_terms()
        query = self.store.query
        for predicate, objects in pull.patterns():
            only = " ".join(f"<{o}>" for o in sorted(objects or ()))
            values = f"VALUES ?o {{ {only} }} " if objects is not None else ""
            answer = query(f"SELECT ?s ?o WHERE {{ {values}?s <{predicate}> ?o }}")
            facts.add_pairs(predicate, ((term(s), term(o)) for s, o in answer))
        return facts

    def fingerprint(self) -> str | None:
        # The store's files change whenever its content does.
        if not (self.path / "CURRENT").is_file():
            raise StoreError(f"{self.path}: no oxigraph store here; fill one with `careergraph load`")
        digest = hashlib.sha256(f"oxigraph\n{self.path.resolve()}\n".encode())
        for file in sorted(self.path.iterdir()):
            stat = file.stat()
            digest.update(f"{file.name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
        return digest.hexdigest()


def _limit_in_oxigraph(text: str, limit: int) -> str | None:
    """``text`` with ``LIMIT limit+1``, so that Oxigraph stops one row past a cap; None for a query
    with a LIMIT, OFFSET or trailing VALUES of its own (then careergraph cuts the answer itself).

    Oxigraph applies LIMIT after ORDER BY and DISTINCT, as SPARQL has it, so the rows it keeps
    are the first rows of the whole answer (unlike :func:`push_limit`, written for every engine).

    >>> _limit_in_oxigraph("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY LCASE(?s)", 5)
    'SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY LCASE(?s) LIMIT 6'
    >>> _limit_in_oxigraph("SELECT * WHERE { ?s ?p ?o } LIMIT 3", 5) is None
    True
    >>> _limit_in_oxigraph("SELECT * { ?s ?p ?o } VALUES (?s ?o) { (<urn:a> 1) }", 5) is None
    True
    >>> _limit_in_oxigraph("SELECT ?s { VALUES ?s { <urn:a> } ?s ?p ?o }", 5)[-7:]
    'LIMIT 6'
    """
    from .sparql import tokens

    words = [token.upper() for kind, token, _ in tokens(text) if kind not in ("space", "comment")]
    last = max((i for i, word in enumerate(words) if word == "}"), default=None)
    if last is None or any(word in ("LIMIT", "OFFSET", "VALUES") for word in words[last + 1 :]):
        return None
    # Is that last group a trailing `VALUES ?x { … }` or `VALUES (?x ?y) { … }`? LIMIT goes before it.
    depth, at = 0, last
    while at >= 0:
        depth += {"}": 1, "{": -1}.get(words[at], 0)
        if depth == 0:
            break
        at -= 1
    before = at - 1
    if before >= 0 and words[before] == ")":
        while before >= 0 and words[before] != "(":
            before -= 1
        before -= 1
    elif before >= 0 and words[before][:1] in "?$":
        before -= 1
    if before >= 0 and words[before] == "VALUES":
        return None
    return f"{text.rstrip()} LIMIT {limit + 1}"


class EmbeddedStore(OxigraphStore):
    """The default: an Oxigraph store in the cache folder, filled from the Turtle files on first use.

    Kept under a key of the files' paths and contents (the key the label index
    and the projection are cached under, :func:`files_digest`), pyoxigraph's
    version and careergraph's, so a command on unchanged data opens it in
    milliseconds and a changed file makes a new one. It is built in a temporary
    folder and renamed into place: two commands that start at once both build,
    the first rename wins and the other discards its copy and opens the
    winner's. With no cache folder to write (or no files) the same engine runs
    in memory. Whatever needs rdflib (pySHACL, the views) reads the same files.
    """

    kind = "embedded"

    def __init__(self, _argument: str, data: Sequence[Path]) -> None:
        from .data import turtle_files

        self.files = turtle_files(data)
        self._store: Any = None
        self._fingerprint: str | None = None
        self._path: Path | None = None

    def fingerprint(self) -> str | None:
        if self._fingerprint is None and self.files:
            self._fingerprint = files_digest(self.files)
        return self._fingerprint

    @property
    def path(self) -> Path | None:  # type: ignore[override]  # kept in the cache, found from the data's digest
        """Where this data's store is kept (None: the data cannot be keyed, so it is held in memory)."""
        if self._path is None:
            fingerprint = self.fingerprint()
            if fingerprint is None:
                return None
            import pyoxigraph

            from . import __version__
            from .cache import cache_dir

            key = f"{fingerprint}\noxigraph {pyoxigraph.__version__}\n{__version__}"
            self._path = cache_dir() / f"oxigraph-{hashlib.sha256(key.encode()).hexdigest()[:40]}"
        return self._path

    def _open(self, *, write: bool = False) -> Any:
        import pyoxigraph

        target = self.path
        if target is None:
            return self._in_memory()
        if (target / "CURRENT").is_file():
            try:
                return pyoxigraph.Store.read_only(str(target))
            except OSError:
                pass  # damaged: build it again
        try:
            return self._build(target)
        except (OSError, StoreError):
            return self._in_memory()  # a cache folder that cannot be written only costs speed

    def _in_memory(self) -> Any:
        import pyoxigraph

        store = pyoxigraph.Store()
        self._fill(store, "memory")
        return store

    def _fill(self, store: Any, target: Path | str) -> None:
        try:
            bulk_load(store, self.files, target)
        except DataFileError as error:
            # The file does not parse: rdflib's message names the line as every other store does.
            from rdflib import Graph

            from .data import parse_file

            parse_file(Graph(), Path(error.path))
            raise

    def _build(self, target: Path) -> Any:
        import shutil
        import tempfile

        import pyoxigraph

        target.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
        try:
            store = pyoxigraph.Store(str(fresh))
            self._fill(store, target)
            store.flush()
            del store
            try:
                os.rename(fresh, target)
            except OSError:
                if not (target / "CURRENT").is_file():
                    # a damaged store in the way: put this one in its place
                    self._swap_into(fresh, target)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)  # the loser of a race discards its copy
        return pyoxigraph.Store.read_only(str(target))

    @staticmethod
    def _swap_into(fresh: Path, target: Path) -> None:
        import shutil

        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
        os.rename(fresh, target)
        shutil.rmtree(old, ignore_errors=True)

    def as_graph(self) -> Graph:
        from .data import load_graph

        return load_graph(self.files)

    def facts(self, pull: Pull) -> Facts:
        """The triples ``pull`` asks for, parsed from the files the store holds (:func:`parsed_facts`)."""
        self.store  # noqa: B018  # built first: a bad file is reported as every command reports it
        try:
            return parsed_facts(self.files, pull)
        except (SyntaxError, OSError):  # a file changed since the store was built: read the store
            return super().facts(pull)

    def load(self, files: Sequence[Path], *, replace: bool = False) -> int:
        raise UsageError("load fills an on-disk store: give --store oxigraph:PATH")


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
    """``text`` with ``bindings`` (plain terms by name) as VALUES blocks at the start of its pattern.

    A VALUES block first in the WHERE group joins with everything after it, as
    rdflib's initBindings do; one block per parameter, since Virtuoso cannot
    compile a row of two variables before an OPTIONAL (SP031). The terms are
    written in SPARQL syntax by :func:`careergraph.sparql.turtle_term`, so a
    value cannot break out of its place.

    >>> from careergraph.terms import Lit
    >>> bind_in_text("SELECT ?x WHERE { ?x ?p ?l }", "SELECT", {"l": Lit('a" }')})
    'SELECT ?x WHERE { VALUES ?l { "a\\\\" }" }  ?x ?p ?l }'
    """
    from .sparql import turtle_term

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
    'SELECT * WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 6'
    >>> push_limit("SELECT * WHERE { ?s ?p ?o } ORDER BY LCASE(?o)", 5)
    'SELECT * WHERE { ?s ?p ?o } ORDER BY LCASE(?o)'
    """
    from .sparql import tokens

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
    return f"{text.rstrip()} LIMIT {limit + 1}"


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

        from .terms import Blank, Iri, literal

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
        from .sparql import QueryOutput

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
        from .portable import is_distinct, sort_rows

        if is_distinct(query.text):
            rows = list(dict.fromkeys(rows))
        rows = sort_rows(variables, rows, query.text)
        truncated = limit is not None and len(rows) > limit
        return QueryOutput("SELECT", variables=variables, plain_rows=rows[:limit], truncated=truncated)

    def as_graph(self) -> Graph:
        return self.pull("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    def pull(self, query: str) -> Graph:
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

        from .sparql import _terms

        found = self._pull_rows(query)
        graph = Graph()
        term = _terms()
        for triple in found:
            graph.add(tuple(map(term, triple)))  # type: ignore[arg-type]
        return graph

    def facts(self, pull: Pull) -> Facts:
        """The triples ``pull`` asks for, read as :meth:`pull` reads them (paged, checked against a count)."""
        from .facts import Facts

        return Facts.from_plain(self._pull_rows(pull.construct()))

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
