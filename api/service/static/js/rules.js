/* The Rules view: the catalog with search (stemming and synonyms are the API's), and one rule's detail;
 * on a phone the detail is its own screen with a back link. */
import { API, asList, get, query } from "./api.js";
import { $, $$, clear, h, status } from "./dom.js";
import { loadExample } from "./evaluate.js";
import { badge, citationLink, sourceRows } from "./format.js";
import { fillSelect, instrumentLabel, jurisdictionName, state } from "./meta.js";

export async function searchRules() {
  const params = Object.fromEntries(new FormData($("#rules-filters")).entries());
  const list = $("#rules-list");
  list.setAttribute("aria-busy", "true");
  const seq = (state.rulesSeq = (state.rulesSeq || 0) + 1);
  try {
    const data = await get(`${API}/rules${query(params)}`);
    if (seq !== state.rulesSeq) return;
    state.rules = asList(data, "rules");
    state.rulesLoaded = true;
    renderRules();
  } catch (err) {
    clear(list).append(h("p", { class: "status error", text: `Could not load the rules: ${err.message}` }));
  } finally {
    if (seq === state.rulesSeq) list.removeAttribute("aria-busy");
  }
}

export function renderInstrumentOptions() {
  const j = $("#r-jurisdiction").value;
  const list = state.instruments.filter((i) => !j || i.jurisdiction === j);
  fillSelect($("#r-instrument"), list.map((i) => [i.id, `${i.short || i.id} (${i.jurisdiction})`]));
}

const PAGE = 50;

function ruleItem(r) {
  return h(
    "li",
    {},
    h(
      "a",
      { href: `#rules/${encodeURIComponent(r.id)}`, class: "rule-item", "aria-current": r.id === state.ruleId ? "true" : null, dataset: { rule: r.id } },
      h("span", { class: "t" }, badge(r.severity), " ", r.title),
      h("span", { class: "s", text: `${r.citation} · ${r.jurisdiction} · ${r.instrument} · in force ${r.effective_from}${r.effective_until ? ` – ${r.effective_until}` : ""} · ${r.id}` })
    )
  );
}

/** The matching rules, a page at a time (the whole catalog is hundreds of rules). */
function renderRules(shown = PAGE) {
  const list = clear($("#rules-list"));
  const n = state.rules.length;
  list.append(h("p", { class: "help rules-count", text: `${n} rule${n === 1 ? "" : "s"}` }));
  if (!n) {
    list.append(h("p", { class: "panel muted", text: "No rule matches this search." }));
    return;
  }
  list.append(h("ul", {}, state.rules.slice(0, shown).map(ruleItem)));
  if (n > shown) {
    list.append(h("button", { type: "button", class: "secondary rules-more", text: `Show ${Math.min(PAGE, n - shown)} more of ${n - shown}`, onclick: () => renderRules(shown + PAGE) }));
  }
}

function penaltyText(p) {
  if (!p) return "—";
  if (typeof p === "string") return p;
  const parts = [];
  if (p.max) parts.push(`up to ${typeof p.max === "object" ? JSON.stringify(p.max) : p.max}`);
  if (p.min) parts.push(`at least ${typeof p.min === "object" ? JSON.stringify(p.min) : p.min}`);
  if (p.sme_max) parts.push(`SMEs: up to ${p.sme_max}`);
  if (p.counts && p.counts !== "once") parts.push(`counted per ${String(p.counts).replace(/^per_/, "")}`);
  return parts.join("; ");
}

const conditionText = (c) => (typeof c === "string" ? c : JSON.stringify(c));

function exampleView(kind, ex, i, ruleId) {
  const product = ex && typeof ex === "object" && ex.product && !ex.markets ? ex.product : ex;
  return h(
    "details",
    { class: `example example-${kind}` },
    h("summary", {}, `${kind === "violating" ? "Violating" : "Compliant"} example ${i + 1}`, product && product.id ? h("code", { text: ` ${product.id}` }) : null),
    h("pre", { class: "json", tabindex: "0" }, JSON.stringify(product, null, 2)),
    h(
      "div",
      { class: "example-actions" },
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: () => {
            if (!loadExample(product, ruleId)) return;
            location.hash = "#evaluate";
            status("Loaded the rule's example into the editor. Evaluating it unchanged does not store it in the history.", null, "evaluate");
          },
        },
        "Evaluate this example"
      )
    )
  );
}

