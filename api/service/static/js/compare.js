/* Compare two stored evaluations of a product: what changed in the description, field by field, with
 * the findings each change fixed or added; exposure before and after; unchanged findings collapsed. */
import { fetchEvaluation } from "./api.js";
import { $, clear, h } from "./dom.js";
import { badge, dateTime, money, plural, show } from "./format.js";
import { instrumentShort, state } from "./meta.js";
import { subjectLabel } from "./report.js";
import { status } from "./dom.js";

export const violationKey = (v) => `${v.rule_id}|${v.subject ? `${v.subject.kind}:${v.subject.id}` : ""}`;

/** Every leaf of a JSON document as path -> value (lists of scalars are one leaf). */
export function flatten(doc, prefix = "", out = new Map()) {
  if (Array.isArray(doc)) {
    if (doc.every((x) => x === null || typeof x !== "object")) out.set(prefix, doc);
    else doc.forEach((x, i) => flatten(x, `${prefix}[${i}]`, out));
    if (!doc.length) out.set(prefix, doc);
  } else if (doc && typeof doc === "object") {
    const keys = Object.keys(doc);
    if (!keys.length && prefix) out.set(prefix, doc);
    for (const k of keys) flatten(doc[k], prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, doc);
  return out;
}

/** [{path, before, after}] for every leaf that differs (absent on one side is `undefined`). */
export function fieldDiff(a, b) {
  const fa = flatten(a || {});
  const fb = flatten(b || {});
  const paths = [...new Set([...fa.keys(), ...fb.keys()])];
  return paths.filter((p) => JSON.stringify(fa.get(p)) !== JSON.stringify(fb.get(p))).sort().map((p) => ({ path: p, before: fa.get(p), after: fb.get(p) }));
}

/** Is a finding about this description path? (an evidence fact names it, directly or under its subject) */
export function concerns(v, path) {
  const last = path.split(".").pop().replace(/\[\d+\]$/, "");
  const subjectPath = (v.subject && v.subject.path) || "";
  return (v.evidence || []).some((e) => {
    const fact = e.fact || "";
    if (fact === path || path.startsWith(`${fact}[`) || path.startsWith(`${fact}.`)) return true;
    const factLast = fact.split(".").pop();
    return factLast === last && (subjectPath ? path.startsWith(subjectPath) : true);
  });
}

const who = (e) => `${dateTime(e.created_at)} (as of ${e.report.as_of}, ${plural(e.report.violations.length, "violation")})`;

function scopeNote(a, b) {
  const notes = [];
  if (String(a.as_of) !== String(b.as_of)) notes.push(`different as-of dates (${a.as_of}, ${b.as_of})`);
  const ma = (a.markets || []).join(", ");
  const mb = (b.markets || []).join(", ");
  if (ma !== mb) notes.push(`different markets (${ma || "—"}; ${mb || "—"})`);
  if (!notes.length) return null;
  return h("p", { class: "status scope-note" }, `These evaluations cover ${notes.join(" and ")}: some differences come from that, not from changes to the description.`);
}

function exposureDiff(older, newer) {
  const rows = new Map();
  for (const e of older.report.summary.exposure || []) rows.set(e.instrument, { before: e });
  for (const e of newer.report.summary.exposure || []) rows.set(e.instrument, { ...(rows.get(e.instrument) || {}), after: e });
  const amount = (e) => (!e ? "none" : e.max === null || e.max === undefined ? `≥ ${money(e.max_at_least ?? e.min, e.currency)}` : `up to ${money(e.max, e.currency)}`);
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Exposure before and after" },
    h(
      "table",
      { class: "exposure-diff" },
      h("caption", { class: "visually-hidden", text: "Statutory maximum per instrument, before and after" }),
      h("thead", {}, h("tr", {}, ["Instrument", "Before", "After", "Change"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        [...rows].map(([inst, { before, after }]) => {
          const same = JSON.stringify(before && [before.min, before.max]) === JSON.stringify(after && [after.min, after.max]);
          const change = !before ? "new" : !after ? "gone" : same ? "unchanged" : Number(after.max) < Number(before.max) ? "lower" : "higher";
          return h("tr", { dataset: { instrument: inst, change } }, h("th", { scope: "row", text: `${(before || after).jurisdiction} · ${instrumentShort(inst)}` }), h("td", { text: amount(before) }), h("td", { text: amount(after) }), h("td", { text: change }));
        })
      )
    )
  );
}

export async function renderCompare(idA, idB) {
  const box = clear($("#compare-result"));
  status("Comparing…", null, "compare");
  try {
    const evs = await Promise.all([fetchEvaluation(idA), fetchEvaluation(idB)]);
    evs.sort((a, b) => String(a.created_at || "").localeCompare(String(b.created_at || "")));
    const [older, newer] = evs;
    if (older.report.product_id !== newer.report.product_id) throw new Error("the two evaluations are of different products");
    const before = new Map(older.report.violations.map((v) => [violationKey(v), v]));
    const after = new Map(newer.report.violations.map((v) => [violationKey(v), v]));
    const fixed = [...before].filter(([k]) => !after.has(k)).map(([, v]) => v);
    const added = [...after].filter(([k]) => !before.has(k)).map(([, v]) => v);
    const same = [...after].filter(([k]) => before.has(k)).map(([, v]) => v);
    const diff = fieldDiff(older.product, newer.product);
    const item = (v, kind) => h("li", { dataset: { rule: v.rule_id }, id: `cmp-${kind}-${violationKey(v).replace(/[^A-Za-z0-9_-]/g, "_")}` }, badge(v.severity), " ", v.title, " ", h("span", { class: "muted" }, `— ${v.citation}; ${subjectLabel(v.subject)}`));
    const list = (cls, title, kind, items, open) =>
      h(
        "details",
        { class: `panel diff-${cls}`, open },
        h("summary", {}, h("span", { class: `badge ${kind}`, text: items.length }), ` ${title}`),
        items.length ? h("ul", {}, items.map((v) => item(v, cls))) : h("p", { class: "muted", text: "None." })
      );
    const fieldRows = diff.map((d) => {
      const fixedHere = fixed.filter((v) => concerns(v, d.path));
      const newHere = added.filter((v) => concerns(v, d.path));
      return h(
        "tr",
        { dataset: { path: d.path } },
        h("th", { scope: "row" }, h("code", { text: d.path })),
        h("td", {}, h("code", { text: show(d.before) })),
        h("td", {}, h("code", { text: show(d.after) })),
        h(
          "td",
          {},
          fixedHere.length ? h("div", {}, h("span", { class: "badge ok", text: "fixed" }), " ", fixedHere.map((v) => v.rule_id).join(", ")) : null,
          newHere.length ? h("div", {}, h("span", { class: "badge high", text: "new" }), " ", newHere.map((v) => v.rule_id).join(", ")) : null,
          !fixedHere.length && !newHere.length ? h("span", { class: "muted", text: "no finding tied to this field" }) : null
        )
      );
    });
    box.append(
      h("h2", { id: "compare-title", tabindex: "-1" }, "What changed in ", h("code", { text: newer.report.product_id })),
      h("p", { class: "meta" }, "From the evaluation stored ", h("a", { href: `#evaluation/${encodeURIComponent(older.id)}`, text: who(older) }), " to the one stored ", h("a", { href: `#evaluation/${encodeURIComponent(newer.id)}`, text: who(newer) }), "."),
      h("p", { class: "compare-counts" }, h("span", { class: "badge ok", text: `${fixed.length} fixed` }), " ", h("span", { class: "badge high", text: `${added.length} new` }), " ", h("span", { class: "badge neutral", text: `${same.length} unchanged` })),
      scopeNote(older.report, newer.report),
      h("h3", { text: `The description (${plural(diff.length, "field")} changed)` }),
      diff.length
        ? h(
            "div",
            { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Description changes" },
            h("table", { class: "field-diff" }, h("caption", { class: "visually-hidden", text: "Fields that changed" }), h("thead", {}, h("tr", {}, ["Field", "Before", "After", "Findings"].map((t) => h("th", { scope: "col", text: t })))), h("tbody", {}, fieldRows))
          )
        : h("p", { class: "muted", text: older.product && newer.product ? "The two descriptions are identical." : "A stored document is missing, so the description cannot be compared." }),
      h("h3", { text: "Exposure before and after" }),
      exposureDiff(older, newer),
      h("h3", { text: "Findings" }),
      h("div", { class: "diff" }, list("fixed", "Fixed", "ok", fixed, true), list("new", "New", "high", added, true), list("unchanged", "Unchanged", "neutral", same, false))
    );
    box.hidden = false;
    window.scrollTo(0, 0);
    $("#compare-title").focus();
    status(`Compared: ${fixed.length} fixed, ${added.length} new, ${same.length} unchanged.`, null, "compare");
    state.compared = [older.id, newer.id];
  } catch (err) {
    status(`Could not compare: ${err.message}`, "error", "compare");
  }
}
