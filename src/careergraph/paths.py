"""Routes between roles on the role projection: pure functions, graph first.

The graph is a networkx ``DiGraph`` whose nodes carry ``skills`` (a set of
skill ids the role needs) and whose edges carry ``skills`` (what the step asks
you to gain), ``inferred`` (no recorded transition) and ``evidence`` (a
sequence of citations); :func:`careergraph.network.project_roles` builds one.
The functions read a graph only through ``node in G``, ``G.nodes[n]``,
``G.edges[u, v]``, ``G.successors`` and ``G.predecessors``, so they take a
:class:`careergraph.rolegraph.RoleGraph` read from the cache as well, and this
module does not import networkx: the search is Yen's k shortest simple paths
on Dijkstra, written here in a few dozen lines.

The cost of a step (:func:`step_cost`) is::

    STEP_COST                                  1, so every step costs something
    + number of skills still to gain          the step's skills, less those you have
    + INFERRED_PENALTY if inferred            5: no transition is recorded
    + evidence penalty                        3 with no citation, 1 with one, 0 with more

A route's skills are counted once: a skill gained on an earlier step is not to
gain again later, so a route's cost is the sum of its steps' costs with the
skills gained so far added to what you have.

Examples
--------
>>> import networkx as nx
>>> G = nx.DiGraph()
>>> G.add_edge("analyst", "scientist", skills={"ml", "stats"}, inferred=False, evidence=["a", "b"])
>>> G.add_edge("scientist", "ml engineer", skills={"docker"}, inferred=False, evidence=["c", "d"])
>>> G.add_edge("analyst", "ml engineer", skills={"ml", "docker", "stats", "go"}, inferred=True, evidence=[])
>>> route = cheapest_path(G, "analyst", "ml engineer")
>>> route.nodes, route.cost
(['analyst', 'scientist', 'ml engineer'], 5.0)
>>> cheapest_path(G, "analyst", "ml engineer", have={"ml", "stats"}).cost
3.0
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import NoPathError, UnknownNameError, UsageError

__all__ = [
    "INFERRED_PENALTY",
    "MAX_HOPS",
    "STEP_COST",
    "Hop",
    "NextRole",
    "Route",
    "alternative_paths",
    "cheapest_path",
    "next_roles",
    "reachable_from",
    "reaching",
    "step_cost",
]


class RouteGraph(Protocol):
    """What the route search reads of a graph: a networkx ``DiGraph`` or a ``RoleGraph``."""

    nodes: Any
    edges: Any
    graph: Any

    def __contains__(self, node: object) -> bool: ...
    def successors(self, node: Any) -> Iterator[Any]: ...
    def predecessors(self, node: Any) -> Iterator[Any]: ...


STEP_COST = 1.0
INFERRED_PENALTY = 5.0
NO_EVIDENCE_PENALTY = 3.0
ONE_CITATION_PENALTY = 1.0
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
    """A role one step away, with the share of its skills you already have."""

    role: Hashable
    overlap: float
    missing: tuple[Any, ...]
    cost: float
    data: dict[str, Any] = field(compare=False, repr=False, default_factory=dict)


def _check_nodes(G: RouteGraph, *nodes: Hashable) -> None:
    for node in nodes:
        if node not in G:
            raise UnknownNameError("role", str(node))


def _evidence_penalty(evidence: Collection[Any]) -> float:
    if not evidence:
        return NO_EVIDENCE_PENALTY
    return ONE_CITATION_PENALTY if len(evidence) == 1 else 0.0


def step_cost(G: RouteGraph, u: Hashable, v: Hashable, have: Collection[Any] = frozenset()) -> float:
    """The cost of the step ``u`` → ``v`` for someone who has the skills ``have``.

    >>> import networkx as nx

    >>> G = nx.DiGraph()
    >>> G.add_edge("a", "b", skills={"x", "y"}, inferred=True, evidence=["one"])
    >>> step_cost(G, "a", "b"), step_cost(G, "a", "b", have={"x"})
    (9.0, 8.0)
    """
    data = G.edges[u, v]
    to_gain = sum(1 for skill in data.get("skills", ()) if skill not in have)
    penalty = INFERRED_PENALTY if data.get("inferred") else 0.0
    return STEP_COST + to_gain + penalty + _evidence_penalty(data.get("evidence", ()))


def _route(G: RouteGraph, nodes: list[Hashable], have: Collection[Any]) -> Route:
    """Cost a route, counting each skill once: what earlier steps teach is not gained again."""
    held = set(have)
    hops = []
    for u, v in itertools.pairwise(nodes):
        data = G.edges[u, v]
        cost = step_cost(G, u, v, held)
        to_gain = tuple(sorted(skill for skill in data.get("skills", ()) if skill not in held))
        held.update(to_gain)
        hops.append(Hop(u, v, cost, to_gain, dict(data)))
    return Route(sum(hop.cost for hop in hops), tuple(hops))


def _hops(G: RouteGraph, start: Hashable, cutoff: int, *, forward: bool = True) -> dict[Hashable, int]:
    """The fewest steps from ``start`` to each role within ``cutoff`` steps (``forward``), or to ``start``.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> _hops(G, "a", 2), _hops(G, "d", 1, forward=False)
    ({'a': 0, 'b': 1, 'c': 2}, {'d': 0, 'c': 1})
    """
    neighbours = G.successors if forward else G.predecessors
    lengths = {start: 0}
    frontier = [start]
    for depth in range(1, cutoff + 1):
        frontier = [m for n in frontier for m in neighbours(n) if m not in lengths]
        for m in frontier:
            lengths.setdefault(m, depth)
        if not frontier:
            break
    return lengths


Weight = Callable[[Hashable, Hashable], float]


def _dijkstra(
    G: RouteGraph,
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
            candidate = (cost + weight(node, nxt), steps + 1)
            if candidate < best.get(nxt, (float("inf"), 0)):
                best[nxt] = candidate
                previous[nxt] = node
                heapq.heappush(queue, (*candidate, next(order), nxt))
    return None


def _simple_paths(
    G: RouteGraph, source: Hashable, target: Hashable, weight: Weight, allowed: Collection[Hashable]
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
    G: RouteGraph, source: Hashable, target: Hashable, have: Collection[Any], max_hops: int
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
            costs[u, v] = step_cost(G, u, v, held)
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
    G: RouteGraph,
    source: Hashable,
    target: Hashable,
    *,
    k: int = 3,
    have: Collection[Any] = frozenset(),
    max_hops: int = MAX_HOPS,
) -> list[Route]:
    """Up to ``k`` routes from ``source`` to ``target``, cheapest first.

    Routes have at most ``max_hops`` steps and visit no role twice. Ties are
    broken by fewer hops, then by the roles' names, so the answer is stable.

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
    candidates = list(itertools.islice(_candidates(G, source, target, have, max_hops), k + CANDIDATE_SLACK))
    if not candidates:
        raise NoPathError(f"no route from {source} to {target} in at most {max_hops} steps")
    routes = [_route(G, nodes, have) for nodes in candidates]
    routes.sort(key=lambda r: (r.cost, len(r.hops), [str(n) for n in r.nodes]))
    return routes[:k]


