/* The report on the Evaluate view, triage first: verdict per market, top issues, filter chips, a text
 * filter, sorting, findings grouped by rule (medium and low collapsed), then the full lists. */
import { SEVERITIES } from "./api.js";
import { $, $$, clear, download, h, jumpTo } from "./dom.js";
import { editor, pointAtPath } from "./editor.js";
import { badge, citationLink, dateTime, plural, show, sourceRows } from "./format.js";
import { instrumentShort, jurisdictionName, state } from "./meta.js";
import { atLeast, compact, conditionOf, isOpenEnded, penaltyView } from "./penalty.js";
import { findingsCsv } from "./export.js";
import { fixPlanView } from "./fixplan.js";
import { questionsFor } from "./questions.js";
import { SORTS, emptyFilter, matches, ruleGroups, sevRank, subjectNoun, topIssues, verdicts } from "./triage.js";

const TOP_LIMIT = 8;

/** "practice “face-upload”", "the synthetic media", "the product as a whole". */
export function subjectLabel(subject) {
  if (!subject || subject.kind === "product") return "the product as a whole";
  const kind = subject.kind.replace(/_/g, " ");
  return subject.id && subject.id !== subject.kind ? `${kind} “${subject.id}”` : `the ${kind}`;
}

/** Go to the Evaluate view's editor and select a path of the description. */
export function showInDescription(path) {
  if (location.hash.split("/")[0] !== "#evaluate" && !location.hash.startsWith("#evaluation")) location.hash = "#evaluate";
  setTimeout(() => pointAtPath(path), 0);
}

function subjectView(subject) {
  if (!subject) return h("span", { class: "muted", text: "the product" });
  const canPoint = subject.path && state.reportText !== null && state.reportText === editor().value;
  return h(
    "span",
    {},
    subjectLabel(subject),
    subject.path
      ? [" at ", canPoint ? h("button", { type: "button", class: "link-button", title: "Show in the description", onclick: () => pointAtPath(subject.path) }, h("code", { text: subject.path })) : h("code", { text: subject.path })]
      : null
  );
}

function evidenceTable(evidence) {
  if (!evidence || !evidence.length) return h("span", { class: "muted", text: "—" });
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Evidence" },
    h(
      "table",
      { class: "evidence" },
      h("caption", { class: "visually-hidden", text: "Evidence" }),
      h("thead", {}, h("tr", {}, ["Field", "Test", "Rule expects", "Description says"].map((t) => h("th", { scope: "col", text: t })))),
      h(
        "tbody",
        {},
        evidence.map((e) =>
          h("tr", {}, h("td", {}, h("code", { text: e.fact })), h("td", {}, h("code", { text: e.op })), h("td", {}, h("code", { text: e.op === "exists" || e.op === "missing" ? "—" : show(e.expected) })), h("td", {}, h("code", { text: show(e.actual) })))
        )
      )
    )
  );
}

export function violationView(v, index) {
  const n = (v.evidence || []).length;
  return h(
    "li",
    { class: `violation ${v.severity}`, id: `f-${index}`, tabindex: "-1", dataset: { rule: v.rule_id, severity: v.severity, jurisdiction: v.jurisdiction, instrument: v.instrument } },
    h("h4", { class: "card-title" }, badge(v.severity), h("span", { text: v.title }), v.confirmed === false ? h("span", { class: "badge outline", text: "unconfirmed" }) : null),
    h("div", { class: "rule-id" }, h("a", { href: `#rules/${encodeURIComponent(v.rule_id)}`, text: v.rule_id }), h("span", { class: "muted", text: ` · ${jurisdictionName(v.jurisdiction)} · ${instrumentShort(v.instrument)}` })),
    h(
      "dl",
      {},
      h("dt", { text: "Citation" }),
      h("dd", {}, citationLink(v.citation, v.source)),
      sourceRows(v),
      h("dt", { text: "Concerns" }),
      h("dd", {}, subjectView(v.subject)),
      h("dt", { text: "Remediation" }),
      h("dd", { text: v.remediation }),
      h("dt", { text: "Penalty" }),
      h(
        "dd",
        {},
        penaltyView(v.penalty, { onMissing: showInDescription }),
        v.penalty && v.penalty.citation ? h("div", { class: "help", text: v.penalty.citation }) : null,
        v.penalty && v.penalty.confirmed === false ? h("div", { class: "help", text: "The penalty figure could not be confirmed against its source." }) : null,
        v.penalty && v.penalty.tier ? h("div", { class: "help tier", text: `Tier ${v.penalty.tier}` }) : null,
        v.penalty && v.penalty.aggravated_tier ? h("div", { class: "help aggravated", text: `Aggravated cases${v.penalty.aggravated_when ? ` (${v.penalty.aggravated_when})` : ""} fall under tier ${v.penalty.aggravated_tier}.` }) : null
      ),
      v.period ? [h("dt", { text: "Version" }), h("dd", { class: "period", text: periodText(v.period) })] : null,
      v.note ? [h("dt", { text: "Note" }), h("dd", { text: v.note })] : null
    ),
    h("details", { class: "evidence-details" }, h("summary", {}, `Evidence (${plural(n, "fact")})`), evidenceTable(v.evidence))
  );
}

