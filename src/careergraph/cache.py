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
git's index does) and hashes again when any of them changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__

__all__ = ["CACHE_ENV", "cache_dir", "cached_database", "file_digests"]

CACHE_ENV = "CAREERGRAPH_CACHE"
#: Bump when what the databases hold changes shape.
FORMAT = 3
#: A file modified this recently may change again within its timestamp's resolution: hash it every time.
_SETTLED_NS = 2_000_000_000
_DIGESTS = "digests.marshal"
#: Written last into every database careergraph builds (``PRAGMA user_version``): a file without
#: it (empty, half-copied, someone else's) is not ours, and is built again.
_MARK = 0x63670000 + FORMAT


def cache_dir() -> Path:
    """The folder the cache lives in."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "careergraph"


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def cached_database(
    fingerprint: str | None, build: Callable[[sqlite3.Connection], None]
) -> sqlite3.Connection:
    """A read-only connection to the database ``build`` fills for data with this ``fingerprint``.

    From the cache when it holds one; else ``build`` fills a new one, which is
    kept. With no fingerprint (data that cannot be keyed, such as a remote
    endpoint) the database is built in memory every time, and so it is when the
    cache folder cannot be written: a read-only or full cache only costs speed.
    """
    if fingerprint is None:
        return _in_memory(build)
    key = f"{fingerprint}\n{__version__}\n{FORMAT}\n{sys.version_info[:2]}"
    path = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.sqlite"
    if path.is_file():
        with contextlib.suppress(sqlite3.Error, OSError):
            return _open(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.unlink(missing_ok=True)
        db = sqlite3.connect(temporary)
        try:
            db.execute("PRAGMA journal_mode = OFF")  # a half-built file is thrown away, never read
            build(db)
            db.execute(f"PRAGMA user_version = {_MARK}")
            db.commit()
        finally:
            db.close()
        os.replace(temporary, path)
        return _open(path)
    except (OSError, sqlite3.Error):
        with contextlib.suppress(OSError):  # the cache folder may be a file, or gone
            temporary.unlink(missing_ok=True)
        return _in_memory(build)


def _open(path: Path) -> sqlite3.Connection:
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
    db = sqlite3.connect(":memory:", check_same_thread=False)  # read by any thread once built
    build(db)
    db.commit()
    return db


def file_digests(paths: Sequence[Path]) -> list[bytes]:
    """The SHA-256 of each file in ``paths``, hashed only when a file has changed since last time.

    A file's digest is remembered with its size, inode and modification time,
    once the file has been left alone for two seconds (so that a change within
    the resolution of the file system's clock cannot go unseen).
    """
    from .errors import DataFileError

    memo_path = cache_dir() / _DIGESTS
    try:
        memo = marshal.loads(memo_path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        memo = {}
    if not isinstance(memo, dict):  # someone else's file, or a damaged one: learn it again
        memo = {}
    digests, learned = [], False
    for path in paths:
        path = path.resolve()
        try:
            stat = path.stat()
            key = (stat.st_size, stat.st_ino, stat.st_mtime_ns)
            known = memo.get(str(path))
            if (
                isinstance(known, tuple)
                and len(known) == 4
                and known[:3] == key
                and isinstance(known[3], bytes)
            ):
                digests.append(known[3])
                continue
            with path.open("rb") as handle:
                digests.append(hashlib.file_digest(handle, "sha256").digest())
        except OSError as error:
            raise DataFileError(str(path), f"cannot read it: {error.strerror or error}") from None
        if time.time_ns() - stat.st_mtime_ns > _SETTLED_NS:
            memo[str(path)] = (*key, digests[-1])
            learned = True
    if learned:
        memo = {name: value for name, value in memo.items() if os.path.exists(name)}
        with contextlib.suppress(OSError):
            _replace(memo_path, marshal.dumps(memo))
    return digests
