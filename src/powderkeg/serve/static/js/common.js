/* powderkeg dashboard: shared helpers. Every user or stored string goes into the page through
   textContent (never innerHTML), so article text cannot run as markup. */
"use strict";
const PK = (() => {
  const LEVEL_COLORS = ["#cfe8cf", "#ffe08a", "#f7a35c", "#d9473f"];
  const QUAD_COLORS = {
    verbal_cooperation: "#6aa84f", material_cooperation: "#1c7c54",
    verbal_conflict: "#e69138", material_conflict: "#cc0000"
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = String(v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function api(path, params, options) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) {
      if (v === null || v === undefined || v === "") continue;
      if (Array.isArray(v)) v.forEach((x) => url.searchParams.append(k, x));
      else url.searchParams.set(k, v);
    }
    const res = await fetch(url, Object.assign({ headers: { Accept: "application/json" } }, options || {}));
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) {
      let msg = body && body.detail !== undefined ? body.detail : res.statusText;
      if (typeof msg !== "string") msg = JSON.stringify(msg);
      const err = new Error(msg);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function post(path, payload) {
    return api(path, null, {
      method: "POST", body: JSON.stringify(payload),
      headers: { "Content-Type": "application/json", Accept: "application/json" }
    });
  }

  function codes(list) { return (list || []).join(", ") || "–"; }

  function eventItem(e) {
    const head = el("div", { class: "ev-head" },
      el("span", { class: "tag", text: e.type || "?" }),
      el("span", { text: ` ${e.date || "undated"} · ${codes(e.actor_codes)} → ${codes(e.target_codes)}` }),
      e.place_name ? el("span", { class: "muted", text: ` · ${e.place_name}` }) : null);
    const src = e.doc_id
      ? el("a", { href: `/documents/${encodeURIComponent(e.doc_id)}#ev-${encodeURIComponent(e.event_id)}`, text: "document" })
      : el("span", { class: "muted", text: `dataset ${e.dataset || "?"} row ${e.row_id || "?"}` });
    return el("li", { class: "event", "data-event": e.event_id }, head,
      e.sentence ? el("blockquote", { text: e.sentence }) : null,
      el("div", { class: "ev-src" }, src));
  }

  // the evidence drawer: events behind a chart point, an alert or an edge
  const drawer = { params: null, page: 1, ids: null };
  function openDrawer(title) {
    document.getElementById("evidence-title").textContent = title;
    document.getElementById("evidence-list").replaceChildren();
    document.getElementById("evidence-summary").textContent = "Loading…";
    document.getElementById("evidence").hidden = false;
  }
  async function loadEvidencePage() {
    const list = document.getElementById("evidence-list");
    const more = document.getElementById("evidence-more");
    try {
      const res = await api("/api/events", Object.assign({}, drawer.params, { page: drawer.page, page_size: 25 }));
      res.events.forEach((e) => list.append(eventItem(e)));
      document.getElementById("evidence-summary").textContent = `${res.total} event(s)`;
      more.hidden = drawer.page * res.page_size >= res.total;
    } catch (err) {
      document.getElementById("evidence-summary").textContent = `Could not load: ${err.message}`;
      more.hidden = true;
    }
  }
  function evidence(title, params) {
    drawer.params = params; drawer.page = 1; drawer.ids = null;
    openDrawer(title);
    return loadEvidencePage();
  }
  async function evidenceIds(title, ids) {
    drawer.params = null; drawer.ids = ids;
    openDrawer(title);
    document.getElementById("evidence-more").hidden = true;
    const list = document.getElementById("evidence-list");
    const shown = ids.slice(0, 25);
    for (const id of shown) {
      try { list.append(eventItem(await api(`/api/events/${encodeURIComponent(id)}`))); }
      catch (err) { list.append(el("li", { text: `${id}: ${err.message}` })); }
    }
    document.getElementById("evidence-summary").textContent =
      `${ids.length} event(s)` + (ids.length > shown.length ? `, first ${shown.length} shown` : "");
  }
  function evidenceEvents(title, events) {
    drawer.params = null;
    openDrawer(title);
    document.getElementById("evidence-more").hidden = true;
    const list = document.getElementById("evidence-list");
    events.forEach((e) => list.append(eventItem(e)));
    document.getElementById("evidence-summary").textContent = `${events.length} event(s)`;
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("evidence-close").addEventListener("click", () => {
      document.getElementById("evidence").hidden = true;
    });
    document.getElementById("evidence-more").addEventListener("click", () => {
      drawer.page += 1; loadEvidencePage();
    });
  });

  function alertItem(a, onclick) {
    return el("li", { class: "alert" },
      el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); onclick(a); } },
        el("strong", { text: a.indicator_name || a.indicator }),
        el("span", { text: ` · ${a.theatre} · ${a.period}–${a.period_end}` })),
      el("div", { class: "muted small", text: `${a.value} against a baseline of ${a.baseline} (score ${a.score})` }));
  }

  function status(id, text) { const n = document.getElementById(id); if (n) n.textContent = text; }

  return { el, api, post, eventItem, evidence, evidenceIds, evidenceEvents, alertItem, status, LEVEL_COLORS, QUAD_COLORS };
})();
