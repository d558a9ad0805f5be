"""careergraph's prefixes as plain strings, for code that writes or reads IRIs without rdflib.

:mod:`careergraph.vocab` builds its rdflib namespaces from these, so the two
cannot drift apart; answering a query on Oxigraph needs only this module.

>>> PREFIXES["schema"], ID
('https://schema.org/', 'https://w3id.org/careergraph/id/')
"""

from __future__ import annotations

__all__ = ["BASE", "CONCEPT_KINDS", "ID", "KINDS", "PREFIXES", "local_name"]

BASE = "https://w3id.org/careergraph/"
ID = BASE + "id/"

PREFIXES = {
    "cg": BASE + "ontology#",
    "id": ID,
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: Every kind of named thing a user can ask for, with what types it: a cg: concept scheme
#: (SKOS concepts) or a class. Names, query parameters, the CLI and the page all read this
#: table; its order is the order a name is looked up in when the kind is not said.
KINDS = {
    "role": PREFIXES["cg"] + "Roles",
    "skill": PREFIXES["cg"] + "Skills",
    "tool": PREFIXES["cg"] + "Tools",
    "guest": PREFIXES["schema"] + "Person",
    "episode": PREFIXES["schema"] + "PodcastEpisode",
    "topic": PREFIXES["cg"] + "Topics",
}
#: The kinds that are SKOS concepts in a scheme (the others are typed by a class).
CONCEPT_KINDS = ("role", "skill", "tool", "topic")


def local_name(iri: object) -> str:
    """The last segment of an IRI (after its last ``/`` or ``#``): the label of last resort, and a slug.

    >>> local_name("https://w3id.org/careergraph/id/role/data-scientist"), local_name("urn:x/a#b/")
    ('data-scientist', 'b')
    """
    text = str(iri).rstrip("/")
    return text[max(text.rfind("/"), text.rfind("#")) + 1 :]
