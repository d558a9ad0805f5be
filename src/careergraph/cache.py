"""A cache of what is slow to rebuild: the label index and the role projection.

Each is a small SQLite database keyed by the content of the loaded data (see
:meth:`careergraph.stores.Store.fingerprint`), careergraph's version and the
Python version, kept in the user's cache folder (``CAREERGRAPH_CACHE``, else
``$XDG_CACHE_HOME/careergraph``, else ``~/.cache/careergraph``). A database is
built in a temporary file and renamed into place, so a reader never sees half
of one, and opened read-only afterwards. Lookups read by index: a cold
``careergraph path`` on unchanged data reads a few pages of each database
instead of parsing the data, however large the data is, and never imports
rdflib or networkx.

Hashing a large Turtle file costs tens of milliseconds, so :func:`file_digests`
remembers each file's digest beside its size, inode and modification time (as
git's index does) and hashes again when any of them changes. A warm named
query (:mod:`careergraph.launch`) goes further and hashes nothing: it keeps
what it learned in a memo (:func:`read_memo`, :func:`write_memo`) beside each
file's and folder's :func:`stat_key`, which it trusts only once they have
been left alone for two seconds (:func:`settled`). So this module imports
:mod:`hashlib`, :mod:`sqlite3` and :mod:`pathlib` only where they are used.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import time

from . import __version__

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    import sqlite3
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any

__all__ = [
    "CACHE_ENV",
    "cache_dir",
    "cache_folder",
    "cached_database",
    "file_digests",
    "is_cached",
    "read_memo",
    "remove_leftovers",
    "scratch_name",
    "settled",
    "stat_key",
    "write_file",
    "write_memo",
]

CACHE_ENV = "CAREERGRAPH_CACHE"
#: Bump when what the databases hold changes shape.
FORMAT = 3
#: A file modified this recently may change again within its timestamp's resolution: hash it every time.
_SETTLED_NS = 2_000_000_000
_DIGESTS = "digests.marshal"
#: Written last into every database careergraph builds (``PRAGMA user_version``): a file without
#: it (empty, half-copied, someone else's) is not ours, and is built again.
_MARK = 0x63670000 + FORMAT


def cache_folder() -> str:
    """The folder the cache lives in, as a string (:func:`cache_dir` is the same as a path)."""
    if os.environ.get(CACHE_ENV):
        return os.environ[CACHE_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "careergraph")


def cache_dir() -> Path:
    """The folder the cache lives in."""
    from pathlib import Path

    return Path(cache_folder())


def scratch_name(name: str, kind: str) -> str:
    """The name of this process's unfinished (``kind`` "tmp", "building-…") or discarded ("old") copy of
    the cache entry ``name``: its pid is in it, so :func:`remove_leftovers` knows when it is orphaned."""
    return f".{name}.{os.getpid()}.{kind}"


def remove_leftovers(folder: Path) -> None:
    """Remove what ended processes left half-made in ``folder`` (:func:`scratch_name`) an hour ago or more.

    A process stopped by a signal it cannot catch (SIGKILL, a second Ctrl-C
    that stops a child outright) runs no clean-up: at 5 M triples its store
    alone is hundreds of megabytes. A leftover goes once no process here has
    its pid and nothing in it has changed for an hour: a build in another pid
    namespace or on another host sharing the folder (whose pid means nothing
    here) writes far more often than that, and a build that ended an hour ago
    is not coming back.
    """
    import shutil

    stale = time.time() - _ORPHANED_AFTER_S
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            owner = _scratch_owner(entry.name)
            if owner is None or owner == os.getpid() or _alive(owner) or _changed_since(entry, stale):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


#: How long a leftover of an ended process stays untouched before :func:`remove_leftovers` takes it.
_ORPHANED_AFTER_S = 3600


def _scratch_owner(name: str) -> int | None:
    """The pid in a :func:`scratch_name` (None: not one).

    >>> _scratch_owner(".oxigraph-5e1f.4242.building-k2j_3"), _scratch_owner(".ab.sqlite.17.tmp")
    (4242, 17)
    >>> _scratch_owner("ab.sqlite"), _scratch_owner(".digests.marshal"), _scratch_owner(".x.12.new")
    (None, None, None)
    >>> _scratch_owner(".x.\u00b2.tmp"), _scratch_owner(".x.99999999999999999999.tmp")  # not a pid
    (None, None)
    """
    parts = name.rsplit(".", 2)
    if len(parts) != 3 or not name.startswith(".") or not (parts[1].isascii() and parts[1].isdigit()):
        return None
    kind = parts[2]
    pid = int(parts[1])
    return pid if pid < 2**31 and (kind in ("tmp", "old") or kind.startswith("building-")) else None


def _alive(pid: int) -> bool:
    """Whether a process here has ``pid`` (someone else's too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        pass
    return True


def _changed_since(entry: os.DirEntry[str], moment: float) -> bool:
    """Whether ``entry``, or anything directly in it, was modified after ``moment``."""
    try:
        if entry.stat(follow_symlinks=False).st_mtime > moment:
            return True
        if entry.is_dir(follow_symlinks=False):
            with os.scandir(entry.path) as inside:
                return any(item.stat(follow_symlinks=False).st_mtime > moment for item in inside)
    except OSError:  # gone meanwhile: someone else took it
        return True
    return False


def _replace(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = os.path.join(os.path.dirname(path), scratch_name(os.path.basename(path), "tmp"))
    try:
        with open(temporary, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def stat_key(path: str) -> tuple[int, ...] | None:
    """What changes whenever the file or folder at ``path`` does (None: there is nothing there).

    Its inode, device, size, and the times of its last change of content
    (``mtime``, which a tool may set back) and of anything about it (``ctime``,
    which none can): a folder's change when a name in it is added, removed or
    renamed.
    """
    try:
        return _key(os.stat(path))
    except OSError:
        return None


def _key(found: os.stat_result) -> tuple[int, ...]:
    """:func:`stat_key` of what ``os.stat`` found."""
    return (found.st_ino, found.st_dev, found.st_size, found.st_mtime_ns, found.st_ctime_ns)


def settled(keys: Sequence[tuple[int, ...] | None], at: int | None = None) -> bool:
    """Whether every :func:`stat_key` in ``keys`` was older than the file system clock's resolution
    (two seconds) at ``at`` (``time.time_ns()``; default: now): a change after ``at`` cannot leave
    such a key as it is."""
    now = time.time_ns() if at is None else at
    return all(key is None or now - max(key[3], key[4]) > _SETTLED_NS for key in keys)


def read_memo(name: str) -> dict[Any, Any]:
    """The memo ``name`` in the cache folder (empty when there is none, or it is not one)."""
    try:
        with open(os.path.join(cache_folder(), name), "rb") as memo:
            found = marshal.load(memo)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def write_memo(name: str, memo: dict[Any, Any]) -> None:
    """Keep ``memo`` as the memo ``name``, whole or not at all; a cache that cannot be written only
    costs speed."""
    try:
        write_file(name, marshal.dumps(memo))
    except ValueError:  # something marshal cannot write
        pass


def write_file(name: str, data: bytes) -> None:
    """Keep ``data`` as the file ``name`` in the cache folder, whole or not at all; a cache that
    cannot be written only costs speed."""
    try:
        _replace(os.path.join(cache_folder(), name), data)
    except OSError:
        pass


def cached_database(
    fingerprint: str | None, build: Callable[[sqlite3.Connection], None]
) -> sqlite3.Connection:
    """A read-only connection to the database ``build`` fills for data with this ``fingerprint``.

    From the cache when it holds one; else ``build`` fills a new one, which is
    kept. With no fingerprint (data that cannot be keyed, such as a remote
    endpoint) the database is built in memory every time, and so it is when the
    cache folder cannot be written: a read-only or full cache only costs speed.
    """
    import sqlite3

    if fingerprint is None:
        return _in_memory(build)
    path = _database_path(fingerprint)
    if path.is_file():
        with contextlib.suppress(sqlite3.Error, OSError):
            return _open(path)
    temporary = path.with_name(scratch_name(path.name, "tmp"))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(path.parent)
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a half-built file is thrown away, never read
            # Pages of 16 KiB, not 4: at 5 M triples a first run writes 300 MB of steps of about a
            # kilobyte each, and SQLite's share of writing them drops by a fifth.
            db.execute("PRAGMA page_size = 16384")
            build(db)
            db.execute(f"PRAGMA user_version = {_MARK}")
            db.commit()
        finally:
            db.close()
        os.replace(temporary, path)
        return _open(path)
    except BaseException as error:
        # Nothing half-built is left, whatever stopped it (its name is this pid's: no one else would
        # remove it); the cache folder may be a file, or gone.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        if isinstance(error, (OSError, sqlite3.Error)):  # a cache that cannot be written only costs speed
            return _in_memory(build)
        raise


def is_cached(fingerprint: str | None) -> bool:
    """Whether the cache holds a database for ``fingerprint`` (finished or not: opening it tells)."""
    return fingerprint is not None and _database_path(fingerprint).is_file()


def _database_path(fingerprint: str) -> Path:
    import hashlib

    key = f"{fingerprint}\n{__version__}\n{FORMAT}\n{sys.version_info[:2]}"
    return cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.sqlite"


def _open(path: Path) -> sqlite3.Connection:
    import sqlite3

    # immutable: a finished cache file is never written again (a new one replaces it), so no locks.
    # Any thread may read it (the server's explorer answers from a pool); SQLite serialises the calls.
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    # Fails now, not later, on a damaged file or one careergraph did not finish.
    (mark,) = db.execute("PRAGMA user_version").fetchone()
    if mark != _MARK:
        db.close()
        raise sqlite3.DatabaseError(f"{path}: not a finished careergraph cache")
    return db


def _in_memory(build: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    import sqlite3

    db = sqlite3.connect(":memory:", check_same_thread=False)  # read by any thread once built
    build(db)
    db.commit()
    return db


def file_digests(paths: Sequence[Path]) -> list[bytes]:
    """The SHA-256 of each file in ``paths``, hashed only when a file has changed since last time.

    A file's digest is remembered with its :func:`stat_key` (inode, size, and
    the times of its last change: that of its content, which a tool may set
    back, and that of its inode, which none can), once the file has been left
    alone for two seconds (so that a change within the resolution of the file
    system's clock cannot go unseen).
    """
    import hashlib

    from .errors import DataFileError

    memo = read_memo(_DIGESTS)  # empty for someone else's file, or a damaged one: learn it again
    digests, learned = [], False
    for path in paths:
        path = path.resolve()
        try:
            key = _key(path.stat())
            known = memo.get(str(path))
            if isinstance(known, tuple) and len(known) == 2 and known[0] == key and type(known[1]) is bytes:
                digests.append(known[1])
                continue
            with path.open("rb") as handle:
                digests.append(hashlib.file_digest(handle, "sha256").digest())
        except OSError as error:
            raise DataFileError(str(path), f"cannot read it: {error.strerror or error}") from None
        if settled([key]):
            memo[str(path)] = (key, digests[-1])
            learned = True
    if learned:
        memo = {name: value for name, value in memo.items() if os.path.exists(str(name))}
        write_memo(_DIGESTS, memo)
    return digests
