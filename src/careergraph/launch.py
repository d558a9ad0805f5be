"""The ``careergraph`` command's entry point: a named query straight to its answer, the rest to click.

A cold ``careergraph query NAME`` is mostly Python starting up and importing;
click and the command table cost as much as opening the store and running the
query. So a command line that is plainly a shipped query (``[--data PATH]…
[--store STORE] query NAME [-p NAME=VALUE]… [-f FORMAT] [--timeout SECONDS]``)
is answered here, through the same :class:`careergraph.session.Session` the
click command uses, without importing click. Anything else goes to
:func:`careergraph.cli.main`. An error met while answering (an unknown name, a
bad value, a store that fails) is said here, once, in click's words and with
its exit status: running the command again through click would wait for a
slow store, or ask an endpoint, a second time.

Warm, such a command line on the default store is answered without the
session at all (:func:`warm_answer`): from a memo (:func:`learn`) of what the
last full answer of that query on those files needed (the store's folder, the
files' and folders' :func:`careergraph.cache.stat_key`, the query's text and
where its parameters go) and each kind of name's labels, normalised as the
label index has them. It imports no :mod:`pathlib`, :mod:`hashlib`,
:mod:`sqlite3`, :mod:`threading` nor the session; in ``csv`` it imports no more
than the ``python -c`` floor does (pyoxigraph) and a few small modules, no
:mod:`re` either, while ``tsv``, ``json`` and ``xml`` import
:mod:`careergraph.query.results` to even out pyoxigraph's bytes, and with it
:mod:`re`, :mod:`enum` and :mod:`careergraph.errors` (and :mod:`json` for
``json``). Anything it does not
know for sure (a file touched since, a query file edited, an unknown name, a
format pyoxigraph does not write) goes the full way, which says any error and
learns again.
"""

from __future__ import annotations

import gc
import os
import sys

from . import __version__
from .record import Record

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from .query.catalogue import NamedQuery

__all__ = ["Asked", "learn", "main", "parse", "quick_query", "warm_answer"]

#: The warm memo's name in the cache folder: bump the number when what it holds changes shape.
WARM_MEMO = "warm-1.marshal"
#: The first line of a store's list of names (:func:`_learn_names`).
_NAMES_HEADER = b"careergraph names 2\n"
#: What a warm answer is written in by pyoxigraph itself (``table`` is careergraph's: the full way).
_WARM_FORMATS = ("csv", "tsv", "json", "xml")
#: What an IRI from the list of names may never hold: it is written into the query as ``<iri>``
#: (besides these, no whitespace or control character: see :func:`_plain_iri`).
_NOT_IN_IRI = frozenset('<>"{}|^`\\')
#: How many command lines' data the memo remembers (the oldest is forgotten first).
_WARM_ENTRIES = 64
_PACKAGE = os.path.dirname(os.path.abspath(__file__))

_FORMATS = ("table", "csv", "tsv", "json", "xml")


def _value(argv: list[str], i: int, short: str, long: str) -> tuple[str, int] | None:
    """The value of option ``argv[i]`` if it is ``short``/``long`` (``-fcsv``, ``-f csv``,
    ``--format=csv``, ``--format csv``), and the index after it; None if it is not that option."""
    arg = argv[i]
    if arg == long or (short and arg == short):
        return (argv[i + 1], i + 2) if i + 1 < len(argv) else None
    if arg.startswith(long + "="):
        return arg[len(long) + 1 :], i + 1
    if short and arg.startswith(short) and not arg.startswith("--"):
        return arg[len(short) :], i + 1
    return None


class Asked(Record):
    """What a plain named-query command line asks for."""

    __slots__ = ("data", "store", "name", "params", "format", "timeout")
    data: list[str]
    store: str | None
    name: str
    params: list[str]
    format: str
    timeout: float

    def __init__(
        self, data: list[str], store: str | None, name: str, params: list[str], format: str, timeout: float
    ) -> None:
        self._set(data=data, store=store, name=name, params=params, format=format, timeout=timeout)


