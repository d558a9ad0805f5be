"""Routes and next roles as text for people, Markdown, and JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from ..prefixes import local_name
from .evidence import Evidence, group_evidence, span_text
from .search import MAX_HOPS, Hop, NextRole, Route, SearchGraph, alternative_paths, support

__all__ = [
    "evidence_lines",
    "listing_text",
    "next_json",
    "next_markdown",
    "next_text",
    "roles_listing",
    "route_answer",
    "route_document",
    "routes_json",
    "routes_markdown",
    "routes_text",
    "skills_listing",
    "why",
]


def span(evidence: Evidence) -> str:
    """When in the episode ``evidence`` is: ``8:49–13:19``, ``8:49``, or ``whole episode``."""
    return span_text(evidence.start, evidence.end)


def _label(G: SearchGraph, node: Any) -> str:
    if node in G:
        return str(G.nodes[node].get("label", node))
    return str(G.graph.get("labels", {}).get(node, local_name(node)))


def _ref(G: SearchGraph, node: Any) -> dict[str, str]:
    return {"id": str(node), "label": _label(G, node)}


def _refs(G: SearchGraph, nodes: Sequence[Any]) -> list[dict[str, str]]:
    return sorted((_ref(G, n) for n in nodes), key=lambda r: r["label"].casefold())


def _kind(data: dict[str, Any]) -> str:
    kind = data.get("kind")
    if not data.get("inferred"):
        return "guests' own moves" if kind == "observed" else "recorded transition"
    if kind == "variant":
        return f"inferred from a route variant ({data.get('via_label') or 'variant'})"
    if kind == "related":
        return "inferred: related roles"
    if kind == "mentioned":
        return "inferred: guests on one role discuss the other"
    return "inferred from shared skills"


# --- routes --------------------------------------------------------------------

#: How many skills a step lists in text before "and N more (--all-skills)".
TOP_SKILLS = 8


def _weighted(
    G: SearchGraph, skills: Collection[Any], weights: dict[Any, tuple[int, int]]
) -> list[dict[str, Any]]:
    """Skills as ``{"id", "label", "weight", "claims"}``, most named first (by guests, claims, then label)."""
    refs: list[dict[str, Any]] = []
    for skill in skills:
        guests, claims = weights.get(skill, (0, 0))
        refs.append({**_ref(G, skill), "weight": guests, "claims": claims})
    refs.sort(key=lambda r: (-r["weight"], -r["claims"], r["label"].casefold()))
    return refs


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _timed_count(evidence: Sequence[Evidence]) -> tuple[int, int]:
    """How many distinct timed and whole-episode citations ``evidence`` holds."""
    timed, whole = group_evidence(evidence)
    return sum(len(g.citations) for g in timed), len(whole)


def why(data: dict[str, Any]) -> str:
    """Why a step is trusted, in a few words: who made it, the timed citations, the rest.

    >>> why({"movers": ("Ann", "Bo"), "backers": ("Ann",), "evidence": ()})
    'made by 2 guests, no citation'
    >>> why({"inferred": True, "kind": "overlap"})
    'inferred from shared skills, no citation'
    """
    parts = []
    if data.get("inferred"):
        parts.append(_kind(data))
    movers = data.get("movers", ())
    if movers:
        parts.append(f"made by {_plural(len(movers), 'guest')}")
    timed, whole = _timed_count(data.get("evidence", ()))
    if timed:
        backers = len(data.get("backers", ()))
        parts.append(
            f"{_plural(timed, 'timed citation')}" + (f" from {_plural(backers, 'guest')}" if backers else "")
        )
    if whole:
        parts.append(_plural(whole, "whole-episode citation"))
    if not timed and not whole:
        parts.append("no citation")
    return ", ".join(parts)


def _hop_document(G: SearchGraph, hop: Hop) -> dict[str, Any]:
    data = hop.data
    weights = data.get("weights", {})
    return {
        "from": _ref(G, hop.source),
        "to": _ref(G, hop.target),
        "transition": data.get("transition"),
        "inferred": bool(data.get("inferred")),
        "kind": data.get("kind", "transition"),
        "cost": hop.cost,
        "moves": len(data.get("movers", ())),
        "movers": list(data.get("movers", ())),
        "backers": list(data.get("backers", ())),
        "support": support(data),
        "why": why(data),
        "skills_to_gain": _weighted(G, hop.skills_to_gain, weights),
        "tools": _refs(G, sorted(data.get("tools", ()))),
        "evidence": [e.as_json() for e in data.get("evidence", ())],
    }


def route_document(G: SearchGraph, source: Any, target: Any, routes: Sequence[Route]) -> dict[str, Any]:
    """The routes as the documented JSON structure: ``{"from", "to", "paths": [{"cost", "why", "hops"}]}``.

    Each hop carries ``moves`` and ``movers`` (guests who made the move
    themselves), ``skills_to_gain`` with their ``weight``, most named first,
    and its ``evidence``.
    """
    return {
        "from": _ref(G, source),
        "to": _ref(G, target),
        "paths": [
            {
                "cost": route.cost,
                "why": route_why(route),
                "hops": [_hop_document(G, hop) for hop in route.hops],
            }
            for route in routes
        ],
    }


def route_answer(
    G: SearchGraph,
    source: Any,
    target: Any,
    *,
    k: int = 1,
    have: Collection[Any] = frozenset(),
    max_hops: int = MAX_HOPS,
    include_inferred: bool = False,
) -> dict[str, Any]:
    """Find up to ``k`` routes and return them as :func:`route_document` does: one call for a web page.

    ``G`` is a role projection (a networkx ``DiGraph`` or a ``StoredProjection``);
    ``source`` and ``target`` are role IRIs. Raises what
    :func:`careergraph.routes.search.alternative_paths` raises.

    >>> from careergraph.data import load_graph, shipped_dir
    >>> from careergraph.routes.projection import project_roles
    >>> G = project_roles(load_graph([shipped_dir("graph_data")]))
    >>> role = "https://w3id.org/careergraph/id/role/"
    >>> doc = route_answer(G, role + "data-scientist", role + "machine-learning-engineer")
    >>> (hop,) = doc["paths"][0]["hops"]
    >>> hop["to"]["label"], hop["skills_to_gain"][0]["label"], hop["skills_to_gain"][0]["weight"]
    ('Machine Learning Engineer', 'Deployment', 2)
    """
    routes = alternative_paths(
        G, source, target, k=k, have=have, max_hops=max_hops, include_inferred=include_inferred
    )
    return route_document(G, source, target, routes)


def routes_json(G: SearchGraph, source: Any, target: Any, routes: Sequence[Route]) -> str:
    """:func:`route_document` as JSON text."""
    return json.dumps(route_document(G, source, target, routes), indent=2, ensure_ascii=False) + "\n"


def route_why(route: Route) -> str:
    """One line on why the route was chosen: what stands behind each step."""
    if len(route.hops) == 1:
        return why(route.hops[0].data)
    return "; ".join(f"step {i}: {why(hop.data)}" for i, hop in enumerate(route.hops, start=1))


def _evidence_line(evidence: Evidence) -> str:
    parts = [evidence.guest, evidence.episode_title, span(evidence)]
    if evidence.url:
        parts.append(evidence.url)
    return " · ".join(parts)


def _timed_line(evidence: Evidence) -> str:
    return " · ".join(p for p in (evidence.guest, span(evidence), evidence.url) if p)


def evidence_lines(evidence: Sequence[Evidence], *, limit: int | None = None) -> list[str]:
    """A step's evidence for people: timed citations under their episode's title, then whole episodes.

    At most ``limit`` lines (titles count), then a line saying how many citations are left out.

    >>> e = Evidence("Ep", 60, 90, "Ann", "ep", "https://y/1", "c")
    >>> evidence_lines([e, Evidence("Ep", None, None, "Bo", "ep", None, "d")])
    ['Ep', '  Ann · 1:00–1:30 · https://y/1', 'Whole episodes:', '  Bo · Ep · whole episode']
    >>> evidence_lines([e, Evidence("Ep", None, None, "Bo", "ep", None, "d")], limit=2)
    ['Ep', '  Ann · 1:00–1:30 · https://y/1', '… and 1 more (--evidence N shows more; -f json lists all)']
    """
    timed, whole = group_evidence(evidence)
    sections = [(group.title, [_timed_line(c) for c in group.citations]) for group in timed]
    if whole:
        sections.append(("Whole episodes:", [_evidence_line(c) for c in whole]))
    lines: list[str] = []
    left_out = 0
    for heading, items in sections:
        titled = False
        for item in items:
            if limit is not None and len(lines) + (1 if titled else 2) > limit:
                left_out += 1
                continue
            if not titled:
                lines.append(heading)
                titled = True
            lines.append(f"  {item}")
    if left_out:
        lines.append(f"… and {left_out} more (--evidence N shows more; -f json lists all)")
    return lines


def _cost(value: float) -> str:
    return f"{value:g}"


def _skills_text(G: SearchGraph, hop: Hop, *, all_skills: bool) -> str:
    skills = _weighted(G, hop.skills_to_gain, hop.data.get("weights", {}))
    if not skills:
        return "   Skills to gain: none"
    shown = skills if all_skills else skills[:TOP_SKILLS]
    names = ", ".join(f"{s['label']} ({s['weight']})" if s["weight"] else s["label"] for s in shown)
    more = len(skills) - len(shown)
    tail = f", and {more} more (--all-skills)" if more else ""
    return f"   Skills to gain ({len(skills)}, by how many guests name them): {names}{tail}"


def routes_text(
    G: SearchGraph, routes: Sequence[Route], *, all_skills: bool = False, evidence: int | None = None
) -> str:
    """Routes for a person: the route and why, then each step's top skills, tools and grouped evidence.

    ``all_skills`` lists every skill (else the :data:`TOP_SKILLS` most named);
    ``evidence`` caps each step's evidence lines.
    """
    blocks = []
    for number, route in enumerate(routes, start=1):
        names = " → ".join(_label(G, n) for n in route.nodes)
        steps = len(route.hops)
        title = f"Route {number}: " if len(routes) > 1 else ""
        lines = [f"{title}{names}  (cost {_cost(route.cost)}, {steps} step{'s' if steps != 1 else ''})"]
        lines.append(f"Why: {route_why(route)}")
        for index, hop in enumerate(route.hops, start=1):
            lines.append("")
            lines.append(
                f"{index}. {_label(G, hop.source)} → {_label(G, hop.target)}"
                f"  [{_kind(hop.data)}, cost {_cost(hop.cost)}]"
            )
            movers = hop.data.get("movers", ())
            if movers:
                more = f", and {len(movers) - TOP_SKILLS} more (-f json)" if len(movers) > TOP_SKILLS else ""
                lines.append(f"   Made by: {', '.join(movers[:TOP_SKILLS])}{more}")
            lines.append(_skills_text(G, hop, all_skills=all_skills))
            tools = [r["label"] for r in _refs(G, sorted(hop.data.get("tools", ())))]
            if tools:
                lines.append(f"   Tools: {', '.join(tools)}")
            cited = evidence_lines(hop.data.get("evidence", ()), limit=evidence)
            if cited:
                lines.append("   Evidence:")
                lines.extend(f"     {line}" for line in cited)
            else:
                lines.append("   Evidence: none recorded for this step")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _md(text: str) -> str:
    """Escape the characters Markdown would read as markup in a table cell or list item."""
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def routes_markdown(G: SearchGraph, routes: Sequence[Route]) -> str:
    """Routes as Markdown: a heading per route, a section per step, evidence grouped by episode as links."""
    lines: list[str] = []
    for number, route in enumerate(routes, start=1):
        names = " → ".join(_md(_label(G, n)) for n in route.nodes)
        lines.append(f"## Route {number}: {names} (cost {_cost(route.cost)})")
        lines += ["", f"Why: {_md(route_why(route))}"]
        for index, hop in enumerate(route.hops, start=1):
            lines += ["", f"### {index}. {_md(_label(G, hop.source))} → {_md(_label(G, hop.target))}", ""]
            lines.append(f"*{_md(_kind(hop.data))}, cost {_cost(hop.cost)}*")
            lines.append("")
            movers = hop.data.get("movers", ())
            if movers:
                lines.append(f"- **Made by:** {', '.join(_md(m) for m in movers)}")
            weighted = _weighted(G, hop.skills_to_gain, hop.data.get("weights", {}))
            skills = [_md(r["label"]) + (f" ({r['weight']})" if r["weight"] else "") for r in weighted]
            lines.append(f"- **Skills to gain:** {', '.join(skills) if skills else 'none'}")
            tools = [_md(r["label"]) for r in _refs(G, sorted(hop.data.get("tools", ())))]
            if tools:
                lines.append(f"- **Tools:** {', '.join(tools)}")
            timed, whole = group_evidence(hop.data.get("evidence", ()))
            lines.append("- **Evidence:**" if timed or whole else "- **Evidence:** none recorded")
            for group in timed:
                lines.append(f"  - {_md(group.title)}")
                for e in group.citations:
                    where = f"[{span(e)}]({e.url})" if web_link(e.url) else span(e)
                    lines.append(f"    - {_md(e.guest)} · {where}")
            for e in whole:
                where = f"[{span(e)}]({e.url})" if web_link(e.url) else span(e)
                lines.append(f"  - {_md(e.guest)} · {_md(e.episode_title)} · {where}")
        lines.append("")
    return "\n".join(lines)


def web_link(url: str | None) -> bool:
    """Whether ``url`` may be written as a Markdown link: http(s) only, nothing that ends the link.

    >>> web_link("https://www.youtube.com/watch?v=x&t=5"), web_link("javascript:alert(1)")
    (True, False)
    >>> web_link("data:text/html,<b>"), web_link("https://x.example/a) [b](javascript:c")
    (False, False)
    """
    if not url or not url.lower().startswith(("http://", "https://")):
        return False
    return not any(c in url for c in " ()<>[]\n\r\t\\`")


# --- next roles ------------------------------------------------------------------


def _next_weights(G: SearchGraph, n: NextRole) -> dict[Any, tuple[int, int]]:
    return {**G.nodes[n.role].get("weights", {}), **n.data.get("weights", {})} if n.role in G else {}


def next_json(G: SearchGraph, source: Any, ranked: Sequence[NextRole]) -> str:
    document = {
        "from": _ref(G, source),
        "next": [
            {
                "role": _ref(G, n.role),
                "overlap": round(n.overlap, 4),
                "cost": n.cost,
                "transition": n.data.get("transition"),
                "inferred": bool(n.data.get("inferred")),
                "kind": n.data.get("kind", "transition"),
                "moves": n.moves,
                "movers": list(n.data.get("movers", ())),
                "why": why(n.data),
                "missing_skills": _weighted(G, n.missing, _next_weights(G, n)),
                "evidence": len(n.data.get("evidence", ())),
            }
            for n in ranked
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def next_text(G: SearchGraph, source: Any, ranked: Sequence[NextRole], *, all_skills: bool = False) -> str:
    if not ranked:
        return f"No role is one step from {_label(G, source)}.\n"
    lines = [f"One step from {_label(G, source)}:"]
    width = max(len(_label(G, n.role)) for n in ranked)
    for number, n in enumerate(ranked, start=1):
        missing = [r["label"] for r in _weighted(G, n.missing, _next_weights(G, n))]
        shown = missing if all_skills else missing[:TOP_SKILLS]
        more = f", and {len(missing) - len(shown)} more (--all-skills)" if len(shown) < len(missing) else ""
        lines.append(
            f"{number:>2}. {_label(G, n.role).ljust(width)}  {n.overlap:4.0%} of its skills"
            f"  cost {_cost(n.cost):>5}  {_kind(n.data)}: {_why_rest(n.data)}"
        )
        lines.append(f"    missing: {', '.join(shown) + more if shown else 'nothing'}")
    return "\n".join(lines) + "\n"


def _why_rest(data: dict[str, Any]) -> str:
    """:func:`why` without the kind of an inferred step (said already)."""
    return why({**data, "inferred": False})


def next_markdown(G: SearchGraph, source: Any, ranked: Sequence[NextRole]) -> str:
    lines = [
        f"## One step from {_md(_label(G, source))}",
        "",
        "| role | moves | overlap | cost | missing skills |",
        "|---|---|---|---|---|",
    ]
    for n in ranked:
        missing = (
            ", ".join(_md(r["label"]) for r in _weighted(G, n.missing, _next_weights(G, n))) or "nothing"
        )
        lines.append(
            f"| {_md(_label(G, n.role))} | {n.moves} | {n.overlap:.0%} | {_cost(n.cost)} | {missing} |"
        )
    return "\n".join(lines) + "\n"


# --- what there is to type ---------------------------------------------------------


def roles_listing(G: SearchGraph) -> list[dict[str, Any]]:
    """Every role with its counts: skills it needs, moves in and out (recorded or observed), guests who moved.

    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node("a", label="Analyst", skills={"sql"})
    >>> G.add_node("b", label="Engineer", skills=set())
    >>> G.add_edge("a", "b", inferred=False, movers=("Ann",))
    >>> G.add_edge("b", "a", inferred=True)
    >>> [(r["label"], r["skills"], r["moves_out"], r["moves_in"], r["guests_out"]) for r in roles_listing(G)]
    [('Analyst', 1, 1, 0, 1), ('Engineer', 0, 0, 1, 0)]
    """
    listing: list[dict[str, Any]] = []
    for node in G:
        out = [G.edges[node, v] for v in G.successors(node) if not G.edges[node, v].get("inferred")]
        into = [G.edges[u, node] for u in G.predecessors(node) if not G.edges[u, node].get("inferred")]
        listing.append(
            {
                **_ref(G, node),
                "skills": len(G.nodes[node].get("skills", ())),
                "moves_out": len(out),
                "moves_in": len(into),
                "guests_out": len({m for d in out for m in d.get("movers", ())}),
                "guests_in": len({m for d in into for m in d.get("movers", ())}),
            }
        )
    listing.sort(key=lambda r: r["label"].casefold())
    return listing


def skills_listing(
    G: SearchGraph, labels: dict[str, str], totals: dict[str, tuple[int, int]]
) -> list[dict[str, Any]]:
    """Every skill in ``labels`` with guests and claims naming it, roles needing it, steps adding it.

    Most named first, then by label.

    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_node("a", skills={"s/sql"})
    >>> G.add_node("b", skills=set())
    >>> G.add_edge("a", "b", inferred=False, skills={"s/go"})
    >>> rows = skills_listing(G, {"s/sql": "SQL", "s/go": "Go"}, {"s/go": (2, 3)})
    >>> [(r["label"], r["guests"], r["claims"], r["roles"], r["steps"]) for r in rows]
    [('Go', 2, 3, 0, 1), ('SQL', 0, 0, 1, 0)]
    """
    roles: dict[str, int] = dict.fromkeys(labels, 0)
    steps: dict[str, int] = dict.fromkeys(labels, 0)
    for node in G:
        for skill in G.nodes[node].get("skills", ()):
            roles[skill] = roles.get(skill, 0) + 1
        for target in G.successors(node):
            data = G.edges[node, target]
            if not data.get("inferred"):
                for skill in data.get("skills", ()):
                    steps[skill] = steps.get(skill, 0) + 1
    listing: list[dict[str, Any]] = [
        {
            "id": iri,
            "label": label,
            "guests": totals.get(iri, (0, 0))[0],
            "claims": totals.get(iri, (0, 0))[1],
            "roles": roles.get(iri, 0),
            "steps": steps.get(iri, 0),
        }
        for iri, label in labels.items()
    ]
    listing.sort(key=lambda r: (-r["guests"], -r["claims"], r["label"].casefold()))
    return listing


def listing_text(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """``rows`` as an aligned table: a name column, then one column per ``(key, heading)``.

    >>> print(listing_text([{"label": "SQL", "guests": 12}], [("guests", "guests")]), end="")
    name  guests
    SQL       12
    """
    width = max([4, *(len(r["label"]) for r in rows)])
    widths = [max(len(heading), *(len(str(r[key])) for r in rows)) for key, heading in columns]
    lines = [
        "  ".join(["name".ljust(width), *(h.rjust(w) for (_, h), w in zip(columns, widths, strict=True))])
    ]
    for row in rows:
        cells = (str(row[key]).rjust(w) for (key, _), w in zip(columns, widths, strict=True))
        lines.append("  ".join([row["label"].ljust(width), *cells]))
    return "\n".join(lines) + "\n"
