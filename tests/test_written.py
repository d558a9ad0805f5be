"""Answers written by pyoxigraph's serializer: the same bytes as careergraph's own writers, and a
plain named query answered without click."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from careergraph.data import shipped_dir
from careergraph.launch import Asked, parse
from careergraph.query.catalogue import find_query, parse_query_text
from careergraph.query.params import bind_params
from careergraph.query.portable import concatenated
from careergraph.query.results import WRITTEN
from careergraph.query.safety import check_query
from careergraph.session import Session

FORMATS = ("table", "csv", "tsv", "json", "xml")
#: Each named query's parameters: the examples its @param lines name (the golden answers' values).
QUERIES = shipped_dir("queries")
PARAMS = {q.stem: find_query(q.stem, QUERIES).examples for q in QUERIES.glob("*.rq")}


@pytest.fixture(scope="module")
def sessions() -> tuple[Session, Session]:
    data = [shipped_dir("graph_data")]
    return Session(data), Session(data, store="memory")


def test_every_named_query_is_covered() -> None:
    assert {p.stem for p in shipped_dir("queries").glob("*.rq")} == set(PARAMS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_every_named_query_and_format_gives_the_memory_stores_bytes(
    sessions: tuple[Session, Session], name: str, fmt: str
) -> None:
    embedded, memory = sessions
    query = find_query(name, shipped_dir("queries"))
    expected = memory.write(query, fmt, PARAMS[name])
    assert embedded.write(query, fmt, PARAMS[name]) == expected
    lines = expected.count(b"\n")
    rows = {"json": expected.count(b'"bindings": [{'), "xml": expected.count(b"<result>"), "table": lines - 3}
    assert rows.get(fmt, lines - 1) > 0, "an answer with no rows proves nothing"


@pytest.mark.parametrize("fmt", WRITTEN)
@pytest.mark.parametrize("name", sorted(PARAMS))
def test_the_oxigraph_engine_writes_the_answer_itself(
    sessions: tuple[Session, Session], name: str, fmt: str
) -> None:
    """Not careergraph's writers in disguise: the store hands back bytes, except where a
    GROUP_CONCAT's order is careergraph's to settle."""
    embedded, memory = sessions
    query = find_query(name, shipped_dir("queries"))
    checked = check_query(query.text, trusted=True)
    written = embedded.store.write(checked, bind_params(query, PARAMS[name], embedded.index), fmt)
    if concatenated(query.text):
        assert written is None
    else:
        assert written == (memory.write(query, fmt, PARAMS[name]), False)


AWKWARD = """@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:says "with \\"quotes\\", an apostrophe's <tag> & ampersand" ; ex:n 5 .
ex:b ex:says "tab\\there\\nnew line, été, 東京"@fr ; ex:n -12 .
ex:c ex:says "" ; ex:n 2.5 .
ex:d ex:says "#comment-like =1" ; ex:n true .
ex:e ex:says "&apos; written out" ; ex:n "0042"^^xsd:integer .
ex:f ex:says "plain" ; ex:n "x"^^ex:custom .
"""


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?s ?says ?n ?none WHERE { ?s <https://example.org/says> ?says ; <https://example.org/n> ?n "
        "OPTIONAL { ?s <urn:none> ?none } } ORDER BY ?s",
        "SELECT ?says WHERE { ?s <https://example.org/says> ?says } ORDER BY STR(?says)",
        "SELECT ?n WHERE { ?s <https://example.org/n> ?n } ORDER BY STR(?n)",
    ],
    ids=["four-columns", "one-column-with-an-empty-string", "numbers-and-booleans"],
)
def test_awkward_values_give_the_same_bytes_from_a_worker(tmp_path: Path, text: str, fmt: str) -> None:
    """An ad-hoc query runs in a worker process, which sends the engine's bytes back as they are."""
    data = tmp_path / "awkward.ttl"
    data.write_text(AWKWARD, encoding="utf-8")
    query = parse_query_text(text, name="awkward")
    embedded = Session([data]).write(query, fmt)
    assert embedded == Session([data], store="memory").write(query, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("limit", [0, 1, 3, 1000])
def test_an_answer_cut_at_a_limit_gives_the_memory_stores_bytes(
    sessions: tuple[Session, Session], fmt: str, limit: int
) -> None:
    embedded, memory = sessions
    for name in ("transitions", "role-skills"):
        query = find_query(name, shipped_dir("queries"))
        expected = memory.write(query, fmt, PARAMS[name], limit=limit)
        assert embedded.write(query, fmt, PARAMS[name], limit=limit) == expected, name


@pytest.mark.parametrize("fmt", ["tsv", "json", "xml"])
def test_the_engine_cuts_its_own_answer_and_says_so(sessions: tuple[Session, Session], fmt: str) -> None:
    embedded, _memory = sessions
    query = find_query("transitions", shipped_dir("queries"))
    checked = check_query(query.text, trusted=True)
    whole = embedded.store.write(checked, {}, fmt)
    cut = embedded.store.write(checked, {}, fmt, 2)
    assert whole is not None and cut is not None
    assert cut[1] is True and whole[1] is False
    text = cut[0]
    rows = {
        "tsv": text.count(b"\n") - 1,
        "json": text.count(b'"transition": {'),
        "xml": text.count(b"<result>"),
    }
    assert rows[fmt] == 2, cut[0]
    assert embedded.store.write(checked, {}, fmt, 1000) == whole


def test_a_cut_answer_is_still_written_by_careergraph(sessions: tuple[Session, Session]) -> None:
    embedded, memory = sessions
    query = find_query("roles", shipped_dir("queries"))
    cut = embedded.write(query, "table", limit=2)
    assert cut == memory.write(query, "table", limit=2)
    assert cut.endswith(b"(2 rows, cut at --limit)\n")


def test_parse_reads_only_plain_named_query_command_lines() -> None:
    asked = parse(["--data=a.ttl", "--store", "memory", "query", "guest", "-pguest=X", "--format=json"])
    assert asked == Asked(["a.ttl"], "memory", "guest", ["guest=X"], "json", 30.0)
    for argv in (
        ["--help"],
        ["query", "roles", "--help"],
        ["query", "-", "-f", "csv"],
        ["query", "my.rq"],
        ["query", "roles", "-f", "yaml"],
        ["query", "roles", "--timeout", "0"],
        ["query", "roles", "-p"],
        ["path", "a", "b"],
    ):
        assert parse(argv) is None, argv


def _careergraph(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CAREERGRAPH_DATA": str(shipped_dir("graph_data"))}
    return subprocess.run(
        [sys.executable, "-m", "careergraph", *args], capture_output=True, text=True, env=env, timeout=120
    )


#: What a cold named query on the default store must not import: click and rdflib, and what
#: costs it time for nothing (dataclasses pulls inspect, ast, dis; typing compiles annotations;
#: the rest is unused there).
_NOT_LOADED = (
    "click",
    "rdflib",
    "dataclasses",
    "typing",
    "difflib",
    "careergraph.facts",
    "careergraph.stores.memory",
)


def test_a_named_query_runs_without_click_or_rdflib() -> None:
    # A first run on new data builds the store and the label index (with rdflib): not this one's.
    assert _careergraph("query", "role-skills", "-p", "role=ML engineer").returncode == 0
    probe = (
        "import sys; from careergraph.launch import quick_query; "
        "answer = quick_query(['query', 'role-skills', '-p', 'role=ML engineer', '-f', 'csv']); "
        f"print(answer.splitlines()[0].decode(), *[m for m in {_NOT_LOADED!r} if m in sys.modules])"
    )
    env = {**os.environ, "CAREERGRAPH_DATA": str(shipped_dir("graph_data"))}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.split() == ["kind,concept,label"], done.stderr


def test_the_command_answers_as_click_does(sessions: tuple[Session, Session]) -> None:
    done = _careergraph("query", "role-skills", "-p", "role=ML engineer", "-f", "tsv")
    assert done.returncode == 0, done.stderr
    query = find_query("role-skills", shipped_dir("queries"))
    assert done.stdout.encode() == sessions[1].write(query, "tsv", {"role": "ML engineer"})


def test_an_error_is_said_as_the_click_command_says_it() -> None:
    from click.testing import CliRunner

    from careergraph.cli import main

    args = ("query", "role-skills", "-p", "role=Data Scientits")
    done = _careergraph(*args)
    clicked = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), *args])
    assert (done.returncode, done.stdout, done.stderr) == (2, "", clicked.stderr)
    assert "Error:" in done.stderr and "Data Scientist" in done.stderr


