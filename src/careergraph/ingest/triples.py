"""The importer's triples as plain tuples of strings, and sorted Turtle written straight from them.

An import holds about 110,000 triples. Adding them to an rdflib ``Graph`` and
letting rdflib's Turtle serializer work out a prefixed name for every term
took most of the import's time; here a triple is ``(subject, predicate,
object)`` where subject and predicate are IRIs and the object is written as in
N-Triples (``<iri>``, ``"text"@en``, ``"5"^^<…#integer>``). A set of such
tuples sorts as plain strings, so the written file is the same bytes for the
same triples.

>>> from rdflib import Literal, URIRef
>>> triples = Triples()
>>> triples.add(URIRef("https://w3id.org/careergraph/id/role/x"), URIRef(PREFIXES["rdf"] + "type"),
...             URIRef(PREFIXES["cg"] + "Role"))
>>> triples.add(URIRef("https://w3id.org/careergraph/id/role/x"), URIRef(PREFIXES["skos"] + "prefLabel"),
...             Literal('Say "hi"', lang="en"))
>>> print(turtle(triples, {"cg": PREFIXES["cg"], "skos": PREFIXES["skos"]}), end="")
@prefix cg: <https://w3id.org/careergraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<BLANKLINE>
<https://w3id.org/careergraph/id/role/x> a cg:Role ;
    skos:prefLabel "Say \\"hi\\""@en .
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Any

from rdflib import Graph, Literal, URIRef

from .. import forked
from ..errors import CareergraphError
from ..prefixes import PREFIXES

__all__ = ["Triples", "literal", "object_term", "turtle"]

_RDF_TYPE = PREFIXES["rdf"] + "type"
_XSD_INTEGER = PREFIXES["xsd"] + "integer"
#: Characters an IRI may not hold in Turtle or N-Triples (IRIREF).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
#: A local name written after a prefix without escapes; anything else is written as a full IRI.
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"[+-]?\d+")
#: A language tag as rdflib accepts one (BCP 47's shape), and the tags already checked.
_LANGUAGE = re.compile(r"[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")
_LANGUAGES: set[str] = set()
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def _quoted(text: str) -> str:
    """``text`` in double quotes, escaped as N-Triples and Turtle write it."""
    # A translation that writes two characters for one runs a dictionary lookup a character, where four
    # scans for the characters it escapes run in C: most texts (titles, sections, names) have none of them.
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return '"' + text + '"'


class Triples:
    """A set of ``(subject, predicate, object)`` string tuples: what an import adds, in no order.

    Kept by subject (a set of ``(predicate, object)`` pairs each), the way the
    Turtle is written: grouping 110,000 triples by subject again at the end cost
    as much as sorting them.
    """

    def __init__(self) -> None:
        self._pairs: dict[str, set[tuple[str, str]]] = {}
        #: IRIs already checked (most recur: a predicate, a role, a guest)
        self._checked: set[str] = set()
        #: each predicate and object as first added: the pairs share one copy of a string that recurs, which
        #: also sends it once to another process (a pickle writes an object it has written as a reference)
        self._kept: dict[str, str] = {}

    def add(self, s: Any, p: Any, o: Any) -> None:
        """Add one triple of rdflib terms (an IRI subject and predicate, an IRI or literal object)."""
        self._add(s, p, object_term(o, self._checked))

    def add_literal(self, s: Any, p: Any, value: str | int, lang: str | None = None) -> None:
        """Add a triple whose object is the literal :func:`literal` writes: what ``add`` with an rdflib
        ``Literal(value, lang=lang)`` adds, without making one (a third of an import's triples)."""
        self._add(s, p, literal(value, lang))

    def _add(self, s: Any, p: Any, term: str) -> None:
        checked = self._checked
        subject, predicate = str(s), str(p)
        if subject not in checked or type(s) is not URIRef:
            checked.add(_iri(s))
        if predicate not in checked or type(p) is not URIRef:
            checked.add(_iri(p))
        pairs = self._pairs.get(subject)
        if pairs is None:
            pairs = self._pairs[subject] = set()
        kept = self._kept
        pairs.add((kept.setdefault(predicate, predicate), kept.setdefault(term, term)))

    def plain(self) -> dict[str, set[tuple[str, str]]]:
        """The triples as they are kept, subject -> (predicate, object) pairs (to send to another process)."""
        return self._pairs

    def update(self, plain: dict[str, set[tuple[str, str]]]) -> None:
        """Add triples that :meth:`plain` of another ``Triples`` gave (checked when they were added there)."""
        for subject, more in plain.items():
            pairs = self._pairs.get(subject)
            if pairs is None:
                self._pairs[subject] = set(more)
            else:
                pairs |= more

    def __contains__(self, triple: object) -> bool:
        if not isinstance(triple, tuple) or len(triple) != 3:
            return False
        s, p, o = triple
        return (str(p), object_term(o)) in self._pairs.get(str(s), ())

    def __len__(self) -> int:
        return sum(map(len, self._pairs.values()))

    def __iter__(self) -> Iterator[tuple[str, str, str]]:
        return ((s, p, o) for s, pairs in self._pairs.items() for p, o in pairs)

    def subjects(self) -> Iterator[str]:
        """Every subject, in no order."""
        return iter(self._pairs)

    def sorted(self) -> list[tuple[str, str, str]]:
        """Every triple, sorted as strings: subject, then predicate, then object."""
        return sorted(self)

    def by_subject(
        self, low: str | None = None, high: str | None = None
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every subject in string order, with its (predicate, object) pairs sorted: :meth:`sorted`, grouped.

        Sorting 15,000 subjects and then each one's few pairs compares far fewer
        long, alike IRIs than sorting 110,000 whole triples. ``low`` and ``high``
        keep the subjects from ``low`` on and before ``high``.
        """
        subjects = sorted(s for s in self._pairs if (low is None or s >= low) and (high is None or s < high))
        return [(s, sorted(self._pairs[s])) for s in subjects]

    def ntriples(self) -> str:
        """The triples as sorted N-Triples.

        >>> t = Triples(); t.add(URIRef("urn:a"), URIRef("urn:p"), Literal(3))
        >>> print(t.ntriples(), end="")
        <urn:a> <urn:p> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .
        """
        return "".join(f"<{s}> <{p}> {o} .\n" for s, p, o in self.sorted())

    def graph(self) -> Graph:
        """The triples as an rdflib graph, with careergraph's prefixes bound (for tests and programs)."""
        graph = Graph(bind_namespaces="core")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace, override=True)
        if self._pairs:
            graph.parse(data=self.ntriples(), format="nt")
        return graph


def _iri(term: Any) -> str:
    text = str(term)
    if not isinstance(term, URIRef) or _BAD_IRI.search(text):
        raise CareergraphError(
            f"cannot write {text!r} as an IRI (a subject or predicate must be a valid IRI)"
        )
    return text


def object_term(term: Any, checked: set[str] | None = None) -> str:
    """An object as N-Triples writes it: ``<iri>``, or a quoted literal with its language or datatype.

    >>> object_term(URIRef("urn:x")), object_term(Literal("a\\nb")), object_term(Literal("x", lang="en"))
    ('<urn:x>', '"a\\\\nb"', '"x"@en')
    """
    if isinstance(term, URIRef):
        text = str(term)
        if checked is None or text not in checked:
            _iri(term)
            if checked is not None:
                checked.add(text)
        return f"<{text}>"
    if isinstance(term, Literal):
        text = _quoted(str(term))
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None:
            return f"{text}^^<{_iri(term.datatype)}>"
        return text
    raise CareergraphError(f"cannot write {term!r} as an object: not an IRI or a literal")


def literal(value: str | int, lang: str | None = None) -> str:
    """A text (with its language, if any) or a whole number as N-Triples writes it: what
    :func:`object_term` gives for ``Literal(value, lang=lang)``.

    >>> print(literal('Say "hi"', "en"), literal(-5))
    "Say \\"hi\\""@en "-5"^^<http://www.w3.org/2001/XMLSchema#integer>
    >>> print(*(literal(text) for text in ("C:\\\\", "\\r", "\\n", "· plain")))
    "C:\\\\" "\\r" "\\n" "· plain"
    >>> literal(True)
    Traceback (most recent call last):
    ...
    careergraph.errors.CareergraphError: cannot write True as a literal: not a text or a whole number
    """
    if type(value) is str:
        text = _quoted(value)
        if lang is None:
            return text
        if lang not in _LANGUAGES:
            if not _LANGUAGE.fullmatch(lang):
                raise CareergraphError(f"cannot write {lang!r} as a language tag")
            _LANGUAGES.add(lang)
        return f"{text}@{lang}"
    if type(value) is int and lang is None:
        return f'"{value}"^^<{_XSD_INTEGER}>'
    raise CareergraphError(f"cannot write {value!r} as a literal: not a text or a whole number")


def turtle(triples: Triples, prefixes: Mapping[str, str] = PREFIXES, *, jobs: int = 1) -> str:
    """The triples as sorted Turtle: one block per subject, objects of a predicate joined by commas.

    Subjects, predicates and objects are in string order (``a``, rdf:type, where
    its IRI sorts), so the same triples give the same bytes. An IRI is written with a prefix when its local name
    needs no escape; otherwise in full. With ``jobs`` 2, a forked child writes
    the subjects from the middle one on meanwhile: the same text.
    """
    pivot = _middle(triples) if jobs > 1 and len(triples) >= 10_000 else None
    child = forked.start(lambda: _blocks(triples, prefixes, pivot, None)) if pivot is not None else None
    try:
        text, used = _blocks(triples, prefixes, None, pivot)
    except BaseException:
        if child is not None:
            child.cancel()  # no child left behind, blocked on a pipe no one reads
        raise
    parts = [text]
    if pivot is not None:
        rest = child.result() if child is not None else None
        rest_text, rest_used = rest if rest is not None else _blocks(triples, prefixes, pivot, None)
        parts.append(rest_text)
        used |= rest_used
    header = "".join(f"@prefix {prefix}: <{prefixes[prefix]}> .\n" for prefix in sorted(used))
    # one join: the 8 MB of an import's text copied once, not once a part
    return "\n".join(part for part in (header, *parts) if part)


def _middle(triples: Triples) -> str:
    """A subject near the middle of the subjects' order (from a sample: it only balances two halves)."""
    subjects = sorted(itertools.islice(triples.subjects(), 0, None, 10))
    return subjects[len(subjects) // 2]


def _blocks(
    triples: Triples, prefixes: Mapping[str, str], low: str | None, high: str | None
) -> tuple[str, set[str]]:
    """The Turtle blocks of the subjects from ``low`` (or the first) to before ``high`` (or to the last),
    joined, and the prefixes they use."""
    namespaces = sorted(prefixes.items(), key=lambda item: -len(item[1]))
    names: dict[str, str] = {}
    used: set[str] = set()

    def name(iri: str) -> str:
        found = names.get(iri)
        if found is None:
            found = f"<{iri}>"
            for prefix, namespace in namespaces:
                if iri.startswith(namespace) and _LOCAL.fullmatch(iri, len(namespace)):
                    found = f"{prefix}:{iri[len(namespace) :]}"
                    used.add(prefix)
                    break
            names[iri] = found
        return found

    def value(term: str) -> str:
        if term.startswith("<"):
            found = name(term[1:-1])
        elif term.endswith(">"):  # a typed literal: "lexical"^^<datatype>
            lexical, _, datatype = term.rpartition("^^")
            if datatype == f"<{_XSD_INTEGER}>" and _INTEGER.fullmatch(lexical, 1, len(lexical) - 1):
                found = lexical[1:-1]
            else:
                found = f"{lexical}^^{name(datatype[1:-1])}"
        else:
            found = term
        written[term] = found
        return found

    def verb(predicate: str) -> str:
        found = verbs[predicate] = "a" if predicate == _RDF_TYPE else name(predicate)
        return found

    # Objects and predicates recur (a type, a role, a guest): each is written once, then looked up.
    written: dict[str, str] = {}
    verbs: dict[str, str] = {}
    blocks: list[str] = []
    for s, pairs in triples.by_subject(low, high):
        lines = [name(s)]
        predicate = None
        for p, o in pairs:
            text = written.get(o) or value(o)
            if p == predicate:
                lines.append(",\n        " + text)
            else:
                lines.append(
                    (" " if predicate is None else " ;\n    ") + (verbs.get(p) or verb(p)) + " " + text
                )
                predicate = p
        blocks.append("".join(lines) + " .\n")
    return "\n".join(blocks), used