def cheapest_path(
    G: RouteGraph,
    source: Hashable,
    target: Hashable,
    *,
    have: Collection[Any] = frozenset(),
    max_hops: int = MAX_HOPS,
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
    return alternative_paths(G, source, target, k=1, have=have, max_hops=max_hops)[0]


def reachable_from(G: RouteGraph, source: Hashable, *, max_hops: int = MAX_HOPS) -> list[Hashable]:
    """The roles a route of at most ``max_hops`` steps leads to from ``source``.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> reachable_from(G, "a", max_hops=2)
    ['b', 'c']
    """
    _check_nodes(G, source)
    return sorted((n for n in _hops(G, source, max_hops) if n != source), key=str)


def reaching(G: RouteGraph, target: Hashable, *, max_hops: int = MAX_HOPS) -> list[Hashable]:
    """The roles from which a route of at most ``max_hops`` steps leads to ``target``.

    >>> import networkx as nx

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    >>> reaching(G, "d", max_hops=2)
    ['b', 'c']
    """
    _check_nodes(G, target)
    return sorted((n for n in _hops(G, target, max_hops, forward=False) if n != target), key=str)


def next_roles(
    G: RouteGraph,
    source: Hashable,
    *,
    have: Collection[Any] = frozenset(),
    limit: int | None = None,
) -> list[NextRole]:
    """The roles one step from ``source``, best first.

    Ranked by overlap (the share of the next role's skills that ``source``'s
    skills and ``have`` already cover), then by the step's cost.

    >>> import networkx as nx

    >>> G = nx.DiGraph()
    >>> G.add_node("a", skills={"sql"})
    >>> G.add_node("b", skills={"sql", "python"})
    >>> G.add_node("c", skills={"go", "k8s", "sql"})
    >>> G.add_edge("a", "b", skills={"python"}, inferred=False, evidence=["x", "y"])
    >>> G.add_edge("a", "c", skills={"go", "k8s"}, inferred=False, evidence=["x", "y"])
    >>> [(n.role, n.overlap, n.missing) for n in next_roles(G, "a")]
    [('b', 0.5, ('python',)), ('c', 0.3333333333333333, ('go', 'k8s'))]
    """
    _check_nodes(G, source)
    known = set(G.nodes[source].get("skills", ())) | set(have)
    ranked = []
    for target in G.successors(source):
        needed = set(G.nodes[target].get("skills", ())) or set(G.edges[source, target].get("skills", ()))
        covered = len(needed & known)
        overlap = covered / len(needed) if needed else 1.0
        missing = tuple(sorted(needed - known, key=str))
        cost = step_cost(G, source, target, known)
        ranked.append(NextRole(target, overlap, missing, cost, dict(G.edges[source, target])))
    ranked.sort(key=lambda n: (-n.overlap, n.cost, str(n.role)))
    return ranked[:limit] if limit is not None else ranked
