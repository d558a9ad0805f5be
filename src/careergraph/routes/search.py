"""Routes between roles on the role projection: pure functions, graph first.

The graph is a networkx ``DiGraph`` whose nodes carry ``skills`` (a set of
skill ids the role needs) and whose edges carry ``skills`` (what the step asks
you to gain), ``inferred`` (no recorded transition) and ``evidence`` (a
sequence of citations); :func:`careergraph.routes.projection.project_roles` builds one.
The functions read a graph only through ``node in G``, ``G.nodes[n]``,
``G.edges[u, v]``, ``G.successors`` and ``G.predecessors``, so they take a
:class:`careergraph.routes.stored.StoredProjection` read from the cache as well, and this
module does not import networkx: the search is Yen's k shortest simple paths
on Dijkstra, written here in a few dozen lines.

The cost of a step (:func:`step_cost`) rewards evidence, not silence::

    STEP_COST                                  1, so every step costs something
    + GAIN_COST × share still to gain          up to 3: the weighted share of the step's skills
                                               you do not have yet (all of it when none is listed)
    + EVIDENCE_COST / (1 + support)            4 with no one behind the step, 0.4 with 9 guests
    + INFERRED_PENALTY if inferred             4: no transition is recorded or observed

``support`` (:func:`support`) counts the distinct guests who made the move
themselves (``movers``) or back it with a timed citation (``backers``), and
a quarter for each other guest who cites it only as a whole episode
(``cited_by``). A skill's share is weighted by ``1 + weight``, its weight
being how many guests name it (``weights``), so what many guests name weighs
more; the number of skills listed does not change the cost, so a well
documented move is never dearer than a thin one for listing more. An
inferred step with no evidence at all is left out of routes unless
``include_inferred`` is given.

A route's skills are counted once: a skill gained on an earlier step is not to
gain again later, so a route's cost is the sum of its steps' costs with the
skills gained so far added to what you have.

Examples
--------
>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_edge("analyst", "scientist", skills={"ml", "stats"}, inferred=False, backers=("A", "B", "C", "D"))
>>> G.add_edge("scientist", "ml engineer", skills={"docker"}, inferred=False, movers=("Cy",))
>>> G.add_edge("analyst", "ml engineer", skills={"ml", "docker"}, inferred=True, cited_by=("Di",))
>>> route = cheapest_path(G, "analyst", "ml engineer")
>>> route.nodes, route.cost
(['analyst', 'scientist', 'ml engineer'], 10.8)
>>> cheapest_path(G, "analyst", "ml engineer", have={"ml", "stats"}).cost
7.8
>>> G.edges["scientist", "ml engineer"]["movers"] = ()
>>> cheapest_path(G, "analyst", "ml engineer").nodes
['analyst', 'ml engineer']
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import NoPathError, UnknownNameError, UsageError

__all__ = [
    "EVIDENCE_COST",
    "GAIN_COST",
    "INFERRED_PENALTY",
    "MAX_HOPS",
    "STEP_COST",
    "UNTIMED_CREDIT",
    "Hop",
    "NextRole",
    "Route",
    "alternative_paths",
    "cheapest_path",
    "next_roles",
    "reachable_from",
    "reaching",
    "step_cost",
    "support",
    "usable",
]


class SearchGraph(Protocol):
    """What the route search reads of a graph: a networkx ``DiGraph`` or a ``StoredProjection``."""

    nodes: Any
    edges: Any
    graph: Any

    def __contains__(self, node: object) -> bool: ...
    def __iter__(self) -> Iterator[Any]: ...
    def successors(self, node: Any) -> Iterator[Any]: ...
    def predecessors(self, node: Any) -> Iterator[Any]: ...


STEP_COST = 1.0
GAIN_COST = 3.0
EVIDENCE_COST = 4.0
INFERRED_PENALTY = 4.0
#: What a guest who cites a step only as a whole episode counts for, against one with a timed citation.
UNTIMED_CREDIT = 0.25
MAX_HOPS = 4
#: How many more candidate routes than asked for to re-cost before ranking.
CANDIDATE_SLACK = 10


@dataclass(frozen=True)
class Hop:
    """One step of a route, with the skills still to gain on it."""

    source: Hashable
    target: Hashable
    cost: float
    skills_to_gain: tuple[Any, ...]
    data: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)


@dataclass(frozen=True)
class Route:
    """A route from one role to another: its hops and their total cost."""

    cost: float
    hops: tuple[Hop, ...]

    @property
    def nodes(self) -> list[Hashable]:
        return [self.hops[0].source, *(hop.target for hop in self.hops)] if self.hops else []


@dataclass(frozen=True)
class NextRole:
    """A role one step away, with the share of its skills you already have and who made the move."""

    role: Hashable
    overlap: float
    missing: tuple[Any, ...]
    cost: float
    data: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)
    #: how many distinct guests made this move themselves
    moves: int = 0


def _check_nodes(G: SearchGraph, *nodes: Hashable) -> None:
    for node in nodes:
        if node not in G:
            raise UnknownNameError("role", str(node))


def support(data: dict[str, Any]) -> float:
    """How many guests stand behind a step (its edge ``data``): movers and timed backers, then a
    quarter for each guest who only cites a whole episode.

    >>> support({"movers": ("Ann",), "backers": ("Ann", "Bo"), "cited_by": ("Ann", "Bo", "Cy", "Di")})
    2.5
    """
    strong = set(data.get("movers", ())) | set(data.get("backers", ()))
    weak = set(data.get("cited_by", ())) - strong
    return len(strong) + UNTIMED_CREDIT * len(weak)


def usable(data: dict[str, Any], *, include_inferred: bool = False) -> bool:
    """Whether a route may take a step: all but inferred steps with no evidence, unless ``include_inferred``.

    >>> usable({"inferred": True}), usable({"inferred": True}, include_inferred=True)
    (False, True)
    >>> usable({"inferred": True, "evidence": ["a segment"]}), usable({"inferred": False})
    (True, True)
    """
    if include_inferred or not data.get("inferred"):
        return True
    return bool(data.get("evidence") or data.get("cited_by") or data.get("movers"))


def _share_to_gain(data: dict[str, Any], have: Collection[Any]) -> float:
    """The share of the step's skills still to gain, each weighted by ``1 + weight`` (1 with none listed)."""
    skills = data.get("skills", ())
    if not skills:
        return 1.0
    weights = data.get("weights", {})

    def weight(skill: Any) -> int:
        return 1 + weights.get(skill, (0, 0))[0]

    total = sum(weight(s) for s in skills)
    return sum(weight(s) for s in skills if s not in have) / total


