"""Plain terms: RDF terms as plain values that cross processes and engines."""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any, NamedTuple, overload

    from rdflib.term import Node as RDFNode
else:
    from ..record import NamedTuple, overload

__all__ = [
    "plain_term",
    "XSD_INTEGER",
    "XSD_STRING",
    "Answer",
    "Blank",
    "Iri",
    "Lit",
    "Term",
    "literal",
    "sort_key",
]

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
    :func:`careergraph.query.portable.sort_key` gives)."""
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


# Answers are held, written and sent from a worker to its parent (pickled) as the
# named tuples above. Pickling rdflib's terms instead would build
# each one twice and cost several times as much; Oxigraph's answers never become rdflib
# terms unless a caller asks for QueryOutput.rows.


@overload
def plain_term(term: None) -> None: ...
@overload
def plain_term(term: RDFNode) -> Term: ...  # noqa: F811  (overload is typing's to ruff only in TYPE_CHECKING)
@overload
def plain_term(term: object) -> Term | None: ...  # noqa: F811
def plain_term(term: object) -> Term | None:  # noqa: F811
    """An rdflib term as a plain term (None stays None).

    >>> from rdflib import Literal, URIRef
    >>> plain_term(Literal("Testing", lang="en")), plain_term(URIRef("urn:x"))
    (Lit(value='Testing', language='en', datatype=None), Iri(value='urn:x'))
    """
    from rdflib import Literal, URIRef

    if term is None:
        return None
    if isinstance(term, URIRef):
        return Iri(str(term))
    if isinstance(term, Literal):
        return literal(str(term), term.language, term.datatype and str(term.datatype))
    return Blank(str(term))


def _terms() -> Any:
    """A function from plain terms back to rdflib terms, building each distinct term once."""
    from rdflib import BNode, Literal, URIRef

    made: dict[tuple[type, Term], Any] = {}  # keyed by class too: Iri("x") == Blank("x") as tuples

    def term(plain: Term | None) -> Any:
        if plain is None:
            return None
        key = (type(plain), plain)
        found = made.get(key)
        if found is None:
            if isinstance(plain, Iri):
                found = URIRef(plain.value)
            elif isinstance(plain, Blank):
                found = BNode(plain.value)
            else:
                value, language, datatype = plain
                found = Literal(value, lang=language, datatype=datatype and URIRef(datatype))
            made[key] = found
        return found

    return term
