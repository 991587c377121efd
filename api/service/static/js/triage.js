/* Triage of a report's findings, as pure functions: rule groups, ranking, filtering. */
import { SEVERITIES } from "./api.js";
import { usdMax, usdRates } from "./penalty.js";

export const sevRank = (s) => {
  const i = SEVERITIES.indexOf(s);
  return i < 0 ? SEVERITIES.length : i;
};

/** Findings grouped by rule: [{key, rule_id, title, severity, jurisdiction, instrument, citation, items, usd}]. */
export function ruleGroups(report) {
  const rates = usdRates(report);
  const groups = new Map();
  report.violations.forEach((v, index) => {
    const key = `${v.rule_id}|${v.jurisdiction}`;
    if (!groups.has(key)) groups.set(key, { key, rule_id: v.rule_id, title: v.title, severity: v.severity, jurisdiction: v.jurisdiction, instrument: v.instrument, citation: v.citation, items: [], usd: null });
    const g = groups.get(key);
    const usd = usdMax(v, rates);
    g.items.push({ v, index, usd });
    if (usd !== null && (g.usd === null || usd > g.usd)) g.usd = usd;
    if (sevRank(v.severity) < sevRank(g.severity)) g.severity = v.severity;
  });
  return [...groups.values()];
}

const byExposure = (a, b) => (b.usd ?? -1) - (a.usd ?? -1);

export const SORTS = {
  severity: (a, b) => sevRank(a.severity) - sevRank(b.severity) || byExposure(a, b) || a.title.localeCompare(b.title),
  exposure: (a, b) => byExposure(a, b) || sevRank(a.severity) - sevRank(b.severity) || a.title.localeCompare(b.title),
  jurisdiction: (a, b) => a.jurisdiction.localeCompare(b.jurisdiction) || sevRank(a.severity) - sevRank(b.severity) || byExposure(a, b),
};

/** Critical and high rule groups, ranked by severity then exposure. */
export function topIssues(groups) {
  return groups.filter((g) => sevRank(g.severity) <= 1).sort(SORTS.severity);
}

/** Does a finding pass the chips (empty set = any) and the text filter? */
export function matches(v, filter) {
  if (filter.severity.size && !filter.severity.has(v.severity)) return false;
  if (filter.jurisdiction.size && !filter.jurisdiction.has(v.jurisdiction)) return false;
  if (filter.instrument.size && !filter.instrument.has(v.instrument)) return false;
  const q = (filter.q || "").trim().toLowerCase();
  if (!q) return true;
  const hay = [v.rule_id, v.title, v.citation, v.remediation, v.instrument, v.jurisdiction, v.severity, v.subject && v.subject.id, v.subject && v.subject.path].join(" ").toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
}

export const emptyFilter = () => ({ severity: new Set(), jurisdiction: new Set(), instrument: new Set(), q: "" });

/** Worst severity and counts per market: {market: {worst, counts, insufficient}}. */
export function verdicts(report) {
  const out = {};
  for (const m of report.markets || []) out[m] = { worst: null, counts: {}, insufficient: 0, total: 0 };
  for (const v of report.violations) {
    const r = (out[v.jurisdiction] ||= { worst: null, counts: {}, insufficient: 0, total: 0 });
    r.counts[v.severity] = (r.counts[v.severity] || 0) + 1;
    r.total += 1;
    if (r.worst === null || sevRank(v.severity) < sevRank(r.worst)) r.worst = v.severity;
  }
  for (const x of report.insufficient_information || []) if (out[x.jurisdiction]) out[x.jurisdiction].insufficient += 1;
  return out;
}

/** "practices", "transfers", … for a group's subjects. */
export function subjectNoun(items) {
  const kinds = new Set(items.map((x) => (x.v.subject ? x.v.subject.kind : "product")));
  if (kinds.size !== 1) return "parts";
  const k = [...kinds][0];
  return { practice: "practices", data_practice: "practices", transfer: "transfers", synthetic_media: "synthetic media parts", product: "products" }[k] || `${k.replace(/_/g, " ")}s`;
}
