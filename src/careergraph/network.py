"""The role projection: a networkx ``DiGraph`` of roles and the moves between them.

:func:`project_roles` builds from a graph that holds (at least) what
:data:`PROJECTION_QUERY` constructs: an in-memory graph as it is, or that one
CONSTRUCT's answer from a store or remote endpoint (see
:meth:`careergraph.stores.Store.pull`); both give the same projection. It builds:

- a node per role (its IRI), with ``label`` and ``skills`` (the skills its work needs);
- an edge per recorded transition, with ``transition`` (its IRI), ``skills``
  (what it adds and its skill gaps name, less what it keeps and what the source
  role already needs), ``tools`` and ``evidence`` (every segment a claim for the
  transition, its gaps, variants or projects cites);
- where no transition is recorded, ``inferred`` edges from what the data
  supports: a route variant that leads elsewhere (``kind="variant"``, with the
  variant's evidence), a role that claims about another role name (``kind="mentioned"``,
  with those claims' evidence), roles related by ``skos:broader`` or ``skos:related``
  (``kind="related"``),
  and a role whose needed skills you would already have at least half of
  (:data:`OVERLAP_THRESHOLD`) from another's (``kind="overlap"``).

The graph's ``labels`` attribute maps every skill and tool IRI to its label.
:func:`careergraph.rolegraph.save_roles` keeps the projection in the cache,
from which a route search reads back only the part it needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef

from .evidence import Evidence, sort_evidence
from .vocab import CG, PROV, RDF, RDFS, SCHEMA, SKOS

__all__ = [
    "Evidence",
    "OVERLAP_THRESHOLD",
    "PROJECTION_QUERY",
    "project_roles",
]

#: The share of a role's skills another role must already need for an inferred "overlap" step.
OVERLAP_THRESHOLD = 0.5

PROJECTION_QUERY = """
PREFIX cg: <https://w3id.org/careergraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>

