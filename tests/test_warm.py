"""A warm named query (careergraph.launch.warm_answer): the full way's bytes, never a stale answer."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from careergraph import cache
from careergraph.data import shipped_dir
from careergraph.launch import Refused, parse, quick_query, warm_answer
from careergraph.query.catalogue import find_query
from careergraph.query.portable import concatenated

QUERIES = shipped_dir("queries")
NAMES = sorted(p.stem for p in QUERIES.glob("*.rq"))


def _argv(data: Path, name: str, fmt: str, params: dict[str, str] | None = None) -> list[str]:
    query = find_query(name, QUERIES)
    given = query.examples if params is None else params
    options = [item for key, value in given.items() for item in ("-p", f"{key}={value}")]
    return ["--data", str(data), "query", name, *options, "-f", fmt]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped data that a test may edit, with a cache of its own; a file's stat is
    trusted at once (the two seconds' wait is tested on its own)."""
    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CAREERGRAPH_STORE", raising=False)
    monkeypatch.setattr(cache, "_SETTLED_NS", -(10**12))
    copy = tmp_path / "data"
    shutil.copytree(shipped_dir("graph_data"), copy)
    return copy


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_a_warm_answer_is_the_full_ways_bytes_for_every_named_query(data: Path, fmt: str) -> None:
    warm_ones = 0
    for name in NAMES:
        argv = _argv(data, name, fmt)
        full = quick_query(argv)  # the full way, which learns
        assert full
        warm = warm_answer(parse(argv))
        if concatenated(find_query(name, QUERIES).text):
            assert warm is None, name  # GROUP_CONCAT's order is careergraph's to settle
        else:
            assert warm == full, name
            warm_ones += 1
    assert warm_ones >= len(NAMES) - 2


def test_nothing_is_answered_warm_before_a_full_answer(data: Path) -> None:
    argv = _argv(data, "role-skills", "csv")
    assert warm_answer(parse(argv)) is None
    assert quick_query(argv) == warm_answer(parse(argv))