/** "the rule as in force from 2026-01-01 (still current)" from a violation's `period`. */
export function periodText(p) {
  const from = p.from || p.from_ || "";
  return `judged under the rule as it stands from ${from}${p.until ? ` until ${p.until}` : " (no change scheduled)"}`;
}

function verdictView(report) {
  const rows = Object.entries(verdicts(report));
  return h(
    "ul",
    { class: "verdicts", "aria-label": "Verdict per market" },
    rows.map(([m, r]) =>
      h(
        "li",
        { class: `verdict ${r.worst ? `sev-${r.worst}` : "ok"}`, dataset: { market: m } },
        h("strong", { text: m }),
        " ",
        r.worst ? h("span", {}, "fails: ", SEVERITIES.filter((s) => r.counts[s]).map((s) => `${r.counts[s]} ${s}`).join(", ")) : h("span", { text: "no violation found" }),
        r.insufficient ? h("span", { class: "muted", text: ` · ${plural(r.insufficient, "open question")}` }) : null
      )
    )
  );
}

function groupMoney(g) {
  const p = g.items[0].v.penalty || {};
  const cond = conditionOf(p);
  const when = cond ? ` (only if ${cond})` : "";
  if (isOpenEnded(p)) return `≥ ${compact(atLeast(p) ?? 0, p.currency)}${when}`;
  if (p.max === null || p.max === undefined) return "no penalty figure";
  return `up to ${compact(p.max, p.currency)}${when}`;
}

function topIssuesView(groups) {
  const top = topIssues(groups);
  const box = h("section", { class: "top-issues", "aria-labelledby": "top-title" }, h("h3", { id: "top-title", text: `Top issues (${top.length} critical or high)` }));
  if (!top.length) {
    box.append(h("p", { class: "muted", text: "No critical or high finding." }));
    return box;
  }
  const list = h("ol", { class: "top-list" });
  top.forEach((g, i) => {
    const n = g.items.length;
    list.append(
      h(
        "li",
        { hidden: i >= TOP_LIMIT, dataset: { rule: g.rule_id, severity: g.severity } },
        h(
          "a",
          { href: `#g-${cssId(g.key)}`, onclick: (e) => jumpTo(e, `g-${cssId(g.key)}`) },
          badge(g.severity),
          " ",
          h("span", { class: "t", text: g.title }),
          h("span", { class: "muted", text: ` · ${g.jurisdiction}${n > 1 ? ` · affects ${n} ${subjectNoun(g.items)}` : ""} · ${groupMoney(g)}` })
        )
      )
    );
  });
  box.append(list);
  if (top.length > TOP_LIMIT) {
    const more = h("button", {
      type: "button",
      class: "link-button",
      text: `Show all ${top.length}`,
      onclick: () => {
        for (const li of $$("li", list)) li.hidden = false;
        more.remove();
      },
    });
    box.append(more);
  }
  return box;
}

const cssId = (key) => key.replace(/[^A-Za-z0-9_-]/g, "_");

