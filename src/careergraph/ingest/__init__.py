"""Importing the DataTalks.Club podcast wiki (``_wiki/``, ``_people/``, ``_podcast_summaries/``).

The package is small pure readers over text, each with doctests, and one step
that turns what they read into triples:

- :mod:`.citations` — which episode and time range each citation gives;
- :mod:`.titles` — role and transition page titles;
- :mod:`.matcher` — vocabulary lookups (skills, tools, roles a text names);
- :mod:`.writer` — the import itself, writing triples in careergraph's model.
"""

from __future__ import annotations

from .result import ImportResult, Problem
from .writer import count_files, import_podwiki

__all__ = ["ImportResult", "Problem", "count_files", "import_podwiki"]
