"""The role projection of the seed graph."""

from __future__ import annotations

import sqlite3

import networkx as nx
import pytest
from rdflib import Graph

from careergraph.routes.projection import project_roles
from careergraph.vocab import ID

DS, MLE = str(ID["role/data-scientist"]), str(ID["role/machine-learning-engineer"])
PLATFORM = str(ID["role/ml-platform-engineer"])
GAP_SKILLS = {
    str(ID[f"skill/{s}"]) for s in ("software-engineering", "deployment-and-operations", "ml-system-design")
}


@pytest.fixture(scope="module")
def G(seed_graph: Graph) -> nx.DiGraph:
    return project_roles(seed_graph)


def test_every_role_is_a_node_with_its_label(G: nx.DiGraph) -> None:
    # graph_data/roles.ttl also holds the roles people start from (issue 12); these must be among them
    assert {data["label"] for _, data in G.nodes(data=True)} >= {
        "Big Data Engineer",
        "Data Engineer",
        "Data Scientist",
        "Full-Stack Data Scientist",
        "Machine Learning Engineer",
        "ML Platform Engineer",
        "MLOps Engineer",
        "Software Engineer",
        # curated for the archive's transition pages
        "AI Engineer",
        "Analytics Engineer",
        "Career Changer",
        "Data Analyst",
        "Data Product Founder",
        "Data Product Manager",
    }


def test_recorded_transitions_are_edges_with_their_iri(G: nx.DiGraph) -> None:
    recorded = {(u, v): d["transition"] for u, v, d in G.edges(data=True) if not d["inferred"]}
    assert recorded == {
        (DS, MLE): str(ID["transition/data-scientist--machine-learning-engineer"]),
        (DS, str(ID["role/data-engineer"])): str(ID["transition/data-scientist--data-engineer"]),
        (str(ID["role/software-engineer"]), MLE): str(
            ID["transition/software-engineer--machine-learning-engineer"]
        ),
    }


def test_the_seed_transition_carries_all_its_evidence_and_gap_skills(G: nx.DiGraph) -> None:
    edge = G.edges[DS, MLE]
    segments = [e for e in edge["evidence"] if e.start is not None]
    assert len(segments) == 13
    assert {e.guest for e in segments} == {
        "Danny Ma",
        "Ben Wilson",
        "Mihail Eric",
        "Ellen König",
        "Roksolana Diachuk",
        "Simon Stiebellehner",
        "Santiago Valdarrama",
    }
    assert GAP_SKILLS <= edge["skills"]
    # what a data scientist keeps or already needs is not a skill to gain
    assert str(ID["skill/model-evaluation"]) not in edge["skills"]
    assert str(ID["skill/model-development"]) not in edge["skills"]
    assert str(ID["tool/pytorch"]) in edge["tools"]


def test_route_variants_become_inferred_steps_with_their_evidence(G: nx.DiGraph) -> None:
    edge = G.edges[DS, PLATFORM]
    assert edge["inferred"] and edge["kind"] == "variant" and edge["transition"] is None
    assert [e.guest for e in edge["evidence"]] == ["Simon Stiebellehner"]
    assert str(ID["skill/model-registry"]) in edge["skills"]
    assert str(ID["tool/terraform"]) in edge["tools"]


def test_related_and_overlapping_roles_are_inferred_steps(G: nx.DiGraph) -> None:
    big_data, data_engineer = str(ID["role/big-data-engineer"]), str(ID["role/data-engineer"])
    assert G.edges[data_engineer, big_data]["kind"] == "related"
    assert G.edges[MLE, str(ID["role/mlops-engineer"])]["kind"] == "overlap"
    assert all(G.edges[e]["inferred"] for e in G.edges if G.edges[e]["kind"] != "transition")


@pytest.mark.parametrize("seed", range(3))
def test_overlap_steps_are_every_pair_sharing_enough_of_the_targets_skills(seed: int) -> None:
    """Against the definition, over every ordered pair: the projection counts only the pairs it
    meets through a shared skill (roles of 0 to 8 skills from a pool of 12, so that many pairs
    share half, some exactly half, and most share some)."""
    import random

    from careergraph.facts import RDF_TYPE, Facts
    from careergraph.routes.projection import OVERLAP_THRESHOLD, REQUIRES_SKILL, ROLE

    rng = random.Random(seed)
    needs = {
        f"urn:role:{r}": {f"urn:skill:{s}" for s in rng.sample(range(12), rng.randrange(9))}
        for r in range(60)
    }
    facts = Facts()
    facts.add_pairs(RDF_TYPE, [(role, ROLE) for role in needs])
    facts.add_pairs(REQUIRES_SKILL, [(role, skill) for role, skills in needs.items() for skill in skills])
    G = project_roles(facts)
    expected = {
        (u, v)
        for u in needs
        for v in needs
        if u != v and needs[u] & needs[v] and len(needs[u] & needs[v]) / len(needs[v]) >= OVERLAP_THRESHOLD
    }
    assert {(u, v) for u, v, kind in G.edges(data="kind") if kind == "overlap"} == expected
    assert len(expected) > 100 and any(2 * len(needs[u] & needs[v]) == len(needs[v]) for u, v in expected)