def step_cost(G: SearchGraph, u: Hashable, v: Hashable, have: Collection[Any] = frozenset()) -> float:
    """The cost of the step ``u`` → ``v`` for someone who has the skills ``have`` (to 2 decimals).

    >>> import networkx as nx

    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", skills={"x", "y"}, inferred=True, cited_by=("Ann",))
    >>> step_cost(G, "a", "b"), step_cost(G, "a", "b", have={"x"})
    (11.2, 9.7)
    >>> G.add_edge("c", "d", skills={"x", "y"}, inferred=False, movers=("Ann", "Bo", "Cy"))
    >>> step_cost(G, "c", "d")
    5.0
    """
    data = G.edges[u, v]
    penalty = INFERRED_PENALTY if data.get("inferred") else 0.0
    cost = STEP_COST + GAIN_COST * _share_to_gain(data, have) + EVIDENCE_COST / (1 + support(data))
    return round(cost + penalty, 2)


def _route(G: SearchGraph, nodes: list[Hashable], have: Collection[Any]) -> Route:
    """Cost a route, counting each skill once: what earlier steps teach is not gained again."""
    held = set(have)
    hops = []
    for u, v in itertools.pairwise(nodes):
        data = G.edges[u, v]
        cost = step_cost(G, u, v, held)
        to_gain = tuple(sorted(skill for skill in data.get("skills", ()) if skill not in held))
        held.update(to_gain)
        hops.append(Hop(u, v, cost, to_gain, dict(data)))
    return Route(round(sum(hop.cost for hop in hops), 2), tuple(hops))


