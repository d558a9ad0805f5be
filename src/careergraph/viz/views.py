"""The interactive HTML graph: one self-contained page, safe with any label.

A :class:`View` is what the page shows: typed nodes and labelled edges taken
from the RDF graph (:func:`whole_view`, :func:`focus_view`,
:func:`path_view`, :func:`query_view`). :func:`careergraph.viz.page.render_html` turns it into a
page: pyvis holds the network and its vis-network options, and the page
inlines pyvis' own copy of vis-network, so it needs no network at all.

Every label, title and id from the data reaches the page as JSON inside a
``<script>`` (with ``<``, ``>``, ``&`` and ``'`` escaped) and is put on the
page with ``textContent`` or drawn on the canvas: never parsed as HTML.
"""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node as RDFNode

from ..data import write_atomically
from ..errors import UsageError
from ..prefixes import CONCEPT_KINDS, KINDS, PREFIXES, local_name
from ..routes.evidence import span_text
from ..vocab import CG, PROV, RDF, RDFS, SCHEMA, SKOS

__all__ = [
    "MAP_THRESHOLD",
    "NODE_TYPES",
    "View",
    "career_map",
    "default_view",
    "focus_view",
    "path_view",
    "query_view",
    "whole_view",
    "write_atomically",
]

#: Node types: colour, vis-network shape and legend label, in legend order.
NODE_TYPES: dict[str, tuple[str, str, str]] = {
    "role": ("#2563eb", "dot", "Role"),
    "transition": ("#7c3aed", "diamond", "Transition"),
    "skill": ("#16a34a", "dot", "Skill"),
    "tool": ("#ea580c", "square", "Tool"),
    "guest": ("#db2777", "triangle", "Guest"),
    "episode": ("#0891b2", "box", "Episode"),
    "segment": ("#0d9488", "dot", "Segment"),
    "gap": ("#dc2626", "triangleDown", "Skill gap"),
    "variant": ("#9333ea", "star", "Route variant"),
    "project": ("#ca8a04", "hexagon", "Portfolio project"),
    "topic": ("#64748b", "dot", "Topic"),
    "other": ("#94a3b8", "dot", "Other"),
}
DEFAULT_TYPES = tuple(t for t in NODE_TYPES if t != "other")
# (predicate, edge label, drawn from object to subject)
_EDGES: tuple[tuple[URIRef, str, bool], ...] = (
    (CG.requiresSkill, "requires", False),
    (CG.usesTool, "uses", False),
    (CG.fromRole, "from", True),
    (CG.toRole, "to", False),
    (CG.addsSkill, "adds", False),
    (CG.keepsSkill, "keeps", False),
    (CG.hasSkillGap, "gap", False),
    (CG.gapSkill, "gap skill", False),
    (CG.hasRouteVariant, "variant", False),
    (CG.leadsTo, "leads to", False),
    (CG.emphasisesSkill, "emphasises", False),
    (CG.hasPortfolioProject, "project", False),
    (CG.provesSkill, "proves", False),
    (CG.guest, "guest of", True),
    (SCHEMA.partOfEpisode, "part of", False),
    (SKOS.broader, "broader", False),
)
_TYPE_OF_CLASS: dict[RDFNode, str] = {
    CG.Role: "role",
    CG.Transition: "transition",
    SCHEMA.Clip: "segment",
    SCHEMA.PodcastEpisode: "episode",
    SCHEMA.Person: "guest",
    CG.SkillGap: "gap",
    CG.RouteVariant: "variant",
    CG.PortfolioProject: "project",
}
#: A guest's own move (a kind of claim); read by IRI, so data without the term still loads.
CAREER_MOVE = URIRef(PREFIXES["cg"] + "CareerMove")
_TYPE_OF_SCHEME: dict[RDFNode, str] = {URIRef(KINDS[kind]): kind for kind in CONCEPT_KINDS}
#: A sidebar section: a title and lines, each a text with an optional http(s) link.
Section = dict[str, Any]


@dataclass
class Node:
    id: str
    label: str
    type: str
    summary: str
    url: str | None = None
    highlight: bool = False
    #: what the sidebar shows when the node is selected (see :func:`section`)
    details: list[Section] = field(default_factory=list)


