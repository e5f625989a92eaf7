"use strict";
(() => {
  const { el, api } = PK;
  const theatre = document.body.dataset.theatre;
  const TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
    "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"];
  const QUADS = Object.keys(PK.QUAD_COLORS);
  const chart = echarts.init(document.getElementById("trend"));
  let current = null;
  let alertPeriods = [];

  async function drawTrend() {
    const freq = document.getElementById("freq").value;
    const group = document.getElementById("group").value;
    const norm = document.getElementById("norm").checked;
    const tr = await api(`/api/trend/${encodeURIComponent(theatre)}`, { freq });
    current = { tr, freq, group, norm };
    const keys = group === "quad" ? QUADS.map((q) => `quad_${q}`) : TYPES.map((t) => `type_${t}`);
    const used = keys.filter((k) => tr.rows.some((r) => (r[k] || 0) > 0));
    const x = tr.rows.map((r) => r.period);
    // alerts are weekly: shade their week, or the month that holds it
    const shaded = freq === "day" ? [] : [...new Set(alertPeriods.map((a) => (freq === "month" ? `${a.period.slice(0, 7)}-01` : a.period)))]
      .filter((p) => x.includes(p)).map((p) => {
        const i = x.indexOf(p);  // a band one category wide (ending at the alert period when last)
        return i + 1 < x.length ? [{ xAxis: p }, { xAxis: x[i + 1] }] : [{ xAxis: x[Math.max(0, i - 1)] }, { xAxis: p }];
      });
    const series = used.map((k, i) => ({
      name: k.replace(/^(quad|type)_/, "").replace("_", " "), type: "line", showSymbol: true, symbolSize: 5,
      data: tr.rows.map((r) => { const v = r[norm ? `${k}_norm` : k]; return v === null || v === undefined ? 0 : v; }),
      itemStyle: group === "quad" ? { color: PK.QUAD_COLORS[k.slice(5)] } : undefined,
      markArea: i === 0 && shaded.length ? { silent: true, itemStyle: { color: "rgba(217,71,63,0.12)" }, data: shaded } : undefined,
      pkKey: k
    }));
    chart.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { type: "scroll", top: 0 },
      grid: { left: 60, right: 20, top: 40, bottom: 60 },
      xAxis: { type: "category", data: x }, yAxis: { type: "value", name: norm ? "share of media volume" : "events" },
      // open on the latest stretch (two years of weeks, ten years of months); the slider shows all
      dataZoom: [{ type: "slider", bottom: 10, startValue: x[Math.max(0, x.length - { day: 180, week: 104, month: 120 }[freq])] }], series
    }, true);
    document.getElementById("trend").dataset.series = String(series.length);
  }

  chart.on("click", (p) => {
    if (!current || p.componentType !== "series") return;
    const row = current.tr.rows[p.dataIndex];
    const key = current.group === "quad" ? QUADS.map((q) => `quad_${q}`) : TYPES.map((t) => `type_${t}`);
    const k = key.find((x) => x.replace(/^(quad|type)_/, "").replace("_", " ") === p.seriesName);
    const params = { theatre, since: row.period, until: row.period_end, factuality: "asserted" };
    if (k.startsWith("quad_")) params.quad = k.slice(5); else params.type = k.slice(5);
    PK.evidence(`${p.seriesName}, ${row.period} – ${row.period_end}`, params);
  });

  let recentPage = 1;
  async function loadRecent() {
    const res = await api("/api/events", { theatre, page: recentPage, page_size: 15 });
    const list = document.getElementById("recent");
    res.events.forEach((e) => list.append(PK.eventItem(e)));
    if (!res.total) list.append(el("li", { class: "muted", text: "No events." }));
    document.getElementById("recent-more").hidden = recentPage * res.page_size >= res.total;
  }
  document.getElementById("recent-more").addEventListener("click", () => { recentPage += 1; loadRecent(); });

  async function loadAlerts() {
    const res = await api("/api/alerts", { theatre });
    alertPeriods = res.alerts;
    const list = document.getElementById("alerts");
    if (!res.alerts.length) list.append(el("li", { class: "muted", text: "No alerts for this theatre." }));
    res.alerts.slice().reverse().forEach((a) => {
      const item = PK.alertItem(a, (al) => PK.evidenceEvents(`${al.indicator_name}: ${al.period}`, al.events));
      const ev = el("ul", { class: "sentences" });
      a.sentences.slice(0, 3).forEach((s) => ev.append(el("li", { text: s })));
      item.append(ev);
      list.append(item);
    });
  }

  ["freq", "group", "norm"].forEach((id) => document.getElementById(id).addEventListener("change", () => drawTrend()));
  window.addEventListener("resize", () => chart.resize());
  Promise.all([loadAlerts().then(drawTrend), loadRecent()])
    .then(() => { document.body.dataset.ready = "1"; })
    .catch((err) => { PK.status("alerts", `Could not load: ${err.message}`); document.body.dataset.ready = "error"; });
})();
