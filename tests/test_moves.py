"""Guests' own career moves (the moves model shared with the importer), weights, and the routes they make.

The fixture graph is written here, in the shape agreed with the importer: a move
is a ``cg:Claim, cg:CareerMove`` attributed to its guest, supporting the
transition, derived from a chapter (``schema:Clip``), an episode or the guest's
page; a transition known only from moves is also a ``cg:ObservedTransition``.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph

from careergraph.cli import main
from careergraph.routes.answers import route_answer, routes_text
from careergraph.routes.projection import project_roles
from careergraph.routes.search import alternative_paths, cheapest_path, next_roles
from careergraph.vocab import ID

PREFIXES = """
@prefix cg: <https://w3id.org/careergraph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@base <https://w3id.org/careergraph/id/> .
"""

MOVES = (
    PREFIXES
    + """
<role/analyst> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Analyst"@en ;
    cg:requiresSkill <skill/sql> .
<role/engineer> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Engineer"@en ;
    cg:requiresSkill <skill/sql>, <skill/pipelines>, <skill/testing> .
<role/lead> a cg:Role ; skos:inScheme cg:Roles ; skos:prefLabel "Lead"@en ; cg:requiresSkill <skill/hiring> .
<skill/sql> skos:inScheme cg:Skills ; skos:prefLabel "SQL"@en .
<skill/pipelines> skos:inScheme cg:Skills ; skos:prefLabel "Pipelines"@en .
<skill/testing> skos:inScheme cg:Skills ; skos:prefLabel "Testing"@en .
<skill/hiring> skos:inScheme cg:Skills ; skos:prefLabel "Hiring"@en .
<skill/unused> skos:inScheme cg:Skills ; skos:prefLabel "Unused"@en .

<guest/ann> schema:name "Ann Example" .
<guest/bo> schema:name "Bo Example" .
<guest/cy> schema:name "Cy Example" .

<episode/one> a schema:PodcastEpisode ; schema:name "Episode One" ; schema:video <https://example.org/v1> .
<episode/two> a schema:PodcastEpisode ; schema:name "Episode Two" ; schema:video <https://example.org/v2> .
<segment/one/60-120> a schema:Clip ; schema:partOfEpisode <episode/one> ;
    schema:startOffset 60 ; schema:endOffset 120 ; schema:url <https://example.org/v1?t=60> .
<segment/one/300-400> a schema:Clip ; schema:partOfEpisode <episode/one> ;
    schema:startOffset 300 ; schema:endOffset 400 ; schema:url <https://example.org/v1?t=300> .

# Known from moves only: no page records this transition.
<transition/analyst--engineer> a cg:Transition, cg:ObservedTransition ;
    cg:fromRole <role/analyst> ; cg:toRole <role/engineer> .
<claim/move/ann/analyst--engineer> a cg:Claim, cg:CareerMove ;
    rdfs:label "From analyst to engineer" ;
    prov:wasAttributedTo <guest/ann> ; cg:supports <transition/analyst--engineer> ;
    prov:wasDerivedFrom <segment/one/60-120> .
<claim/move/bo/analyst--engineer> a cg:Claim, cg:CareerMove ;
    rdfs:label "Episode Two" ;
    prov:wasAttributedTo <guest/bo> ; cg:supports <transition/analyst--engineer> ;
    prov:wasDerivedFrom <episode/two> .
<claim/move/cy/analyst--engineer> a cg:Claim, cg:CareerMove ;
    prov:wasAttributedTo <guest/cy> ; cg:supports <transition/analyst--engineer> ;
    prov:wasDerivedFrom <https://example.org/people/cy> .
# A cited statement on the role page naming what an engineer needs.
<claim/engineer/testing> a cg:Claim ; prov:wasAttributedTo <guest/ann>, <guest/bo> ;
    cg:supports <role/engineer> ; cg:mentionsSkill <skill/testing> ;
    prov:wasDerivedFrom <segment/one/300-400> .

# A page's transition with one citation, and a skill named by its claim.
<transition/engineer--lead> a cg:Transition ; cg:fromRole <role/engineer> ; cg:toRole <role/lead> ;
    cg:addsSkill <skill/hiring>, <skill/pipelines> .
<claim/lead/hiring> a cg:Claim ; prov:wasAttributedTo <guest/cy> ;
    cg:supports <transition/engineer--lead> ; cg:mentionsSkill <skill/hiring> ;
    prov:wasDerivedFrom <segment/one/300-400> .
<claim/lead/hiring-again> a cg:Claim ; prov:wasAttributedTo <guest/cy> ;
    cg:supports <transition/engineer--lead> ; cg:mentionsSkill <skill/hiring> ;
    prov:wasDerivedFrom <segment/one/300-400> .
