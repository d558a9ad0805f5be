"""Loading Turtle quickly: Oxigraph's parser gives rdflib's graph, and rdflib's errors where it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from careergraph import data
from careergraph.data import load_graph, load_graph_quickly, shipped_dir
from careergraph.errors import DataFileError

#: Numbers, booleans, long and single-quoted texts, escapes, ill-typed literals, a blank node, a list, a
#: relative IRI, and a blank node label that the other file uses too (each file's own node).
AWKWARD = """@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:a ex:p 5, -0012, 1.50, 1e0, true, "x", "y"@en, \"\"\"long
text\"\"\", "07"^^xsd:integer, "abc"^^xsd:integer, "2024-01-02"^^xsd:date, "soon"^^xsd:date, 'single',
    "é\\t\\"q\\"" .
ex:a ex:q [ ex:r "in a blank node" ], ( 1 2 "three" ) .
_:b1 ex:s <relative> .
"""
OTHER = '_:b1 <http://example.org/s> "the other file\'s b1" .\n'


def _read(load, paths: list[Path], caplog: pytest.LogCaptureFixture) -> tuple[object, list[str]]:
    """The graph ``load`` reads (or its error's message and line), and what it logged."""
    caplog.clear()
    try:
        found: object = load(paths)
    except DataFileError as error:
        found = (str(error), error.line)
    return found, [record.getMessage() for record in caplog.records]


def test_oxigraphs_parser_gives_rdflibs_graph_and_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "awkward.ttl").write_text(AWKWARD)
    (tmp_path / "other.nt").write_text(OTHER)
    paths = [shipped_dir("graph_data"), tmp_path]
    expected, said = _read(load_graph, paths, caplog)
    monkeypatch.setattr(data, "load_graph", lambda _paths: pytest.fail("read by rdflib's parser"))
    got, quick_said = _read(load_graph_quickly, paths, caplog)
    assert isinstance(got, Graph) and isinstance(expected, Graph)
    assert isomorphic(got, expected) and len(got) == len(expected) > 2000
    assert quick_said == said and "2 literals do not fit their datatype" in " ".join(said)


@pytest.mark.parametrize(
    "text",
    [
        "@prefix ex: <urn:ex:> .\nex:a ex:b .\n",  # a syntax error: reported with its line
        "<urn:x:c> <urn:x:at> <urn:x:broken uri> .\n",  # read by rdflib's parser, with its warning
        # triples as terms (RDF 1.2), which Oxigraph's parser reads and rdflib's graph cannot hold
        '<< <urn:x:a> <urn:x:b> <urn:x:c> >> <urn:x:p> "x" .\n',
        "<urn:x:s> <urn:x:p> <<( <urn:x:a> <urn:x:b> <urn:x:c> )>> .\n",
    ],
)
def test_a_file_oxigraph_reads_otherwise_is_read_and_reported_as_rdflib_does(
    tmp_path: Path, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "fine.ttl").write_text(
        '<urn:x:a> <urn:x:b> "abc"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )
    (tmp_path / "odd.ttl").write_text(text)
    expected, said = _read(load_graph, [tmp_path], caplog)
    got, quick_said = _read(load_graph_quickly, [tmp_path], caplog)
    assert quick_said == said
    if isinstance(expected, Graph):
        assert isinstance(got, Graph) and set(got) == set(expected)  # no blank nodes
    else:
        assert got == expected and "odd.ttl" in str(expected)
