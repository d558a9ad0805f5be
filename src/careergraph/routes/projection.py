"""The role projection: a networkx ``DiGraph`` of roles and the moves between them.

:func:`project_roles` builds from a graph that holds (at least) what
:data:`PROJECTION_QUERY` constructs: an in-memory graph as it is, or that one
CONSTRUCT's answer from a store or remote endpoint (see
:meth:`careergraph.stores.Store.graph_covering`); both give the same projection. It builds:

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
:func:`careergraph.routes.stored.save_roles` keeps the projection in the cache,
from which a route search reads back only the part it needs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain, permutations
from typing import TYPE_CHECKING, Any

from ..facts import IN_SCHEME, PROJECTION_PULL, Facts, FactTerm, is_iri, least
from ..prefixes import PREFIXES, local_name
from .evidence import Evidence, sort_evidence

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph

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


_CG = PREFIXES["cg"]
_PROV = PREFIXES["prov"]
_SCHEMA = PREFIXES["schema"]
_SKOS = PREFIXES["skos"]
#: The terms the projection reads, as the plain strings :class:`careergraph.facts.Facts` holds.
ROLE, TRANSITION = _CG + "Role", _CG + "Transition"
CAREER_MOVE, OBSERVED_TRANSITION = _CG + "CareerMove", _CG + "ObservedTransition"
REQUIRES_SKILL, USES_TOOL, MENTIONS_ROLE = _CG + "requiresSkill", _CG + "usesTool", _CG + "mentionsRole"
FROM_ROLE, TO_ROLE = _CG + "fromRole", _CG + "toRole"
ADDS_SKILL, KEEPS_SKILL = _CG + "addsSkill", _CG + "keepsSkill"
HAS_SKILL_GAP, GAP_SKILL = _CG + "hasSkillGap", _CG + "gapSkill"
HAS_ROUTE_VARIANT, HAS_PORTFOLIO_PROJECT = _CG + "hasRouteVariant", _CG + "hasPortfolioProject"
LEADS_TO, EMPHASISES_SKILL = _CG + "leadsTo", _CG + "emphasisesSkill"
SUPPORTS, MENTIONS_SKILL, SKILLS = _CG + "supports", _CG + "mentionsSkill", _CG + "Skills"
ATTRIBUTED_TO, DERIVED_FROM = _PROV + "wasAttributedTo", _PROV + "wasDerivedFrom"
CLIP, EPISODE, NAME = _SCHEMA + "Clip", _SCHEMA + "PodcastEpisode", _SCHEMA + "name"
PART_OF_EPISODE, START, END = _SCHEMA + "partOfEpisode", _SCHEMA + "startOffset", _SCHEMA + "endOffset"
URL, VIDEO = _SCHEMA + "url", _SCHEMA + "video"
PREF_LABEL, BROADER, RELATED = _SKOS + "prefLabel", _SKOS + "broader", _SKOS + "related"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


class _Reader:
    """The projection's lookups over :class:`Facts`: each guest's name, each claim's guests and
    each claim's evidence once."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.clips = facts.typed(CLIP)
        self.episodes = facts.typed(EPISODE)
        self.moves = facts.typed(CAREER_MOVE)
        by = facts.by_subject
        self.attributed, self.names, self.derived = by(ATTRIBUTED_TO), by(NAME), by(DERIVED_FROM)
        self.mentions, self.starts = by(MENTIONS_SKILL), by(START)
        self.parts, self.ends, self.urls, self.videos = by(PART_OF_EPISODE), by(END), by(URL), by(VIDEO)
        self._guests: dict[FactTerm, list[str]] = {}
        self._names: dict[FactTerm, str] = {}
        self._cited: dict[FactTerm, list[Evidence]] = {}

    def guest_names(self, claim: FactTerm) -> list[str]:
        found = self._guests.get(claim)
        if found is None:
            names, known = self.names, self._names
            found = []
            for guest in self.attributed.get(claim, ()):
                name = known.get(guest)
                if name is None:
                    name = known[guest] = str(least(names.get(guest)) or guest)
                found.append(name)
            found.sort()
            self._guests[claim] = found
        return found

    def is_timed(self, source: FactTerm) -> bool:
        # is_iri: a literal with a segment's text is no segment (a str subclass, it would match)
        return source in self.clips and is_iri(source) and bool(self.starts.get(source))

    def claims_for(self, targets: Iterable[FactTerm]) -> set[FactTerm]:
        subjects = self.facts.subjects
        return {c for t in targets for c in subjects(SUPPORTS, t)}

    def cited(self, claim: FactTerm) -> list[Evidence]:
        """The segments (or whole episodes) ``claim`` comes from, with who said it; made once a
        claim, which backs both a transition and its variant or project."""
        found = self._cited.get(claim)
        if found is not None:
            return found
        found = self._cited[claim] = []
        guest = ", ".join(self.guest_names(claim)) or "unknown guest"
        for source in self.derived.get(claim, ()):
            if not is_iri(source):  # a literal that reads like a segment's IRI is not one
                continue
            if source in self.clips:
                episode = least(self.parts.get(source))
                start = least(self.starts.get(source))
                end = least(self.ends.get(source))
                url = least(self.urls.get(source))
            elif source in self.episodes:
                episode, start, end = source, None, None
                url = least(self.videos.get(source))
            else:
                continue
            found.append(
                Evidence(
                    episode_title=str((episode is not None and least(self.names.get(episode))) or episode),
                    start=None if start is None else int(start),
                    end=None if end is None else int(end),
                    guest=guest,
                    episode=str(episode),
                    url=None if url is None else str(url),
                    claim=str(claim),
                    source=str(source),
                )
            )
        return found