function chipGroup(dim, label, entries) {
  return h(
    "div",
    { class: "chip-group", role: "group", "aria-label": label },
    h("span", { class: "chip-label", "aria-hidden": "true", text: label }),
    entries.map(([value, text, count]) =>
      h("button", { type: "button", class: `chip chip-${dim} ${dim === "severity" ? `sev-${value}` : ""}`, "aria-pressed": "false", dataset: { dim, value }, onclick: (e) => toggleChip(e.currentTarget) }, text, h("span", { class: "count", text: ` ${count}` }))
    )
  );
}

function toolbar(report) {
  const counts = (key) => report.violations.reduce((m, v) => ((m[v[key]] = (m[v[key]] || 0) + 1), m), {});
  const sev = counts("severity");
  const jur = counts("jurisdiction");
  const inst = counts("instrument");
  const details = h(
    "details",
    { class: "filters-toggle panel", open: window.matchMedia("(min-width: 700px)").matches },
    h("summary", {}, "Filter and sort findings"),
    h(
      "div",
      { class: "triage-toolbar" },
      chipGroup("severity", "Severity", SEVERITIES.filter((s) => sev[s]).map((s) => [s, s, sev[s]])),
      chipGroup("jurisdiction", "Market", Object.keys(jur).sort().map((j) => [j, j, jur[j]])),
      chipGroup("instrument", "Instrument", Object.keys(inst).sort().map((i) => [i, instrumentShort(i), inst[i]])),
      h(
        "div",
        { class: "toolbar-row" },
        h("div", { class: "field grow" }, h("label", { for: "finding-q", text: "Filter findings by text" }), h("input", { id: "finding-q", type: "search", autocomplete: "off", placeholder: "e.g. consent, label, face-upload", oninput: (e) => setQuery(e.target.value) })),
        h(
          "div",
          { class: "field" },
          h("label", { for: "finding-sort", text: "Sort by" }),
          h("select", { id: "finding-sort", onchange: (e) => sortGroups(e.target.value) }, h("option", { value: "severity", text: "severity" }), h("option", { value: "exposure", text: "exposure" }), h("option", { value: "jurisdiction", text: "jurisdiction" }))
        ),
        h("button", { type: "button", class: "secondary", id: "clear-filters", onclick: clearFilters, text: "Clear filters" })
      )
    )
  );
  return details;
}

function groupView(g) {
  const n = g.items.length;
  const open = sevRank(g.severity) <= 1;
  return h(
    "details",
    { class: `rule-group sev-${g.severity}`, id: `g-${cssId(g.key)}`, open, dataset: { rule: g.rule_id, severity: g.severity, jurisdiction: g.jurisdiction } },
    h(
      "summary",
      {},
      badge(g.severity),
      " ",
      h("span", { class: "t", text: g.title }),
      h("span", { class: "muted", text: ` · ${g.jurisdiction} · ${instrumentShort(g.instrument)}${n > 1 ? ` · affects ${n} ${subjectNoun(g.items)}` : ""}` })
    ),
    h("ul", { class: "violations" }, g.items.map((x) => violationView(x.v, x.index)))
  );
}

// --- triage state ---------------------------------------------------------------------------------

function toggleChip(button) {
  const { dim, value } = button.dataset;
  const set = state.filter[dim];
  if (set.has(value)) set.delete(value);
  else set.add(value);
  button.setAttribute("aria-pressed", set.has(value) ? "true" : "false");
  applyFilter();
}

function setQuery(q) {
  state.filter.q = q;
  applyFilter();
}

function clearFilters() {
  state.filter = emptyFilter();
  for (const b of $$("#report .chip")) b.setAttribute("aria-pressed", "false");
  const q = $("#finding-q");
  if (q) q.value = "";
  applyFilter();
}

/** Show only the findings that pass the filter; a group with none is hidden, a filtered group opens. */
export function applyFilter() {
  const report = state.report;
  if (!report) return;
  const active = state.filter.severity.size || state.filter.jurisdiction.size || state.filter.instrument.size || state.filter.q.trim();
  let shown = 0;
  for (const g of $$("#findings .rule-group")) {
    let any = 0;
    for (const li of $$("li.violation", g)) {
      const v = report.violations[Number(li.id.slice(2))];
      const ok = matches(v, state.filter);
      li.hidden = !ok;
      any += ok ? 1 : 0;
    }
    g.hidden = !any;
    if (active && any) g.open = true;
    shown += any;
  }
  const count = $("#findings-count");
  if (count) count.textContent = active ? `Showing ${shown} of ${plural(report.violations.length, "finding")}.` : `${plural(report.violations.length, "finding")}; medium and low are collapsed.`;
}