def test_an_edited_data_file_is_read_again(data: Path) -> None:
    argv = _argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"})
    before = quick_query(argv)
    assert before is not None and warm_answer(parse(argv)) == before
    skills = data / "skills.ttl"
    text = skills.read_text(encoding="utf-8")
    label = next(line for line in text.splitlines() if "prefLabel" in line).split('"')[1]
    assert label.encode() in before
    renamed = label[::-1]  # the same size, so only the times and the content tell
    stat = skills.stat()
    skills.write_text(text.replace(f'"{label}"', f'"{renamed}"'), encoding="utf-8")
    os.utime(skills, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as a tool that keeps the time would
    assert warm_answer(parse(argv)) is None  # the change time still differs
    after = quick_query(argv)
    assert after is not None and renamed.encode() in after and label.encode() not in after
    assert warm_answer(parse(argv)) == after


def test_a_file_added_to_a_data_folder_is_read(data: Path) -> None:
    argv = _argv(data, "roles", "csv", {})
    before = quick_query(argv)
    assert warm_answer(parse(argv)) == before
    (data / "more.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix cg: <https://w3id.org/careergraph/ontology#> .\n"
        "<https://w3id.org/careergraph/id/role/warm-test-role> a cg:Role, skos:Concept ;\n"
        '    skos:inScheme cg:Roles ; skos:prefLabel "Warm Test Role"@en .\n',
        encoding="utf-8",
    )
    assert warm_answer(parse(argv)) is None
    after = quick_query(argv)
    assert after is not None and b"Warm Test Role" in after and after != before


def test_an_edited_query_file_is_read_again(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careergraph import data as data_module

    queries = tmp_path / "queries"
    shutil.copytree(QUERIES, queries)
    shipped = data_module.shipped_dir
    monkeypatch.setattr(
        data_module, "shipped_dir", lambda name: queries if name == "queries" else shipped(name)
    )
    argv = ["--data", str(data), "query", "role-skills", "-p", "role=Machine Learning Engineer", "-f", "csv"]
    before = quick_query(argv)
    assert before is not None and warm_answer(parse(argv)) == before
    rq = queries / "role-skills.rq"
    rq.write_text(rq.read_text(encoding="utf-8").replace("ORDER BY ?kind", "ORDER BY DESC(?kind)"))
    assert warm_answer(parse(argv)) is None  # its text is not the one learned
    after = quick_query(argv)
    assert after is not None and after != before
    assert sorted(after.splitlines()[1:]) == sorted(before.splitlines()[1:])
    assert warm_answer(parse(argv)) == after


def test_a_name_is_found_as_the_label_index_finds_it(data: Path) -> None:
    full = quick_query(_argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"}))
    for spelt in ("machine-learning engineers", "  Machine_Learning   Engineer role ", "ML engineer"):
        argv = _argv(data, "role-skills", "csv", {"role": spelt})
        assert warm_answer(parse(argv)) in (None, full), spelt  # alternative labels may be elsewhere
        assert quick_query(argv) == full, spelt
        assert warm_answer(parse(argv)) == full, spelt
    iri = _argv(
        data, "role-skills", "csv", {"role": "https://w3id.org/careergraph/id/role/machine-learning-engineer"}
    )
    assert warm_answer(parse(iri)) == full


def test_an_unknown_name_goes_the_full_way_and_is_told_with_suggestions(data: Path) -> None:
    quick_query(_argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"}))
    argv = _argv(data, "role-skills", "csv", {"role": "Machine Lerning Enginer"})
    assert warm_answer(parse(argv)) is None
    with pytest.raises(Refused, match="did you mean: Machine Learning Engineer") as refused:
        quick_query(argv)
    assert refused.value.exit_code == 2
    wrong = _argv(data, "role-skills", "csv", {"rolle": "Machine Learning Engineer"})
    assert warm_answer(parse(wrong)) is None
    with pytest.raises(Refused, match="takes no parameter 'rolle'"):
        quick_query(wrong)


def test_a_file_changed_within_two_seconds_is_not_trusted(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_SETTLED_NS", 2_000_000_000)
    skills = data / "skills.ttl"
    skills.write_bytes(skills.read_bytes())  # just written
    old = time.time_ns() - 10_000_000_000
    os.utime(skills, ns=(old, old))  # its content's time may be set back; its change time cannot
    assert not cache.settled([cache.stat_key(str(skills))])
    argv = _argv(data, "role-skills", "csv")
    assert quick_query(argv)
    assert warm_answer(parse(argv)) is None  # learned the query, not these files


def test_a_damaged_memo_costs_speed_only(data: Path, tmp_path: Path) -> None:
    argv = _argv(data, "role-skills", "csv")
    full = quick_query(argv)
    for garbage in (b"", b"not marshal", b"\xff" * 64):
        (tmp_path / "cache" / "warm-1.marshal").write_bytes(garbage)
        assert warm_answer(parse(argv)) is None
        assert quick_query(argv) == full
    assert warm_answer(parse(argv)) == full
    assert not [p for p in (tmp_path / "cache").iterdir() if p.name.endswith(".tmp")]
    memo_file = tmp_path / "cache" / "warm-1.marshal"
    learned = marshal.loads(memo_file.read_bytes())
    for odd in ((1,), ("a", "b"), (("x", 1),), None, ((("/no/file", 5),), "/no/store"), ("/", "t", "b", ())):
        memo_file.write_bytes(marshal.dumps({key: odd for key in learned}))
        assert warm_answer(parse(argv)) is None, odd  # another shape: no memo, no traceback


def test_a_name_cannot_span_two_lines_of_the_names_list(data: Path) -> None:
    role = "https://w3id.org/careergraph/id/role/"
    argv = _argv(data, "role-skills", "csv", {"role": f"{role}machine-learning-engineer"})
    assert quick_query(argv) == warm_answer(parse(argv))
    names = sorted((data.parent / "cache").glob("oxigraph-*.role-names-*.txt"))
    assert len(names) == 1
    lines = names[0].read_text(encoding="utf-8").splitlines()
    own = [line.split("\t")[1] for line in lines if line.startswith("i\t")]
    spanning = f"{own[0]}\ni\t{own[1]}"  # two lines of the list, as one name
    odd = _argv(data, "role-skills", "csv", {"role": spanning})
    assert warm_answer(parse(odd)) is None
    with pytest.raises(Refused, match="unknown role"):
        quick_query(odd)


def test_the_memory_store_and_the_table_go_the_full_way(data: Path) -> None:
    argv = _argv(data, "role-skills", "csv")
    quick_query(argv)
    assert warm_answer(parse(["--store", "memory", *argv])) is None
    assert warm_answer(parse([*argv[:-2], "-f", "table"])) is None


def test_the_watchdogs_words_are_the_timeout_errors() -> None:
    from careergraph.errors import QueryTimeoutError
    from careergraph.query.watchdog import Stopped
    from careergraph.query.workers import timed_out

    said = Stopped("role-skills", 0.5)
    assert (str(said), said.exit_code) == (str(timed_out("role-skills", 0.5)), QueryTimeoutError.exit_code)


def _settle(files: list[Path]) -> None:
    """Wait until ``files`` are old enough to be trusted (a fresh checkout's may not be)."""
    newest = max(max(f.stat().st_mtime_ns, f.stat().st_ctime_ns) for f in files)
    time.sleep(max(0.0, (newest + 2_200_000_000 - time.time_ns()) / 1e9))


def _warm_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``role-skills -p role=ML engineer -f csv`` has been answered once."""
    data = shipped_dir("graph_data")
    _settle([data, *data.iterdir()])
    env = {**os.environ, "CAREERGRAPH_CACHE": str(tmp_path / "cache"), "CAREERGRAPH_DATA": str(data)}
    env.pop("CAREERGRAPH_STORE", None)
    first = ["-m", "careergraph", "query", "role-skills", "-p", "role=ML engineer", "-f", "csv"]
    assert subprocess.run([sys.executable, *first], capture_output=True, env=env, timeout=120).returncode == 0
    return env


def _warm_process(tmp_path: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = _warm_env(tmp_path)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )


#: What a warm named query does without: what the ``python -c`` floor does not import either.
_NOT_WARM = (
    "re",
    "json",
    "pathlib",
    "hashlib",
    "sqlite3",
    "threading",
    "signal",
    "enum",
    "typing",
    "dataclasses",
    "click",
    "rdflib",
    "careergraph.errors",
    "careergraph.session",
    "careergraph.stores",
)
#: What each format may import of those: tsv, json and xml even out pyoxigraph's bytes in
#: careergraph.query.results, which imports re (and with it enum) and, through query.params,
#: careergraph.errors (json, the json module too); csv imports none of them.
_RESULTS = ("re", "enum", "careergraph.errors")
_WARM_ALSO = {"csv": (), "tsv": _RESULTS, "json": ("re", "json", *_RESULTS[1:]), "xml": _RESULTS}


def test_a_warm_query_imports_what_the_floor_does(tmp_path: Path) -> None:
    env = _warm_env(tmp_path)
    for fmt, also in _WARM_ALSO.items():
        probe = (
            "import sys; from careergraph.launch import parse, warm_answer; "
            f"asked = parse(['query', 'role-skills', '-p', 'role=ML engineer', '-f', {fmt!r}]); "
            "answer = warm_answer(asked); "
            f"print(answer is not None, *[m for m in {_NOT_WARM!r} if m in sys.modules])"
        )
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
        )
        assert done.stdout.split() == ["True", *also], (fmt, done.stderr)


#: The engine made slow (sleeping lets go of the GIL, as pyoxigraph's query does); the full
#: way made impossible, so that only the warm path can answer, or be stopped.
SLOW_ENGINE = """if True:
    import sys, time, pyoxigraph
    sys.modules["careergraph.session"] = None
    real = pyoxigraph.Store.read_only

    class Slow:
        def __init__(self, path):
            self.store = real(path)
        def query(self, text):
            sys.stderr.write("querying\\n")
            sys.stderr.flush()
            time.sleep(30)
            return self.store.query(text)

    pyoxigraph.Store.read_only = Slow
"""


def test_ctrl_c_stops_a_warm_query(tmp_path: Path) -> None:
    import signal

    env = _warm_env(tmp_path)
    script = (
        SLOW_ENGINE
        + """if True:
        sys.argv = ["careergraph", "query", "role-skills", "-p", "role=ML engineer", "-f", "csv"]
        from careergraph.launch import main
        main()
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert process.stderr is not None
    assert process.stderr.readline() == "querying\n"  # the query is running
    process.send_signal(signal.SIGINT)
    try:
        stdout, stderr = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail("Ctrl-C did not stop the query")
    assert (process.returncode, stdout, stderr.strip()) == (1, "", "Aborted!")


def test_a_warm_query_past_its_time_limit_is_stopped(tmp_path: Path) -> None:
    script = """if True:
        sys.argv = ["careergraph", "query", "role-skills", "-p", "role=ML engineer", "-f", "csv",
                    "--timeout", "0.5"]
        from careergraph.launch import main
        main()
        """
    started = time.monotonic()
    done = _warm_process(tmp_path, SLOW_ENGINE + script)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "querying\n"
        "Error: query 'role-skills' was stopped after 0.5 s; narrow it, add a LIMIT, or raise --timeout\n"
    )
    assert time.monotonic() - started < 25  # stopped, not slept out


#: The command line, answering in FORMAT, with a sign of the interpreter being torn down.
_ENDING = """if True:
    import atexit, sys
    atexit.register(sys.stderr.write, "torn down\\n")
    sys.argv = ["careergraph", "query", "role-skills", "-p", "role=ML engineer", "-f", FORMAT]
    from careergraph.launch import main
    main()
    """


def test_a_warm_command_writes_its_whole_answer_then_ends_at_once(tmp_path: Path) -> None:
    """A warm answer is flushed, then the process ends without tearing the interpreter down; the
    full way (``table``) ends as usual, waiting for any thread still building the store."""
    env = _warm_env(tmp_path)
    probe = (
        "import sys; from careergraph.launch import parse, warm_answer; "
        "sys.stdout.buffer.write(warm_answer(parse(['query', 'role-skills', '-p', 'role=ML engineer', "
        "'-f', 'csv'])))"
    )
    warm = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=env, timeout=120)
    assert warm.returncode == 0 and warm.stdout.startswith(b"kind,concept,label\r\n"), warm.stderr
    for fmt, ending in (("csv", b""), ("table", b"torn down\n")):
        written = tmp_path / f"answer.{fmt}"
        with written.open("wb") as out:  # a file: stdout is block-buffered, so the flush is what writes
            done = subprocess.run(
                [sys.executable, "-c", _ENDING.replace("FORMAT", repr(fmt))],
                stdout=out,
                stderr=subprocess.PIPE,
                env=env,
                timeout=120,
            )
        assert (done.returncode, done.stderr) == (0, ending), fmt
        if fmt == "csv":
            assert written.read_bytes() == warm.stdout


def test_the_full_way_keeps_its_time_limit_without_threading(tmp_path: Path) -> None:
    """The table format goes the full way (the session, the label index): its watchdog is the
    warm path's, so neither threading nor the worker processes' module is imported."""
    probe = (
        "import sys; from careergraph.launch import quick_query; "
        "answer = quick_query(['query', 'role-skills', '-p', 'role=ML engineer']); "
        "print(answer.splitlines()[0].split()[0].decode(), *[m for m in "
        "('threading', 'careergraph.query.workers', 'click', 'rdflib') if m in sys.modules], "
        "'careergraph.session' in sys.modules)"
    )
    done = _warm_process(tmp_path, probe)
    assert done.stdout.split() == ["kind", "True"], done.stderr


def test_a_file_changed_while_the_full_way_answers_is_not_learned(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files' keys are taken before the answer, not after it: a change in between (the store
    answered from is the old content's) is never vouched for. (Keys taken after the answer would
    name the new content beside the old content's store: this test fails on that.)"""
    from careergraph.session import Session

    real = Session.write
    skills = data / "skills.ttl"

    def write_then_edit(self: Session, *args: object, **kwargs: object) -> bytes:
        answer = real(self, *args, **kwargs)  # type: ignore[arg-type]
        with skills.open("a", encoding="utf-8") as file:
            file.write("# edited while the answer was written\n")
        return answer

    argv = _argv(data, "role-skills", "csv")
    monkeypatch.setattr(Session, "write", write_then_edit)
    assert quick_query(argv)
    assert warm_answer(parse(argv)) is None
    monkeypatch.setattr(Session, "write", real)
    assert quick_query(argv) == warm_answer(parse(argv))


def test_the_watchdog_takes_any_finite_time_limit() -> None:
    """A limit past what a lock can wait at once (``--timeout 1e300``) does not kill its thread:
    a shorter limit after it still fires."""
    script = """if True:
        import time
        from careergraph.query.watchdog import Stopped, Watchdog
        watchdog = Watchdog()
        with watchdog.guard(1e300, Stopped("long", 1e300)):
            time.sleep(0.2)
        with watchdog.guard(0.3, Stopped("short", 0.3)):
            time.sleep(30)
        """
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (
        1,
        "Error: query 'short' was stopped after 0.3 s; narrow it, add a LIMIT, or raise --timeout\n",
    )


def test_a_query_file_named_as_the_query_in_the_working_folder_is_read(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """find_query reads ``./roles`` as the query when there is such a file: so does a warm run."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    argv = _argv(data, "roles", "csv", {})
    full = quick_query(argv)
    assert full is not None and warm_answer(parse(argv)) == full
    (work / "roles").write_text('SELECT ?own WHERE { BIND("from the file" AS ?own) }\n', encoding="utf-8")
    assert warm_answer(parse(argv)) is None
    assert quick_query(argv) == b"own\r\nfrom the file\r\n"


def test_a_link_to_a_data_file_that_appears_later_is_read(data: Path, tmp_path: Path) -> None:
    target = tmp_path / "later" / "more.ttl"
    (data / "more.ttl").symlink_to(target)  # to no file yet: not data, but watched
    argv = _argv(data, "roles", "csv", {})
    before = quick_query(argv)
    assert before is not None and b"Warm Test Role" not in before
    assert warm_answer(parse(argv)) == before
    target.parent.mkdir()
    target.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix cg: <https://w3id.org/careergraph/ontology#> .\n"
        "<https://w3id.org/careergraph/id/role/warm-test-role> a cg:Role, skos:Concept ;\n"
        '    skos:inScheme cg:Roles ; skos:prefLabel "Warm Test Role"@en .\n',
        encoding="utf-8",
    )
    assert warm_answer(parse(argv)) is None  # the folder is as it was; the link's target is not
    after = quick_query(argv)
    assert after is not None and b"Warm Test Role" in after
    assert warm_answer(parse(argv)) == after


_MLE = "https://w3id.org/careergraph/id/role/machine-learning-engineer"


def _names_list(data: Path) -> Path:
    """The list of role names, learned by a full answer of role-skills."""
    quick_query(_argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"}))
    names = sorted((data.parent / "cache").glob("oxigraph-*.role-names-*.txt"))
    assert len(names) == 1
    return names[0]


def test_a_damaged_names_list_costs_speed_only(data: Path) -> None:
    names = _names_list(data)
    text = names.read_bytes()
    row = next(line for line in text.split(b"\n") if line.startswith(b"k\t") and line.endswith(_MLE.encode()))
    key = row.split(b"\t")[1].decode()
    argv = _argv(data, "role-skills", "csv", {"role": key})
    full = quick_query(argv)
    assert full is not None and warm_answer(parse(argv)) == full
    at = text.index(b"\n" + row + b"\n")
    for damaged in (
        text[: at + 1 + len(row) - len(_MLE)],  # cut just after the key
        text[: at + 1 + len(row) - len(_MLE)] + b"\xff\xfe" + text[at + 1 + len(row) :],  # not UTF-8
    ):
        names.write_bytes(damaged)
        assert warm_answer(parse(argv)) is None, damaged[-40:]
        assert quick_query(argv) == full


def test_a_tampered_names_list_cannot_write_into_the_query(data: Path) -> None:
    names = _names_list(data)
    argv = _argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"})
    full = quick_query(argv)
    assert full is not None and warm_answer(parse(argv)) == full
    text = names.read_text(encoding="utf-8")
    other = next(
        line.split("\t")[1] for line in text.splitlines() if line.startswith("i\t") and line != f"i\t{_MLE}"
    )
    for injected in (f"{_MLE}> <{other}", f"{_MLE}>}}VALUES?role{{<{other}"):
        names.write_text(text.replace(f"\t{_MLE}\n", f"\t{injected}\n"), encoding="utf-8")
        assert warm_answer(parse(argv)) is None, injected  # not two roles' skills
        assert quick_query(argv) == full


def test_a_names_list_with_an_iri_that_could_end_it_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from careergraph.launch import _learn_names, _names_memo

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE name (key, iri, kind)")
    db.execute("CREATE TABLE thing (iri, kind)")
    for iri in ("urn:x:plain", "urn:x:odd>"):
        db.execute("INSERT INTO name VALUES (?, ?, 'role')", (iri[-5:], iri))
        db.execute("INSERT INTO thing VALUES (?, 'role')", (iri,))
    _learn_names("/s/oxigraph-a", "role", db)
    assert not (tmp_path / "cache" / _names_memo("/s/oxigraph-a", "role")).exists()
    db.execute("DELETE FROM name WHERE iri = 'urn:x:odd>'")
    db.execute("DELETE FROM thing WHERE iri = 'urn:x:odd>'")
    _learn_names("/s/oxigraph-a", "role", db)
    assert (tmp_path / "cache" / _names_memo("/s/oxigraph-a", "role")).exists()


def test_a_long_names_list_is_searched_as_a_dict_would_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list is searched by halves, a few hundred bytes at a time: in one far longer than that,
    every name and IRI is found, a name two IRIs share is not, nor one that sorts between or
    beyond the others (its neighbours: ``role 1`` and ``role 10``, non-ASCII keys)."""
    import sqlite3

    from careergraph.launch import _learn_names, _names_memo, _warm_name

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE name (key, iri, kind)")
    db.execute("CREATE TABLE thing (iri, kind)")
    iris = [f"https://example.org/role/{n}" for n in range(2000)]
    for n, iri in enumerate(iris):
        db.execute("INSERT INTO thing VALUES (?, 'role')", (iri,))
        for key in (f"role {n}", f"é{n:04d}", "shared" if n % 500 == 7 else f"only {n}"):
            db.execute("INSERT INTO name VALUES (?, ?, 'role')", (key, iri))
    _learn_names("/s/oxigraph-a", "role", db)
    assert (tmp_path / "cache" / _names_memo("/s/oxigraph-a", "role")).stat().st_size > 100_000
    for n in range(0, 2000, 13):
        spellings = (f"Role {n}", f"É{n:04d}", iris[n], f"role {n} role")
        assert [_warm_name("/s/oxigraph-a", "role", name) for name in spellings] == [iris[n]] * 4, n
    for absent in ("shared", "role 2000", "role", "role 1 0", "a", "zz", "ÿ", iris[0] + "0", "https://a"):
        assert _warm_name("/s/oxigraph-a", "role", absent) is None, absent
    assert _warm_name("/s/oxigraph-b", "role", "role 1") is None  # another store's list: none


def test_a_names_list_cut_short_never_answers_another_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name is looked up as itself ("data scientists"), then as "data scientist": a list cut short in the
    line of the first must not answer the second's IRI (the label index would answer the first)."""
    import sqlite3

    from careergraph.launch import _learn_names, _names_memo, _warm_name

    monkeypatch.setenv("CAREERGRAPH_CACHE", str(tmp_path / "cache"))
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE name (key, iri, kind)")
    db.execute("CREATE TABLE thing (iri, kind)")
    for key, iri in (("data scientist", "urn:x:one"), ("data scientists", "urn:x:several")):
        db.execute("INSERT INTO name VALUES (?, ?, 'role')", (key, iri))
        db.execute("INSERT INTO thing VALUES (?, 'role')", (iri,))
    _learn_names("/s/oxigraph-a", "role", db)
    names = tmp_path / "cache" / _names_memo("/s/oxigraph-a", "role")
    assert _warm_name("/s/oxigraph-a", "role", "Data Scientists") == "urn:x:several"
    text = names.read_bytes()
    names.write_bytes(text[: text.index(b"k\tdata scientists\t") + 12])
    assert _warm_name("/s/oxigraph-a", "role", "Data Scientists") is None


def test_a_name_of_bytes_that_are_not_utf8_goes_the_full_way(data: Path) -> None:
    """A terminal's bytes that are not UTF-8 reach argv as surrogates: never a name in the list."""
    _names_list(data)
    for odd in ("\udcff", "https://\udcff"):
        assert warm_answer(parse(_argv(data, "role-skills", "csv", {"role": odd}))) is None, odd


def test_a_names_list_of_another_cache_format_is_not_read(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names normalised another way (cache.FORMAT bumped with them) are looked up in a list of their own."""
    _names_list(data)
    argv = _argv(data, "role-skills", "csv", {"role": "Machine Learning Engineer"})
    assert warm_answer(parse(argv)) is not None
    monkeypatch.setattr(cache, "FORMAT", cache.FORMAT + 1)
    assert warm_answer(parse(argv)) is None


def test_a_one_column_answer_with_an_empty_cell_is_the_full_ways_bytes(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careergraph import data as data_module

    queries = tmp_path / "queries"
    shutil.copytree(QUERIES, queries)
    (queries / "one-column.rq").write_text(
        '# A column with an empty cell.\nSELECT ?cell WHERE { VALUES ?cell { "a" "" "b" } }\n',
        encoding="utf-8",
    )
    shipped = data_module.shipped_dir
    monkeypatch.setattr(
        data_module, "shipped_dir", lambda name: queries if name == "queries" else shipped(name)
    )
    argv = ["--data", str(data), "query", "one-column", "-f", "csv"]
    full = quick_query(argv)
    assert full == b'cell\r\na\r\n""\r\nb\r\n'  # as Python's csv writes an empty lone cell
    assert warm_answer(parse(argv)) in (None, full)
    for fmt in ("tsv", "json", "xml"):  # the same query, learned, is answered warm in the others
        other = [*argv[:-1], fmt]
        assert warm_answer(parse(other)) == quick_query(other), fmt


def test_a_ctrl_c_the_main_thread_says_is_not_said_again_by_the_watchdog() -> None:
    """Ctrl-C met in Python code is said by launch.main; the watchdog's listener, which hears it
    too, then stays silent (else "Aborted!" could be written twice), as does its timer."""
    script = """if True:
        import os, signal, time
        from careergraph.query.watchdog import WATCHDOG, Stopped
        with WATCHDOG.guard(0.2, Stopped("q", 0.2)):
            WATCHDOG.hush()  # as launch.main does on KeyboardInterrupt
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)  # the listener and the timer have their chance
            except KeyboardInterrupt:
                time.sleep(1)
        print("said once")
        """
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "said once\n", "")