@dataclass
class Edge:
    source: str
    target: str
    label: str
    highlight: bool = False
    inferred: bool = False
    #: drawn width; the career map makes it grow with a move's guests and citations
    width: float = 1.0
    summary: str = ""
    details: list[Section] = field(default_factory=list)


def section(title: str, lines: Iterable[tuple[str, str | None]]) -> Section:
    """A sidebar section: ``title`` and its lines ``(text, url)``; a link that is not http(s) is dropped.

    >>> section("Episodes", [("Talk", "https://e.org/1"), ("Bad", "javascript:alert(1)")])["lines"]
    [{'text': 'Talk', 'url': 'https://e.org/1'}, {'text': 'Bad', 'url': None}]
    """
    return {"title": title, "lines": [{"text": text, "url": _web(url)} for text, url in lines]}


def _web(url: str | None) -> str | None:
    return url if url and url.startswith(("https://", "http://")) else None


@dataclass
class View:
    """What a page shows: nodes by id, edges, and optionally a route's steps."""

    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def restrict(self, types: Collection[str]) -> View:
        """The same view with only nodes of ``types`` (and the edges between them)."""
        unknown = sorted(set(types) - set(NODE_TYPES))
        if unknown:
            raise UsageError(f"unknown node type {unknown[0]!r}; types: {', '.join(NODE_TYPES)}")
        nodes = {k: n for k, n in self.nodes.items() if n.type in types}
        edges = [e for e in self.edges if e.source in nodes and e.target in nodes]
        return View(self.title, nodes, edges, self.steps)


# --- reading the RDF graph ---------------------------------------------------------


def node_type(graph: Graph, iri: URIRef) -> str:
    """The page type of ``iri``: role, skill, tool, guest, episode, segment, …"""
    for rdf_type in graph.objects(iri, RDF.type):
        if rdf_type in _TYPE_OF_CLASS:
            return _TYPE_OF_CLASS[rdf_type]
    for scheme in graph.objects(iri, SKOS.inScheme):
        if scheme in _TYPE_OF_SCHEME:
            return _TYPE_OF_SCHEME[scheme]
    return "other"


def _label(graph: Graph, iri: Any) -> str:
    for prop in (SKOS.prefLabel, SCHEMA.name, RDFS.label):
        value = graph.value(iri, prop)
        if value is not None:
            return str(value)
    return local_name(iri)


def _node(graph: Graph, iri: URIRef) -> Node:
    kind = node_type(graph, iri)
    label = _label(graph, iri)
    url = None
    summary = [f"{NODE_TYPES[kind][2]}: {label}"]
    if kind == "segment":
        episode = graph.value(iri, SCHEMA.partOfEpisode)
        start, end = graph.value(iri, SCHEMA.startOffset), graph.value(iri, SCHEMA.endOffset)
        span = span_text(None if start is None else int(str(start)), None if end is None else int(str(end)))
        label = span
        episode_label = _label(graph, episode) if episode is not None else "an episode"
        summary = [f"Segment {span} of {episode_label}"]
        guests = sorted(_label(graph, g) for g in graph.objects(episode, CG.guest)) if episode else []
        if guests:
            summary.append("Guest: " + ", ".join(guests))
        url = _str(graph.value(iri, SCHEMA.url))
    details: list[Section] = []
    if kind == "episode":
        guests = sorted(_label(graph, g) for g in graph.objects(iri, CG.guest))
        if guests:
            summary.append("Guests: " + ", ".join(guests))
        url = _str(graph.value(iri, SCHEMA.video)) or _str(graph.value(iri, SCHEMA.url))
        details.append(section("Guests", ((g, None) for g in guests)))
        details.append(section("Chapters", episode_chapters(graph, iri)))
    elif kind == "guest":
        episodes = sorted(
            (_label(graph, e), _str(graph.value(e, SCHEMA.video))) for e in graph.subjects(CG.guest, iri)
        )
        summary.append(f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''}")
        moves, cited = guest_claims(graph, iri)
        details += [section("Episodes", episodes), section("Career moves", moves)]
        details.append(section("Cited for", cited))
    elif kind in CONCEPT_KINDS:
        alternatives = sorted(str(a) for a in graph.objects(iri, SKOS.altLabel))
        if alternatives:
            summary.append("Also: " + ", ".join(alternatives))
        if kind == "role":
            skills = sorted(
                (_label(graph, s) for s in graph.objects(iri, CG.requiresSkill)), key=str.casefold
            )
            summary.append(f"Needs {len(skills)} skill{'s' if len(skills) != 1 else ''}")
            details.append(section("Skills it needs", ((s, None) for s in skills)))
    elif kind == "transition":
        claims = len(list(graph.subjects(CG.supports, iri)))
        summary.append(f"{claims} claim{'s' if claims != 1 else ''} as evidence")
    details = [d for d in details if d["lines"]]
    return Node(str(iri), label, kind, "\n".join(summary), _web(url), details=details)


