/* CSV of a report's findings, one row per finding (RFC 4180 quoting). */
import { atLeast, isOpenEnded, usdMax, usdMin, usdRates } from "./penalty.js";

export const CSV_COLUMNS = [
  "rule_id",
  "title",
  "severity",
  "jurisdiction",
  "instrument",
  "citation",
  "official_source",
  "subject",
  "path",
  "remediation",
  "penalty_min",
  "penalty_max",
  "penalty_max_at_least",
  "penalty_currency",
  "penalty_usd_min",
  "penalty_usd_max",
  "penalty_condition",
  "penalty_tier",
  "version_from",
];

const cell = (v) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const usd = (n) => (n === null || n === undefined ? "" : (Math.round(n * 100) / 100).toFixed(2));

export function findingsCsv(report) {
  const rates = usdRates(report);
  const rows = report.violations.map((v) => {
    const p = v.penalty || {};
    const open = isOpenEnded(p);
    const cond = p.conditional ?? p.condition ?? null;
    return [
      v.rule_id,
      v.title,
      v.severity,
      v.jurisdiction,
      v.instrument,
      v.citation,
      v.source || "",
      v.subject ? v.subject.id || v.subject.kind : "",
      v.subject ? v.subject.path : "",
      v.remediation,
      p.min ?? "",
      open ? "" : p.max ?? "",
      open ? atLeast(p) ?? "" : "",
      p.currency || "",
      usd(usdMin(v, rates)),
      open ? "" : usd(usdMax(v, rates)),
      cond === null ? "" : typeof cond === "string" ? cond : JSON.stringify(cond),
      p.tier || "",
      v.period ? v.period.from || "" : "",
    ];
  });
  return [CSV_COLUMNS, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}
