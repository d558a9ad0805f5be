"""The ``oxigraph:PATH`` and ``embedded`` stores: pyoxigraph on disk, or in the cache."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from ..cache import remove_leftovers, scratch_name
from ..errors import DataFileError, QuerySyntaxError, StoreError, UsageError
from ..query.params import bound_text
from . import Store, files_digest

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from rdflib import Graph

    from ..facts import Facts, Pull
    from ..query.output import QueryOutput
    from ..query.safety import CheckedQuery
    from ..query.terms import Answer, Term

# --- oxigraph ------------------------------------------------------------------------


def _plain_terms() -> Any:
    """A function from pyoxigraph terms to the plain terms answers are held as, each made once."""
    from pyoxigraph import BlankNode, NamedNode

    from ..query.terms import Blank, Iri, literal

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

    from ..facts import BlankId, LexicalForm

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

    from ..facts import BlankId, Facts, LexicalForm

    # Each triple goes straight into the index Facts keeps (predicate → subject → objects):
    # no set of pairs in between, no second pass.
    by: dict[str, dict[str, list[str]]] = {p: {} for p, _objects in pull.patterns()}
    everything = {NamedNode(p): by[p] for p in pull.predicates}
    only = {NamedNode(p): (by[p], {NamedNode(o): o for o in objects}) for p, objects in pull.only}

    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

    def plain(node: Any) -> str:
        """A blank node or a literal (an IRI is made into a string where it is read)."""
        if type(node) is not Literal:
            return BlankId(node.value)
        if node.datatype == integer:  # "061" as a store (and rdflib) give it back: "61"
            with contextlib.suppress(ValueError):
                return LexicalForm(int(node.value))
        return LexicalForm(node.value)

    # Turtle writes a subject's triples together: its key is made once for the run of them
    # (comparing nodes costs less than making a string). Each IRI is then one string object
    # wherever it is written, which at 5 M triples saves a fifth of the memory and lets the
    # lookups that follow match keys by identity.
    strings: dict[str, str] = {}
    iri = strings.setdefault
    last: Any = None
    key = ""
    for file in files:
        quads = pyoxigraph.parse(path=str(file), format=_rdf_format(file), base_iri=file.resolve().as_uri())
        for quad in quads:  # only the terms of a kept triple are made into Python objects
            predicate = quad.predicate
            by_subject = everything.get(predicate)
            if by_subject is None:
                restricted = only.get(predicate)
                if restricted is None:
                    continue
                by_subject, objects = restricted
                obj = objects.get(quad.object)
                if obj is None:
                    continue
            else:
                node = quad.object
                if type(node) is NamedNode:
                    obj = node.value
                    obj = iri(obj, obj)
                else:
                    obj = plain(node)
            subject = quad.subject
            if subject != last:
                last = subject
                if type(subject) is NamedNode:
                    key = subject.value
                    key = iri(key, key)
                else:
                    key = plain(subject)
            found = by_subject.get(key)
            if found is None:
                by_subject[key] = [obj]
            elif obj not in found or not _written_before(found, obj):
                found.append(obj)
    facts = Facts()
    for predicate, by_subject in by.items():
        facts.set_by_subject(predicate, by_subject)
    return facts


def _written_before(found: list[str], obj: str) -> bool:
    """Whether ``obj`` is in ``found`` as the same kind of term (an IRI is not a literal of its text).

    >>> from careergraph.facts import LexicalForm
    >>> _written_before(["urn:x"], LexicalForm("urn:x")), _written_before(["urn:x"], "urn:x")
    (False, True)
    """
    kind = type(obj)
    return any(type(known) is kind and known == obj for known in found)


def bulk_load(store: Any, files: Sequence[Path], target: Path | str) -> None:
    """Load the RDF ``files`` into the pyoxigraph ``store`` (at ``target``, for messages).

    Raises
    ------
    DataFileError
        for a file that does not parse, or a term too large for Oxigraph.
    StoreError
        when the store cannot be written.
    """
    for file in files:
        try:
            store.bulk_load(path=str(file), format=_rdf_format(file), base_iri=file.resolve().as_uri())
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
        from ..query.output import output_from_plain

        return output_from_plain(self.execute_plain(query, bindings, limit))

    def _query(self, query: CheckedQuery, bindings: dict[Any, Any]) -> Any:
        # Oxigraph's own substitutions only bind projected variables: bind in the pattern instead.
        return self._run(bound_text(query, bindings))

    def _run(self, text: str) -> Any:
        try:
            return self.store.query(text)
        except SyntaxError as error:
            from ..errors import QuerySyntaxError

            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise QuerySyntaxError(f"not a valid SPARQL query: {first[:300]}") from None

    def write(
        self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
    ) -> tuple[bytes, bool] | None:
        """The answer to a SELECT ``query`` in ``fmt``, written by pyoxigraph's serializer in the
        bytes :func:`careergraph.query.results.format_output` gives, at most ``limit`` rows, and whether
        rows were cut; None where it cannot be (another form or format, a ``GROUP_CONCAT``
        careergraph settles itself, a ``limit`` the engine cannot be told): then :meth:`execute_plain` it."""
        from ..query.portable import concatenated
        from ..query.results import WRITTEN, written

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
        except QuerySyntaxError:  # the LIMIT did not fit where it went: execute_plain() says what is wrong
            return None

    def execute_plain(self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None) -> Answer:
        import pyoxigraph

        from ..query.terms import Answer, sort_key

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

    def graph_covering(self, query: str) -> Graph:
        """The CONSTRUCT ``query``'s triples, added to a graph as Oxigraph yields them.

        A graph has no order, so unlike :meth:`execute_plain` nothing is sorted, and no
        answer is held as a list of tuples on the way.
        """
        from rdflib import Graph

        from ..query.terms import _terms

        plain, term = _plain_terms(), _terms()
        graph = Graph()
        add = graph.add
        for triple in self.store.query(query):
            add((term(plain(triple.subject)), term(plain(triple.predicate)), term(plain(triple.object))))
        return graph

    def facts(self, pull: Pull, *, waited: bool = True) -> Facts:
        """The triples ``pull`` asks for: one SELECT per predicate, each answer read straight into
        :class:`~careergraph.facts.Facts` as Oxigraph yields it (no graph, no sort)."""
        from ..facts import Facts

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


@functools.lru_cache(maxsize=256)  # a server's worker is sent the same queries again and again
def _limit_in_oxigraph(text: str, limit: int) -> str | None:
    """``text`` with ``LIMIT limit+1``, so that Oxigraph stops one row past a cap; None for a query
    with a LIMIT, OFFSET or trailing VALUES of its own (then careergraph cuts the answer itself).

    Oxigraph applies LIMIT after ORDER BY and DISTINCT, as SPARQL has it, so the rows it keeps
    are the first rows of the whole answer (unlike :func:`push_limit`, written for every engine).

    >>> _limit_in_oxigraph("SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY LCASE(?s)", 5)
    'SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY LCASE(?s)\\nLIMIT 6'
    >>> _limit_in_oxigraph("SELECT * WHERE { ?s ?p ?o } # all of it", 5)
    'SELECT * WHERE { ?s ?p ?o } # all of it\\nLIMIT 6'
    >>> _limit_in_oxigraph("SELECT * WHERE { ?s ?p ?o } LIMIT 3", 5) is None
    True
    >>> _limit_in_oxigraph("SELECT * { ?s ?p ?o } VALUES (?s ?o) { (<urn:a> 1) }", 5) is None
    True
    >>> _limit_in_oxigraph("SELECT ?s { VALUES ?s { <urn:a> } ?s ?p ?o }", 5)[-7:]
    'LIMIT 6'
    """
    from ..query.safety import tokens

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
    return f"{text.rstrip()}\nLIMIT {limit + 1}"  # on a line of its own: the text may end in a comment


#: How much lower the priority of a store's load behind a first route question is (``_build_in_child``).
_LOAD_NICENESS = 3


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
        from ..data import turtle_files

        self.files = turtle_files(data)
        self._store: Any = None
        #: waits for the store :meth:`facts` started filling beside its own work, and raises what stopped it
        self._building: Callable[[], None] | None = None
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

            from .. import __version__
            from ..cache import cache_dir

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

            from ..data import parse_file

            parse_file(Graph(), Path(error.path))
            raise

    def _build(self, target: Path) -> Any:
        import shutil
        import tempfile

        import pyoxigraph

        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target.parent)
        fresh = Path(tempfile.mkdtemp(prefix=scratch_name(target.name, "building-"), dir=target.parent))
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

    def _build_in_child(self, target: Path, *, behind: bool) -> bool:
        """:meth:`_build` in a child process; ``behind``: yielding the processor to the parent's work.

        A first route question waits on the parent's parse and projection, not
        on the store, whose load has time to spare (on large data it ends well
        before them): at equal priority the two loader threads took two thirds
        of both cores while the parse waited for them.
        """
        if behind:
            with contextlib.suppress(OSError):
                os.nice(_LOAD_NICENESS)
        # A bad file is reported by the parent, which builds the store again to say why (rdflib's
        # warnings about the file would be printed twice).
        with open(os.devnull, "wb") as nowhere:
            os.dup2(nowhere.fileno(), 2)
        return self._build(target) is not None

    @staticmethod
    def _swap_into(fresh: Path, target: Path) -> None:
        import shutil

        old = target.with_name(scratch_name(target.name, "old"))
        shutil.rmtree(old, ignore_errors=True)  # an ended process that had this pid may have left one
        os.rename(target, old)
        os.rename(fresh, target)
        shutil.rmtree(old, ignore_errors=True)

    def whole_graph(self) -> Graph:
        from ..data import load_graph

        return load_graph(self.files)

    @property
    def store(self) -> Any:
        self._settle()
        return super().store

    def _settle(self) -> None:
        """Wait for a store that :meth:`facts` is building, and raise what stopped it."""
        wait = self._building
        if wait is not None:  # cleared only once it is done: a second caller waits too
            try:
                wait()
            finally:
                self._building = None

    def facts(self, pull: Pull, *, waited: bool = True) -> Facts:
        """The triples ``pull`` asks for, parsed from the files the store holds (:func:`parsed_facts`).

        When the store is still to be built, Oxigraph's bulk load (Rust) runs
        beside this thread while it parses the files: the facts, and what is
        built from them, cost little on top of the load on a machine with a
        core to spare. Whatever opens the store waits for it (and a command
        ends only when it is complete). A bad file is reported as the store's
        build reports it, as every command does. ``waited`` False (a route
        question) lets the load yield the processor to this parse and what
        follows it.
        """
        if self._store is None and self._building is None:
            self._building = self._build_aside(behind=not waited)
        try:
            return parsed_facts(self.files, pull)
        except (SyntaxError, OSError):  # a bad file, or one changed since: read the store (or its error)
            return super().facts(pull)

    def _build_aside(self, *, behind: bool) -> Callable[[], None]:
        """Start filling the store beside the caller's work; return what waits for it and raises
        what stopped it.

        A store to build goes to a forked child where
        :func:`careergraph.forked.available` says so: this process then runs no
        thread, so it may fork again (a first run builds the projection in a
        child beside the label index). Else, and for a store already built or
        kept in memory, a thread opens or fills it (Oxigraph lets go of
        Python's lock while it loads).
        """
        import threading

        from .. import forked

        target = self.path
        if target is not None and not (target / "CURRENT").is_file() and forked.available():
            child = forked.start(lambda: self._build_in_child(target, behind=behind))
            if child is not None:
                import atexit

                atexit.register(child.wait_at_exit)  # a command ends only once its store is whole

                def wait_for_child() -> None:
                    child.result()  # a child that failed left no store: it is built here, saying why
                    self._store = self._open()

                return wait_for_child
        failed: list[BaseException] = []

        def build() -> None:
            try:
                self._store = self._open()
            except BaseException as error:  # raised where the store is next asked for
                failed.append(error)

        thread = threading.Thread(target=build, name="careergraph-build-store")
        thread.start()

        def wait_for_thread() -> None:
            thread.join()
            if failed:
                raise failed[0]

        return wait_for_thread

    def load(self, files: Sequence[Path], *, replace: bool = False) -> int:
        raise UsageError("load fills an on-disk store: give --store oxigraph:PATH")
