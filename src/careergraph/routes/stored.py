"""The role projection as a small SQLite database, and the read-only graph a route search reads from it.

:func:`careergraph.routes.projection.project_roles` builds the projection as a networkx
``DiGraph``; :func:`save_roles` writes it to a database (the cache keeps one
per version of the data) and :func:`load_roles` reads back a :class:`StoredProjection`:
the whole projection, or only the roles within a number of steps of some
roles — all a bounded route search between them can use. The database is
read by index, so a search touches only the rows around its roles however
large the data is, and this module imports neither networkx nor rdflib: a
cold ``careergraph path`` answers in about the time Python takes to start.

A :class:`StoredProjection` answers what :mod:`careergraph.routes.search` and
:mod:`careergraph.routes.answers` ask of a graph, the way a networkx ``DiGraph`` does:
``node in G``, ``G.nodes[node]``, ``G.edges[u, v]``, ``G.successors(node)``,
``G.predecessors(node)`` and ``G.graph["labels"]``.

Examples
--------
>>> import sqlite3, networkx as nx
>>> G = nx.DiGraph(labels={"sql": "SQL"})
>>> G.add_node("analyst", label="Analyst", skills=frozenset({"sql"}), tools=frozenset())
>>> G.add_node("engineer", label="Engineer", skills=frozenset(), tools=frozenset())
>>> G.add_edge("analyst", "engineer", inferred=False, transition="t", kind="transition", via=None,
...            via_label="", skills=frozenset({"sql"}), tools=frozenset(), evidence=())
>>> db = sqlite3.connect(":memory:")
>>> save_roles(db, G)
>>> R = load_roles(db, near=["engineer"], hops=1)
>>> sorted(R), R.edges["analyst", "engineer"]["skills"], R.graph["labels"]
(['analyst', 'engineer'], frozenset({'sql'}), {'sql': 'SQL'})
"""

from __future__ import annotations

import json
import marshal
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from operator import attrgetter
from typing import Any

from .evidence import Evidence

__all__ = ["FORMAT", "StoredProjection", "load_roles", "save_roles", "skill_totals"]

SCHEMA = """
CREATE TABLE role (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, data BLOB NOT NULL);
CREATE TABLE step (id INTEGER PRIMARY KEY, source INTEGER NOT NULL, target INTEGER NOT NULL,
                   data BLOB NOT NULL);
CREATE TABLE label (iri TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE skill (iri TEXT PRIMARY KEY, guests INTEGER NOT NULL, claims INTEGER NOT NULL) WITHOUT ROWID;
"""
#: Made once the steps are written: SQLite sorts the whole column once instead of
#: inserting into a growing b-tree row by row.
INDEXES = """
CREATE INDEX step_source ON step (source);
CREATE INDEX step_target ON step (target);
"""
#: Bump when what the database holds changes shape (the cache keys its file by it).
FORMAT = 2
#: The edge attributes kept as they are (the rest are sets of IRIs and the evidence).
_EDGE_FIELDS = ("inferred", "transition", "kind", "via", "via_label")
#: Who stands behind a step: guests who made the move, who cite it with a time, who cite it at all.
_PEOPLE = ("movers", "backers", "cited_by")
_IN = "(SELECT value FROM json_each(?))"
#: An :class:`Evidence` as the database keeps it: its fields in order, as ``Evidence(*item)`` reads them.
_EVIDENCE_ITEM = attrgetter("episode_title", "start", "end", "guest", "episode", "url", "claim", "source")


class StoredProjection:
    """Roles and the steps between them: a read-only, networkx-like directed graph."""

    def __init__(self, labels: dict[str, str] | None = None) -> None:
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], dict[str, Any]] = {}
        self.graph: dict[str, Any] = {"labels": labels or {}}
        self._succ: dict[str, list[str]] = {}
        self._pred: dict[str, list[str]] = {}

    def add_node(self, node: str, **data: Any) -> None:
        self.nodes[node] = data
        self._succ.setdefault(node, [])
        self._pred.setdefault(node, [])

    def add_edge(self, u: str, v: str, **data: Any) -> None:
        self.edges[u, v] = data
        self._succ[u].append(v)
        self._pred[v].append(u)

    def __contains__(self, node: object) -> bool:
        return node in self.nodes

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def has_edge(self, u: str, v: str) -> bool:
        return (u, v) in self.edges

    def successors(self, node: str) -> Iterator[str]:
        return iter(self._succ[node])

    def predecessors(self, node: str) -> Iterator[str]:
        return iter(self._pred[node])


