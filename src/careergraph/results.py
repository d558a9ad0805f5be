"""Writing query answers: the W3C SPARQL 1.1 results formats and a table for people.

SELECT and ASK answers are written as SPARQL JSON, XML, CSV and TSV by rdflib's
own serialisers. CONSTRUCT and DESCRIBE answers are graphs: ``json`` gives
JSON-LD, ``xml`` RDF/XML, ``csv``/``tsv`` one ``s,p,o`` row a triple and
``table`` Turtle.
"""

from __future__ import annotations

import csv
import io

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import NamespaceManager

from .sparql import QueryOutput
from .vocab import ID, PREFIXES

__all__ = ["FORMATS", "format_output", "format_table", "term_text"]

FORMATS = ("table", "csv", "tsv", "json", "xml")


def term_text(term: object, namespaces: NamespaceManager | None = None) -> str:
    """A short, readable form of an RDF term for a table cell.

    >>> term_text(URIRef("https://w3id.org/careergraph/id/role/data-scientist"))
    'role/data-scientist'
    >>> term_text(Literal(529))
    '529'
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        if term.startswith(str(ID)):
            return term[len(ID) :]
        if namespaces is not None:
            try:
                prefix, namespace, local = namespaces.compute_qname(term, generate=False)
                if local:
                    return f"{prefix}:{local}"
            except (ValueError, KeyError):
                pass
        return str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def format_table(output: QueryOutput) -> str:
    """Align a SELECT answer in columns; say ``(n rows)`` under it.

    >>> out = QueryOutput("SELECT", variables=["a", "b"], rows=[(Literal("x"), Literal(10))])
    >>> print(format_table(out))
    a  b
    -  --
    x  10
    (1 row)
    """
    if output.kind == "ASK":
        return "yes" if output.boolean else "no"
    namespaces = _namespaces()
    header = list(output.variables)
    body = [[term_text(value, namespaces) for value in row] for row in output.rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    count = len(body)
    footer = f"({count} row{'s' if count != 1 else ''}"
    footer += ", cut at --limit)" if output.truncated else ")"
    return "\n".join([*lines, footer])


def _namespaces() -> NamespaceManager:
    from rdflib import Graph

    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        if prefix != "id":
            graph.bind(prefix, namespace)
    return graph.namespace_manager


def format_output(output: QueryOutput, fmt: str) -> str:
    """``output`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if output.kind in ("CONSTRUCT", "DESCRIBE"):
        return _format_graph(output, fmt)
    if fmt == "table":
        return format_table(output)
    if fmt == "tsv":
        return format_tsv(output)
    data = output.to_result().serialize(format=fmt)
    text = data.decode("utf-8") if isinstance(data, bytes) else str(data)
    return text if text.endswith("\n") else text + "\n"


def format_tsv(output: QueryOutput) -> str:
    """SPARQL 1.1 TSV: a ``?var`` header, then terms in Turtle syntax (rdflib has no writer).

    >>> out = QueryOutput("SELECT", variables=["s", "n"], rows=[(URIRef("urn:x"), Literal(5))])
    >>> format_tsv(out).splitlines()
    ['?s\\t?n', '<urn:x>\\t"5"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    if output.kind == "ASK":
        return f"?_askResult\n{'true' if output.boolean else 'false'}\n"
    lines = ["\t".join(f"?{v}" for v in output.variables)]
    for row in output.rows:
        lines.append("\t".join("" if value is None else _n3(value) for value in row))
    return "\n".join(lines) + "\n"


def _format_graph(output: QueryOutput, fmt: str) -> str:
    graph = output.to_result().graph
    assert graph is not None
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(["s", "p", "o"])
        for s, p, o in sorted(graph):
            writer.writerow([_n3(s), _n3(p), _n3(o)] if fmt == "tsv" else [s, p, o])
        return buffer.getvalue()
    rdf_format = {"table": "turtle", "json": "json-ld", "xml": "xml"}[fmt]
    return graph.serialize(format=rdf_format)


def _n3(term: object) -> str:
    """A term in Turtle syntax, with tabs and newlines escaped so it fits one TSV cell."""
    text = term.n3() if isinstance(term, URIRef | Literal | BNode) else str(term)
    return text.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