def test_two_records_of_one_transition_merge(seed_graph: Graph) -> None:
    extra = Graph().parse(
        format="turtle",
        data=f"""
        @prefix cg: <https://w3id.org/careergraph/ontology#> .
        <https://example.org/t2> a cg:Transition ; cg:fromRole <{DS}> ; cg:toRole <{MLE}> ;
            cg:addsSkill <https://example.org/skill/rust> .
    """,
    )
    merged = project_roles(seed_graph + extra)
    assert "https://example.org/skill/rust" in merged.edges[DS, MLE]["skills"]
    assert len(merged.edges[DS, MLE]["evidence"]) == len(project_roles(seed_graph).edges[DS, MLE]["evidence"])


def _edges(G: nx.DiGraph) -> dict:
    return {(u, v): dict(d) for u, v, d in G.edges(data=True)}


def test_the_construct_pull_gives_the_same_projection(seed_graph: Graph) -> None:
    """What a remote endpoint would answer to the one CONSTRUCT is enough to project from."""
    from careergraph.routes.projection import PROJECTION_QUERY
    from careergraph.stores.memory import MemoryStore

    direct = project_roles(seed_graph)
    pulled = project_roles(MemoryStore.of(seed_graph).construct(PROJECTION_QUERY))
    assert dict(direct.nodes(data=True)) == dict(pulled.nodes(data=True))
    assert _edges(direct) == _edges(pulled)
    assert direct.graph["labels"] == pulled.graph["labels"]


def _saved(G: nx.DiGraph) -> sqlite3.Connection:
    from careergraph.routes.stored import save_roles

    db = sqlite3.connect(":memory:")
    save_roles(db, G)
    return db


def test_the_saved_projection_reads_back_the_same(G: nx.DiGraph) -> None:
    from careergraph.routes.stored import load_roles

    again = load_roles(_saved(G))
    assert again.nodes == dict(G.nodes(data=True))
    assert again.edges == _edges(G)
    assert again.graph["labels"] == G.graph["labels"]
    for node in G:
        assert list(again.successors(node)) == list(G.successors(node))
        assert set(again.predecessors(node)) == set(G.predecessors(node))


def test_reading_near_keeps_every_route_within_the_bound(G: nx.DiGraph) -> None:
    from careergraph.routes.search import alternative_paths, reachable_from, reaching
    from careergraph.routes.stored import load_roles

    db = _saved(G)
    part = load_roles(db, near=[DS, MLE], hops=2)
    every = {"max_hops": 2, "include_inferred": True}  # the part holds every step, used or not
    assert set(part) == set(reachable_from(G, DS, **every)) | set(reaching(G, DS, **every)) | set(
        reachable_from(G, MLE, **every)
    ) | set(reaching(G, MLE, **every)) | {DS, MLE}
    assert set(part) < set(G)
    assert all(part.edges[u, v] == G.edges[u, v] for u, v in part.edges)
    full = alternative_paths(G, DS, PLATFORM, k=5, max_hops=2)
    near = alternative_paths(load_roles(db, near=[DS, PLATFORM], hops=2), DS, PLATFORM, k=5, max_hops=2)
    assert [r.nodes for r in near] == [r.nodes for r in full]
    assert [r.cost for r in near] == [r.cost for r in full]


@pytest.mark.parametrize("seed", range(8))
def test_reading_between_keeps_every_route_and_little_else(seed: int) -> None:
    """Only the roles on some route of at most `hops` steps, and the same routes as the whole graph."""
    import random

    from careergraph.routes.search import alternative_paths
    from careergraph.routes.stored import load_roles

    rng = random.Random(seed)
    G = nx.gnp_random_graph(30, 0.12, seed=seed, directed=True)
    G = nx.relabel_nodes(G, {n: f"urn:role:{n}" for n in G})
    skills = [f"urn:skill:{i}" for i in range(12)]
    for node in G:
        G.nodes[node].update(label=node, skills=frozenset(rng.sample(skills, 3)), tools=frozenset())
    for u, v in G.edges:
        G.edges[u, v].update(
            kind="transition", inferred=rng.random() < 0.3, skills=frozenset(rng.sample(skills, 2)),
            tools=frozenset(), evidence=(),
        )  # fmt: skip
    G.graph["labels"] = {s: s for s in skills}
    db = _saved(G)
    u, v = "urn:role:0", "urn:role:29"
    for hops in (2, 3, 4):
        part = load_roles(db, between=(u, v), hops=hops)
        on_routes = {u, v} | {
            n for path in nx.all_simple_paths(G, u, v, cutoff=hops) for n in path
        }  # fmt: skip
        assert set(part) <= {n for n in G if _within(G, u, n, v, hops)} | {u, v}
        assert on_routes <= set(part)
        full = [r.nodes for r in _routes(alternative_paths, G, u, v, hops)]
        assert [r.nodes for r in _routes(alternative_paths, part, u, v, hops)] == full


def _within(G: nx.DiGraph, u: str, n: str, v: str, hops: int) -> bool:
    try:
        return nx.shortest_path_length(G, u, n) + nx.shortest_path_length(G, n, v) <= hops
    except nx.NetworkXNoPath:
        return False


def _routes(search, G, u: str, v: str, hops: int) -> list:
    from careergraph.errors import NoPathError

    try:
        return search(G, u, v, k=5, max_hops=hops)
    except NoPathError:
        return []
