"use strict";
// The query page: YASGUI on careergraph's own endpoint, with the named queries as examples.
// It reaches nothing but this server: no prefix.cc or LOV autocompletion, one endpoint offered.
(function () {
  const endpoint = window.location.origin + "/sparql";
  const Yasgui = window.Yasgui;
  const local = ["variables"]; // the other autocompleters ask prefix.cc and LOV
  Yasgui.Yasqe.defaults.autocompleters = local;
  // YASGUI's share links carry the query in the fragment (#query=…), so opening one loads the editor.
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint, method: "POST" },
    endpointCatalogueOptions: { getData: () => [{ endpoint }], keys: [] },
    copyEndpointOnNewTab: true,
    populateFromUrl: true,
    persistenceId: "careergraph-sparql",
    yasqe: { autocompleters: local },
  });
  window.careergraphYasgui = yasgui;

  // Named queries: choose one, give its parameters, and the server binds them as careergraph does.
  const select = document.getElementById("example-name");
  const params = document.getElementById("example-params");
  const note = document.getElementById("example-note");
  const description = document.getElementById("example-description");
  const el = (tag, text, attrs) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [key, value] of Object.entries(attrs || {})) node[key] = value;
    return node;
  };
  let queries = [];
  fetch("/queries?format=json", { headers: { Accept: "application/json" } })
    .then((r) => r.json())
    .then((data) => {
      queries = data.queries;
      for (const q of queries) select.append(el("option", q.name, { value: q.name }));
      document.body.dataset.ready = "true";
    });
  select.addEventListener("change", () => {
    params.replaceChildren();
    const query = queries.find((q) => q.name === select.value);
    description.textContent = query ? query.description : "";
    if (!query) return;
    for (const p of query.params) {
      const input = el("input", null, { name: p.name, value: p.example || "", title: p.description });
      input.dataset.param = p.name;
      const label = el("label", `${p.name} (${p.kind}) `);
      label.append(input);
      params.append(label);
    }
  });
  document.getElementById("examples").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!select.value) return;
    const search = new URLSearchParams();
    for (const input of params.querySelectorAll("input")) search.append(input.name, input.value);
    fetch(`/queries/${encodeURIComponent(select.value)}?${search}`, { headers: { Accept: "application/sparql-query" } })
      .then(async (r) => {
        const text = await r.text();
        if (!r.ok) { note.textContent = text; return; }
        note.textContent = "";
        const tab = yasgui.getTab();
        tab.getYasqe().setValue(text);
        tab.setName(select.value);
      });
  });
})();
