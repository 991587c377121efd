/* regulint dashboard: native ES modules over the public HTTP API (/v1/...), no build step, no framework,
 * nothing fetched from elsewhere. Hash-routed views; every view of a stored evaluation has a link. */
import { $, $$, debounce, status } from "./dom.js";
import { syncEditor, editor } from "./editor.js";
import { initEvaluate, openEvaluation, renderMarketOptions, renderSeedOptions } from "./evaluate.js";
import { renderExposure } from "./exposure.js";
import { initHistory, loadHistory } from "./history.js";
import { renderCompare } from "./compare.js";
import { fillSelect, jurisdictionName, loadMeta, state } from "./meta.js";
import { initPrint } from "./report.js";
import { closeRule, initRules, renderInstrumentOptions, searchRules, showRule } from "./rules.js";
import { initBuilder } from "./builder.js";
import { initPortfolio, loadPortfolio } from "./portfolio.js";

const VIEWS = ["evaluate", "exposure", "history", "compare", "rules", "portfolio"];
const TITLES = { evaluate: "Evaluate", exposure: "Exposure", history: "History", compare: "Compare", rules: "Rules", portfolio: "Portfolio" };
const TAB_OF = { compare: "history" };
let firstRoute = true;

export function parseHash(hash = location.hash) {
  const raw = decodeURIComponent(hash.replace(/^#\/?/, ""));
  const [head, ...rest] = raw.split("/");
  const arg = rest.join("/") || null;
  if (head === "evaluation" && arg) return { view: "evaluate", evaluationId: arg };
  if (head === "exposure" && arg) return { view: "exposure", evaluationId: arg };
  if (head === "compare" && rest.length >= 2) return { view: "compare", ids: rest.slice(0, 2) };
  if (head === "rules" && arg) return { view: "rules", ruleId: arg };
  return { view: VIEWS.includes(head) && head !== "compare" ? head : "evaluate" };
}

async function route() {
  const r = parseHash();
  for (const v of VIEWS) $(`#view-${v}`).hidden = v !== r.view;
  const tab = TAB_OF[r.view] || r.view;
  for (const a of $$(".tabs a")) {
    if (a.dataset.view === tab) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${TITLES[r.view]} — regulint`;
  if (!firstRoute && r.view !== "compare" && !(r.view === "rules" && r.ruleId)) {
    const h1 = $(`#view-${r.view} h1`);
    h1.setAttribute("tabindex", "-1");
    h1.focus({ preventScroll: false });
  }
  firstRoute = false;
  await state.metaReady;
  const sameEvaluation = state.evaluation && String(state.evaluation.id) === r.evaluationId;
  if (r.view === "evaluate" && r.evaluationId && !sameEvaluation) await openEvaluation(r.evaluationId, "evaluate");
  else if (r.view === "exposure") {
    if (r.evaluationId && !sameEvaluation) await openEvaluation(r.evaluationId, "exposure");
    renderExposure();
  } else if (r.view === "history") await loadHistory();
  else if (r.view === "compare") await renderCompare(r.ids[0], r.ids[1]);
  else if (r.view === "portfolio") await loadPortfolio();
  else if (r.view === "rules") {
    if (!state.rulesLoaded) await searchRules();
    if (r.ruleId) await showRule(r.ruleId);
    else closeRule();
  }
}

async function init() {
  initEvaluate();
  initHistory();
  initRules(debounce);
  initPrint();
  initBuilder();
  initPortfolio();
  const ta = editor();
  ta.addEventListener("scroll", syncEditor);
  new ResizeObserver(() => syncEditor()).observe(ta);
  $(".skip-link").addEventListener("click", (ev) => {
    ev.preventDefault();
    $("main").focus();
  });
  window.addEventListener("hashchange", route);
  window.addEventListener(
    "resize",
    debounce(() => {
      if (!$("#view-exposure").hidden) renderExposure();
    }, 200)
  );
  state.metaReady = loadMeta().then(({ jurisdictionsFailed }) => {
    renderMarketOptions();
    renderSeedOptions();
    const pairs = state.jurisdictions.map((j) => [j.code, jurisdictionName(j.code)]);
    fillSelect($("#h-jurisdiction"), pairs);
    fillSelect($("#r-jurisdiction"), pairs);
    renderInstrumentOptions();
    if (jurisdictionsFailed) status(`Could not load the jurisdictions: ${jurisdictionsFailed.message}`, "error", "evaluate");
  });
  route();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