def episode_chapters(graph: Graph, episode: URIRef) -> list[tuple[str, str | None]]:
    """The episode's segments in time order: ``8:49–13:19 Chapter title`` with the deep link."""
    found = []
    for segment in graph.subjects(SCHEMA.partOfEpisode, episode):
        start, end = graph.value(segment, SCHEMA.startOffset), graph.value(segment, SCHEMA.endOffset)
        name = graph.value(segment, SCHEMA.name) or graph.value(segment, RDFS.label)
        span = span_text(None if start is None else int(str(start)), None if end is None else int(str(end)))
        text = f"{span} {name}" if name is not None else span
        found.append((-1 if start is None else int(str(start)), text, _str(graph.value(segment, SCHEMA.url))))
    return [(text, url) for _start, text, url in sorted(found)]


Lines = list[tuple[str, str | None]]


def guest_claims(graph: Graph, guest: URIRef) -> tuple[Lines, Lines]:
    """A guest's career moves and the other claims they are cited for, each at its minute."""
    moves: set[tuple[str, str | None]] = set()
    claims: set[tuple[str, str | None]] = set()
    for claim in graph.subjects(PROV.wasAttributedTo, guest):
        is_move = (claim, RDF.type, CAREER_MOVE) in graph
        for target in graph.objects(claim, CG.supports):
            name = _label(graph, target)
            if (target, RDF.type, CG.Transition) in graph:
                ends = (graph.value(target, CG.fromRole), graph.value(target, CG.toRole))
                name = " → ".join(_label(graph, end) for end in ends if end is not None)
            sources: list[Any] = list(graph.objects(claim, PROV.wasDerivedFrom)) or [None]
            for source in sources:
                where, url = cited_at(graph, source)
                (moves if is_move else claims).add((f"{name} · {where}" if where else name, url))
    return sorted(moves), sorted(claims)


def cited_at(graph: Graph, source: Any) -> tuple[str, str | None]:
    """``Episode title 8:49–13:19`` and the deep link, for a segment or an episode a claim comes from."""
    if source is None:
        return "", None
    if (source, RDF.type, SCHEMA.Clip) in graph:
        episode = graph.value(source, SCHEMA.partOfEpisode)
        start, end = graph.value(source, SCHEMA.startOffset), graph.value(source, SCHEMA.endOffset)
        span = span_text(None if start is None else int(str(start)), None if end is None else int(str(end)))
        title = _label(graph, episode) if episode is not None else ""
        return f"{title} {span}".strip(), _str(graph.value(source, SCHEMA.url))
    if (source, RDF.type, SCHEMA.PodcastEpisode) in graph:
        return _label(graph, source), _str(graph.value(source, SCHEMA.video))
    return _label(graph, source), None


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _graph_edges(graph: Graph) -> Iterable[tuple[URIRef, URIRef, str]]:
    for predicate, label, reverse in _EDGES:
        for s, o in graph.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                yield (o, s, label) if reverse else (s, o, label)
    # Claims are drawn as what they connect: the cited segment is evidence for the target,
    # and the guest who said it speaks to the target (or made the move, for a career move).
    for claim in graph.subjects(RDF.type, CG.Claim):
        targets = [t for t in graph.objects(claim, CG.supports) if isinstance(t, URIRef)]
        for source in graph.objects(claim, PROV.wasDerivedFrom):
            for target in targets:
                if isinstance(source, URIRef):
                    yield source, target, "evidence for"
        said = "made the move" if (claim, RDF.type, CAREER_MOVE) in graph else "speaks to"
        for guest in graph.objects(claim, PROV.wasAttributedTo):
            for target in targets:
                if isinstance(guest, URIRef):
                    yield guest, target, said


