"""Checking loaded data against ``graph_data/shapes.ttl`` with pySHACL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import SH

from .data import parse_file
from .names import LabelIndex
from .query.results import term_text

__all__ = ["Violation", "validate_graph"]


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result, in words a person can act on."""

    focus: str
    path: str
    message: str
    severity: str = "Violation"

    def __str__(self) -> str:
        where = f"{self.focus} {self.path}".strip()
        return f"{self.severity}: {where}: {self.message}"


def validate_graph(data: Graph, shapes_file: Path) -> list[Violation]:
    """The SHACL violations of ``data`` against the shapes in ``shapes_file`` (empty: it conforms).

    No inference runs: the data states every type it relies on (a role is
    typed ``cg:Role``, ``schema:Occupation`` and ``skos:Concept``), which keeps
    validation fast and what it checks visible in the Turtle.
    """
    import pyshacl  # heavy (it brings owlrl): imported only when validating

    shapes = Graph()
    parse_file(shapes, Path(shapes_file))  # a broken shapes file is a DataFileError naming its line
    _conforms, report, _text = pyshacl.validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    index = LabelIndex.from_graph(data)
    namespaces = data.namespace_manager
    violations = []
    for result in report.subjects(SH.resultSeverity, None):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        message = report.value(result, SH.resultMessage)
        severity = report.value(result, SH.resultSeverity)
        focus_text = term_text(focus, namespaces)
        if isinstance(focus, URIRef) and str(focus) in index.labels:
            focus_text = f"{index.label(focus)} ({focus_text})"
        violations.append(
            Violation(
                focus=focus_text,
                path=term_text(path, namespaces) if path is not None else "",
                message=str(message or "does not conform"),
                severity=term_text(severity, namespaces).removeprefix("sh:"),
            )
        )
    return sorted(violations)
