"""Bounds on one file's front matter, held by both of its readers: the plain forms read by hand
(:mod:`careergraph.ingest.markup`) and the YAML loader (:mod:`careergraph.ingest.front_yaml`).

Nothing in the archive comes near them, and a hostile file (a billion-laughs
alias bomb, 20,000 nested lists) stops at them.
"""

__all__ = ["MAX_DEPTH", "MAX_FRONT_MATTER", "MAX_VALUES"]

#: Bytes of front matter.
MAX_FRONT_MATTER = 64 * 1024
#: Levels of nested lists and mappings.
MAX_DEPTH = 32
#: Values, once every YAML alias is expanded: the mapping, each key and value, each item.
MAX_VALUES = 10_000
