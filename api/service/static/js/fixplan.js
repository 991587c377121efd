/* "What would fix this?": the verified fix plan of the report's description (POST /v1/fix-plans),
 * its edits in order, what no edit clears, and the patched description loaded into the editor. */
import { API, ApiError, api, query } from "./api.js";
import { clear, download, h, status } from "./dom.js";
import { plural } from "./format.js";
import { state } from "./meta.js";

/** The report's button and the (empty) box the plan is shown in. */
export function fixPlanView(report) {
  if (!report || !report.violations || !report.violations.length) return null;
  const scope = h("input", { type: "checkbox", id: "fix-scope" });
  return h(
    "section",
    { class: "panel fix-plan", "aria-labelledby": "fix-plan-title" },
    h("h3", { id: "fix-plan-title", text: "What would fix this?" }),
    h("p", { class: "help", text: "The smallest set of edits to the description that clears every violation shown, verified by evaluating the patched description." }),
    h(
      "div",
      { class: "inline-actions" },
      h("button", { type: "button", id: "fix-plan-button", onclick: () => loadPlan(report, scope.checked), text: "What would fix this?" }),
      h("label", { for: "fix-scope" }, scope, " also drop data, markets or features")
    ),
    h("div", { id: "fix-plan", role: "region", "aria-live": "polite" })
  );
}

async function loadPlan(report, allowScope) {
  const box = clear(document.getElementById("fix-plan"));
  const button = document.getElementById("fix-plan-button");
  const product = state.product;
  if (!product) {
    box.append(h("p", { class: "status error", text: "The description of this report is not available: evaluate it again." }));
    return;
  }
  button.disabled = true;
  box.setAttribute("aria-busy", "true");
  box.append(h("p", { class: "help", text: "Searching for the smallest set of edits…" }));
  try {
    const params = { as_of: report.as_of, market: report.markets || [], allow_scope_changes: allowScope ? "true" : "" };
    const { body } = await api(`${API}/fix-plans${query(params)}`, { method: "POST", json: product });
    renderPlan(clear(box), body);
  } catch (err) {
    clear(box).append(h("p", { class: "status error", text: `No plan: ${err instanceof ApiError ? err.message : String(err)}` }));
  } finally {
    button.disabled = false;
    box.removeAttribute("aria-busy");
  }
}

function renderPlan(box, plan) {
  const edits = plan.edits || [];
  box.append(
    h(
      "p",
      { id: "fix-plan-summary" },
      `${plural(plan.findings_before, "finding")} → ${plan.findings_after} after ${plural(edits.length, "edit")}`,
      plan.verified ? " · verified by evaluating the patched description" : " · not verified",
      plan.minimal && edits.length ? " · minimal (dropping any one edit brings a finding back)" : "",
      plan.complete ? "" : " · cut short by the time budget"
    ),
    h(
      "ol",
      { class: "fix-edits" },
      edits.map((e) => h("li", {}, h("span", { class: "badge outline", text: e.kind }), " ", e.text))
    )
  );
  if ((plan.uncleared || []).length) {
    box.append(
      h("h4", { text: `Not cleared by any edit (${plan.uncleared.length})` }),
      h(
        "ul",
        { class: "fix-uncleared" },
        plan.uncleared.map((u) => h("li", {}, h("span", { class: `badge ${u.severity}`, text: u.severity }), " ", h("code", { text: u.rule_id }), ` (${u.jurisdiction}${u.subject ? `, ${u.subject}` : ""}): ${u.reason}`))
      )
    );
  }
  if (edits.length) {
    box.append(
      h(
        "div",
        { class: "inline-actions" },
        h("button", { type: "button", id: "fix-plan-load", onclick: () => loadPatched(plan), text: "Load the patched description into the editor" }),
        h("button", { type: "button", class: "link-button", onclick: () => download(JSON.stringify(plan.patch, null, 2), `${plan.product_id}.patch.json`, "application/json-patch+json"), text: "Download JSON Patch" })
      )
    );
  }
}

async function loadPatched(plan) {
  const { loadText, mayReplaceDraft } = await import("./evaluate.js");
  if (!mayReplaceDraft("the patched description")) return;
  loadText(JSON.stringify(plan.patched, null, 2));
  status(`Loaded the patched description (${plural((plan.edits || []).length, "edit")}). Evaluate it to see the result.`, null, "evaluate");
}
