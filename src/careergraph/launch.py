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
"""

from __future__ import annotations

import os
import sys

from .record import Record

__all__ = ["Asked", "main", "parse", "quick_query"]

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
    from .query.catalogue import QUERY_NAME

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
    asked = parse(argv)
    if asked is None:
        return None
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
        return session.write(query, asked.format, params, timeout=asked.timeout)
    except CareergraphError as error:  # said as the click command says it: not run a second time
        raise Refused(str(error), error.exit_code) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise Refused(f"{where}{error.strerror or error}", 1) from None


class Refused(Exception):
    """A plain named query that failed: its message and exit status, for :func:`main` to say."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main() -> None:
    """``careergraph``: a plain named query answered at once, anything else by the click command."""
    try:
        answer = quick_query(sys.argv[1:])
    except KeyboardInterrupt:  # as click says it
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except Refused as error:  # a slow endpoint or a timed-out query is not asked twice
        sys.stderr.write(f"Error: {error}\n")
        sys.exit(error.exit_code)
    if answer is None:
        from .cli import main as click_main

        click_main()
        return
    try:
        sys.stdout.buffer.write(answer)
        sys.stdout.flush()
    except BrokenPipeError:  # `careergraph query roles | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(0)
