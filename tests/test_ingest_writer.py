"""The importer's own Turtle: the same graph rdflib would have written, the same bytes every time."""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from careergraph.cli import main
from careergraph.data import load_graph, shipped_dir
from careergraph.errors import CareergraphError, WikiFolderError
from careergraph.ingest import import_podwiki, triples
from careergraph.ingest.triples import Triples, turtle
from careergraph.vocab import CG, ID, RDF, RDFS, SCHEMA, SKOS

#: Terms that need care in Turtle: quotes, backslashes, line breaks, non-ASCII, language tags, whole
#: numbers, and local names a prefix cannot carry ("claim/x/1", "2024", "a.b").
AWKWARD = [
    (ID["role/data-scientist"], RDF.type, CG.Role),
    (ID["role/data-scientist"], SKOS.prefLabel, Literal("Data Scientist", lang="en")),
    (ID["role/data-scientist"], RDFS.comment, Literal('She said "ship it" \\ then\nleft\r\tagain')),
    (ID["role/data-scientist"], SCHEMA.name, Literal("Zoë · Daten‐Wissenschaft 🚀")),
    (ID["claim/page-x/section/1"], SCHEMA.episodeNumber, Literal(-12)),
    (ID["claim/page-x/section/1"], SCHEMA.startOffset, Literal(0)),
    (ID["claim/page-x/section/1"], CG.supports, ID["role/data-scientist"]),
    (ID["claim/page-x/section/1"], CG.supports, ID["2024"]),
    (ID["claim/page-x/section/1"], CG.supports, ID["a.b"]),
    (URIRef("https://example.org/x?y=1&z=%20"), SCHEMA.url, URIRef("https://example.org/#frag")),
    (ID["role/data-scientist"], RDFS.label, Literal("")),
]


def _graph(terms: list[tuple[URIRef, URIRef, object]]) -> Graph:
    graph = Graph()
    for triple in terms:
        graph.add(triple)
    return graph


def _triples(terms: list[tuple[URIRef, URIRef, object]]) -> Triples:
    found = Triples()
    for s, p, o in terms:
        found.add(s, p, o)
    return found


def test_written_turtle_is_the_graph_rdflib_would_hold() -> None:
    text = turtle(_triples(AWKWARD))
    assert isomorphic(Graph().parse(data=text, format="turtle"), _graph(AWKWARD))
    oxigraph = set(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(oxigraph) == len(AWKWARD)
    ntriples = Graph().parse(data=_triples(AWKWARD).ntriples(), format="nt")
    assert isomorphic(ntriples, _graph(AWKWARD))


def test_written_turtle_is_the_same_bytes_whatever_the_order_of_adding() -> None:
    shuffled = AWKWARD[:]
    random.Random(7).shuffle(shuffled)
    assert turtle(_triples(shuffled)) == turtle(_triples(AWKWARD))


def test_prefixed_names_only_where_no_escape_is_needed() -> None:
    text = turtle(_triples(AWKWARD))
    assert "@prefix cg: <https://w3id.org/careergraph/ontology#> ." in text
    assert "<https://w3id.org/careergraph/id/claim/page-x/section/1>" in text
    assert "id:2024" not in text and "id:a.b" not in text
    assert "@prefix id:" not in text  # no id: local name is safe here, so the prefix is not declared
    assert "schema:episodeNumber -12" in text


def test_a_term_that_is_no_iri_is_a_careergraph_error() -> None:
    with pytest.raises(CareergraphError, match="'https://example.org/a b'"):
        Triples().add(URIRef("https://example.org/a b"), RDF.type, CG.Role)
    with pytest.raises(CareergraphError, match="not an IRI or a literal"):
        Triples().add(ID["x"], RDF.type, 3)


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ('She said "ship it" \\ then\nleft\r\tagain', None),
        ("Zoë · Daten‐Wissenschaft 🚀", "en"),
        ("", None),
        ("", "en"),
        (0, None),
        (-12, None),
        (10**30, None),
    ],
)
def test_a_literal_is_written_as_for_the_rdflib_literal(value: str | int, lang: str | None) -> None:
    assert triples.literal(value, lang) == triples.object_term(Literal(value, lang=lang))
    added = Triples()
    added.add_literal(ID["x"], RDFS.label, value, lang)
    assert (ID["x"], RDFS.label, Literal(value, lang=lang)) in added


