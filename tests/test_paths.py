"""Path algorithms on small hand-built graphs: ties, cycles, no route, hop bound, --have."""

from __future__ import annotations

import networkx as nx
import pytest

from careergraph.errors import NoPathError, UnknownNameError, UsageError
from careergraph.paths import (
    INFERRED_PENALTY,
    NO_EVIDENCE_PENALTY,
    STEP_COST,
    alternative_paths,
    cheapest_path,
    next_roles,
    reachable_from,
    reaching,
    step_cost,
)

WELL_CITED = ("e1", "e2")


def graph(*edges: tuple[str, str, set[str]], inferred: set[tuple[str, str]] = frozenset()) -> nx.DiGraph:
    G = nx.DiGraph()
    for u, v, skills in edges:
        G.add_edge(u, v, skills=frozenset(skills), inferred=(u, v) in inferred, evidence=WELL_CITED)
    return G


def test_step_cost_counts_skills_and_penalties() -> None:
    G = graph(("a", "b", {"x", "y"}), ("b", "c", {"x"}), inferred={("b", "c")})
    assert step_cost(G, "a", "b") == STEP_COST + 2
    assert step_cost(G, "a", "b", have={"x", "y"}) == STEP_COST
    assert step_cost(G, "b", "c") == STEP_COST + 1 + INFERRED_PENALTY
    G.edges["a", "b"]["evidence"] = ()
    assert step_cost(G, "a", "b") == STEP_COST + 2 + NO_EVIDENCE_PENALTY


def test_cheapest_prefers_fewer_skills_over_fewer_hops() -> None:
    G = graph(
        ("a", "d", {"s1", "s2", "s3", "s4", "s5", "s6"}),
        ("a", "b", {"s1"}),
        ("b", "d", {"s2"}),
    )
    assert cheapest_path(G, "a", "d").nodes == ["a", "b", "d"]
    assert cheapest_path(G, "a", "d").cost == 2 * STEP_COST + 2


def test_have_lowers_the_cost_and_can_change_the_route() -> None:
    G = graph(
        ("a", "d", {"s1", "s2", "s3", "s4"}),
        ("a", "b", {"s1"}),
        ("b", "d", {"s2"}),
    )
    assert cheapest_path(G, "a", "d").nodes == ["a", "b", "d"]
    route = cheapest_path(G, "a", "d", have={"s1", "s2", "s3", "s4"})
    assert route.nodes == ["a", "d"]
    assert route.cost == STEP_COST
    assert route.hops[0].skills_to_gain == ()


def test_a_skill_gained_earlier_is_not_gained_again() -> None:
    G = graph(("a", "b", {"x", "y"}), ("b", "c", {"x", "z"}))
    route = cheapest_path(G, "a", "c")
    assert [hop.skills_to_gain for hop in route.hops] == [("x", "y"), ("z",)]
    assert route.cost == 2 * STEP_COST + 3


def test_ties_are_broken_by_hops_then_names() -> None:
    G = graph(("a", "c", {"x"}), ("a", "b", set()), ("b", "c", set()), ("a", "z", set()), ("z", "c", set()))
    # a→c costs 2, a→b→c and a→z→c cost 2 as well: the direct route wins on hops,
    # and between the two-step routes the order is by name.
    routes = alternative_paths(G, "a", "c", k=3)
    assert [r.cost for r in routes] == [2, 2, 2]
    assert [r.nodes for r in routes] == [["a", "c"], ["a", "b", "c"], ["a", "z", "c"]]


def test_cycles_do_not_loop_and_routes_visit_no_role_twice() -> None:
    G = graph(("a", "b", set()), ("b", "a", set()), ("b", "c", set()), ("c", "b", set()), ("c", "a", set()))
    routes = alternative_paths(G, "a", "c", k=10)
    assert [r.nodes for r in routes] == [["a", "b", "c"]]
    for route in routes:
        assert len(set(route.nodes)) == len(route.nodes)


def test_no_route() -> None:
    G = graph(("a", "b", set()), ("c", "d", set()))
    with pytest.raises(NoPathError, match="no route from a to d in at most 4 steps"):
        cheapest_path(G, "a", "d")


