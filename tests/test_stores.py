"""The same answers from every store: memory, an on-disk Oxigraph store, a SPARQL endpoint."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.query.catalogue import find_query, list_queries
from careergraph.query.terms import XSD_INTEGER, Iri, Lit

# name -> `--param` options: each parameter's @example in the query's header
NAMED = {
    q.name: [f"--param={name}={value}" for name, value in q.examples.items()]
    for q in list_queries(shipped_dir("queries"))
}


def run(*args: str, store: str | None = None):
    options = ["--data", str(shipped_dir("graph_data"))]
    if store:
        options += ["--store", store]
    return CliRunner().invoke(main, [*options, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    pytest.importorskip("pyoxigraph")
    location = tmp_path_factory.mktemp("oxigraph") / "store"
    result = run("load", store=f"oxigraph:{location}")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"loaded 10 files into {location}: ")
    return f"oxigraph:{location}"


@pytest.fixture(scope="module")
def sparql_endpoint(tmp_path_factory: pytest.TempPathFactory, listening):
    """The Oxigraph server (pip install oxigraph) on 127.0.0.1, holding the shipped data."""
    beside = Path(sys.executable).parent / "oxigraph"  # a virtualenv's bin/ may not be on PATH
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    if binary is None:
        pytest.skip("needs the oxigraph server (pip install oxigraph)")
    location = tmp_path_factory.mktemp("oxigraph-server")
    files = [str(p) for p in sorted(shipped_dir("graph_data").glob("*.ttl")) if p.name != "shapes.ttl"]
    for file in files:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", file], check=True, capture_output=True
        )

    def command(port: int) -> list[str]:
        return [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"]

    with listening(command) as port:
        yield f"sparql:http://127.0.0.1:{port}/query"


@pytest.fixture(params=["embedded", "oxigraph", "sparql"])
def store(request: pytest.FixtureRequest) -> str:
    """Each store besides rdflib's memory store, which the tests compare them with."""
    if request.param == "embedded":
        return "embedded"  # the default: the same as giving no --store
    return request.getfixturevalue("oxigraph_store" if request.param == "oxigraph" else "sparql_endpoint")


@pytest.mark.parametrize("name", sorted(NAMED))
def test_named_queries_give_the_same_rows_on_every_store(name: str, store: str) -> None:
    memory = run("query", name, *NAMED[name], "-f", "csv", store="memory")
    other = run("query", name, *NAMED[name], "-f", "csv", store=store)
    assert other.exit_code == 0, other.output
    # the same bytes: GROUP_CONCAT cells and ties in ORDER BY are settled the same on every store
    assert other.output == memory.output
    assert len(memory.output.splitlines()) > 1


@pytest.mark.parametrize("spec", ["memory", "oxigraph"])
def test_a_worker_sends_back_the_same_named_terms(spec: str, request: pytest.FixtureRequest) -> None:
    from careergraph.names import LabelIndex
    from careergraph.run import run_query
    from careergraph.stores import open_store

    store_spec = spec if spec == "memory" else request.getfixturevalue("oxigraph_store")
    store = open_store(store_spec, [shipped_dir("graph_data")])
    index = LabelIndex.from_graph(load_graph([shipped_dir("graph_data")]))
    query = find_query("guest", shipped_dir("queries"))
    params = query.examples
    here = run_query(store, query, params=params, index=index, isolate=False).plain_rows
    there = run_query(store, query, params=params, index=index, isolate=True).plain_rows
    kinds = [[type(term) for term in row] for row in there]
    # tuples compare by value alone: the classes must come across the pipe too
    assert there == here and kinds == [[type(term) for term in row] for row in here]
    assert {kind for row in kinds for kind in row} == {Iri, Lit}


