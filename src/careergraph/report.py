"""Routes and next roles as text for people, Markdown, and JSON for programs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .evidence import Evidence, span_text
from .paths import NextRole, Route, RouteGraph

__all__ = [
    "next_json",
    "next_markdown",
    "next_text",
    "routes_json",
    "routes_markdown",
    "routes_text",
]


def span(evidence: Evidence) -> str:
    """When in the episode ``evidence`` is: ``8:49–13:19``, ``8:49``, or ``whole episode``."""
    return span_text(evidence.start, evidence.end)


def _label(G: RouteGraph, node: Any) -> str:
    if node in G:
        return str(G.nodes[node].get("label", node))
    return str(G.graph.get("labels", {}).get(node, str(node).rsplit("/", 1)[-1]))


def _ref(G: RouteGraph, node: Any) -> dict[str, str]:
    return {"id": str(node), "label": _label(G, node)}


def _refs(G: RouteGraph, nodes: Sequence[Any]) -> list[dict[str, str]]:
    return sorted((_ref(G, n) for n in nodes), key=lambda r: r["label"].casefold())


def _kind(data: dict[str, Any]) -> str:
    kind = data.get("kind")
    if not data.get("inferred"):
        return "recorded transition"
    if kind == "variant":
        return f"inferred from a route variant ({data.get('via_label') or 'variant'})"
    if kind == "related":
        return "inferred: related roles"
    if kind == "mentioned":
        return "inferred: guests on one role discuss the other"
    return "inferred from shared skills"


# --- routes --------------------------------------------------------------------


def routes_json(G: RouteGraph, source: Any, target: Any, routes: Sequence[Route]) -> str:
    """The documented JSON shape: ``{"from", "to", "paths": [{"cost", "hops": […]}]}``."""
    document = {
        "from": _ref(G, source),
        "to": _ref(G, target),
        "paths": [
            {
                "cost": route.cost,
                "hops": [
                    {
                        "from": _ref(G, hop.source),
                        "to": _ref(G, hop.target),
                        "transition": hop.data.get("transition"),
                        "inferred": bool(hop.data.get("inferred")),
                        "kind": hop.data.get("kind", "transition"),
                        "cost": hop.cost,
                        "skills_to_gain": _refs(G, hop.skills_to_gain),
                        "tools": _refs(G, sorted(hop.data.get("tools", ()))),
                        "evidence": [e.as_json() for e in hop.data.get("evidence", ())],
                    }
                    for hop in route.hops
                ],
            }
            for route in routes
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _evidence_line(evidence: Evidence) -> str:
    parts = [evidence.guest, evidence.episode_title, span(evidence)]
    if evidence.url:
        parts.append(evidence.url)
    return " · ".join(parts)


def _cost(value: float) -> str:
    return f"{value:g}"


def routes_text(G: RouteGraph, routes: Sequence[Route]) -> str:
    """Routes for a person: the route on one line, then each step's skills, tools and evidence."""
    blocks = []
    for number, route in enumerate(routes, start=1):
        names = " → ".join(_label(G, n) for n in route.nodes)
        steps = len(route.hops)
        title = f"Route {number}: " if len(routes) > 1 else ""
        lines = [f"{title}{names}  (cost {_cost(route.cost)}, {steps} step{'s' if steps != 1 else ''})"]
        for index, hop in enumerate(route.hops, start=1):
            lines.append("")
            lines.append(
                f"{index}. {_label(G, hop.source)} → {_label(G, hop.target)}"
                f"  [{_kind(hop.data)}, cost {_cost(hop.cost)}]"
            )
            skills = [r["label"] for r in _refs(G, hop.skills_to_gain)]
            lines.append(f"   Skills to gain ({len(skills)}): {', '.join(skills) if skills else 'none'}")
            tools = [r["label"] for r in _refs(G, sorted(hop.data.get("tools", ())))]
            if tools:
                lines.append(f"   Tools: {', '.join(tools)}")
            evidence = hop.data.get("evidence", ())
            if evidence:
                lines.append(f"   Evidence ({len(evidence)}):")
                lines.extend(f"     {_evidence_line(e)}" for e in evidence)
            else:
                lines.append("   Evidence: none recorded for this step")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _md(text: str) -> str:
    """Escape the characters Markdown would read as markup in a table cell or list item."""
    for char in "\\`*_[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def routes_markdown(G: RouteGraph, routes: Sequence[Route]) -> str:
    """Routes as Markdown: a heading per route, a section per step, evidence as links."""
    lines: list[str] = []
    for number, route in enumerate(routes, start=1):
        names = " → ".join(_md(_label(G, n)) for n in route.nodes)
        lines.append(f"## Route {number}: {names} (cost {_cost(route.cost)})")
        for index, hop in enumerate(route.hops, start=1):
            lines += ["", f"### {index}. {_md(_label(G, hop.source))} → {_md(_label(G, hop.target))}", ""]
            lines.append(f"*{_md(_kind(hop.data))}, cost {_cost(hop.cost)}*")
            lines.append("")
            skills = [_md(r["label"]) for r in _refs(G, hop.skills_to_gain)]
            lines.append(f"- **Skills to gain:** {', '.join(skills) if skills else 'none'}")
            tools = [_md(r["label"]) for r in _refs(G, sorted(hop.data.get("tools", ())))]
            if tools:
                lines.append(f"- **Tools:** {', '.join(tools)}")
            evidence = hop.data.get("evidence", ())
            lines.append("- **Evidence:**" if evidence else "- **Evidence:** none recorded")
            for e in evidence:
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


def next_json(G: RouteGraph, source: Any, ranked: Sequence[NextRole]) -> str:
    document = {
        "from": _ref(G, source),
        "next": [
            {
                "role": _ref(G, n.role),
                "overlap": round(n.overlap, 4),
                "cost": n.cost,
                "transition": n.data.get("transition"),
                "inferred": bool(n.data.get("inferred")),
                "missing_skills": _refs(G, n.missing),
                "evidence": len(n.data.get("evidence", ())),
            }
            for n in ranked
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def next_text(G: RouteGraph, source: Any, ranked: Sequence[NextRole]) -> str:
    if not ranked:
        return f"No role is one step from {_label(G, source)}.\n"
    lines = [f"One step from {_label(G, source)}:"]
    width = max(len(_label(G, n.role)) for n in ranked)
    for number, n in enumerate(ranked, start=1):
        missing = [r["label"] for r in _refs(G, n.missing)]
        lines.append(
            f"{number:>2}. {_label(G, n.role).ljust(width)}  {n.overlap:4.0%} of its skills"
            f"  cost {_cost(n.cost):>3}  {_kind(n.data)}"
        )
        lines.append(f"    missing: {', '.join(missing) if missing else 'nothing'}")
    return "\n".join(lines) + "\n"


def next_markdown(G: RouteGraph, source: Any, ranked: Sequence[NextRole]) -> str:
    lines = [
        f"## One step from {_md(_label(G, source))}",
        "",
        "| role | overlap | cost | missing skills |",
        "|---|---|---|---|",
    ]
    for n in ranked:
        missing = ", ".join(_md(r["label"]) for r in _refs(G, n.missing)) or "nothing"
        lines.append(f"| {_md(_label(G, n.role))} | {n.overlap:.0%} | {_cost(n.cost)} | {missing} |")
    return "\n".join(lines) + "\n"
