// mmltr inspect: two rankers side by side. Plain DOM (no framework, no build step); every text from the
// cluster is set with textContent, never parsed as HTML.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const state = { options: null, last: null, searching: 0 };

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

async function api(path, params) {
  const url = params ? `${path}?${new URLSearchParams(params)}` : path;
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  return body;
}

function showError(message) {
  const box = $("#error");
  box.textContent = message || "";
  box.hidden = !message;
}

function fillRankers(select, rankers, chosen) {
  select.replaceChildren(...rankers.map((r) => el("option", {
    value: r.name, text: r.name + (r.personal ? " (personal)" : r.model ? " (model)" : ""),
    selected: r.name === chosen,
  })));
}

async function loadOptions() {
  const options = await api("/api/options");
  state.options = options;
  $("#alias").textContent = `on ${options.alias}`;
  fillRankers($("#left"), options.rankers, options.defaults.left);
  fillRankers($("#right"), options.rankers, options.defaults.right);
  const user = $("#user");
  for (const u of options.users) user.append(el("option", { value: u.id, text: u.label }));
  $("#k").max = options.max_k;
  $("#notes").textContent = (options.notes || []).join(" ");
  $("#no-report").hidden = options.report;
}

function ranker(name) {
  return (state.options.rankers || []).find((r) => r.name === name) || { name, model: false, personal: false };
}

function movedBadge(item) {
  if (item.other_rank === null) return el("span", { class: "moved new", text: "not on the other side",
                                                    title: "the other ranker did not return it in its top k" });
  if (item.moved > 0) return el("span", { class: "moved up", text: `▲ ${item.moved}`,
                                          title: `rank ${item.other_rank} on the other side` });
  if (item.moved < 0) return el("span", { class: "moved down", text: `▼ ${-item.moved}`,
                                          title: `rank ${item.other_rank} on the other side` });
  return el("span", { class: "moved same", text: "=", title: "same rank on both sides" });
}

function formatPrice(price) {
  return typeof price === "number" ? price.toFixed(2) : "";
}

function hitRow(item, sideName, explainModel) {
  const source = item.source || {};
  const thumb = item.image_url
    ? el("img", { class: "thumb", src: item.image_url, alt: source.title || item.id, loading: "eager" })
    : el("div", { class: "thumb", title: "no image" });
  const meta = [source.brand, source.color, source.category].filter(Boolean).join(" · ");
  const info = el("div", {}, [
    el("div", { class: "title", text: source.title || item.id }),
    el("div", { class: "meta", text: meta }),
    el("div", { class: "meta", text: `id ${item.id}` }),
  ]);
  const side = el("div", { class: "side" }, [
    el("div", { class: "price", text: formatPrice(source.price) }),
    el("div", { class: "score meta", text: `score ${item.score.toFixed(4)}` }),
    movedBadge(item),
  ]);
  const row = el("li", { class: "hit", "data-id": item.id, "data-rank": String(item.rank) },
                 [el("span", { class: "rank", text: String(item.rank) }), thumb, info, side]);
  if (explainModel) {
    const button = el("button", { type: "button", class: "why", text: "why?",
                                  title: `feature contributions under ${explainModel}` });
    button.addEventListener("click", () => toggleExplain(row, item.id, explainModel, button));
    side.append(el("div", {}, [button]));
  }
  return row;
}

async function toggleExplain(row, docId, model, button) {
  const open = $(".contributions", row);
  if (open) { open.remove(); return; }
  button.disabled = true;
  try {
    const { q, user } = state.last;
    const ex = await api("/api/explain", { q, user, model, doc: docId });
    const top = ex.features.slice(0, 6);
    const rows = top.map((f) => el("tr", {}, [
      el("td", { text: f.name }),
      el("td", { class: "num", text: f.value === null ? "missing" : f.value.toFixed(3) }),
      el("td", { class: `num ${f.contribution >= 0 ? "pos" : "neg"}`,
                 text: (f.contribution >= 0 ? "+" : "") + f.contribution.toFixed(4) }),
    ]));
    rows.push(el("tr", {}, [el("td", { text: "bias (+ offset)" }), el("td"),
                            el("td", { class: "num", text: ex.bias.toFixed(4) })]));
    rows.push(el("tr", { class: "total" }, [el("td", { text: `score under ${model}` }), el("td"),
                                             el("td", { class: "num", text: ex.total.toFixed(4) })]));
    const head = el("tr", {}, [el("th", { text: "feature" }), el("th", { text: "value" }),
                               el("th", { text: "contribution" })]);
    row.append(el("table", { class: "contributions" }, [el("thead", {}, [head]), el("tbody", {}, rows)]));
  } catch (err) {
    row.append(el("div", { class: "contributions error", text: err.message }));
  } finally {
    button.disabled = false;
  }
}

function explainModelFor(sideName, comparison) {
  const own = comparison[sideName].ranker;
  const other = comparison[sideName === "left" ? "right" : "left"].ranker;
  if (ranker(own).model) return own;
  return ranker(other).model ? other : null;
}

function render(comparison) {
  for (const sideName of ["left", "right"]) {
    const side = comparison[sideName];
    const column = $(`.column[data-side="${sideName}"]`);
    const title = $(".column-title", column);
    title.replaceChildren(side.ranker + " ");
    if (side.personal) title.append(el("span", { class: "badge", text: comparison.user ? `for ${comparison.user}` : "anonymous" }));
    const model = explainModelFor(sideName, comparison);
    $(".hits", column).replaceChildren(...side.items.map((item) => hitRow(item, sideName, model)));
  }
  $("#results").hidden = false;
  const n = Math.max(comparison.left.items.length, comparison.right.items.length);
  $("#status").textContent = `"${comparison.query}" for ${comparison.user || "an anonymous user"}: ` +
    `${comparison.overlap} of the top ${n} on both sides.`;
}

async function search() {
  const q = $("#query").value.trim();
  if (!q) { showError("Type a query first."); return; }
  const params = { q, user: $("#user").value, left: $("#left").value, right: $("#right").value, k: $("#k").value };
  const ticket = ++state.searching;
  $("#status").textContent = "Searching…";
  showError("");
  try {
    const comparison = await api("/api/compare", params);
    if (ticket !== state.searching) return; // a newer search was sent meanwhile
    state.last = params;
    render(comparison);
    document.body.dataset.searched = String(ticket);
  } catch (err) {
    if (ticket === state.searching) { showError(err.message); $("#status").textContent = ""; }
  }
}

function showTab(button) {
  for (const tab of document.querySelectorAll(".tab")) {
    const active = tab === button;
    tab.classList.toggle("active", active);
    tab.setAttribute("aria-selected", String(active));
    $(`#${tab.dataset.panel}`).hidden = !active;
  }
  if (button.id === "tab-report" && state.options && state.options.report) {
    const frame = $("#report-frame");
    if (!frame.src) frame.src = "/report";
    frame.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); search(); });
  for (const id of ["#user", "#left", "#right"]) {
    $(id).addEventListener("change", () => { if (state.last) search(); });
  }
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab));
  try {
    await loadOptions();
    document.body.dataset.ready = "true";
  } catch (err) {
    showError(`Could not load the rankers: ${err.message}`);
  }
});
