"""Plain triples, indexed for the label index and the role projection: no rdflib graph in between.

A :class:`Facts` holds the triples a :class:`Pull` asks a store for, keyed by
predicate, then subject, with terms as plain strings: an IRI is a ``str``, a
blank node a :class:`BlankId` and a literal a :class:`LexicalForm` (both ``str``
subclasses whose text is the node's id or the literal's lexical form, as
``str()`` of the rdflib term gives). A store fills one straight from its
answers (:meth:`careergraph.stores.Store.facts`): Oxigraph one SELECT per
predicate, an endpoint by checked pages, the memory store from its parsed
graph. Nothing is sorted on the way in; whoever reads a fact sorts what it
keeps, so the result does not depend on the order a store answers in.

>>> facts = Facts()
>>> facts.add_pairs(RDF_TYPE, [("urn:x:ds", "urn:x:Role")])
>>> facts.add_pairs("urn:x:label", [("urn:x:ds", LexicalForm("Data Scientist"))])
>>> facts.subjects(RDF_TYPE, "urn:x:Role"), facts.value("urn:x:ds", "urn:x:label")
(['urn:x:ds'], 'Data Scientist')
>>> facts.iris("urn:x:ds", "urn:x:label")  # a literal is not an IRI
frozenset()
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .prefixes import KINDS, PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph

__all__ = ["FACTS", "LABELS_PULL", "PROJECTION_PULL", "BlankId", "Facts", "LexicalForm", "Pull", "gc_paused"]

_CG = PREFIXES["cg"]
_PROV = PREFIXES["prov"]
_RDFS = PREFIXES["rdfs"]
_SCHEMA = PREFIXES["schema"]
_SKOS = PREFIXES["skos"]
RDF_TYPE = PREFIXES["rdf"] + "type"
IN_SCHEME = _SKOS + "inScheme"


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while millions of small tuples are made and kept.

    Nothing built here makes cycles, and each full collection walks every
    container made so far, so with it on a first run grows faster than its data
    (at 1 M triples, building the facts took 14× the time of 100 k).
    """
    was_on = gc.isenabled()
    already_frozen = gc.get_freeze_count()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            # What was made meanwhile is still in the youngest generation: the first
            # collection would walk all of it (0.45 s at 1 M triples), then again as
            # it ages. Freezing and unfreezing moves it to the oldest generation at
            # once, where only a full collection looks at it, as at anything long kept.
            # Unfreezing would also thaw what was frozen before (what start-up made:
            # launch.main); then what was made here stays frozen beside it, kept as long.
            gc.freeze()
            if not already_frozen:
                gc.unfreeze()
            gc.enable()


class BlankId(str):
    """A blank node: its text is its id."""

    __slots__ = ()


class LexicalForm(str):
    """A literal: its text is its lexical form (language and datatype are not kept)."""

    __slots__ = ()


FactTerm = str  # an IRI (a plain str), a BlankId or a LexicalForm


def least(found: list[FactTerm] | None) -> FactTerm | None:
    """One of ``found`` (the least, when there are several: the same from every store), or None."""
    if not found:
        return None
    return found[0] if len(found) == 1 else min(found)


def is_iri(term: object) -> bool:
    """Whether ``term`` is an IRI (not a literal or a blank node)."""
    return type(term) is str


@dataclass(frozen=True)
class Pull:
    """Which triples to read: every triple of ``predicates``, and of each ``(predicate, objects)`` in
    ``only`` those with one of the objects."""

    predicates: frozenset[str]
    only: tuple[tuple[str, frozenset[str]], ...] = ()

    def __or__(self, other: Pull) -> Pull:
        predicates = self.predicates | other.predicates
        only: dict[str, frozenset[str]] = {}
        for predicate, objects in (*self.only, *other.only):
            only[predicate] = only.get(predicate, frozenset()) | objects
        return Pull(predicates, tuple(sorted((p, o) for p, o in only.items() if p not in predicates)))

    def patterns(self) -> Iterator[tuple[str, frozenset[str] | None]]:
        """Each predicate with the objects it is read for (None: all of them), in a stable order."""
        for predicate in sorted(self.predicates):
            yield predicate, None
        yield from self.only

    def construct(self) -> str:
        """The pull as one ``CONSTRUCT { ?s ?p ?o } WHERE {…}`` query (for an endpoint's pages)."""
        branches = [f"{{ VALUES ?p {{ {' '.join(f'<{p}>' for p in sorted(self.predicates))} }} ?s ?p ?o . }}"]
        for predicate, objects in self.only:
            values = " ".join(f"<{o}>" for o in sorted(objects))
            branches.append(f"{{ VALUES ?o {{ {values} }} ?s <{predicate}> ?o . BIND(<{predicate}> AS ?p) }}")
        return "CONSTRUCT { ?s ?p ?o } WHERE {\n  " + "\n  UNION ".join(branches) + "\n}\n"


