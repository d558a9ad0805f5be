"""Plain RDF terms and answers: the values that cross between stores, formats and processes.

A store reads each value of an answer once, into one of three named tuples —
:class:`Iri`, :class:`Blank` or :class:`Lit` — and the results formats, the
portable ORDER BY and the parameter bindings read them by field. They are
tuples (``typing.NamedTuple``): as cheap to make, hash and compare as the
tagged tuples they replace, and, unlike rdflib's terms, they need no rdflib.
Which kind a term is, its class says (``isinstance`` or ``match``), never a
tag in its first field.

Tuples compare by their fields only, so ``Iri("x") == Blank("x")``. An answer
never holds both: an IRI is absolute (it has a scheme and a colon), a blank
node's label never has a colon (Turtle, N-Triples and the SPARQL results
formats all forbid it). :func:`sort_key` orders the kinds apart.

>>> Iri("urn:x"), Lit("5", datatype=XSD_INTEGER).datatype[-7:]
(Iri(value='urn:x'), 'integer')
>>> [type(t).__name__ for t in sorted([Lit("a"), Iri("urn:b"), Blank("c")], key=sort_key)]
['Blank', 'Lit', 'Iri']
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = ["XSD_INTEGER", "XSD_STRING", "Answer", "Blank", "Iri", "Lit", "Term", "literal", "sort_key"]

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_INTEGER = XSD + "integer"
XSD_STRING = XSD + "string"


class Iri(NamedTuple):
    """An IRI (a named node)."""

    value: str


class Blank(NamedTuple):
    """A blank node, by its label (without ``_:``)."""

    value: str


class Lit(NamedTuple):
    """A literal: its lexical form, and a language tag or a datatype (None for a plain string)."""

    value: str
    language: str | None = None
    datatype: str | None = None


#: A term as answers and bindings hold it.
Term = Iri | Blank | Lit


def literal(value: str, language: str | None, datatype: str | None) -> Lit:
    """A literal, the same from every store: ``xsd:string``, which RDF 1.1 makes the same
    term as a plain string, becomes no datatype, and so does a language-tagged string.

    >>> literal("x", None, XSD_STRING), literal("x", "en", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
    (Lit(value='x', language=None, datatype=None), Lit(value='x', language='en', datatype=None))
    """
    language = language or None
    return Lit(value, language, None if language or datatype == XSD_STRING else datatype)


_RANK = {Blank: 0, Lit: 1, Iri: 2}


def sort_key(term: Term) -> tuple[Any, ...]:
    """A total order on terms: blank nodes, then literals, then IRIs, each by their fields
    (the order answers' triples are written in; not SPARQL's ORDER BY, which
    :func:`careergraph.portable.sort_key` gives)."""
    return (_RANK[type(term)], *[part or "" for part in term])


class Answer(NamedTuple):
    """What a store answered, in plain terms: what a worker process sends its parent.

    ``kind`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``; a SELECT fills
    ``variables`` and ``rows`` (None where a variable is unbound), an ASK
    ``boolean``, a graph ``triples``. ``truncated`` says the rows or triples were
    cut at the limit.
    """

    kind: str
    variables: list[str]
    rows: list[tuple[Term | None, ...]]
    boolean: bool | None
    triples: list[tuple[Term, Term, Term]]
    truncated: bool
