"""The query interface is read-only and cannot reach out of the loaded graph."""

from __future__ import annotations

import socket
import threading

import pytest
from click.testing import CliRunner

from careergraph.cli import main


@pytest.fixture()
def listener():
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    seen: list[tuple] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except OSError:
                continue
            seen.append(address)
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join()
    server.close()


REFUSED = {
    "service": "SELECT * WHERE { SERVICE <{url}> { ?s ?p ?o } }",
    "silent service": "SELECT * WHERE { SERVICE SILENT <{url}> { ?s ?p ?o } }",
    "nested service": (
        "SELECT * WHERE { ?s ?p ?o . OPTIONAL { { SELECT ?x WHERE { "
        "FILTER EXISTS { SERVICE <{url}> { ?x ?y ?z } } } } } }"
    ),
    "service in a union": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <{url}> { ?s ?p ?o } } }",
    "from": "SELECT * FROM <{url}> WHERE { ?s ?p ?o }",
    "from named": "SELECT * FROM NAMED <{url}> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "load": "LOAD <{url}>",
    "insert": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "delete where": "DELETE WHERE { ?s ?p ?o }",
    "clear": "CLEAR ALL",
    "drop": "DROP DEFAULT",
    "insert with service": "INSERT { ?s ?p ?o } WHERE { SERVICE <{url}> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_before_it_runs_and_no_connection_is_made(
    name: str, listener: tuple[int, list], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = listener
    # The shipped data, so a wrongly accepted query would have triples to work on.
    monkeypatch.delenv("CAREERGRAPH_DATA", raising=False)
    text = REFUSED[name].replace("{url}", f"http://127.0.0.1:{port}/sparql")
    result = CliRunner().invoke(main, ["query", "-"], input=text)
    assert result.exit_code == 2, result.output
    assert "query refused" in result.output
    reason = (
        "updates"
        if name in {"load", "insert", "delete where", "clear", "drop", "insert with service"}
        else ("FROM" if name.startswith("from") else "SERVICE")
    )
    assert reason in result.output
    assert seen == []


def test_the_listener_would_have_seen_a_connection(listener: tuple[int, list]) -> None:
    """The check above can fail: a real connection is counted."""
    port, seen = listener
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    for _ in range(50):
        if seen:
            break
        threading.Event().wait(0.02)
    assert len(seen) == 1


def test_a_word_service_in_a_string_is_not_refused(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["query", "-", "-f", "csv"], input='SELECT ?x WHERE { BIND("SERVICE <http://x> FROM" AS ?x) }'
    )
    assert result.exit_code == 0
    assert result.output.splitlines() == ["x", "SERVICE <http://x> FROM"]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",  # undone before parsing
        "SELECT * WHERE { service <http://127.0.0.1:1/> { ?s ?p ?o } }",  # keywords ignore case
        "SELECT * WHERE {SERVICE<http://127.0.0.1:1/>{?s ?p ?o}}",  # no spaces to lean on
        "SELECT * WHERE { FILTER(?a<?b&&EXISTS{SERVICE<http://127.0.0.1:1/>{?s ?p ?o}}&&?c>?d) }",
        'SELECT * WHERE { ?s ?p "a\nb" . SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }',  # not a string
        "SELECT * WHERE { ?s ex:a.SERVICE ?o }",  # a dotted name's part: refused, to be safe
        "SELECT * FROM<http://127.0.0.1:1/> WHERE { ?s ?p ?o }",
    ],
)
def test_keywords_are_seen_however_they_are_written(text: str) -> None:
    from careergraph.errors import UnsafeQueryError
    from careergraph.sparql import check_query

    with pytest.raises(UnsafeQueryError):
        check_query(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?from ?service WHERE { ?from ?load ?insert }",  # variables named like keywords
        "SELECT * WHERE { ?s <http://example.org/SERVICE/FROM> ?o }",
        "SELECT * WHERE { ?s ?p ?o } # no SERVICE here, nor FROM",
        "SELECT * WHERE { ?s ?p '''SERVICE\n<http://x> { }''' }",
        'SELECT * WHERE { ?s ?p "FROM"@from }',
        "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:from ?o }",
    ],
)
def test_keywords_inside_strings_iris_names_and_comments_are_not_keywords(text: str) -> None:
    from careergraph.sparql import check_query

    assert check_query(text).form == "SELECT"
