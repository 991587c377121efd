/* Reference data from the API (jurisdictions, instruments, seeds) and the state every view shares. */
import { API, asList, get } from "./api.js";

export const state = {
  jurisdictions: [],
  instruments: [],
  instrumentsById: {},
  seeds: [],
  report: null, // the report on show
  evaluation: null, // {id, created_at, ...} of the report on show, when stored
  reportText: null, // the editor text the report was computed from (to point into it and mark it stale)
  inputErrors: [],
  metaReady: null,
};

export async function loadMeta() {
  const [jur, inst, seeds] = await Promise.allSettled([get(`${API}/jurisdictions`), get(`${API}/instruments`), get(`${API}/seeds`)]);
  if (jur.status === "fulfilled") state.jurisdictions = asList(jur.value, "jurisdictions").map((j) => (typeof j === "string" ? { code: j } : j));
  if (inst.status === "fulfilled") {
    state.instruments = asList(inst.value, "instruments");
    state.instrumentsById = Object.fromEntries(state.instruments.map((i) => [i.id, i]));
  }
  if (seeds.status === "fulfilled") state.seeds = asList(seeds.value, "seeds").map((x) => (typeof x === "string" ? { name: x } : x));
  return { jurisdictionsFailed: jur.status === "rejected" ? jur.reason : null };
}

export function jurisdictionName(code) {
  const j = state.jurisdictions.find((x) => x.code === code);
  return j && j.name ? `${code} — ${j.name}` : code;
}

export function instrumentLabel(id) {
  const inst = state.instrumentsById[id];
  if (!inst) return id;
  return inst.short && inst.title ? `${inst.short} — ${inst.title}` : inst.title || inst.short || id;
}

export function instrumentShort(id) {
  const inst = state.instrumentsById[id];
  return (inst && (inst.short || inst.title)) || id;
}

/** Fold a market code (DE) into its jurisdiction (EU). */
export function marketOf(code) {
  const c = String(code || "").toUpperCase();
  for (const j of state.jurisdictions) if (j.code === c || (j.members || []).includes(c)) return j.code;
  return null;
}

export function fillSelect(select, pairs) {
  const keep = select.value;
  while (select.options.length > 1) select.remove(1);
  for (const [value, label] of pairs) select.add(new Option(label, value));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}
