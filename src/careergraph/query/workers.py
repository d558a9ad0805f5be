"""Worker processes and the watchdog: what stops a query at its time limit."""

from __future__ import annotations

import contextlib
import os
import sys
import threading

from ..errors import CareergraphError, QueryMemoryError, QueryTimeoutError, ServerBusyError, rebuilt
from .output import QueryOutput, output_from_plain
from .safety import CheckedQuery
from .terms import Answer, Term

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Answering(Protocol):
        """What a worker asks of a store (:class:`careergraph.stores.Store` is one): the query
        module stays below the stores, which use it."""

        def prepare(self) -> None: ...

        def execute_plain(
            self, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None
        ) -> Answer: ...

        def write(
            self, query: CheckedQuery, bindings: dict[Any, Any], fmt: str, limit: int | None = None
        ) -> tuple[bytes, bool] | None: ...


def answer_requests(conn: Any, store: Answering) -> None:
    """The worker's loop: answer each checked query sent down ``conn`` until the parent hangs up."""
    import pickle
    import signal
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    while True:
        try:
            query, bindings, limit, fmt = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        # Pickled, not marshalled: marshal takes no tuple subclass, so no named term. Each answer
        # carries the processor time this process has used by then, which the parent takes as the
        # start of the next query's (it waits idle in between): no look at /proc per query. It
        # carries too how long this query took, to the microsecond (the processor time above
        # counts in ticks of 10 ms), which tells the parent whether it may run it itself next time.
        clock, cpu = time.perf_counter(), time.process_time()
        status, payload = _respond(store, query, bindings, limit, fmt)
        took = max(time.perf_counter() - clock, time.process_time() - cpu)
        conn.send_bytes(pickle.dumps((status, payload, _cpu(), took), pickle.HIGHEST_PROTOCOL))


def _respond(
    store: Answering, query: CheckedQuery, bindings: dict[Any, Any], limit: int | None, fmt: str | None
) -> tuple[str, Any]:
    """The answer to one query as a status and what goes with it (:func:`_answer` reads them):
    written by the engine where it can (bytes, sent as they are), else plain tuples, else the
    error in words (custom exceptions do not all pickle)."""
    try:
        written = store.write(query, bindings, fmt, limit) if fmt is not None else None
        if written is not None:
            return "written", written
        return "ok", store.execute_plain(query, bindings, limit)
    except CareergraphError as error:
        return "careergraph", (type(error).__name__, str(error), error.exit_code)
    except MemoryError:
        return "memory", ""
    except Exception as error:  # reported to the parent, which raises it
        return "error", f"{type(error).__name__}: {error}"


def answer_here(
    store: Answering, query: CheckedQuery, limit: int | None, fmt: str | None, name: str
) -> QueryOutput | tuple[bytes, bool]:
    """The answer to ``query`` from ``store`` in this process, as a worker would give it (and
    with the same errors): no time limit, no memory cap, so only for a query known to be quick."""
    return _answer(*_respond(store, query, {}, limit, fmt), name)


def _cpu() -> float:
    """The processor time (user and system) this process has used, in the units of /proc's."""
    times = os.times()
    return times.user + times.system


def die_with_parent(parent: int) -> None:
    """Have the kernel send this (just forked) process SIGTERM when ``parent``, which forked it,
    dies, even by SIGKILL, which runs none of its clean-up: Linux only, elsewhere nothing.

    The kernel watches the *thread* that forked: fork from the main thread only.
    """
    import signal

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # 1: PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it died before the kernel was told: nobody would say so now
        os.kill(os.getpid(), signal.SIGTERM)


def _close_sockets(keep: int) -> None:
    """Close every socket this (forked) process inherited but ``keep``: a server's listening
    socket, its clients' connections, other workers' pipes."""
    import stat

    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: nothing to learn the descriptors from
        return
    for fd in descriptors:
        if fd == keep:
            continue
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)