def _hops(
    G: SearchGraph,
    start: Hashable,
    cutoff: int,
    *,
    forward: bool = True,
    step: Callable[[Hashable, Hashable], bool] | None = None,
) -> dict[Hashable, int]:
    """The fewest steps from ``start`` to each role within ``cutoff`` steps (``forward``), or to ``start``.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> _hops(G, "a", 2), _hops(G, "d", 1, forward=False)
    ({'a': 0, 'b': 1, 'c': 2}, {'d': 0, 'c': 1})
    """
    neighbours = G.successors if forward else G.predecessors

    def allowed(n: Hashable, m: Hashable) -> bool:
        return step is None or (step(n, m) if forward else step(m, n))

    lengths = {start: 0}
    frontier = [start]
    for depth in range(1, cutoff + 1):
        frontier = [m for n in frontier for m in neighbours(n) if m not in lengths and allowed(n, m)]
        for m in frontier:
            lengths.setdefault(m, depth)
        if not frontier:
            break
    return lengths


Weight = Callable[[Hashable, Hashable], float]


def _dijkstra(
    G: SearchGraph,
    source: Hashable,
    target: Hashable,
    weight: Weight,
    allowed: Collection[Hashable],
    banned_nodes: Collection[Hashable] = (),
    banned_edges: Collection[tuple[Hashable, Hashable]] = (),
) -> list[Hashable] | None:
    """The cheapest path from ``source`` to ``target`` through ``allowed`` roles, or None.

    Among equally cheap paths the one with fewer steps wins, then the one
    found first (successors are taken in the graph's order).
    """
    order = itertools.count()
    queue: list[tuple[float, int, int, Hashable]] = [(0.0, 0, next(order), source)]
    best: dict[Hashable, tuple[float, int]] = {source: (0.0, 0)}
    previous: dict[Hashable, Hashable] = {}
    done = set()
    while queue:
        cost, steps, _, node = heapq.heappop(queue)
        if node in done:
            continue
        if node == target:
            path = [node]
            while path[-1] != source:
                path.append(previous[path[-1]])
            return path[::-1]
        done.add(node)
        for nxt in G.successors(node):
            if nxt in done or nxt not in allowed or nxt in banned_nodes or (node, nxt) in banned_edges:
                continue
            step = weight(node, nxt)
            if step == math.inf:  # a step the route may not take
                continue
            candidate = (cost + step, steps + 1)
            if candidate < best.get(nxt, (float("inf"), 0)):
                best[nxt] = candidate
                previous[nxt] = node
                heapq.heappush(queue, (*candidate, next(order), nxt))
    return None


def _simple_paths(
    G: SearchGraph, source: Hashable, target: Hashable, weight: Weight, allowed: Collection[Hashable]
) -> Iterator[list[Hashable]]:
    """Simple paths from ``source`` to ``target``, cheapest first (Yen's algorithm).

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "d"), ("a", "c"), ("c", "d"), ("a", "d")])
    >>> list(_simple_paths(G, "a", "d", lambda u, v: 3.0 if (u, v) == ("a", "d") else 1.0, set(G)))
    [['a', 'b', 'd'], ['a', 'c', 'd'], ['a', 'd']]
    """
    first = _dijkstra(G, source, target, weight, allowed)
    if first is None:
        return
    found = [first]
    seen = {tuple(first)}
    order = itertools.count()
    waiting: list[tuple[float, int, int, list[Hashable]]] = []
    while True:
        yield found[-1]
        last = found[-1]
        for i in range(len(last) - 1):
            root = last[: i + 1]
            # Branch off at last[i]: not along a step a path found so far takes from this root.
            banned = {(p[i], p[i + 1]) for p in found if p[: i + 1] == root}
            spur = _dijkstra(G, last[i], target, weight, allowed, set(root[:-1]), banned)
            if spur is None:
                continue
            path = root[:-1] + spur
            if tuple(path) not in seen:
                seen.add(tuple(path))
                cost = sum(weight(u, v) for u, v in itertools.pairwise(path))
                heapq.heappush(waiting, (cost, len(path), next(order), path))
        if not waiting:
            return
        found.append(heapq.heappop(waiting)[-1])


