"""The interactive HTML graph: one self-contained page, safe with any label.

A :class:`View` is what the page shows: typed nodes and labelled edges taken
from the RDF graph (:func:`whole_view`, :func:`focus_view`,
:func:`path_view`, :func:`query_view`). :func:`render_html` turns it into a
page: pyvis holds the network and its vis-network options, and the page
inlines pyvis' own copy of vis-network, so it needs no network at all.

Every label, title and id from the data reaches the page as JSON inside a
``<script>`` (with ``<``, ``>``, ``&`` and ``'`` escaped) and is put on the
page with ``textContent`` or drawn on the canvas: never parsed as HTML.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict, deque
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef

from .data import write_atomically
from .errors import UsageError
from .evidence import span_text
from .vocab import CG, PROV, RDF, RDFS, SCHEMA, SKOS

__all__ = [
    "NODE_TYPES",
    "View",
    "focus_view",
    "path_view",
    "query_view",
    "render_html",
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
_TYPE_OF_CLASS = {
    CG.Role: "role",
    CG.Transition: "transition",
    SCHEMA.Clip: "segment",
    SCHEMA.PodcastEpisode: "episode",
    SCHEMA.Person: "guest",
    CG.SkillGap: "gap",
    CG.RouteVariant: "variant",
    CG.PortfolioProject: "project",
}
_TYPE_OF_SCHEME = {CG.Skills: "skill", CG.Tools: "tool", CG.Topics: "topic", CG.Roles: "role"}


@dataclass
class Node:
    id: str
    label: str
    type: str
    summary: str
    url: str | None = None
    highlight: bool = False


@dataclass
class Edge:
    source: str
    target: str
    label: str
    highlight: bool = False
    inferred: bool = False


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


def _label(graph: Graph, iri: URIRef) -> str:
    for prop in (SKOS.prefLabel, SCHEMA.name, RDFS.label):
        value = graph.value(iri, prop)
        if value is not None:
            return str(value)
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _node(graph: Graph, iri: URIRef) -> Node:
    kind = node_type(graph, iri)
    label = _label(graph, iri)
    url = None
    summary = [f"{NODE_TYPES[kind][2]}: {label}"]
    if kind == "segment":
        episode = graph.value(iri, SCHEMA.partOfEpisode)
        start, end = graph.value(iri, SCHEMA.startOffset), graph.value(iri, SCHEMA.endOffset)
        span = span_text(None if start is None else int(start), None if end is None else int(end))
        label = span
        episode_label = _label(graph, episode) if episode is not None else "an episode"
        summary = [f"Segment {span} of {episode_label}"]
        guests = sorted(_label(graph, g) for g in graph.objects(episode, CG.guest)) if episode else []
        if guests:
            summary.append("Guest: " + ", ".join(guests))
        url = _str(graph.value(iri, SCHEMA.url))
    elif kind == "episode":
        guests = sorted(_label(graph, g) for g in graph.objects(iri, CG.guest))
        if guests:
            summary.append("Guests: " + ", ".join(guests))
        url = _str(graph.value(iri, SCHEMA.video)) or _str(graph.value(iri, SCHEMA.url))
    elif kind == "guest":
        episodes = sorted(_label(graph, e) for e in graph.subjects(CG.guest, iri))
        summary.append(f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''}")
    elif kind in ("skill", "tool", "role", "topic"):
        alternatives = sorted(str(a) for a in graph.objects(iri, SKOS.altLabel))
        if alternatives:
            summary.append("Also: " + ", ".join(alternatives))
        if kind == "role":
            skills = len(list(graph.objects(iri, CG.requiresSkill)))
            summary.append(f"Needs {skills} skill{'s' if skills != 1 else ''}")
    elif kind == "transition":
        claims = len(list(graph.subjects(CG.supports, iri)))
        summary.append(f"{claims} claim{'s' if claims != 1 else ''} as evidence")
    if url and not url.startswith(("https://", "http://")):
        url = None
    return Node(str(iri), label, kind, "\n".join(summary), url)


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _graph_edges(graph: Graph) -> Iterable[tuple[URIRef, URIRef, str]]:
    for predicate, label, reverse in _EDGES:
        for s, o in graph.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                yield (o, s, label) if reverse else (s, o, label)
    # Claims are drawn as what they connect: the cited segment is evidence for the target.
    for claim in graph.subjects(RDF.type, CG.Claim):
        for source in graph.objects(claim, PROV.wasDerivedFrom):
            for target in graph.objects(claim, CG.supports):
                if isinstance(source, URIRef) and isinstance(target, URIRef):
                    yield source, target, "evidence for"


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


def focus_view(graph: Graph, node: URIRef, *, depth: int = 1, types: Collection[str] = DEFAULT_TYPES) -> View:
    """The nodes at most ``depth`` edges from ``node`` (either direction)."""
    whole = whole_view(graph, types=types)
    start = str(node)
    if start not in whole.nodes:
        raise UsageError(f"{_label(graph, node)} is not shown with types {', '.join(types)}")
    neighbours: defaultdict[str, set[str]] = defaultdict(set)
    for edge in whole.edges:
        neighbours[edge.source].add(edge.target)
        neighbours[edge.target].add(edge.source)
    distance = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if distance[current] == depth:
            continue
        for nxt in sorted(neighbours[current]):
            if nxt not in distance:
                distance[nxt] = distance[current] + 1
                queue.append(nxt)
    view = View(f"{_label(graph, node)} and its neighbourhood")
    view.nodes = {k: n for k, n in whole.nodes.items() if k in distance}
    view.nodes[start].highlight = True
    view.edges = [e for e in whole.edges if e.source in distance and e.target in distance]
    return view


def path_view(graph: Graph, roles: Any, route: Any, *, types: Collection[str] = DEFAULT_TYPES) -> View:
    """The whole graph with ``route`` highlighted (its roles, transitions, skills, tools, evidence)."""
    view = whole_view(graph, types=DEFAULT_TYPES)
    lit: set[str] = set()
    steps = []
    for hop in route.hops:
        data = hop.data
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
    for key, node in view.nodes.items():
        node.highlight = key in lit
    for edge in view.edges:
        edge.highlight = edge.source in lit and edge.target in lit
    names = " → ".join(roles.nodes[n]["label"] for n in route.nodes)
    view.title = f"Route: {names}"
    view.steps = steps
    return view.restrict(set(types) | {"role", "transition"})


def query_view(graph: Graph, output: Any, *, types: Collection[str] = DEFAULT_TYPES) -> View:
    """The triples a CONSTRUCT returned, or the rows of a SELECT with ``?s ?p ?o``."""
    if output.kind in ("CONSTRUCT", "DESCRIBE"):
        triples = list(output.triples)
    elif output.kind == "SELECT" and {"s", "p", "o"} <= set(output.variables):
        index = [output.variables.index(v) for v in ("s", "p", "o")]
        triples = [tuple(row[i] for i in index) for row in output.rows]
    else:
        raise UsageError("--query needs a CONSTRUCT or DESCRIBE query, or a SELECT with ?s ?p ?o")
    labels = dict((str(p), label) for p, label, _ in _EDGES)
    shown = []
    for s, p, o in triples:
        if isinstance(s, URIRef) and isinstance(o, URIRef) and p != RDF.type:
            name = labels.get(str(p)) or str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            shown.append((s, o, name))
    view = _view_of(graph, shown, "Query result")
    for s, p, o in triples:
        if isinstance(s, URIRef) and not isinstance(o, URIRef) and str(s) not in view.nodes:
            view.nodes[str(s)] = _node(graph, s)
        if isinstance(o, Literal) and str(s) in view.nodes:
            name = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            view.nodes[str(s)].summary += f"\n{name}: {o}"
    return view.restrict(types)


# --- the page ----------------------------------------------------------------------


def _vis_assets() -> tuple[str, str]:
    """pyvis' bundled vis-network script and stylesheet, to inline in the page."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return (
        (lib / "vis-network.min.js").read_text(encoding="utf-8"),
        (lib / "vis-network.css").read_text(encoding="utf-8"),
    )


