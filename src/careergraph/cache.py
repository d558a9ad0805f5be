"""A cache of what is slow to rebuild: the label index and the role projection.

Keyed by the content of the loaded data (see :meth:`careergraph.stores.Store.fingerprint`),
careergraph's version and the Python version, kept in the user's cache folder
(``CAREERGRAPH_CACHE``, else ``$XDG_CACHE_HOME/careergraph``, else
``~/.cache/careergraph``), written atomically. Values are plain lists, tuples,
dicts, strings and numbers written with :mod:`marshal`, the fastest reader
Python has for them (its format is the Python version's, hence the key). A cold
``careergraph path`` on unchanged data reads two such files instead of parsing
the data: it never imports rdflib.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["CACHE_ENV", "cache_dir", "cached"]

CACHE_ENV = "CAREERGRAPH_CACHE"
#: Bump when the cached values change shape.
FORMAT = 2


def cache_dir() -> Path:
    """The folder the cache lives in."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "careergraph"


def cached(fingerprint: str | None, build: Callable[[], Any]) -> Any:
    """What ``build`` returns for data with this ``fingerprint``: from the cache, or built and kept.

    ``build`` must return plain data (what :mod:`marshal` writes). With no
    fingerprint (data that cannot be keyed, such as a remote endpoint) it builds
    every time. A cache file that cannot be read is rebuilt.
    """
    if fingerprint is None:
        return build()
    key = f"{fingerprint}\n{__version__}\n{FORMAT}\n{sys.version_info[:2]}"
    path = cache_dir() / f"{hashlib.sha256(key.encode()).hexdigest()[:40]}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_bytes(marshal.dumps(value))
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only or full cache folder only costs speed
    return value
