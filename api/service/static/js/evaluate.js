/* The Evaluate view: examples, files, drafts, submitting a description and opening a stored evaluation. */
import { API, ApiError, api, fetchEvaluation, get, normEvaluation, query } from "./api.js";
import { $, $$, clear, debounce, h, setHashQuietly, status } from "./dom.js";
import { clearInputErrors, editor, setEditorText, showInputErrors, syntaxError, tickProductMarkets } from "./editor.js";
import { plural, today } from "./format.js";
import { fillSelect, marketOf, state } from "./meta.js";
import { renderReport, updateStale } from "./report.js";

const DRAFT_KEY = "regulint-draft";

export function renderMarketOptions() {
  const box = clear($("#market-options"));
  if (!state.jurisdictions.length) {
    box.append(h("span", { class: "muted", text: "No jurisdictions available." }));
    return;
  }
  for (const j of state.jurisdictions) {
    const id = `market-${j.code}`;
    box.append(h("label", { for: id }, h("input", { type: "checkbox", id, name: "market", value: j.code }), h("span", {}, j.code, j.name ? h("span", { class: "muted", text: ` ${j.name}` }) : null)));
  }
}

export function renderSeedOptions() {
  fillSelect($("#seed-select"), state.seeds.map((x) => [x.name || x.id, x.title || x.product_name || x.name || x.id]));
  if (!state.seeds.length) $("#seed-help").textContent = "No examples are available from this server.";
}

// --- drafts -------------------------------------------------------------------------------------

/** True when the editor holds typed work that is neither empty nor what was last loaded or evaluated. */
export function hasUnsavedEdits() {
  const text = editor().value;
  return !!text.trim() && text !== state.baselineText && text !== state.reportText;
}

/** Ask before replacing typed work; true to go ahead. */
export function mayReplaceDraft(what) {
  if (!hasUnsavedEdits()) return true;
  return window.confirm(`Replace your edited description with ${what}? Your edits will be lost.`);
}

/** Put a loaded document in the editor (it becomes the baseline edits are measured against). */
export function loadText(text) {
  setEditorText(text);
  state.baselineText = editor().value;
}

function saveDraft() {
  try {
    const text = editor().value;
    if (text.trim()) localStorage.setItem(DRAFT_KEY, JSON.stringify({ text, saved_at: new Date().toISOString() }));
    else localStorage.removeItem(DRAFT_KEY);
  } catch {
    /* storage may be disabled or full */
  }
}

function restoreDraft() {
  let draft = null;
  try {
    draft = JSON.parse(localStorage.getItem(DRAFT_KEY) || "null");
  } catch {
    draft = null;
  }
  if (!draft || typeof draft.text !== "string" || !draft.text.trim() || editor().value.trim()) return false;
  setEditorText(draft.text);
  status(`Restored your draft from ${new Date(draft.saved_at).toLocaleString("en-GB")}.`, null, "evaluate");
  return true;
}

// --- loading ------------------------------------------------------------------------------------

async function loadSeed(name) {
  if (!name) return;
  if (!mayReplaceDraft(`the example ${name}`)) {
    $("#seed-select").value = "";
    status("Kept your description.", null, "evaluate");
    return;
  }
  status(`Loading example ${name}…`, null, "evaluate");
  try {
    const data = await get(`${API}/seeds/${encodeURIComponent(name)}`);
    const product = data && typeof data === "object" && data.product && typeof data.product === "object" && !data.markets ? data.product : data;
    loadText(JSON.stringify(product, null, 2));
    state.exampleText = null;
    status(`Loaded example ${name}. Choose markets and a date, then evaluate.`, null, "evaluate");
  } catch (err) {
    status(`Could not load example ${name}: ${err.message}`, "error", "evaluate");
  }
}

function readFile(file) {
  if (!file) return;
  if (!mayReplaceDraft(`the file ${file.name}`)) return;
  const reader = new FileReader();
  reader.onload = () => {
    const text = String(reader.result || "");
    try {
      loadText(JSON.stringify(JSON.parse(text), null, 2));
    } catch {
      loadText(text);
    }
    $("#seed-select").value = "";
    state.exampleText = null;
    status(`Loaded ${file.name}.`, null, "evaluate");
  };
  reader.onerror = () => status(`Could not read ${file.name}.`, "error", "evaluate");
  reader.readAsText(file);
}

/** A rule's example in the editor; evaluating it unchanged does not store it among real products. */
export function loadExample(product, ruleId) {
  if (!mayReplaceDraft(`the example of rule ${ruleId}`)) return false;
  loadText(JSON.stringify(product, null, 2));
  state.exampleText = editor().value;
  $("#seed-select").value = "";
  return true;
}

// --- evaluating ---------------------------------------------------------------------------------

function selectedMarkets(product) {
  const ticked = $$('#market-options input[name="market"]:checked').map((b) => b.value);
  const productMarkets = new Set((Array.isArray(product && product.markets) ? product.markets : []).map(marketOf).filter(Boolean));
  const sameAsProduct = ticked.length === productMarkets.size && ticked.every((m) => productMarkets.has(m));
  return ticked.length && !sameAsProduct ? ticked : [];
}

