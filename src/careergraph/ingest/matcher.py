"""Vocabulary lookups: which curated skills, tools and roles a text names, and which role a name means.

Everything the importer resolves against ``graph_data/`` goes through here, so
a better matcher (more labels, stemming, context) is one module to change.
"""

from __future__ import annotations

import re
from typing import Any

from rdflib import Graph, URIRef

from ..names import LabelIndex
from ..vocab import CG, SKOS
from .citations import blanked
from .sense import Folded, generic_sense, hedged, sentences

__all__ = [
    "LabelMatcher",
    "field_candidates",
    "label_key",
    "practitioner_name",
    "practitioner_role",
    "resolve_role",
]


class LabelMatcher:
    """Finds the curated skills, tools, roles and topics a paragraph names, by their labels.

    A compiled-regex alternation of every label (longest first), on token
    boundaries: labels of three or more characters match case-insensitively
    ("dbt", "DBT", "git", "aws"), spaces and hyphens in a label match each
    other ("fine-tuning", "fine tuning"), and a plural or possessive ending is
    allowed ("data scientists", "pipelines"). Shorter labels never match, so
    "de" or "it" are never a skill. Generic labels ("serving", "modeling",
    "tests") count only in the sense :func:`.sense.generic_sense` gives them in
    their sentence.
    """

    KINDS = (("skill", CG.Skills), ("tool", CG.Tools), ("role", CG.Roles), ("topic", CG.Topics))

    def __init__(self, vocabulary: Graph) -> None:
        self.kinds: dict[str, tuple[str, URIRef]] = {}
        self.labels: dict[str, str] = {}
        for kind, scheme in self.KINDS:
            concepts = (c for c in vocabulary.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef))
            for concept in sorted(concepts):
                labels = sorted(map(str, vocabulary.objects(concept, SKOS.prefLabel)))
                if kind != "role":
                    labels += sorted(map(str, vocabulary.objects(concept, SKOS.altLabel)))
                for label in labels:
                    if len(label) >= 3:
                        self.kinds.setdefault(label_key(label), (kind, concept))
                        self.labels.setdefault(label_key(label), label)
        data_modeling = self.kinds.get("data modeling")
        self.data_modeling = data_modeling[1] if data_modeling else None
        self.pattern = _alternation(self.kinds)
        #: the same pattern run by case on ASCII text lowered (the same matches, about twice as fast)
        self._folded = Folded(self.pattern.pattern) if self.pattern is not None else None
        #: matched text -> what it names: a text found once is looked up once
        self._found: dict[str, tuple[str, URIRef] | None] = {}

    def lookup(self, written: str) -> tuple[str, URIRef] | None:
        """The concept a matched piece of text names, trying it as written, then without a plural ending."""
        try:
            return self._found[written]
        except KeyError:
            found = self._found[written] = self._lookup(written)
            return found

    def _lookup(self, written: str) -> tuple[str, URIRef] | None:
        key = label_key(written)
        for candidate in (key, key.removesuffix("'s"), key.removesuffix("es"), key.removesuffix("s")):
            if candidate in self.kinds:
                return self.kinds[candidate]
        return None

    def matches(self, sentence: str) -> list[tuple[str, URIRef]]:
        """The (kind, concept) pairs one sentence names, in order, generic labels only in their sense."""
        found: list[tuple[str, URIRef]] = []
        clean = _LINKS.sub(blanked, sentence) if "[[" in sentence else sentence
        if self._folded is None:
            return found
        for match in self._folded.finditer(clean):
            start, end = match.span()
            written = clean[start:end]  # as written: the match may be of the text lowered
            hit = self.lookup(written)
            if hit is None:
                continue
            kind, concept = hit
            sense = generic_sense(written, clean, start, end)
            if sense is None or (kind != "role" and hedged(clean, end)):
                continue
            if sense == "warehouse" and self.data_modeling is not None:
                kind, concept = "skill", self.data_modeling
            found.append((kind, concept))
        return found

    def find_all(self, text: str) -> dict[str, set[URIRef]]:
        """The concepts ``text`` names, by kind (``skill``, ``tool``, ``role``, ``topic``)."""
        found: dict[str, set[URIRef]] = {kind: set() for kind, _ in self.KINDS}
        for _offset, sentence in sentences(text):
            for kind, concept in self.matches(sentence):
                found[kind].add(concept)
        return found

    def find(self, text: str) -> tuple[set[URIRef], set[URIRef], set[URIRef]]:
        """The skills, tools and roles ``text`` names (citations and person links left out)."""
        found = self.find_all(text)
        return found["skill"], found["tool"], found["role"]