def parse(argv: list[str]) -> Asked | None:
    """What a plain named-query command line asks for, or None when click must read it.

    >>> parse(["--data", "x.ttl", "query", "roles", "-f", "csv"]).format
    'csv'
    >>> parse(["query", "role-skills", "-p", "role=Data Scientist", "--timeout=5"]).params
    ['role=Data Scientist']
    >>> parse(["query", "roles", "--limit", "3"]) is None, parse(["query", "../x"]) is None
    (True, True)
    """
    from .query.catalogue import QUERY_NAME  # imports neither re nor pathlib

    data: list[str] = []
    store: str | None = None
    i = 0
    while i < len(argv) and argv[i] != "query":
        found = _value(argv, i, "", "--data")
        if found is not None:
            data.append(found[0])
        else:
            found = _value(argv, i, "", "--store")
            if found is None:
                return None
            store = found[0]
        i = found[1]
    if i + 1 >= len(argv) or not QUERY_NAME.fullmatch(argv[i + 1]):
        return None
    name, i = argv[i + 1], i + 2
    params: list[str] = []
    fmt, timeout = "table", 30.0
    while i < len(argv):
        found = _value(argv, i, "-p", "--param")
        if found is not None:
            params.append(found[0])
        elif (found := _value(argv, i, "-f", "--format")) is not None:
            if found[0] not in _FORMATS:
                return None
            fmt = found[0]
        elif (found := _value(argv, i, "", "--timeout")) is not None:
            try:
                timeout = float(found[0])
            except ValueError:
                return None
            if not 0 < timeout < float("inf"):
                return None
        else:
            return None
        i = found[1]
    return Asked(data, store, name, params, fmt, timeout)


def quick_query(argv: list[str]) -> bytes | None:
    """The answer to a plain named-query command line, or None: let click run it.

    Raises
    ------
    Refused
        when the query cannot be answered (an unknown name, a bad value, a store that fails):
        said once, here, as the click command would say it.
    """
    answered = _answered(argv)
    return None if answered is None else answered[0]


def _answered(argv: list[str]) -> tuple[bytes, bool] | None:
    """:func:`quick_query` 's answer, and whether it was answered warm (:func:`warm_answer`)."""
    asked = parse(argv)
    if asked is None:
        return None
    warm = warm_answer(asked)
    if warm is not None:
        return warm, True
    from pathlib import Path

    from .data import shipped_dir
    from .errors import CareergraphError
    from .query.catalogue import find_query, parse_param_options
    from .session import Session

    # As click reads them: each --data may hold several paths, as CAREERGRAPH_DATA does.
    data = [Path(p) for item in asked.data for p in item.split(os.pathsep) if p]
    store = asked.store or os.environ.get("CAREERGRAPH_STORE") or None
    try:
        session = Session(data, store)
        query = find_query(asked.name, shipped_dir("queries"))
        params = parse_param_options(asked.params)
        before = _snapshot(asked, session) if (store or "embedded") == "embedded" else None
        answer = session.write(query, asked.format, params, timeout=asked.timeout)
    except CareergraphError as error:  # said as the click command says it: not run a second time
        raise Refused(str(error), error.exit_code) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise Refused(f"{where}{error.strerror or error}", 1) from None
    if before is not None:
        learn(asked, session, query, before)
    return answer, False


def _context(asked: Asked, oxigraph: str) -> tuple[object, ...]:
    """What decides which files a command line reads, and into which store: the memo's key."""
    return (
        "data",
        _PACKAGE,
        __version__,
        oxigraph,
        sys.version_info[:2],
        os.getcwd(),
        tuple(asked.data),
        os.environ.get("CAREERGRAPH_DATA"),
        os.environ.get("XDG_DATA_HOME"),
        os.path.expanduser("~"),
    )


def _names_memo(store: str, kind: str) -> str:
    """The list of ``kind`` 's names in the store at ``store`` (its folder's name is its content's
    key; :data:`careergraph.cache.FORMAT` names how the label index normalised them)."""
    from .cache import FORMAT

    return f"{os.path.basename(store)}.{kind}-names-2-f{FORMAT}.txt"


def _plain_iri(iri: str) -> bool:
    """Whether ``iri`` may be written into a query as ``<iri>``: not empty, and no whitespace,
    control character nor any of ``<>"{}|^`\\`` (nothing that could end it or say more).

    >>> _plain_iri("https://w3id.org/careergraph/id/role/x"), _plain_iri("urn:a> <urn:b")
    (True, False)
    """
    return bool(iri) and iri.isprintable() and " " not in iri and _NOT_IN_IRI.isdisjoint(iri)


def _given(params: list[str]) -> dict[str, str] | None:
    """``-p NAME=VALUE`` options by name, as :func:`~careergraph.query.catalogue.parse_param_options`
    reads them; None where it would refuse them (then the full way says why)."""
    values: dict[str, str] = {}
    for option in params:
        name, sep, value = option.partition("=")
        name = name.strip()
        if not sep or not name or name in values:
            return None
        values[name] = value
    return values


