"use strict";
(async () => {
  const { el, api, post } = PK;
  const caps = await api("/api/capabilities");
  const fan = echarts.init(document.getElementById("fan"));
  let hist = null;

  async function runForecast() {
    const theatre = document.getElementById("fc-theatre").value;
    const horizon = Number(document.getElementById("fc-horizon").value) || 6;
    PK.status("fc-status", "Forecasting…");
    const [tr, fc] = await Promise.all([
      api(`/api/trend/${encodeURIComponent(theatre)}`, { freq: "month" }),
      api(`/api/forecast/${encodeURIComponent(theatre)}`, { horizon, freq: "month" })
    ]);
    hist = { theatre, rows: tr.rows.slice(-36) };
    const hx = hist.rows.map((r) => r.period), hy = hist.rows.map((r) => r.n_events);
    const fx = fc.periods.map((p) => p.date);
    const x = hx.concat(fx);
    const pad = (arr) => new Array(hx.length).fill(null).concat(arr);
    const q = (p, k) => (p.quantiles && p.quantiles[k] !== undefined ? p.quantiles[k] : null);
    const lo = fc.periods.map((p) => q(p, "0.05")), hi = fc.periods.map((p) => q(p, "0.95"));
    const lo50 = fc.periods.map((p) => q(p, "0.25")), hi50 = fc.periods.map((p) => q(p, "0.75"));
    const series = [
      { name: "observed", type: "line", data: hy.concat(new Array(fx.length).fill(null)), itemStyle: { color: "#333" }, showSymbol: true },
      { name: "5%", type: "line", data: pad(lo), stack: "b90", lineStyle: { opacity: 0 }, symbol: "none" },
      { name: "5–95%", type: "line", data: pad(fc.periods.map((p, i) => (hi[i] !== null && lo[i] !== null ? hi[i] - lo[i] : null))), stack: "b90",
        lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(217,71,63,0.18)" }, symbol: "none" },
      { name: "median", type: "line", data: pad(fc.periods.map((p) => q(p, "0.5"))), itemStyle: { color: "#d9473f" }, lineStyle: { type: "dashed" } },
      { name: "mean", type: "line", data: pad(fc.periods.map((p) => p.mean)), itemStyle: { color: "#8e44ad" } }
    ];
    if (lo50.every((v) => v !== null) && hi50.every((v) => v !== null)) {
      series.splice(3, 0,
        { name: "25%", type: "line", data: pad(lo50), stack: "b50", lineStyle: { opacity: 0 }, symbol: "none" },
        { name: "25–75%", type: "line", data: pad(hi50.map((v, i) => v - lo50[i])), stack: "b50", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(217,71,63,0.3)" }, symbol: "none" });
    }
    fan.setOption({ animation: false, tooltip: { trigger: "axis" }, legend: { top: 0, data: ["observed", "5–95%", "25–75%", "median", "mean"] }, grid: { left: 50, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: x }, yAxis: { type: "value", name: "events per month" }, series }, true);
    PK.status("fc-status", `Model: ${fc.model || "–"}. Observed: the last ${hx.length} months (click a point for its events).`);
  }
  fan.on("click", (p) => {
    if (!hist) return;
    const row = hist.rows[p.dataIndex];
    if (row) PK.evidence(`${hist.theatre}, ${row.period} – ${row.period_end}`, { theatre: hist.theatre, since: row.period, until: row.period_end, factuality: "asserted" });
  });
  document.getElementById("fc-run").addEventListener("click", () => runForecast().catch((e) => PK.status("fc-status", `Forecast failed: ${e.message}`)));
  if (caps.forecast) await runForecast().catch((e) => PK.status("fc-status", `Forecast failed: ${e.message}`));
  else PK.status("fc-status", "Forecasting is not available in this build of powderkeg.");

  // scenarios
  const results = {};
  function drawRun(side, res) {
    results[side] = res;
    const names = Object.keys(res.outcomes);
    const oc = echarts.getInstanceByDom(document.getElementById(`outcomes-${side}`)) || echarts.init(document.getElementById(`outcomes-${side}`));
    oc.setOption({ animation: false, title: { text: "Outcomes (p, 95% interval)", textStyle: { fontSize: 12 } }, grid: { left: 120, right: 30, top: 30, bottom: 20 },
      tooltip: {}, xAxis: { type: "value", min: 0, max: 1 }, yAxis: { type: "category", data: names },
      series: [
        { type: "bar", data: names.map((n) => res.outcomes[n].p), itemStyle: { color: "#4a6fa5" },
          label: { show: true, position: "right", formatter: (p) => { const o = res.outcomes[names[p.dataIndex]]; return `${o.p.toFixed(2)} [${o.ci[0].toFixed(2)}, ${o.ci[1].toFixed(2)}]`; } } }
      ] }, true);
    const sensOut = Object.keys(res.sensitivity || {})[0];
    const sens = sensOut ? Object.entries(res.sensitivity[sensOut]).sort((a, b) => Math.abs(a[1]) - Math.abs(b[1])) : [];
    const tc = echarts.getInstanceByDom(document.getElementById(`tornado-${side}`)) || echarts.init(document.getElementById(`tornado-${side}`));
    tc.setOption({ animation: false, title: { text: sensOut ? `Tornado: effect on p(${sensOut})` : "No sensitivity", textStyle: { fontSize: 12 } },
      grid: { left: 160, right: 30, top: 30, bottom: 20 }, tooltip: {},
      xAxis: { type: "value" }, yAxis: { type: "category", data: sens.map((s) => s[0]) },
      series: [{ type: "bar", data: sens.map((s) => ({ value: s[1], itemStyle: { color: s[1] >= 0 ? "#d9473f" : "#1c7c54" } })) }] }, true);
    const paths = document.getElementById(`paths-${side}`);
    paths.replaceChildren();
    Object.entries(res.paths || {}).forEach(([outcome, list]) => (list || []).slice(0, 5).forEach((steps) =>
      paths.append(el("li", {}, el("strong", { text: outcome }), ": ", (steps || []).join(" → ")))));
    const other = results[side === "a" ? "b" : "a"];
    let diff = "";
    if (other) diff = " Difference to the other run: " + names.filter((n) => other.outcomes[n])
      .map((n) => `${n} ${(res.outcomes[n].p - other.outcomes[n].p >= 0 ? "+" : "")}${(res.outcomes[n].p - other.outcomes[n].p).toFixed(3)}`).join(", ");
    PK.status(`meta-${side}`, `${res.runs} runs, seed ${res.seed}, ${Number(res.seconds).toFixed(2)} s.${diff}`);
  }
  async function run(side) {
    const scenario = document.getElementById("sc-name").value;
    const sets = document.getElementById(`sets-${side}`).value.split("\n").map((s) => s.trim()).filter(Boolean);
    const yaml = document.getElementById("sc-yaml");
    const body = { scenario, runs: Number(document.getElementById("sc-runs").value) || 1000,
      seed: Number(document.getElementById("sc-seed").value) || 0, sets };
    if (yaml.dataset.edited === "1") body.yaml = yaml.value;
    PK.status(`meta-${side}`, "Running…");
    try { drawRun(side, await post("/api/simulate", body)); }
    catch (e) { PK.status(`meta-${side}`, `Run failed: ${e.message}`); }
  }
  async function loadScenario() {
    const name = document.getElementById("sc-name").value;
    const sc = await api(`/api/scenarios/${encodeURIComponent(name)}`);
    const yaml = document.getElementById("sc-yaml");
    yaml.value = sc.yaml; yaml.dataset.edited = "0";
  }
  if (caps.simulate && caps.scenarios) {
    const list = await api("/api/scenarios");
    const sel = document.getElementById("sc-name");
    list.forEach((s) => sel.append(el("option", { value: s.name, text: s.name })));
    sel.addEventListener("change", () => loadScenario());
    document.getElementById("sc-yaml").addEventListener("input", (e) => { e.target.dataset.edited = "1"; });
    ["a", "b"].forEach((side) => document.getElementById(`go-${side}`).addEventListener("click", () => run(side)));
    if (list.length) await loadScenario();
    PK.status("sc-status", `${list.length} scenario(s). Run A and B with different overrides to compare what-ifs side by side.`);
  } else {
    PK.status("sc-status", "Simulation is not available in this build of powderkeg.");
    ["a", "b"].forEach((side) => { document.getElementById(`go-${side}`).disabled = true; });
  }
  document.body.dataset.ready = "1";
})().catch((err) => { PK.status("fc-status", `Could not load: ${err.message}`); document.body.dataset.ready = "error"; });