"""
)

ANALYST, ENGINEER, LEAD = (str(ID[f"role/{r}"]) for r in ("analyst", "engineer", "lead"))


@pytest.fixture(scope="module")
def G() -> nx.DiGraph:
    return project_roles(Graph().parse(data=MOVES, format="turtle"))


def test_an_observed_transition_is_a_real_step_with_its_movers(G: nx.DiGraph) -> None:
    edge = G.edges[ANALYST, ENGINEER]
    assert edge["inferred"] is False and edge["kind"] == "observed"
    assert edge["movers"] == ("Ann Example", "Bo Example", "Cy Example")
    assert edge["backers"] == ("Ann Example",)  # the only move told in a timed chapter
    # what the engineer needs that the analyst does not
    assert edge["skills"] == {str(ID["skill/pipelines"]), str(ID["skill/testing"])}
    spans = sorted((e.episode_title, e.start) for e in edge["evidence"])
    assert spans == [("Episode One", 60), ("Episode Two", None)]  # the guest page is no citation


def test_weights_count_the_guests_and_claims_that_name_a_skill(G: nx.DiGraph) -> None:
    assert G.nodes[ENGINEER]["weights"][str(ID["skill/testing"])] == (2, 1)
    assert G.edges[ANALYST, ENGINEER]["weights"][str(ID["skill/testing"])] == (2, 1)  # from the role
    assert G.edges[ANALYST, ENGINEER]["weights"][str(ID["skill/pipelines"])] == (0, 0)
    # one guest, two claims; pipelines is not to gain: the engineer needs it already
    assert G.edges[ENGINEER, LEAD]["weights"] == {str(ID["skill/hiring"]): (1, 2)}
    assert G.graph["skills"][str(ID["skill/unused"])] == (0, 0)
    assert G.graph["skills"][str(ID["skill/hiring"])] == (1, 2)


def test_skills_are_ranked_by_weight_in_json_and_text(G: nx.DiGraph) -> None:
    doc = route_answer(G, ANALYST, LEAD)
    first, second = doc["paths"][0]["hops"]
    assert [(s["label"], s["weight"]) for s in first["skills_to_gain"]] == [("Testing", 2), ("Pipelines", 0)]
    assert first["moves"] == 3 and first["movers"] == ["Ann Example", "Bo Example", "Cy Example"]
    assert first["kind"] == "observed" and first["inferred"] is False
    assert [s["label"] for s in second["skills_to_gain"]] == ["Hiring"]  # pipelines: gained on step 1
    text = routes_text(G, alternative_paths(G, ANALYST, LEAD, k=1))
    assert "   Skills to gain (2, by how many guests name them): Testing (2), Pipelines\n" in text
    assert "   Made by: Ann Example, Bo Example, Cy Example\n" in text
    assert text.splitlines()[1] == (
        "Why: step 1: made by 3 guests, 1 timed citation from 1 guest, 1 whole-episode citation; "
        "step 2: 1 timed citation from 1 guest"
    )


def test_a_move_guests_made_beats_a_thinly_cited_recorded_one(G: nx.DiGraph) -> None:
    H = G.copy()
    H.add_edge(
        ANALYST, LEAD, transition="t", inferred=False, kind="transition", skills=frozenset(),
        tools=frozenset(), evidence=(), movers=(), backers=(), cited_by=("Someone",), weights={},
    )  # fmt: skip
    assert cheapest_path(H, ANALYST, ENGINEER).nodes == [ANALYST, ENGINEER]
    ranked = next_roles(H, ANALYST)
    assert [(n.role, n.moves) for n in ranked] == [(ENGINEER, 3), (LEAD, 0)]


def test_roles_and_skills_commands_list_names_with_counts(tmp_path, monkeypatch) -> None:
    data = tmp_path / "moves.ttl"
    data.write_text(MOVES, encoding="utf-8")
    monkeypatch.setenv("CAREERGRAPH_DATA", str(data))
    runner = CliRunner()
    roles = runner.invoke(main, ["roles"])
    assert roles.exit_code == 0, roles.output
    assert roles.output.splitlines() == [
        "name      skills  moves out  moves in  guests out  guests in",
        "Analyst        1          1         0           3          0",
        "Engineer       3          1         1           0          3",
        "Lead           1          0         1           0          0",
    ]
    listed = json.loads(runner.invoke(main, ["skills", "--format", "json"]).output)
    assert [(s["label"], s["guests"], s["claims"], s["roles"], s["steps"]) for s in listed] == [
        ("Testing", 2, 1, 1, 1),
        ("Hiring", 1, 2, 1, 1),
        ("Pipelines", 0, 0, 1, 1),
        ("SQL", 0, 0, 2, 0),
        ("Unused", 0, 0, 0, 0),
    ]
    by_name = runner.invoke(main, ["skills", "--sort", "name"]).output.splitlines()
    assert by_name[0].split() == ["name", "guests", "claims", "roles", "steps"]
    assert [line.split()[0] for line in by_name[1:]] == ["Hiring", "Pipelines", "SQL", "Testing", "Unused"]
    path = runner.invoke(main, ["path", "Analyst", "Lead", "--have", "Testng"])
    assert path.exit_code == 0
    assert "Warning: unknown skill 'Testng'; did you mean: Testing" in path.stderr


def test_text_names_at_most_eight_movers() -> None:
    G = nx.DiGraph()
    G.add_node("a", label="A")
    G.add_node("b", label="B")
    movers = tuple(f"Guest {i:02d}" for i in range(11))
    G.add_edge("a", "b", inferred=False, skills=frozenset(), tools=frozenset(), evidence=(), movers=movers)
    text = routes_text(G, alternative_paths(G, "a", "b", k=1))
    assert (
        "   Made by: Guest 00, Guest 01, Guest 02, Guest 03, Guest 04, Guest 05, Guest 06, Guest 07, " in text
    )
    assert text.splitlines()[1] == "Why: made by 11 guests, no citation"
    assert "Guest 08" not in text and ", and 3 more (-f json)\n" in text
