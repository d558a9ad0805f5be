"""The graph page: a view rendered as one self-contained HTML file (pyvis, vis-network inlined)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .views import NODE_TYPES, View

__all__ = ["render_html"]

# --- the page ----------------------------------------------------------------------


def _vis_assets() -> tuple[str, str]:
    """pyvis' bundled vis-network script and stylesheet, to inline in the page."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib" / "vis-9.1.2"
    return (
        (lib / "vis-network.min.js").read_text(encoding="utf-8"),
        (lib / "vis-network.css").read_text(encoding="utf-8"),
    )


def _options(node_count: int) -> dict[str, Any]:
    big = node_count > 300
    return {
        "autoResize": True,
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": big,
            "navigationButtons": False,
        },
        # improvedLayout gives up above about 100 nodes and then repaints nodes in its own
        # palette, so colours stop matching the legend: never use it.
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "nodes": {"font": {"size": 14, "face": "system-ui, sans-serif"}, "borderWidth": 1},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "font": {"size": 10, "align": "middle", "color": "#475569"},
            "smooth": False if big else {"type": "continuous"},
            "color": {"inherit": False},
        },
        "physics": {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 110, "avoidOverlap": 0.4},
            # Each iteration costs time in proportion to the nodes: bound the total work,
            # so an archive-sized page settles in seconds (and stops: see settle() in the page).
            "stabilization": {
                "enabled": True,
                "iterations": max(40, min(400, 300_000 // max(node_count, 1))),
                "updateInterval": 25,
                "fit": True,
            },
            "maxVelocity": 60,
            "minVelocity": 1,
        },
    }


def _pyvis_network(view: View) -> Any:
    """The view as a pyvis Network (nodes and edges set directly: ``add_node`` checks each one slowly)."""
    from pyvis.network import Network

    network = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    dim = bool(view.steps) or any(n.highlight for n in view.nodes.values())
    nodes = []
    for node in view.nodes.values():
        colour, shape, _ = NODE_TYPES[node.type]
        faded = dim and not node.highlight
        item = {
            "id": node.id,
            "label": node.label if len(node.label) <= 48 else node.label[:47] + "…",
            "title": node.summary,
            "group": node.type,
            "shape": shape,
            "color": "#e2e8f0" if faded else colour,
            "font": {"color": "#94a3b8" if faded else ("#ffffff" if shape == "box" else "#0f172a")},
            "size": 22 if node.type == "role" else 14,
            "fullLabel": node.label,
            "url": node.url,
            "details": node.details,
        }
        if node.highlight and dim:
            item["borderWidth"] = 4
            item["color"] = {"background": colour, "border": "#f59e0b"}
        nodes.append(item)
    edges = []
    for number, edge in enumerate(view.edges):
        faded = dim and not edge.highlight
        edges.append(
            {
                "id": f"e{number}",
                "from": edge.source,
                "to": edge.target,
                "label": edge.label,
                "title": edge.summary or edge.label,
                "dashes": edge.inferred,
                "width": 3 if edge.highlight and dim else edge.width,
                "color": "#e2e8f0" if faded else ("#f59e0b" if edge.highlight and dim else "#94a3b8"),
                "details": edge.details,
            }
        )
    network.nodes = nodes
    network.edges = edges
    network.node_ids = [n["id"] for n in nodes]
    network.options = _options(len(nodes))
    return network


def render_html(view: View) -> str:
    """The page for ``view``: one HTML file with everything it needs inside."""
    import jinja2

    network = _pyvis_network(view)
    nodes, edges, _heading, _height, _width, options = network.get_network_data()
    script, style = _vis_assets()
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("careergraph", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    legend = [
        {"type": t, "colour": c, "label": label, "count": sum(1 for n in view.nodes.values() if n.type == t)}
        for t, (c, _shape, label) in NODE_TYPES.items()
    ]
    data = {
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options) if isinstance(options, str) else options,
        "legend": [item for item in legend if item["count"]],
        "steps": view.steps,
        "title": view.title,
    }
    return environment.get_template("graph.html").render(
        title=view.title,
        data=data,
        node_count=len(nodes),
        edge_count=len(edges),
        vis_script=_no_script_end(script),
        vis_style=style,
    )


def _no_script_end(text: str) -> str:
    # An inlined script must not contain the sequence that would end its <script> element.
    return text.replace("</script", "<\\/script")
