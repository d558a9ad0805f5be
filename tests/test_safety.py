"""The query interface is read-only and cannot reach out of the loaded graph."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from careergraph.cli import main
from careergraph.data import shipped_dir
from careergraph.errors import QuerySyntaxError, UnsafeQueryError

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
        # Where careergraph's tokens and the grammar split differently, the parse decides:
        "PREFIX : <http://127.0.0.1:1/> SELECT * WHERE { SERVICE:name { ?s ?p ?o } }",
        "SELECT * WHERE { BIND(1<'>' AS ?z) SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * FROM<http://127.0.0.1:1/> WHERE { ?s ?p ?o }",
    ],
)
def test_keywords_are_seen_however_they_are_written(text: str) -> None:
    from careergraph.errors import UnsafeQueryError
    from careergraph.query.safety import check_query

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
    from careergraph.query.safety import check_query

    assert check_query(text).form == "SELECT"


def wait_for(seen: list, count: int = 1) -> None:
    for _ in range(50):
        if len(seen) >= count:
            return
        threading.Event().wait(0.02)


@pytest.fixture(scope="module")
def oxigraph_location(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    result = CliRunner().invoke(
        main, ["--data", str(shipped_dir("graph_data")), "--store", f"oxigraph:{location}", "load"]
    )
    assert result.exit_code == 0, result.output
    return location


#: Queries careergraph's tokens once read as safe, while both engines run their SERVICE.
BYPASSES = {
    "empty prefix against the keyword": "PREFIX : <{url}> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "less-than before a quote": "SELECT * WHERE { BIND(1<'>' AS ?z) SERVICE <{url}> { ?s ?p ?o } }",
}


@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_the_bypasses_do_reach_out_when_nothing_checks_them(name: str, listener: tuple[int, list]) -> None:
    """What the refusals below guard against: pyoxigraph, unchecked, connects to the listener."""
    import pyoxigraph

    port, seen = listener
    text = BYPASSES[name].replace("{url}", f"http://127.0.0.1:{port}/")
    with pytest.raises(Exception):  # noqa: B017 (the listener hangs up: whatever the engine makes of it)
        list(pyoxigraph.Store().query(text))
    wait_for(seen)
    assert len(seen) >= 1


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
@pytest.mark.parametrize("name", sorted(BYPASSES))
def test_the_bypasses_are_refused_on_every_store(
    name: str, store: str, listener: tuple[int, list], oxigraph_location: Path
) -> None:
    port, seen = listener
    text = BYPASSES[name].replace("{url}", f"http://127.0.0.1:{port}/")
    spec = "memory" if store == "memory" else f"oxigraph:{oxigraph_location}"
    options = ["--data", str(shipped_dir("graph_data")), "--store", spec]
    result = CliRunner().invoke(main, [*options, "query", "-"], input=text)
    assert (result.exit_code, result.output) == (
        2,
        "Error: query refused: SERVICE calls out to other endpoints\n",
    )
    wait_for(seen)
    assert seen == []


@pytest.mark.parametrize("how", ["absolute path without .rq", "relative path up and out"])
def test_a_file_outside_the_queries_folder_is_never_trusted(
    how: str,
    tmp_path: Path,
    listener: tuple[int, list],
    oxigraph_location: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found in review: `query /tmp/x/evil` once resolved to a trusted name and skipped the parse."""
    port, seen = listener
    (tmp_path / "evil.rq").write_text(
        BYPASSES["empty prefix against the keyword"].replace("{url}", f"http://127.0.0.1:{port}/")
    )
    if how == "absolute path without .rq":
        spec = str(tmp_path / "evil")
    else:
        monkeypatch.chdir(tmp_path)
        spec = os.path.relpath(tmp_path / "evil", shipped_dir("queries"))
    result = CliRunner().invoke(main, ["--store", f"oxigraph:{oxigraph_location}", "query", spec])
    assert result.exit_code == 2 and "Error: unknown query file" in result.output, result.output
    # Named as the file it is, it is read and checked on a full parse.
    evil = str(tmp_path / "evil.rq")
    result = CliRunner().invoke(main, ["--store", f"oxigraph:{oxigraph_location}", "query", evil])
    assert (result.exit_code, result.output) == (
        2,
        "Error: query refused: SERVICE calls out to other endpoints\n",
    )
    wait_for(seen)
    assert seen == []


def test_a_trusted_query_with_a_keyword_for_a_prefix_is_refused_without_a_parse() -> None:
    from careergraph.query.safety import check_query

    with pytest.raises(UnsafeQueryError, match="SERVICE"):
        check_query("PREFIX : <http://127.0.0.1:1/> ASK { SERVICE:x { ?s ?p ?o } }", trusted=True)