CONSTRUCT { ?s ?p ?o }
WHERE {
  {
    VALUES ?p {
      skos:prefLabel skos:broader skos:related cg:requiresSkill cg:usesTool cg:mentionsRole
      cg:fromRole cg:toRole cg:addsSkill cg:keepsSkill cg:hasSkillGap cg:gapSkill
      cg:hasRouteVariant cg:hasPortfolioProject cg:leadsTo cg:emphasisesSkill
      cg:supports prov:wasAttributedTo prov:wasDerivedFrom
      schema:partOfEpisode schema:startOffset schema:endOffset schema:url schema:video
      schema:name rdfs:label
    }
    ?s ?p ?o .
  } UNION {
    VALUES ?o { cg:Role cg:Transition schema:Clip schema:PodcastEpisode }
    ?s rdf:type ?o .
    BIND(rdf:type AS ?p)
  }
}
"""


def _objects(graph: Graph, subject: Any, predicate: URIRef) -> frozenset[str]:
    return frozenset(str(o) for o in graph.objects(subject, predicate) if isinstance(o, URIRef))


def _evidence_of(graph: Graph, targets: Iterable[URIRef]) -> tuple[Evidence, ...]:
    """The evidence of every claim that supports one of ``targets``."""
    return _evidence_from(graph, {c for t in targets for c in graph.subjects(CG.supports, t)})


def _evidence_from(graph: Graph, claims: Iterable[Any]) -> tuple[Evidence, ...]:
    """The segments (or whole episodes) ``claims`` come from, with who said them."""
    found: set[Evidence] = set()
    for claim in claims:
        guests = sorted(
            str(graph.value(g, SCHEMA.name) or g) for g in graph.objects(claim, PROV.wasAttributedTo)
        )
        guest = ", ".join(guests) or "unknown guest"
        for source in graph.objects(claim, PROV.wasDerivedFrom):
            if (source, RDF.type, SCHEMA.Clip) in graph:
                episode = graph.value(source, SCHEMA.partOfEpisode)
                start = graph.value(source, SCHEMA.startOffset)
                end = graph.value(source, SCHEMA.endOffset)
                url = graph.value(source, SCHEMA.url)
            elif (source, RDF.type, SCHEMA.PodcastEpisode) in graph:
                episode, start, end = source, None, None
                url = graph.value(source, SCHEMA.video)
            else:
                continue
            found.add(
                Evidence(
                    episode_title=str(graph.value(episode, SCHEMA.name) or episode),
                    start=None if start is None else int(start),
                    end=None if end is None else int(end),
                    guest=guest,
                    episode=str(episode),
                    url=None if url is None else str(url),
                    claim=str(claim),
                    source=str(source),
                )
            )
    return sort_evidence(found)


def project_roles(sub: Graph) -> nx.DiGraph:
    """Project the roles and transitions of a graph into a networkx ``DiGraph``.

    ``sub`` holds (at least) what :data:`PROJECTION_QUERY` constructs.

    Examples
    --------
    >>> from careergraph.data import load_graph, shipped_dir
    >>> G = project_roles(load_graph([shipped_dir("graph_data")]))
    >>> ds = "https://w3id.org/careergraph/id/role/data-scientist"
    >>> mle = "https://w3id.org/careergraph/id/role/machine-learning-engineer"
    >>> G.edges[ds, mle]["inferred"], G.edges[ds, mle]["transition"].rsplit("/", 1)[-1]
    (False, 'data-scientist--machine-learning-engineer')
    """
    G = nx.DiGraph()
    labels: dict[str, str] = {}
    for concept, label in sub.subject_objects(SKOS.prefLabel):
        labels.setdefault(str(concept), str(label))
    G.graph["labels"] = labels

    for role in sorted(sub.subjects(RDF.type, CG.Role)):
        G.add_node(
            str(role),
            label=labels.get(str(role), str(role).rsplit("/", 1)[-1]),
            skills=_objects(sub, role, CG.requiresSkill),
            tools=_objects(sub, role, CG.usesTool),
        )

    def skills_of(node: str) -> frozenset[str]:
        return G.nodes[node]["skills"] if node in G else frozenset()

    variants: list[tuple[str, URIRef]] = []
    for transition in sorted(sub.subjects(RDF.type, CG.Transition)):
        source, target = sub.value(transition, CG.fromRole), sub.value(transition, CG.toRole)
        if source is None or target is None or source == target:
            continue
        u, v = str(source), str(target)
        gaps = list(sub.objects(transition, CG.hasSkillGap))
        gap_skills = frozenset().union(*(_objects(sub, gap, CG.gapSkill) for gap in gaps))
        skills = (
            (_objects(sub, transition, CG.addsSkill) | gap_skills)
            - _objects(sub, transition, CG.keepsSkill)
            - skills_of(u)
        )
        tools = _objects(sub, transition, CG.usesTool).union(
            *(_objects(sub, gap, CG.usesTool) for gap in gaps)
        )
        supported = [transition, *gaps, *sub.objects(transition, CG.hasPortfolioProject)]
        supported += list(sub.objects(transition, CG.hasRouteVariant))
        for node in (u, v):
            if node not in G:  # a role named only by a transition
                G.add_node(
                    node,
                    label=labels.get(node, node.rsplit("/", 1)[-1]),
                    skills=frozenset(),
                    tools=frozenset(),
                )
        if G.has_edge(u, v):  # two records of one transition: merge them
            edge = G.edges[u, v]
            edge["skills"] |= skills
            edge["tools"] |= tools
            edge["evidence"] = sort_evidence(set(edge["evidence"]) | set(_evidence_of(sub, supported)))
            continue
        G.add_edge(
            u,
            v,
            transition=str(transition),
            inferred=False,
            kind="transition",
            via=None,
            via_label="",
            skills=skills,
            tools=tools,
            evidence=_evidence_of(sub, supported),
        )
        variants.extend((u, variant) for variant in sub.objects(transition, CG.hasRouteVariant))

    # A route variant that leads somewhere the transition does not: an inferred step.
    for u, variant in sorted(variants):
        for leads_to in sorted(sub.objects(variant, CG.leadsTo)):
            v = str(leads_to)
            if v != u and v in G and not G.has_edge(u, v):
                _add_inferred(
                    G,
                    u,
                    v,
                    "variant",
                    skills=_objects(sub, variant, CG.emphasisesSkill),
                    tools=_objects(sub, variant, CG.usesTool),
                    evidence=_evidence_of(sub, [variant]),
                    via=str(variant),
                    via_label=str(sub.value(variant, RDFS.label) or ""),
                )

    # A claim about one role that names another: guests talking about the move.
    mentions: defaultdict[tuple[str, str], set[Any]] = defaultdict(set)
    for claim, mentioned in sub.subject_objects(CG.mentionsRole):
        for supported in sub.objects(claim, CG.supports):
            u, v = str(supported), str(mentioned)
            if u != v and u in G and v in G:
                mentions[u, v].add(claim)
    for (u, v), claims in sorted(mentions.items()):
        if not G.has_edge(u, v):
            _add_inferred(G, u, v, "mentioned", evidence=_evidence_from(sub, claims))

    # Roles related by skos:broader or skos:related: a move either way, inferred from the skills alone.
    related: defaultdict[str, set[str]] = defaultdict(set)
    for prop in (SKOS.broader, SKOS.related):
        for one, other in sub.subject_objects(prop):
            if str(one) in G and str(other) in G and one != other:
                related[str(one)].add(str(other))
                related[str(other)].add(str(one))
    for u in sorted(related):
        for v in sorted(related[u]):
            if not G.has_edge(u, v):
                _add_inferred(G, u, v, "related")

    _add_overlap_edges(G)
    return G


def _add_overlap_edges(G: nx.DiGraph) -> None:
    """Inferred steps between roles that share enough of the target's skills.

    Pairs are found through the roles that need each skill, so the work grows
    with the pairs that share a skill, not with the square of the roles.
    """
    needing: defaultdict[str, list[str]] = defaultdict(list)
    for node, skills in G.nodes(data="skills"):
        for skill in skills:
            needing[skill].append(node)
    shared: defaultdict[tuple[str, str], int] = defaultdict(int)
    for roles in needing.values():
        for u in roles:
            for v in roles:
                if u != v:
                    shared[u, v] += 1
    for (u, v), count in sorted(shared.items()):
        if not G.has_edge(u, v) and count / len(G.nodes[v]["skills"]) >= OVERLAP_THRESHOLD:
            _add_inferred(G, u, v, "overlap")


def _add_inferred(
    G: nx.DiGraph,
    u: str,
    v: str,
    kind: str,
    *,
    skills: frozenset[str] = frozenset(),
    tools: frozenset[str] = frozenset(),
    evidence: tuple[Evidence, ...] = (),
    via: str | None = None,
    via_label: str = "",
) -> None:
    """An inferred step ``u`` → ``v``: what ``v`` needs (and ``skills``) less what ``u`` has."""
    source, target = G.nodes[u], G.nodes[v]
    G.add_edge(
        u,
        v,
        transition=None,
        inferred=True,
        kind=kind,
        via=via,
        via_label=via_label,
        skills=(skills | target["skills"]) - source["skills"],
        tools=(tools | target["tools"]) - source["tools"],
        evidence=evidence,
    )