function sortGroups(key) {
  state.sort = key;
  const box = $("#findings");
  const byKey = new Map($$(".rule-group", box).map((el) => [el.id, el]));
  for (const g of [...state.groups].sort(SORTS[key] || SORTS.severity)) {
    const el = byKey.get(`g-${cssId(g.key)}`);
    if (el) box.append(el);
  }
}

// --- the report -----------------------------------------------------------------------------------

/** Mark the report out of date when the description changed after it was evaluated. */
export function updateStale() {
  const marker = $("#stale-marker");
  if (!marker) return;
  marker.hidden = !(state.report && state.reportText !== null && editor().value !== state.reportText);
}

function shareLink(view) {
  const ev = state.evaluation;
  return ev && ev.id !== null && ev.id !== undefined ? `${location.origin}${location.pathname}#${view}/${encodeURIComponent(ev.id)}` : null;
}

function downloadJson() {
  const r = state.report;
  download(JSON.stringify(r, null, 2), `regulint-${r.product_id}-${r.as_of}.json`, "application/json");
}

function downloadCsv() {
  const r = state.report;
  download(findingsCsv(r), `regulint-${r.product_id}-${r.as_of}-findings.csv`, "text/csv");
}

async function copyLink() {
  const url = shareLink("evaluation");
  if (!url) return;
  try {
    await navigator.clipboard.writeText(url);
    $("#share-note").textContent = "Link copied.";
  } catch {
    $("#share-note").textContent = url;
  }
}

function otherLists(report) {
  const plainList = (items, render, empty) => (items.length ? h("ul", { class: "plain-list" }, items.map(render)) : h("p", { class: "muted", text: empty }));
  return h(
    "div",
    { class: "other-lists" },
    h(
      "section",
      { "aria-labelledby": "insufficient-title", class: "insufficient" },
      h("h3", { id: "insufficient-title", text: `Insufficient information (${report.insufficient_information.length})` }),
      report.insufficient_information.length ? h("p", { class: "help", text: "Answer a question to re-evaluate with that fact." }) : null,
      plainList(
        report.insufficient_information,
        (x) =>
          h(
            "li",
            { dataset: { rule: x.rule_id || "" } },
            x.rule_id ? h("a", { href: `#rules/${encodeURIComponent(x.rule_id)}` }, h("code", { text: x.rule_id })) : h("strong", { text: instrumentShort(x.instrument) }),
            ` (${x.jurisdiction}): ${x.reason}`,
            x.would_violate && x.would_violate.length ? h("div", { class: "help", text: `Would violate if it applies: ${x.would_violate.join(", ")}` }) : null,
            questionsFor(x)
          ),
        "Every rule had the facts it needs."
      )
    ),
    h(
      "section",
      { "aria-labelledby": "upcoming-title", class: "upcoming" },
      h("h3", { id: "upcoming-title", text: `Upcoming obligations (${report.upcoming.length})` }),
      plainList(
        report.upcoming,
        (u) =>
          h(
            "li",
            { dataset: { rule: u.rule_id } },
            h("strong", {}, h("time", { datetime: u.effective_from, text: `From ${u.effective_from}` })),
            " ",
            badge(u.severity),
            " ",
            u.title,
            " — ",
            h("span", { class: "muted" }, `${u.citation}, ${instrumentShort(u.instrument)} (${u.jurisdiction})`),
            h("div", { class: "help" }, "Concerns ", subjectView(u.subject), ". ", u.remediation)
          ),
        "No obligation that this description would violate starts after this date."
      )
    ),
    Array.isArray(report.upcoming_penalty_changes)
      ? h(
          "section",
          { "aria-labelledby": "penalty-changes-title", class: "penalty-changes" },
          h("h3", { id: "penalty-changes-title", text: `Upcoming penalty changes (${report.upcoming_penalty_changes.length})` }),
          plainList(report.upcoming_penalty_changes, penaltyChangeView, "No penalty in this report changes after this date.")
        )
      : null,
    h(
      "section",
      { "aria-labelledby": "na-title", class: "not-applicable" },
      h("h3", { id: "na-title", text: `Not applicable (${report.not_applicable.length})` }),
      plainList(report.not_applicable, (n) => h("li", { dataset: { instrument: n.instrument } }, h("strong", { text: instrumentShort(n.instrument) }), ` (${n.jurisdiction}): `, n.reason), "Every instrument applies.")
    )
  );
}