def _warm_name(store: str, kind: str, name: str) -> str | None:
    """The IRI of the ``kind`` called ``name`` as :meth:`careergraph.names.Names.lookup` finds it,
    from the store's list of names (:func:`_learn_names`); None when it is not there, unknown or
    ambiguous. The list is sorted, and searched by halves where it lies, a few hundred bytes read
    at a time: neither read whole (a megabyte at a million triples) nor made a dict of."""
    from .cache import cache_folder

    if "\n" in name or "\t" in name:  # never a line of the list, nor spanning two
        return None
    try:
        names = os.open(os.path.join(cache_folder(), _names_memo(store, kind)), os.O_RDONLY)
    except OSError:
        return None
    try:
        if os.pread(names, len(_NAMES_HEADER), 0) != _NAMES_HEADER:
            return None
        if name.startswith(("http://", "https://")):
            found = _next_line(names, _first_at_least(names, (1, name.encode())))
            iri = name if found is not None and found[1] == b"i\t" + name.encode() else None
        else:
            iri = _listed(names, name)
    except (OSError, ValueError):  # a damaged list (costs speed only), or a name not UTF-8's bytes
        return None
    finally:
        os.close(names)
    return iri if iri is not None and _plain_iri(iri) else None  # a tampered list: the full way


def _listed(names: int, name: str) -> str | None:
    """The one IRI the list open as ``names`` gives ``name`` (normalised), or None: not there, or
    several.

    Raises
    ------
    ValueError
        when a line read is cut short, is neither a name nor an IRI, or is not UTF-8.
    """
    from .names import normalise, variants

    for key in variants(normalise(name)):
        target = (0, key.encode())
        found = _next_line(names, _first_at_least(names, target))
        if found is None or _order(found[1]) != target:
            continue
        after = _next_line(names, found[2])
        if after is not None and _order(after[1]) == target:
            return None  # several IRIs have that name (the list being sorted, they are neighbours)
        return found[1].rpartition(b"\t")[2].decode()
    return None


def _order(line: bytes) -> tuple[int, bytes]:
    """Where ``line`` of a list of names sorts: names (``k<TAB>key<TAB>iri``) by key, before IRIs
    (``i<TAB>iri``) by IRI, as :func:`_learn_names` writes them. Raises ValueError for any other."""
    kind, _, rest = line.partition(b"\t")
    if kind == b"k":
        return 0, rest.partition(b"\t")[0]
    if kind == b"i":
        return 1, rest
    raise ValueError(f"not a line of a list of names: {line[:80]!r}")