#: What :func:`careergraph.routes.projection.project_roles` reads
#: (the triples ``PROJECTION_QUERY`` constructs).
PROJECTION_PULL = Pull(
    frozenset(
        [_SKOS + name for name in ("prefLabel", "broader", "related")]
        + [
            _CG + name
            for name in (
                "requiresSkill usesTool mentionsRole fromRole toRole addsSkill keepsSkill hasSkillGap "
                "gapSkill hasRouteVariant hasPortfolioProject leadsTo emphasisesSkill supports mentionsSkill"
            ).split()
        ]
        + [_PROV + "wasAttributedTo", _PROV + "wasDerivedFrom", _RDFS + "label"]
        + [_SCHEMA + name for name in ("partOfEpisode", "startOffset", "endOffset", "url", "video", "name")]
    ),
    (
        (
            RDF_TYPE,
            frozenset(
                [_CG + c for c in ("Role", "Transition", "ObservedTransition", "CareerMove")]
                + [_SCHEMA + "Clip", _SCHEMA + "PodcastEpisode"]
            ),
        ),
        (IN_SCHEME, frozenset([_CG + "Skills"])),
    ),
)
#: What :meth:`careergraph.names.LabelIndex.from_facts` reads (the triples ``LABELS_QUERY`` constructs).
LABELS_PULL = Pull(
    frozenset(
        [IN_SCHEME, _SKOS + "prefLabel", _SKOS + "altLabel", _SCHEMA + "name", _SCHEMA + "alternateName"]
        + [_CG + "slug"]
    ),
    ((RDF_TYPE, frozenset([KINDS["guest"], KINDS["episode"]])),),
)
#: Both: what a first run reads, once, to build the label index and the projection.
FACTS = PROJECTION_PULL | LABELS_PULL


class Facts:
    """Triples by predicate, then subject: the few lookups the label index and the projection make."""

    def __init__(self) -> None:
        self._by: dict[str, dict[FactTerm, list[FactTerm]]] = {}
        self._inverse: dict[str, dict[FactTerm, list[FactTerm]]] = {}
        self._typed: dict[str, frozenset[FactTerm]] = {}

    def add_pairs(self, predicate: str, pairs: Iterable[tuple[FactTerm, FactTerm]]) -> None:
        """Add ``(subject, object)`` for ``predicate`` (a store never answers one triple twice)."""
        by_subject = self._by.setdefault(predicate, {})
        self._inverse.pop(predicate, None)
        self._typed.clear()
        for subject, obj in pairs:
            found = by_subject.get(subject)
            if found is None:
                by_subject[subject] = [obj]
            else:
                found.append(obj)

    def set_by_subject(self, predicate: str, by_subject: dict[FactTerm, list[FactTerm]]) -> None:
        """Hold ``by_subject`` (each subject with its objects, none twice) as ``predicate`` 's triples,
        without copying it: for a reader that builds the index as it goes."""
        self._by[predicate] = by_subject
        self._inverse.pop(predicate, None)
        self._typed.clear()

    @classmethod
    def from_graph(cls, graph: Graph, pull: Pull = FACTS) -> Facts:
        """The triples of an rdflib ``graph`` that ``pull`` asks for."""
        from rdflib import BNode, Literal, URIRef

        def plain(term: Any) -> FactTerm:
            if isinstance(term, Literal):
                return LexicalForm(term)
            if isinstance(term, BNode):
                return BlankId(term)
            return str(term)

        facts = cls()
        for predicate, objects in pull.patterns():
            p = URIRef(predicate)
            if objects is None:
                pairs = ((plain(s), plain(o)) for s, o in graph.subject_objects(p))
            else:
                pairs = ((plain(s), str(o)) for o in map(URIRef, objects) for s in graph.subjects(p, o))
            facts.add_pairs(predicate, pairs)
        return facts

    def by_subject(self, predicate: str) -> dict[FactTerm, list[FactTerm]]:
        """Every subject of ``predicate`` with its objects (read it, do not change it): for hot loops."""
        return self._by.get(predicate, {})

    def objects(self, subject: FactTerm, predicate: str) -> list[FactTerm]:
        """The objects of ``subject`` 's ``predicate``, in no particular order."""
        return self._by.get(predicate, {}).get(subject, [])

    def iris(self, subject: FactTerm, predicate: str) -> frozenset[str]:
        """The objects of ``subject`` 's ``predicate`` that are IRIs."""
        return frozenset([o for o in self.objects(subject, predicate) if type(o) is str])

    def value(self, subject: FactTerm, predicate: str) -> FactTerm | None:
        """One object of ``subject`` 's ``predicate`` (the least, when there are several), or None."""
        return least(self.objects(subject, predicate))

    def subject_objects(self, predicate: str) -> Iterator[tuple[FactTerm, FactTerm]]:
        """Every ``(subject, object)`` of ``predicate``."""
        for subject, objects in self._by.get(predicate, {}).items():
            for obj in objects:
                yield subject, obj

    def subjects(self, predicate: str, obj: FactTerm) -> list[FactTerm]:
        """The subjects with ``obj`` (an IRI or blank node) as their ``predicate``."""
        return self.by_object(predicate).get(obj, [])

    def by_object(self, predicate: str) -> dict[FactTerm, list[FactTerm]]:
        """Every object of ``predicate`` (an IRI or blank node) with its subjects (read it, do not
        change it): for hot loops."""
        inverse = self._inverse.get(predicate)
        if inverse is None:
            inverse = self._inverse[predicate] = {}
            for subject, objects in self._by.get(predicate, {}).items():
                for o in objects:
                    if type(o) is not LexicalForm:  # a literal is never looked up: it cannot stand for a node
                        found = inverse.get(o)
                        if found is None:
                            inverse[o] = [subject]
                        else:
                            found.append(subject)
        return inverse

    def typed(self, cls: str) -> frozenset[FactTerm]:
        """The subjects of type ``cls``."""
        found = self._typed.get(cls)
        if found is None:
            found = self._typed[cls] = frozenset(self.subjects(RDF_TYPE, cls))
        return found

    def __len__(self) -> int:
        return sum(len(objects) for by in self._by.values() for objects in by.values())
