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
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from ..facts import IN_SCHEME, PROJECTION_PULL, Facts, FactTerm, is_iri, least
from ..prefixes import PREFIXES, local_name
from .evidence import Evidence, evidence_key, sort_evidence

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
_first = itemgetter(0)
#: A cited segment's (or whole episode's) part of an :class:`Evidence`: title, start, end, episode, link.
_Segment = tuple[str, int | None, int | None, str, str | None]
_UNREAD = object()


class _Reader:
    """The projection's lookups over :class:`Facts`: each guest's name, each claim's guests and
    evidence, each segment's episode and times, once."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.clips = facts.typed(CLIP)
        self.episodes = facts.typed(EPISODE)
        self.moves = facts.typed(CAREER_MOVE)
        by = facts.by_subject
        self.attributed, self.names, self.derived = by(ATTRIBUTED_TO), by(NAME), by(DERIVED_FROM)
        self.mentions, self.starts = by(MENTIONS_SKILL), by(START)
        self.parts, self.ends, self.urls, self.videos = by(PART_OF_EPISODE), by(END), by(URL), by(VIDEO)
        self.supporting = facts.by_object(SUPPORTS)
        self._names: dict[FactTerm, str] = {}
        self._about: dict[FactTerm, tuple[list[str], bool, bool]] = {}
        self._cited: dict[FactTerm, list[tuple[tuple[Any, ...], Evidence]]] = {}
        self._segments: dict[FactTerm, _Segment | None] = {}

    def _guest_names(self, claim: FactTerm) -> list[str]:
        names, known = self.names, self._names
        found = []
        for guest in self.attributed.get(claim, ()):
            name = known.get(guest)
            if name is None:
                name = known[guest] = str(least(names.get(guest)) or guest)
            found.append(name)
        found.sort()
        return found

    def is_timed(self, source: FactTerm) -> bool:
        # is_iri: a literal with a segment's text is no segment (a str subclass, it would match)
        return source in self.clips and is_iri(source) and bool(self.starts.get(source))

    def about(self, claim: FactTerm) -> tuple[list[str], bool, bool]:
        """``claim`` 's guests, whether it is a guest's own move and whether it cites a timed
        segment: made once a claim, which backs both a transition and its variant or project."""
        found = self._about.get(claim)
        if found is None:
            timed = any(self.is_timed(source) for source in self.derived.get(claim, ()))
            found = self._about[claim] = (self._guest_names(claim), claim in self.moves, timed)
        return found

    def claims_for(self, targets: Iterable[FactTerm]) -> set[FactTerm]:
        supporting = self.supporting
        return {c for t in targets for c in supporting.get(t, ())}

    def segment(self, source: str) -> _Segment | None:
        """The episode title, start, end, episode and link of the segment (or whole episode) with
        IRI ``source`` a claim comes from, or None for anything else: made once a segment, which many
        claims cite."""
        found = self._segments.get(source, _UNREAD)
        if found is not _UNREAD:
            return found  # type: ignore[return-value]
        found = self._segments[source] = self._read_segment(source)
        return found

    def _read_segment(self, source: str) -> _Segment | None:
        if source in self.clips:
            episode = least(self.parts.get(source))
            start = least(self.starts.get(source))
            end = least(self.ends.get(source))
            url = least(self.urls.get(source))
        elif source in self.episodes:
            episode, start, end = source, None, None
            url = least(self.videos.get(source))
        else:
            return None
        return (
            str((episode is not None and least(self.names.get(episode))) or episode),
            None if start is None else int(start),
            None if end is None else int(end),
            str(episode),
            None if url is None else str(url),
        )

    def cited(self, claim: FactTerm) -> list[tuple[tuple[Any, ...], Evidence]]:
        """The segments (or whole episodes) ``claim`` comes from, with who said it, each beside
        its :func:`evidence_key`; made once a claim."""
        found = self._cited.get(claim)
        if found is not None:
            return found
        found = self._cited[claim] = []
        guest = ", ".join(self.about(claim)[0]) or "unknown guest"
        for source in self.derived.get(claim, ()):
            # A literal that reads like a segment's IRI is no segment; and being equal to that IRI
            # as a string, it must not reach the segments' cache, keyed by the IRI.
            segment = self.segment(source) if is_iri(source) else None
            if segment is not None:
                title, start, end, episode, url = segment
                item = Evidence(title, start, end, guest, episode, url, str(claim), str(source))
                found.append((evidence_key(item), item))
        return found


def _support(sub: _Reader, claims: Iterable[FactTerm]) -> dict[str, Any]:
    """Who stands behind ``claims``: movers, guests with timed citations, every citing guest, skill weights.

    ``weights`` maps each skill a claim names (``cg:mentionsSkill``) to
    ``(guests, claims)``: how many distinct guests and claims name it.
    """
    movers: set[str] = set()
    backers: set[str] = set()
    cited_by: set[str] = set()
    naming: dict[str, tuple[set[str], set[str]]] = {}
    mentions, about = sub.mentions, sub.about
    for claim in claims:
        guests, moved, timed = about(claim)
        if moved:
            movers.update(guests)
        if timed:
            backers.update(guests)
        cited_by.update(guests)
        skills = mentions.get(claim)
        if skills:
            who = guests or [f"claim:{claim}"]
            for skill in skills:
                found = naming.get(str(skill))
                if found is None:
                    naming[str(skill)] = (set(who), {str(claim)})
                else:
                    found[0].update(who)
                    found[1].add(str(claim))
    return {
        "movers": tuple(sorted(movers)),
        "backers": tuple(sorted(backers)),
        "cited_by": tuple(sorted(cited_by)),
        "weights": {skill: (len(who), len(which)) for skill, (who, which) in naming.items()},
    }


def _evidence_from(sub: _Reader, claims: Iterable[FactTerm]) -> tuple[Evidence, ...]:
    """The segments (or whole episodes) ``claims`` come from, with who said them, as
    :func:`sort_evidence` orders them (with each item's key made once, where its claim is read)."""
    # An item names its claim and its source (a claim cites a source once: a store never
    # answers one triple twice), so the claims' items are all distinct: no set to gather them.
    found = [pair for claim in claims for pair in sub.cited(claim)]
    found.sort(key=_first)
    return tuple([item for _key, item in found])


def _iris(found: list[FactTerm] | None) -> frozenset[str]:
    """The IRIs among ``found`` (a subject's objects, or None): :meth:`Facts.iris` for a hot loop
    that has looked the subject up itself."""
    return frozenset([o for o in found if type(o) is str]) if found else _NONE


_NONE: frozenset[str] = frozenset()


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
    # Each predicate's subjects looked up once, not once a role or transition (a first run at
    # 5 M triples reads a hundred thousand transitions, each with a dozen lookups).
    by = facts.by_subject
    requires, tools_of = by(REQUIRES_SKILL), by(USES_TOOL)
    G = nx.DiGraph()
    labels: dict[str, str] = {}
    for concept, label in facts.subject_objects(PREF_LABEL):
        known = labels.get(concept)
        if known is None or str(label) < known:  # the least of several: the same from every store
            labels[str(concept)] = str(label)
    G.graph["labels"] = labels

    for role in sorted(facts.typed(ROLE)):
        skills = _iris(requires.get(role))
        said = read.supporting.get(role)
        weights = _skill_weights(_support(read, said), skills) if said else dict.fromkeys(skills, (0, 0))
        G.add_node(
            str(role),
            label=labels.get(role, local_name(role)),
            skills=skills,
            tools=_iris(tools_of.get(role)),
            weights=weights,
        )

    def skills_of(node: str) -> frozenset[str]:
        return G.nodes[node]["skills"] if node in G else frozenset()

    from_role, to_role, gaps_of, gap_skills = by(FROM_ROLE), by(TO_ROLE), by(HAS_SKILL_GAP), by(GAP_SKILL)
    adds_of, keeps_of = by(ADDS_SKILL), by(KEEPS_SKILL)
    projects_of, variants_of = by(HAS_PORTFOLIO_PROJECT), by(HAS_ROUTE_VARIANT)
    observed_transitions = facts.typed(OBSERVED_TRANSITION)
    variants: list[tuple[str, FactTerm]] = []
    for transition in sorted(facts.typed(TRANSITION)):
        source, target = least(from_role.get(transition)), least(to_role.get(transition))
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
        gaps = gaps_of.get(transition, ())
        adds = _iris(adds_of.get(transition)).union(*[_iris(gap_skills.get(gap)) for gap in gaps])
        skills = adds - _iris(keeps_of.get(transition)) - skills_of(u)
        tools = _iris(tools_of.get(transition)).union(*[_iris(tools_of.get(gap)) for gap in gaps])
        routes = variants_of.get(transition, ())
        claims = read.claims_for([transition, *gaps, *projects_of.get(transition, ()), *routes])
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
        variants.extend((u, variant) for variant in routes)

    # A route variant that leads somewhere the transition does not: an inferred step.
    leads_to_of, emphasised, named_by = by(LEADS_TO), by(EMPHASISES_SKILL), by(RDFS_LABEL)
    for u, variant in sorted(variants, key=lambda pair: (pair[0], str(pair[1]))):
        for leads_to in sorted(leads_to_of.get(variant, ())):
            v = str(leads_to)
            if v != u and v in G and not G.has_edge(u, v):
                claims = read.claims_for([variant])
                _add_inferred(
                    G,
                    u,
                    v,
                    "variant",
                    skills=_iris(emphasised.get(variant)),
                    tools=_iris(tools_of.get(variant)),
                    evidence=_evidence_from(read, claims),
                    support=_support(read, claims),
                    via=str(variant),
                    via_label=str(least(named_by.get(variant)) or ""),
                )

    # A claim about one role that names another: guests talking about the move.
    mentions: defaultdict[tuple[str, str], set[FactTerm]] = defaultdict(set)
    for claim, mentioned in facts.subject_objects(MENTIONS_ROLE):
        for backed in facts.objects(claim, SUPPORTS):
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
    attributed = sub.by_subject(ATTRIBUTED_TO)
    for iri, named in claims.items():
        guests = {g for c in named for g in attributed.get(c, ())}
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


#: Who stands behind an inferred step no claim backs (read, never changed).
_NO_SUPPORT: dict[str, Any] = {"movers": (), "backers": (), "cited_by": (), "weights": {}}


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
    support = support or _NO_SUPPORT
    to_gain = (skills | target["skills"]) - source["skills"]
    # A claim's weight for a skill outranks the target role's (a weight is a pair: never false).
    named, needed = support["weights"], target["weights"]
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
        weights={skill: named.get(skill) or needed.get(skill, (0, 0)) for skill in to_gain},
    )
