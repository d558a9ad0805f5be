"""Path algorithms on small hand-built graphs: ties, cycles, no route, hop bound, --have."""

from __future__ import annotations

import networkx as nx
import pytest

from careergraph.errors import NoPathError, UnknownNameError, UsageError
from careergraph.routes.search import (
    EVIDENCE_COST,
    GAIN_COST,
    INFERRED_PENALTY,
    STEP_COST,
    alternative_paths,
    cheapest_path,
    next_roles,
    reachable_from,
    reaching,
    step_cost,
)

#: Three guests back every step of these graphs with timed citations, unless a test says otherwise.
WELL_CITED = ("Ann", "Bo", "Cy")
CITED_COST = EVIDENCE_COST / (1 + len(WELL_CITED))


def graph(*edges: tuple[str, str, set[str]], inferred: set[tuple[str, str]] = frozenset()) -> nx.DiGraph:
    G = nx.DiGraph()
    for u, v, skills in edges:
        G.add_edge(
            u, v, skills=frozenset(skills), inferred=(u, v) in inferred, backers=WELL_CITED, evidence=("e",)
        )
    return G


def test_step_cost_is_the_share_to_gain_and_falls_with_support() -> None:
    G = graph(("a", "b", {"x", "y"}), ("b", "c", {"x"}), inferred={("b", "c")})
    assert step_cost(G, "a", "b") == STEP_COST + GAIN_COST + CITED_COST
    assert step_cost(G, "a", "b", have={"x"}) == STEP_COST + GAIN_COST / 2 + CITED_COST
    assert step_cost(G, "a", "b", have={"x", "y"}) == STEP_COST + CITED_COST
    assert step_cost(G, "b", "c") == STEP_COST + GAIN_COST + CITED_COST + INFERRED_PENALTY
    G.edges["a", "b"].update(backers=(), evidence=())
    assert step_cost(G, "a", "b") == STEP_COST + GAIN_COST + EVIDENCE_COST
    G.edges["a", "b"]["movers"] = ("Di",)
    assert step_cost(G, "a", "b") == STEP_COST + GAIN_COST + EVIDENCE_COST / 2


def test_a_skill_named_by_more_guests_weighs_more_in_the_share() -> None:
    G = graph(("a", "b", {"x", "y"}))
    G.edges["a", "b"]["weights"] = {"x": (3, 5), "y": (0, 0)}
    # x weighs 1 + 3, y weighs 1: having x leaves a fifth of the step to gain
    assert step_cost(G, "a", "b", have={"x"}) == round(STEP_COST + GAIN_COST / 5 + CITED_COST, 2)


def test_listing_more_skills_does_not_make_a_move_dearer() -> None:
    G = graph(("a", "b", {f"s{i}" for i in range(40)}), ("a", "c", {"s1"}))
    assert step_cost(G, "a", "b") == step_cost(G, "a", "c")
    G.edges["a", "c"]["backers"] = ("Ann",)  # thinner evidence: dearer, however few its skills
    assert step_cost(G, "a", "b") < step_cost(G, "a", "c")


def test_a_well_documented_direct_move_beats_a_detour_with_an_inferred_step() -> None:
    G = nx.DiGraph()
    many = {f"skill{i}" for i in range(36)}
    G.add_edge("ds", "mle", skills=many, inferred=False, backers=tuple("ABCDEFGHIJ"), evidence=("e",))
    G.add_edge("ds", "de", skills={"sql"}, inferred=False, backers=("K",), evidence=("e",))
    G.add_edge("de", "mle", skills={"ml"}, inferred=True, cited_by=("L",), evidence=("e",))
    assert cheapest_path(G, "ds", "mle").nodes == ["ds", "mle"]
    routes = alternative_paths(G, "ds", "mle", k=2)
    assert [r.nodes for r in routes] == [["ds", "mle"], ["ds", "de", "mle"]]
    assert routes[0].cost < routes[1].cost


def test_moves_guests_made_count_like_timed_citations() -> None:
    G = nx.DiGraph()
    G.add_edge("a", "b", skills={"x"}, inferred=False, movers=("Ann", "Bo"), evidence=())
    G.add_edge("a", "c", skills={"x"}, inferred=False, backers=("Cy",), evidence=("e",))
    G.add_edge("b", "d", skills=set(), inferred=False, backers=WELL_CITED, evidence=("e",))
    G.add_edge("c", "d", skills=set(), inferred=False, backers=WELL_CITED, evidence=("e",))
    assert cheapest_path(G, "a", "d").nodes == ["a", "b", "d"]


def test_inferred_steps_with_no_evidence_are_left_out_unless_asked() -> None:
    G = graph(("a", "b", set()), ("b", "c", set()))
    G.add_edge("a", "c", skills=frozenset(), inferred=True, evidence=())
    assert cheapest_path(G, "a", "c").nodes == ["a", "b", "c"]
    assert [r.nodes for r in alternative_paths(G, "a", "c", k=5)] == [["a", "b", "c"]]
    routes = alternative_paths(G, "a", "c", k=5, include_inferred=True)
    assert [r.nodes for r in routes] == [["a", "b", "c"], ["a", "c"]]
    G.remove_edge("b", "c")
    with pytest.raises(NoPathError, match="steps inferred with no evidence left out"):
        cheapest_path(G, "a", "c")
    G.edges["a", "c"]["cited_by"] = ("Ann",)  # an inferred step some guest talks about is a step
    assert cheapest_path(G, "a", "c").nodes == ["a", "c"]