def _cap_memory(extra: int) -> None:
    """Let this process map at most ``extra`` bytes more than it has now (``RLIMIT_AS``)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    except (OSError, StopIteration, ValueError):
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def _end_child(pid: int, conn: Any) -> None:
    import os
    import signal

    conn.close()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class QueryWorker:
    """A child process, forked from this one, that runs checked queries on a store one at a time.

    Neither rdflib nor pyoxigraph can stop a running query, so queries run in
    the child, which is killed (and forked again for the next query) when one
    overruns its time limit. Forking once and reusing the child keeps what a
    query costs close to what the engine takes: forking for every query would
    cost milliseconds for a small process and tens of them for one holding a
    large graph.
    """

    def __init__(
        self, store: Answering, *, memory_cap: int | None = None, close_sockets: bool = False
    ) -> None:
        self.store = store
        #: bytes the child may map beyond what it holds when forked (None: no cap)
        self.memory_cap = memory_cap
        #: close every inherited socket in the child (a server's listening and client sockets)
        self.close_sockets = close_sockets
        self._pid: int | None = None
        self._conn: Any = None
        self._lock = threading.Lock()
        #: which pool of workers this one belongs to (a server renews its pools by generation)
        self.generation = 0
        #: the processor time the child had used when it last answered (None: not known)
        self.cpu_used: float | None = None
        #: seconds the last query took in the child, processor or clock time whichever was longer
        self.took: float | None = None
        # Reading answers on an event loop (ask_on_loop): the loop and descriptor watched,
        # what has arrived of the answer, and the future waiting for it.
        self._reader: tuple[Any, int] | None = None
        self._received = bytearray()
        self._answered: Any = None

    def start(self) -> None:
        """Fork the child now (else the first query does)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._pid is not None:
            return
        import os
        from multiprocessing import Pipe

        self.store.prepare()  # parse or open once, before forking: the child shares it
        ours, theirs = Pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        parent, on_main_thread = os.getpid(), threading.current_thread() is threading.main_thread()
        pid = os.fork()
        if pid == 0:  # the child never returns to the caller's code
            try:
                if on_main_thread:  # one forked by another thread lives only while that thread waits
                    die_with_parent(parent)
                ours.close()
                if self.close_sockets:
                    _close_sockets(keep=theirs.fileno())
                if self.memory_cap:
                    _cap_memory(self.memory_cap)
                    # An engine that runs out aborts with its own screenful on stderr: the parent
                    # reports it in a line instead.
                    devnull = os.open(os.devnull, os.O_WRONLY)
                    os.dup2(devnull, 2)
                    os.close(devnull)
                answer_requests(theirs, self.store)
            finally:
                os._exit(0)
        theirs.close()
        self._pid, self._conn = pid, ours
        self.cpu_used = self.took = None
        import weakref

        # Killed and reaped when this worker is dropped, or when this process exits.
        self._end = weakref.finalize(self, _end_child, pid, ours)

    def _died(self, name: str) -> CareergraphError:
        """The error for a child that hung up mid-query: how it ended, once it is reaped."""
        import signal

        pid = self._pid
        self._unlisten()
        self._end.detach()
        self._conn.close()
        self._pid = self._conn = None
        try:
            _, status = os.waitpid(pid, 0) if pid is not None else (0, 0)
        except ChildProcessError:
            status = 0
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            cause = signal.Signals(number).name if number in signal.Signals._value2member_map_ else number
            if number in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV) and self.memory_cap:
                return QueryMemoryError(
                    f"query {name!r} was stopped: the query engine ran out of the "
                    f"{self.memory_cap // 2**20} MiB it may use, or crashed ({cause})"
                )
            return CareergraphError(
                f"query {name!r} crashed the query engine ({cause}); nothing was answered"
            )
        return CareergraphError(
            f"query {name!r} ended without an answer (exit status {os.WEXITSTATUS(status)})"
        )

    def stop(self) -> None:
        """Kill the child; the next query forks a new one."""
        if self._pid is not None:
            self._unlisten()
            self._end()
            self._pid = self._conn = None

    def run(
        self,
        query: CheckedQuery,
        bindings: dict[str, Term],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        budget: float | None = None,
        over_budget: Any = None,
    ) -> QueryOutput:
        """The answer to ``query``, or :class:`QueryTimeoutError` after ``timeout`` seconds.

        With a ``budget`` (seconds), ``over_budget(self)`` is called each time
        that much more time passes with the query still running (see :meth:`ask`).
        """
        answer = self.ask(query, bindings, limit, timeout, name, budget=budget, over_budget=over_budget)
        assert isinstance(answer, QueryOutput)
        return answer

    def ask(
        self,
        query: CheckedQuery,
        bindings: dict[str, Term],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        fmt: str | None = None,
        budget: float | None = None,
        over_budget: Any = None,
    ) -> QueryOutput | tuple[bytes, bool]:
        """The answer to ``query``, or :class:`QueryTimeoutError` after ``timeout`` seconds.

        With a format ``fmt``, the answer comes as the bytes the store's engine wrote and
        whether rows past ``limit`` were cut (:meth:`careergraph.stores.Store.write`) when it
        can write them, else as a :class:`QueryOutput`.

        With a ``budget`` (seconds), ``over_budget(self)`` is called each time
        that much more time passes with the query still running: it returns
        True (the query goes on to the end), False (it is stopped with
        :class:`ServerBusyError`) or None (ask again after another budget).
        """
        import pickle

        with self._lock:
            self._start()
            try:
                self._conn.send_bytes(pickle.dumps((query, bindings, limit, fmt)))
                waited = 0.0
                while budget is not None and waited + budget < timeout and not self._conn.poll(budget):
                    waited += budget
                    verdict = over_budget(self)
                    if verdict is None:  # not over it yet (it waited for a processor): look again later
                        continue
                    if not verdict:
                        self.stop()
                        raise ServerBusyError(_STOPPED_BUSY)
                    break
                if not self._conn.poll(timeout - waited):
                    self.stop()
                    raise timed_out(name, timeout)
                status, payload, self.cpu_used, self.took = pickle.loads(self._conn.recv_bytes())
            except (EOFError, OSError):
                raise self._died(name) from None
        return _answer(status, payload, name)

    async def ask_on_loop(
        self,
        query: CheckedQuery,
        bindings: dict[str, Term],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        fmt: str | None = None,
        budget: float | None = None,
        over_budget: Any = None,
    ) -> QueryOutput | tuple[bytes, bool]:
        """:meth:`ask`, waited for on the running event loop instead of in a thread blocked on the pipe.

        The answer is read as it arrives (the loop watches the pipe for as long
        as the child lives), and the budget and the time limit are the loop's
        timers, the time limit's set only once a budget is spent (most queries
        end sooner): no thread, no lock, no hop between threads per query. The
        caller holds this worker alone.
        """
        import asyncio
        import pickle

        loop = asyncio.get_running_loop()
        self._start()
        self._listen(loop)
        done: asyncio.Future[bytes | None] = loop.create_future()
        self._answered = done
        timers: list[asyncio.TimerHandle] = []
        waited = 0.0
        ends = loop.time() + timeout

        def budget_spent() -> None:
            nonlocal waited
            if len(timers) == 1:
                timers.append(loop.call_at(ends, too_late))
            waited += budget  # type: ignore[operator]
            verdict = over_budget(self)
            if done.done():
                return
            if verdict is None:  # not over it yet (it waited for a processor): look again later
                if waited + budget < timeout:  # type: ignore[operator]
                    timers[0] = loop.call_later(budget, budget_spent)  # type: ignore[arg-type]
            elif not verdict:
                done.set_exception(ServerBusyError(_STOPPED_BUSY))

        def too_late() -> None:
            if not done.done():
                done.set_exception(timed_out(name, timeout))

        answered = False
        try:
            try:
                self._conn.send_bytes(pickle.dumps((query, bindings, limit, fmt)))
            except OSError:
                raise self._died(name) from None
            if budget is not None and budget < timeout:
                timers.append(loop.call_later(budget, budget_spent))
            else:
                timers.append(loop.call_at(ends, too_late))
            body = await done
            if body is None:
                raise self._died(name)
            answered = True
        finally:
            self._answered = None
            for timer in timers:
                timer.cancel()
            if not answered:  # stopped, or the caller went away: the child may be mid-query
                self.stop()
        status, payload, self.cpu_used, self.took = pickle.loads(body)
        return _answer(status, payload, name)

    def _listen(self, loop: Any) -> None:
        """Have ``loop`` read the child's answers as they arrive (:meth:`_readable`)."""
        if self._reader is not None and self._reader[0] is not loop:
            self._unlisten()  # watched by a loop that has gone (asked from another loop before)
        if self._reader is None:
            fd = self._conn.fileno()
            loop.add_reader(fd, self._readable, fd)
            self._reader = (loop, fd)

    def _unlisten(self) -> None:
        """Stop reading the pipe: before it is closed, or the loop would watch a number reused."""
        if self._reader is not None:
            loop, fd = self._reader
            self._reader = None
            with contextlib.suppress(RuntimeError):  # the loop is closed: nothing watches
                loop.remove_reader(fd)
        self._received.clear()

    def _readable(self, fd: int) -> None:
        try:
            # What has arrived (the descriptor is readable), in pieces that come from the heap:
            # a larger buffer is mapped and unmapped by the allocator for every read.
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        waiting = self._answered
        if not chunk:  # the child hung up: said to whoever waits, and the pipe is watched no more
            self._unlisten()
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
            elif waiting is None:
                self.stop()  # it died between queries: reaped now, and the next query forks another
            return
        self._received.extend(chunk)
        body = _framed(self._received)
        if body is not None:
            self._received.clear()  # one answer a query: nothing follows it
            if waiting is not None and not waiting.done():
                waiting.set_result(body)


