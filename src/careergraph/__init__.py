"""careergraph: a knowledge graph of career transitions in data and ML work.

The modules each own one thing: :mod:`careergraph.vocab` (terms and IRIs),
:mod:`careergraph.data` (finding and loading the Turtle), :mod:`careergraph.names`
(resolving labels), :mod:`careergraph.query` (safe, bounded named queries),
:mod:`careergraph.validate` (SHACL), :mod:`careergraph.routes.projection` (the role
projection), :mod:`careergraph.routes.search` (route algorithms),
:mod:`careergraph.viz` (the HTML page and the explorer), :mod:`careergraph.stores`
(where the triples live) and :mod:`careergraph.ingest` (the wiki importer).
:class:`careergraph.Session` is the core over them; :mod:`careergraph.cli` is a
thin layer over it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself is not imported at run time: see careergraph.record
if TYPE_CHECKING:
    from typing import Any

    from .session import Session

__all__ = ["Session", "__version__"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``careergraph.Session``, imported on first use (``import careergraph`` stays light)."""
    if name == "Session":
        from .session import Session

        return Session
    raise AttributeError(f"module 'careergraph' has no attribute {name!r}")
