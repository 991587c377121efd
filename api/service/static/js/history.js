/* The History view: stored evaluations, filters (behind a toggle on phones), rows as cards on phones,
 * picking two to compare. */
import { API, ApiError, asList, get, normEvaluation, query } from "./api.js";
import { $, $$, clear, h } from "./dom.js";
import { badge, dateTime, plural } from "./format.js";
import { state } from "./meta.js";

/** Local midnight of a YYYY-MM-DD date, plus `days`, as an ISO instant (the API reads UTC). */
function localMidnight(date, days = 0) {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(y, m - 1, d + days).toISOString();
}

function historyParams() {
  const f = Object.fromEntries(new FormData($("#history-filters")).entries());
  return {
    product_id: f.product_id.trim(),
    jurisdiction: f.jurisdiction,
    severity: f.severity,
    created_from: f.stored_from ? localMidnight(f.stored_from) : "",
    created_to: f.stored_to ? localMidnight(f.stored_to, 1) : "",
    as_of_from: f.as_of,
    as_of_to: f.as_of,
  };
}

export async function loadHistory(more) {
  const list = $("#history-list");
  const params = historyParams();
  if (more === true && state.historyCursor) params.cursor = state.historyCursor;
  list.setAttribute("aria-busy", "true");
  const seq = (state.historySeq = (state.historySeq || 0) + 1);
  try {
    const data = await get(`${API}/evaluations${query(params)}`);
    if (seq !== state.historySeq) return;
    const items = asList(data, "evaluations").map((x) => normEvaluation(x));
    state.history = more === true ? (state.history || []).concat(items) : items;
    state.historyTotal = data && typeof data.total === "number" ? data.total : state.history.length;
    state.historyCursor = (data && data.next_cursor) || null;
    $("#history-more").hidden = !state.historyCursor;
    renderHistory();
  } catch (err) {
    const needsKey = err instanceof ApiError && err.status === 401;
    if (needsKey) $("#api-key-field").hidden = false; // the history is protected when keys are set
    const hint = needsKey ? " Enter the API key under Evaluate, then reload this view." : "";
    clear(list).append(h("p", { class: "status error", text: `Could not load the history: ${err.message}.${hint}` }));
  } finally {
    if (seq === state.historySeq) list.removeAttribute("aria-busy");
  }
}

function renderHistory() {
  const list = clear($("#history-list"));
  state.selectedForCompare = state.selectedForCompare || [];
  const known = new Set(state.history.map((e) => String(e.id)));
  state.selectedForCompare = state.selectedForCompare.filter((id) => known.has(id));
  if (!state.history.length) {
    list.append(h("p", { class: "panel muted", text: "No stored evaluation matches. Evaluations appear here once you run them." }));
    updateCompare();
    return;
  }
  list.append(h("p", { class: "help history-count", text: `Showing ${state.history.length} of ${plural(state.historyTotal ?? state.history.length, "stored evaluation")}, newest first.` }));
  list.append(
    h(
      "div",
      { class: "table-wrap panel history-wrap" },
      h(
        "table",
        { class: "history-table" },
        h("caption", { class: "visually-hidden", text: "Stored evaluations, newest first" }),
        h("thead", {}, h("tr", {}, ["Compare", "Evaluated", "Product", "As of", "Markets", "Violations", "Actions"].map((t) => h("th", { scope: "col", text: t })))),
        h(
          "tbody",
          {},
          state.history.map((e) => {
            const id = String(e.id);
            const when = dateTime(e.created_at);
            return h(
              "tr",
              { dataset: { id, product: e.product_id } },
              h("td", { class: "c-select", "data-label": "Compare" }, h("input", { type: "checkbox", class: "compare-check", "aria-label": `Select the evaluation of ${e.product_id} stored ${when} for comparison`, checked: state.selectedForCompare.includes(id), onchange: (ev) => toggleCompare(id, ev.target.checked) })),
              h("td", { "data-label": "Evaluated" }, h("time", { datetime: e.created_at || "", text: when })),
              h("td", { "data-label": "Product" }, h("code", { text: e.product_id })),
              h("td", { "data-label": "As of", text: e.as_of || "—" }),
              h("td", { "data-label": "Markets", text: (e.markets || []).join(", ") || "—" }),
              h("td", { "data-label": "Violations" }, e.violations ?? "—", " ", e.worst ? badge(e.worst) : e.violations === 0 ? h("span", { class: "badge ok", text: "none" }) : null),
              h(
                "td",
                { class: "c-actions", "data-label": "Actions" },
                h("a", { href: `#evaluation/${encodeURIComponent(id)}`, class: "open-evaluation", "aria-label": `Open the evaluation of ${e.product_id} stored ${when}`, text: "Open" }),
                " ",
                h("a", { href: `#exposure/${encodeURIComponent(id)}`, class: "open-exposure", "aria-label": `Exposure of the evaluation of ${e.product_id} stored ${when}`, text: "Exposure" })
              )
            );
          })
        )
      )
    )
  );
  updateCompare();
}

function toggleCompare(id, on) {
  state.selectedForCompare = state.selectedForCompare.filter((x) => x !== id);
  if (on) state.selectedForCompare.push(id);
  while (state.selectedForCompare.length > 2) state.selectedForCompare.shift();
  for (const box of $$(".compare-check")) box.checked = state.selectedForCompare.includes(box.closest("tr").dataset.id);
  updateCompare();
}

function updateCompare() {
  const sel = (state.selectedForCompare || []).map((id) => state.history.find((e) => String(e.id) === id)).filter(Boolean);
  const button = $("#compare-button");
  const hint = $("#compare-hint");
  if (sel.length < 2) {
    button.disabled = true;
    hint.textContent = `Tick two evaluations of the same product to compare them (${sel.length} of 2 ticked).`;
  } else if (sel[0].product_id !== sel[1].product_id) {
    button.disabled = true;
    hint.textContent = `These are different products (${sel[0].product_id}, ${sel[1].product_id}); compare two evaluations of the same product.`;
  } else {
    button.disabled = false;
    hint.textContent = `Ready to compare two evaluations of ${sel[0].product_id}.`;
  }
}

export function initHistory() {
  $("#history-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadHistory();
  });
  $("#history-filters").addEventListener("reset", () => setTimeout(loadHistory, 0));
  $("#history-more").addEventListener("click", () => loadHistory(true));
  $("#compare-button").addEventListener("click", () => {
    const [a, b] = state.selectedForCompare;
    location.hash = `#compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
  });
  const toggle = $("#history-filters-toggle");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    $("#history-filters").classList.toggle("open", open);
  });
}
