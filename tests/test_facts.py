"""The plain facts the label index and the projection are built from: the same from every store."""

from __future__ import annotations

import marshal
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from careergraph.data import shipped_dir, turtle_files
from careergraph.facts import FACTS, RDF_TYPE, BlankId, Facts, LexicalForm
from careergraph.names import LabelIndex
from careergraph.routes.projection import project_roles
from careergraph.routes.stored import save_roles
from careergraph.session import Session
from careergraph.stores import open_store
from careergraph.stores.memory import MemoryStore
from careergraph.stores.oxigraph import OxigraphStore, parsed_facts

pytest.importorskip("pyoxigraph")

PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"

# Written for these tests: a role whose skill is a literal by mistake, a skill gap that is a blank node,
# a triple written twice, an offset with a leading zero.
ODD = """
@prefix cg: <https://w3id.org/careergraph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@base <https://w3id.org/careergraph/id/> .

<role/odd-analyst> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Odd Analyst"@en ;
    cg:requiresSkill "SQL", <skill/sql> .
<role/odd-analyst> skos:prefLabel "Odd Analyst"@en .
<transition/odd> a cg:Transition ; cg:fromRole <role/odd-analyst> ;
    cg:toRole <role/data-scientist> ; cg:addsSkill <skill/testing> .
<transition/odd> cg:hasSkillGap [ cg:gapSkill <skill/docker> ] .
<claim/odd> cg:supports <transition/odd> ; prov:wasAttributedTo <guest/odd-guest> ;
    prov:wasDerivedFrom <segment/odd/1> ; cg:mentionsSkill <skill/testing> .
<segment/odd/1> a schema:Clip ; schema:partOfEpisode <episode/odd> ;
    schema:startOffset "061"^^xsd:integer ; schema:endOffset 90 .
<episode/odd> a schema:PodcastEpisode ; schema:name "An odd episode" .
<guest/odd-guest> a schema:Person ; schema:name "Odd Guest" .
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    odd = tmp_path_factory.mktemp("odd") / "odd.ttl"
    odd.write_text(ODD, encoding="utf-8")
    return [*turtle_files([shipped_dir("graph_data")]), odd]


def _normal(facts: Facts) -> set[tuple[Any, ...]]:
    """Every fact with its kind of object; blank nodes (named by each store its own way) as one name."""

    def plain(term: str) -> tuple[str, str]:
        if isinstance(term, BlankId):
            return ("blank", "")
        return ("literal" if isinstance(term, LexicalForm) else "iri", str(term))

    found = set()
    for predicate in sorted(facts._by):
        for s, o in facts.subject_objects(predicate):
            found.add((plain(s), predicate, plain(o)))
    return found


def _dump(facts: Facts) -> list[tuple[Any, ...]]:
    """Every row the cache keeps of the projection and the index (blobs read back: marshal's bytes
    depend on which equal strings are one object)."""
    db = sqlite3.connect(":memory:")
    save_roles(db, project_roles(facts))
    LabelIndex.from_facts(facts).save(db)
    tables = ("role", "step", "label", "skill", "name", "thing")
    rows = [(table, *row) for table in tables for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")]
    return [tuple(marshal.loads(v) if isinstance(v, bytes) else v for v in row) for row in rows]


@pytest.fixture(scope="module")
def every_store(files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Facts]:
    oxigraph = OxigraphStore(str(tmp_path_factory.mktemp("ox") / "store"), [])
    oxigraph.load(files)
    return {
        "memory": MemoryStore("", files).facts(FACTS),
        "oxigraph SELECT": oxigraph.facts(FACTS),
        "embedded (files parsed)": open_store("embedded", files).facts(FACTS),
    }


def test_every_store_reads_the_same_facts(every_store: dict[str, Facts]) -> None:
    memory = _normal(every_store["memory"])
    assert (("iri", "https://w3id.org/careergraph/id/role/odd-analyst"),) in {t[:1] for t in memory}
    for name, facts in every_store.items():
        assert _normal(facts) == memory, name


def test_every_store_builds_the_same_projection_and_index(every_store: dict[str, Facts]) -> None:
    dumps = {name: _dump(facts) for name, facts in every_store.items()}
    assert dumps["oxigraph SELECT"] == dumps["memory"]
    assert dumps["embedded (files parsed)"] == dumps["memory"]


def test_a_literal_is_not_a_skill_and_a_blank_gap_is_read(every_store: dict[str, Facts]) -> None:
    G = project_roles(every_store["oxigraph SELECT"])
    odd = "https://w3id.org/careergraph/id/role/odd-analyst"
    ds = "https://w3id.org/careergraph/id/role/data-scientist"
    assert G.nodes[odd]["skills"] == {"https://w3id.org/careergraph/id/skill/sql"}
    assert "https://w3id.org/careergraph/id/skill/docker" in G.edges[odd, ds]["skills"]
    (evidence,) = G.edges[odd, ds]["evidence"]
    assert (evidence.episode_title, evidence.start, evidence.end, evidence.guest) == (
        "An odd episode",
        61,
        90,
        "Odd Guest",
    )


def _cited_as(sources: list[str]) -> dict[tuple[str, str], tuple[str, ...]]:
    """The evidence of each step of a chain of roles whose n-th transition (taken in that order) is
    backed by a claim citing the n-th of ``sources``: "iri" (a timed segment), or "literal" (its IRI's
    text as a literal, which is no segment)."""
    x, cg, prov = "urn:x:", "https://w3id.org/careergraph/ontology#", "http://www.w3.org/ns/prov#"
    segment, schema = x + "segment", "https://schema.org/"
    steps = range(len(sources))
    facts = Facts()
    facts.add_pairs(RDF_TYPE, [(segment, schema + "Clip")] + [(f"{x}t{n}", cg + "Transition") for n in steps])
    facts.add_pairs(schema + "startOffset", [(segment, LexicalForm("60"))])
    facts.add_pairs(cg + "fromRole", [(f"{x}t{n}", f"{x}r{n}") for n in steps])
    facts.add_pairs(cg + "toRole", [(f"{x}t{n}", f"{x}r{n + 1}") for n in steps])
    facts.add_pairs(cg + "supports", [(f"{x}c{n}", f"{x}t{n}") for n in steps])
    cited = [(f"{x}c{n}", segment if how == "iri" else LexicalForm(segment)) for n, how in enumerate(sources)]
    facts.add_pairs(prov + "wasDerivedFrom", cited)
    G = project_roles(facts)
    return {(u, v): tuple(e.source for e in G.edges[u, v]["evidence"]) for u, v in G.edges}


def test_a_literal_with_a_segments_text_is_no_evidence_whichever_is_read_first() -> None:
    # Equal to the IRI as a string, the literal once took the segment's evidence (read after it) or
    # hid it (read before it).
    for sources in (["literal", "iri"], ["iri", "literal"]):
        steps = _cited_as(sources)
        assert [steps[f"urn:x:r{n}", f"urn:x:r{n + 1}"] for n in range(2)] == [
            ("urn:x:segment",) if how == "iri" else () for how in sources
        ], sources


def test_a_triple_written_twice_is_read_once(files: list[Path]) -> None:
    facts = parsed_facts(files, FACTS)
    labels = facts.objects("https://w3id.org/careergraph/id/role/odd-analyst", PREF_LABEL)
    assert labels == ["Odd Analyst"]


def test_a_first_run_builds_no_rdflib_graph(
    files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rdflib

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an rdflib graph was built")

    monkeypatch.setattr(rdflib.Graph, "__init__", refuse)
    answer = Session(files).path("Odd Analyst", "Machine Learning Engineer")
    assert answer.routes[0].nodes == [
        "https://w3id.org/careergraph/id/role/odd-analyst",
        "https://w3id.org/careergraph/id/role/data-scientist",
        "https://w3id.org/careergraph/id/role/machine-learning-engineer",
    ]


def test_an_iri_and_a_literal_of_the_same_text_are_two_facts(tmp_path: Path) -> None:
    both = tmp_path / "both.ttl"
    both.write_text(
        '<urn:x:ds> <https://schema.org/url> <urn:x:page>, "urn:x:page", "urn:x:page" .\n', encoding="utf-8"
    )
    facts = parsed_facts([both], FACTS)
    found = facts.objects("urn:x:ds", "https://schema.org/url")
    assert sorted((type(o).__name__, o) for o in found) == [
        ("LexicalForm", "urn:x:page"),
        ("str", "urn:x:page"),
    ]


def test_a_subject_written_in_several_places_keeps_each_of_its_facts(tmp_path: Path) -> None:
    # The parser makes a subject's key once for a run of its triples: a subject that comes back
    # after another one's, a blank node, and a subject that ends one file and begins the next.
    label, name = PREF_LABEL, "https://schema.org/name"
    first, second = tmp_path / "1.nt", tmp_path / "2.nt"
    first.write_text(
        f'<urn:x:a> <{label}> "A" .\n<urn:x:b> <{label}> "B" .\n<urn:x:a> <{name}> "a" .\n'
        f'_:g <{label}> "G" .\n_:h <{label}> "H" .\n<urn:x:b> <{name}> "b" .\n',
        encoding="utf-8",
    )
    second.write_text(f'<urn:x:b> <{label}> "B2" .\n<urn:x:c> <{name}> "c" .\n', encoding="utf-8")
    facts = parsed_facts([first, second], FACTS)
    assert {s: sorted(o) for s, o in facts.by_subject(label).items()} == {
        "urn:x:a": ["A"],
        "urn:x:b": ["B", "B2"],
        "g": ["G"],
        "h": ["H"],
    }
    assert {s: o for s, o in facts.by_subject(name).items()} == {
        "urn:x:a": ["a"],
        "urn:x:b": ["b"],
        "urn:x:c": ["c"],
    }
    assert [type(s) for s in facts.by_subject(label)] == [str, str, BlankId, BlankId]


def test_a_first_path_leaves_the_embedded_store_complete(
    files: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(cache))
    session = Session(files)
    answer = session.path("Odd Analyst", "Machine Learning Engineer")
    assert answer.routes[0].nodes[1] == "https://w3id.org/careergraph/id/role/data-scientist"
    # The store was built beside the facts; asking for it waits for it.
    assert session.store.store is not None
    (kept,) = [p for p in cache.glob("oxigraph-*") if (p / "CURRENT").is_file()]
    assert not [p for p in cache.iterdir() if p.name.startswith(".oxigraph")]
    answers = session.store.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(next(iter(answers))["n"].value) > 1000


def test_a_bad_file_on_a_first_path_is_reported_as_the_store_reports_it(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from careergraph.cli import main

    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "unclosed .\n')
    ask = ["--data", str(bad), "path", "Data Scientist", "Data Engineer"]
    embedded = CliRunner(env={"CAREERGRAPH_CACHE": str(tmp_path / "cache")}).invoke(main, ask)
    memory = CliRunner().invoke(main, [*ask[:2], "--store", "memory", *ask[2:]])
    assert embedded.exit_code == memory.exit_code == 1
    assert embedded.output == memory.output and f"{bad}:3" in embedded.output


#: A first ``path`` (or, for "query", a first named query) in a process of its own (pytest's may run
#: threads, and forking it would copy its state), printing which work went to forked children and the
#: answer. argv: the cache folder, how the children fare ("forked", "failing": each child dies at once,
#: "none": no fork, "query"), then the data files.
FIRST_RUN = """
import os, sys
from careergraph import forked
from careergraph.data import shipped_dir
from careergraph.query.catalogue import find_query
from careergraph.session import Session

