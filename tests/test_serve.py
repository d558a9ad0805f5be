"""`careergraph serve`: a read-only SPARQL 1.1 Protocol endpoint, queried over HTTP."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from careergraph.data import shipped_dir

ROLES = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX cg: <https://w3id.org/careergraph/ontology#> "
    "SELECT ?role ?label WHERE { ?role a cg:Role ; skos:prefLabel ?label } ORDER BY ?label"
)
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def server(listening):
    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "careergraph", "--data", str(shipped_dir("graph_data")), "serve",
            "--port", str(port), "--timeout", "1", "--max-rows", "5",
        ]  # fmt: skip

    with listening(command) as port:
        yield f"http://127.0.0.1:{port}"


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None):
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers or {}), timeout=20
        ) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def get(server: str, query: str, accept: str | None = None):
    headers = {"Accept": accept} if accept else {}
    return request(f"{server}/sparql?" + urllib.parse.urlencode({"query": query}), headers=headers)


def test_a_standard_client_reads_it(server: str) -> None:
    remote = Graph(store=SPARQLStore(f"{server}/sparql", returnFormat="json"))
    answer = [(str(r.role), str(r.label)) for r in remote.query(ROLES)]
    local = [
        (str(r.role), str(r.label))
        for r in Graph().parse(shipped_dir("graph_data") / "roles.ttl").query(ROLES)
    ]
    assert answer == local[:5]  # the server cuts at --max-rows 5


def test_content_negotiation_with_q_values(server: str) -> None:
    status, headers, body = get(server, ROLES, "text/csv;q=0.4, application/sparql-results+xml;q=0.9")
    assert status == 200 and headers["content-type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(body).tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    status, headers, body = get(server, ROLES, "text/csv")
    assert next(csv.reader(io.StringIO(body))) == ["role", "label"]
    status, headers, body = get(server, ROLES, "text/tab-separated-values")
    assert body.splitlines()[0] == "?role\t?label"
    status, headers, body = get(server, ROLES)
    assert json.loads(body)["head"]["vars"] == ["role", "label"]
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    status, headers, body = get(server, construct, "application/n-triples")
    assert (
        headers["content-type"].startswith("application/n-triples")
        and len(Graph().parse(data=body, format="nt")) == 3
    )
    status, headers, body = get(server, construct, "text/turtle")
    assert len(Graph().parse(data=body, format="turtle")) == 3
    status, _, body = get(server, ROLES, "image/png")
    assert status == 406


def test_post_form_and_sparql_query_body(server: str) -> None:
    form = urllib.parse.urlencode({"query": "ASK { ?s a <https://schema.org/Clip> }"}).encode()
    status, _, body = request(
        f"{server}/sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = request(
        f"{server}/sparql", data=ROLES.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5


def test_row_cap_is_flagged(server: str) -> None:
    status, headers, body = get(server, ROLES)
    assert headers.get("x-careergraph-truncated") == "true"
    few = ROLES + " LIMIT 2"
    status, headers, body = get(server, few)
    assert "x-careergraph-truncated" not in {k.lower() for k in headers}


@pytest.mark.parametrize(
    "query,reason",
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "FROM"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "updates"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ],
)
def test_refused_with_a_reason(server: str, query: str, reason: str) -> None:
    status, _, body = get(server, query)
    assert status == 403 and reason in body


def test_updates_are_refused(server: str) -> None:
    form = urllib.parse.urlencode({"update": "DELETE WHERE { ?s ?p ?o }"}).encode()
    status, _, body = request(
        f"{server}/sparql", data=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 403 and "updates are not allowed" in body
    status, _, _ = request(
        f"{server}/sparql", data=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
    )
    assert status == 403


def test_malformed_query_gets_the_parser_message(server: str) -> None:
    status, _, body = get(server, "SELECT ?x WHERE { ?x ")
    assert status == 400 and "not a SPARQL query" in body and "Expected" in body


def test_unknown_host_is_refused(server: str) -> None:
    status, _, _ = request(f"{server}/sparql?query=ASK%7B%7D", headers={"Host": "evil.example"})
    assert status == 400


def test_timeout_and_the_server_keeps_serving(server: str) -> None:
    status, _, body = get(server, SLOW)
    assert status == 503 and "stopped after 1 s" in body
    status, _, _ = get(server, ROLES)
    assert status == 200


def test_the_query_page_is_self_contained(server: str) -> None:
    status, headers, body = request(f"{server}/sparql", headers={"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert '<div id="yasgui">' in body
    # everything the page loads comes from the server itself
    assert re.findall(r'(?:src|href)="([^"]*)"', body) and all(
        link.startswith("/") and not link.startswith("//")
        for link in re.findall(r'(?:src|href)="([^"]*)"', body)
    )