def _view_of(graph: Graph, triples: Iterable[tuple[URIRef, URIRef, str]], title: str) -> View:
    view = View(title)
    seen: set[tuple[str, str, str]] = set()
    for s, o, label in triples:
        key = (str(s), str(o), label)
        if key in seen:
            continue
        seen.add(key)
        for iri in (s, o):
            if str(iri) not in view.nodes:
                view.nodes[str(iri)] = _node(graph, iri)
        view.edges.append(Edge(str(s), str(o), label))
    return view


def whole_view(graph: Graph, *, types: Collection[str] = DEFAULT_TYPES) -> View:
    """Every role, transition, skill, tool, guest, episode and segment, and how they connect."""
    view = _view_of(graph, _graph_edges(graph), "careergraph")
    # Things with no edge at all still belong on the page.
    alone = [
        *(graph.subjects(RDF.type, t) for t in _TYPE_OF_CLASS),
        *(graph.subjects(SKOS.inScheme, s) for s in _TYPE_OF_SCHEME),
    ]
    for iri in itertools.chain.from_iterable(alone):
        if isinstance(iri, URIRef) and str(iri) not in view.nodes:
            view.nodes[str(iri)] = _node(graph, iri)
    return view.restrict(types)


def _neighbours(view: View) -> defaultdict[str, set[str]]:
    neighbours: defaultdict[str, set[str]] = defaultdict(set)
    for edge in view.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    return neighbours


def _within(view: View, starts: Iterable[str], depth: int, *, through: Collection[str] = ()) -> set[str]:
    """The nodes at most ``depth`` edges from one of ``starts`` (either direction).

    With ``through``, the search goes on only from nodes of those types (and the starts).
    """
    neighbours = _neighbours(view)
    distance = {start: 0 for start in starts}
    queue = deque(distance)
    while queue:
        current = queue.popleft()
        if distance[current] == depth:
            continue
        if through and distance[current] and view.nodes[current].type not in through:
            continue
        for nxt in sorted(neighbours[current]):
            if nxt not in distance:
                distance[nxt] = distance[current] + 1
                queue.append(nxt)
    return set(distance)


def focus_view(graph: Graph, node: URIRef, *, depth: int = 1, types: Collection[str] = DEFAULT_TYPES) -> View:
    """The nodes at most ``depth`` edges from ``node`` (either direction).

    A guest's neighbourhood holds their episodes and what their claims speak to,
    their career moves among them.
    """
    whole = whole_view(graph, types=types)
    start = str(node)
    if start not in whole.nodes:
        raise UsageError(f"{_label(graph, node)} is not shown with types {', '.join(types)}")
    near = _within(whole, [start], depth)
    view = View(f"{_label(graph, node)} and its neighbourhood")
    view.nodes = {k: n for k, n in whole.nodes.items() if k in near}
    view.nodes[start].highlight = True
    view.edges = [e for e in whole.edges if e.source in near and e.target in near]
    return view


#: How far from the route's roles and transitions ``path_view`` shows the graph by default.
DEFAULT_CONTEXT = 1


