"use strict";
(() => {
  const { el, api } = PK;
  const REL = { alliance: "#1c7c54", proxy: "#8e44ad", arms: "#2e86c1", hostility: "#cc0000" };
  const legend = document.getElementById("rel-legend");
  Object.entries(REL).forEach(([r, c]) => legend.append(el("span", { class: "dot", style: `background:${c}` }), ` ${r} `));
  let cy = null;
  async function draw() {
    const theatre = document.getElementById("theatre").value;
    const res = await api("/api/actors", { theatre });
    const maxN = Math.max(1, ...res.nodes.map((n) => n.events));
    const maxE = Math.max(1, ...res.edges.map((e) => e.events));
    const elements = res.nodes.map((n) => ({ data: { id: n.id, label: n.id, name: n.name, size: 14 + 36 * Math.sqrt(n.events / maxN) } }))
      .concat(res.edges.map((e, i) => ({ data: { id: `e${i}`, source: e.source, target: e.target, rel: e.relation,
        w: 1 + 7 * e.events / maxE, color: REL[e.relation], n: e.events, ids: e.event_ids } })));
    if (cy) cy.destroy();
    cy = cytoscape({
      container: document.getElementById("network"), elements, maxZoom: 1.5,
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: 9000, idealEdgeLength: 90 },
      style: [
        { selector: "node", style: { label: "data(label)", width: "data(size)", height: "data(size)", "font-size": 10, "background-color": "#4a6fa5" } },
        { selector: "edge", style: { width: "data(w)", "line-color": "data(color)", "target-arrow-color": "data(color)",
          "target-arrow-shape": "triangle", "curve-style": "bezier", opacity: 0.8 } }
      ]
    });
    cy.on("tap", "edge", (e) => {
      const d = e.target.data();
      PK.evidenceIds(`${d.source} → ${d.target}: ${d.rel} (${d.n} events)`, d.ids);
    });
    cy.on("tap", "node", (e) => PK.evidence(`Events of ${e.target.data("name")}`, { actor: e.target.id(), theatre }));
    document.getElementById("network").dataset.nodes = String(res.nodes.length);
  }
  document.getElementById("theatre").addEventListener("change", () => draw());
  draw().then(() => { document.body.dataset.ready = "1"; })
    .catch((err) => { legend.append(` Could not load: ${err.message}`); document.body.dataset.ready = "error"; });
})();
