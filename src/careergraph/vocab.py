"""The careergraph vocabulary and the one way every IRI is made.

Terms of our own live in :class:`CG`, a closed namespace: a typo such as
``CG.fromRol`` raises ``AttributeError`` instead of minting a wrong IRI.
Instance IRIs come from :func:`iri`, so the seed graph and an import of the
whole archive name the same episode, guest, role, skill or tool identically.

Examples
--------
>>> role_iri("Machine Learning Engineer Role")
rdflib.term.URIRef('https://w3id.org/careergraph/id/role/machine-learning-engineer')
>>> segment_iri("some-episode", 529, None)
rdflib.term.URIRef('https://w3id.org/careergraph/id/segment/some-episode/529')
>>> slugify("Ellen König & CI/CD")
'ellen-konig-ci-cd'
"""

from __future__ import annotations

import functools
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

from .prefixes import CONCEPT_KINDS, KINDS, PREFIXES, local_name

__all__ = [
    "CG",
    "DCTERMS",
    "ID",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "XSD",
    "CONCEPT_KINDS",
    "KINDS",
    "PREFIXES",
    "local_name",
    "deep_link",
    "iri",
    "role_iri",
    "segment_iri",
    "slugify",
]

SCHEMA = Namespace(PREFIXES["schema"])
ID = Namespace(PREFIXES["id"])


class CG(DefinedNamespace):
    """careergraph's own terms, defined with labels in ``graph_data/ontology.ttl``."""

    _fail = True
    _NS = Namespace(PREFIXES["cg"])

    # classes
    Role: URIRef
    Transition: URIRef
    Claim: URIRef
    CareerMove: URIRef
    ObservedTransition: URIRef
    SkillGap: URIRef
    RouteVariant: URIRef
    PortfolioProject: URIRef
    WikiPage: URIRef
    # concept schemes
    Roles: URIRef
    Skills: URIRef
    Tools: URIRef
    Topics: URIRef
    # transitions
    fromRole: URIRef
    toRole: URIRef
    keepsSkill: URIRef
    addsSkill: URIRef
    usesTool: URIRef
    hasSkillGap: URIRef
    hasRouteVariant: URIRef
    hasPortfolioProject: URIRef
    portfolioShows: URIRef
    # gaps, variants, projects
    gapSkill: URIRef
    rank: URIRef
    leadsTo: URIRef
    emphasisesSkill: URIRef
    provesSkill: URIRef
    # claims and evidence
    supports: URIRef
    mentionsSkill: URIRef
    mentionsTool: URIRef
    mentionsRole: URIRef
    mentionsTopic: URIRef
    guest: URIRef
    slug: URIRef
    section: URIRef
    # roles
    requiresSkill: URIRef
    # pages
    tag: URIRef
    relatedPage: URIRef


_ROLE_SUFFIX = re.compile(r"\s+role$", re.IGNORECASE)


@functools.lru_cache(maxsize=8192)
def slugify(text: str) -> str:
    """Normalise a name to the lower-case, hyphenated slug used in IRIs.

    Made once for each name (an import asks 10,604 times for 2,561 names: an episode's for each of its
    segments, a link's target for each page it might name).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def iri(kind: str, name: str) -> URIRef:
    """The IRI of a thing of ``kind`` (role, skill, tool, guest, episode, …) named ``name``.

    Guests and episodes are named by their archive slug, which ``slugify`` leaves as it is.
    """
    slug = slugify(name)
    if not slug:
        raise ValueError(f"cannot make an IRI of {kind} from {name!r}: the name has no letters")
    return ID[f"{kind}/{slug}"]


def role_iri(name: str) -> URIRef:
    """The IRI of a role; a wiki page title's trailing "Role" is not part of the name."""
    return iri("role", _ROLE_SUFFIX.sub("", name.strip()))


def segment_iri(episode_slug: str, start: int, end: int | None) -> URIRef:
    """The IRI of the segment of an episode from ``start`` to ``end`` seconds (open if None)."""
    span = f"{start}" if end is None else f"{start}-{end}"
    return ID[f"segment/{slugify(episode_slug)}/{span}"]


def deep_link(video_url: str, start: int) -> str:
    """A link that opens the episode's video at ``start`` seconds.

    >>> deep_link("https://www.youtube.com/watch?v=sMy8NYZnsy8", 529)
    'https://www.youtube.com/watch?v=sMy8NYZnsy8&t=529'
    """
    separator = "&" if "?" in video_url else "?"
    return f"{video_url}{separator}t={start}"
