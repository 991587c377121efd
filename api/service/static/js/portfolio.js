/* The Portfolio view: the latest evaluation of every product in the history, its worst severity per
 * market, and a calendar of upcoming duties across the portfolio. */
import { API, ApiError, api, asList, fetchEvaluation, get, query } from "./api.js";
import { $, clear, groupBy, h, status } from "./dom.js";
import { badge, dateTime, plural } from "./format.js";
import { instrumentShort, state } from "./meta.js";
import { penaltyChangeView } from "./report.js";
import { verdicts } from "./triage.js";

const MAX_PRODUCTS = 100;
const PAGE = 500;
const MAX_PAGES = 20;

/** Newest evaluation per product, from the history (newest first); ``partial`` when the history
 * holds more evaluations than were read (a product evaluated only before them is missing). */
async function latestPerProduct() {
  const seen = new Map();
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await get(`${API}/evaluations${query({ limit: PAGE, cursor })}`);
    for (const item of asList(data, "evaluations")) if (!seen.has(item.product_id)) seen.set(item.product_id, item);
    cursor = data && data.next_cursor;
    if (!cursor) break;
  }
  return { latest: [...seen.values()], partial: Boolean(cursor) };
}

export async function loadPortfolio() {
  const box = $("#portfolio-content");
  status("Loading the portfolio…", null, "portfolio");
  try {
    const { latest, partial } = await latestPerProduct();
    const wanted = latest.slice(0, MAX_PRODUCTS);
    const loaded = await Promise.all(wanted.map((x) => fetchEvaluation(x.id).catch(() => null)));
    const evs = loaded.filter(Boolean);
    const failed = wanted.filter((_, i) => !loaded[i]).map((x) => x.product_id);
    state.portfolio = evs;
    render(box, evs);
    const parts = [`${plural(latest.length, "product")} in the portfolio`];
    if (partial) parts.push(`read from the newest ${(PAGE * MAX_PAGES).toLocaleString("en")} evaluations only: a product evaluated only before them is not listed`);
    if (latest.length > wanted.length) parts.push(`showing the ${wanted.length} most recently evaluated`);
    let text = `${parts.join("; ")}.`;
    // a product whose report did not load is said, never left out silently
    if (failed.length) text += ` ${plural(failed.length, "product")} could not be loaded: ${failed.slice(0, 5).join(", ")}${failed.length > 5 ? ", …" : ""}.`;
    status(text, failed.length || partial ? "error" : null, "portfolio");
  } catch (err) {
    status(`Could not load the portfolio: ${err.message}`, "error", "portfolio");
  }
}