def test_a_runaway_query_on_oxigraph_ends_the_command(oxigraph_store: str) -> None:
    # pyoxigraph lets go of the GIL while it evaluates: the watchdog thread wakes on time.
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    command = [
        sys.executable,
        "-m",
        "careergraph",
        "--store",
        oxigraph_store,
        "query",
        "-",
        "--timeout",
        "0.5",
    ]
    started = time.monotonic()
    result = subprocess.run(command, input=cross, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (1, "")
    assert "Error: query '-' was stopped after 0.5 s" in result.stderr
    assert time.monotonic() - started < 30


def test_path_is_the_same_on_every_store(store: str) -> None:
    for route in (
        ["Data Scientist", "Machine Learning Engineer"],
        ["Data Scientist", "ML Platform Engineer"],
    ):
        memory = json.loads(run("path", *route, "-f", "json", "-k", "3", store="memory").stdout)
        other = run("path", *route, "-f", "json", "-k", "3", store=store)
        assert other.exit_code == 0, other.output
        assert json.loads(other.stdout) == memory


def test_viz_is_the_same_on_every_store(store: str, tmp_path: Path) -> None:
    memory = run("viz", "-o", str(tmp_path / "a.html"), "--path", "DS", "MLE", store="memory")
    other = run("viz", "-o", str(tmp_path / "b.html"), "--path", "DS", "MLE", store=store)
    assert other.exit_code == 0, other.output
    assert other.output.replace("b.html", "a.html") == memory.output


def test_validate_on_every_store(store: str) -> None:
    result = run("validate", store=store)
    assert result.exit_code == 0, result.output
    assert result.output == run("validate", store="memory").output


def test_refused_queries_are_refused_on_every_store(store: str) -> None:
    result = CliRunner().invoke(main, ["--store", store, "query", "-"], input="DELETE WHERE { ?s ?p ?o }")
    assert result.exit_code == 2 and "query refused" in result.output


def test_unreachable_endpoint_names_the_url(free_port) -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    result = run("query", "roles", store=f"sparql:{url}")
    assert result.exit_code == 1
    assert f"cannot reach the SPARQL endpoint {url}" in result.output


def test_unknown_store_and_missing_location() -> None:
    unknown = run("query", "roles", store="postgres:x")
    assert unknown.exit_code == 2 and "unknown store 'postgres:x'" in unknown.output
    bare = run("query", "roles", store="oxigraph")
    assert bare.exit_code == 2 and "oxigraph:PATH" in bare.output


def test_load_needs_an_oxigraph_store() -> None:
    result = run("load")
    assert result.exit_code == 2 and "--store oxigraph:PATH" in result.output


def test_a_store_locked_by_another_writer_is_a_clear_error(tmp_path: Path) -> None:
    pyoxigraph = pytest.importorskip("pyoxigraph")
    location = tmp_path / "locked"
    writer = pyoxigraph.Store(str(location))
    try:
        result = run("load", store=f"oxigraph:{location}")
        assert result.exit_code == 1
        assert f"{location}: cannot open the oxigraph store" in result.output
    finally:
        del writer


def test_an_empty_location_is_not_a_store(tmp_path: Path) -> None:
    result = run("query", "roles", store=f"oxigraph:{tmp_path / 'nothing'}")
    assert result.exit_code == 1
    assert "no oxigraph store here; fill one with `careergraph load`" in result.output


# --- the cache ------------------------------------------------------------------------


def test_path_reads_the_cache_and_the_cache_follows_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), data)
    first = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE", "-f", "json"])
    assert first.exit_code == 0
    assert len(list((tmp_path / "cache").glob("*.sqlite"))) == 2  # the label index and the projection

    import careergraph.routes.projection

    def fail(*_args: object) -> None:
        raise AssertionError("the projection was rebuilt although the data did not change")

    monkeypatch.setattr(careergraph.routes.projection, "project_roles", fail)
    again = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE", "-f", "json"])
    assert again.stdout == first.stdout
    monkeypatch.undo()
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    # change the data: the cache must not answer with the old projection
    roles = data / "roles.ttl"
    roles.write_text(roles.read_text().replace('"Machine Learning Engineer"@en', '"ML Engineer Renamed"@en'))
    changed = CliRunner().invoke(
        main, ["--data", str(data), "path", "DS", "ML Engineer Renamed", "-f", "json"]
    )
    assert changed.exit_code == 0, changed.output
    assert json.loads(changed.stdout)["to"]["label"] == "ML Engineer Renamed"