def test_a_failing_store_is_asked_once() -> None:
    """A query that fails (here: an endpoint that answers 500) is not run a second time by click."""
    import http.server
    import threading

    asked: list[str] = []

    class Failing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_error(500, "down for the test")

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = f"sparql:http://127.0.0.1:{server.server_port}/sparql"
        done = _careergraph("--store", endpoint, "query", "roles")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode != 0 and "Error:" in done.stderr and "Traceback" not in done.stderr
    assert len(asked) == 1, asked
    assert "Traceback" not in done.stderr


def _serve(port: int, rows: int, *store: str) -> list[str]:
    data = ["--data", str(shipped_dir("graph_data")), *store]
    return [
        sys.executable,
        "-m",
        "careergraph",
        *data,
        "serve",
        "--port",
        str(port),
        "--max-rows",
        str(rows),
        "--timeout",
        "60",
    ]


@pytest.mark.parametrize("capped", [False, True])
def test_the_server_sends_the_engines_bytes_as_the_memory_store_answers(listening, capped: bool) -> None:
    import urllib.parse
    import urllib.request

    text = find_query("roles" if capped else "role-skills", shipped_dir("queries")).text
    if not capped:  # a parameter bound by hand, as a client would write it
        text = text.replace("?role cg:", "<https://w3id.org/careergraph/id/role/data-engineer> cg:")
    types = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
    types.append("text/tab-separated-values")
    answers = []
    for store in ([], ["--store", "memory"]):
        rows = 5 if capped else 10_000
        with listening(lambda port, store=store, rows=rows: _serve(port, rows, *store)) as port:
            url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": text})
            for accept in types:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
                    answers.append((accept, r.headers.get("X-Careergraph-Truncated"), r.read()))
    half = len(answers) // 2
    assert answers[:half] == answers[half:]
    assert {cut for _accept, cut, _body in answers} == ({"true"} if capped else {None})


def test_a_query_ending_in_a_comment_is_still_cut_by_the_engine(sessions: tuple[Session, Session]) -> None:
    """The LIMIT the engine is given goes on a line of its own: after a comment it would be commented
    out, and the engine would read and write the whole answer for careergraph to cut."""
    from careergraph.query.params import push_limit
    from careergraph.stores.oxigraph import _limit_in_oxigraph

    embedded, _memory = sessions
    text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } # every triple"
    for limited in (_limit_in_oxigraph(text, 2), push_limit(text, 2)):
        assert limited is not None
        assert len(list(embedded.store.store.query(limited))) == 3  # the cap and one row more
