"""The role projection: a networkx ``DiGraph`` of roles and the moves between them.

:func:`project_roles` builds from a graph that holds (at least) what
:data:`PROJECTION_QUERY` constructs: an in-memory graph as it is, or that one
CONSTRUCT's answer from a store or remote endpoint (see
:meth:`careergraph.stores.Store.pull`); both give the same projection. It builds:

- a node per role (its IRI), with ``label``, ``skills`` (the skills its work
  needs) and ``weights`` (see below);
- an edge per recorded transition, with ``transition`` (its IRI), ``skills``
  (what it adds and its skill gaps name, less what it keeps and what the source
  role already needs), ``tools``, ``evidence`` (every segment a claim for the
  transition, its gaps, variants or projects cites), and who stands behind it:
  ``movers`` (the guests whose own move it is: ``cg:CareerMove`` claims),
  ``backers`` (guests with a timed citation) and ``cited_by`` (every citing
  guest), each a sorted tuple of names;
- an edge per transition known only from guests' moves (``cg:ObservedTransition``
  with no skills of its own, ``kind="observed"``, not inferred), whose skills
  are what the target role needs that the source does not;
- where no transition is recorded, ``inferred`` edges from what the data
  supports: a route variant that leads elsewhere (``kind="variant"``, with the
  variant's evidence), a role that claims about another role name (``kind="mentioned"``,
  with those claims' evidence), roles related by ``skos:broader`` or ``skos:related``
  (``kind="related"``),
  and a role whose needed skills you would already have at least half of
  (:data:`OVERLAP_THRESHOLD`) from another's (``kind="overlap"``).

``weights`` map each skill of a role or step to ``(guests, claims)``: how many
distinct guests and claims that support the role or step name it
(``cg:mentionsSkill``). The graph's ``labels`` attribute maps every skill and
tool IRI to its label, and ``skills`` every skill of the vocabulary to
``(guests, claims)`` naming it anywhere.
:func:`careergraph.rolegraph.save_roles` keeps the projection in the cache,
from which a route search reads back only the part it needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx
from rdflib import Graph, URIRef
from rdflib.term import Node

from .evidence import Evidence, sort_evidence
from .vocab import CG, PROV, RDF, RDFS, SCHEMA, SKOS, local_name

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
      cg:supports cg:mentionsSkill prov:wasAttributedTo prov:wasDerivedFrom
      schema:partOfEpisode schema:startOffset schema:endOffset schema:url schema:video
      schema:name rdfs:label
    }
    ?s ?p ?o .
  } UNION {
    VALUES ?o { cg:Skills }
    ?s skos:inScheme ?o .
    BIND(skos:inScheme AS ?p)
  } UNION {
    VALUES ?o {
      cg:Role cg:Transition cg:ObservedTransition cg:CareerMove schema:Clip schema:PodcastEpisode
    }
    ?s rdf:type ?o .
    BIND(rdf:type AS ?p)
  }
}
"""


_CG = "https://w3id.org/careergraph/ontology#"
#: Not yet in :class:`careergraph.vocab.CG` on every branch: the moves model's two classes.
CAREER_MOVE = URIRef(_CG + "CareerMove")
OBSERVED_TRANSITION = URIRef(_CG + "ObservedTransition")


def _objects(graph: Graph, subject: Any, predicate: URIRef) -> frozenset[str]:
    return frozenset(str(o) for o in graph.objects(subject, predicate) if isinstance(o, URIRef))


def _guest_names(graph: Graph, claim: Any) -> list[str]:
    return sorted(str(graph.value(g, SCHEMA.name) or g) for g in graph.objects(claim, PROV.wasAttributedTo))


def _is_timed(graph: Graph, source: Any) -> bool:
    return (source, RDF.type, SCHEMA.Clip) in graph and graph.value(source, SCHEMA.startOffset) is not None