_STOPPED_BUSY = "the server is busy with slow queries: this one was stopped; try again later"


def _framed(received: bytearray) -> bytes | None:
    """The message in ``received`` once all of it is in, as :mod:`multiprocessing`'s
    ``Connection.send_bytes`` frames it (its length, then its bytes), else None.

    >>> _framed(bytearray(b"\\x00\\x00\\x00\\x03abc")), _framed(bytearray(b"\\x00\\x00\\x00\\x03ab"))
    (b'abc', None)
    """
    import struct

    if len(received) < 4:
        return None
    (size,) = struct.unpack_from("!i", received)
    start = 4
    if size == -1:  # a message of 2 GiB or more: the real length follows
        if len(received) < 12:
            return None
        (size,) = struct.unpack_from("!Q", received, 4)
        start = 12
    if len(received) < start + size:
        return None
    return bytes(received[start : start + size])


def _answer(status: str, payload: Any, name: str) -> QueryOutput | tuple[bytes, bool]:
    """What a worker's answer means: the answer, or the error it stands for."""
    if status == "careergraph":
        raise rebuilt(*payload)
    if status == "memory":
        raise QueryMemoryError(f"query {name!r} was stopped: it needed more memory than it may use")
    if status == "error":
        raise CareergraphError(f"query {name!r} failed: {payload}")
    if status == "written":
        return (payload[0], payload[1])
    return output_from_plain(payload)