def test_a_query_rdflib_cannot_parse_is_refused_even_if_the_engine_could(oxigraph_location: Path) -> None:
    # Oxigraph's SPARQL-star (`<< >>`) is not rdflib's: a query the check cannot read does not run.
    import pyoxigraph

    text = "SELECT * WHERE { << ?s ?p ?o >> ?q ?r }"
    assert list(pyoxigraph.Store().query(text)) == []  # the engine would run it
    result = CliRunner().invoke(main, ["--store", f"oxigraph:{oxigraph_location}", "query", "-"], input=text)
    assert result.exit_code == 2 and result.output.startswith("Error: not a SPARQL query: ")


#: A string parameter whose value, pasted where careergraph's tokens put the VALUES block (inside
#: a string, as the grammar reads it), would end that string and call out.
TRICKY_FILE = """# A query whose tokens mislead.
# @param v string  A value.
SELECT ?v (1<'>' AS ?z) ("' {" AS ?w) WHERE { ?s ?p ?v }
"""


def test_a_bound_value_cannot_smuggle_a_service_call(
    tmp_path: Path, listener: tuple[int, list], oxigraph_location: Path
) -> None:
    from careergraph.query.params import bind_in_text
    from careergraph.query.safety import check_query
    from careergraph.query.terms import Lit

    port, seen = listener
    payload = f"AS ?w) WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?a ?b ?c }} }} #"
    bound = bind_in_text(TRICKY_FILE, "SELECT", {"v": Lit(payload)})
    check_query(TRICKY_FILE)  # the query as written is safe
    with pytest.raises(UnsafeQueryError, match="SERVICE"):
        check_query(bound)  # as bound, it is not
    query_file = tmp_path / "tricky.rq"
    query_file.write_text(TRICKY_FILE, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--store", f"oxigraph:{oxigraph_location}", "query", str(query_file), "-p", f"v={payload}"]
    )
    assert result.exit_code == 2 and "SERVICE calls out" in result.output, result.output
    wait_for(seen)
    assert seen == []
    import pyoxigraph

    with pytest.raises(Exception):  # noqa: B017 (unchecked, the bound text does call out)
        list(pyoxigraph.Store().query(bound))
    wait_for(seen)
    assert len(seen) == 1


# --- generated attacks ------------------------------------------------------------------------

NOISE = st.sampled_from(
    [
        "",
        "BIND(1<'>' AS ?z0) ",
        'BIND(1<">" AS ?z1) ',
        "FILTER(?a<?b) ",
        "FILTER(?a<?b&&?c>?d) ",
        "# a comment with SERVICE and { braces\n",
        "?s <urn:x> '}' . ",
        '?s <urn:x> """ { ' + "'" + ' """ . ',
        "?s :p ?o . ",
        "?s ex:a.b ?o . ",
        "BIND('\\'' AS ?z2) ",
        "BIND(<urn:a> AS ?z3) ",
        "VALUES ?z4 { 1 } ",
    ]
)
SPACE = st.sampled_from(["", " ", "\n", "\t", " # note\n"])
KEYWORD = st.sampled_from(["SERVICE", "service", "SeRvIcE", "\\u0053ERVICE", "SERV\\u0049CE"])
ENDPOINT = st.sampled_from(["<{url}>", ":", ":x", "ex:x", "SILENT <{url}>", "SILENT :x"])
WRAP = st.sampled_from(
    [
        "{}",
        "OPTIONAL {{ {} }}",
        "{{ ?s ?p ?o }} UNION {{ {} }}",
        "FILTER EXISTS {{ {} }}",
        "MINUS {{ {} }}",
        "{{ SELECT * WHERE {{ {} }} }}",
    ]
)


@st.composite
def hidden_service(draw: st.DrawFn) -> str:
    call = draw(KEYWORD) + draw(SPACE) + draw(ENDPOINT) + draw(SPACE) + "{ ?s ?p ?o }"
    body = draw(NOISE) + draw(SPACE) + draw(WRAP).format(call) + draw(SPACE) + draw(NOISE)
    return "PREFIX : <{url}> PREFIX ex: <{url}>" + draw(SPACE) + "SELECT * WHERE {" + draw(SPACE) + body + "}"


def _attack(template: str, port: int) -> str:
    return template.replace("{url}", f"http://127.0.0.1:{port}/")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(template=hidden_service())
def test_generated_service_calls_are_refused_on_both_stores(
    template: str, listener: tuple[int, list], oxigraph_location: Path
) -> None:
    from careergraph.query.catalogue import parse_query_text
    from careergraph.run import run_query
    from careergraph.stores import open_store

    port, seen = listener
    query = parse_query_text(_attack(template, port), name="generated")
    for store in (
        open_store("memory", [shipped_dir("graph_data")]),
        open_store(f"oxigraph:{oxigraph_location}", []),
    ):
        with pytest.raises((UnsafeQueryError, QuerySyntaxError)):
            run_query(store, query, timeout=None)
    assert seen == []