def _support(graph: Graph, claims: Iterable[Any]) -> dict[str, Any]:
    """Who stands behind ``claims``: movers, guests with timed citations, every citing guest, skill weights.

    ``weights`` maps each skill a claim names (``cg:mentionsSkill``) to
    ``(guests, claims)``: how many distinct guests and claims name it.
    """
    movers: set[str] = set()
    backers: set[str] = set()
    cited_by: set[str] = set()
    naming: defaultdict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    for claim in claims:
        guests = _guest_names(graph, claim)
        sources = list(graph.objects(claim, PROV.wasDerivedFrom))
        if (claim, RDF.type, CAREER_MOVE) in graph:
            movers.update(guests)
        if any(_is_timed(graph, source) for source in sources):
            backers.update(guests)
        cited_by.update(guests)
        for skill in graph.objects(claim, CG.mentionsSkill):
            who, which = naming[str(skill)]
            who.update(guests or [f"claim:{claim}"])
            which.add(str(claim))
    return {
        "movers": tuple(sorted(movers)),
        "backers": tuple(sorted(backers)),
        "cited_by": tuple(sorted(cited_by)),
        "weights": {skill: (len(who), len(which)) for skill, (who, which) in naming.items()},
    }


def _claims_for(graph: Graph, targets: Iterable[Any]) -> set[Any]:
    return {c for t in targets for c in graph.subjects(CG.supports, t)}


def _evidence_of(graph: Graph, targets: Iterable[URIRef]) -> tuple[Evidence, ...]:
    """The evidence of every claim that supports one of ``targets``."""
    return _evidence_from(graph, _claims_for(graph, targets))


def _evidence_from(graph: Graph, claims: Iterable[Any]) -> tuple[Evidence, ...]:
    """The segments (or whole episodes) ``claims`` come from, with who said them."""
    found: set[Evidence] = set()
    for claim in claims:
        guest = ", ".join(_guest_names(graph, claim)) or "unknown guest"
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
                    start=None if start is None else int(str(start)),
                    end=None if end is None else int(str(end)),
                    guest=guest,
                    episode=str(episode),
                    url=None if url is None else str(url),
                    claim=str(claim),
                    source=str(source),
                )
            )
    return sort_evidence(found)