/** One entry of `upcoming_penalty_changes`: a violated duty whose maximum changes on a later day. */
export function penaltyChangeView(c) {
  const date = c.effective_from || c.date || "";
  const change =
    c.old_max !== undefined && c.new_max !== undefined
      ? `maximum ${c.new_max === null ? "open-ended" : compact(c.new_max, c.currency)} (was ${c.old_max === null ? "open-ended" : compact(c.old_max, c.currency)})`
      : c.explanation || "the penalty changes";
  return h(
    "li",
    { class: "penalty-change", dataset: { rule: c.rule_id || "", tier: c.tier || "" } },
    h("strong", {}, h("time", { datetime: date, text: `From ${date}` })),
    " ",
    c.title || c.rule_id || "",
    h("span", { class: "muted", text: ` — ${[c.jurisdiction, c.instrument ? instrumentShort(c.instrument) : null].filter(Boolean).join(" · ")}` }),
    h("div", { class: "help" }, `${change}${c.tier ? `; tier ${c.tier}` : ""}${c.citation ? `; ${c.citation}` : ""}`)
  );
}

export function renderReport() {
  const report = state.report;
  const box = clear($("#report"));
  if (!report) {
    box.hidden = true;
    return;
  }
  const ev = state.evaluation || {};
  const stored = ev.id !== null && ev.id !== undefined;
  state.filter = emptyFilter();
  state.groups = ruleGroups(report);
  box.append(
    h(
      "div",
      { class: "report-header" },
      h(
        "div",
        {},
        h("h2", { id: "report-title" }, "Report for ", h("code", { text: report.product_id })),
        h("p", { class: "meta" }, `As of ${report.as_of} · markets ${(report.markets || []).join(", ") || "—"}`, ev.created_at ? ` · stored ${dateTime(ev.created_at)}` : stored ? "" : " · not stored", report.engine ? ` · regulint ${report.engine.version}` : "", stored ? h("span", { class: "eval-id", text: ` · evaluation ${ev.id}` }) : null),
        h("p", { id: "stale-marker", class: "stale", role: "status", hidden: true }, "Out of date: the description has changed since this report. Evaluate again to update it.")
      ),
      h(
        "div",
        { class: "inline-actions report-actions" },
        h("a", { href: stored ? `#exposure/${encodeURIComponent(ev.id)}` : "#exposure", text: "Exposure" }),
        h("button", { type: "button", class: "link-button", id: "download-csv", onclick: downloadCsv, text: "CSV" }),
        h("button", { type: "button", class: "link-button", id: "download-json", onclick: downloadJson, text: "JSON" }),
        h("button", { type: "button", class: "link-button", onclick: () => window.print(), text: "Print" }),
        stored ? h("button", { type: "button", class: "link-button", onclick: copyLink, text: "Copy link" }) : null,
        h("span", { id: "share-note", class: "help", role: "status" })
      )
    ),
    verdictView(report),
    topIssuesView(state.groups),
    fixPlanView(report)
  );
  box.append(h("h3", { id: "findings-title", text: `All findings (${report.violations.length})` }));
  if (!report.violations.length) {
    box.append(h("p", { class: "panel" }, h("span", { class: "badge ok", text: "none" }), " No rule in force on this date is violated by this description."));
  } else {
    box.append(toolbar(report), h("p", { id: "findings-count", class: "help", role: "status" }));
    const list = h("div", { id: "findings", class: "findings" }, [...state.groups].sort(SORTS.severity).map(groupView));
    box.append(list);
    applyFilter();
  }
  box.append(otherLists(report));
  box.hidden = false;
  updateStale();
}

/** Open every <details> for printing and put them back afterwards. */
export function initPrint() {
  let opened = [];
  window.addEventListener("beforeprint", () => {
    opened = $$("details:not([open])");
    for (const d of opened) d.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const d of opened) d.open = false;
    opened = [];
  });
}

