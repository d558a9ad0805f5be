"""Work in a forked child: when forking is safe, and a parent interrupted while it waits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from careergraph import forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is what these tests are about")


@pytest.fixture
def interrupt_soon() -> Iterator[None]:
    """A Ctrl-C a tenth of a second from now, wherever this process is then."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 0.1)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, before)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
    reason="counts a Linux process's threads, and forks only with a second core",
)
def test_a_native_thread_makes_forking_unsafe(tmp_path: Path) -> None:
    # In a process of its own (pytest's may run threads): an open Oxigraph store runs RocksDB's threads,
    # which a child would not have, and would wait on for ever.
    code = (
        "import sys, pyoxigraph\nfrom careergraph import forked\nbefore = forked.available()\n"
        "store = pyoxigraph.Store(sys.argv[1])\nprint(before, forked.available())"
    )
    command = [sys.executable, "-c", code, str(tmp_path / "store")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.stdout.split() == ["True", "False"], done.stderr


def test_a_result_cut_short_leaves_no_descriptor_to_trip_over(tmp_path: Path, interrupt_soon: None) -> None:
    child = forked.start(lambda: time.sleep(0.5) or 42)
    assert child is not None
    with pytest.raises(KeyboardInterrupt):
        child.result()
    with open(tmp_path / "opened-since", "w") as since:  # may get the pipe's number
        assert child.result() is None  # the pipe was given up unread: the child is reaped, its value lost
        since.write("still open")
    assert (tmp_path / "opened-since").read_text() == "still open"


def test_ctrl_c_while_waiting_at_exit_stops_the_child(interrupt_soon: None) -> None:
    child = forked.start(lambda: time.sleep(60))
    assert child is not None
    pid = child._pid
    child.wait_at_exit()  # interrupted: it stops the child rather than wait a minute
    assert pid is not None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already
