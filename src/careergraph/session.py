"""The application core: one object over the data that answers what the CLI and the server ask.

A :class:`Session` opens the data (Turtle paths, or a store spec such as
``oxigraph:PATH``) when first needed, keeps the label index and the role
projection in the cache (:mod:`careergraph.cache`) and resolves names, so a
caller says "Data Scientist", not an IRI. :mod:`careergraph.cli` is a thin click
layer over it, and :mod:`careergraph.server` serves one (the explorer reads its
index, projection and graph).

>>> from careergraph.data import shipped_dir
>>> session = Session([shipped_dir("graph_data")])
>>> session.role("ml engineer").rsplit("/", 1)[-1]
'machine-learning-engineer'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .errors import NoPathError, UnknownNameError, UsageError
from .record import Record

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    import sqlite3
    from typing import Any

    from rdflib import Graph

    from .facts import Facts
    from .forked import Forked
    from .names import Names
    from .query.catalogue import NamedQuery
    from .query.output import QueryOutput
    from .routes.search import NextRole, Route
    from .routes.stored import StoredProjection
    from .stores import Store
    from .validate import Violation
    from .viz.views import View

__all__ = ["NextAnswer", "RouteAnswer", "Session"]


class RouteAnswer(Record):
    """Routes from ``source`` to ``target`` (IRIs), cheapest first, over the projection ``graph``."""

    __slots__ = ("graph", "source", "target", "routes")
    graph: StoredProjection
    source: str
    target: str
    routes: list[Route]

    def __init__(self, graph: StoredProjection, source: str, target: str, routes: list[Route]) -> None:
        self._set(graph=graph, source=source, target=target, routes=routes)

    def text(self, *, all_skills: bool = False, evidence: int = 12) -> str:
        from .routes.answers import routes_text

        return routes_text(self.graph, self.routes, all_skills=all_skills, evidence=evidence)

    def markdown(self) -> str:
        from .routes.answers import routes_markdown

        return routes_markdown(self.graph, self.routes)

    def json(self) -> str:
        from .routes.answers import routes_json

        return routes_json(self.graph, self.source, self.target, self.routes)


class NextAnswer(Record):
    """The roles one step from ``role`` (an IRI), best first."""

    __slots__ = ("graph", "role", "ranked")
    graph: StoredProjection
    role: str
    ranked: list[NextRole]

    def __init__(self, graph: StoredProjection, role: str, ranked: list[NextRole]) -> None:
        self._set(graph=graph, role=role, ranked=ranked)

    def text(self, *, all_skills: bool = False) -> str:
        from .routes.answers import next_text

        return next_text(self.graph, self.role, self.ranked, all_skills=all_skills)

    def markdown(self) -> str:
        from .routes.answers import next_markdown

        return next_markdown(self.graph, self.role, self.ranked)

    def json(self) -> str:
        from .routes.answers import next_json

        return next_json(self.graph, self.role, self.ranked)


def _some(names: list[str], *, limit: int = 12) -> str:
    """A readable list of at most ``limit`` names, saying how many more there are."""
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _roles_name() -> str:
    """What the projection's database is cached as (a new ``FORMAT`` of its rows, a new name)."""
    from .routes.stored import FORMAT

    return f"roles-{FORMAT}"