def _support(sub: _Reader, claims: Iterable[FactTerm]) -> dict[str, Any]:
    """Who stands behind ``claims``: movers, guests with timed citations, every citing guest, skill weights.

    ``weights`` maps each skill a claim names (``cg:mentionsSkill``) to
    ``(guests, claims)``: how many distinct guests and claims name it.
    """
    movers: set[str] = set()
    backers: set[str] = set()
    cited_by: set[str] = set()
    naming: defaultdict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    derived, mentions, is_timed = sub.derived, sub.mentions, sub.is_timed
    for claim in claims:
        guests = sub.guest_names(claim)
        if claim in sub.moves:
            movers.update(guests)
        if any(is_timed(source) for source in derived.get(claim, ())):
            backers.update(guests)
        cited_by.update(guests)
        for skill in mentions.get(claim, ()):
            who, which = naming[str(skill)]
            who.update(guests or [f"claim:{claim}"])
            which.add(str(claim))
    return {
        "movers": tuple(sorted(movers)),
        "backers": tuple(sorted(backers)),
        "cited_by": tuple(sorted(cited_by)),
        "weights": {skill: (len(who), len(which)) for skill, (who, which) in naming.items()},
    }


def _evidence_from(sub: _Reader, claims: Iterable[FactTerm]) -> tuple[Evidence, ...]:
    """The segments (or whole episodes) ``claims`` come from, with who said them."""
    found: set[Evidence] = set()
    for claim in claims:
        found.update(sub.cited(claim))
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


