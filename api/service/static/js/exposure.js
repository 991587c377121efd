/* The Exposure view: per market and instrument, the statutory maxima with their formula, conditional
 * and open-ended amounts marked, a linear chart per currency with value labels. Nothing is summed
 * across instruments or currencies. */
import { SEVERITIES } from "./api.js";
import { $, clear, groupBy, h } from "./dom.js";
import { money, plural } from "./format.js";
import { instrumentLabel, instrumentShort, jurisdictionName, state } from "./meta.js";
import { compact, conditionOf, formula, isOpenEnded, maxLabel } from "./penalty.js";
import { chartWidth, countChart, figure, rangeChart } from "./charts.js";
import { penaltyChangeView, showInDescription } from "./report.js";

/** One exposure row with what a reader needs to quote it: the gravest violation, conditions, open end. */
export function exposureFacts(report, e) {
  // a row may aggregate several instruments where one act meets them under one shared tier (counted once)
  const members = e.instruments && e.instruments.length ? e.instruments : [e.instrument];
  const vs = report.violations.filter((v) => members.includes(v.instrument) && v.penalty);
  const open = e.max === null || e.max === undefined;
  const gravest = vs.reduce((best, v) => (best === null || isOpenEnded(v.penalty) || Number(v.penalty.max) > Number(best.penalty.max) ? v : best), null);
  const conditional = vs.filter((v) => conditionOf(v.penalty));
  const missing = [...new Set([...(e.missing || []), ...vs.flatMap((v) => v.penalty.missing || [])])];
  return { e, vs, open, gravest, conditional, missing, atLeast: open ? e.max_at_least ?? e.min : null };
}

function amountCell(f) {
  const { e } = f;
  if (f.open) {
    return h(
      "span",
      { class: "open-ended" },
      h("strong", { text: `≥ ${money(f.atLeast ?? 0, e.currency)}` }),
      " — ",
      f.missing.length
        ? f.missing.map((m, i) => [i ? ", " : "", h("button", { type: "button", class: "link-button", onclick: () => showInDescription(m) }, `give ${m.split(".").pop().replace(/_/g, " ")}`)])
        : h("button", { type: "button", class: "link-button", onclick: () => showInDescription("organization.annual_revenue") }, "give annual revenue"),
      " to bound it"
    );
  }
  return h("span", {}, h("strong", { text: Number(e.min) > 0 ? `${money(e.min, e.currency)} – ${money(e.max, e.currency)}` : `up to ${money(e.max, e.currency)}` }), h("span", { class: "penalty-label", text: ` (${f.gravest ? maxLabel(f.gravest.penalty) : "statutory maximum"})` }));
}

function conditionalNote(f) {
  const cond = f.e.conditional ?? null;
  const items = f.conditional;
  if (!items.length && !cond) return null;
  const parts = items.map((v) => `${v.penalty.min > 0 ? `${compact(v.penalty.min, v.penalty.currency)} – ` : "up to "}${compact(v.penalty.max, v.penalty.currency)} only if ${conditionOf(v.penalty)} (${v.rule_id})`);
  return h("div", { class: "help conditional-note" }, h("span", { class: "badge conditional", text: "conditional" }), " ", typeof cond === "string" ? cond : "", parts.join("; "));
}

function instrumentTable(facts, jur) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": `Exposure per instrument, ${jur}` },
    h(
      "table",
      { class: "exposure-table" },
      h("caption", { class: "visually-hidden", text: "Exposure per instrument" }),
      h("thead", {}, h("tr", {}, ["Instrument", "Maximum (its currency)", "In USD, for comparison", "How it is worked out"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        facts.map((f) =>
          h(
            "tr",
            { dataset: { instrument: f.e.instrument } },
            h("th", { scope: "row" }, (f.e.instruments && f.e.instruments.length > 1 ? f.e.instruments : [f.e.instrument]).map(instrumentLabel).join(" + "), f.e.instruments && f.e.instruments.length > 1 ? h("div", { class: "help", text: "One act under a shared tier: counted once." }) : null),
            h("td", {}, amountCell(f), conditionalNote(f)),
            h("td", { text: f.open ? `≥ ${money(f.e.usd && f.e.usd.min, "USD")}` : `${Number(f.e.usd.min) > 0 ? `${money(f.e.usd.min, "USD")} – ` : "up to "}${money(f.e.usd.max, "USD")}` }),
            h(
              "td",
              {},
              h("div", { class: "formula", text: f.gravest ? formula(f.gravest.penalty) : "" }),
              h("div", { class: "help", text: `${f.e.explanation || f.e.aggregation || ""}${f.gravest && f.gravest.penalty.citation ? ` — ${f.gravest.penalty.citation}` : ""}` })
            )
          )
        )
      )
    )
  );
}

