"""The watchdog: ends this process with an error when a query runs past its deadline.

For one-shot commands, which run their query in their own process: no fork,
no copy of the answer between processes. Built on :mod:`_thread` and
:mod:`_signal`, which every Python has loaded at start, rather than
:mod:`threading` and :mod:`signal` (which pulls in :mod:`enum`): a cold
``careergraph query NAME`` spends more on imports than on its query.
"""

from __future__ import annotations

import _signal
import _thread
import os
import sys
import time

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Said(Protocol):
        """What the watchdog says when it fires: the error's words and the exit status."""

        exit_code: int

        def __str__(self) -> str: ...


__all__ = ["WATCHDOG", "Stopped", "Watchdog", "overran"]


def overran(name: str, timeout: float) -> str:
    """What is said of the query ``name`` stopped after ``timeout`` seconds.

    >>> overran("roles", 0.5)
    "query 'roles' was stopped after 0.5 s; narrow it, add a LIMIT, or raise --timeout"
    """
    return f"query {name!r} was stopped after {timeout:g} s; narrow it, add a LIMIT, or raise --timeout"


class Stopped:
    """A :class:`~careergraph.errors.QueryTimeoutError` 's words and exit status, for the watchdog to
    say, made without importing :mod:`careergraph.errors` (a warm query's path: :mod:`careergraph.launch`)."""

    __slots__ = ("message",)
    exit_code = 1  # QueryTimeoutError's (tests/test_warm.py checks it)

    def __init__(self, name: str, timeout: float) -> None:
        self.message = overran(name, timeout)

    def __str__(self) -> str:
        return self.message


class Watchdog:
    """Ends this process with an error when a query runs past its deadline.

    One daemon thread waits for the deadline of the query running now;
    pyoxigraph lets go of the GIL while it evaluates and while it writes an
    answer, and rdflib, being Python, hands it over every few milliseconds, so
    the thread wakes on time. It writes the error as the CLI does and exits
    with the error's status.
    """

    def __init__(self) -> None:
        self._lock = _thread.allocate_lock()  # guards the fields below
        self._deadline: float | None = None  # None: nothing is running
        self._error: Said | None = None
        self._wakes_at: float | None = None  # when the thread wakes next (None: when told)
        self._started = False
        self._bell: Any = None  # released to wake the thread before it would wake by itself
        self._wake: tuple[int, int] | None = None
        self._said = _thread.allocate_lock()  # held by whoever ends the process: it is said once

    def hush(self) -> None:
        """Keep this watchdog's threads from saying anything: the main thread says why the process
        ends (a Ctrl-C met in Python code, which the listener may have heard too). Waits while a
        thread is saying it, which then ends the process."""
        self._said.acquire()

    def guard(self, seconds: float, error: Said) -> _Guarded:
        """A context in which this process ends with ``error`` once ``seconds`` have passed."""
        return _Guarded(self, seconds, error)

    def _arm(self, seconds: float, error: Said) -> None:
        with self._lock:
            self._deadline, self._error = time.monotonic() + seconds, error
            if not self._started:
                self._started = True
                self._bell = _thread.allocate_lock()
                self._bell.acquire()
                _thread.start_new_thread(self._watch, ())
            elif self._wakes_at is None or self._wakes_at > self._deadline:
                # Woken only when it would sleep past this deadline: a thread switch per
                # query costs as much as a quick query.
                self._ring()

    def _disarm(self) -> None:
        with self._lock:
            self._deadline = None

    def _ring(self) -> None:
        try:
            self._bell.release()
        except RuntimeError:  # rung already, not yet heard
            pass

    def _catch_interrupts(self) -> int | None:
        """Have Ctrl-C end the process even while an engine holds the main thread in native code.

        Python runs its handler only when the main thread returns to Python,
        which pyoxigraph does not do until the query ends; but the signal's
        number is written at once to the wakeup descriptor, which a thread reads.
        Returns the descriptor to restore (None when not on the main thread).
        """
        if self._wake is None:
            reader, writer = os.pipe()  # a pipe, not a socket pair: no socket module to import
            os.set_blocking(writer, False)
            try:
                previous = _signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
            except ValueError:  # not the main thread
                os.close(reader)
                os.close(writer)
                return None
            self._wake = (reader, writer)
            _thread.start_new_thread(self._listen, (reader,))
            return previous  # type: ignore[no-any-return]
        try:
            return _signal.set_wakeup_fd(self._wake[1], warn_on_full_buffer=False)  # type: ignore[no-any-return]
        except ValueError:
            return None

    def _listen(self, reader: int) -> None:
        while True:
            try:
                received = os.read(reader, 64)
            except OSError:
                return
            if not received:
                return
            if _signal.SIGINT in received and self._deadline is not None:
                if not self._said.acquire(False):  # the main thread says it
                    return
                sys.stdout.flush()
                sys.stderr.write("\nAborted!\n")  # what click says for Ctrl-C
                sys.stderr.flush()
                os._exit(1)

    def _watch(self) -> None:
        while True:
            with self._lock:
                deadline, error = self._deadline, self._error
                left = None if deadline is None else deadline - time.monotonic()
                self._wakes_at = deadline
            if left is None:
                self._bell.acquire()  # until a query starts
                continue
            if left > 0:
                # until its deadline, or an earlier one (a lock waits at most TIMEOUT_MAX at a time)
                self._bell.acquire(timeout=min(left, _thread.TIMEOUT_MAX))
                continue
            assert error is not None
            if not self._said.acquire(False):  # the main thread says why the process ends
                return
            sys.stdout.flush()
            sys.stderr.write(f"Error: {error}\n")
            sys.stderr.flush()
            os._exit(error.exit_code)


class _Guarded:
    """The block :meth:`Watchdog.guard` watches (a plain context manager: no :mod:`contextlib`)."""

    __slots__ = ("watchdog", "seconds", "error", "previous")

    def __init__(self, watchdog: Watchdog, seconds: float, error: Said) -> None:
        self.watchdog, self.seconds, self.error = watchdog, seconds, error
        self.previous: int | None = None

    def __enter__(self) -> None:
        self.watchdog._arm(self.seconds, self.error)
        self.previous = self.watchdog._catch_interrupts()

    def __exit__(self, *exc: object) -> None:
        self.watchdog._disarm()
        if self.previous is not None:
            _signal.set_wakeup_fd(self.previous)


#: the process-wide watchdog of queries run in this process
WATCHDOG = Watchdog()