function render(box, evs) {
  clear(box);
  if (!evs.length) {
    box.append(h("p", { class: "panel muted", text: "No stored evaluation yet. Evaluate a product to start the portfolio." }));
    return;
  }
  const markets = [...new Set(evs.flatMap((e) => e.report.markets || []))].sort();
  box.append(
    h("h2", { text: "Worst severity per market" }),
    h(
      "div",
      { class: "table-wrap panel", tabindex: "0", role: "region", "aria-label": "Worst severity per market" },
      h(
        "table",
        { class: "portfolio-table" },
        h("caption", { class: "visually-hidden", text: "Latest evaluation of each product: worst severity per market" }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Product" }), h("th", { scope: "col", text: "Latest evaluation" }), markets.map((m) => h("th", { scope: "col", text: m })))),
        h(
          "tbody",
          {},
          evs.map((e) => {
            const v = verdicts(e.report);
            return h(
              "tr",
              { dataset: { product: e.product_id, id: String(e.id) } },
              h("th", { scope: "row" }, h("a", { href: `#evaluation/${encodeURIComponent(e.id)}` }, h("code", { text: e.product_id }))),
              h("td", { "data-label": "Latest evaluation", text: `${dateTime(e.created_at)} (as of ${e.report.as_of})` }),
              markets.map((m) => h("td", { "data-label": m, dataset: { market: m } }, !v[m] ? h("span", { class: "muted", text: "not offered" }) : v[m].worst ? badge(v[m].worst) : h("span", { class: "badge ok", text: "none" })))
            );
          })
        )
      )
    )
  );
  // Calendar: each upcoming rule (and penalty change) with the products it would catch.
  const entries = [];
  for (const e of evs) {
    for (const u of e.report.upcoming || []) entries.push({ date: String(u.effective_from), key: `rule:${u.rule_id}`, kind: "duty", item: u, product: e.product_id });
    for (const c of e.report.upcoming_penalty_changes || []) entries.push({ date: String(c.effective_from || c.date || ""), key: `pen:${c.instrument || ""}:${c.tier || c.tier_id || ""}:${c.rule_id || ""}`, kind: "penalty", item: c, product: e.product_id });
  }
  entries.sort((a, b) => a.date.localeCompare(b.date));
  const byDate = groupBy(entries, "date");
  box.append(h("h2", { text: "Calendar of upcoming duties and penalty changes" }));
  if (!entries.length) box.append(h("p", { class: "panel muted", text: "No upcoming duty or penalty change affects a product in the portfolio." }));
  else
    box.append(
      h(
        "ol",
        { class: "calendar panel" },
        [...byDate].map(([date, list]) =>
          h(
            "li",
            { dataset: { date } },
            h("h3", {}, h("time", { datetime: date, text: date })),
            h(
              "ul",
              {},
              [...groupBy(list, "key")].map(([, same]) => {
                const first = same[0];
                const products = [...new Set(same.map((x) => x.product))];
                if (first.kind === "penalty") return h("li", { class: "cal-penalty" }, penaltyChangeView(first.item), h("span", { class: "muted", text: ` — ${plural(products.length, "product")}: ${products.join(", ")}` }));
                const u = first.item;
                return h(
                  "li",
                  { class: "cal-duty", dataset: { rule: u.rule_id } },
                  badge(u.severity),
                  ` ${instrumentShort(u.instrument)} ${u.citation}: ${u.title} — `,
                  h("strong", { text: `${products.length} of your ${plural(evs.length, "product")} would violate it` }),
                  h("span", { class: "muted", text: ` (${products.join(", ")})` })
                );
              })
            )
          )
        )
      )
    );
}

// --- re-evaluation job ----------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function jobSummary(job) {
  const changed = job.items.filter((i) => i.added.length || i.removed.length);
  const ruleList = (counts, kind) => {
    const entries = Object.entries(counts);
    return entries.length
      ? h("ul", { class: `plain-list job-${kind}` }, entries.map(([rule, n]) => h("li", { dataset: { rule } }, h("a", { href: `#rules/${encodeURIComponent(rule)}` }, h("code", { text: rule })), ` — ${plural(n, "product")}`)))
      : h("p", { class: "muted", text: kind === "added" ? "No rule is newly violated." : "No finding went away." });
  };
  return h(
    "div",
    { class: "job-summary" },
    h("h3", { text: "What the current rulesets add" }),
    ruleList(job.added, "added"),
    h("h3", { text: "What they remove" }),
    ruleList(job.removed, "removed"),
    job.failed ? h("p", { class: "status error", text: `${plural(job.failed, "product")} could not be re-evaluated: ${job.items.filter((i) => i.status === "failed").map((i) => `${i.product_id} (${i.error})`).join("; ")}` }) : null,
    changed.length
      ? h(
          "details",
          { class: "job-products" },
          h("summary", { text: `${plural(changed.length, "product")} changed` }),
          h("ul", { class: "plain-list" }, changed.map((i) => h("li", {}, h("a", { href: `#compare/${encodeURIComponent(i.source_id)}/${encodeURIComponent(i.evaluation_id)}` }, h("code", { text: i.product_id })), i.added.length ? ` +${i.added.join(", +")}` : "", i.removed.length ? ` −${i.removed.join(", −")}` : "")))
        )
      : null
  );
}

async function reevaluate() {
  const button = $("#reevaluate-button");
  const box = clear($("#reevaluation"));
  button.disabled = true;
  const bar = h("progress", { id: "reevaluation-progress", max: "1", value: "0", "aria-labelledby": "reevaluation-label" });
  const label = h("p", { id: "reevaluation-label", class: "help", role: "status", text: "Queuing…" });
  box.append(label, bar);
  try {
    const { body, headers } = await api(`${API}/reevaluations`, { method: "POST" });
    const url = headers.get("Location") || `${API}/reevaluations/${encodeURIComponent(body.id)}`;
    let job = body;
    for (;;) {
      bar.max = Math.max(1, job.total);
      bar.value = job.done + job.failed;
      label.textContent = `Re-evaluated ${job.done + job.failed} of ${plural(job.total, "product")} against the current rulesets${job.status === "done" ? "." : "…"}`;
      if (job.status === "done") break;
      await sleep(400);
      job = await get(url);
    }
    box.append(jobSummary(job));
    await loadPortfolio();
    status(`Re-evaluation done: ${plural(job.done, "product")} re-evaluated${job.failed ? `, ${job.failed} failed` : ""}.`, null, "portfolio");
  } catch (err) {
    status(err instanceof ApiError && err.status === 401 ? "This server needs an API key to re-evaluate: enter it on the Evaluate view." : `Re-evaluation failed: ${err.message}`, "error", "portfolio");
  } finally {
    button.disabled = false;
  }
}

export function initPortfolio() {
  $("#portfolio-refresh").addEventListener("click", loadPortfolio);
  $("#reevaluate-button").addEventListener("click", reevaluate);
}