#: Runs the CLI in a process of its own, then prints which heavy libraries it imported.
SHOW_HEAVY = (
    "import sys; from careergraph.cli import main\n"
    "try: main(sys.argv[1:])\n"
    "except SystemExit: pass\n"
    "print('heavy:', sorted(m for m in ('rdflib', 'networkx', 'pyoxigraph') if m in sys.modules))"
)


def _cli_in_process(*args: str, env: dict[str, str]) -> str:
    command = [sys.executable, "-c", SHOW_HEAVY, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def test_a_cold_path_reads_the_cache_without_rdflib_or_networkx(tmp_path: Path) -> None:
    """What the cold-start budget rests on: with the cache warm, `path` imports neither."""
    data = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), data)
    env = {**os.environ, "CAREERGRAPH_CACHE": str(tmp_path / "cache")}
    first = _cli_in_process("--data", str(data), "path", "DS", "MLE", env=env)
    # the first run builds the embedded store and the cache from it (the projection, and with it
    # networkx, in a forked child where there is a second core)
    body, _, heavy = first.rpartition("heavy: ")
    assert "pyoxigraph" in heavy
    again = _cli_in_process("--data", str(data), "path", "DS", "MLE", env=env)
    assert again == body + "heavy: []\n"


def test_a_query_on_oxigraph_answers_without_rdflib(oxigraph_store: str, tmp_path: Path) -> None:
    """Answers are read and written as plain terms: a cold query on Oxigraph never imports rdflib."""
    env = {**os.environ, "CAREERGRAPH_CACHE": str(tmp_path / "cache")}
    query = ["--store", oxigraph_store, "query", "role-skills", "-p", "role=MLE"]
    _cli_in_process(*query, env=env)  # the first run builds the label index
    expected = run("query", "role-skills", "-p", "role=MLE", "-f", "json", store=oxigraph_store).stdout
    for fmt in ("json", "table", "csv", "tsv", "xml"):
        again = _cli_in_process(*query, "-f", fmt, env=env)
        assert again.endswith("heavy: ['pyoxigraph']\n"), (fmt, again[-200:])
        if fmt == "json":
            assert again.removesuffix("heavy: ['pyoxigraph']\n") == expected


def test_file_digests_are_remembered_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from careergraph import cache

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    file = tmp_path / "data.ttl"
    file.write_text("<a:x> <a:y> <a:z> .\n")
    # settled: its digest may be remembered (its inode's change time cannot be set back: the
    # two seconds are made to have passed)
    monkeypatch.setattr(cache, "_SETTLED_NS", -(10**12))
    assert cache.file_digests([file]) == [hashlib.sha256(file.read_bytes()).digest()]
    hashed = []
    real = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a: hashed.append(a) or real(*a))
    assert cache.file_digests([file]) == [hashlib.sha256(file.read_bytes()).digest()]
    assert hashed == []  # remembered, not hashed again
    monkeypatch.setattr(cache, "_SETTLED_NS", 2_000_000_000)
    file.write_text("<a:x> <a:y> <a:w> .\n")  # same size, new content, new modification time
    assert cache.file_digests([file]) == [hashlib.sha256(file.read_bytes()).digest()]
    assert len(hashed) == 1
    fresh = hashlib.sha256(file.read_bytes()).digest()
    assert cache.file_digests([file]) == [fresh] and len(hashed) == 2  # just written: not yet trusted


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), data)
    first = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE"])
    for file in (tmp_path / "cache").glob("*.sqlite"):
        file.write_bytes(b"not a database" * 100)
    again = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE"])
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout


