"""Work done in a forked copy of the process, its result read back through a pipe.

The importer reads part of the wiki's files, then the second half of its
pages, in a child while the parent reads the rest; a first run on new data
fills the embedded store in one child and builds the role projection in
another while the parent builds the label index. A child starts from the
parent's memory as it stands (no state to send), and returns one pickled
value. Where ``fork`` is missing, or the child fails in any way,
:func:`start` or :meth:`Forked.result` gives None and the caller does the work
itself: the answer is the same, only later.

>>> child = start(lambda: sum(range(10)))
>>> child is None or child.result() == 45
True
>>> failing = start(lambda: 1 // 0)
>>> failing is None or failing.result() is None
True
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Forked", "available", "jobs", "start"]


def available() -> bool:
    """Whether work should go to a forked child here: ``fork`` exists, there is a second core to run it,
    and this process runs no other thread.

    A thread may hold a lock at the moment of the fork, which the child then
    waits on for ever (``careergraph import`` and a first run run none).
    Threads a library starts in native code count too: once an Oxigraph store
    has been opened, RocksDB's own threads are gone in a child, which then
    hangs on its first store. Not on macOS, where a forked child of a process
    that has loaded system frameworks may crash.
    """
    return hasattr(os, "fork") and sys.platform != "darwin" and (os.cpu_count() or 1) > 1 and _threads() == 1


def jobs() -> int:
    """How many processes work may be shared among here: 2 where :func:`available` says, else 1."""
    return 2 if available() else 1


def _threads() -> int:
    """How many threads this process runs: from the system where it says (native ones too)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


class Forked:
    """A child process computing one value; :meth:`result` waits for it."""

    def __init__(self, pid: int, fd: int) -> None:
        #: the child, until it is reaped; the pipe's end, until it is read or closed (then None)
        self._pid: int | None = pid
        self._fd: int | None = fd
        self._data = b""
        self._value: Any = None
        self._lock = threading.Lock()  # two threads asking at once: one reads the pipe, both get the value

    def result(self) -> Any | None:
        """The child's value, or None when it failed (an exception, a signal, nothing written); waits
        for the child the first time, and gives the same value again after.

        Interrupted (Ctrl-C), it leaves nothing half-done to trip over: the
        pipe is given up before it is read, so no later call reads or closes
        a descriptor number the process has since reused; a later call or
        :meth:`cancel` reaps the child.
        """
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None:
                with os.fdopen(fd, "rb") as pipe:
                    self._data = pipe.read()
            if self._pid is not None:
                _pid, status = os.waitpid(self._pid, 0)
                self._pid = None
                if status == 0 and self._data:
                    try:
                        self._value = pickle.loads(self._data)
                    except Exception:  # a child cut short mid-write: do the work here instead
                        pass
                self._data = b""
            return self._value

    def cancel(self) -> None:
        """Stop the child and forget its work (the parent failed meanwhile)."""
        with self._lock:
            fd, self._fd = self._fd, None
            if fd is not None:
                os.close(fd)
            if self._pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
                os.waitpid(self._pid, 0)
                self._pid = None

    def wait_at_exit(self) -> None:
        """Wait for the child as the process ends (an ``atexit`` hook: a command ends only once its
        children have); on Ctrl-C, which reaches the child too, stop it instead of waiting on."""
        try:
            self.result()
        except KeyboardInterrupt:
            self.cancel()


def start(work: Callable[[], Any]) -> Forked | None:
    """Run ``work()`` in a forked child; None when no child could be started."""
    if not hasattr(os, "fork"):
        return None
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: compute, write, and leave without running the parent's clean-up
        # The short-lived child collects nothing: a collection would touch (and so copy) every page of
        # the parent's memory its objects sit on. (Not gc.freeze() in the parent: unfreezing moves every
        # object to the oldest generation, and the parent's next full collections come far later.)
        gc.disable()
        code = 1
        try:
            os.close(read)
            data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
        except BaseException:  # noqa: BLE001 - any failure: the parent does the work itself
            pass
        finally:
            os._exit(code)
    os.close(write)
    return Forked(pid, read)
