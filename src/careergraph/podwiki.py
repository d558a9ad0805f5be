"""The podcast wiki importer, kept under its old name; it lives in :mod:`careergraph.ingest`."""

from __future__ import annotations

from .ingest import ImportResult, Problem, count_files, import_podwiki

__all__ = ["ImportResult", "Problem", "count_files", "import_podwiki"]
