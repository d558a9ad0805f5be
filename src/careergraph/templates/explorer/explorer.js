"use strict";
// Draws the route in its neighbourhood. Labels reach vis-network as data (drawn on a canvas), never as HTML.
(function () {
  const holder = document.getElementById("route-map");
  const source = document.getElementById("route-data");
  if (!holder || !source || typeof vis === "undefined") return;
  const data = JSON.parse(source.textContent);
  const nodes = new vis.DataSet(data.nodes.map((n) => ({
    id: n.id,
    label: n.label,
    url: n.url,
    shape: "dot",
    size: n.route ? 18 : n.alternative ? 14 : 11,
    color: n.route || n.alternative ? { background: "#2563eb", border: "#f59e0b" } : { background: "#93c5fd", border: "#60a5fa" },
    borderWidth: n.route ? 4 : n.alternative ? 2 : 1,
    font: { size: 13, color: n.route ? "#0f172a" : "#475569" },
  })));
  const edges = new vis.DataSet(data.edges.map((e, i) => ({
    id: i,
    from: e.from,
    to: e.to,
    width: e.route ? 4 : e.alternative ? 2 : 1 + Math.min(6, Math.sqrt(e.citations)),
    dashes: e.inferred,
    color: e.route ? "#f59e0b" : e.alternative ? "#fcd34d" : "#cbd5e1",
  })));
  const network = new vis.Network(holder, { nodes, edges }, {
    layout: { improvedLayout: false, randomSeed: 7 },
    edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, smooth: false },
    physics: { solver: "forceAtlas2Based", stabilization: { iterations: 200, fit: true } },
    interaction: { hover: true },
  });
  network.once("stabilizationIterationsDone", () => {
    network.setOptions({ physics: false });
    document.body.dataset.drawn = "true";
  });
  network.on("doubleClick", (event) => {
    const node = event.nodes.length && nodes.get(event.nodes[0]);
    if (node && typeof node.url === "string" && node.url.startsWith("/")) window.location.assign(node.url);
  });
  window.careergraphRoute = { network, nodes, edges };
})();