def path_view(
    graph: Graph,
    roles: Any,
    route: Any,
    *,
    types: Collection[str] = DEFAULT_TYPES,
    context: int | None = DEFAULT_CONTEXT,
) -> View:
    """The route (its roles, transitions, skills, tools, evidence) highlighted in its neighbourhood.

    ``context`` is how many edges from the route's roles and transitions the
    page reaches (0: the route alone; None: the whole graph). The search for
    the neighbourhood does not go on through segments, episodes and guests, so
    a role an archive talks about for hours does not bring in every chapter.
    """
    view = whole_view(graph, types=DEFAULT_TYPES)
    lit: set[str] = set()
    spine: set[str] = set()
    steps = []
    for hop in route.hops:
        data = hop.data
        spine.update({str(hop.source), str(hop.target)})
        lit.update(
            {
                str(hop.source),
                str(hop.target),
                *map(str, hop.skills_to_gain),
                *map(str, data.get("tools", ())),
            }
        )
        if data.get("transition"):
            lit.add(data["transition"])
            spine.add(data["transition"])
        else:
            # An inferred step has no transition node: draw the step itself.
            view.edges.append(Edge(str(hop.source), str(hop.target), "inferred step", inferred=True))
        evidence = []
        for item in data.get("evidence", ()):
            lit.add(item.source)
            lit.add(item.episode)
            for guest in graph.objects(URIRef(item.episode), CG.guest):
                lit.add(str(guest))
            evidence.append(
                {
                    "guest": item.guest,
                    "episode": item.episode_title,
                    "span": span_text(item.start, item.end),
                    "url": item.url,
                }
            )
        labels = roles.graph.get("labels", {})
        steps.append(
            {
                "from": roles.nodes[hop.source]["label"],
                "to": roles.nodes[hop.target]["label"],
                "inferred": bool(data.get("inferred")),
                "skills": sorted((labels.get(s, s) for s in hop.skills_to_gain), key=str.casefold),
                "tools": sorted((labels.get(t, t) for t in data.get("tools", ())), key=str.casefold),
                "evidence": evidence,
            }
        )
    if context is not None:
        near = _within(view, sorted(spine & view.nodes.keys()), context, through=("role", "transition"))
        keep = (near | lit) & view.nodes.keys()
        view.nodes = {k: n for k, n in view.nodes.items() if k in keep}
        view.edges = [e for e in view.edges if e.source in keep and e.target in keep]
    for key, node in view.nodes.items():
        node.highlight = key in lit
    for edge in view.edges:
        edge.highlight = edge.source in lit and edge.target in lit
    names = " → ".join(roles.nodes[n]["label"] for n in route.nodes)
    view.title = f"Route: {names}"
    view.steps = steps
    return view.restrict(set(types) | {"role", "transition"})


#: Above this many nodes the whole graph is unreadable: ``viz`` draws the career map instead.
MAP_THRESHOLD = 300


def count_nodes(graph: Graph) -> int:
    """How many nodes :func:`whole_view` would draw (without building it)."""
    typed: set[Any] = set()
    for cls in _TYPE_OF_CLASS:
        typed.update(graph.subjects(RDF.type, cls))
    for scheme in _TYPE_OF_SCHEME:
        typed.update(graph.subjects(SKOS.inScheme, scheme))
    return len(typed)


def career_map(graph: Graph) -> View:
    """The roles and the moves between them: what a person exploring careers looks at first.

    An edge is a recorded transition, or an inferred step some guest's claim
    backs (a route variant, a role discussed on another's page); its width grows
    with the guests and citations behind it. Skills, guests and evidence are
    in each node's and edge's details, shown in the sidebar, not drawn.
    """
    from ..routes.projection import project_roles

    G = project_roles(graph)
    labels = G.graph["labels"]
    view = View("Career map: roles and the moves between them")

    def named(iris: Iterable[str]) -> list[str]:
        return sorted((labels.get(i, local_name(i)) for i in iris), key=str.casefold)

    moves_out: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)
    moves_in: defaultdict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for u, v, data in sorted(G.edges(data=True)):
        if data["inferred"] and not data["evidence"]:
            continue  # overlap of skills or a broader role: no one said so
        evidence = data["evidence"]
        guests = sorted({g.strip() for e in evidence for g in e.guest.split(",")} - {"unknown guest"})
        citations = len({(e.source, e.start, e.end) for e in evidence})
        source, target = G.nodes[u]["label"], G.nodes[v]["label"]
        counts = f"{_count(len(guests), 'guest')}, {_count(citations, 'citation')}"
        edge = Edge(
            u,
            v,
            str(citations) if citations else "",
            inferred=bool(data["inferred"]),
            width=1 + min(9.0, 1.5 * len(guests) ** 0.5 + citations**0.5),
            summary=f"{source} → {target}: {counts}" + (" (inferred)" if data["inferred"] else ""),
        )
        edge.details = [
            section("Move", [(f"{source} → {target}", None), (counts, None)]),
            section("Skills to gain", ((s, None) for s in named(data["skills"]))),
            section("Tools", ((t, None) for t in named(data["tools"]))),
            section("Guests", ((g, None) for g in guests)),
            section(
                "Evidence",
                ((f"{e.guest} · {e.episode_title} · {span_text(e.start, e.end)}", e.url) for e in evidence),
            ),
        ]
        edge.details = [d for d in edge.details if d["lines"]]
        view.edges.append(edge)
        moves_out[u].append((f"→ {target} ({counts})", None))
        moves_in[v].append((f"← {source} ({counts})", None))
    for node in G.nodes:
        iri = URIRef(node)
        item = (
            _node(graph, iri)
            if (iri, None, None) in graph
            else Node(node, G.nodes[node]["label"], "role", "")
        )
        item.type = "role"
        item.details = [
            section("Moves out", moves_out[node]),
            section("Moves in", moves_in[node]),
            *item.details,
            section("Guests who speak to it", _speakers(graph, iri)),
        ]
        item.details = [d for d in item.details if d["lines"]]
        view.nodes[node] = item
    return view


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _speakers(graph: Graph, role: URIRef) -> list[tuple[str, str | None]]:
    """Who is cited about ``role``, each with the first minute they are cited at."""
    found: dict[str, tuple[str, str | None]] = {}
    for claim in graph.subjects(CG.supports, role):
        where = [cited_at(graph, s) for s in graph.objects(claim, PROV.wasDerivedFrom)] or [("", None)]
        for guest in graph.objects(claim, PROV.wasAttributedTo):
            name = _label(graph, guest)
            text, url = min(where)
            found.setdefault(name, (f"{name} · {text}" if text else name, url))
    return [found[k] for k in sorted(found, key=str.casefold)]