def _candidates(
    G: SearchGraph,
    source: Hashable,
    target: Hashable,
    have: Collection[Any],
    max_hops: int,
    include_inferred: bool = False,
) -> Iterable[list[Hashable]]:
    """Simple paths from ``source`` to ``target`` within ``max_hops``, cheapest per step first."""
    _check_nodes(G, source, target)
    if source == target:
        raise UsageError(f"{source} is both the start and the end of the route; name two different roles")
    if max_hops < 1:
        raise UsageError(f"max_hops must be at least 1, not {max_hops}")
    held = frozenset(have)
    costs: dict[tuple[Hashable, Hashable], float] = {}

    def weight(u: Hashable, v: Hashable) -> float:
        if (u, v) not in costs:
            allowed = usable(G.edges[u, v], include_inferred=include_inferred)
            costs[u, v] = step_cost(G, u, v, held) if allowed else math.inf
        return costs[u, v]

    # Only nodes within max_hops of both ends can lie on a bounded route: prune first,
    # so the enumeration below never wanders into the rest of a dense graph.
    near_source = _hops(G, source, max_hops)
    near_target = _hops(G, target, max_hops, forward=False)
    keep = {n for n in near_source if n in near_target and near_source[n] + near_target[n] <= max_hops}
    if target not in keep:
        return iter(())
    paths = _simple_paths(G, source, target, weight, keep)
    return (path for path in paths if len(path) - 1 <= max_hops)


def alternative_paths(
    G: SearchGraph,
    source: Hashable,
    target: Hashable,
    *,
    k: int = 3,
    have: Collection[Any] = frozenset(),
    max_hops: int = MAX_HOPS,
    include_inferred: bool = False,
) -> list[Route]:
    """Up to ``k`` routes from ``source`` to ``target``, cheapest first.

    Routes have at most ``max_hops`` steps and visit no role twice. Ties are
    broken by fewer hops, then by the roles' names, so the answer is stable.
    Inferred steps with no evidence are left out unless ``include_inferred``.

    Raises
    ------
    NoPathError
        when no route of at most ``max_hops`` steps exists.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> for u, v in [("a", "b"), ("b", "d"), ("a", "c"), ("c", "d")]:
    ...     G.add_edge(u, v, skills={v}, inferred=False, evidence=["x", "y"])
    >>> [r.nodes for r in alternative_paths(G, "a", "d", k=5)]
    [['a', 'b', 'd'], ['a', 'c', 'd']]
    """
    if k < 1:
        raise UsageError(f"k must be at least 1, not {k}")
    found = _candidates(G, source, target, have, max_hops, include_inferred)
    candidates = list(itertools.islice(found, k + CANDIDATE_SLACK))
    if not candidates:
        left_out = "" if include_inferred else " (steps inferred with no evidence left out)"
        raise NoPathError(f"no route from {source} to {target} in at most {max_hops} steps{left_out}")
    routes = [_route(G, nodes, have) for nodes in candidates]
    routes.sort(key=lambda r: (r.cost, len(r.hops), [str(n) for n in r.nodes]))
    return routes[:k]


def cheapest_path(
    G: SearchGraph,
    source: Hashable,
    target: Hashable,
    *,
    have: Collection[Any] = frozenset(),
    max_hops: int = MAX_HOPS,
    include_inferred: bool = False,
) -> Route:
    """The cheapest route from ``source`` to ``target`` of at most ``max_hops`` steps.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "a")])
    >>> cheapest_path(G, "a", "b").nodes
    ['a', 'b']
    >>> cheapest_path(G, "a", "c")
    Traceback (most recent call last):
    ...
    careergraph.errors.UnknownNameError: unknown role 'c'
    """
    return alternative_paths(
        G, source, target, k=1, have=have, max_hops=max_hops, include_inferred=include_inferred
    )[0]


def _usable_step(G: SearchGraph, include_inferred: bool) -> Callable[[Hashable, Hashable], bool]:
    return lambda u, v: usable(G.edges[u, v], include_inferred=include_inferred)


