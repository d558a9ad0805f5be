"""The SPARQL 1.1 Protocol as standard clients speak it to `careergraph serve`.

SPARQLWrapper and rdflib's SPARQLStore ask for each query form in each format
they know; every answer must parse as that format and hold the data's answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from careergraph.data import shipped_dir

SPARQLWrapper = pytest.importorskip("SPARQLWrapper")

PREFIXES = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX cg: <https://w3id.org/careergraph/ontology#> "
)
ROLES = PREFIXES + "SELECT ?role ?label WHERE { ?role a cg:Role ; skos:prefLabel ?label } ORDER BY ?role"
ASK = PREFIXES + "ASK { ?role a cg:Role }"
CONSTRUCT = (
    PREFIXES + "CONSTRUCT { ?role skos:prefLabel ?label } WHERE { ?role a cg:Role ; skos:prefLabel ?label }"
)
MLE = URIRef("https://w3id.org/careergraph/id/role/machine-learning-engineer")
DESCRIBE = f"DESCRIBE <{MLE}>"


@pytest.fixture(scope="module")
def data() -> Graph:
    graph = Graph()
    for file in sorted(shipped_dir("graph_data").glob("*.ttl")):
        if file.name != "shapes.ttl":
            graph.parse(file)
    return graph


def request(
    url: str, *, method: str | None = None, data: bytes | None = None, headers: dict[str, str] | None = None
):
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers or {}, method=method), timeout=20
        ) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def get(endpoint: str, accept: str | None = None, **params: str | list[str]):
    return request(
        f"{endpoint}?{urllib.parse.urlencode(params, doseq=True)}",
        headers={"Accept": accept} if accept else {},
    )


def wrapper(endpoint: str, query: str, fmt: str, method: str = "GET"):
    from SPARQLWrapper import SPARQLWrapper as Client

    client = Client(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client.query()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_sparqlwrapper_select_and_ask(protocol_server: str, data: Graph, fmt: str, method: str) -> None:
    expected = sorted((str(r.role), str(r.label)) for r in data.query(ROLES))
    answer = wrapper(protocol_server, ROLES, fmt, method)
    converted = answer.convert()
    if fmt == "json":
        rows = [(b["role"]["value"], b["label"]["value"]) for b in converted["results"]["bindings"]]
    elif fmt == "xml":
        rows = [
            tuple(b.getElementsByTagName("uri") + b.getElementsByTagName("literal"))
            for b in converted.getElementsByTagName("result")
        ]
        rows = [(u.firstChild.data, lit.firstChild.data) for u, lit in rows]
    else:
        lines = converted.decode().splitlines()
        assert lines[0] == ("role,label" if fmt == "csv" else "?role\t?label")
        cells = [line.split("," if fmt == "csv" else "\t") for line in lines[1:]]
        rows = [(role.strip("<>"), label.split('"')[1] if fmt == "tsv" else label) for role, label in cells]
    assert sorted(rows) == expected
    ask = wrapper(protocol_server, ASK, fmt, method).convert()
    if fmt == "json":
        assert ask["boolean"] is True
    elif fmt == "xml":
        assert ask.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert ask.decode().strip() == "true"  # the value alone, as Oxigraph writes it


@pytest.mark.parametrize("fmt", ["rdf+xml", "xml", "turtle", "n3", "json-ld"])
@pytest.mark.parametrize("query", ["construct", "describe"])
def test_sparqlwrapper_graphs(protocol_server: str, data: Graph, fmt: str, query: str) -> None:
    text = CONSTRUCT if query == "construct" else DESCRIBE
    expected = data.query(text).graph
    answer = wrapper(protocol_server, text, fmt).convert()
    graph = answer if isinstance(answer, Graph) else Graph().parse(data=answer, format=_parser(fmt))
    assert len(expected) > 0 and isomorphic(graph, expected)


def _parser(fmt: str) -> str:
    return {"turtle": "turtle", "n3": "turtle", "json-ld": "json-ld"}.get(fmt, "xml")


def test_sparqlwrapper_default_construct_is_rdf_xml(protocol_server: str, data: Graph) -> None:
    from SPARQLWrapper import SPARQLWrapper as Client

    client = Client(protocol_server)
    client.setQuery(CONSTRUCT)
    response = client.query()
    assert response.response.headers["Content-Type"].startswith("application/rdf+xml")
    assert isomorphic(response.convert(), data.query(CONSTRUCT).graph)


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_rdflib_sparqlstore_every_form(protocol_server: str, data: Graph, return_format: str) -> None:
    remote = Graph(store=SPARQLStore(protocol_server, returnFormat=return_format))
    rows = sorted((str(r.role), str(r.label)) for r in remote.query(ROLES))
    assert rows == sorted((str(r.role), str(r.label)) for r in data.query(ROLES))
    if return_format in ("xml", "json"):  # rdflib's CSV and TSV parsers read only SELECT answers
        assert remote.query(ASK).askAnswer is True
        assert (
            MLE,
            URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"),
            Literal("Machine Learning Engineer", lang="en"),
        ) in remote  # an ASK
    if return_format == "xml":  # its default; other formats ask for a results format even for graphs
        for text in (CONSTRUCT, DESCRIBE):
            assert isomorphic(remote.query(text).graph, data.query(text).graph)


def test_text_plain_as_oxigraph_answers(protocol_server: str) -> None:
    status, headers, body = get(protocol_server, "text/plain", query=ROLES)
    assert status == 200 and body.splitlines()[0] == "role,label"  # CSV
    roles = len(body.splitlines()) - 1
    status, headers, body = get(protocol_server, "text/plain", query=CONSTRUCT)
    assert status == 200 and len(Graph().parse(data=body, format="nt")) == roles > 14


def test_one_query_parameter(protocol_server: str) -> None:
    status, _, body = get(protocol_server, query=[ASK, ROLES])
    assert status == 400 and "one query parameter" in body
    form = urllib.parse.urlencode({"query": [ASK, ASK]}, doseq=True).encode()
    status, _, body = request(
        protocol_server, data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 400 and "one query parameter" in body


def test_head_is_get_without_a_body(protocol_server: str) -> None:
    url = f"{protocol_server}?{urllib.parse.urlencode({'query': ROLES})}"
    status, headers, body = request(url, method="HEAD", headers={"Accept": "text/csv"})
    assert (status, body) == (200, "") and headers["content-type"].startswith("text/csv")


def test_dataset_parameters_are_refused_with_the_reason(protocol_server: str) -> None:
    for name in ("default-graph-uri", "named-graph-uri"):
        status, _, body = get(
            protocol_server, query="SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", **{name: "urn:g"}
        )
        assert status == 400 and f"{name} is not supported" in body
        form = urllib.parse.urlencode({"query": ASK, name: "urn:g"}).encode()
        status, _, body = request(
            protocol_server, data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 400 and f"{name} is not supported" in body
        # in the URL, beside a query in the body, of either kind
        in_url = f"{protocol_server}?{urllib.parse.urlencode({name: 'urn:g'})}"
        for content_type, data in (
            ("application/sparql-query", ASK.encode()),
            ("application/x-www-form-urlencoded", urllib.parse.urlencode({"query": ASK}).encode()),
        ):
            status, _, body = request(in_url, data=data, headers={"Content-Type": content_type})
            assert status == 400 and f"{name} is not supported" in body, content_type
        # blank, in a form as in a URL
        for url, data in (
            (f"{protocol_server}?{urllib.parse.urlencode({'query': ASK, name: ''})}", None),
            (protocol_server, urllib.parse.urlencode({"query": ASK, name: ""}).encode()),
        ):
            form_type = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
            status, _, body = request(url, data=data, headers=form_type)
            assert status == 400 and f"{name} is not supported" in body, url


def test_service_description(protocol_server: str) -> None:
    status, headers, body = request(protocol_server, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    sd = Graph().parse(data=body, format="turtle")
    service = URIRef(protocol_server)
    ns = "http://www.w3.org/ns/sparql-service-description#"
    assert (service, URIRef(ns + "endpoint"), service) in sd
    assert (service, URIRef(ns + "supportedLanguage"), URIRef(ns + "SPARQL11Query")) in sd
    status, _, body = request(protocol_server, headers={"Accept": "application/sparql-results+json"})
    assert status == 400 and "no query" in body
    status, headers, _ = request(protocol_server, headers={"Accept": "text/html"})  # a browser: the editor
    assert status == 200 and headers["content-type"].startswith("text/html")


def test_cors_only_for_the_origin_given(protocol_server: str) -> None:
    url = f"{protocol_server}?{urllib.parse.urlencode({'query': ASK})}"
    _, headers, _ = request(url, headers={"Origin": "https://app.example"})
    assert headers.get("access-control-allow-origin") == "https://app.example"
    _, headers, _ = request(url, headers={"Origin": "https://other.example"})
    assert "access-control-allow-origin" not in headers
    status, headers, _ = request(
        protocol_server,
        method="OPTIONS",
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
    )
    assert status == 200 and headers.get("access-control-allow-origin") == "https://app.example"
    assert json.loads(get(protocol_server, query=ASK)[2])["boolean"] is True