/** Evaluate what the editor holds; resolves to the evaluation or null when it was refused. */
export async function evaluateEditor() {
  const text = editor().value;
  if (!text.trim()) {
    showInputErrors([{ path: "", message: "Paste a product description, upload a file, use the guided form or choose an example.", expected: "a JSON object", given: "nothing" }], "Nothing to evaluate");
    return null;
  }
  let product;
  try {
    product = JSON.parse(text);
  } catch (err) {
    showInputErrors([syntaxError(err, text)], "The description is not valid JSON");
    return null;
  }
  tickProductMarkets(text);
  const isExample = state.exampleText !== null && state.exampleText !== undefined && text === state.exampleText;
  const button = $("#evaluate-button");
  button.disabled = true;
  $("#report").setAttribute("aria-busy", "true");
  status("Evaluating…", null, "evaluate");
  try {
    const params = { as_of: $("#as-of").value, market: selectedMarkets(product), store: isExample ? "false" : "" };
    const { body, headers } = await api(`${API}/evaluations${query(params)}`, { method: "POST", json: product });
    clearInputErrors();
    const evaluation = normEvaluation(body, headers);
    state.evaluation = evaluation;
    state.report = evaluation.report;
    state.reportText = text;
    state.baselineText = text;
    state.product = product;
    renderReport();
    if (evaluation.id !== null && evaluation.id !== undefined) setHashQuietly(`#evaluation/${encodeURIComponent(evaluation.id)}`);
    const n = state.report.summary.violations;
    status(`Evaluated ${state.report.product_id}: ${plural(n, "violation")}${isExample ? " (a rule's example: not stored in the history)" : ""}.`, null, "evaluate");
    $("#report").focus();
    return evaluation;
  } catch (err) {
    if (err instanceof ApiError && Array.isArray(err.problem.errors) && err.problem.errors.length) {
      $("#report").hidden = true;
      showInputErrors(err.problem.errors);
      status(`The description was not evaluated: ${plural(err.problem.errors.length, "problem")} to fix.`, "error", "evaluate");
    } else if (err instanceof ApiError && err.status === 401) {
      $("#api-key-field").hidden = false;
      $("#api-key").setAttribute("aria-invalid", "true");
      $("#api-key").focus();
      status(`This server needs an API key: ${err.message}. Enter it and evaluate again.`, "error", "evaluate");
    } else {
      status(`Evaluation failed: ${err.message}`, "error", "evaluate");
    }
    return null;
  } finally {
    button.disabled = false;
    $("#report").removeAttribute("aria-busy");
  }
}

/** Show a stored evaluation (its document back in the editor); used by #evaluation/{id} and #exposure/{id}. */
export async function openEvaluation(id, view = "evaluate") {
  status(`Opening evaluation ${id}…`, null, view);
  try {
    const evaluation = await fetchEvaluation(id);
    state.evaluation = evaluation;
    state.report = evaluation.report;
    state.reportText = null;
    if (evaluation.product) {
      const text = JSON.stringify(evaluation.product, null, 2);
      // A draft typed over this evaluation is kept unless the user agrees to replace it.
      if (editor().value === text || mayReplaceDraft("the stored description")) setEditorText(text);
      state.reportText = text;
      state.baselineText = text;
      state.product = evaluation.product;
    }
    if (state.report.as_of) $("#as-of").value = state.report.as_of;
    const covered = new Set((state.report.markets || []).map(marketOf).filter(Boolean));
    if (covered.size) for (const box of $$('#market-options input[name="market"]')) box.checked = covered.has(box.value);
    renderReport();
    if (editor().value !== state.reportText) status("Kept your draft; the report shown is for the stored description.", null, view);
    else status(`Opened the evaluation of ${state.report.product_id} stored ${evaluation.created_at ? new Date(evaluation.created_at).toLocaleString("en-GB") : ""}.`, null, view);
    if (view === "evaluate") $("#report").focus();
    return evaluation;
  } catch (err) {
    status(`Could not open evaluation ${id}: ${err.message}`, "error", view);
    return null;
  }
}

export function initEvaluate() {
  $("#as-of").value = today();
  const ta = editor();
  const onChange = () => {
    updateStale();
    saveDraft();
  };
  ta.addEventListener("editor-change", onChange);
  ta.addEventListener(
    "input",
    debounce(() => {
      tickProductMarkets(ta.value);
      onChange();
      ta.dispatchEvent(new CustomEvent("editor-typed"));
    }, 150)
  );
  ta.addEventListener("keydown", (ev) => {
    // Ctrl/Cmd+Enter evaluates; Tab keeps its usual meaning (moving focus) for keyboard users.
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) $("#evaluate-form").requestSubmit();
  });
  $("#seed-select").addEventListener("change", (ev) => loadSeed(ev.target.value));
  $("#file-input").addEventListener("change", (ev) => readFile(ev.target.files[0]));
  $("#format-json").addEventListener("click", () => {
    try {
      setEditorText(JSON.stringify(JSON.parse(ta.value), null, 2));
    } catch (err) {
      showInputErrors([syntaxError(err, ta.value)], "The description is not valid JSON");
    }
  });
  $("#clear-json").addEventListener("click", () => {
    state.undoText = ta.value;
    setEditorText("");
    $("#seed-select").value = "";
    $("#undo-clear").hidden = !state.undoText.trim();
    status(state.undoText.trim() ? "Cleared the description. Undo brings it back." : "", null, "evaluate");
    ta.focus();
  });
  $("#undo-clear").addEventListener("click", () => {
    setEditorText(state.undoText || "");
    state.undoText = "";
    $("#undo-clear").hidden = true;
    status("Restored the description.", null, "evaluate");
    ta.focus();
  });
  $("#evaluate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    evaluateEditor();
  });
  restoreDraft();
}
