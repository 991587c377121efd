/* Penalty amounts people can quote: the formula in words and numbers, statutory maxima labelled as
 * such, open-ended maxima as "≥ X", conditional amounts marked. Reads the engine's report fields
 * defensively: `max: null` with `max_at_least` and `missing` (open-ended), `conditional` (text or
 * {reason}), `period` and `tier`. */
import { h } from "./dom.js";
import { money } from "./format.js";

const short = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
/** "CNY 50M", "EUR 1.6M", "USD 2.7K". */
export const compact = (amount, currency) => `${currency} ${short.format(Number(amount))}`;

/** The condition under which an amount arises ("a breach occurs"), or null when it always applies. */
export function conditionOf(p) {
  if (!p) return null;
  const c = p.conditional ?? p.condition ?? p.only_if ?? null;
  if (typeof c === "string" && c.trim()) return c.trim();
  if (c && typeof c === "object") return c.reason || c.description || c.text || c.when || "a condition is met";
  if (c === true) return "a condition is met";
  // Until the engine names it: statutory damages for a data breach arise only once a breach occurs.
  if (/breach/i.test(String(p.tier || ""))) return "a breach occurs";
  return null;
}

export const isOpenEnded = (p) => !!p && (p.max === null || p.max === undefined) && (p.max_at_least !== undefined || p.open_ended === true || Array.isArray(p.missing));

/** The lower bound of an open-ended maximum. */
export const atLeast = (p) => p.max_at_least ?? p.min ?? null;

/** "max(CNY 50M, 5% × CNY 620.4M = CNY 31M) → CNY 50M" and the like, from a penalty's explanation. */
export function formula(p) {
  if (!p) return "";
  const cur = p.currency;
  const text = String(p.explanation || "");
  const g = /greater of ([A-Z]{3}) ([\d,.]+) and ([\d.]+)% of (?:worldwide |annual )?turnover ([A-Z]{3}) ([\d,.]+)(?: = ([A-Z]{3}) ([\d,.]+))?/.exec(text);
  if (g) {
    const fixed = Number(g[2].replace(/,/g, ""));
    const share = Number(g[5].replace(/,/g, "")) * (Number(g[3]) / 100);
    const result = isOpenEnded(p) ? null : Number(p.max);
    return `max(${compact(fixed, g[1])}, ${g[3]}% × ${compact(Number(g[5].replace(/,/g, "")), g[4])} = ${compact(share, g[4])}) → ${result === null ? "open-ended" : compact(result, cur)}`;
  }
  const per = /([A-Z]{3}) ([\d,.]+) per ([a-z ]+?) x ([\d,.]+)(.*?)= ([A-Z]{3}) ([\d,.]+)/.exec(text);
  if (per) {
    return `${compact(Number(per[2].replace(/,/g, "")), per[1])} per ${per[3]} × ${per[4]}${per[5].replace(/\s+$/, "")} → ${compact(Number(per[7].replace(/,/g, "")), per[6])}`;
  }
  if (isOpenEnded(p)) return `${text || "no upper bound known"} → ≥ ${compact(atLeast(p) ?? 0, cur)}`;
  return text && !/^[A-Z]{3} [\d,.]+$/.test(text) ? text : `fixed amount → ${compact(p.max, cur)}`;
}

/** The kind of a maximum, in words. */
export function maxLabel(p) {
  if (isOpenEnded(p)) return "open-ended maximum";
  if (/per_(violation|day|consumer)/.test(String(p.basis || "")) || /per (affected|day|violation)/.test(String(p.explanation || ""))) {
    return "statutory maximum (theoretical ceiling: every count at the top rate)";
  }
  return "statutory maximum";
}

/** A penalty as quotable text nodes: amount, label, formula, condition, open-ended prompt. */
export function penaltyView(p, { onMissing } = {}) {
  if (!p) return h("span", { class: "muted", text: "—" });
  const cond = conditionOf(p);
  const open = isOpenEnded(p);
  const missing = Array.isArray(p.missing) ? p.missing : [];
  const amount = open
    ? h("strong", { class: "open-ended" }, `≥ ${money(atLeast(p) ?? 0, p.currency)}`)
    : h("strong", {}, Number(p.min) > 0 ? `${money(p.min, p.currency)} – ${money(p.max, p.currency)}` : `up to ${money(p.max, p.currency)}`);
  return h(
    "span",
    { class: "penalty" },
    amount,
    " ",
    h("span", { class: "penalty-label", text: `(${maxLabel(p)})` }),
    cond ? [" ", h("span", { class: "badge conditional", text: `only if ${cond}` })] : null,
    open
      ? h(
          "span",
          { class: "help open-ended-help" },
          " — ",
          missing.length && onMissing
            ? missing.map((m, i) => [i ? ", " : "", h("button", { type: "button", class: "link-button", onclick: () => onMissing(m) }, `give ${m.split(".").pop().replace(/_/g, " ")}`)])
            : "give annual revenue",
          " to bound it"
        )
      : null,
    h("span", { class: "help formula", text: formula(p) }),
  );
}

/** USD per unit of an instrument's currency, from the report's exposure rows. */
export function usdRates(report) {
  const rates = {};
  for (const e of (report.summary && report.summary.exposure) || []) {
    let rate;
    if (e.currency === "USD") rate = 1;
    else if (e.usd && Number(e.max) > 0 && e.usd.max !== null && e.usd.max !== undefined) rate = Number(e.usd.max) / Number(e.max);
    else if (e.usd && Number(e.min) > 0 && e.usd.min !== null) rate = Number(e.usd.min) / Number(e.min);
    // a row may stand for several instruments (one act under a shared tier): each gets its rate
    if (rate !== undefined) for (const i of e.instruments && e.instruments.length ? e.instruments : [e.instrument]) rates[i] = rate;
  }
  return rates;
}

/** A violation's maximum in USD (its lower bound when open-ended), or null when unknown. */
export function usdMax(v, rates) {
  const p = v.penalty || {};
  const amount = isOpenEnded(p) ? atLeast(p) : p.max;
  const rate = p.currency === "USD" ? 1 : rates[v.instrument];
  return amount === null || amount === undefined || rate === undefined ? null : Number(amount) * rate;
}

export function usdMin(v, rates) {
  const p = v.penalty || {};
  const rate = p.currency === "USD" ? 1 : rates[v.instrument];
  return p.min === null || p.min === undefined || rate === undefined ? null : Number(p.min) * rate;
}