def test_hop_bound() -> None:
    chain = [
        ("r0", "r1", set()),
        ("r1", "r2", set()),
        ("r2", "r3", set()),
        ("r3", "r4", set()),
        ("r4", "r5", set()),
    ]
    G = graph(*chain)
    assert len(cheapest_path(G, "r0", "r5", max_hops=5).hops) == 5
    with pytest.raises(NoPathError, match="at most 4 steps"):
        cheapest_path(G, "r0", "r5")
    # a cheaper long route is passed over for a dearer one within the bound
    G.add_edge(
        "r0", "r5", skills=frozenset({"a", "b", "c", "d", "e", "f", "g"}), inferred=False, evidence=WELL_CITED
    )
    assert cheapest_path(G, "r0", "r5", max_hops=5).nodes == ["r0", "r1", "r2", "r3", "r4", "r5"]
    assert cheapest_path(G, "r0", "r5", max_hops=3).nodes == ["r0", "r5"]


def test_dense_graph_stays_bounded() -> None:
    G = nx.complete_graph(60, create_using=nx.DiGraph)
    nx.set_edge_attributes(G, frozenset(), "skills")
    nx.set_edge_attributes(G, WELL_CITED, "evidence")
    routes = alternative_paths(G, 0, 59, k=5, max_hops=2)
    assert routes[0].nodes == [0, 59]
    assert all(len(r.hops) <= 2 for r in routes) and len(routes) == 5


def test_alternatives_are_sorted_and_limited() -> None:
    G = graph(
        ("a", "b", {"1"}),
        ("b", "e", {"2"}),
        ("a", "c", {"1", "2", "3"}),
        ("c", "e", set()),
        ("a", "e", {"1", "2", "3", "4", "5"}),
    )
    routes = alternative_paths(G, "a", "e", k=2)
    assert len(routes) == 2
    assert routes[0].cost <= routes[1].cost
    assert routes[0].nodes == ["a", "b", "e"]


def test_same_role_and_unknown_role() -> None:
    G = graph(("a", "b", set()))
    with pytest.raises(UsageError, match="both the start and the end"):
        cheapest_path(G, "a", "a")
    with pytest.raises(UnknownNameError):
        cheapest_path(G, "a", "nope")
    with pytest.raises(UsageError):
        alternative_paths(G, "a", "b", k=0)


def test_reachable_and_reaching() -> None:
    G = graph(("a", "b", set()), ("b", "c", set()), ("x", "c", set()))
    assert reachable_from(G, "a") == ["b", "c"]
    assert reaching(G, "c") == ["a", "b", "x"]
    assert reaching(G, "c", max_hops=1) == ["b", "x"]


def test_next_roles_rank_by_overlap_then_cost() -> None:
    G = nx.DiGraph()
    G.add_node("me", skills=frozenset({"sql", "python"}))
    G.add_node("close", skills=frozenset({"sql", "python", "dbt"}))
    G.add_node("far", skills=frozenset({"go", "k8s", "sql"}))
    G.add_node("tie", skills=frozenset({"sql", "python", "spark"}))
    for target in ("close", "far", "tie"):
        G.add_edge(
            "me",
            target,
            skills=G.nodes[target]["skills"] - G.nodes["me"]["skills"],
            evidence=WELL_CITED,
            inferred=False,
        )
    G.edges["me", "tie"]["inferred"] = True
    ranked = next_roles(G, "me")
    assert [n.role for n in ranked] == ["close", "tie", "far"]
    assert ranked[0].overlap == pytest.approx(2 / 3) and ranked[0].missing == ("dbt",)
    assert ranked[2].overlap == pytest.approx(1 / 3)
    with_go = next_roles(G, "me", have={"go", "k8s"})
    assert with_go[0].role == "far" and with_go[0].overlap == 1.0 and with_go[0].missing == ()
    assert len(next_roles(G, "me", limit=1)) == 1


@pytest.mark.parametrize("seed", range(12))
def test_simple_paths_come_cheapest_first_as_networkx_enumerates_them(seed: int) -> None:
    """Our Yen's search against networkx's: every simple path, in the same order of cost."""
    import random

    from careergraph.paths import _simple_paths

    rng = random.Random(seed)
    G = nx.gnp_random_graph(9, 0.35, seed=seed, directed=True)
    for u, v in G.edges:
        G.edges[u, v]["w"] = float(rng.randint(1, 4))
    if not nx.has_path(G, 0, 8):
        G.add_edge(0, 8, w=9.0)

    def weight(u: int, v: int) -> float:
        return G.edges[u, v]["w"]

    ours = list(_simple_paths(G, 0, 8, weight, set(G)))
    theirs = list(nx.shortest_simple_paths(G, 0, 8, weight="w"))

    def cost(path: list[int]) -> float:
        return sum(weight(u, v) for u, v in zip(path, path[1:], strict=False))

    assert sorted(map(tuple, ours)) == sorted(map(tuple, theirs))  # every simple path, each once
    assert [cost(p) for p in ours] == [cost(p) for p in theirs]  # cheapest first
