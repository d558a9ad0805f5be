"""The career explorer: pages about roles, routes, guests and episodes, served by ``careergraph serve``.

:class:`Explorer` answers each page as a plain dict (the JSON a program gets);
:func:`explorer_routes` puts the dicts on the web: HTML rendered by Jinja2 with
autoescaping from ``templates/explorer/``, or the same dict as JSON with
``Accept: application/json`` or ``?format=json``. A route's JSON is what
``careergraph path --format json`` prints, from the same functions
(:func:`careergraph.routes.search.alternative_paths`, :func:`careergraph.routes.answers.routes_json`).

The pages need no JavaScript except the drawing of a route, and make no
request outside the server: a Content-Security-Policy forbids it, and the
drawing's vis-network comes from the server (pyvis' bundled copy).

Everything the pages read comes from a :class:`careergraph.Session`, once, on
the first request: its label index and role projection (from the cache while
the data is unchanged, as the CLI reads them) and the whole graph (for the
role, guest, episode and search pages).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlencode

from ..errors import CareergraphError, NoPathError, UnknownNameError, UsageError
from ..prefixes import local_name
from ..routes.evidence import span_text

if TYPE_CHECKING:
    from rdflib import Graph

    from ..names import Names
    from ..routes.stored import StoredProjection

__all__ = ["CSP", "Explorer", "NotFound", "Source", "explorer_routes"]

#: No request leaves the server: scripts, styles and images come from it alone.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Most routes a page offers (``k=``).
MAX_ALTERNATIVES = 10
KINDS = ("role", "guest", "episode")


class Source(Protocol):
    """What the explorer reads: a :class:`careergraph.Session` is one (the explorer stays below it)."""

    @property
    def graph(self) -> Graph: ...

    @property
    def index(self) -> Names: ...

    def all_roles(self) -> StoredProjection: ...

    #: changes when the data was replaced (:meth:`careergraph.Session.reread`)
    generation: int


class NotFound(CareergraphError):
    """No role, guest or episode has that slug; ``suggestions`` are (label, url) of close ones."""

    def __init__(self, kind: str, slug: str, suggestions: list[tuple[str, str]]) -> None:
        self.kind, self.slug, self.suggestions = kind, slug, suggestions
        super().__init__(f"no {kind} {slug!r}")


@dataclass
class _State:
    graph: Any
    index: Names
    roles: StoredProjection
    #: kind -> slug -> IRI, for role, guest and episode
    slugs: dict[str, dict[str, str]]
    #: skill IRI -> how many claims mention it
    mentions: dict[str, int]
    #: every named chapter: (normalised name, segment IRI, name)
    chapters: list[tuple[str, Any, str]]


def slug_of(iri: object) -> str:
    """The last segment of an IRI: what names a role, guest or episode in the explorer's URLs.

    >>> slug_of("https://w3id.org/careergraph/id/role/data-scientist")
    'data-scientist'
    """
    return local_name(iri)


def page_url(kind: str, iri: str) -> str:
    """The explorer's URL of a role, guest or episode.

    >>> page_url("guest", "https://w3id.org/careergraph/id/guest/benwilson")
    '/guests/benwilson'
    """
    return f"/{kind}s/{quote(slug_of(iri), safe='')}"


def _web(url: Any) -> str | None:
    text = None if url is None else str(url)
    return text if text and text.startswith(("https://", "http://")) else None


class Explorer:
    """The explorer's pages as dicts, over one :class:`~careergraph.session.Session` (read on first use,
    then kept until the session's data is replaced)."""

    def __init__(self, session: Source) -> None:
        self.session = session
        self._state: _State | None = None
        self._generation = session.generation
        self._lock = threading.Lock()

    @property
    def state(self) -> _State:
        with self._lock:
            if self._state is None or self._generation != self.session.generation:
                self._generation = self.session.generation
                self._state = self._build()
            return self._state

    def _build(self) -> _State:
        from ..vocab import CG, RDF, SCHEMA

        session = self.session
        graph = session.graph
        index = session.index
        roles = session.all_roles()
        slugs: dict[str, dict[str, str]] = {kind: {} for kind in KINDS}
        for iri in roles.nodes:
            slugs["role"].setdefault(slug_of(iri), iri)
        for kind, rdf_type in (("guest", SCHEMA.Person), ("episode", SCHEMA.PodcastEpisode)):
            for thing in graph.subjects(RDF.type, rdf_type):
                slugs[kind].setdefault(slug_of(thing), str(thing))
        mentions: defaultdict[str, int] = defaultdict(int)
        for _claim, skill in graph.subject_objects(CG.mentionsSkill):
            mentions[str(skill)] += 1
        from ..names import normalise

        chapters = [
            (normalise(str(name)), segment, str(name))
            for segment, name in graph.subject_objects(SCHEMA.name)
            if (segment, RDF.type, SCHEMA.Clip) in graph
        ]
        return _State(graph, index, roles, slugs, dict(mentions), chapters)

    # --- helpers -------------------------------------------------------------------

    def label(self, iri: Any) -> str:
        """A thing's display label: the index's, else the data's title or name, else its slug."""
        from rdflib import URIRef

        from ..vocab import DCTERMS, RDFS, SCHEMA, SKOS

        state = self.state
        if str(iri) in state.roles:
            return str(state.roles.nodes[str(iri)]["label"])
        found = state.index.display(str(iri))
        if found is None:
            for prop in (SKOS.prefLabel, SCHEMA.name, DCTERMS.title, RDFS.label):
                value = state.graph.value(URIRef(str(iri)), prop)
                if value is not None:
                    return str(value)
        return found or slug_of(iri)

    def ref(self, kind: str, iri: Any) -> dict[str, Any]:
        """``{"id", "label", "url"}`` of a role, guest or episode (url None when it has no page)."""
        known = self.state.slugs[kind].get(slug_of(iri)) == str(iri)
        return {"id": str(iri), "label": self.label(iri), "url": page_url(kind, iri) if known else None}

    def _find(self, kind: str, slug: str) -> str:
        iri = self.state.slugs[kind].get(slug)
        if iri is None:
            names = self.state.index.suggest(kind, slug.replace("-", " "))
            suggestions = []
            for name in names:
                found = self.state.index.lookup(kind, name)
                if found and slug_of(found) in self.state.slugs[kind]:
                    suggestions.append((name, page_url(kind, found)))
            raise NotFound(kind, slug, suggestions)
        return iri

    def role_names(self) -> list[str]:
        roles = self.state.roles
        return sorted({str(roles.nodes[n]["label"]) for n in roles.nodes}, key=str.casefold)

    def _role(self, name: str, what: str) -> str:
        try:
            return str(self.state.index.resolve("role", name))
        except UnknownNameError as error:
            raise UsageError(f"{what}: {error}") from None

    def _skills(self, names: Iterable[str]) -> tuple[frozenset[str], list[str]]:
        """The skills called ``names`` (each may be a comma list), and the names that are not skills."""
        found, unknown = set(), []
        for option in names:
            for name in (p.strip() for p in option.split(",")):
                if name:
                    iri = self.state.index.lookup("skill", name)
                    if iri is None:
                        unknown.append(name)
                    else:
                        found.add(iri)
        return frozenset(found), unknown

    # --- pages ---------------------------------------------------------------------

    def home(self) -> dict[str, Any]:
        roles = self.state.roles
        listed = []
        for node in roles.nodes:
            out = sum(1 for _ in roles.successors(node))
            moves_in = sum(1 for _ in roles.predecessors(node))
            listed.append({**self.ref("role", node), "moves_out": out, "moves_in": moves_in})
        return {"roles": sorted(listed, key=lambda r: r["label"].casefold())}

    def route(
        self, source: str, target: str, *, have: Iterable[str] = (), k: int = 3, max_hops: int | None = None
    ) -> dict[str, Any]:
        """The routes ``careergraph path --format json`` gives, and what is drawn around them.

        Returns the CLI's document (``from``, ``to``, ``paths``) with ``have``
        (skills understood, and names that are not skills), ``drawing`` (the
        route's roles and their neighbours, for the picture) and, on each step,
        ``mover_links``: the guests whose own career move it was, as links to their pages.
        """
        from ..routes.answers import routes_json
        from ..routes.search import MAX_HOPS, alternative_paths

        if not 1 <= k <= MAX_ALTERNATIVES:
            raise UsageError(f"k must be between 1 and {MAX_ALTERNATIVES}, not {k}")
        u, v = self._role(source, "from"), self._role(target, "to")
        if u == v:
            raise UsageError(f"{source!r} and {target!r} are the same role; name two different roles")
        held, unknown = self._skills(have)
        G = self.state.roles
        routes = alternative_paths(G, u, v, k=k, have=held, max_hops=max_hops or MAX_HOPS)
        document = json.loads(routes_json(G, u, v, routes))
        document["have"] = {
            "skills": sorted((self.label(s) for s in held), key=str.casefold),
            "unknown": unknown,
        }
        document["drawing"] = self._drawing([r.nodes for r in routes])
        for path in document["paths"]:
            for hop in path["hops"]:
                if hop.get("transition"):  # the path JSON names the movers; the page links them
                    hop["mover_links"] = self._movers(hop["transition"])
        return document

    def _movers(self, transition: str) -> list[dict[str, Any]]:
        """The guests whose own career move (a ``cg:CareerMove`` claim) supports ``transition``.

        Read from the graph, not from the step's ``movers`` in the projection: those are display
        names (a page needs the guest's IRI, and two guests may share a name), and they also count
        moves backing the step's gaps, variants and merged records, not ``transition`` alone.
        """
        from rdflib import URIRef

        from ..vocab import CG, PROV, RDF
        from .views import CAREER_MOVE

        graph = self.state.graph
        guests = {
            guest
            for claim in graph.subjects(CG.supports, URIRef(transition))
            if (claim, RDF.type, CAREER_MOVE) in graph
            for guest in graph.objects(claim, PROV.wasAttributedTo)
        }
        return sorted((self.ref("guest", g) for g in guests), key=lambda g: g["label"].casefold())

    def _drawing(self, routes: list[list[Any]]) -> dict[str, Any]:
        """The routes' roles, the roles one move from them, and the moves between these.

        ``route`` marks the cheapest route's roles and moves, ``alternative`` the other routes' moves.
        """
        G = self.state.roles
        on_route = {str(n) for nodes in routes for n in nodes}
        steps = {(str(a), str(b)) for nodes in routes for a, b in zip(nodes, nodes[1:], strict=False)}
        best = {(str(a), str(b)) for a, b in zip(routes[0], routes[0][1:], strict=False)} if routes else set()
        best_roles = {str(n) for n in routes[0]} if routes else set()

        def shown(a: str, b: str) -> bool:
            data = G.edges[a, b]
            return (a, b) in steps or not data["inferred"] or bool(data["evidence"])

        keep = set(on_route)
        for node in on_route:
            keep.update(str(n) for n in G.successors(node) if shown(node, n))
            keep.update(str(n) for n in G.predecessors(node) if shown(n, node))
        edges = []
        for a in sorted(keep):
            for b in sorted(G.successors(a)):
                if b in keep and shown(a, b):
                    citations = len(G.edges[a, b]["evidence"])
                    edges.append(
                        {
                            "from": a,
                            "to": b,
                            "route": (a, b) in best,
                            "alternative": (a, b) in steps - best,
                            "inferred": bool(G.edges[a, b]["inferred"]),
                            "citations": citations,
                        }
                    )
        nodes = [
            {**self.ref("role", n), "route": n in best_roles, "alternative": n in on_route - best_roles}
            for n in sorted(keep)
        ]
        return {"nodes": nodes, "edges": edges}

    def role(self, slug: str) -> dict[str, Any]:
        """A role: the skills it needs (ranked by citations), moves in and out, guests, episodes."""
        from rdflib import URIRef

        from ..vocab import CG, PROV

        iri = self._find("role", slug)
        graph, G = self.state.graph, self.state.roles
        node = URIRef(iri)
        mentions = self.state.mentions
        skills: list[dict[str, Any]] = sorted(
            (
                {"id": str(s), "label": self.label(s), "citations": mentions.get(str(s), 0)}
                for s in G.nodes[iri]["skills"]
            ),
            key=lambda s: (-s["citations"], s["label"].casefold()),
        )

        def move(a: str, b: str, other: str) -> dict[str, Any]:
            data = G.edges[a, b]
            guests = sorted({e.guest for e in data["evidence"]}, key=str.casefold)
            return {
                "role": self.ref("role", other),
                "inferred": bool(data["inferred"]),
                "kind": data.get("kind", "transition"),
                "guests": guests,
                "citations": len(data["evidence"]),
                "route": f"/route?{urlencode({'from': self.label(a), 'to': self.label(b)})}",
            }

        def ranked(moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(
                moves, key=lambda m: (m["inferred"], -m["citations"], m["role"]["label"].casefold())
            )

        guests: dict[str, dict[str, Any]] = {}
        episodes: dict[str, dict[str, Any]] = {}
        steps = [(str(a), iri) for a in G.predecessors(iri)] + [(iri, str(b)) for b in G.successors(iri)]
        supported = [node, *(URIRef(G.edges[e]["transition"]) for e in steps if G.edges[e]["transition"])]
        for target in supported:
            for claim in graph.subjects(CG.supports, target):
                for guest in graph.objects(claim, PROV.wasAttributedTo):
                    guests.setdefault(str(guest), self.ref("guest", guest))
                for source in graph.objects(claim, PROV.wasDerivedFrom):
                    episode = self._episode_of(source)
                    if episode is not None:
                        episodes.setdefault(episode, self.ref("episode", episode))
        return {
            "role": self.ref("role", iri),
            "skills": skills,
            "tools": sorted((self.label(t) for t in G.nodes[iri]["tools"]), key=str.casefold),
            "moves_out": ranked([move(iri, str(b), str(b)) for b in G.successors(iri)]),
            "moves_in": ranked([move(str(a), iri, str(a)) for a in G.predecessors(iri)]),
            "guests": sorted(guests.values(), key=lambda g: g["label"].casefold()),
            "episodes": sorted(episodes.values(), key=lambda e: e["label"].casefold()),
        }

    def _episode_of(self, source: Any) -> str | None:
        from ..vocab import RDF, SCHEMA

        graph = self.state.graph
        if (source, RDF.type, SCHEMA.Clip) in graph:
            episode = graph.value(source, SCHEMA.partOfEpisode)
            return None if episode is None else str(episode)
        if (source, RDF.type, SCHEMA.PodcastEpisode) in graph:
            return str(source)
        return None

    def _citation(self, source: Any) -> dict[str, Any] | None:
        """Where a claim comes from: the episode, the span and the link that opens it at the minute."""
        from ..vocab import SCHEMA

        graph = self.state.graph
        episode = self._episode_of(source)
        if episode is None:
            return None
        if str(source) == episode:
            start = end = None
            url = graph.value(source, SCHEMA.video)
        else:
            start, end = graph.value(source, SCHEMA.startOffset), graph.value(source, SCHEMA.endOffset)
            start, end = (None if t is None else int(t) for t in (start, end))
            url = graph.value(source, SCHEMA.url)
        return {
            "episode": self.ref("episode", episode),
            "start": start,
            "end": end,
            "span": span_text(start, end),
            "url": _web(url),
        }

    def _target(self, target: Any) -> dict[str, Any]:
        """What a claim supports, named for a person: a role, a move, a skill…"""
        from ..vocab import CG, RDF

        graph = self.state.graph
        if (target, RDF.type, CG.Transition) in graph:
            a, b = graph.value(target, CG.fromRole), graph.value(target, CG.toRole)
            if a is not None and b is not None:
                label = f"{self.label(a)} → {self.label(b)}"
                return {"id": str(target), "label": label, "url": self.route_url(a, b)}
        if str(target) in self.state.slugs["role"].values():
            return self.ref("role", target)
        return {"id": str(target), "label": self.label(target), "url": None}

    def route_url(self, a: Any, b: Any) -> str:
        return f"/route?{urlencode({'from': self.label(a), 'to': self.label(b)})}"

    def _claims(self, claims: Iterable[Any]) -> list[dict[str, Any]]:
        from rdflib import RDFS

        from ..vocab import CG, PROV

        graph = self.state.graph
        found = []
        for claim in claims:
            label = graph.value(claim, RDFS.label)
            found.append(
                {
                    "id": str(claim),
                    "label": None if label is None else str(label),
                    "guests": [
                        self.ref("guest", g) for g in sorted(graph.objects(claim, PROV.wasAttributedTo))
                    ],
                    "supports": sorted(
                        (self._target(t) for t in graph.objects(claim, CG.supports)), key=lambda t: t["label"]
                    ),
                    "cited": sorted(
                        filter(None, (self._citation(s) for s in graph.objects(claim, PROV.wasDerivedFrom))),
                        key=lambda c: (c["episode"]["label"], c["start"] or -1),
                    ),
                }
            )
        return sorted(found, key=lambda c: (c["cited"][0]["start"] or -1) if c["cited"] else -2)

    def guest(self, slug: str) -> dict[str, Any]:
        """A guest: their episodes, career moves and the claims they are cited for, each at its minute."""
        from rdflib import URIRef

        from ..vocab import CG, PROV, RDF, SCHEMA
        from .views import CAREER_MOVE

        iri = URIRef(self._find("guest", slug))
        graph = self.state.graph
        episodes = [
            {**self.ref("episode", e), "video": _web(graph.value(e, SCHEMA.video))}
            for e in graph.subjects(CG.guest, iri)
        ]
        claims = list(graph.subjects(PROV.wasAttributedTo, iri))
        moves = [c for c in claims if (c, RDF.type, CAREER_MOVE) in graph]
        return {
            "guest": self.ref("guest", iri),
            "links": sorted(filter(None, (_web(u) for u in graph.objects(iri, SCHEMA.sameAs)))),
            "episodes": sorted(episodes, key=lambda e: e["label"].casefold()),
            "moves": self._claims(moves),
            "claims": self._claims(c for c in claims if c not in moves),
        }

    def episode(self, slug: str) -> dict[str, Any]:
        """An episode: guests, video, chapters with deep links, and the claims that cite it."""
        from rdflib import URIRef

        from ..vocab import CG, PROV, RDFS, SCHEMA

        iri = URIRef(self._find("episode", slug))
        graph = self.state.graph
        chapters = []
        segments = list(graph.subjects(SCHEMA.partOfEpisode, iri))
        for segment in segments:
            citation = self._citation(segment) or {}
            name = graph.value(segment, SCHEMA.name) or graph.value(segment, RDFS.label)
            chapters.append(
                {
                    "id": str(segment),
                    "title": None if name is None else str(name),
                    **{k: citation.get(k) for k in ("start", "end", "span", "url")},
                    "claims": len(list(graph.subjects(PROV.wasDerivedFrom, segment))),
                }
            )
        chapters.sort(key=lambda c: (c["start"] is not None, c["start"] or 0, c["end"] or 0))
        claims = {c for s in [iri, *segments] for c in graph.subjects(PROV.wasDerivedFrom, s)}
        season, number = graph.value(iri, SCHEMA.partOfSeason), graph.value(iri, SCHEMA.episodeNumber)
        return {
            "episode": self.ref("episode", iri),
            "season": None if season is None else str(season).rsplit("/", 1)[-1],
            "number": None if number is None else str(number),
            "video": _web(graph.value(iri, SCHEMA.video)),
            "guests": [self.ref("guest", g) for g in sorted(graph.objects(iri, CG.guest))],
            "chapters": chapters,
            "claims": self._claims(sorted(claims)),
        }

    def search(self, text: str) -> dict[str, Any]:
        """Roles, skills, tools, guests, episodes and chapter titles whose names match ``text``, ranked."""
        from rdflib import URIRef

        from ..names import normalise

        key = normalise(text)
        if not key:
            raise UsageError("search for something: q is empty")
        state = self.state
        best: dict[str, tuple[int, str, str]] = {}
        for kind in ("role", "skill", "tool", "guest", "episode", "topic"):
            for name, iri in state.index.names(kind):
                score = _score(key, name)
                if score is not None and (iri not in best or score < best[iri][0]):
                    best[iri] = (score, kind, iri)
        order = {"role": 0, "guest": 1, "episode": 2, "skill": 3, "tool": 4, "topic": 5, "chapter": 6}
        results = []
        for score, kind, iri in best.values():
            url = page_url(kind, iri) if kind in KINDS and slug_of(iri) in state.slugs[kind] else None
            item: dict[str, Any] = {
                "kind": kind,
                "id": iri,
                "label": self.label(iri),
                "url": url,
                "score": score,
            }
            if kind in ("skill", "tool"):
                prop = "skills" if kind == "skill" else "tools"
                needed = [n for n in state.roles.nodes if iri in state.roles.nodes[n][prop]]
                item["roles"] = sorted(
                    (self.ref("role", n) for n in needed), key=lambda r: r["label"].casefold()
                )
            results.append(item)
        for normalised, segment, name in state.chapters:
            score = _score(key, normalised)
            if score is not None:
                results.append({"kind": "chapter", "id": str(segment), "label": name, "score": score})
        results.sort(key=lambda r: (r["score"], order[r["kind"]], r["label"].casefold(), r["id"]))
        shown = results[:200]
        for item in shown:
            if item["kind"] == "chapter":  # where it is, only for the chapters shown
                citation = self._citation(URIRef(item["id"])) or {}
                item.update(
                    url=citation.get("url"), episode=citation.get("episode"), span=citation.get("span")
                )
        return {"q": text, "results": shown, "total": len(results)}

    # --- named queries, for the SPARQL page ------------------------------------------

    def _example(self, kind: str, name: str) -> str:
        """A value to show for a parameter: one that answers something on most data."""
        preferred = {
            "role": ["Machine Learning Engineer"] if name == "to" else ["Data Scientist"],
            "skill": ["Python", "Software engineering"],
            "tool": ["Docker", "Kubernetes"],
            "guest": ["Ben Wilson"],
            "integer": ["10"],
        }
        if kind in ("string", "integer", "iri"):
            return preferred.get(kind, [""])[0]
        for label in preferred.get(kind, []):
            if self.state.index.lookup(kind, label):
                return label
        known = self.state.index.known(kind)
        return known[0] if known else ""

    def queries(self) -> dict[str, Any]:
        """The named queries: name, what they answer, parameters with an example, and a link to run them."""
        from ..data import shipped_dir
        from ..query.catalogue import list_queries

        listed = []
        for query in list_queries(shipped_dir("queries")):
            examples = {p.name: self._example(p.kind, p.name) for p in query.params}
            try:
                text = self.bound_query(query.name, examples)
            except CareergraphError:
                text = query.text
            listed.append(
                {
                    "name": query.name,
                    "description": query.description,
                    "params": [
                        {
                            "name": p.name,
                            "kind": p.kind,
                            "description": p.description,
                            "example": examples[p.name],
                        }
                        for p in query.params
                    ],
                    "editor": "/sparql#" + urlencode({"query": text}),
                }
            )
        return {"queries": listed}

    def bound_query(self, name: str, values: dict[str, str]) -> str:
        """The named query ``name`` with ``values`` bound as careergraph binds them (a VALUES block)."""
        from ..data import shipped_dir
        from ..query.catalogue import list_queries
        from ..query.params import bind_in_text, bind_params
        from ..query.safety import check_query

        found = {q.name: q for q in list_queries(shipped_dir("queries"))}
        if name not in found:
            import difflib

            close = difflib.get_close_matches(name, list(found), n=3, cutoff=0.5)
            raise NotFound("query", name, [(q, f"/queries/{q}") for q in close])
        query = found[name]
        bindings = bind_params(query, values, self.state.index)
        return bind_in_text(query.text, check_query(query.text).form, bindings)


def _score(key: str, name: str) -> int | None:
    """How well a normalised ``name`` matches the search ``key`` (lower is better), None for no match.

    >>> [_score("data", n) for n in ("data", "data engineer", "big data", "metadata", "ml")]
    [0, 1, 2, 3, None]
    """
    if name == key:
        return 0
    if name.startswith(key):
        return 1
    if f" {key}" in f" {name}":
        return 2
    if key in name:
        return 3
    return None


# --- the web layer ---------------------------------------------------------------------


def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("careergraph", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    environment.filters["clock"] = lambda seconds: span_text(seconds, None)
    environment.filters["web"] = _web
    return environment


def _static_files() -> dict[str, tuple[Path, str]]:
    import pyvis

    here = Path(__file__).parents[1] / "templates" / "explorer"
    vis = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    yasgui = Path(__file__).parents[1] / "static" / "yasgui"
    return {
        "explorer.css": (here / "explorer.css", "text/css"),
        "explorer.js": (here / "explorer.js", "text/javascript"),
        "vis-network.min.js": (vis / "vis-network.min.js", "text/javascript"),
        "vis-network.css": (vis / "vis-network.css", "text/css"),
        "sparql-editor.js": (here / "sparql-editor.js", "text/javascript"),
        "yasgui.min.js": (yasgui / "yasgui.min.js", "text/javascript"),
        "yasgui.min.css": (yasgui / "yasgui.min.css", "text/css"),
    }


def explorer_routes(session: Source, look: Any = None) -> list[Any]:
    """Starlette routes for the explorer's pages over ``session``, to mount beside ``/sparql``;
    ``look``, if given, is called before each page, on the event loop (the server's look for
    replaced data)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    from ..query.results import choose_type

    explorer = Explorer(session)
    environment = _environment()
    static = _static_files()
    headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

    def wants_json(request: Request) -> bool:
        fmt = request.query_params.get("format")
        if fmt is not None:
            if fmt not in ("json", "html"):
                raise UsageError(f"format must be html or json, not {fmt!r}")
            return fmt == "json"
        return (
            choose_type(request.headers.get("accept"), ["text/html", "application/json"])
            == "application/json"
        )

    def answer(request: Request, template: str, build: Any) -> Response:
        try:
            as_json = wants_json(request)
        except UsageError as error:
            return HTMLResponse(str(error), status_code=400, headers=headers)
        status = 200
        try:
            document = build()
            page = template
        except NotFound as error:
            status, page = 404, "error.html"
            document = {
                "error": str(error),
                "suggestions": [{"label": label, "url": url} for label, url in error.suggestions],
            }
        except (UsageError, UnknownNameError) as error:
            status, page = 400, "error.html"
            document = {"error": str(error), "suggestions": []}
        except NoPathError as error:
            status, page = 404, "error.html"
            document = {"error": str(error), "suggestions": []}
        if as_json:
            return JSONResponse(document, status_code=status, headers=headers)
        html = environment.get_template(f"explorer/{page}").render(
            page=document,
            roles=explorer.role_names(),
            request_path=request.url.path,
            query=request.query_params,
        )
        return HTMLResponse(html, status_code=status, headers=headers)

    def endpoint(template: str, build: Any) -> Any:
        async def handle(request: Request) -> Response:
            if look is not None:
                look()  # on the event loop, as the server's own looks are: never two at once
            return await run_in_threadpool(answer, request, template, lambda: build(request))

        return handle

    def route_page(request: Request) -> dict[str, Any]:
        params = request.query_params
        source, target = params.get("from", "").strip(), params.get("to", "").strip()
        if not source or not target:
            raise UsageError("a route needs both from= and to= (role names)")
        try:
            k = int(params.get("k", "3"))
        except ValueError:
            raise UsageError(f"k must be a whole number, not {params.get('k')!r}") from None
        return explorer.route(source, target, have=params.getlist("have"), k=k)

    def search_page(request: Request) -> dict[str, Any]:
        return explorer.search(request.query_params.get("q", ""))

    def query_text(request: Request) -> Response:
        try:
            text = explorer.bound_query(request.path_params["name"], dict(request.query_params))
        except NotFound as error:
            names = ", ".join(label for label, _url in error.suggestions)
            message = f"{error}" + (f"; did you mean: {names}?" if names else "")
            return Response(message + "\n", status_code=404, media_type="text/plain", headers=headers)
        except CareergraphError as error:
            return Response(f"{error}\n", status_code=400, media_type="text/plain", headers=headers)
        return Response(text, media_type="application/sparql-query", headers=headers)

    async def query_route(request: Request) -> Response:
        return await run_in_threadpool(query_text, request)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            return Response("not found\n", status_code=404, media_type="text/plain")
        path, media_type = static[name]
        return Response(path.read_bytes(), media_type=media_type, headers={"Cache-Control": "max-age=3600"})

    return [
        Route("/", endpoint("home.html", lambda _r: explorer.home())),
        Route("/route", endpoint("route.html", route_page)),
        Route("/search", endpoint("search.html", search_page)),
        Route("/roles/{slug}", endpoint("role.html", lambda r: explorer.role(r.path_params["slug"]))),
        Route("/guests/{slug}", endpoint("guest.html", lambda r: explorer.guest(r.path_params["slug"]))),
        Route(
            "/episodes/{slug}", endpoint("episode.html", lambda r: explorer.episode(r.path_params["slug"]))
        ),
        Route("/queries", endpoint("queries.html", lambda _r: explorer.queries())),
        Route("/queries/{name}", query_route),
        Route("/static/{name}", asset),
    ]
