"""Running a named query on a store, bounded in time: where :mod:`careergraph.query` (checking,
binding, the workers) and :mod:`careergraph.stores` (the engines) meet.

It sits above both, so neither imports the other's callers: stores use the
query toolkit, and this module hands a checked, bound query to a store.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from .query.params import bind_params
from .query.safety import check_query
from .stores import Store

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from rdflib import Graph

    from .names import Names
    from .query.catalogue import NamedQuery
    from .query.output import QueryOutput
    from .query.safety import CheckedQuery
    from .query.terms import Term

# Imported where they are used, not here: a cold `careergraph query NAME` on Oxigraph, written by
# pyoxigraph, needs neither the rdflib-backed memory store nor the Python result rows.

__all__ = ["run_query", "write_query"]


def run_query(
    store: Store | Graph,
    query: NamedQuery,
    *,
    params: Mapping[str, str] | None = None,
    index: Names | None = None,
    limit: int | None = None,
    timeout: float | None = 30.0,
    isolate: bool = True,
) -> QueryOutput:
    """Check, bind and run ``query`` on ``store``; stop it after ``timeout`` seconds.

    ``store`` is a :class:`careergraph.stores.Store`, or an rdflib graph (run in
    memory). With a timeout and ``isolate``, the query runs in the store's
    worker process (:meth:`careergraph.stores.Store.workers`), killed when the
    time passes while this process carries on: what a server or a library
    caller needs. Without ``isolate`` it runs in this process, and a
    :class:`~careergraph.query.workers.Watchdog` ends the whole process with the timeout error: what a
    one-shot command needs, and the fastest way (no fork, nothing copied).

    Raises
    ------
    UnsafeQueryError, QueryParameterError, UnknownNameError
        before anything runs.
    QuerySyntaxError
        when the store's engine cannot parse the query.
    QueryTimeoutError
        when the query is still running after ``timeout`` seconds.
    """
    if not isinstance(store, Store):
        from .stores.memory import MemoryStore

        store = MemoryStore.of(store)
    checked = check_query(query.text, trusted=query.trusted)
    bindings = bind_params(query, params or {}, index)
    return _run(store, checked, bindings, query.name, limit=limit, timeout=timeout, isolate=isolate)


def _run(
    store: Store,
    checked: CheckedQuery,
    bindings: dict[str, Term],
    name: str,
    *,
    limit: int | None,
    timeout: float | None,
    isolate: bool,
) -> QueryOutput:
    """Run a checked, bound query as :func:`run_query` says."""
    from .query.portable import settle_concat  # GROUP_CONCAT's order is each engine's own

    if timeout is None or sys.platform == "win32":
        return settle_concat(store.execute(checked, bindings, limit), checked.text)
    if isolate:
        return settle_concat(store.workers().run(checked, bindings, limit, timeout, name), checked.text)
    store.prepare()  # parsing the data is not the query's time, as for a worker
    with _watched(name, timeout):
        output = store.execute(checked, bindings, limit)
    return settle_concat(output, checked.text)


def _watched(name: str, timeout: float) -> Any:
    """The block in which this process ends with the query ``name`` 's timeout error after ``timeout``
    seconds: the watchdog's own module, not the worker processes' (which need threading)."""
    from .errors import QueryTimeoutError
    from .query.watchdog import WATCHDOG, overran

    return WATCHDOG.guard(timeout, QueryTimeoutError(overran(name, timeout)))


def write_query(
    store: Store,
    query: NamedQuery,
    fmt: str,
    *,
    params: Mapping[str, str] | None = None,
    index: Names | None = None,
    limit: int | None = None,
    timeout: float | None = 30.0,
    isolate: bool = True,
) -> bytes:
    """``query``'s answer as the bytes a command writes, in ``fmt``
    (:data:`careergraph.query.results.FORMATS`).

    Checked, bound and bounded in time as by :func:`run_query`. A store whose
    engine writes the format itself (:meth:`careergraph.stores.Store.write`:
    Oxigraph, for a SELECT) hands over its bytes, the same
    bytes :func:`careergraph.query.results.format_output` writes for any other store;
    from a worker process they come back as they are, never as terms.
    """
    from .query.results import WRITTEN

    checked = check_query(query.text, trusted=query.trusted)
    bindings = bind_params(query, params or {}, index)
    answer: QueryOutput | tuple[bytes, bool] | None = None
    if fmt in WRITTEN and type(store).write is not Store.write:
        if timeout is None or sys.platform == "win32":
            answer = store.write(checked, bindings, fmt, limit)
        elif isolate:
            from .query.output import QueryOutput
            from .query.portable import settle_concat

            answer = store.workers().ask(checked, bindings, limit, timeout, query.name, fmt=fmt)
            if isinstance(answer, QueryOutput):
                answer = settle_concat(answer, checked.text)
        else:
            store.prepare()
            with _watched(query.name, timeout):
                answer = store.write(checked, bindings, fmt, limit)
    if answer is None:  # the engine cannot write it: checked and bound above, not again
        answer = _run(store, checked, bindings, query.name, limit=limit, timeout=timeout, isolate=isolate)
    if isinstance(answer, tuple):
        return answer[0]
    from .query.results import format_output

    text = format_output(answer, fmt)
    return (text + "\n" if fmt == "table" else text).encode()
