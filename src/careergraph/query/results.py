"""Writing query answers: the W3C SPARQL 1.1 results formats and a table for people.

SELECT and ASK answers are written as SPARQL JSON, XML, CSV and TSV from the
plain terms the stores read (:attr:`careergraph.query.output.QueryOutput.plain_rows`),
so writing an answer builds no rdflib terms. CONSTRUCT and DESCRIBE answers are
graphs, written by rdflib: ``json`` gives JSON-LD, ``xml`` RDF/XML,
``csv``/``tsv`` one ``s,p,o`` row a triple and ``table`` Turtle.
"""

from __future__ import annotations

import re

from ..prefixes import ID, PREFIXES
from .output import QueryOutput
from .params import turtle_term
from .terms import Blank, Iri, Lit, Term, plain_term

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from rdflib.namespace import NamespaceManager

__all__ = [
    "FORMATS",
    "choose_type",
    "format_csv",
    "format_json",
    "format_output",
    "format_table",
    "format_tsv",
    "format_xml",
    "term_text",
    "written",
    "WRITTEN",
]

FORMATS = ("table", "csv", "tsv", "json", "xml")
_NAMESPACES = {namespace: prefix for prefix, namespace in PREFIXES.items() if prefix != "id"}
#: compiled on first use (by :mod:`re`'s cache), as is :data:`_SHORT_CELL`
_LOCAL_NAME = r"[^\W\d][\w.-]*(?<!\.)"
_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def term_text(term: object, namespaces: NamespaceManager | None = None) -> str:
    """A short, readable form of an RDF term (rdflib's, or plain) for a table cell.

    IRIs are shortened with careergraph's prefixes, or with ``namespaces`` when given.

    >>> from rdflib import Literal, URIRef
    >>> term_text(URIRef("https://w3id.org/careergraph/id/role/data-scientist"))
    'role/data-scientist'
    >>> term_text(URIRef("https://schema.org/name")), term_text(Literal(529))
    ('schema:name', '529')
    """
    plain = term if isinstance(term, Iri | Blank | Lit) else plain_term(term)
    if plain is None:
        return ""
    if isinstance(plain, Blank):
        return f"_:{plain.value}"
    if isinstance(plain, Lit):
        return str(plain.value)
    iri: str = plain.value
    if iri.startswith(ID):
        return iri[len(ID) :]
    if namespaces is not None:
        try:
            prefix, _namespace, local = namespaces.compute_qname(iri, generate=False)
            return f"{prefix}:{local}" if local else str(iri)
        except (ValueError, KeyError):
            return str(iri)
    cut = max(iri.rfind("#"), iri.rfind("/")) + 1
    known = _NAMESPACES.get(iri[:cut])
    if known is not None and re.fullmatch(_LOCAL_NAME, iri[cut:]):
        return f"{known}:{iri[cut:]}"
    return str(iri)


def format_table(output: QueryOutput) -> str:
    """Align a SELECT answer in columns; say ``(n rows)`` under it.

    >>> from rdflib import Literal
    >>> out = QueryOutput("SELECT", variables=["a", "b"], rows=[(Literal("x"), Literal(10))])
    >>> print(format_table(out))
    a  b
    -  --
    x  10
    (1 row)
    """
    if output.kind == "ASK":
        return "yes" if output.boolean else "no"
    header = list(output.variables)
    body = [[term_text(value) for value in row] for row in output.plain_rows]
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


