"""`careergraph query` and `careergraph queries`: named queries, formats, parameters."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from careergraph.cli import main
from careergraph.data import shipped_dir
from careergraph.query.catalogue import list_queries

DS_MLE = ["-p", "from=Data Scientist", "-p", "to=Machine Learning Engineer"]
# name -> `--param` options the golden answer is run with: each parameter's @example in its header
GOLDEN = {
    q.name: [f"--param={name}={value}" for name, value in q.examples.items()]
    for q in list_queries(shipped_dir("queries"))
}
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


def run(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(main, list(args), input=input, catch_exceptions=False)


def test_every_named_query_has_a_golden_answer_and_examples(data_dir: Path) -> None:
    assert {p.stem for p in (data_dir / "golden").glob("*.csv")} == set(GOLDEN)
    queries = list_queries(shipped_dir("queries"))
    assert [(q.name, p.name) for q in queries for p in q.params if not p.example] == []


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_named_query_matches_its_golden_answer(runner: CliRunner, data_dir: Path, name: str) -> None:
    result = run(runner, "query", name, *GOLDEN[name], "--format", "csv")
    assert result.exit_code == 0, result.output
    expected = (data_dir / "golden" / f"{name}.csv").read_text(encoding="utf-8")
    assert result.output == expected
    assert len(expected.splitlines()) > 1, "a golden answer with no rows proves nothing"


def test_queries_lists_names_descriptions_and_parameters(runner: CliRunner) -> None:
    result = run(runner, "queries")
    assert result.exit_code == 0
    assert "transition-evidence from=ROLE to=ROLE\n    Every cited segment" in result.output
    assert "guest guest=GUEST\n" in result.output
    assert "roles\n    Every role" in result.output


def _evidence_rows(runner: CliRunner) -> list[dict]:
    result = run(runner, "query", "transition-evidence", *DS_MLE, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["head"]["vars"] == ["guest", "episode", "episodeTitle", "start", "end", "url"]
    return document["results"]["bindings"]


def test_transition_evidence_lists_all_thirteen_citations_of_the_seed(runner: CliRunner) -> None:
    rows = _evidence_rows(runner)
    spans = sorted(
        (
            (
                row["guest"]["value"],
                int(row["start"]["value"]),
                int(row["end"]["value"]) if "end" in row else None,
            )
            for row in rows
        ),
        key=str,
    )
    assert spans == sorted(
        [
            ("Danny Ma", 1553, 1992),
            ("Danny Ma", 1826, 2206),
            ("Ben Wilson", 529, 799),
            ("Ben Wilson", 2663, 3134),
            ("Ben Wilson", 1746, 3458),
            ("Ben Wilson", 529, None),
            ("Mihail Eric", 1055, 2676),
            ("Mihail Eric", 2060, 2817),
            ("Ellen König", 581, 1734),
            ("Roksolana Diachuk", 836, 1489),
            ("Roksolana Diachuk", 1134, 1420),
            ("Simon Stiebellehner", 491, 2750),
            ("Santiago Valdarrama", 2799, 3081),
        ],
        key=str,
    )
    for row in rows:
        assert row["start"]["datatype"] == "http://www.w3.org/2001/XMLSchema#integer"
        assert row["url"]["value"].endswith(f"&t={row['start']['value']}")
        assert row["episodeTitle"]["value"]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_w3c_formats_parse_back_to_the_same_rows(runner: CliRunner, fmt: str) -> None:
    result = run(runner, "query", "transition-evidence", *DS_MLE, "--format", fmt)
    assert result.exit_code == 0
    parsed = Result.parse(io.BytesIO(result.output.encode()), format=fmt)
    rows = {(str(r["guest"]), int(r["start"]), None if r["end"] is None else int(r["end"])) for r in parsed}
    assert len(rows) == 13
    assert ("Ben Wilson", 529, None) in rows
    assert ("Simon Stiebellehner", 491, 2750) in rows


def test_xml_is_the_w3c_results_document(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "query", "roles", "--format", "xml")
    root = ET.fromstring(result.output)
    assert root.tag == f"{SPARQL_RESULTS}sparql"
    variables = [v.get("name") for v in root.iter(f"{SPARQL_RESULTS}variable")]
    assert variables == ["role", "label", "skills", "transitionsOut", "transitionsIn"]
    roles = len((data_dir / "golden" / "roles.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert len(list(root.iter(f"{SPARQL_RESULTS}result"))) == roles > 14


def test_csv_and_tsv_headers(runner: CliRunner) -> None:
    csv_out = run(runner, "query", "roles", "--format", "csv").output
    tsv_out = run(runner, "query", "roles", "--format", "tsv").output
    assert next(csv.reader(io.StringIO(csv_out))) == [
        "role",
        "label",
        "skills",
        "transitionsOut",
        "transitionsIn",
    ]
    assert tsv_out.splitlines()[0].split("\t") == [
        "?role",
        "?label",
        "?skills",
        "?transitionsOut",
        "?transitionsIn",
    ]
    assert "<https://w3id.org/careergraph/id/role/data-scientist>" in tsv_out


def test_table_is_aligned_and_counts_rows(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "query", "roles")
    lines = result.output.splitlines()
    assert lines[0].split() == ["role", "label", "skills", "transitionsOut", "transitionsIn"]
    assert set(lines[1]) <= {"-", " "}
    roles = len((data_dir / "golden" / "roles.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert lines[-1] == f"({roles} rows)"
    # columns line up: every value of the label column starts where its header does
    column = lines[0].index("label")
    assert all(line[column - 2 : column] == "  " for line in lines[2:-1])
    assert any(line[column:].startswith("Data Scientist ") for line in lines)


def test_limit_cuts_rows_and_says_so(runner: CliRunner) -> None:
    result = run(runner, "query", "roles", "--limit", "2")
    assert result.output.splitlines()[-1] == "(2 rows, cut at --limit)"
    parsed = json.loads(run(runner, "query", "roles", "--limit", "3", "-f", "json").output)
    assert len(parsed["results"]["bindings"]) == 3


def test_labels_are_case_insensitive_and_take_alternative_names(runner: CliRunner) -> None:
    upper = run(runner, "query", "role-skills", "-p", "role=ML ENGINEER", "-f", "csv").output
    named = run(runner, "query", "role-skills", "-p", "role=Machine Learning Engineer", "-f", "csv").output
    assert upper == named


def test_query_from_a_file_and_from_stdin(runner: CliRunner, tmp_path: Path) -> None:
    text = (
        "# Names of guests.\nPREFIX schema: <https://schema.org/>\n"
        "SELECT ?name WHERE { ?g a schema:Person ; schema:name ?name } ORDER BY ?name"
    )
    file = tmp_path / "guests.rq"
    file.write_text(text)
    from_file = run(runner, "query", str(file), "-f", "csv")
    from_stdin = run(runner, "query", "-", "-f", "csv", input=text)
    assert from_file.exit_code == from_stdin.exit_code == 0
    assert from_file.output == from_stdin.output
    assert from_file.output.splitlines()[1:3] == ["Ben Wilson", "Danny Ma"]


def test_ask_and_construct(runner: CliRunner, seed_graph: Graph) -> None:
    ask = run(runner, "query", "-", "-f", "json", input="ASK { ?s a <https://schema.org/Clip> }")
    assert json.loads(ask.output)["boolean"] is True
    construct = (
        "PREFIX schema: <https://schema.org/> "
        "CONSTRUCT { ?s schema:name ?n } WHERE { ?s a schema:Person ; schema:name ?n }"
    )
    expected = seed_graph.query(construct).graph
    assert expected is not None and len(expected) == 7
    turtle = run(runner, "query", "-", input=construct)
    assert isomorphic(Graph().parse(data=turtle.output, format="turtle"), expected)
    jsonld = run(runner, "query", "-", "-f", "json", input=construct)
    assert isomorphic(Graph().parse(data=jsonld.output, format="json-ld"), expected)
    csv_out = run(runner, "query", "-", "-f", "csv", input=construct)
    assert csv_out.output.splitlines()[0] == "s,p,o" and len(csv_out.output.splitlines()) == 8


def test_data_option_replaces_the_default_data(runner: CliRunner, tmp_path: Path) -> None:
    mini = tmp_path / "mini.ttl"
    mini.write_text(
        '<https://example.org/p> a <https://schema.org/Person> ; <https://schema.org/name> "Only One" .'
    )
    query = "SELECT ?n WHERE { ?p a <https://schema.org/Person> ; <https://schema.org/name> ?n }"
    result = run(runner, "--data", str(mini), "query", "-", "-f", "csv", input=query)
    assert result.output.splitlines() == ["n", "Only One"]
    both = run(
        runner,
        "--data",
        str(mini),
        "--data",
        str(shipped_dir("graph_data")),
        "query",
        "-",
        "-f",
        "csv",
        input=query,
    )
    assert len(both.output.splitlines()) == 1 + 8


def test_data_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    one, two = tmp_path / "one.ttl", tmp_path / "two.ttl"
    one.write_text("<https://example.org/a> a <https://schema.org/Person> .")
    two.write_text("<https://example.org/b> a <https://schema.org/Person> .")
    monkeypatch.setenv("CAREERGRAPH_DATA", f"{one}{os.pathsep}{two}")
    result = CliRunner().invoke(
        main, ["query", "-", "-f", "csv"], input="SELECT ?p { ?p a <https://schema.org/Person> } ORDER BY ?p"
    )
    assert result.output.splitlines() == ["p", "https://example.org/a", "https://example.org/b"]


# --- bad input -----------------------------------------------------------------


def test_unknown_query_name_suggests_the_closest(runner: CliRunner) -> None:
    result = run(runner, "query", "transition-evidnce")
    assert result.exit_code == 2
    assert "unknown query 'transition-evidnce'; did you mean: transition-evidence" in result.output


def test_missing_parameter_names_it_and_the_ones_the_query_takes(runner: CliRunner) -> None:
    result = run(runner, "query", "transition-evidence", "-p", "from=Data Scientist")
    assert result.exit_code == 2
    assert "needs parameter 'to' (it takes: from, to)" in result.output


def test_unknown_parameter_names_it_and_the_ones_the_query_takes(runner: CliRunner) -> None:
    result = run(runner, "query", "role-skills", "-p", "role=Data Scientist", "-p", "rol=x")
    assert result.exit_code == 2
    assert "takes no parameter 'rol' (it takes: role)" in result.output


def test_malformed_parameter(runner: CliRunner) -> None:
    result = run(runner, "query", "role-skills", "-p", "Data Scientist")
    assert result.exit_code == 2
    assert "--param takes NAME=VALUE, not 'Data Scientist'" in result.output


@pytest.mark.parametrize(
    "kind,param,value,suggestion",
    [
        ("role", "role-skills", "Data Sceintist", "Data Scientist"),
        ("skill", "guests-for-skill", "testng", "Testing"),
        ("tool", "episodes-for-tool", "Dokcer", "Docker"),
        ("guest", "guest", "Ben Wilsn", "Ben Wilson"),
    ],
)
def test_unknown_label_says_did_you_mean(
    runner: CliRunner, kind: str, param: str, value: str, suggestion: str
) -> None:
    name = {
        "role-skills": "role",
        "guests-for-skill": "skill",
        "episodes-for-tool": "tool",
        "guest": "guest",
    }[param]
    result = run(runner, "query", param, "-p", f"{name}={value}")
    assert result.exit_code == 2
    assert f"unknown {kind} {value!r}; did you mean: {suggestion}" in result.output


def test_injection_in_a_parameter_returns_no_extra_rows(runner: CliRunner, tmp_path: Path) -> None:
    hostile = 'Data Engineer" . ?s ?p ?o . ?x ?y "'
    as_role = run(runner, "query", "role-skills", "-p", f"role={hostile}")
    assert as_role.exit_code == 2 and "unknown role" in as_role.output
    file = tmp_path / "by-label.rq"
    file.write_text(
        "# Roles with a label.\n# @param label string  A label.\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?role WHERE { ?role skos:prefLabel ?l . FILTER(STR(?l) = ?label) }"
    )
    honest = run(runner, "query", str(file), "-p", "label=Data Engineer", "-f", "csv")
    assert honest.output.splitlines() == ["role", "https://w3id.org/careergraph/id/role/data-engineer"]
    injected = run(runner, "query", str(file), "-p", f"label={hostile}", "-f", "csv")
    assert injected.exit_code == 0
    assert injected.output.splitlines() == ["role"]


def test_bad_turtle_names_the_file_and_line_and_runs_nothing(runner: CliRunner, data_dir: Path) -> None:
    bad = data_dir / "bad-syntax.ttl"
    result = run(runner, "--data", str(shipped_dir("graph_data")), "--data", str(bad), "query", "roles")
    assert result.exit_code == 1
    assert f"Error: {bad}:5: syntax error" in result.output
    assert "role/data-scientist" not in result.output


def test_missing_data_path(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "--data", str(tmp_path / "nope.ttl"), "query", "roles")
    assert result.exit_code == 1
    assert "nope.ttl: no such file or folder" in result.output


def test_query_syntax_error(runner: CliRunner) -> None:
    result = run(runner, "query", "-", input="SELECT ?x WHERE { ?x ")
    assert result.exit_code == 2
    assert "not a SPARQL query" in result.output


CROSS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_timeout_ends_the_command_with_an_error() -> None:
    # The command runs its query in its own process and a watchdog ends that process,
    # so this runs the CLI as a process of its own.
    command = [sys.executable, "-m", "careergraph", "query", "-", "--timeout", "0.5", "-f", "csv"]
    started = time.monotonic()
    result = subprocess.run(command, input=CROSS, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert (
        result.stderr
        == "Error: query '-' was stopped after 0.5 s; narrow it, add a LIMIT, or raise --timeout\n"
    )
    assert result.stdout == ""
    assert time.monotonic() - started < 30  # stopped, not run to its end (which takes hours)


def test_watchdog_keeps_the_nearest_deadline() -> None:
    # A long deadline first (the thread sleeps till then), then a short one that must still fire.
    script = """if True:
        import time
        from careergraph.errors import QueryTimeoutError
        from careergraph.query.workers import Watchdog
        watchdog = Watchdog()
        with watchdog.guard(60, QueryTimeoutError("first")):
            pass
        with watchdog.guard(0.3, QueryTimeoutError("second")):
            time.sleep(30)
        """
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (1, "Error: second\n")
    assert time.monotonic() - started < 20


def test_the_time_limit_starts_after_the_data_is_loaded() -> None:
    # Parsing a large --data takes its own time: only the query is held to --timeout.
    script = """if True:
        import time
        from careergraph.data import shipped_dir
        from careergraph.query.catalogue import parse_query_text
        from careergraph.run import run_query
        from careergraph.stores.memory import MemoryStore

        class SlowToLoad(MemoryStore):
            @property
            def graph(self):
                if self._graph is None:
                    time.sleep(1.0)
                return MemoryStore.graph.fget(self)

        store = SlowToLoad("", [shipped_dir("graph_data")])
        query = parse_query_text("ASK { ?s ?p ?o }", name="ask")
        print(run_query(store, query, timeout=0.5, isolate=False).boolean)
        """
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "True\n", "")


def test_timeout_in_a_worker_leaves_the_caller_running() -> None:
    from careergraph.errors import QueryTimeoutError
    from careergraph.query.catalogue import parse_query_text
    from careergraph.run import run_query
    from careergraph.stores import open_store

    store = open_store("memory", [shipped_dir("graph_data")])
    with pytest.raises(QueryTimeoutError, match="was stopped after 0.5 s"):
        run_query(store, parse_query_text(CROSS, name="cross"), timeout=0.5)
    quick = parse_query_text("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }", name="quick")
    assert run_query(store, quick).rows[0][0].toPython() > 100  # a new worker answers


def test_literal_binding_is_typed() -> None:
    from careergraph.query.catalogue import parse_query_text
    from careergraph.query.params import bind_params
    from careergraph.query.terms import _terms

    query = parse_query_text("# n.\n# @param n integer  A number.\n# @param i iri  An IRI.\nSELECT * {}")
    bound = bind_params(query, {"n": "3", "i": "https://example.org/x"}, None)
    term = _terms()
    assert {name: term(value) for name, value in bound.items()} == {
        "n": Literal(3),
        "i": URIRef("https://example.org/x"),
    }


def test_every_store_gives_a_string_literal_the_same_plain_form() -> None:
    from rdflib.namespace import XSD

    from careergraph.query.terms import Lit, literal, plain_term

    # rdflib keeps an explicit xsd:string; Oxigraph and endpoints always name it: one form for all.
    assert plain_term(Literal("x", datatype=XSD.string)) == plain_term(Literal("x")) == Lit("x", None, None)
    assert literal("x", None, str(XSD.string)) == literal("x", None, None)
    assert plain_term(Literal("x", lang="en")) == literal("x", "en", None) == Lit("x", "en", None)


@pytest.mark.parametrize("isolate", [True, False])
def test_an_error_keeps_its_class_from_a_worker(isolate: bool) -> None:
    """A trusted query is parsed only by the engine: in a worker process when isolated."""
    from careergraph.errors import QuerySyntaxError
    from careergraph.query.catalogue import NamedQuery
    from careergraph.run import run_query
    from careergraph.stores.memory import MemoryStore

    broken = NamedQuery(name="broken", text="SELECT ?x WHERE { ?x ", trusted=True)
    with pytest.raises(QuerySyntaxError, match="not a SPARQL query") as caught:
        run_query(MemoryStore.of(Graph()), broken, timeout=5, isolate=isolate)
    assert caught.value.exit_code == 2
