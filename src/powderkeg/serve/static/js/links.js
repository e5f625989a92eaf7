"use strict";
(async () => {
  const { api } = PK;
  let res;
  try { res = await api("/api/link"); }
  catch (err) { PK.status("link-status", `No link model: ${err.message}`); document.body.dataset.ready = "1"; return; }
  const n = res.streams.length;
  const name = (t) => (res.names && res.names[t]) || t;
  const fmt = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(2));
  PK.status("link-status", `${res.verdict === "ok" ? "Model fitted" : res.verdict}. Streams: ${res.streams.map((s) => `${name(s)} (${res.n_events[s]} events)`).join(", ")}.`);
  const data = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data.push([j, i, res.branching[i][j]]);
  const chart = echarts.init(document.getElementById("matrix"));
  const max = Math.max(0.05, ...data.map((d) => d[2] || 0));
  chart.setOption({
    animation: false,
    tooltip: { formatter: (p) => {
      const [j, i, v] = p.data;
      return `${echarts.format.encodeHTML(name(res.streams[i]))} ← ${echarts.format.encodeHTML(name(res.streams[j]))}: ${fmt(v)} ` +
        `[${fmt(res.branching_ci_low[i][j])}, ${fmt(res.branching_ci_high[i][j])}]` +
        (res.granger_p ? `, Granger p ${fmt(res.granger_p[i][j])}` : "");
    } },
    grid: { left: 110, bottom: 90, top: 10, right: 10 },
    xAxis: { type: "category", data: res.streams.map(name), name: "trigger (j)", nameLocation: "middle", nameGap: 70, axisLabel: { rotate: 30 } },
    yAxis: { type: "category", data: res.streams.map(name), name: "triggered (i)" },
    visualMap: { min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 0, show: false, inRange: { color: ["#f7f7f7", "#d9473f"] } },
    series: [{ type: "heatmap", data, label: { show: true, lineHeight: 16, formatter: (p) => `${fmt(p.data[2])}\n[${fmt(res.branching_ci_low[p.data[1]][p.data[0]])}, ${fmt(res.branching_ci_high[p.data[1]][p.data[0]])}]` } }]
  });
  chart.on("click", (p) => {
    const [j, i] = p.data;
    PK.evidence(`Events of ${name(res.streams[i])} (triggered by ${name(res.streams[j])})`, { theatre: res.streams[i] });
  });
  const elements = res.streams.map((s) => ({ data: { id: s, label: `${name(s)}\n${res.n_events[s]} events` } }));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const b = res.branching[i][j];
    if (i === j || b === null || b < 0.02) continue;
    elements.push({ data: { id: `${j}->${i}`, source: res.streams[j], target: res.streams[i], w: b,
      label: `${fmt(b)} [${fmt(res.branching_ci_low[i][j])}, ${fmt(res.branching_ci_high[i][j])}]` } });
  }
  const cy = cytoscape({
    container: document.getElementById("network"), elements, layout: { name: "circle" }, maxZoom: 1.5,
    style: [
      { selector: "node", style: { label: "data(label)", "text-wrap": "wrap", "font-size": 11, "background-color": "#4a6fa5", "text-valign": "bottom" } },
      { selector: "edge", style: { width: "mapData(w, 0, 1, 1, 10)", "curve-style": "bezier", "target-arrow-shape": "triangle",
        label: "data(label)", "font-size": 9, "line-color": "#d9473f", "target-arrow-color": "#d9473f", "text-rotation": "autorotate" } }
    ]
  });
  cy.on("tap", "edge", (e) => PK.evidence(`Events of ${name(e.target.data("target"))}`, { theatre: e.target.data("target") }));
  cy.on("tap", "node", (e) => PK.evidence(`Events of ${name(e.target.id())}`, { theatre: e.target.id() }));
  window.addEventListener("resize", () => chart.resize());
  document.body.dataset.ready = "1";
})().catch((err) => { PK.status("link-status", `Could not load: ${err.message}`); document.body.dataset.ready = "error"; });