def test_have_lowers_the_cost_and_can_change_the_route() -> None:
    G = graph(("a", "d", {"s1", "s2", "s3", "s4"}), ("a", "b", {"s5"}), ("b", "d", {"s6"}))
    G.edges["a", "d"]["backers"] = ("Ann",)
    assert cheapest_path(G, "a", "d").nodes == ["a", "d"]
    route = cheapest_path(G, "a", "d", have={"s5", "s6"})
    assert route.nodes == ["a", "b", "d"]
    assert route.cost == 2 * (STEP_COST + CITED_COST)
    assert [hop.skills_to_gain for hop in route.hops] == [(), ()]
    direct = cheapest_path(G, "a", "d", have={"s1", "s2", "s3", "s4"})
    assert direct.nodes == ["a", "d"] and direct.cost == STEP_COST + EVIDENCE_COST / 2


def test_a_skill_gained_earlier_is_not_gained_again() -> None:
    G = graph(("a", "b", {"x", "y"}), ("b", "c", {"x", "z"}))
    route = cheapest_path(G, "a", "c")
    assert [hop.skills_to_gain for hop in route.hops] == [("x", "y"), ("z",)]
    assert route.hops[1].cost == STEP_COST + GAIN_COST / 2 + CITED_COST


def test_ties_are_broken_by_hops_then_names() -> None:
    G = graph(("a", "c", {"x"}), ("a", "b", set()), ("b", "c", set()), ("a", "z", set()), ("z", "c", set()))
    # an inferred a→c backed by one guest costs 1 + 3 + 4 + 4/2 = 10, as do a→b→c and a→z→c:
    # the direct route wins on hops, and between the two-step routes the order is by name.
    G.edges["a", "c"].update(inferred=True, backers=("Ann",))
    routes = alternative_paths(G, "a", "c", k=3)
    assert [r.cost for r in routes] == [10, 10, 10]
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
        ("r0", "r1", {"x"}),
        ("r1", "r2", {"x"}),
        ("r2", "r3", {"x"}),
        ("r3", "r4", {"x"}),
        ("r4", "r5", {"x"}),
    ]
    G = graph(*chain)
    assert len(cheapest_path(G, "r0", "r5", max_hops=5).hops) == 5
    with pytest.raises(NoPathError, match="at most 4 steps"):
        cheapest_path(G, "r0", "r5")
    # a cheaper long route is passed over for a dearer one within the bound:
    # each step of the chain costs 1 + 0 + 1 = 2 (10 in all), the inferred shortcut 1 + 3 + 4 + 3.2
    G.add_edge("r0", "r5", skills=frozenset({"z"}), inferred=True, cited_by=("Ann",), evidence=("e",))
    chain = cheapest_path(G, "r0", "r5", max_hops=5, have={"x"})
    assert chain.nodes == ["r0", "r1", "r2", "r3", "r4", "r5"] and chain.cost == 10
    assert cheapest_path(G, "r0", "r5", max_hops=3, have={"x"}).nodes == ["r0", "r5"]


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
        inferred={("a", "e")},
    )
    G.edges["a", "e"].update(backers=(), cited_by=("Ann",))  # 1 + 3 + 4 + 3.2: dearer than two steps
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


def test_next_roles_rank_moves_first_then_by_overlap() -> None:
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
    assert [n.role for n in ranked] == ["close", "far", "tie"]  # recorded moves first
    assert ranked[0].overlap == pytest.approx(2 / 3) and ranked[0].missing == ("dbt",)
    assert ranked[1].overlap == pytest.approx(1 / 3)
    with_go = next_roles(G, "me", have={"go", "k8s"})
    assert with_go[0].role == "far" and with_go[0].overlap == 1.0 and with_go[0].missing == ()
    # the limit never hides a recorded move, only inferred steps
    assert [n.role for n in next_roles(G, "me", limit=1)] == ["close", "far"]
    G.edges["me", "far"]["movers"] = ("Ann", "Bo")
    assert [(n.role, n.moves) for n in next_roles(G, "me")][0] == ("far", 2)  # moves made come first
    G.edges["me", "tie"]["evidence"] = ()
    assert [n.role for n in next_roles(G, "me")] == ["far", "close"]  # inferred, with no evidence
    assert [n.role for n in next_roles(G, "me", include_inferred=True)] == ["far", "close", "tie"]


@pytest.mark.parametrize("seed", range(12))
def test_simple_paths_come_cheapest_first_as_networkx_enumerates_them(seed: int) -> None:
    """Our Yen's search against networkx's: every simple path, in the same order of cost."""
    import random

    from careergraph.routes.search import _simple_paths

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