def test_a_value_that_is_no_text_or_whole_number_is_no_literal() -> None:
    with pytest.raises(CareergraphError, match="cannot write True as a literal"):
        Triples().add_literal(ID["x"], RDFS.label, True)
    with pytest.raises(CareergraphError, match="cannot write 2.5 as a literal"):
        triples.literal(2.5)  # type: ignore[arg-type]
    with pytest.raises(CareergraphError, match="cannot write 3 as a literal"):
        triples.literal(3, "en")
    with pytest.raises(CareergraphError, match="cannot write 'e n' as a language tag"):
        triples.literal("x", "e n")
    with pytest.raises(CareergraphError, match="'https://example.org/a b'"):
        Triples().add_literal(URIRef("https://example.org/a b"), RDFS.label, "x")


def test_a_missing_folder_is_a_careergraph_error_naming_it(tmp_path: Path) -> None:
    vocabulary = load_graph([shipped_dir("graph_data")])
    with pytest.raises(WikiFolderError, match=f"^{tmp_path / 'nowhere'}: no such folder"):
        import_podwiki(tmp_path / "nowhere", vocabulary)
    (tmp_path / "file.md").write_text("not a folder")
    with pytest.raises(WikiFolderError, match="file.md: not a folder"):
        import_podwiki(tmp_path / "file.md", vocabulary)
    with pytest.raises(WikiFolderError, match="not a podcast wiki folder: it has none of _wiki"):
        import_podwiki(tmp_path, vocabulary)


def test_cli_on_a_folder_that_is_no_wiki_fails_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["import", "podwiki", str(tmp_path), "-o", str(tmp_path / "out.ttl")])
    assert result.exit_code == 1
    assert f"{tmp_path}: not a podcast wiki folder" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, WikiFolderError)
    assert not (tmp_path / "out.ttl").exists()


def test_snapshot_writes_the_graph_the_importer_added(
    podwiki: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every term the importer adds, kept as rdflib's Graph.add kept it before, against the Turtle written.

    A second import in another process, with another hash seed (so another
    order of the set of triples), must write the same bytes.
    """
    added = Graph()
    original, original_literal = triples.Triples.add, triples.Triples.add_literal

    def recording(self: Triples, s: object, p: object, o: object) -> None:
        added.add((s, p, o))  # type: ignore[arg-type]
        original(self, s, p, o)

    def recording_literal(
        self: Triples, s: object, p: object, value: str | int, lang: str | None = None
    ) -> None:
        added.add((s, p, Literal(value, lang=lang)))  # type: ignore[arg-type]
        original_literal(self, s, p, value, lang)

    monkeypatch.setattr(triples.Triples, "add", recording)
    monkeypatch.setattr(triples.Triples, "add_literal", recording_literal)
    # in one process: a forked child's additions would not be recorded here
    result = import_podwiki(podwiki, load_graph([shipped_dir("graph_data")]), jobs=1)
    text = result.turtle()
    written = set(pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.TURTLE))
    assert len(written) == len(added) == result.counts["triples"] > 100_000
    assert isomorphic(Graph().parse(data=text, format="turtle"), added)
    output = tmp_path / "podwiki.ttl"
    command = [sys.executable, "-m", "careergraph", "import", "podwiki", str(podwiki), "-o", str(output)]
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(command, check=True, capture_output=True, env=env)
    assert output.read_text(encoding="utf-8") == text


def test_what_an_import_keeps_is_not_left_to_the_young_collections(tmp_path: Path) -> None:
    # made while the collector was paused, the triples' sets would otherwise all be walked by the first
    # collections after the import, and again as they age
    for folder in ("_wiki", "_people", "_podcast_summaries"):
        (tmp_path / folder).mkdir()
    for slug in ("ada", "bo", "cy"):
        (tmp_path / "_people" / f"{slug}.md").write_text(f'---\ntitle: "{slug.title()}"\n---\n')
    result = import_podwiki(tmp_path, [shipped_dir("graph_data")], jobs=1)
    kept = list(result.triples.plain().values())
    old = {id(o) for o in gc.get_objects(generation=2)}
    assert gc.isenabled() and len(kept) == 3 and all(id(pairs) in old for pairs in kept)