export function renderExposure() {
  const report = state.report;
  $("#exposure-empty").hidden = !!report;
  const box = clear($("#exposure-content"));
  box.hidden = !report;
  if (!report) return;
  const exposure = report.summary.exposure || [];
  const ev = state.evaluation;
  const stored = ev && ev.id !== null && ev.id !== undefined;
  box.append(
    h("p", { class: "lede" }, "For ", h("code", { text: report.product_id }), ` as of ${report.as_of} (markets ${(report.markets || []).join(", ")}). `, h("a", { href: stored ? `#evaluation/${encodeURIComponent(ev.id)}` : "#evaluate", text: "Back to the report" }), "."),
    h(
      "p",
      { class: "panel note exposure-note" },
      h("strong", { text: "How to read these figures. " }),
      "Each amount is the statutory maximum a regulator or court may impose under one instrument — a ceiling the law allows, not a predicted fine. ",
      "They are not added up: instruments differ in currency, regulator and how violations combine. Amounts marked ",
      h("span", { class: "badge conditional", text: "conditional" }),
      " arise only if the stated event occurs."
    )
  );
  if (!exposure.length) {
    box.append(h("p", { class: "panel", text: "No violation, so no penalty exposure on this date." }));
  }
  const w = chartWidth();
  for (const [jur, rows] of groupBy(exposure, "jurisdiction")) {
    const facts = rows.map((e) => exposureFacts(report, e));
    const sec = h("section", { class: "exposure-jurisdiction panel", dataset: { jurisdiction: jur }, "aria-labelledby": `exp-${jur}` }, h("h2", { id: `exp-${jur}`, text: jurisdictionName(jur) }));
    for (const [cur, fs] of groupBy(facts, (f) => f.e.currency)) {
      const chartRows = fs.map((f) => ({
        key: f.e.instrument,
        label: (f.e.instruments && f.e.instruments.length ? f.e.instruments : [f.e.instrument]).map(instrumentShort).join(" + "),
        min: Number(f.open ? f.atLeast ?? 0 : f.e.min),
        max: f.open ? null : Number(f.e.max),
        open: f.open,
        conditional: f.conditional.length ? `part only if ${conditionOf(f.conditional[0].penalty)}` : null,
      }));
      sec.append(figure(`exposure-native exposure-${jur}`, `Statutory maximum per instrument in ${cur} (linear scale; not added up)`, rangeChart({ id: `exp-${jur}-${cur}`, title: `Statutory maxima in ${cur}, ${jur}`, rows: chartRows, currency: cur, width: w - 32 })));
    }
    sec.append(instrumentTable(facts, jur));
    box.append(sec);
  }
  if (Array.isArray(report.upcoming_penalty_changes) && report.upcoming_penalty_changes.length) {
    box.append(h("h2", { text: "Upcoming penalty changes" }), h("ul", { class: "plain-list panel" }, report.upcoming_penalty_changes.map(penaltyChangeView)));
  }
  const sev = report.summary.by_severity || {};
  const half = w > 700 ? Math.floor((w - 24) / 2) : w;
  box.append(
    h("h2", { text: `Violations (${plural(report.summary.violations, "finding")})` }),
    h(
      "div",
      { class: "chart-grid" },
      h("figure", { class: "panel chart-panel severity-chart" }, h("figcaption", { class: "chart-title", text: "Violations by severity" }), countChart({ id: "chart-severity", title: "Violations by severity", entries: SEVERITIES.map((sv) => [sv, sev[sv] || 0]), width: half, colors: { critical: "#8a1020", high: "#c0392b", medium: "#8a5200", low: "#3f5f8a" } })),
      h("figure", { class: "panel chart-panel jurisdiction-chart" }, h("figcaption", { class: "chart-title", text: "Violations by jurisdiction" }), countChart({ id: "chart-jurisdiction", title: "Violations by jurisdiction", entries: Object.entries(report.summary.by_jurisdiction || {}), width: half }))
    )
  );
}