# --- a capped endpoint: the whole answer, or an error ----------------------------------


@pytest.mark.parametrize("name", ["roles", "transition-evidence", "guest"])
def test_named_queries_on_a_capped_endpoint(name: str, capped_endpoint: str) -> None:
    """The label index behind the parameters is pulled in pages of the server's 100 rows."""
    other = run("query", name, *NAMED[name], "-f", "csv", store=capped_endpoint)
    assert other.exit_code == 0, other.output
    assert other.output == run("query", name, *NAMED[name], "-f", "csv").output


def test_path_next_viz_and_validate_page_through_a_capped_endpoint(capped_endpoint: str, tmp_path) -> None:
    for command in (
        ["path", "DS", "MLE", "-f", "json", "-k", "3"],
        ["next", "Software Engineer", "-f", "json"],
        ["validate"],
    ):
        other = run(*command, store=capped_endpoint)
        assert other.exit_code == 0, other.output
        assert other.output == run(*command).output
    memory = run("viz", "-o", str(tmp_path / "a.html"))
    other = run("viz", "-o", str(tmp_path / "b.html"), store=capped_endpoint)
    assert other.exit_code == 0, other.output
    assert other.output.replace("b.html", "a.html") == memory.output
    assert run("validate", store=capped_endpoint).output == run("validate").output


def test_a_query_the_endpoint_cuts_is_an_error_not_an_answer(capped_endpoint: str) -> None:
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    result = CliRunner().invoke(main, ["--store", capped_endpoint, "query", "-"], input=everything)
    assert result.exit_code == 1
    assert "cut its answer at 100 rows" in result.output and "does not answer from part" in result.output
    limited = CliRunner().invoke(
        main, ["--store", capped_endpoint, "query", "-", "--limit", "7", "-f", "csv"], input=everything
    )
    assert limited.exit_code == 0, limited.output
    assert len(limited.output.splitlines()) == 8


def test_a_pull_that_comes_up_short_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from careergraph.stores import LABELS_QUERY
    from careergraph.stores.endpoint import IncompletePullError, SparqlStore

    store = SparqlStore("http://127.0.0.1:9/sparql", [])
    answers = {"COUNT": (["n"], [(Lit("3", None, XSD_INTEGER),)], False)}
    row = (Iri("urn:a"), Iri("urn:p"), Lit("x"))

    def select(text: str):
        if "COUNT(*)" in text:
            return answers["COUNT"]
        return ["s", "p", "o"], ([row, row] if "OFFSET 0" in text else []), False

    monkeypatch.setattr(store, "_select", select)
    with pytest.raises(IncompletePullError, match="read 1 of the 3 triples"):
        store.graph_covering(LABELS_QUERY)


def test_a_graph_in_the_store_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from careergraph.stores.endpoint import SparqlStore

    store = SparqlStore("http://127.0.0.1:9/sparql#graph=urn:g", [])
    assert (store.url, store.graph) == ("http://127.0.0.1:9/sparql", "urn:g")
    bad = run("query", "roles", store="sparql:http://127.0.0.1:9/sparql#graf=urn:g")
    assert bad.exit_code == 2 and "#graph=IRI" in bad.output


@pytest.mark.parametrize(
    "query,message",
    [
        (
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            "Error: GRAPH needs named graphs: the memory store holds the data as one default graph",
        ),
        (
            "SELECT (LANG(?o) AS ?l) (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY (LANG(?o))",
            "Error: the query cannot be evaluated: Cannot eval thing",
        ),
    ],
)
def test_a_query_rdflib_cannot_evaluate_is_one_line(query: str, message: str) -> None:
    options = ["--data", str(shipped_dir("graph_data")), "--store", "memory"]
    result = CliRunner().invoke(main, [*options, "query", "-"], input=query)
    assert result.exit_code == 2
    assert result.output.startswith(message) and len(result.output.splitlines()) == 1
    named = "SELECT ?l (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY (LANG(?o) AS ?l) ORDER BY ?l"
    fixed = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "query", "-"], input=named)
    assert fixed.exit_code == 0 and "(3 rows)" in fixed.output