def save_roles(db: sqlite3.Connection, G: Any) -> None:
    """Write the projection ``G`` (a networkx ``DiGraph`` from ``project_roles``) to ``db``."""
    db.executescript(SCHEMA)
    number = {node: i for i, node in enumerate(G.nodes)}
    db.executemany(
        "INSERT INTO role VALUES (?, ?, ?)",
        (
            (
                number[node],
                node,
                marshal.dumps((d["label"], sorted(d["skills"]), sorted(d["tools"]), _weights(d))),
            )
            for node, d in G.nodes(data=True)
        ),
    )

    def step(d: dict[str, Any]) -> bytes:
        # Lists rather than generators, and one attrgetter call an item: a first run writes a
        # step for every 30 triples or so, and each generator cost more than the values it made.
        evidence = list(map(_EVIDENCE_ITEM, d["evidence"]))
        fields = tuple([d.get(f) for f in _EDGE_FIELDS])
        people = tuple([tuple(d.get(key, ())) for key in _PEOPLE])
        return marshal.dumps((fields, sorted(d["skills"]), sorted(d["tools"]), evidence, people, _weights(d)))

    db.executemany(
        "INSERT INTO step (source, target, data) VALUES (?, ?, ?)",
        ((number[u], number[v], step(d)) for u, v, d in G.edges(data=True)),
    )
    db.executescript(INDEXES)
    db.executemany("INSERT INTO label VALUES (?, ?)", sorted(G.graph.get("labels", {}).items()))
    db.executemany(
        "INSERT INTO skill VALUES (?, ?, ?)",
        sorted((iri, g, c) for iri, (g, c) in G.graph.get("skills", {}).items()),
    )
    db.commit()


def _weights(d: dict[str, Any]) -> list[tuple[str, int, int]]:
    return sorted([(skill, g, c) for skill, (g, c) in d.get("weights", {}).items()])


def _unweights(rows: list[tuple[str, int, int]]) -> dict[str, tuple[int, int]]:
    return {skill: (g, c) for skill, g, c in rows}


def skill_totals(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """Every skill of the vocabulary with ``(guests, claims)`` that name it anywhere."""
    return {iri: (g, c) for iri, g, c in db.execute("SELECT iri, guests, claims FROM skill")}


def _distances(db: sqlite3.Connection, start: int, hops: int, *, forward: bool) -> dict[int, int]:
    """The roles at most ``hops`` steps from ``start`` (``forward``) or to it, with their distance."""
    near, far = ("source", "target") if forward else ("target", "source")
    distance = {start: 0}
    frontier = [start]
    for step in range(1, hops + 1):
        if not frontier:
            break
        rows = db.execute(f"SELECT DISTINCT {far} FROM step WHERE {near} IN {_IN}", (json.dumps(frontier),))
        frontier = [n for (n,) in rows if n not in distance]
        distance.update(dict.fromkeys(frontier, step))
    return distance


def _role_id(db: sqlite3.Connection, iri: str) -> int | None:
    row = db.execute("SELECT id FROM role WHERE iri = ?", (iri,)).fetchone()
    return None if row is None else int(row[0])


def load_roles(
    db: sqlite3.Connection,
    *,
    near: Iterable[str] | None = None,
    hops: int = 0,
    between: tuple[str, str] | None = None,
) -> StoredProjection:
    """The projection in ``db``, or the part of it a search of at most ``hops`` steps can use.

    With ``near``, the graph holds every role a route of at most ``hops``
    steps leads to from a role in ``near``, and every role from which one
    leads to it, with the steps between them. With ``between=(u, v)``, only
    the roles on some route of at most ``hops`` steps from ``u`` to ``v`` (and
    ``u`` and ``v``): each route of that length lies inside, and reading them
    costs what the routes do, not what the neighbourhood of both ends does.
    Unknown names are left out.
    """
    if between is not None:
        u, v = (_role_id(db, iri) for iri in between)
        found = {n for n in (u, v) if n is not None}
        if u is not None and v is not None:
            from_u = _distances(db, u, hops, forward=True)
            to_v = _distances(db, v, hops, forward=False)
            found.update(n for n, d in from_u.items() if d + to_v.get(n, hops + 1) <= hops)
        keep: Collection[int] | None = sorted(found)
    elif near is not None:
        found = set()
        for iri in near:
            number = _role_id(db, iri)
            if number is not None:
                found |= set(_distances(db, number, hops, forward=True))
                found |= set(_distances(db, number, hops, forward=False))
        keep = sorted(found)
    else:
        keep = None
    where, args = ("", ()) if keep is None else (f" WHERE id IN {_IN}", (json.dumps(keep),))
    iris: dict[int, str] = {}
    G = StoredProjection()
    named: set[str] = set()
    for number, iri, blob in db.execute(f"SELECT id, iri, data FROM role{where} ORDER BY id", args):
        label, skills, tools, weights = marshal.loads(blob)
        iris[number] = iri
        named.update(skills, tools)
        G.add_node(
            iri, label=label, skills=frozenset(skills), tools=frozenset(tools), weights=_unweights(weights)
        )
    where = "" if keep is None else f" WHERE source IN {_IN} AND target IN {_IN}"
    for source, target, blob in db.execute(
        f"SELECT source, target, data FROM step{where} ORDER BY id", args * 2
    ):
        fields, skills, tools, evidence, people, weights = marshal.loads(blob)
        named.update(skills, tools)
        G.add_edge(
            iris[source],
            iris[target],
            **dict(zip(_EDGE_FIELDS, fields, strict=True)),
            skills=frozenset(skills),
            tools=frozenset(tools),
            evidence=tuple(Evidence(*item) for item in evidence),
            **dict(zip(_PEOPLE, people, strict=True)),
            weights=_unweights(weights),
        )
    if keep is None:
        G.graph["labels"] = dict(db.execute("SELECT iri, label FROM label"))
    else:  # only the skills and tools of what is kept need a label
        rows = db.execute(f"SELECT iri, label FROM label WHERE iri IN {_IN}", (json.dumps(sorted(named)),))
        G.graph["labels"] = dict(rows)
    return G