def test_most_generated_queries_parse_so_the_refusal_is_about_service() -> None:
    """The generator writes SPARQL, not noise: the check refuses them for SERVICE, not for syntax."""
    from hypothesis import find

    from careergraph.query.safety import check_query

    def refused_for_service(template: str) -> bool:
        try:
            check_query(_attack(template, 1))
        except UnsafeQueryError as error:
            return "SERVICE" in str(error)
        except QuerySyntaxError:
            return False
        return False

    # Every shape of noise, wrapper and endpoint, once SERVICE is spelled plainly, is refused for SERVICE.
    for noise in NOISE.elements:
        for wrap in WRAP.elements:
            for endpoint in ENDPOINT.elements:
                call = f"SERVICE {endpoint} {{ ?s ?p ?o }}"
                template = (
                    "PREFIX : <{url}> PREFIX ex: <{url}> SELECT * WHERE { " + noise + wrap.format(call) + " }"
                )
                assert refused_for_service(template), template
    find(hidden_service(), refused_for_service)  # and the generator reaches them


# --- time limits and crashes ------------------------------------------------------------------

CATASTROPHIC = 'ASK { FILTER(REGEX("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "^(a+)+$")) }'


def test_a_regex_that_holds_the_gil_is_stopped_on_the_memory_store() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "careergraph",
            "--data",
            str(shipped_dir("graph_data")),
            "--store",
            "memory",
            "query",
            "-",
            "--timeout",
            "1",
        ],
        input=CATASTROPHIC,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert (
        result.stderr
        == "Error: query '-' was stopped after 1 s; narrow it, add a LIMIT, or raise --timeout\n"
    )


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
        "SELECT * WHERE " + "{" * 5000 + " ?s ?p ?o " + "}" * 5000,
        "SELECT * WHERE { ?s ?p " + "(" * 5000 + "1" + ")" * 5000 + " }",
        "SELECT * WHERE { ?s ?p " + "[ ?p " * 5000 + "1" + "]" * 5000 + " }",
        "SELECT * WHERE { FILTER(" + "\\u0028" * 5000 + "1" + "\\u0029" * 5000 + ") }",
    ],
    ids=["parentheses", "groups", "lists", "blank nodes", "escaped"],
)
def test_deep_nesting_is_refused_before_the_engine(store: str, text: str, oxigraph_location: Path) -> None:
    spec = "memory" if store == "memory" else f"oxigraph:{oxigraph_location}"
    result = CliRunner().invoke(
        main, ["--data", str(shipped_dir("graph_data")), "--store", spec, "query", "-"], input=text
    )
    assert (result.exit_code, result.output) == (
        2,
        "Error: query refused: brackets or groups nest more than 20 deep; flatten the query\n",
    )


def test_an_engine_crash_is_an_error_not_a_silent_exit() -> None:
    from careergraph.errors import CareergraphError
    from careergraph.query.catalogue import parse_query_text
    from careergraph.run import run_query
    from careergraph.stores.memory import MemoryStore

    class Crashing(MemoryStore):
        def execute_plain(self, query, bindings, limit):
            import faulthandler
            import os
            import signal

            faulthandler.disable()  # pytest's dump of the stack would only be noise here
            os.kill(os.getpid(), signal.SIGSEGV)

    store = Crashing("", [shipped_dir("graph_data")])
    with pytest.raises(CareergraphError, match=r"query 'crash' crashed the query engine \(SIGSEGV\)"):
        run_query(store, parse_query_text("ASK {}", name="crash"), timeout=10)


SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.mark.parametrize("where", ["ad-hoc, in a child process", "trusted, in the command's process"])
def test_ctrl_c_stops_a_long_oxigraph_query(where: str, oxigraph_location: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    if where.startswith("ad-hoc"):
        command = [
            sys.executable,
            "-m",
            "careergraph",
            "--store",
            f"oxigraph:{oxigraph_location}",
            "query",
            "-",
        ]
    else:  # as a named query runs: under the watchdog, while pyoxigraph holds the main thread
        script = f"""if True:
            from careergraph.query.catalogue import parse_query_text
            from careergraph.run import run_query
            from careergraph.stores import open_store
            query = parse_query_text({SLOW!r}, name="slow", trusted=True)
            run_query(open_store("oxigraph:{oxigraph_location}", []), query, timeout=60, isolate=False)
            """
        command = [sys.executable, "-c", script]
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    process.stdin.write(SLOW)
    process.stdin.close()
    process.stdin = None
    time.sleep(2)  # the query is running
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("Ctrl-C did not stop the query")
    assert (process.returncode, stderr.strip()) == (1, "Aborted!")