def test_a_refused_sort_falls_back_to_the_engines_order_and_is_still_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As Virtuoso refuses to sort past MaxSortedTopRows: the pages are read unsorted, then counted."""
    from careergraph.errors import StoreError
    from careergraph.stores import LABELS_QUERY
    from careergraph.stores.endpoint import SparqlStore

    store = SparqlStore("http://127.0.0.1:9/sparql", [])
    store.page_rows = 2
    triples = [(Iri(f"urn:s{i}"), Iri("urn:p"), Lit(str(i))) for i in range(5)]
    asked: list[str] = []

    def select(text: str):
        asked.append(text)
        if "COUNT(*)" in text:
            return ["n"], [(Lit("5", None, XSD_INTEGER),)], False
        if "ORDER BY" in text and "OFFSET 0" not in text:
            raise StoreError("SR353: Sorted TOP clause specifies more then 2 rows to sort")
        offset = int(text.rsplit("OFFSET", 1)[1])
        return ["s", "p", "o"], triples[offset : offset + 2], False

    monkeypatch.setattr(store, "_select", select)
    graph = store.graph_covering(LABELS_QUERY)
    assert len(graph) == 5
    assert sum("ORDER BY" not in t and "COUNT" not in t for t in asked) == 3  # three unsorted pages


def test_limit_is_sent_to_the_endpoint(capped_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from careergraph.query.safety import check_query
    from careergraph.stores.endpoint import SparqlStore

    store = SparqlStore(capped_endpoint.removeprefix("sparql:"), [])
    sent: list[str] = []
    post = store._post
    monkeypatch.setattr(store, "_post", lambda text, accept: sent.append(text) or post(text, accept))
    output = store.execute(check_query("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"), {}, 7)
    assert sent[-1].endswith("ORDER BY ?s\nLIMIT 8")
    assert (len(output.plain_rows), output.truncated) == (7, True)


def test_next_is_the_same_on_every_store(store: str) -> None:
    memory = run("next", "Software Engineer", "-f", "json", store="memory")
    other = run("next", "Software Engineer", "-f", "json", store=store)
    assert other.exit_code == 0, other.output
    assert other.output == memory.output and json.loads(memory.output)


# --- load: whole or not at all ----------------------------------------------------------------


def test_load_swaps_in_a_complete_store_or_leaves_the_old_one(tmp_path: Path) -> None:
    location = tmp_path / "store"
    assert run("load", store=f"oxigraph:{location}").exit_code == 0
    count = (
        CliRunner()
        .invoke(
            main,
            ["--store", f"oxigraph:{location}", "query", "-", "-f", "csv"],
            input="SELECT (COUNT(*) AS ?n) {?s ?p ?o}",
        )
        .output
    )
    # Again, without --replace: refused, and nothing added to what is there.
    again = run("load", store=f"oxigraph:{location}")
    assert again.exit_code == 2 and "already holds" in again.output and "--replace" in again.output
    # A load that fails half-way leaves the store as it was, and nothing beside it.
    broken = tmp_path / "data"
    broken.mkdir()
    shutil.copy(shipped_dir("graph_data") / "roles.ttl", broken / "a.ttl")
    (broken / "b.ttl").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    failed = CliRunner().invoke(
        main, ["--data", str(broken), "--store", f"oxigraph:{location}", "load", "--replace"]
    )
    assert failed.exit_code == 1 and "b.ttl" in failed.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "store"]
    ask = ["--store", f"oxigraph:{location}", "query", "-", "-f", "csv"]
    assert CliRunner().invoke(main, ask, input="SELECT (COUNT(*) AS ?n) {?s ?p ?o}").output == count
    # With --replace the store is loaded afresh: the same count, not twice it.
    replaced = run("load", "--replace", store=f"oxigraph:{location}")
    assert replaced.exit_code == 0, replaced.output
    assert CliRunner().invoke(main, ask, input="SELECT (COUNT(*) AS ?n) {?s ?p ?o}").output == count


def test_an_oversized_literal_is_a_clear_error(tmp_path: Path) -> None:
    data = tmp_path / "big.ttl"
    data.write_text('<urn:a> <urn:b> "' + "x" * 17_000_000 + '" .\n', encoding="utf-8")
    location = tmp_path / "store"
    result = CliRunner().invoke(main, ["--data", str(data), "--store", f"oxigraph:{location}", "load"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {data}: a term or line is too large for Oxigraph to load")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.ttl"]


# --- faults are errors, never tracebacks ------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a database" * 100, "someone else's database"],
    ids=["empty", "garbage", "wrong shape"],
)
def test_a_damaged_cache_database_is_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage
) -> None:
    import sqlite3

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    first = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "path", "DS", "MLE"])
    databases = sorted((tmp_path / "cache").glob("*.sqlite"))
    assert len(databases) == 2
    for file in databases:
        file.unlink()
        if isinstance(damage, bytes):
            file.write_bytes(damage)
        else:
            with sqlite3.connect(file) as db:
                db.execute("CREATE TABLE other (x)")
            db.close()
    for _ in range(2):  # rebuilt once, then read from the cache
        again = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "path", "DS", "MLE"])
        assert (again.exit_code, again.stdout) == (0, first.stdout)
    assert all(file.stat().st_size > 10_000 for file in databases)


def test_a_damaged_digest_memo_is_learned_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import marshal

    from careergraph import cache

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path))
    file = tmp_path / "a.ttl"
    file.write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    monkeypatch.setattr(cache, "_SETTLED_NS", -(10**12))  # as if it had been left alone two seconds
    for memo in ([1, 2], {str(file): 5}, {str(file): (1, 2)}, b"\x00garbage"):
        (tmp_path / "digests.marshal").write_bytes(memo if isinstance(memo, bytes) else marshal.dumps(memo))
        assert cache.file_digests([file]) == [hashlib.sha256(file.read_bytes()).digest()]
        assert isinstance(marshal.loads((tmp_path / "digests.marshal").read_bytes())[str(file)], tuple)


def test_a_cache_folder_that_is_a_file_costs_speed_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = (
        CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "path", "DS", "MLE"]).stdout
    )
    (tmp_path / "cache").write_text("a file\n")
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "path", "DS", "MLE"])
    assert (result.exit_code, result.stdout) == (0, expected)


def test_an_unreadable_data_file_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib  # careergraph.cache imports it where it hashes

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))

    def refuse(handle, _name):  # what open() gives a user without read permission (tests run as root)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(hashlib, "file_digest", refuse)
    data = shipped_dir("graph_data")
    result = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE"])
    assert result.exit_code == 1
    assert (
        result.output.startswith(f"Error: {data.resolve()}/")
        and "cannot read it: Permission denied" in result.output
    )


def test_a_full_disk_during_viz_is_an_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from careergraph import data

    real = os.fdopen

    class Full:
        def __init__(self, handle):
            self.file = real(handle, "w", encoding="utf-8")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data.os, "fdopen", lambda handle, *a, **k: Full(handle))
    output = tmp_path / "graph.html"
    result = CliRunner().invoke(main, ["--data", str(shipped_dir("graph_data")), "viz", "-o", str(output)])
    assert (result.exit_code, result.output) == (1, "Error: No space left on device\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", [["path", "DS", "MLE"], ["query", "roles"], ["next", "DS"]])
def test_a_store_path_that_does_not_exist_is_an_error(command: list[str]) -> None:
    result = CliRunner().invoke(main, ["--store", "oxigraph:/no/such/dir", *command])
    assert (result.exit_code, result.output) == (
        1,
        "Error: /no/such/dir: no oxigraph store here; fill one with `careergraph load`\n",
    )


def test_markdown_drops_links_that_are_not_http(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), data)
    episodes = data / "episodes.ttl"
    text = episodes.read_text(encoding="utf-8")
    # Every segment's link, as the data gives it, becomes a script or a data URL.
    text = text.replace("<https://www.youtube.com/watch?v=", "<javascript:alert//").replace(
        "schema:url <https://", "schema:url <data:text/html,"
    )
    episodes.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["--data", str(data), "path", "DS", "MLE", "-f", "markdown"])
    assert result.exit_code == 0, result.output
    assert "Evidence" in result.output
    assert "javascript:" not in result.output and "data:" not in result.output and "](" not in result.output
    # The same segments, with their web links, are links.
    plain = CliRunner().invoke(
        main, ["--data", str(shipped_dir("graph_data")), "path", "DS", "MLE", "-f", "markdown"]
    )
    assert "](https://www.youtube.com/watch?v=" in plain.output


# --- the embedded store: the default ----------------------------------------------------------


def _embedded_stores(cache: Path) -> list[Path]:
    return sorted(p for p in cache.glob("oxigraph-*") if (p / "CURRENT").is_file())


def test_the_default_store_is_embedded_oxigraph_kept_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careergraph.stores import open_store
    from careergraph.stores.oxigraph import EmbeddedStore

    cache = tmp_path / "cache"
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(cache))
    store = open_store(None, [shipped_dir("graph_data")])
    assert isinstance(store, EmbeddedStore) and store.kind == "embedded"
    result = run("query", "roles", "-f", "csv")
    assert result.exit_code == 0, result.output
    (kept,) = _embedded_stores(cache)
    assert kept == store.path
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no half-built copy left behind


def test_the_embedded_store_is_reused_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(cache))
    data = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), data)
    ask = ["--data", str(data), "query", "role-skills", "-p", "role=Machine Learning Engineer", "-f", "csv"]
    first = CliRunner().invoke(main, ask)
    assert first.exit_code == 0, first.output
    (kept,) = _embedded_stores(cache)
    built = kept.stat().st_ino
    again = CliRunner().invoke(main, ask)
    assert again.output == first.output
    assert _embedded_stores(cache) == [kept] and kept.stat().st_ino == built  # opened, not rebuilt
    roles = data / "roles.ttl"
    roles.write_text(roles.read_text().replace('"Machine Learning Engineer"@en', '"ML Engineer Renamed"@en'))
    changed = CliRunner().invoke(main, ["--data", str(data), "query", "roles", "-f", "csv"])
    assert changed.exit_code == 0, changed.output
    assert "ML Engineer Renamed" in changed.output  # the changed file was read: a new store
    assert len(_embedded_stores(cache)) == 2
    assert (
        changed.output
        == CliRunner()
        .invoke(main, ["--data", str(data), "--store", "memory", "query", "roles", "-f", "csv"])
        .output
    )


def test_two_first_runs_at_once_both_answer_the_same(tmp_path: Path) -> None:
    env = {**os.environ, "CAREERGRAPH_CACHE": str(tmp_path / "cache")}
    data = ["--data", str(shipped_dir("graph_data"))]
    command = [sys.executable, "-m", "careergraph", *data, "query", "transitions", "-f", "csv"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)
    ]
    answers = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], [err for _, err in answers]
    assert len({out for out, _ in answers}) == 1 and answers[0][0].count(b"\n") > 1
    assert len(_embedded_stores(tmp_path / "cache")) == 1
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.startswith(".oxigraph")]


def test_a_bad_data_file_on_the_embedded_store_names_the_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unclosed .\n')
    embedded = CliRunner().invoke(main, ["--data", str(bad), "query", "roles"])
    memory = CliRunner().invoke(main, ["--data", str(bad), "--store", "memory", "query", "roles"])
    assert embedded.exit_code == memory.exit_code != 0
    assert embedded.output == memory.output and str(bad) in embedded.output


def test_an_unwritable_cache_runs_the_embedded_store_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(blocked))
    result = run("query", "roles", "-f", "csv")
    assert result.exit_code == 0, result.output
    assert result.output == run("query", "roles", "-f", "csv", store="memory").output


def test_a_build_stopped_by_a_bad_file_leaves_no_half_built_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from careergraph.cache import cached_database
    from careergraph.errors import DataFileError

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path))

    def failing(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (built)")
        raise DataFileError("bad.ttl", "syntax error")

    with pytest.raises(DataFileError):
        cached_database("some data", failing)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork to stop a builder outright")
def test_what_a_killed_build_left_is_removed_by_a_later_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import signal
    import sqlite3
    import tempfile

    from careergraph.cache import cached_database, scratch_name
    from careergraph.stores.oxigraph import EmbeddedStore

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(cache))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a builder that gets as far as its scratch copies, then is killed (SIGKILL: no clean-up)
        try:
            os.close(read)
            store = Path(tempfile.mkdtemp(prefix=scratch_name("oxigraph-0123", "building-"), dir=cache))
            (store / "000001.sst").write_bytes(b"x" * 1000)
            (cache / scratch_name("0123.sqlite", "tmp")).write_bytes(b"half")
            os.write(write, b"1")
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as ready:
        assert ready.read(1) == b"1"
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    leftovers = sorted(cache.iterdir())
    assert len(leftovers) == 2 and all(f".{pid}." in p.name for p in leftovers)

    def age(*paths: Path) -> None:  # untouched for two hours
        two_hours_ago = time.time() - 7200
        for path in paths:
            for inside in [*path.rglob("*"), path]:
                os.utime(inside, (two_hours_ago, two_hours_ago))

    def build(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE t (x)")

    # Just left: it may be a live build in another pid namespace or on another host; kept.
    cached_database("some data", build)
    assert sorted(p for p in cache.iterdir() if p.name.startswith(".")) == leftovers
    # Untouched for an hour: removed by the next database built; what a live process here made is kept.
    live = cache / f".oxigraph-4567.{os.getppid()}.building-abc"
    live.mkdir()
    age(*leftovers, live)
    cached_database("other data", build)
    assert [p for p in cache.iterdir() if p.name.startswith(".")] == [live]
    # ... and by the next store built
    shutil.copytree(live, leftovers[0])
    age(leftovers[0])
    data = tmp_path / "data.ttl"
    data.write_text("<urn:x:a> <urn:x:b> <urn:x:c> .\n")
    assert len(EmbeddedStore("", [data]).store) == 1
    assert [p for p in cache.iterdir() if p.name.startswith(".")] == [live]


def test_ill_typed_literals_are_said_in_one_line_naming_the_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "ranks.ttl"
    bad.write_text(
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<urn:x:a> <urn:x:rank> "abc"^^xsd:integer .\n'
        '<urn:x:b> <urn:x:rank> "1.x"^^xsd:decimal .\n<urn:x:c> <urn:x:at> <urn:x:broken uri> .\n'
    )
    one = tmp_path / "one.ttl"
    one.write_text('<urn:x:d> <urn:x:when> "soon"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    graph = load_graph([bad, one])
    assert len(graph) == 4  # kept, as text
    said = [(r.name, r.getMessage(), r.exc_info) for r in caplog.records]
    assert (
        "careergraph.data",
        f"warning: {bad}: 2 literals do not fit their datatype and are kept as text "
        '(the first: "abc"^^xsd:integer)',
        None,
    ) in said
    assert (
        "careergraph.data",
        f'warning: {one}: 1 literal does not fit its datatype and is kept as text: "soon"^^xsd:date',
        None,
    ) in said
    assert not [r for r in caplog.records if r.exc_info]  # no traceback
    assert any("does not look like a valid URI" in message for _, message, _ in said)  # other warnings pass