def reachable_from(
    G: SearchGraph, source: Hashable, *, max_hops: int = MAX_HOPS, include_inferred: bool = False
) -> list[Hashable]:
    """The roles a route of at most ``max_hops`` steps leads to from ``source``.

    Only steps a route may take count (see :func:`usable`).

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> reachable_from(G, "a", max_hops=2)
    ['b', 'c']
    >>> G.edges["b", "c"]["inferred"] = True
    >>> reachable_from(G, "a", max_hops=2), reachable_from(G, "a", max_hops=2, include_inferred=True)
    (['b'], ['b', 'c'])
    """
    _check_nodes(G, source)
    step = _usable_step(G, include_inferred)
    return sorted((n for n in _hops(G, source, max_hops, step=step) if n != source), key=str)


def reaching(
    G: SearchGraph, target: Hashable, *, max_hops: int = MAX_HOPS, include_inferred: bool = False
) -> list[Hashable]:
    """The roles from which a route of at most ``max_hops`` steps leads to ``target``.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> reaching(G, "d", max_hops=2)
    ['b', 'c']
    """
    _check_nodes(G, target)
    step = _usable_step(G, include_inferred)
    return sorted((n for n in _hops(G, target, max_hops, forward=False, step=step) if n != target), key=str)


def next_roles(
    G: SearchGraph,
    source: Hashable,
    *,
    have: Collection[Any] = frozenset(),
    limit: int | None = None,
    include_inferred: bool = False,
) -> list[NextRole]:
    """The roles one step from ``source``, best first.

    Recorded and observed moves come first, ranked by how many guests made
    the move themselves, then by overlap (the share of the next role's skills
    that ``source``'s skills and ``have`` already cover), then by the step's
    cost; inferred steps follow, by overlap then cost. ``limit`` cuts only
    inferred steps: a recorded or observed move is never hidden. Inferred
    steps with no evidence are left out unless ``include_inferred``.

    >>> import networkx as nx

    >>> G = nx.DiGraph()
    >>> G.add_node("a", skills={"sql"})
    >>> G.add_node("b", skills={"sql", "python"})
    >>> G.add_node("c", skills={"go", "k8s", "sql"})
    >>> G.add_node("d", skills={"sql"})
    >>> G.add_edge("a", "b", skills={"python"}, inferred=False, backers=("Ann",))
    >>> G.add_edge("a", "c", skills={"go", "k8s"}, inferred=False, movers=("Bo", "Cy"))
    >>> G.add_edge("a", "d", skills=set(), inferred=True, cited_by=("Di",))
    >>> [(n.role, n.moves, round(n.overlap, 2), n.missing) for n in next_roles(G, "a")]
    [('c', 2, 0.33, ('go', 'k8s')), ('b', 0, 0.5, ('python',)), ('d', 0, 1.0, ())]
    >>> [n.role for n in next_roles(G, "a", limit=1)]
    ['c', 'b']
    """
    _check_nodes(G, source)
    known = set(G.nodes[source].get("skills", ())) | set(have)
    ranked = []
    for target in G.successors(source):
        data = G.edges[source, target]
        if not usable(data, include_inferred=include_inferred):
            continue
        needed = set(G.nodes[target].get("skills", ())) or set(data.get("skills", ()))
        covered = len(needed & known)
        overlap = covered / len(needed) if needed else 1.0
        weights = {**G.nodes[target].get("weights", {}), **data.get("weights", {})}
        missing = tuple(
            sorted(
                needed - known, key=lambda s: (-weights.get(s, (0, 0))[0], -weights.get(s, (0, 0))[1], str(s))
            )
        )
        cost = step_cost(G, source, target, known)
        moves = len(data.get("movers", ()))
        ranked.append(NextRole(target, overlap, missing, cost, dict(data), moves))
    ranked.sort(key=lambda n: (bool(n.data.get("inferred")), -n.moves, -n.overlap, n.cost, str(n.role)))
    if limit is None:
        return ranked
    moves_made = sum(1 for n in ranked if not n.data.get("inferred"))
    return ranked[: max(limit, moves_made)]