def project_roles(sub: Facts | Graph) -> nx.DiGraph:
    """Project the roles and transitions of a graph into a networkx ``DiGraph``.

    ``sub`` holds (at least) what :data:`PROJECTION_QUERY` constructs, as
    :class:`careergraph.facts.Facts` read from a store, or an rdflib graph.

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
    import networkx as nx

    facts = sub if isinstance(sub, Facts) else Facts.from_graph(sub, PROJECTION_PULL)
    read = _Reader(facts)
    iris, objects, value = facts.iris, facts.objects, facts.value
    G = nx.DiGraph()
    labels: dict[str, str] = {}
    for concept, label in facts.subject_objects(PREF_LABEL):
        known = labels.get(concept)
        if known is None or str(label) < known:  # the least of several: the same from every store
            labels[str(concept)] = str(label)
    G.graph["labels"] = labels

    for role in sorted(facts.typed(ROLE)):
        skills = iris(role, REQUIRES_SKILL)
        support = _support(read, facts.subjects(SUPPORTS, role))
        G.add_node(
            str(role),
            label=labels.get(role, local_name(role)),
            skills=skills,
            tools=iris(role, USES_TOOL),
            weights=_skill_weights(support, skills),
        )

    def skills_of(node: str) -> frozenset[str]:
        return G.nodes[node]["skills"] if node in G else frozenset()

    observed_transitions = facts.typed(OBSERVED_TRANSITION)
    variants: list[tuple[str, FactTerm]] = []
    for transition in sorted(facts.typed(TRANSITION)):
        source, target = value(transition, FROM_ROLE), value(transition, TO_ROLE)
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
        gaps = objects(transition, HAS_SKILL_GAP)
        gap_skills = frozenset().union(*(iris(gap, GAP_SKILL) for gap in gaps))
        adds = iris(transition, ADDS_SKILL) | gap_skills
        skills = adds - iris(transition, KEEPS_SKILL) - skills_of(u)
        tools = iris(transition, USES_TOOL).union(*(iris(gap, USES_TOOL) for gap in gaps))
        supported = [transition, *gaps, *objects(transition, HAS_PORTFOLIO_PROJECT)]
        supported += objects(transition, HAS_ROUTE_VARIANT)
        claims = read.claims_for(supported)
        support = _support(read, claims)
        kind = "transition"
        if transition in observed_transitions and not adds:
            # Known from guests' own moves only: what the target needs that the source does not.
            kind = "observed"
            skills = G.nodes[v]["skills"] - skills_of(u)
            tools = tools | G.nodes[v]["tools"]
            support["weights"] = {**G.nodes[v]["weights"], **support["weights"]}
        evidence = _evidence_from(read, claims)
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
        variants.extend((u, variant) for variant in objects(transition, HAS_ROUTE_VARIANT))

    # A route variant that leads somewhere the transition does not: an inferred step.
    for u, variant in sorted(variants, key=lambda pair: (pair[0], str(pair[1]))):
        for leads_to in sorted(objects(variant, LEADS_TO)):
            v = str(leads_to)
            if v != u and v in G and not G.has_edge(u, v):
                claims = read.claims_for([variant])
                _add_inferred(
                    G,
                    u,
                    v,
                    "variant",
                    skills=iris(variant, EMPHASISES_SKILL),
                    tools=iris(variant, USES_TOOL),
                    evidence=_evidence_from(read, claims),
                    support=_support(read, claims),
                    via=str(variant),
                    via_label=str(value(variant, RDFS_LABEL) or ""),
                )

    # A claim about one role that names another: guests talking about the move.
    mentions: defaultdict[tuple[str, str], set[FactTerm]] = defaultdict(set)
    for claim, mentioned in facts.subject_objects(MENTIONS_ROLE):
        for backed in objects(claim, SUPPORTS):
            u, v = str(backed), str(mentioned)
            if u != v and u in G and v in G:
                mentions[u, v].add(claim)
    for (u, v), claims in sorted(mentions.items()):
        if not G.has_edge(u, v):
            support = _support(read, claims)
            support["movers"] = ()  # talking about a role is not having moved to it
            _add_inferred(G, u, v, "mentioned", evidence=_evidence_from(read, claims), support=support)

    # Roles related by skos:broader or skos:related: a move either way, inferred from the skills alone.
    related: defaultdict[str, set[str]] = defaultdict(set)
    for prop in (BROADER, RELATED):
        for one, other in facts.subject_objects(prop):
            if str(one) in G and str(other) in G and one != other:
                related[str(one)].add(str(other))
                related[str(other)].add(str(one))
    for u in sorted(related):
        for v in sorted(related[u]):
            if not G.has_edge(u, v):
                _add_inferred(G, u, v, "related")

    _add_overlap_edges(G)
    G.graph["skills"] = _skill_totals(facts)
    return G


def _skill_totals(sub: Facts) -> dict[str, tuple[int, int]]:
    """Every skill of the vocabulary with ``(guests, claims)`` naming it anywhere."""
    totals = {str(skill): (0, 0) for skill in sub.subjects(IN_SCHEME, SKILLS)}
    claims: defaultdict[str, set[FactTerm]] = defaultdict(set)
    for claim, mentioned in sub.subject_objects(MENTIONS_SKILL):
        claims[str(mentioned)].add(claim)
    for iri, named in claims.items():
        guests = {g for c in named for g in sub.objects(c, ATTRIBUTED_TO)}
        totals[iri] = (len(guests), len(named))
    return totals


def _add_overlap_edges(G: nx.DiGraph) -> None:
    """Inferred steps between roles that share enough of the target's skills.

    Pairs are found through the roles that need each skill, so the work grows
    with the pairs that share a skill, not with the square of the roles.
    """
    needing: defaultdict[str, list[str]] = defaultdict(list)
    size: dict[str, int] = {}
    for node, skills in G.nodes(data="skills"):
        size[node] = len(skills)
        for skill in skills:
            needing[skill].append(node)
    # Each role is in a skill's list once (skills are a set), so the ordered pairs of distinct
    # roles are its permutations; Counter counts them in C, in one call for every skill (a call
    # a skill cost more than its few pairs at 5 M triples).
    shared = Counter(
        chain.from_iterable(permutations(roles, 2) for roles in needing.values() if len(roles) > 1)
    )
    # Only the pairs that qualify are sorted (most share one skill); adding one never changes another.
    enough = [
        (u, v)
        for (u, v), count in shared.items()
        if count / size[v] >= OVERLAP_THRESHOLD and not G.has_edge(u, v)
    ]
    for u, v in sorted(enough):
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