class WorkerPool:
    """Several :class:`QueryWorker` s for one store, so that queries from many threads run side by side."""

    def __init__(self, store: Answering, size: int = 1, **options: Any) -> None:
        import queue

        self.idle: queue.SimpleQueue[QueryWorker] = queue.SimpleQueue()
        self.workers = [QueryWorker(store, **options) for _ in range(max(1, size))]
        for worker in self.workers:
            self.idle.put(worker)

    def start(self) -> None:
        """Fork every worker now, before this process starts threads of its own."""
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def run(
        self, query: CheckedQuery, bindings: dict[str, Term], limit: int | None, timeout: float, name: str
    ) -> QueryOutput:
        """Run ``query`` on the first worker free (see :meth:`QueryWorker.run`)."""
        worker = self.idle.get()
        try:
            return worker.run(query, bindings, limit, timeout, name)
        finally:
            self.idle.put(worker)

    def ask(
        self,
        query: CheckedQuery,
        bindings: dict[str, Term],
        limit: int | None,
        timeout: float,
        name: str,
        *,
        fmt: str | None = None,
    ) -> QueryOutput | tuple[bytes, bool]:
        """Ask ``query`` of the first worker free (see :meth:`QueryWorker.ask`)."""
        worker = self.idle.get()
        try:
            return worker.ask(query, bindings, limit, timeout, name, fmt=fmt)
        finally:
            self.idle.put(worker)


# The watchdog of one-shot commands lives in its own small module (no threading, no signal):
# a cold named query imports it without the worker machinery above.
from . import watchdog as _watchdog  # noqa: E402

Watchdog = _watchdog.Watchdog
WATCHDOG = _watchdog.WATCHDOG


def timed_out(name: str, timeout: float) -> QueryTimeoutError:
    return QueryTimeoutError(_watchdog.overran(name, timeout))