def _merge_support(one: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Two records of one step: the union of their people; a skill's weight is the larger one."""
    weights = dict(one["weights"])
    for skill, weight in other["weights"].items():
        weights[skill] = max(weights.get(skill, (0, 0)), weight)
    return {
        key: tuple(sorted(set(one[key]) | set(other[key]))) for key in ("movers", "backers", "cited_by")
    } | {"weights": weights}


def _skill_weights(support: dict[str, Any], skills: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``(guests, claims)`` naming each of ``skills`` (0, 0 when no claim names it)."""
    return {skill: support["weights"].get(skill, (0, 0)) for skill in skills}


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
    >>> G.edges[ds, mle]["weights"]["https://w3id.org/careergraph/id/skill/testing"]
    (2, 3)
    """
    G = nx.DiGraph()
    labels: dict[str, str] = {}
    for concept, label in sub.subject_objects(SKOS.prefLabel):
        labels.setdefault(str(concept), str(label))
    G.graph["labels"] = labels

    for role in sorted(sub.subjects(RDF.type, CG.Role), key=str):
        skills = _objects(sub, role, CG.requiresSkill)
        support = _support(sub, sub.subjects(CG.supports, role))
        G.add_node(
            str(role),
            label=labels.get(str(role), local_name(role)),
            skills=skills,
            tools=_objects(sub, role, CG.usesTool),
            weights=_skill_weights(support, skills),
        )

    def skills_of(node: str) -> frozenset[str]:
        return G.nodes[node]["skills"] if node in G else frozenset()

    variants: list[tuple[str, Node]] = []
    for transition in sorted(sub.subjects(RDF.type, CG.Transition), key=str):
        source, target = sub.value(transition, CG.fromRole), sub.value(transition, CG.toRole)
        if source is None or target is None or source == target:
            continue
        u, v = str(source), str(target)
        for node in (u, v):
            if node not in G:  # a role named only by a transition
                G.add_node(
                    node,
                    label=labels.get(node, local_name(node)),
                    skills=frozenset(),
                    tools=frozenset(),
                    weights={},
                )
        gaps = list(sub.objects(transition, CG.hasSkillGap))
        gap_skills = frozenset().union(*(_objects(sub, gap, CG.gapSkill) for gap in gaps))
        adds = _objects(sub, transition, CG.addsSkill) | gap_skills
        skills = adds - _objects(sub, transition, CG.keepsSkill) - skills_of(u)
        tools = _objects(sub, transition, CG.usesTool).union(
            *(_objects(sub, gap, CG.usesTool) for gap in gaps)
        )
        supported = [transition, *gaps, *sub.objects(transition, CG.hasPortfolioProject)]
        supported += list(sub.objects(transition, CG.hasRouteVariant))
        claims = _claims_for(sub, supported)
        support = _support(sub, claims)
        observed = (transition, RDF.type, OBSERVED_TRANSITION) in sub
        kind = "transition"
        if observed and not adds:
            # Known from guests' own moves only: what the target needs that the source does not.
            kind = "observed"
            skills = G.nodes[v]["skills"] - skills_of(u)
            tools = tools | G.nodes[v]["tools"]
            support["weights"] = {**G.nodes[v]["weights"], **support["weights"]}
        evidence = _evidence_from(sub, claims)
        if G.has_edge(u, v):  # two records of one transition: merge them
            edge = G.edges[u, v]
            edge["skills"] |= skills
            edge["tools"] |= tools
            edge["evidence"] = sort_evidence(set(edge["evidence"]) | set(evidence))
            merged = _merge_support(edge, support)
            edge.update(merged, weights=_skill_weights(merged, edge["skills"]))
            if kind == "transition":
                edge["kind"] = kind
            continue
        G.add_edge(
            u,
            v,
            transition=str(transition),
            inferred=False,
            kind=kind,
            via=None,
            via_label="",
            skills=skills,
            tools=tools,
            evidence=evidence,
            **{key: support[key] for key in ("movers", "backers", "cited_by")},
            weights=_skill_weights(support, skills),
        )
        variants.extend((u, variant) for variant in sub.objects(transition, CG.hasRouteVariant))

    # A route variant that leads somewhere the transition does not: an inferred step.
    for u, variant in sorted(variants, key=lambda pair: (pair[0], str(pair[1]))):
        for leads_to in sorted(sub.objects(variant, CG.leadsTo), key=str):
            v = str(leads_to)
            if v != u and v in G and not G.has_edge(u, v):
                claims = _claims_for(sub, [variant])
                _add_inferred(
                    G,
                    u,
                    v,
                    "variant",
                    skills=_objects(sub, variant, CG.emphasisesSkill),
                    tools=_objects(sub, variant, CG.usesTool),
                    evidence=_evidence_from(sub, claims),
                    support=_support(sub, claims),
                    via=str(variant),
                    via_label=str(sub.value(variant, RDFS.label) or ""),
                )

    # A claim about one role that names another: guests talking about the move.
    mentions: defaultdict[tuple[str, str], set[Any]] = defaultdict(set)
    for claim, mentioned in sub.subject_objects(CG.mentionsRole):
        for backed in sub.objects(claim, CG.supports):
            u, v = str(backed), str(mentioned)
            if u != v and u in G and v in G:
                mentions[u, v].add(claim)
    for (u, v), claims in sorted(mentions.items()):
        if not G.has_edge(u, v):
            support = _support(sub, claims)
            support["movers"] = ()  # talking about a role is not having moved to it
            _add_inferred(G, u, v, "mentioned", evidence=_evidence_from(sub, claims), support=support)

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
    G.graph["skills"] = _skill_totals(sub)
    return G


def _skill_totals(sub: Graph) -> dict[str, tuple[int, int]]:
    """Every skill of the vocabulary with ``(guests, claims)`` naming it anywhere."""
    totals = {str(skill): (0, 0) for skill in sub.subjects(SKOS.inScheme, CG.Skills)}
    claims: defaultdict[str, set[Any]] = defaultdict(set)
    for claim, mentioned in sub.subject_objects(CG.mentionsSkill):
        claims[str(mentioned)].add(claim)
    for iri, named in claims.items():
        guests = {g for c in named for g in sub.objects(c, PROV.wasAttributedTo)}
        totals[iri] = (len(guests), len(named))
    return totals


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
    support: dict[str, Any] | None = None,
    via: str | None = None,
    via_label: str = "",
) -> None:
    """An inferred step ``u`` → ``v``: what ``v`` needs (and ``skills``) less what ``u`` has."""
    source, target = G.nodes[u], G.nodes[v]
    support = support or {"movers": (), "backers": (), "cited_by": (), "weights": {}}
    to_gain = (skills | target["skills"]) - source["skills"]
    G.add_edge(
        u,
        v,
        transition=None,
        inferred=True,
        kind=kind,
        via=via,
        via_label=via_label,
        skills=to_gain,
        tools=(tools | target["tools"]) - source["tools"],
        evidence=evidence,
        movers=support["movers"],
        backers=support["backers"],
        cited_by=support["cited_by"],
        weights=_skill_weights({"weights": {**target["weights"], **support["weights"]}}, to_gain),
    )