class Session:
    """The data, its store, and what is derived from it, on demand.

    ``data`` are Turtle files or folders (default: the shipped data and the
    importer's output, or ``CAREERGRAPH_DATA``); ``store`` is a store spec
    (``memory``, ``oxigraph:PATH``, ``sparql:URL``; default ``CAREERGRAPH_STORE``
    or memory). Nothing is read until a question needs it, and the label index
    and the role projection come from the cache while the data is unchanged, so
    :meth:`path` and :meth:`next` need not load the data at all.
    """

    def __init__(self, data: Iterable[str | Path] = (), store: str | None = None) -> None:
        self.data = [Path(p) for p in data]
        self.store_spec = store
        self._store: Store | None = None
        self._graph: Graph | None = None
        self._index: Names | None = None
        self._pulled: Facts | None = None
        #: a child building the projection's database beside the label index (see :meth:`_project_aside`)
        self._projecting: Forked | None = None
        #: whether a question asked needs the projection (a query needs only the label index)
        self._routes_wanted = False
        #: how many times :meth:`reread` was called: what was built from the store before is stale
        self.generation = 0

    # --- the data ------------------------------------------------------------

    @property
    def paths(self) -> list[Path]:
        from .data import default_data_paths

        return self.data or default_data_paths()

    @property
    def store(self) -> Store:
        if self._store is None:
            from .stores import open_store

            self._store = open_store(self.store_spec, self.paths)
        return self._store

    @property
    def graph(self) -> Graph:
        """All the data as an rdflib graph (for views and validation)."""
        if self._graph is None:
            self._graph = self.store.whole_graph()
        return self._graph

    def reread(self) -> None:
        """Forget what was read from the store, whose data was replaced (``careergraph load`` under a
        running server): the next question reads the graph, the label index and the projection anew."""
        self._graph = self._index = self._pulled = None
        self.generation += 1

    def _database(self, what: str, build: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
        from .cache import cached_database

        def build_paused(db: sqlite3.Connection) -> None:
            from .facts import gc_paused  # only when building: a warm cache needs no facts

            with gc_paused():
                build(db)

        return cached_database(self._cache_key(what), build_paused)

    def _cache_key(self, what: str) -> str | None:
        fingerprint = self.store.fingerprint()
        return fingerprint and f"{fingerprint}-{what}"

    def _facts(self) -> Facts:
        """What the label index and the projection are built from, read from the store once."""
        if self._pulled is None:
            from .facts import FACTS

            self._pulled = self.store.facts(FACTS, waited=not self._routes_wanted)
        return self._pulled

    @property
    def index(self) -> Names:
        if self._index is None:
            from .names import LabelIndex, StoredLabelIndex

            def build(db: sqlite3.Connection) -> None:
                facts = self._facts()
                if self._routes_wanted:
                    self._project_aside()
                LabelIndex.from_facts(facts).save(db)

            self._index = StoredLabelIndex(self._database("index", build))
        return self._index

    def _roles_database(self) -> sqlite3.Connection:
        def build(db: sqlite3.Connection) -> None:
            from .routes.projection import project_roles
            from .routes.stored import save_roles

            save_roles(db, project_roles(self._facts()))
            self._pulled = None  # the index is built first (names resolve before routes): let them go

        if self._projecting is not None:
            child, self._projecting = self._projecting, None
            if child.result():  # else it is built here, from the facts kept for that
                self._pulled = None
        return self._database(_roles_name(), build)

    def _project_aside(self) -> None:
        """Have a forked child build the projection's database while this process builds the label
        index, when the cache has none and a core is free for it (:func:`careergraph.forked.available`).

        On new data the projection is the larger half of the Python work of a
        first run: beside the index (and the store's load, in a child of its
        own) it keeps both cores busy to the end. The child starts from the
        facts as they stand; if it fails, :meth:`_roles_database` builds the
        projection here as it would have.
        """
        from . import forked
        from .cache import is_cached

        key = self._cache_key(_roles_name())
        if self._projecting is None and key and not is_cached(key) and forked.available():
            self._projecting = forked.start(lambda: self._roles_database() is not None and is_cached(key))
            if self._projecting is not None:
                import atexit

                atexit.register(self._projecting.wait_at_exit)  # nothing outlives the command

    # --- the role projection -------------------------------------------------

    def roles_near(self, names: list[str], hops: int) -> StoredProjection:
        """The part of the role projection a search of at most ``hops`` steps around ``names`` can use."""
        from .routes.stored import load_roles

        return load_roles(self._roles_database(), near=names, hops=hops)

    def roles_between(self, source: str, target: str, hops: int) -> StoredProjection:
        """The roles on the routes of at most ``hops`` steps from ``source`` to ``target``."""
        from .routes.stored import load_roles

        return load_roles(self._roles_database(), between=(source, target), hops=hops)

    def all_roles(self) -> StoredProjection:
        """The whole role projection."""
        from .routes.stored import load_roles

        return load_roles(self._roles_database())

    def skill_totals(self) -> dict[str, tuple[int, int]]:
        """Every skill with the guests and claims that name it anywhere."""
        from .routes.stored import skill_totals

        return skill_totals(self._roles_database())

    # --- names ---------------------------------------------------------------

    def role(self, name: str) -> str:
        """The projection's node for the role called ``name`` (label, alternative label or IRI)."""
        self._routes_wanted = True  # a question the projection answers: see _project_aside
        return self.index.resolve("role", name)

    def skills(self, names: Iterable[str], warn: Callable[[str], None] | None = None) -> frozenset[str]:
        """The skills ``names`` name (each may be a comma list).

        An unknown skill is skipped and told to ``warn`` (with suggestions);
        without ``warn`` it raises :class:`UnknownNameError`.
        """
        found = set()
        for option in names:
            for name in (part.strip() for part in option.split(",")):
                if not name:
                    continue
                try:
                    found.add(self.index.resolve("skill", name))
                except UnknownNameError as error:
                    if warn is None:
                        raise
                    tool = self.index.lookup("tool", name)
                    if tool is not None:
                        warn(
                            f"Warning: {self.index.label(tool)!r} is a tool, not a skill; "
                            "tools do not change a route's cost (ignored)"
                        )
                    else:
                        warn(f"Warning: {error} (ignored)")
        return frozenset(found)

    def node(self, name: str) -> Any:
        """The role, skill, tool, guest, episode or topic called ``name`` (an rdflib IRI)."""
        from .prefixes import KINDS

        suggestions: list[str] = []
        for kind in KINDS:
            found = self.index.lookup(kind, name)
            if found is not None:
                from rdflib import URIRef

                return URIRef(found)
            suggestions += self.index.suggest(kind, name, limit=3)
        raise UnknownNameError("node", name, suggestions[:5])

    # --- questions -----------------------------------------------------------

    def query(
        self,
        query: str,
        params: Mapping[str, str] | None = None,
        *,
        limit: int | None = None,
        timeout: float | None = 30.0,
    ) -> QueryOutput:
        """Run a read-only SPARQL query: a shipped query's name (``careergraph queries``), or SPARQL text.

        ``params`` binds the named query's ``@param`` lines by name (a role's
        or skill's label is resolved). A shipped query runs in this process; any
        other in a worker process stopped at ``timeout``.
        """
        from .data import shipped_dir
        from .query.catalogue import QUERY_NAME, find_query, parse_query_text

        if QUERY_NAME.fullmatch(query.strip()):  # a shipped query's name, never a file path
            named = find_query(query.strip(), shipped_dir("queries"))
        else:
            named = parse_query_text(query, name="query")
        return self.run(named, params, limit=limit, timeout=timeout)

    def run(
        self,
        named: NamedQuery,
        params: Mapping[str, str] | None = None,
        *,
        limit: int | None = None,
        timeout: float | None = 30.0,
    ) -> QueryOutput:
        """Run a query already read (:func:`~careergraph.query.catalogue.find_query`).

        It is checked before any data loads.

        A shipped query runs in this process, under the watchdog; any other in a
        child process, killed from outside at the limit (a regex can hold the
        GIL) and whose crash is an error.
        """
        from .run import run_query

        index = self._index_for(named)  # before the store opens: an unsafe query loads nothing
        return run_query(
            self.store,
            named,
            params=params,
            index=index,
            limit=limit,
            timeout=timeout,
            isolate=not named.trusted,
        )

    def _index_for(self, named: NamedQuery) -> Names | None:
        """The label index, when a parameter of ``named`` takes a label; the query is checked
        first, so an unsafe one is refused before any data is loaded."""
        from .query.safety import check_query

        check_query(named.text, trusted=named.trusted)
        return self.index if any(p.kind not in ("string", "integer", "iri") for p in named.params) else None

    def write(
        self,
        named: NamedQuery,
        fmt: str,
        params: Mapping[str, str] | None = None,
        *,
        limit: int | None = None,
        timeout: float | None = 30.0,
    ) -> bytes:
        """:meth:`run` 's answer as the bytes ``careergraph query -f fmt`` writes; where the store's
        engine writes the format itself, written by it (:func:`careergraph.run.write_query`)."""
        from .run import write_query

        index = self._index_for(named)  # before the store opens: an unsafe query loads nothing
        return write_query(
            self.store,
            named,
            fmt,
            params=params,
            index=index,
            limit=limit,
            timeout=timeout,
            isolate=not named.trusted,
        )

    def path(
        self,
        source: str,
        target: str,
        *,
        have: Iterable[str] = (),
        k: int = 1,
        max_hops: int = 4,
        include_inferred: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> RouteAnswer:
        """The ``k`` cheapest routes from the role called ``source`` to the one called ``target``.

        Raises :class:`NoPathError` saying where each end does lead when none is
        within ``max_hops`` steps.
        """
        from .routes.search import alternative_paths, reachable_from, reaching

        u, v = self.role(source), self.role(target)
        if u == v:
            raise UsageError(f"{source!r} and {target!r} are the same role; name two different roles")
        held = self.skills(have, warn)
        G = self.roles_between(u, v, max_hops)
        try:
            routes = alternative_paths(
                G, u, v, k=k, have=held, max_hops=max_hops, include_inferred=include_inferred
            )
        except NoPathError:
            G = self.roles_near([u, v], max_hops)  # to say where each end does lead
            label = G.nodes
            ahead = reachable_from(G, u, max_hops=max_hops, include_inferred=include_inferred)
            behind = reaching(G, v, max_hops=max_hops, include_inferred=include_inferred)
            forward = _some([label[str(n)]["label"] for n in ahead])
            backward = _some([label[str(n)]["label"] for n in behind])
            left_out = "" if include_inferred else " (--inferred also takes steps inferred with no evidence)"
            raise NoPathError(
                f"no route from {label[u]['label']} to {label[v]['label']} in at most {max_hops} steps"
                f"{left_out}. "
                f"Reachable from {label[u]['label']}: {forward}. "
                f"Roles that lead to {label[v]['label']}: {backward}."
            ) from None
        return RouteAnswer(G, u, v, routes)

    def next(
        self,
        role: str,
        *,
        have: Iterable[str] = (),
        limit: int | None = None,
        include_inferred: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> NextAnswer:
        """The roles one step from the role called ``role``: moves guests made first."""
        from .routes.search import next_roles

        u = self.role(role)
        G = self.roles_near([u], 1)
        held = self.skills(have, warn)
        return NextAnswer(G, u, next_roles(G, u, have=held, limit=limit, include_inferred=include_inferred))

    def view(
        self,
        *,
        route: tuple[str, str] | None = None,
        focus: str | None = None,
        depth: int = 1,
        types: Iterable[str] | None = None,
        context: int = 0,
        have: Iterable[str] = (),
        warn: Callable[[str], None] | None = None,
    ) -> View:
        """What the graph page shows: the cheapest ``route`` between two roles, the nodes around
        ``focus``, or (neither) the default view; :func:`careergraph.viz.page.render_html` draws it."""
        from .viz.views import DEFAULT_TYPES, default_view, focus_view, path_view, whole_view

        shown = tuple(types) if types is not None else DEFAULT_TYPES
        if route is not None and focus is not None:
            raise UsageError("choose one of a route and a focus")
        if route is not None:
            from .routes.search import MAX_HOPS, cheapest_path

            u, v = self.role(route[0]), self.role(route[1])
            if u == v:
                raise UsageError(f"{route[0]!r} and {route[1]!r} are the same role; name two different roles")
            roles = self.roles_between(u, v, MAX_HOPS)
            best = cheapest_path(roles, u, v, have=self.skills(have, warn))
            return path_view(self.graph, roles, best, types=shown, context=context)
        if focus is not None:
            return focus_view(self.graph, self.node(focus), depth=depth, types=shown)
        if types is not None:
            return whole_view(self.graph, types=shown)
        return default_view(self.graph)

    def validate(self, shapes: str | Path | None = None) -> list[Violation]:
        """The SHACL violations of the data (empty: it conforms) against ``shapes`` (default: the shipped)."""
        from .data import shipped_dir
        from .validate import validate_graph

        return validate_graph(
            self.graph, Path(shapes) if shapes else shipped_dir("graph_data") / "shapes.ttl"
        )
