"""Vocabulary lookups: which curated skills, tools and roles a text names, and which role a name means.

Everything the importer resolves against ``graph_data/`` goes through here, so
a better matcher (more labels, stemming, context) is one module to change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Graph, URIRef

from ..names import LabelIndex
from ..vocab import CG, SKOS

__all__ = ["LabelMatcher", "field_candidates", "resolve_role"]


class LabelMatcher:
    """Finds the curated skills, tools and roles a paragraph names, by their labels.

    Labels of four or more characters match case-insensitively on word
    boundaries; shorter ones only as written and only when all capitals
    (``SQL``, ``ETL``), so "de" or "it" never match.
    """

    def __init__(self, vocabulary: Graph) -> None:
        self.kinds: dict[str, tuple[str, URIRef]] = {}
        exact: dict[str, tuple[str, URIRef]] = {}
        for kind, scheme in (("skill", CG.Skills), ("tool", CG.Tools), ("role", CG.Roles)):
            for concept in vocabulary.subjects(SKOS.inScheme, scheme):
                if not isinstance(concept, URIRef):
                    continue
                labels = list(vocabulary.objects(concept, SKOS.prefLabel))
                if kind != "role":
                    labels += list(vocabulary.objects(concept, SKOS.altLabel))
                for label in map(str, labels):
                    if len(label) >= 4:
                        self.kinds.setdefault(label.casefold(), (kind, concept))
                    elif len(label) >= 3 and label.isupper():
                        exact.setdefault(label, (kind, concept))
        self.exact = exact
        self.pattern = _alternation(self.kinds, re.IGNORECASE)
        self.exact_pattern = _alternation(exact, 0)

    def find(self, text: str) -> tuple[set[URIRef], set[URIRef], set[URIRef]]:
        """The skills, tools and roles ``text`` names (citations and person links left out)."""
        found: dict[str, set[URIRef]] = {"skill": set(), "tool": set(), "role": set()}
        clean = re.sub(r"\[\[(?:podcast|person):[^\]]*\]\]", " ", text)
        if self.pattern is not None:
            for match in self.pattern.finditer(clean):
                kind, concept = self.kinds[match.group(0).casefold()]
                found[kind].add(concept)
        if self.exact_pattern is not None:
            for match in self.exact_pattern.finditer(clean):
                kind, concept = self.exact[match.group(0)]
                found[kind].add(concept)
        return found["skill"], found["tool"], found["role"]


def _alternation(labels: Iterable[str], flags: int) -> re.Pattern[str] | None:
    ordered = sorted(set(labels), key=lambda s: (-len(s), s))
    if not ordered:
        return None
    return re.compile(
        r"(?<![\w/-])(?:" + "|".join(re.escape(label) for label in ordered) + r")(?![\w/-])", flags
    )


def field_candidates(name: str) -> list[str]:
    """Names to try for a role called ``name``: itself, then the practitioner of a field.

    >>> field_candidates("Machine Learning")
    ['Machine Learning', 'Machine Learning Engineer']
    >>> field_candidates("Analytics Engineering")
    ['Analytics Engineering', 'Analytics Engineering Engineer', 'Analytics Engineer']
    """
    candidates = [name, f"{name} Engineer", re.sub(r"(?i)engineering$", "Engineer", name)]
    return list(dict.fromkeys(candidates))


def resolve_role(index: LabelIndex, name: str) -> URIRef | None:
    """A role by name or label, or by the practitioner of a field ("Machine Learning" → "… Engineer")."""
    for candidate in field_candidates(name):
        found = index.lookup("role", candidate)
        if found is not None:
            return URIRef(found)
    return None
