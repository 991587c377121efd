/* Formatting of money, dates and values; links to official sources. */
import { h } from "./dom.js";

const numberFmt = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

export function money(amount, currency, compact) {
  if (amount === null || amount === undefined || amount === "") return "—";
  const n = Number(amount);
  try {
    return new Intl.NumberFormat("en", {
      style: "currency",
      currency,
      notation: compact ? "compact" : "standard",
      maximumFractionDigits: compact ? 1 : 0,
      currencyDisplay: compact ? "narrowSymbol" : "code",
    }).format(n);
  } catch {
    return `${currency} ${numberFmt.format(n)}`;
  }
}

/** "CNY 1 – CNY 5", "CNY 5", or "≥ CNY 1" for an open-ended maximum. */
export function moneyRange(min, max, currency, atLeast) {
  if (max === null || max === undefined) {
    const floor = atLeast ?? min;
    return floor === null || floor === undefined ? "open-ended" : `≥ ${money(floor, currency)} (no upper bound known)`;
  }
  return Number(min) === Number(max) ? money(max, currency) : `${money(min, currency)} – ${money(max, currency)}`;
}

export function dateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function today() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A value as it appears in JSON ("null" only for a real null). */
export function show(value) {
  if (value === undefined) return "(absent)";
  if (value === null) return "null";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function badge(severity) {
  return h("span", { class: `badge ${severity}`, text: severity });
}

export function plural(n, word, many) {
  return `${n} ${n === 1 ? word : many || `${word}s`}`;
}

export function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

function newTabLink(url, ...label) {
  return h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, ...label, h("span", { class: "visually-hidden", text: " (opens in a new tab)" }));
}

// Where a finding or rule comes from: the official text of the provision, then commentary apart from it.
export function sourceRows(x) {
  if (x.source_official === undefined) return null; // a report stored before sources were classified
  const url = safeUrl(x.source);
  const label = x.source_official ? `Official text: ${x.source_site}` : `Not an official text: ${x.source_site}`;
  const refs = (x.references || []).filter((r) => safeUrl(r.url));
  return [
    h("dt", { text: "Source" }),
    h("dd", { class: `source ${x.source_official ? "official" : "unofficial"}` }, url ? newTabLink(url, label) : "—"),
    refs.length
      ? [h("dt", { text: "Commentary" }), h("dd", {}, h("ul", { class: "references" }, refs.map((r) => h("li", {}, newTabLink(r.url, r.label)))))]
      : null,
  ];
}

export function citationLink(citation, source) {
  const url = safeUrl(source);
  return url
    ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, citation, h("span", { class: "visually-hidden", text: " (source, opens in a new tab)" }))
    : h("span", { text: citation });
}
