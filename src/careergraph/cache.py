"""A cache of what is slow to rebuild: the label index and the role projection.

Keyed by the content of the loaded data (see :meth:`careergraph.stores.Store.fingerprint`)
and by careergraph's version, kept in the user's cache folder (``CAREERGRAPH_CACHE``,
else ``$XDG_CACHE_HOME/careergraph``, else ``~/.cache/careergraph``), written
atomically. A cold ``careergraph path`` on unchanged data reads one pickle
instead of parsing the data: it never imports rdflib.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__

__all__ = ["CACHE_ENV", "cache_dir", "cached"]

CACHE_ENV = "CAREERGRAPH_CACHE"
#: Bump when the cached objects change shape.
FORMAT = 1


def cache_dir() -> Path:
    """The folder the cache lives in."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "careergraph"


def cached(fingerprint: str | None, build: Callable[[], Any]) -> Any:
    """What ``build`` returns for data with this ``fingerprint``: from the cache, or built and kept.

    With no fingerprint (data that cannot be keyed, such as a remote endpoint)
    it builds every time. A cache file that cannot be read is rebuilt.
    """
    if fingerprint is None:
        return build()
    key = hashlib.sha256(f"{fingerprint}\n{__version__}\n{FORMAT}".encode()).hexdigest()[:40]
    path = cache_dir() / f"{key}.pickle"
    try:
        with path.open("rb") as file:
            return pickle.load(file)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    value = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as file:
            pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only or full cache folder only costs speed
    return value