def default_view(graph: Graph) -> View:
    """The whole graph, or the career map when the whole graph has more than :data:`MAP_THRESHOLD` nodes."""
    if count_nodes(graph) > MAP_THRESHOLD:
        return career_map(graph)
    return whole_view(graph)


#: Predicates whose literal is a node's label in a CONSTRUCT's answer, in order of preference.
_LABELS = (SKOS.prefLabel, SCHEMA.name, RDFS.label)


def query_view(graph: Graph, output: Any, *, types: Collection[str] | None = None) -> View:
    """Every node of the triples a CONSTRUCT returned, or of the rows of a SELECT with ``?s ?p ?o``.

    A node takes the label the query returns (``skos:prefLabel``, ``schema:name``,
    ``rdfs:label``), else the data's; its type comes from the data or from the
    answer's ``rdf:type``, and a node of no careergraph type is drawn as "other".
    """
    if output.kind in ("CONSTRUCT", "DESCRIBE"):
        triples = list(output.triples)
    elif output.kind == "SELECT" and {"s", "p", "o"} <= set(output.variables):
        index = [output.variables.index(v) for v in ("s", "p", "o")]
        triples = [tuple(row[i] for i in index) for row in output.rows]
    else:
        raise UsageError("--query needs a CONSTRUCT or DESCRIBE query, or a SELECT with ?s ?p ?o")
    answer = Graph()
    for s, p, o in triples:
        if s is not None and p is not None and o is not None:
            answer.add((s, p, o))
    names = dict((str(p), label) for p, label, _ in _EDGES)
    view = View("Query result")
    resources = (URIRef, BNode)

    def add(term: Any) -> str:
        key = str(term)
        if key not in view.nodes:
            node = _node(graph, term) if isinstance(term, URIRef) else Node(key, f"_:{key}", "other", "")
            if node.type == "other":
                node.type = node_type(answer, term)
            for prop in _LABELS:
                value = answer.value(term, prop)
                if value is not None:
                    node.label = str(value)
                    break
            # The summary's first line names the node: with its type and the query's label.
            rest = node.summary.split("\n")[1:] if node.summary else []
            node.summary = "\n".join([f"{NODE_TYPES[node.type][2]}: {node.label}", *rest])
            view.nodes[key] = node
        return key

    seen: set[tuple[str, str, str]] = set()
    for s, p, o in answer:
        if not isinstance(s, resources):
            continue
        source = add(s)
        name = names.get(str(p)) or local_name(p)
        if isinstance(o, resources) and p != RDF.type:
            target = add(o)
            if (source, target, name) not in seen:
                seen.add((source, target, name))
                view.edges.append(Edge(source, target, name))
        elif isinstance(o, Literal) and p not in _LABELS:
            view.nodes[source].summary += f"\n{name}: {o}"
    view.edges.sort(key=lambda e: (e.source, e.target, e.label))
    return view if types is None else view.restrict(types)
