/* The public HTTP API (/v1/...) as seen by the dashboard. */

export const API = "/v1";
export const SEVERITIES = ["critical", "high", "medium", "low"];

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export async function api(path, options = {}) {
  const opts = { headers: { Accept: "application/json, application/problem+json" }, ...options };
  const key = apiKey();
  if (key) opts.headers.Authorization = `Bearer ${key}`; // the history needs it too when keys are set
  if (opts.json !== undefined) {
    opts.body = JSON.stringify(opts.json);
    opts.headers["Content-Type"] = "application/json";
    delete opts.json;
  }
  let resp;
  try {
    resp = await fetch(path, opts);
  } catch (err) {
    throw new ApiError(0, { title: "The regulint server cannot be reached", detail: String(err) });
  }
  const type = resp.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await resp.json().catch(() => null) : await resp.text();
  if (!resp.ok) throw new ApiError(resp.status, typeof body === "object" && body ? body : { title: String(body || resp.statusText) });
  return { body, headers: resp.headers };
}

function apiKey() {
  const field = document.getElementById("api-key");
  const typed = field && field.value.trim();
  if (typed) {
    try {
      sessionStorage.setItem("regulint-api-key", typed);
    } catch {
      /* storage may be disabled */
    }
    return typed;
  }
  try {
    return sessionStorage.getItem("regulint-api-key");
  } catch {
    return null;
  }
}

export const get = async (path) => (await api(path)).body;

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== undefined && v !== null && v !== "") q.append(k, v);
  }
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** A list from a response that is a list or wraps one ({items: [...]}, {rules: [...]}, ...). */
export function asList(data, ...keys) {
  if (Array.isArray(data)) return data;
  if (!data || typeof data !== "object") return [];
  for (const k of [...keys, "items", "results", "data"]) if (Array.isArray(data[k])) return data[k];
  const lists = Object.values(data).filter(Array.isArray);
  return lists.length === 1 ? lists[0] : [];
}

export function isReport(x) {
  return x && typeof x === "object" && x.summary && Array.isArray(x.violations);
}

/** A stored evaluation (POST answer or history item) as {id, created_at, product_id, as_of, summary, report}. */
export function normEvaluation(x, headers) {
  if (!x || typeof x !== "object") return null;
  const report = isReport(x.report) ? x.report : isReport(x) ? x : null;
  let id = x.id ?? x.evaluation_id ?? null;
  if (id === null && headers) {
    const loc = headers.get("Location") || headers.get("Content-Location");
    if (loc) id = decodeURIComponent(loc.replace(/\/+$/, "").split("/").pop());
  }
  const summary = x.summary || (report && report.summary) || null;
  const bySeverity = x.by_severity || (summary && summary.by_severity) || {};
  return {
    id,
    created_at: x.created_at || x.evaluated_at || x.stored_at || x.timestamp || null,
    product_id: x.product_id || (report && report.product_id) || "",
    as_of: x.as_of || (report && report.as_of) || "",
    markets: x.markets || (report && report.markets) || [],
    violations: typeof x.violations === "number" ? x.violations : summary ? summary.violations : Array.isArray(x.violations) ? x.violations.length : null,
    summary,
    worst: x.worst_severity || SEVERITIES.find((sv) => bySeverity[sv] > 0) || null,
    product: x.product || x.input || null,
    report,
  };
}

/** A stored evaluation with its document and report, by id. */
export async function fetchEvaluation(id) {
  const e = normEvaluation(await get(`${API}/evaluations/${encodeURIComponent(id)}`));
  if (!e || !e.report) throw new Error("the stored evaluation has no report");
  if (e.id === null) e.id = id;
  return e;
}
