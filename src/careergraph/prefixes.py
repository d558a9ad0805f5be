"""careergraph's prefixes as plain strings, for code that writes or reads IRIs without rdflib.

:mod:`careergraph.vocab` builds its rdflib namespaces from these, so the two
cannot drift apart; answering a query on Oxigraph needs only this module.

>>> PREFIXES["schema"], ID
('https://schema.org/', 'https://w3id.org/careergraph/id/')
"""

from __future__ import annotations

__all__ = ["BASE", "ID", "PREFIXES"]

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