def _first_at_least(names: int, target: tuple[int, bytes]) -> int:
    """Where the first line of the list open as ``names`` that sorts at or after ``target``
    (:func:`_order`) starts; the list's size when none does."""
    # Lines starting before low sort before target; the one at high (if any) at or after it.
    low, high = len(_NAMES_HEADER), os.fstat(names).st_size
    while low < high:
        found = _next_line(names, (low + high) // 2)
        if found is None or found[0] >= high:  # no line from the middle to high: low's decides
            found = _next_line(names, low)
        if found is None:  # low is the end: so is high
            return low
        if _order(found[1]) >= target:
            high = found[0]
        else:
            low = found[2]
    return low


#: How many bytes of a list of names one look reads: a line or a few.
_LOOK = 512


def _next_line(names: int, at: int) -> tuple[int, bytes, int] | None:
    """The first line of the list open as ``names`` that starts at ``at`` or after it: where it
    starts, the line without its line break, and where the next starts; None at the end.

    Raises
    ------
    ValueError
        when the list ends in a line cut short (no line break ends it).
    """
    read = os.pread(names, _LOOK, at - 1)  # a line starts after a line break
    while b"\n" not in read or b"\n" not in read[read.index(b"\n") + 1 :]:
        more = os.pread(names, _LOOK, at - 1 + len(read))
        if not more:
            if read.endswith(b"\n"):
                return None
            raise ValueError(f"a list of names cut short: {read[-80:]!r}")
        read += more
    start = read.index(b"\n") + 1
    end = read.index(b"\n", start)
    return at - 1 + start, read[start:end], at + end


def warm_answer(asked: Asked) -> bytes | None:
    """The answer to ``asked`` from the warm memo (:func:`learn`), or None: go the full way.

    Content-safe: the query file is read and must be the text the memo holds;
    every data file and folder must have the :func:`~careergraph.cache.stat_key`
    it had (kept only once it had been left alone for two seconds); the store is
    the one the files' content names. Stopped at its time limit as the full way is.
    """
    store_spec = asked.store or os.environ.get("CAREERGRAPH_STORE") or "embedded"
    if asked.format not in _WARM_FORMATS or store_spec != "embedded" or sys.platform == "win32":
        return None
    if os.path.exists(asked.name):  # find_query reads a file of that name as the query: the full way
        return None
    from .cache import read_memo, stat_key

    memo = read_memo(WARM_MEMO)
    given = _given(asked.params)
    if given is None:
        return None
    import pyoxigraph

    try:  # a memo of another shape (damaged, or not careergraph's) is no memo
        path, text, brace, params = memo[("query", _PACKAGE, __version__, asked.name)]
        kinds = {str(name): str(kind) for name, kind in params}
        watched, store = memo[_context(asked, pyoxigraph.__version__)]
        unchanged = all(stat_key(name) == key for name, key in watched)
        if not (isinstance(text, str) and isinstance(brace, int) and isinstance(store, str)):
            return None
    except (KeyError, ValueError, TypeError):
        return None
    if not unchanged or set(given) != set(kinds) or stat_key(f"{store}/CURRENT") is None:
        return None
    try:
        with open(path, encoding="utf-8") as file:
            if file.read() != text:  # edited since: the full way reads it again
                return None
    except (OSError, UnicodeDecodeError, TypeError):
        return None
    values = []
    for name, value in given.items():  # in the order given, as the full way binds them
        iri = _warm_name(store, kinds[name], value)
        if iri is None:
            return None
        values.append(f"VALUES ?{name} {{ <{iri}> }}")
    if values:  # as careergraph.query.params.bind_in_text writes them
        text = f"{text[: brace + 1]} {' '.join(values)} {text[brace + 1 :]}"
    try:
        opened = pyoxigraph.Store.read_only(store)
    except OSError:
        return None
    from .query.watchdog import WATCHDOG, Stopped

    with WATCHDOG.guard(asked.timeout, Stopped(asked.name, asked.timeout)):
        try:
            solutions: Any = opened.query(text)  # a SELECT: the memo holds no other form
            if asked.format != "csv":
                from .query.results import written

                answer = written(solutions, asked.format)
                return None if answer is None else answer[0]
            csv = solutions.serialize(format=pyoxigraph.QueryResultsFormat.CSV)
        except (OSError, SyntaxError, ValueError):
            return None
    # as careergraph.query.results.written: Python's csv writes an empty one-column cell as ""
    if len(solutions.variables) == 1 and b"\r\n\r\n" in csv:
        return None
    return csv  # type: ignore[no-any-return]


def _snapshot(asked: Asked, session: Any) -> tuple[list[str], list[tuple[int, ...] | None], int] | None:
    """The data files and folders ``session`` will read, their :func:`~careergraph.cache.stat_key` s
    and the time they were taken, before the full way answers ``asked``; None when what it answers
    could not be answered warm (another store, a format careergraph writes)."""
    import time

    from .data import _FORMATS as DATA_SUFFIXES
    from .data import DATA_ENV, generated_dir
    from .stores.oxigraph import EmbeddedStore

    store = session.store  # the files are listed, nothing is read yet
    if asked.format not in _WARM_FORMATS or not isinstance(store, EmbeddedStore):
        return None
    from .cache import stat_key

    paths = [*session.paths, *store.files]
    if not asked.data and not os.environ.get(DATA_ENV):
        paths.append(generated_dir())  # it counts once it holds a file, so it is watched while absent
    taken = time.time_ns()
    watched = list(dict.fromkeys(os.path.abspath(path) for path in paths))
    for folder in [name for name in watched if os.path.isdir(name)]:
        # every data name, not only the files listed: a link to no file yet is keyed None, and
        # changes when its target appears (the folder's own key does not)
        try:
            named = sorted(n for n in os.listdir(folder) if os.path.splitext(n)[1] in DATA_SUFFIXES)
        except OSError:
            return None
        watched += [path for n in named if (path := os.path.join(folder, n)) not in watched]
    return watched, [stat_key(name) for name in watched], taken


def learn(
    asked: Asked,
    session: Any,
    query: NamedQuery,
    before: tuple[list[str], list[tuple[int, ...] | None], int],
) -> None:
    """Keep in the warm memo what :func:`warm_answer` needs to answer ``asked`` again, just
    answered the full way by ``session``: what it can answer for sure, and only that.

    ``before`` is :func:`_snapshot` 's, taken before the answer: the data's entry is kept only
    when every file and folder had been left alone for two seconds then, and is still as it was
    (:func:`careergraph.cache.settled`), so the store answered from is the one those keys name.
    """
    store = session.store
    if not query.trusted:
        return
    import sqlite3

    import pyoxigraph

    from .cache import read_memo, settled, stat_key, write_memo
    from .prefixes import KINDS
    from .query.params import _opening_brace
    from .query.portable import concatenated
    from .query.safety import check_query

    if check_query(query.text, trusted=True).form != "SELECT" or concatenated(query.text):
        return  # not written by the engine (or settled by careergraph): the full way
    if any(param.kind not in KINDS for param in query.params):
        return
    folder = store.path
    if folder is None or stat_key(f"{folder}/CURRENT") is None:
        return
    watched, keys, taken = before
    try:
        for kind in {param.kind for param in query.params}:
            _learn_names(str(folder), kind, session.index.db)
    except (OSError, sqlite3.Error, AttributeError):
        return
    memo = read_memo(WARM_MEMO)
    memo[("query", _PACKAGE, __version__, asked.name)] = (
        os.path.abspath(query.source),
        query.text,
        _opening_brace(query.text, 0),
        tuple((param.name, param.kind) for param in query.params),
    )
    context = _context(asked, pyoxigraph.__version__)
    memo.pop(context, None)
    if settled(keys, taken) and [stat_key(name) for name in watched] == keys:
        memo[context] = (tuple(zip(watched, keys, strict=True)), str(folder))
    for old in [key for key in memo if isinstance(key, tuple) and key[0] == "data"][:-_WARM_ENTRIES]:
        del memo[old]
    write_memo(WARM_MEMO, memo)


def _learn_names(store: str, kind: str, db: Any) -> None:
    """Keep the list of ``kind`` 's names for the store at ``store``, from the label index ``db``:
    a line ``k<TAB>key<TAB>iri`` for each normalised name and IRI, ``i<TAB>iri`` for each IRI of the
    kind. None is kept when a name or IRI holds a tab or a line break (then the kind goes the full way).
    """
    from .cache import cache_folder, write_file

    name = _names_memo(store, kind)
    if os.path.exists(os.path.join(cache_folder(), name)):
        return  # the store's folder is named by its content: so is this
    named = db.execute("SELECT key, iri FROM name WHERE kind = ? ORDER BY key, iri", (kind,))
    things = db.execute("SELECT iri FROM thing WHERE kind = ? ORDER BY iri", (kind,))
    # sorted as _warm_name searches them, as bytes (SQLite's order already, so at the cost of a pass)
    rows = [b"k\t" + key + b"\t" + iri for key, iri in sorted((k.encode(), i.encode()) for k, i in named)]
    rows += [b"i\t" + iri for iri in sorted(i.encode() for (i,) in things)]
    if any(row.count(b"\t") != row.startswith(b"k") + 1 or b"\n" in row or b"\r" in row for row in rows):
        return
    if not all(_plain_iri(row.rpartition(b"\t")[2].decode()) for row in rows):
        return
    write_file(name, _NAMES_HEADER + b"".join(row + b"\n" for row in rows))


class Refused(Exception):
    """A plain named query that failed: its message and exit status, for :func:`main` to say."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main() -> None:
    """``careergraph``: a plain named query answered at once, anything else by the click command."""
    # What start-up made lives as long as the process: set apart from the cyclic collector, it is
    # no longer walked by every collection that later imports set off (pyoxigraph's, on the warm
    # path: 2% of a warm answer's instructions). Whatever is made from here on is collected.
    gc.freeze()
    try:
        answered = _answered(sys.argv[1:])
    except KeyboardInterrupt:  # as click says it
        watchdog = sys.modules.get("careergraph.query.watchdog")
        if watchdog is not None:  # its listener may have heard the Ctrl-C too: said once
            watchdog.WATCHDOG.hush()
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except Refused as error:  # a slow endpoint or a timed-out query is not asked twice
        sys.stderr.write(f"Error: {error}\n")
        sys.exit(error.exit_code)
    if answered is None:
        from .cli import main as click_main

        click_main()
        return
    answer, warm = answered
    try:
        sys.stdout.buffer.write(answer)
        sys.stdout.flush()
    except BrokenPipeError:  # `careergraph query roles | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    if warm:
        # Tearing down the interpreter (every module, every object, one last collection) costs a
        # warm answer an eighth of its instructions, and it holds nothing that needs it: no thread
        # but the watchdog's, no file open for writing, a read-only store. The full way may still
        # be building the store in a thread (EmbeddedStore.facts), which an exit must wait for.
        sys.stderr.flush()
        os._exit(0)
    sys.exit(0)
