"use strict";
(async () => {
  const { el, api } = PK;
  const map = L.map("map", { preferCanvas: true, worldCopyJump: true, attributionControl: true }).setView([46, 25], 4);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth (public domain), via world-atlas");
  const [ov, topo, pts] = await Promise.all([
    api("/api/overview"), fetch("/static/vendor/countries-50m.json").then((r) => r.json()), api("/api/points", { limit: 2000 })
  ]);
  const byNumeric = {}, byName = {};
  ov.theatres.forEach((t) => {
    t.country_numeric.forEach((n) => { if (!byNumeric[n] || byNumeric[n].level < t.level) byNumeric[n] = t; });
    if (t.countries.includes("XKX")) byName.Kosovo = t;
  });
  const countries = topojson.feature(topo, topo.objects.countries);
  const theatreOf = (f) => byNumeric[f.id] || byName[f.properties.name] || null;
  const bounds = [];
  const layer = L.geoJSON(countries, {
    style: (f) => {
      const t = theatreOf(f);
      return { weight: 0.6, color: "#777", fillOpacity: t ? 0.85 : 0.35, fillColor: t ? PK.LEVEL_COLORS[t.level] : "#eee" };
    },
    onEachFeature: (f, lyr) => {
      const t = theatreOf(f);
      if (!t) return;
      bounds.push(lyr.getBounds());
      lyr.bindTooltip(`${t.name}: ${t.level_name} (${f.properties.name})`, { sticky: true });
      lyr.on("click", () => { window.location.href = `/theatre/${encodeURIComponent(t.id)}`; });
    }
  }).addTo(map);
  if (bounds.length) {
    const b = bounds.reduce((acc, x) => acc.extend(x), L.latLngBounds(bounds[0].getSouthWest(), bounds[0].getNorthEast()));
    map.fitBounds(b.pad(0.15));
  }
  pts.points.forEach((p) => {
    const m = L.circleMarker([p.lat, p.lon], {
      radius: 4, weight: 1, color: "#222", fillOpacity: 0.8, fillColor: PK.QUAD_COLORS[p.quad] || "#888"
    }).addTo(map);
    m.bindTooltip(`${p.date || "undated"} ${p.type || ""} ${p.place_name || ""}`);
    m.on("click", () => PK.evidenceIds(`Event at ${p.place_name || "a point"}`, [p.event_id]));
  });
  layer.bringToBack();
  document.getElementById("ov-summary").textContent =
    `${ov.n_events} events in the store, last dated ${ov.last_date || "–"}; levels from alerts since ${ov.recent_since || "–"}. ` +
    `Points: the latest ${pts.points.length} events with coordinates (click one for its sentence).`;
  const legend = document.getElementById("legend");
  ov.levels.forEach((name, i) => legend.append(el("span", { class: "swatch", style: `background:${PK.LEVEL_COLORS[i]}` }), ` ${name} `));
  Object.entries(PK.QUAD_COLORS).forEach(([q, c]) => legend.append(el("span", { class: "dot", style: `background:${c}` }), ` ${q.replace("_", " ")} `));
  const tbody = document.querySelector("#theatre-table tbody");
  ov.theatres.slice().sort((a, b) => b.level - a.level || b.n_events - a.n_events).forEach((t) => {
    tbody.append(el("tr", {},
      el("td", {}, el("a", { href: `/theatre/${encodeURIComponent(t.id)}`, text: t.name })),
      el("td", {}, el("span", { class: "swatch", style: `background:${PK.LEVEL_COLORS[t.level]}` }), ` ${t.level_name}`),
      el("td", { text: t.n_events }), el("td", { text: `${t.recent_alerts} recent / ${t.alerts}` })));
  });
  const list = document.getElementById("alert-list");
  if (!ov.alerts.length) list.append(el("li", { class: "muted", text: "No alerts." }));
  ov.alerts.forEach((a) => list.append(PK.alertItem(a, async (al) => {
    const res = await api("/api/alerts", { theatre: al.theatre });
    const full = res.alerts.find((x) => x.indicator === al.indicator && x.period === al.period);
    PK.evidenceEvents(`${al.indicator_name}: ${al.period}`, full ? full.events : []);
  })));
  document.body.dataset.ready = "1";
})().catch((err) => { PK.status("ov-summary", `Could not load: ${err.message}`); document.body.dataset.ready = "error"; });