os.environ["CAREERGRAPH_CACHE"], fare, *files = sys.argv[1:]
started, start = [], forked.start

def start_counted(work):
    started.append(work.__qualname__.split(".")[0])
    return start((lambda: os._exit(3)) if fare == "failing" else work)

def nice_noted(increment, nice=os.nice):  # in the store's child: leaves a note beside the cache
    with open(os.environ["CAREERGRAPH_CACHE"] + ".niced", "w") as note:
        note.write(str(increment))
    return nice(increment)

forked.start = start_counted
if fare == "none":
    forked.available = lambda: False
os.nice = nice_noted
session = Session(files)
if fare == "query":
    skills = find_query("role-skills", shipped_dir("queries"))
    answer = session.write(skills, "csv", {"role": "Odd Analyst"}).decode()
else:
    answer = session.path("Odd Analyst", "Machine Learning Engineer", k=3).json()
print(sorted(started))
print(answer)
"""


#: The tests of first runs that fork, as careergraph decides it may (forked.available, not a stand-in).
forking = pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="a first run forks its children on Linux with a second core",
)


def _first_run(files: list[Path], cache: Path, fare: str) -> tuple[str, str, dict[str, bytes]]:
    """Which work a first run in a process of its own forked, its answer, and the databases it left."""
    command = [sys.executable, "-c", FIRST_RUN, str(cache), fare, *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not [p.name for p in cache.iterdir() if p.name.startswith(".")]  # nothing half-built is left
    started, answer = done.stdout.split("\n", 1)
    return started, answer, {p.name: p.read_bytes() for p in cache.glob("*.sqlite")}


@forking
def test_a_first_run_fills_the_store_and_projects_in_children_with_the_same_answer(
    files: list[Path], tmp_path: Path
) -> None:
    none, alone, alone_built = _first_run(files, tmp_path / "alone", "none")
    children, beside, beside_built = _first_run(files, tmp_path / "beside", "forked")
    assert none == "[]"
    # The store's load in one child, the projection in another (while this process builds the index);
    # the load, which the answer does not wait on, at a lower priority.
    assert children == "['EmbeddedStore', 'Session']"
    assert (tmp_path / "beside.niced").read_text() == "3" and not (tmp_path / "alone.niced").exists()
    assert beside == alone and '"paths"' in alone
    assert beside_built == alone_built and len(alone_built) == 2  # the same bytes in each database
    assert [p for p in (tmp_path / "beside").glob("oxigraph-*") if (p / "CURRENT").is_file()]


@forking
def test_children_that_fail_leave_their_work_to_the_parent(files: list[Path], tmp_path: Path) -> None:
    # The projection is built here instead; the store, by the first command that asks for it.
    _none, alone, alone_built = _first_run(files, tmp_path / "alone", "none")
    children, failing, failing_built = _first_run(files, tmp_path / "failing", "failing")
    assert children == "['EmbeddedStore', 'Session']"
    assert failing == alone and failing_built == alone_built


@forking
def test_a_first_query_builds_no_projection(files: list[Path], tmp_path: Path) -> None:
    # A named query needs the label index and the store, not the projection: no child builds one, and
    # the store it waits on loads at the usual priority.
    children, answer, built = _first_run(files, tmp_path / "cache", "query")
    assert not (tmp_path / "cache.niced").exists()
    assert children == "['EmbeddedStore']" and "skill/sql,SQL" in answer and len(built) == 1


@forking
def test_a_bad_file_is_reported_once_when_the_store_is_loaded_in_a_child(tmp_path: Path) -> None:
    # The child's load fails first and says nothing: the parent builds the store again to say why.
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<urn:x:a> <urn:x:n> "abc"^^xsd:integer .\n'
        '<urn:x:a> <urn:x:d> "2024-13-45"^^xsd:date .\n<urn:x:a> <urn:x:b> "unclosed .\n'
    )
    ask = ["--data", str(bad), "path", "Data Scientist", "Data Engineer"]
    env = {**os.environ, "CAREERGRAPH_CACHE": str(tmp_path / "cache")}
    embedded, memory = (
        subprocess.run([sys.executable, "-m", "careergraph", *args], capture_output=True, text=True, env=env)
        for args in (ask, [*ask[:2], "--store", "memory", *ask[2:]])
    )
    assert embedded.returncode == memory.returncode == 1 and f"{bad}:4" in embedded.stderr
    assert embedded.stderr.splitlines()[-1] == memory.stderr.splitlines()[-1]
    warned = [run.stderr.count("2 literals do not fit their datatype") for run in (embedded, memory)]
    assert warned == [1, 1]  # the ill-typed literals said once, in one line
    assert "Traceback" not in embedded.stderr + memory.stderr


def test_a_first_run_ends_only_when_its_children_have(files: list[Path], tmp_path: Path) -> None:
    # The name is unknown once the label index is built: the store's load and the projection are
    # still going on in their children, and the command waits for them before it ends.
    cache = tmp_path / "cache"
    env = {**os.environ, "CAREERGRAPH_CACHE": str(cache)}
    data = [arg for file in files for arg in ("--data", str(file))]
    command = [sys.executable, "-m", "careergraph", *data, "path", "Odd Analist", "Data Scientist"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and "did you mean: Odd Analyst" in done.stderr
    assert [p for p in cache.glob("oxigraph-*") if (p / "CURRENT").is_file()]
    assert len(list(cache.glob("*.sqlite"))) == 2
    assert not [p.name for p in cache.iterdir() if p.name.startswith(".")]


def test_objects_made_while_the_collector_is_paused_are_not_left_young() -> None:
    import gc

    from careergraph.facts import gc_paused

    gc.collect()  # counts at zero: the few objects below make no collection happen on their own
    with gc_paused():
        made = [[n] for n in range(100)]
    old = {id(o) for o in gc.get_objects(generation=2)}
    assert gc.isenabled() and all(id(o) in old for o in made)


def test_pausing_the_collector_leaves_what_was_frozen_before_frozen() -> None:
    import gc

    from careergraph.facts import gc_paused

    kept = [[n] for n in range(100)]
    gc.freeze()  # as launch.main freezes what start-up made
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            made = [[n] for n in range(100)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(made)
        assert not {id(o) for o in gc.get_objects()} & {id(o) for o in kept}  # still frozen, not walked
    finally:
        gc.unfreeze()