def _options(node_count: int) -> dict[str, Any]:
    big = node_count > 300
    return {
        "autoResize": True,
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "navigationButtons": False,
        },
        "layout": {"improvedLayout": not big, "randomSeed": 7},
        "nodes": {"font": {"size": 14, "face": "system-ui, sans-serif"}, "borderWidth": 1},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "font": {"size": 10, "align": "middle", "color": "#475569"},
            "smooth": False if big else {"type": "continuous"},
            "color": {"inherit": False},
        },
        "physics": {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "avoidOverlap": 0.4},
            # Each iteration costs time in proportion to the nodes: bound the total work,
            # so an archive-sized page settles in seconds (and stops: see settle() in the page).
            "stabilization": {
                "enabled": True,
                "iterations": max(40, min(400, 300_000 // max(node_count, 1))),
                "updateInterval": 25,
                "fit": True,
            },
            "maxVelocity": 60,
            "minVelocity": 1,
        },
    }


def _pyvis_network(view: View) -> Any:
    """The view as a pyvis Network (nodes and edges set directly: ``add_node`` checks each one slowly)."""
    from pyvis.network import Network

    network = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    dim = bool(view.steps) or any(n.highlight for n in view.nodes.values())
    nodes = []
    for node in view.nodes.values():
        colour, shape, _ = NODE_TYPES[node.type]
        faded = dim and not node.highlight
        item = {
            "id": node.id,
            "label": node.label if len(node.label) <= 48 else node.label[:47] + "…",
            "title": node.summary,
            "group": node.type,
            "shape": shape,
            "color": "#e2e8f0" if faded else colour,
            "font": {"color": "#94a3b8" if faded else ("#ffffff" if shape == "box" else "#0f172a")},
            "size": 22 if node.type == "role" else 14,
            "fullLabel": node.label,
            "url": node.url,
        }
        if node.highlight and dim:
            item["borderWidth"] = 4
            item["color"] = {"background": colour, "border": "#f59e0b"}
        nodes.append(item)
    edges = []
    for edge in view.edges:
        faded = dim and not edge.highlight
        edges.append(
            {
                "from": edge.source,
                "to": edge.target,
                "label": edge.label,
                "title": edge.label,
                "dashes": edge.inferred,
                "width": 3 if edge.highlight and dim else 1,
                "color": "#e2e8f0" if faded else ("#f59e0b" if edge.highlight and dim else "#94a3b8"),
            }
        )
    network.nodes = nodes
    network.edges = edges
    network.node_ids = [n["id"] for n in nodes]
    network.options = _options(len(nodes))
    return network


def render_html(view: View) -> str:
    """The page for ``view``: one HTML file with everything it needs inside."""
    import jinja2

    network = _pyvis_network(view)
    nodes, edges, _heading, _height, _width, options = network.get_network_data()
    script, style = _vis_assets()
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("careergraph", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    legend = [
        {"type": t, "colour": c, "label": label, "count": sum(1 for n in view.nodes.values() if n.type == t)}
        for t, (c, _shape, label) in NODE_TYPES.items()
    ]
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options) if isinstance(options, str) else options,
        "legend": [item for item in legend if item["count"]],
        "steps": view.steps,
        "title": view.title,
    }
    return environment.get_template("graph.html").render(
        title=view.title,
        data=data,
        node_count=len(nodes),
        edge_count=len(edges),
        vis_script=_no_script_end(script),
        vis_style=style,
    )


def _no_script_end(text: str) -> str:
    # An inlined script must not contain the sequence that would end its <script> element.
    return text.replace("</script", "<\\/script")