def format_output(output: QueryOutput, fmt: str) -> str:
    """``output`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    if output.kind in ("CONSTRUCT", "DESCRIBE"):
        return _format_graph(output, fmt)
    if fmt == "table":
        return format_table(output)
    text = {"csv": format_csv, "tsv": format_tsv, "json": format_json, "xml": format_xml}[fmt](output)
    return text if text.endswith("\n") else text + "\n"


def format_csv(output: QueryOutput) -> str:
    """SPARQL 1.1 CSV: the variables, then each value as plain text (``_:id`` for blank nodes).

    >>> from rdflib import Literal, URIRef
    >>> out = QueryOutput("SELECT", variables=["s", "n"], rows=[(URIRef("urn:x"), Literal("a, b"))])
    >>> format_csv(out)
    's,n\\r\\nurn:x,"a, b"\\r\\n'
    """
    import csv
    import io

    if output.kind == "ASK":  # SPARQL 1.1 CSV has no ASK form: the value alone, as Oxigraph writes it
        return "true\r\n" if output.boolean else "false\r\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(output.variables)
    for row in output.plain_rows:
        writer.writerow(
            ["" if t is None else f"_:{t.value}" if isinstance(t, Blank) else t.value for t in row]
        )
    return buffer.getvalue()


def format_tsv(output: QueryOutput) -> str:
    """SPARQL 1.1 TSV: a ``?var`` header, then terms in Turtle syntax.

    >>> from rdflib import Literal, URIRef
    >>> out = QueryOutput("SELECT", variables=["s", "n"], rows=[(URIRef("urn:x"), Literal(5))])
    >>> format_tsv(out).splitlines()
    ['?s\\t?n', '<urn:x>\\t"5"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    if output.kind == "ASK":  # no ASK form in SPARQL 1.1 TSV either: the value alone
        return "true\n" if output.boolean else "false\n"
    lines = ["\t".join(f"?{v}" for v in output.variables)]
    for row in output.plain_rows:
        lines.append("\t".join("" if value is None else turtle_term(value) for value in row))
    return "\n".join(lines) + "\n"


def format_json(output: QueryOutput) -> str:
    """SPARQL 1.1 Query Results JSON.

    >>> import json
    >>> from rdflib import Literal
    >>> document = format_json(QueryOutput("SELECT", variables=["n"], rows=[(Literal("x", lang="en"),)]))
    >>> json.loads(document)["results"]["bindings"]
    [{'n': {'type': 'literal', 'value': 'x', 'xml:lang': 'en'}}]
    """
    import json

    if output.kind == "ASK":
        return json.dumps({"head": {}, "boolean": bool(output.boolean)})
    bindings = [
        {v: _json_term(t) for v, t in zip(output.variables, row, strict=True) if t is not None}
        for row in output.plain_rows
    ]
    return json.dumps(
        {"head": {"vars": output.variables}, "results": {"bindings": bindings}}, ensure_ascii=False
    )


def format_xml(output: QueryOutput) -> str:
    """SPARQL Query Results XML.

    >>> from rdflib import URIRef
    >>> print(format_xml(QueryOutput("SELECT", variables=["s"], rows=[(URIRef("urn:a&b"),)])), end="")
    <?xml version="1.0" encoding="utf-8"?>
    <sparql xmlns="http://www.w3.org/2005/sparql-results#">
    <head><variable name="s"/></head>
    <results>
    <result><binding name="s"><uri>urn:a&amp;b</uri></binding></result>
    </results>
    </sparql>
    """
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<sparql xmlns="{_RESULTS_NS}">']
    if output.kind == "ASK":
        lines += ["<head/>", f"<boolean>{'true' if output.boolean else 'false'}</boolean>"]
    else:
        lines.append(
            "<head>" + "".join(f"<variable name={_attribute(v)}/>" for v in output.variables) + "</head>"
        )
        lines.append("<results>")
        for row in output.plain_rows:
            cells = "".join(
                f"<binding name={_attribute(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(output.variables, row, strict=True)
                if t is not None
            )
            lines.append(f"<result>{cells}</result>")
        lines.append("</results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"


#: The formats pyoxigraph's serializer writes a SELECT answer in, evened by :func:`written` into
#: the bytes :func:`format_output` gives, so an Oxigraph store's answer never becomes Python terms.
WRITTEN = ("csv", "tsv", "json", "xml")
_XSD = b"http://www.w3.org/2001/XMLSchema#"
#: A TSV cell in Turtle's short form (a raw tab or newline never occurs inside a string or IRI).
_SHORT_CELL = rb"(?<=[\t\n])(true|false|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?=[\t\n])"
_XML_BREAKS = (
    (b"</head>", b"</head>\n"),
    (b"<results>", b"<results>\n"),
    (b"</result>", b"</result>\n"),
    (b"</results>", b"</results>\n"),
    (b"</sparql>", b"</sparql>\n"),
    (b"&apos;", b"'"),  # careergraph leaves ' as it is; any "&apos;" text would be written "&amp;apos;"
)


def written(solutions: Any, fmt: str, cap: int | None = None) -> tuple[bytes, bool] | None:
    """pyoxigraph's ``QuerySolutions`` written by its serializer in ``fmt`` (one of :data:`WRITTEN`),
    in the bytes :func:`format_output` writes for the same answer, and whether rows past ``cap``
    were cut; None where the bytes cannot be evened out (a one-column CSV with an empty cell, which
    Python's csv writes as ``""``; a CSV longer than ``cap`` lines, whose rows may span lines).

    Oxigraph writes JSON compactly, XML on one line and TSV numbers in Turtle's short form; the
    bytes are evened out in C-speed passes (``json``, ``bytes.replace``, one regex), never term by term.

    >>> import pyoxigraph
    >>> store = pyoxigraph.Store()
    >>> store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:a"), pyoxigraph.NamedNode("urn:p"),
    ...     pyoxigraph.Literal("5", datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    >>> written(store.query("SELECT ?s ?o { ?s ?p ?o }"), "tsv")
    (b'?s\\t?o\\n<urn:a>\\t"5"^^<http://www.w3.org/2001/XMLSchema#integer>\\n', False)
    """
    import pyoxigraph

    cut = False
    if fmt == "json":
        import json

        document = json.loads(solutions.serialize(format=pyoxigraph.QueryResultsFormat.JSON))
        bindings = document.get("results", {}).get("bindings", [])
        if cap is not None and len(bindings) > cap:
            del bindings[cap:]
            cut = True
        return json.dumps(document, ensure_ascii=False).encode() + b"\n", cut
    if fmt == "xml":
        text = solutions.serialize(format=pyoxigraph.QueryResultsFormat.XML)
        declaration, _, body = text.partition(b"?>")
        if declaration != b'<?xml version="1.0"':
            return None
        if cap is not None:
            rows = body.split(b"<result>", cap + 1)  # "<" in text is always "&lt;": each is a row
            if len(rows) > cap + 1:
                body, cut = b"<result>".join(rows[: cap + 1]) + b"</results></sparql>", True
        opening, _, body = body.partition(b">")
        for before, after in _XML_BREAKS:
            body = body.replace(before, after)
        return b'<?xml version="1.0" encoding="utf-8"?>\n' + opening + b">\n" + body, cut
    if fmt == "tsv":
        text = solutions.serialize(format=pyoxigraph.QueryResultsFormat.TSV)
        if cap is not None and text.count(b"\n") - 1 > cap:  # no raw newline inside a TSV cell
            text, cut = b"\n".join(text.split(b"\n", cap + 1)[: cap + 1]) + b"\n", True
        return re.sub(_SHORT_CELL, _long_form, text), cut
    if fmt == "csv":
        text = solutions.serialize(format=pyoxigraph.QueryResultsFormat.CSV)
        if len(solutions.variables) == 1 and b"\r\n\r\n" in text:
            return None
        if cap is not None and text.count(b"\r\n") - 1 > cap:
            return None
        return text, False
    raise ValueError(f"pyoxigraph does not write {fmt!r} here; formats: {', '.join(WRITTEN)}")


def _long_form(match: re.Match[bytes]) -> bytes:
    cell = match.group(1)
    if cell in (b"true", b"false"):
        kind = b"boolean"
    elif b"e" in cell or b"E" in cell:
        kind = b"double"
    elif b"." in cell:
        kind = b"decimal"
    else:
        kind = b"integer"
    return b'"' + cell + b'"^^<' + _XSD + kind + b">"


def _text(text: str) -> str:
    return text.translate(_XML_ESCAPES)


def _attribute(text: str) -> str:
    return '"' + text.translate(_XML_ESCAPES) + '"'


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, Iri):
        return {"type": "uri", "value": term.value}
    if isinstance(term, Blank):
        return {"type": "bnode", "value": term.value}
    value, language, datatype = term
    found = {"type": "literal", "value": value}
    if language:
        found["xml:lang"] = language
    elif datatype:
        found["datatype"] = datatype
    return found


def _xml_term(term: Term) -> str:
    if isinstance(term, Iri):
        return f"<uri>{_text(term.value)}</uri>"
    if isinstance(term, Blank):
        return f"<bnode>{_text(term.value)}</bnode>"
    value, language, datatype = term
    attribute = (
        f" xml:lang={_attribute(language)}"
        if language
        else f" datatype={_attribute(datatype)}"
        if datatype
        else ""
    )
    return f"<literal{attribute}>{_text(value)}</literal>"


def _format_graph(output: QueryOutput, fmt: str) -> str:
    graph = output.to_result().graph
    assert graph is not None
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(["s", "p", "o"])
        for s, p, o in sorted(graph):
            terms = (plain_term(s), plain_term(p), plain_term(o))
            writer.writerow([turtle_term(t) for t in terms] if fmt == "tsv" else [s, p, o])
        return buffer.getvalue()
    rdf_format = {"table": "turtle", "json": "json-ld", "xml": "xml"}[fmt]
    return graph.serialize(format=rdf_format)


def choose_type(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header likes best (q-values, wildcards), or None.

    >>> choose_type("text/csv;q=0.5, application/sparql-results+xml", ["application/sparql-results+json",
    ...     "application/sparql-results+xml", "text/csv"])
    'application/sparql-results+xml'
    >>> choose_type("text/*;q=0.8, */*;q=0.1", ["application/sparql-results+json", "text/csv"])
    'text/csv'
    >>> choose_type("image/png", ["text/csv"]) is None
    True
    """
    if not accept or not accept.strip():
        return offered[0]
    ranges = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        weight = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if media:
            ranges.append((media, weight, position))

    def quality(media_type: str) -> float:
        # The most specific range that matches decides: exact, then type/*, then */*.
        main = media_type.split("/")[0]
        matches = []
        for media, q, _position in ranges:
            specificity = {media_type: 2, f"{main}/*": 1, "*/*": 0}.get(media)
            if specificity is not None:
                matches.append((specificity, q))
        return max(matches)[1] if matches else 0.0

    scored = [(quality(t), -i, t) for i, t in enumerate(offered)]
    best = max(scored)
    return best[2] if best[0] > 0 else None
