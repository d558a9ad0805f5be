"""Importing the DataTalks.Club podcast wiki (``_wiki/``, ``_people/``, ``_podcast_summaries/``).

The package is small pure readers over text, each with doctests, and one step
that turns what they read into triples:

- :mod:`.citations` — which episode and time range each citation gives;
- :mod:`.titles` — role and transition page titles;
- :mod:`.matcher` — vocabulary lookups (skills, tools, roles a text names);
- :mod:`.writer` — the import itself, writing triples in careergraph's model;
- :mod:`.summary` — the summary line and the ``--report`` JSON.
"""

from __future__ import annotations

from .result import ImportResult, Problem
from .summary import coverage_line, report_json, summary_text
from .writer import count_files, import_podwiki

__all__ = [
    "ImportResult",
    "Problem",
    "count_files",
    "coverage_line",
    "import_podwiki",
    "report_json",
    "summary_text",
]
