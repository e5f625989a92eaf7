"use strict";
(() => {
  const { el, api, post } = PK;

  // the text with each event's sentence span marked; built from text nodes only
  function renderText(container, text, events) {
    container.replaceChildren();
    const spans = events.filter((e) => Array.isArray(e.span) || e.span_start !== undefined)
      .map((e) => ({ start: Array.isArray(e.span) ? e.span[0] : e.span_start, end: Array.isArray(e.span) ? e.span[1] : e.span_end, e }))
      .filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end && s.end <= text.length)
      .sort((a, b) => a.start - b.start);
    let pos = 0;
    const byStart = new Map();
    spans.forEach((s) => { if (!byStart.has(s.start)) byStart.set(s.start, []); byStart.get(s.start).push(s); });
    for (const [start, group] of [...byStart.entries()].sort((a, b) => a[0] - b[0])) {
      if (start < pos) continue;
      container.append(document.createTextNode(text.slice(pos, start)));
      const end = Math.max(...group.map((s) => s.end));
      const ids = group.map((s) => s.e.id || s.e.event_id);
      const label = group.map((s) => s.e.type).join(", ");
      const mark = el("mark", { title: label, "data-type": label, id: `ev-${ids[0]}` }, text.slice(start, end));
      mark.append(el("sup", { text: label }));
      container.append(mark);
      pos = end;
    }
    container.append(document.createTextNode(text.slice(pos)));
  }

  async function showStored(docId) {
    const d = await api(`/api/documents/${encodeURIComponent(docId)}`);
    document.getElementById("doc-title").textContent = d.title || d.doc_id;
    document.getElementById("doc-meta").textContent = `${d.source || ""} · ${d.date || "undated"} · coder ${d.coder || "?"} · ${d.events.length} event(s)`;
    renderText(document.getElementById("doc-view"), d.text || "", d.events);
    const list = document.getElementById("doc-events");
    d.events.forEach((e) => list.append(PK.eventItem(e)));
    if (window.location.hash) {
      const target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target) { target.classList.add("flash"); target.scrollIntoView({ block: "center" }); }
    }
  }

  function showCoded(res) {
    document.getElementById("result").hidden = false;
    document.getElementById("result-title").textContent =
      `${res.document.title || "Article"}: ${res.document.events.length} event(s)`;
    renderText(document.getElementById("doc-view"), res.text, res.document.events);
    document.getElementById("brief").textContent = res.brief;
  }

  async function codeText(ev) {
    ev.preventDefault();
    PK.status("code-status", "Coding… (the first call loads the language model)");
    try {
      const res = await post("/api/code", {
        text: document.getElementById("doc-text").value,
        title: document.getElementById("doc-title").value || null,
        date: document.getElementById("doc-date").value || null
      });
      showCoded(res);
      PK.status("code-status", "Done.");
    } catch (err) { PK.status("code-status", `Could not code: ${err.message}`); }
  }

  async function upload(ev) {
    ev.preventDefault();
    const file = document.getElementById("doc-file").files[0];
    if (!file) { PK.status("code-status", "Choose a file first."); return; }
    if (file.size > 2 * 1024 * 1024) { PK.status("code-status", `${file.name}: over 2 MB`); return; }
    const form = new FormData();
    form.append("file", file);
    const date = document.getElementById("doc-date").value;
    if (date) form.append("date", date);
    PK.status("code-status", "Uploading and coding…");
    try { showCoded(await api("/api/code/upload", null, { method: "POST", body: form })); PK.status("code-status", "Done."); }
    catch (err) { PK.status("code-status", `Could not code: ${err.message}`); }
  }

  async function listStored() {
    const res = await api("/api/documents", { page_size: 100 });
    const list = document.getElementById("doc-list");
    if (!res.total) list.append(el("li", { class: "muted", text: "No documents in the store (dataset imports only)." }));
    res.documents.forEach((d) => list.append(el("li", {},
      el("a", { href: `/documents/${encodeURIComponent(d.doc_id)}`, text: d.title || d.doc_id }),
      el("span", { class: "muted", text: ` · ${d.date || "undated"} · ${d.n_events} event(s)` }))));
  }

  const docId = document.body.dataset.doc;
  const done = () => { document.body.dataset.ready = "1"; };
  const fail = (err) => { PK.status(docId ? "doc-meta" : "code-status", `Could not load: ${err.message}`); document.body.dataset.ready = "error"; };
  if (docId) { showStored(docId).then(done, fail); return; }
  document.getElementById("code-form").addEventListener("submit", codeText);
  document.getElementById("upload-form").addEventListener("submit", upload);
  listStored().then(done, fail);
})();