_LINKS = re.compile(r"\[\[(?:podcast|person):[^\]]*\]\]")


def label_key(text: str) -> str:
    """How a label or a matched text is compared: case-folded, hyphens and runs of spaces as one space.

    >>> label_key("Fine-Tuning")
    'fine tuning'
    >>> label_key("Data  scientists")
    'data scientists'
    """
    return re.sub(r"[\s-]+", " ", text.casefold()).strip()


def _alternation(keys: dict[str, tuple[str, URIRef]]) -> re.Pattern[str] | None:
    """One case-insensitive pattern for every label, the longest label first where two start alike.

    The labels share their beginnings in a trie ("data (?:modeling|pipelines|…)"),
    so at each place in a text the engine follows one branch instead of trying
    every label in turn: a flat alternation of the ~600 labels made this the
    import's costliest step. Deeper branches come before a label's end, so
    "data modeling" beats "data" (then "modeling") as in a longest-first list.

    >>> pattern = _alternation({"dbt": ("tool", URIRef("t")), "data scientist": ("role", URIRef("r"))})
    >>> [m.group(0) for m in pattern.finditer("Data-Scientists use DBT; dbt-core and adbt do not count.")]
    ['Data-Scientists', 'DBT']
    >>> pattern = _alternation({k: ("skill", URIRef(k)) for k in ("data", "data modeling", "ml", "mlops")})
    >>> [m.group(0) for m in pattern.finditer("Data modeling, data, MLOps and ML.")]
    ['Data modeling', 'data', 'MLOps', 'ML']
    """
    if not keys:
        return None
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for unit in _units(key):
            node = node.setdefault(unit, {})
        node[""] = r"(?:'s|es|s)?" if key[-1:].isalpha() else ""
    return re.compile(r"(?<![\w/-])" + _trie_regex(trie) + r"(?![\w/-])", re.IGNORECASE)


def _units(key: str) -> list[str]:
    """A label key as the pieces of a pattern: each character escaped, a space as spaces or hyphens."""
    words = [word for word in re.split(r"[\s-]+", key.strip()) if word]
    units: list[str] = []
    for word in words:
        if units:
            units.append(r"[\s-]+")
        units.extend(re.escape(char) for char in word)
    return units


def _trie_regex(node: dict[str, Any]) -> str:
    """The pattern of a trie node: its branches in order, the label ending here (if any) last."""
    branches = [unit + _trie_regex(child) for unit, child in sorted(node.items()) if unit]
    if "" in node:
        branches.append(node[""])
    if len(branches) == 1:
        return branches[0] if "" not in node or not branches[0] else f"(?:{branches[0]})"
    return "(?:" + "|".join(branches) + ")"


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


#: A field's last word and the job noun of the person who practises it.
_PRACTITIONER = {
    "engineering": "Engineer",
    "science": "Scientist",
    "analytics": "Analyst",
    "analysis": "Analyst",
    "management": "Manager",
    "architecture": "Architect",
}


def practitioner_name(field: str) -> str | None:
    """The practitioner a field's name implies ("Analytics Engineering" → "Analytics Engineer"), or None.

    Only a field of two or more words whose last word is a discipline: "Science"
    alone names no one, nor does "Privacy Engineering for ML" (not a field's name).

    >>> practitioner_name("Analytics Engineering"), practitioner_name("Data Science")
    ('Analytics Engineer', 'Data Scientist')
    >>> practitioner_name("Product Analytics"), practitioner_name("Data Product Management")
    ('Product Analyst', 'Data Product Manager')
    >>> practitioner_name("Science"), practitioner_name("Privacy Engineering for ML"), practitioner_name("Tracking Plans")
    (None, None, None)
    """
    words = field.split()
    noun = _PRACTITIONER.get(words[-1].casefold()) if len(words) >= 2 else None
    return " ".join([*words[:-1], noun]) if noun else None


def practitioner_role(index: LabelIndex, field: str) -> URIRef | None:
    """The known role that practises the field a concept page is named after, or None.

    Only a role the vocabulary already has: a field whose practitioner is not a
    role ("Prompt Engineering" with no "Prompt Engineer") names no one, and no
    role is created for it.
    """
    name = practitioner_name(field)
    found = index.lookup("role", name) if name else None
    return URIRef(found) if found else None