/** Show one rule (#rules/{id}); on a phone the list gives way to it. */
export async function showRule(id) {
  const box = $("#rule-detail");
  state.ruleId = id;
  for (const b of $$(".rule-item")) {
    if (b.dataset.rule === id) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  }
  $(".rules-layout").classList.add("showing-detail");
  try {
    const r = await get(`${API}/rules/${encodeURIComponent(id)}`);
    const p = r.penalty || {};
    const ex = r.examples || {};
    clear(box).append(
      h("a", { href: "#rules", class: "back-link", onclick: closeRule, text: "← All rules" }),
      h("h2", { id: "rule-title", tabindex: "-1" }, badge(r.severity), " ", r.title),
      h("p", { class: "rule-id" }, h("code", { text: r.id })),
      h(
        "dl",
        {},
        h("dt", { text: "Instrument" }),
        h("dd", {}, r.instrument_title || instrumentLabel(r.instrument), ` (${r.instrument})`),
        h("dt", { text: "Jurisdiction" }),
        h("dd", { text: jurisdictionName(r.jurisdiction) }),
        h("dt", { text: "Citation" }),
        h("dd", {}, citationLink(r.citation, r.source)),
        sourceRows(r),
        r.requirement ? [h("dt", { text: "Requirement" }), h("dd", { text: r.requirement })] : null,
        h("dt", { text: "Applies to" }),
        h("dd", { text: r.subject || "—" }),
        h("dt", { text: "In force" }),
        h("dd", { class: "rule-dates" }, `from ${r.effective_from || "—"}`, r.effective_until ? ` until ${r.effective_until}` : " (no end date)"),
        h("dt", { text: "Penalty" }),
        h("dd", { class: "rule-penalty" }, penaltyText(p), p.citation ? ` (${p.citation}${p.tier ? `, tier “${p.tier}”` : ""})` : "", p.confirmed === false ? h("div", { class: "help", text: "This figure could not be confirmed against its source." }) : null),
        h("dt", { text: "Remediation" }),
        h("dd", { text: r.remediation || "—" }),
        r.condition || r.when ? [h("dt", { text: "Condition" }), h("dd", { class: "rule-condition" }, h("code", { text: conditionText(r.condition || r.when) }))] : null,
        r.note ? [h("dt", { text: "Note" }), h("dd", { text: r.note })] : null
      ),
      h("h3", { text: "Examples" }),
      h(
        "div",
        { class: "examples" },
        (ex.violating || []).map((e, i) => exampleView("violating", e, i, r.id)),
        (ex.compliant || []).map((e, i) => exampleView("compliant", e, i, r.id)),
        !(ex.violating || []).length && !(ex.compliant || []).length ? h("p", { class: "muted", text: "No examples." }) : null
      )
    );
    box.hidden = false;
    if (window.matchMedia("(max-width: 699px)").matches) window.scrollTo(0, 0);
    $("#rule-title").focus({ preventScroll: !window.matchMedia("(max-width: 699px)").matches });
  } catch (err) {
    clear(box).append(h("a", { href: "#rules", class: "back-link", text: "← All rules" }), h("p", { class: "status error", text: `Could not load rule ${id}: ${err.message}` }));
    box.hidden = false;
  }
}

export function closeRule() {
  state.ruleId = null;
  $(".rules-layout").classList.remove("showing-detail");
  $("#rule-detail").hidden = true;
}

export function initRules(debounce) {
  $("#rules-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    searchRules();
  });
  $("#r-q").addEventListener("input", debounce(searchRules, 250));
  for (const sel of ["#r-instrument", "#r-severity"]) $(sel).addEventListener("change", searchRules);
  $("#r-jurisdiction").addEventListener("change", () => {
    renderInstrumentOptions();
    searchRules();
  });
}
