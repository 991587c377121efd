/* regulint dashboard: plain JavaScript over the public HTTP API (/v1/...). No framework, no network
 * beyond the app that serves this file. Views: Evaluate, Exposure, History, Rules (hash-routed). */
"use strict";

(() => {
  const API = "/v1";
  const SEVERITIES = ["critical", "high", "medium", "low"];
  const SVGNS = "http://www.w3.org/2000/svg";

  const state = {
    jurisdictions: [],
    instruments: [],
    instrumentsById: {},
    seeds: [],
    report: null, // the report on show
    evaluation: null, // {id, created_at, ...} of the report on show, when stored
    reportText: null, // the editor text the report was computed from (to point into it)
    inputErrors: [], // [{path, message, expected, given}] of the last rejected submission
    history: [],
    selectedForCompare: [],
    rules: [],
    ruleId: null,
    metaReady: null,
  };

  // --- DOM helpers ----------------------------------------------------------------------------

  const $ = (sel, root = document) => root.querySelector(sel);

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVGNS, tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") el.setAttribute("class", v);
      else if (k === "text") el.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(el.dataset, v);
      else el.setAttribute(k, v === true ? "" : String(v));
    }
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  function clear(el) {
    while (el.firstChild) el.firstChild.remove();
    return el;
  }

  function status(message, kind) {
    const el = $("#status");
    el.textContent = message || "";
    el.classList.toggle("error", kind === "error");
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // --- API ------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
      this.status = status;
      this.problem = problem || {};
    }
  }

  async function api(path, options = {}) {
    const opts = { headers: { Accept: "application/json, application/problem+json" }, ...options };
    const key = apiKey();
    if (key && opts.method && opts.method !== "GET") opts.headers.Authorization = `Bearer ${key}`;
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

  const get = async (path) => (await api(path)).body;

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else if (v !== undefined && v !== null && v !== "") q.append(k, v);
    }
    const text = q.toString();
    return text ? `?${text}` : "";
  }

  /** A list from a response that is a list or wraps one ({items: [...]}, {rules: [...]}, ...). */
  function asList(data, ...keys) {
    if (Array.isArray(data)) return data;
    if (!data || typeof data !== "object") return [];
    for (const k of [...keys, "items", "results", "data"]) if (Array.isArray(data[k])) return data[k];
    const lists = Object.values(data).filter(Array.isArray);
    return lists.length === 1 ? lists[0] : [];
  }

  function isReport(x) {
    return x && typeof x === "object" && x.summary && Array.isArray(x.violations);
  }

  /** A stored evaluation (POST answer or history item) as {id, created_at, product_id, as_of, summary, report}. */
  function normEvaluation(x, headers) {
    if (!x || typeof x !== "object") return null;
    const report = isReport(x.report) ? x.report : isReport(x) ? x : null;
    let id = x.id ?? x.evaluation_id ?? null;
    if (id === null && headers) {
      const loc = headers.get("Location") || headers.get("Content-Location");
      if (loc) id = decodeURIComponent(loc.replace(/\/+$/, "").split("/").pop());
    }
    const summary = x.summary || (report && report.summary) || null;
    return {
      id,
      created_at: x.created_at || x.evaluated_at || x.stored_at || x.timestamp || null,
      product_id: x.product_id || (report && report.product_id) || "",
      as_of: x.as_of || (report && report.as_of) || "",
      markets: x.markets || (report && report.markets) || [],
      violations: typeof x.violations === "number" ? x.violations : summary ? summary.violations : Array.isArray(x.violations) ? x.violations.length : null,
      summary,
      worst: x.worst_severity || (summary && SEVERITIES.find((sv) => (summary.by_severity || {})[sv] > 0)) || null,
      product: x.product || x.input || null,
      report,
    };
  }

  // --- Formatting -----------------------------------------------------------------------------

  const numberFmt = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

  function money(amount, currency, compact) {
    if (amount === null || amount === undefined) return "—";
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

  function moneyRange(min, max, currency) {
    return Number(min) === Number(max) ? money(max, currency) : `${money(min, currency)} – ${money(max, currency)}`;
  }

  function dateTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString();
  }

  function today() {
    const d = new Date();
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }

  function show(value) {
    if (value === null || value === undefined) return "null";
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function badge(severity) {
    return h("span", { class: `badge ${severity}`, text: severity });
  }

  function jurisdictionName(code) {
    const j = state.jurisdictions.find((x) => x.code === code);
    return j && j.name ? `${code} — ${j.name}` : code;
  }

  function instrumentLabel(id) {
    const inst = state.instrumentsById[id];
    if (!inst) return id;
    return inst.short && inst.title ? `${inst.short} — ${inst.title}` : inst.title || inst.short || id;
  }

  function instrumentShort(id) {
    const inst = state.instrumentsById[id];
    return (inst && (inst.short || inst.title)) || id;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function citationLink(citation, source) {
    const url = safeUrl(source);
    return url
      ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, citation, h("span", { class: "visually-hidden", text: " (source, opens in a new tab)" }))
      : h("span", { text: citation });
  }

  function newTabLink(url, ...label) {
    return h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, ...label, h("span", { class: "visually-hidden", text: " (opens in a new tab)" }));
  }

  // Where a rule comes from: the official text of the provision, then commentary apart from it.
  function sourceRows(x) {
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

  // --- Reference data -------------------------------------------------------------------------

  async function loadMeta() {
    const [jur, inst, seeds] = await Promise.allSettled([get(`${API}/jurisdictions`), get(`${API}/instruments`), get(`${API}/seeds`)]);
    if (jur.status === "fulfilled") state.jurisdictions = asList(jur.value, "jurisdictions").map((j) => (typeof j === "string" ? { code: j } : j));
    if (inst.status === "fulfilled") {
      state.instruments = asList(inst.value, "instruments");
      state.instrumentsById = Object.fromEntries(state.instruments.map((i) => [i.id, i]));
    }
    if (seeds.status === "fulfilled") state.seeds = asList(seeds.value, "seeds").map((x) => (typeof x === "string" ? { name: x } : x));
    renderMarketOptions();
    renderSeedOptions();
    fillSelect($("#h-jurisdiction"), state.jurisdictions.map((j) => [j.code, jurisdictionName(j.code)]));
    fillSelect($("#r-jurisdiction"), state.jurisdictions.map((j) => [j.code, jurisdictionName(j.code)]));
    renderInstrumentOptions();
    if (jur.status === "rejected") status(`Could not load the jurisdictions: ${jur.reason.message}`, "error");
  }

  function fillSelect(select, pairs) {
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const [value, label] of pairs) select.add(new Option(label, value));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function renderInstrumentOptions() {
    const j = $("#r-jurisdiction").value;
    const list = state.instruments.filter((i) => !j || i.jurisdiction === j);
    fillSelect($("#r-instrument"), list.map((i) => [i.id, `${i.short || i.id} (${i.jurisdiction})`]));
  }

  function renderMarketOptions() {
    const box = clear($("#market-options"));
    if (!state.jurisdictions.length) {
      box.append(h("span", { class: "muted", text: "No jurisdictions available." }));
      return;
    }
    for (const j of state.jurisdictions) {
      const id = `market-${j.code}`;
      box.append(
        h("label", { for: id }, h("input", { type: "checkbox", id, name: "market", value: j.code }), h("span", {}, j.code, j.name ? h("span", { class: "muted", text: ` ${j.name}` }) : null))
      );
    }
  }

  function renderSeedOptions() {
    const select = $("#seed-select");
    fillSelect(select, state.seeds.map((x) => [x.name || x.id, x.title || x.product_name || x.name || x.id]));
    const help = $("#seed-help");
    if (!state.seeds.length) help.textContent = "No examples are available from this server.";
  }

  /** Fold a market code (DE) into its jurisdiction (EU). */
  function marketOf(code) {
    const c = String(code || "").toUpperCase();
    for (const j of state.jurisdictions) if (j.code === c || (j.members || []).includes(c)) return j.code;
    return null;
  }

  // --- Routing --------------------------------------------------------------------------------

  const VIEWS = ["evaluate", "exposure", "history", "rules"];
  const TITLES = { evaluate: "Evaluate", exposure: "Exposure", history: "History", rules: "Rules" };
  let firstRoute = true;

  function parseHash() {
    const raw = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
    const [head, ...rest] = raw.split("/");
    const arg = rest.join("/") || null;
    if (head === "evaluation" && arg) return { view: "evaluate", evaluationId: arg };
    if (head === "rules" && arg) return { view: "rules", ruleId: arg };
    return { view: VIEWS.includes(head) ? head : "evaluate" };
  }

  async function route() {
    const r = parseHash();
    for (const v of VIEWS) $(`#view-${v}`).hidden = v !== r.view;
    for (const a of document.querySelectorAll(".tabs a")) {
      if (a.dataset.view === r.view) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    document.title = `${TITLES[r.view]} — regulint`;
    if (!firstRoute) {
      const h1 = $(`#view-${r.view} h1`);
      h1.setAttribute("tabindex", "-1");
      h1.focus({ preventScroll: false });
    }
    firstRoute = false;
    await state.metaReady;
    if (r.view === "evaluate" && r.evaluationId && (!state.evaluation || String(state.evaluation.id) !== r.evaluationId)) {
      await openEvaluation(r.evaluationId);
    } else if (r.view === "exposure") renderExposure();
    else if (r.view === "history") await loadHistory();
    else if (r.view === "rules") {
      if (!state.rulesLoaded) await searchRules();
      if (r.ruleId && r.ruleId !== state.ruleId) await showRule(r.ruleId, false);
    }
  }

  function setHashQuietly(hash) {
    if (location.hash !== hash) history.replaceState(null, "", hash);
  }

  // --- Evaluate: editor and input errors -------------------------------------------------------

  const editor = () => $("#product-json");

  /** Every value's position in (valid) JSON text: path -> {start, end, keyStart, keyEnd, container}. */
  function jsonPositions(text) {
    const map = new Map();
    let i = 0;
    const ws = () => {
      while (i < text.length && " \t\r\n".includes(text[i])) i++;
    };
    const str = () => {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      i++;
      return [start, i];
    };
    const value = (path, key) => {
      ws();
      const start = i;
      const c = text[i];
      let container = false;
      if (c === "{") {
        container = true;
        i++;
        ws();
        if (text[i] === "}") i++;
        else {
          for (;;) {
            ws();
            const [ks, ke] = str();
            const name = JSON.parse(text.slice(ks, ke));
            ws();
            i++; // ':'
            value(path ? `${path}.${name}` : name, [ks, ke]);
            ws();
            if (text[i++] !== ",") break;
          }
        }
      } else if (c === "[") {
        container = true;
        i++;
        ws();
        if (text[i] === "]") i++;
        else {
          for (let n = 0; ; n++) {
            value(`${path}[${n}]`, null);
            ws();
            if (text[i++] !== ",") break;
          }
        }
      } else if (c === '"') str();
      else while (i < text.length && !" \t\r\n,]}".includes(text[i])) i++;
      map.set(path, { start, end: i, keyStart: key ? key[0] : null, keyEnd: key ? key[1] : null, container });
    };
    try {
      value("", null);
    } catch {
      /* partial map is still useful */
    }
    return map;
  }

  /** Normalise an error path from the API: strip body./query. prefixes, read JSON pointers. */
  function normPath(path) {
    let p = String(path ?? "").trim();
    if (p.startsWith("/")) {
      p = p
        .slice(1)
        .split("/")
        .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), "");
    }
    return p.replace(/^\$\.?/, "").replace(/^body\.?/, "");
  }

  /** Where an error path is in the editor text: {start, end, exact} or null. */
  function locate(path, text, positions) {
    const lc = /^line (\d+)(?: column (\d+))?/.exec(path);
    if (lc) {
      const lines = text.split("\n");
      const line = Math.min(Number(lc[1]), lines.length);
      let start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
      const col = lc[2] ? Number(lc[2]) - 1 : 0;
      const lineText = lines[line - 1] || "";
      start += Math.min(col, lineText.length);
      const end = Math.max(start + 1, start + (lineText.length - Math.min(col, lineText.length)));
      return { start, end: Math.min(end, text.length), exact: true };
    }
    if (!positions) return null;
    let p = normPath(path);
    let exact = true;
    while (!positions.has(p)) {
      exact = false;
      if (!p) return null;
      const m = /^(.*?)(\[\d+\]|\.[^.[\]]+|^[^.[\]]+)$/.exec(p);
      p = m ? m[1] : "";
    }
    const pos = positions.get(p);
    if (pos.container || !exact) {
      // A whole object or list is too much to mark: mark its key (or its opening bracket).
      return pos.keyStart !== null ? { start: pos.keyStart, end: pos.keyEnd, exact } : { start: pos.start, end: pos.start + 1, exact };
    }
    return { start: pos.keyStart !== null ? pos.keyStart : pos.start, end: pos.end, exact };
  }

  function escapeHtml(text) {
    return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]);
  }

  /** Redraw the marks behind the editor for the current input errors. */
  function drawHighlights(activeIndex) {
    const ta = editor();
    const layer = $("#editor-highlights");
    const text = ta.value;
    const ranges = [];
    if (state.inputErrors.length) {
      let positions = null;
      try {
        JSON.parse(text);
        positions = jsonPositions(text);
      } catch {
        positions = null;
      }
      state.inputErrors.forEach((err, idx) => {
        const loc = locate(err.path, text, positions);
        err.location = loc;
        if (loc) ranges.push({ ...loc, idx });
      });
    }
    ranges.sort((a, b) => a.start - b.start || b.end - a.end);
    let html = "";
    let at = 0;
    for (const r of ranges) {
      if (r.start < at) continue; // overlapping: the first one wins
      html += escapeHtml(text.slice(at, r.start));
      html += `<mark data-error="${r.idx}"${r.idx === activeIndex ? ' class="active"' : ""}>${escapeHtml(text.slice(r.start, r.end))}</mark>`;
      at = r.end;
    }
    html += `${escapeHtml(text.slice(at))}\n`;
    layer.innerHTML = html;
    syncEditor();
    ta.setAttribute("aria-invalid", state.inputErrors.some((e) => e.location) ? "true" : "false");
  }

  function syncEditor() {
    const ta = editor();
    const layer = $("#editor-highlights");
    const cs = getComputedStyle(ta);
    layer.style.width = `${ta.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)}px`;
    $(".editor-backdrop").scrollTop = ta.scrollTop;
  }

  function pointAt(idx) {
    const err = state.inputErrors[idx];
    const ta = editor();
    drawHighlights(idx);
    if (!err || !err.location) {
      ta.focus();
      return;
    }
    ta.focus({ preventScroll: true });
    ta.setSelectionRange(err.location.start, err.location.end);
    const mark = $(`#editor-highlights mark[data-error="${idx}"]`);
    if (mark) ta.scrollTop = Math.max(0, mark.offsetTop - ta.clientHeight / 3);
    syncEditor();
    ta.scrollIntoView({ block: "nearest" });
  }

  function showInputErrors(errors, title) {
    state.inputErrors = errors.map((e) => ({ ...e }));
    const box = $("#input-errors");
    const list = clear($("#input-errors-list"));
    $("#input-errors-summary").textContent = title || `The description has ${errors.length} problem${errors.length === 1 ? "" : "s"} to fix`;
    drawHighlights(-1);
    const asOf = $("#as-of");
    const markets = $("#market-options");
    asOf.removeAttribute("aria-invalid");
    markets.removeAttribute("aria-invalid");
    state.inputErrors.forEach((err, idx) => {
      const path = normPath(err.path);
      const isQuery = /^(query\.)?(as_of|market)/.test(path);
      let target;
      if (isQuery && /as_of/.test(path)) {
        asOf.setAttribute("aria-invalid", "true");
        target = h("button", { type: "button", class: "path-button", onclick: () => asOf.focus() }, "as of (date)");
      } else if (isQuery) {
        markets.setAttribute("aria-invalid", "true");
        target = h("button", { type: "button", class: "path-button", onclick: () => $("#market-options input")?.focus() }, "markets");
      } else {
        const label = path || "(the whole document)";
        target = h(
          "button",
          { type: "button", class: "path-button", "aria-label": `Show ${label} in the description`, dataset: { path }, onclick: () => pointAt(idx) },
          label
        );
      }
      const where = err.location && !err.location.exact ? h("span", { class: "detail", text: "Not in the description: marked where it belongs." }) : null;
      list.append(
        h(
          "li",
          { class: "input-error", dataset: { path } },
          target,
          " ",
          h("span", { class: "msg", text: err.message || err.detail || "invalid value" }),
          err.expected !== undefined || err.given !== undefined
            ? h("span", { class: "detail" }, err.expected !== undefined ? `Expected ${show(err.expected)}` : "", err.expected !== undefined && err.given !== undefined ? "; " : "", err.given !== undefined ? `given ${show(err.given)}` : "")
            : null,
          where
        )
      );
    });
    box.hidden = false;
    box.focus();
  }

  function clearInputErrors() {
    state.inputErrors = [];
    $("#input-errors").hidden = true;
    clear($("#input-errors-list"));
    $("#as-of").removeAttribute("aria-invalid");
    $("#market-options").removeAttribute("aria-invalid");
    drawHighlights(-1);
  }

  function setEditorText(text) {
    const ta = editor();
    ta.value = text;
    clearInputErrors();
    ta.scrollTop = 0;
    tickProductMarkets(text);
  }

  /** Tick the markets a description is offered in (member states folded into their union). */
  function tickProductMarkets(text) {
    let data;
    try {
      data = JSON.parse(text);
    } catch {
      return;
    }
    const markets = new Set((Array.isArray(data && data.markets) ? data.markets : []).map(marketOf).filter(Boolean));
    // Follow the description's markets only when they change, so a deliberate choice stays.
    const key = [...markets].sort().join(",");
    if (key === state.productMarketsKey) return;
    state.productMarketsKey = key;
    for (const box of document.querySelectorAll('#market-options input[name="market"]')) box.checked = markets.has(box.value);
  }

  async function loadSeed(name) {
    if (!name) return;
    status(`Loading example ${name}…`);
    try {
      const data = await get(`${API}/seeds/${encodeURIComponent(name)}`);
      const product = data && typeof data === "object" && data.product && typeof data.product === "object" && !data.markets ? data.product : data;
      setEditorText(JSON.stringify(product, null, 2));
      status(`Loaded example ${name}. Choose markets and a date, then evaluate.`);
    } catch (err) {
      status(`Could not load example ${name}: ${err.message}`, "error");
    }
  }

  function readFile(file) {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const text = String(reader.result || "");
      try {
        setEditorText(JSON.stringify(JSON.parse(text), null, 2));
      } catch {
        setEditorText(text);
      }
      $("#seed-select").value = "";
      status(`Loaded ${file.name}.`);
    };
    reader.onerror = () => status(`Could not read ${file.name}.`, "error");
    reader.readAsText(file);
  }

  async function submitEvaluation(ev) {
    ev.preventDefault();
    const text = editor().value;
    if (!text.trim()) {
      showInputErrors([{ path: "", message: "Paste a product description, upload a file or choose an example.", expected: "a JSON object", given: "nothing" }], "Nothing to evaluate");
      return;
    }
    let product;
    try {
      product = JSON.parse(text);
    } catch (err) {
      showInputErrors([syntaxError(err, text)], "The description is not valid JSON");
      return;
    }
    tickProductMarkets(text); // in case the debounced input handler has not run yet
    const asOf = $("#as-of").value;
    const ticked = [...document.querySelectorAll('#market-options input[name="market"]:checked')].map((b) => b.value);
    const productMarkets = new Set((Array.isArray(product && product.markets) ? product.markets : []).map(marketOf).filter(Boolean));
    const sameAsProduct = ticked.length === productMarkets.size && ticked.every((m) => productMarkets.has(m));
    const markets = ticked.length && !sameAsProduct ? ticked : [];
    const button = $("#evaluate-button");
    button.disabled = true;
    $("#report").setAttribute("aria-busy", "true");
    status("Evaluating…");
    try {
      const { body, headers } = await api(`${API}/evaluations${query({ as_of: asOf, market: markets })}`, { method: "POST", json: product });
      clearInputErrors();
      const evaluation = normEvaluation(body, headers);
      state.evaluation = evaluation;
      state.report = evaluation.report;
      state.reportText = text;
      renderReport();
      if (evaluation.id !== null && evaluation.id !== undefined) setHashQuietly(`#evaluation/${encodeURIComponent(evaluation.id)}`);
      const n = state.report.summary.violations;
      status(`Evaluated ${state.report.product_id}: ${n} violation${n === 1 ? "" : "s"}.`);
      $("#report").focus();
    } catch (err) {
      if (err instanceof ApiError && Array.isArray(err.problem.errors) && err.problem.errors.length) {
        $("#report").hidden = true;
        showInputErrors(err.problem.errors);
        status(`The description was not evaluated: ${err.problem.errors.length} problem${err.problem.errors.length === 1 ? "" : "s"} to fix.`, "error");
      } else if (err instanceof ApiError && err.status === 401) {
        $("#api-key-field").hidden = false;
        $("#api-key").setAttribute("aria-invalid", "true");
        $("#api-key").focus();
        status(`This server needs an API key: ${err.message}. Enter it and evaluate again.`, "error");
      } else {
        status(`Evaluation failed: ${err.message}`, "error");
      }
    } finally {
      button.disabled = false;
      $("#report").removeAttribute("aria-busy");
    }
  }

  function syntaxError(err, text) {
    const msg = String(err.message || err);
    let line = null;
    let col = null;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    if (lc) [line, col] = [Number(lc[1]), Number(lc[2])];
    else if (pos) {
      const before = text.slice(0, Number(pos[1])).split("\n");
      line = before.length;
      col = before[before.length - 1].length + 1;
    }
    return {
      path: line ? `line ${line} column ${col}` : "",
      message: `malformed JSON: ${msg.replace(/^JSON\.parse: /, "")}`,
      expected: "valid JSON",
      given: line ? JSON.stringify(text.split("\n")[line - 1].trim().slice(0, 40)) : "text",
    };
  }

  // --- Evaluate: the report --------------------------------------------------------------------

  async function openEvaluation(id) {
    status(`Opening evaluation ${id}…`);
    try {
      const body = await get(`${API}/evaluations/${encodeURIComponent(id)}`);
      const evaluation = normEvaluation(body);
      if (!evaluation.report) throw new Error("the stored evaluation has no report");
      if (evaluation.id === null) evaluation.id = id;
      state.evaluation = evaluation;
      state.report = evaluation.report;
      state.reportText = null;
      if (evaluation.product) setEditorText(JSON.stringify(evaluation.product, null, 2));
      if (evaluation.product) state.reportText = editor().value;
      if (state.report.as_of) $("#as-of").value = state.report.as_of;
      // tick the markets this evaluation covered (it may have been narrowed with `market`)
      const covered = new Set((state.report.markets || []).map(marketOf).filter(Boolean));
      if (covered.size) for (const box of document.querySelectorAll('#market-options input[name="market"]')) box.checked = covered.has(box.value);
      renderReport();
      status(`Opened evaluation ${id} of ${state.report.product_id}.`);
      $("#report").focus();
    } catch (err) {
      status(`Could not open evaluation ${id}: ${err.message}`, "error");
    }
  }

  function groupBy(items, key) {
    const out = new Map();
    for (const item of items) {
      const k = typeof key === "function" ? key(item) : item[key];
      if (!out.has(k)) out.set(k, []);
      out.get(k).push(item);
    }
    return out;
  }

  /** "practice “face-upload”", "the synthetic media", "the product as a whole". */
  function subjectLabel(subject) {
    if (!subject || subject.kind === "product") return "the product as a whole";
    const kind = subject.kind.replace(/_/g, " ");
    return subject.id && subject.id !== subject.kind ? `${kind} “${subject.id}”` : `the ${kind}`;
  }

  function subjectView(subject) {
    if (!subject) return h("span", { class: "muted", text: "the product" });
    const label = subjectLabel(subject);
    const canPoint = subject.path && state.reportText !== null && state.reportText === editor().value;
    return h(
      "span",
      {},
      label,
      subject.path
        ? [
            " at ",
            canPoint
              ? h("button", { type: "button", class: "link-button", title: "Show in the description", onclick: () => pointAtPath(subject.path) }, h("code", { text: subject.path }))
              : h("code", { text: subject.path }),
          ]
        : null
    );
  }

  /** Select a path of the description in the editor (for subjects and evidence). */
  function pointAtPath(path) {
    const ta = editor();
    let positions = null;
    try {
      JSON.parse(ta.value);
      positions = jsonPositions(ta.value);
    } catch {
      return;
    }
    const loc = locate(path, ta.value, positions);
    if (!loc) return;
    ta.focus({ preventScroll: true });
    ta.setSelectionRange(loc.start, loc.end);
    const lineIndex = ta.value.slice(0, loc.start).split("\n").length - 1;
    const lineHeight = parseFloat(getComputedStyle(ta).lineHeight) || 18;
    ta.scrollTop = Math.max(0, lineIndex * lineHeight - ta.clientHeight / 3);
    syncEditor();
    ta.scrollIntoView({ block: "nearest" });
  }

  function evidenceTable(evidence) {
    if (!evidence || !evidence.length) return h("span", { class: "muted", text: "—" });
    return h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "evidence" },
        h("caption", { class: "visually-hidden", text: "Evidence" }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Field" }), h("th", { scope: "col", text: "Test" }), h("th", { scope: "col", text: "Rule expects" }), h("th", { scope: "col", text: "Description says" }))),
        h(
          "tbody",
          {},
          evidence.map((e) =>
            h("tr", {}, h("td", {}, h("code", { text: e.fact })), h("td", {}, h("code", { text: e.op })), h("td", {}, h("code", { text: e.op === "exists" || e.op === "missing" ? "—" : show(e.expected) })), h("td", {}, h("code", { text: show(e.actual) })))
          )
        )
      )
    );
  }

  function violationView(v) {
    const p = v.penalty || {};
    return h(
      "li",
      { class: `violation ${v.severity}`, dataset: { rule: v.rule_id } },
      h("h5", {}, badge(v.severity), h("span", { text: v.title }), v.confirmed === false ? h("span", { class: "badge outline", text: "unconfirmed" }) : null),
      h("div", { class: "rule-id" }, h("a", { href: `#rules/${encodeURIComponent(v.rule_id)}`, text: v.rule_id })),
      h(
        "dl",
        {},
        h("dt", { text: "Citation" }),
        h("dd", {}, citationLink(v.citation, v.source)),
        sourceRows(v),
        h("dt", { text: "Concerns" }),
        h("dd", {}, subjectView(v.subject)),
        h("dt", { text: "Remediation" }),
        h("dd", { text: v.remediation }),
        h("dt", { text: "Penalty" }),
        h(
          "dd",
          {},
          h("strong", { text: moneyRange(p.min, p.max, p.currency) }),
          p.citation ? ` (${p.citation})` : "",
          p.explanation ? h("div", { class: "help", text: p.explanation }) : null,
          p.confirmed === false ? h("div", { class: "help", text: "The penalty figure could not be confirmed against its source." }) : null
        ),
        v.note ? [h("dt", { text: "Note" }), h("dd", { text: v.note })] : null
      ),
      h("details", { class: "evidence-details" }, h("summary", {}, `Evidence (${(v.evidence || []).length} fact${(v.evidence || []).length === 1 ? "" : "s"})`), evidenceTable(v.evidence))
    );
  }

  function summaryCards(report) {
    const sev = report.summary.by_severity || {};
    return h(
      "div",
      { class: "summary-cards", role: "list", "aria-label": "Summary" },
      h("div", { class: "card total", role: "listitem" }, h("span", { class: "num", text: report.summary.violations }), h("span", { class: "lbl", text: "violations" })),
      SEVERITIES.map((sv) => h("div", { class: `card sev-${sv}`, role: "listitem" }, h("span", { class: "num", text: sev[sv] || 0 }), h("span", { class: "lbl", text: sv }))),
      h("div", { class: "card", role: "listitem" }, h("span", { class: "num", text: report.upcoming.length }), h("span", { class: "lbl", text: "upcoming" })),
      h("div", { class: "card", role: "listitem" }, h("span", { class: "num", text: report.insufficient_information.length }), h("span", { class: "lbl", text: "insufficient information" }))
    );
  }

  function renderReport() {
    const report = state.report;
    const box = clear($("#report"));
    if (!report) {
      box.hidden = true;
      return;
    }
    const ev = state.evaluation || {};
    box.append(
      h(
        "div",
        { class: "report-header" },
        h("div", {}, h("h2", { id: "report-title" }, "Report for ", h("code", { text: report.product_id })), h("p", { class: "meta" }, `As of ${report.as_of} · markets ${(report.markets || []).join(", ") || "—"}`, ev.id !== null && ev.id !== undefined ? ` · evaluation ${ev.id}` : "", ev.created_at ? ` · stored ${dateTime(ev.created_at)}` : "", report.engine ? ` · regulint ${report.engine.version}` : "")),
        h("div", { class: "inline-actions" }, h("a", { href: "#exposure", text: "Exposure chart" }), h("button", { type: "button", class: "link-button", onclick: downloadReport, text: "Download JSON" }))
      ),
      summaryCards(report)
    );

    if (report.summary.exposure && report.summary.exposure.length) {
      const fig = h("div", { class: "panel chart-panel" });
      box.append(fig);
      fig.append(exposureChart(report.summary.exposure, "usd", "report-usd"));
    }

    const byJur = groupBy(report.violations, "jurisdiction");
    const exposureOf = Object.fromEntries((report.summary.exposure || []).map((e) => [e.instrument, e]));
    box.append(h("h3", { text: `Violations (${report.violations.length})` }));
    if (!report.violations.length) box.append(h("p", { class: "panel" }, h("span", { class: "badge ok", text: "none" }), " No rule in force on this date is violated by this description."));
    if (report.violations.length) {
      box.append(
        h(
          "nav",
          { class: "report-toc", "aria-label": "Violations by instrument" },
          h(
            "ul",
            {},
            [...byJur].map(([jur, items]) =>
              [...groupBy(items, "instrument")].map(([inst, vs]) =>
                h("li", {}, h("a", { href: `#v-${inst}`, onclick: (e) => jumpTo(e, `v-${inst}`) }, `${jur} · ${instrumentShort(inst)}`), h("span", { class: "muted", text: ` ${vs.length}` }))
              )
            )
          )
        )
      );
    }
    for (const [jur, items] of byJur) {
      const sec = h("section", { class: "jurisdiction", "aria-label": jurisdictionName(jur) }, h("h3", {}, jurisdictionName(jur), h("span", { class: "muted", text: ` · ${items.length} violation${items.length === 1 ? "" : "s"}` })));
      for (const [inst, vs] of groupBy(items, "instrument")) {
        const exp = exposureOf[inst];
        sec.append(
          h(
            "section",
            { class: "instrument", dataset: { instrument: inst } },
            h("h4", { id: `v-${inst}`, tabindex: "-1" }, instrumentLabel(inst), h("span", { class: "muted", text: ` (${inst})` })),
            exp ? h("p", { class: "help" }, "Exposure: ", h("strong", { text: moneyRange(exp.min, exp.max, exp.currency) }), ` (${moneyRange(exp.usd.min, exp.usd.max, "USD")}) — ${exp.explanation || exp.aggregation}`) : null,
            h("ul", { class: "violations" }, vs.map(violationView))
          )
        );
      }
      box.append(sec);
    }

    const other = h("div", { class: "other-lists" });
    other.append(
      h(
        "section",
        { "aria-labelledby": "upcoming-title", class: "upcoming" },
        h("h3", { id: "upcoming-title", text: `Upcoming obligations (${report.upcoming.length})` }),
        report.upcoming.length
          ? h(
              "ul",
              { class: "plain-list" },
              report.upcoming.map((u) =>
                h(
                  "li",
                  { dataset: { rule: u.rule_id } },
                  h("strong", {}, h("time", { datetime: u.effective_from, text: `From ${u.effective_from}` })),
                  " ",
                  badge(u.severity),
                  " ",
                  u.title,
                  " — ",
                  h("span", { class: "muted" }, `${u.citation}, ${instrumentShort(u.instrument)} (${u.jurisdiction})`),
                  h("div", { class: "help" }, "Concerns ", subjectView(u.subject), ". ", u.remediation)
                )
              )
            )
          : h("p", { class: "muted", text: "No obligation that this description would violate starts after this date." })
      ),
      h(
        "section",
        { "aria-labelledby": "insufficient-title", class: "insufficient" },
        h("h3", { id: "insufficient-title", text: `Insufficient information (${report.insufficient_information.length})` }),
        report.insufficient_information.length
          ? h(
              "ul",
              { class: "plain-list" },
              report.insufficient_information.map((x) =>
                h(
                  "li",
                  {},
                  x.rule_id ? h("a", { href: `#rules/${encodeURIComponent(x.rule_id)}` }, h("code", { text: x.rule_id })) : h("strong", { text: instrumentShort(x.instrument) }),
                  ` (${x.jurisdiction}): ${x.reason}`,
                  x.missing && x.missing.length ? h("div", { class: "help" }, "Missing: ", x.missing.map((m, i) => [i ? ", " : "", h("code", { text: m })])) : null,
                  x.would_violate && x.would_violate.length ? h("div", { class: "help" }, `Would violate if it applies: ${x.would_violate.join(", ")}`) : null
                )
              )
            )
          : h("p", { class: "muted", text: "Every rule had the facts it needs." })
      ),
      h(
        "section",
        { "aria-labelledby": "na-title", class: "not-applicable" },
        h("h3", { id: "na-title", text: `Not applicable (${report.not_applicable.length})` }),
        report.not_applicable.length
          ? h(
              "ul",
              { class: "plain-list" },
              report.not_applicable.map((n) => h("li", { dataset: { instrument: n.instrument } }, h("strong", { text: instrumentShort(n.instrument) }), ` (${n.jurisdiction}): `, n.reason))
            )
          : h("p", { class: "muted", text: "Every instrument applies." })
      )
    );
    box.append(other);
    box.hidden = false;
  }

  /** In-page links without touching the hash (the hash is the view router's). */
  function jumpTo(ev, id) {
    ev.preventDefault();
    const target = document.getElementById(id);
    if (target) {
      target.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    }
  }

  function downloadReport() {
    if (!state.report) return;
    const blob = new Blob([JSON.stringify(state.report, null, 2)], { type: "application/json" });
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: `regulint-${state.report.product_id}-${state.report.as_of}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // --- Charts (inline SVG) ---------------------------------------------------------------------

  function niceMax(max) {
    if (!(max > 0)) return 1;
    const exp = 10 ** Math.floor(Math.log10(max));
    for (const f of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * exp >= max) return f * exp;
    return 10 * exp;
  }

  /** The width a chart has inside a panel of the main column (the column is always laid out). */
  function chartWidth() {
    const main = $("main");
    const cs = getComputedStyle(main);
    const inner = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    return Math.max(260, Math.min(1100, Math.floor(inner - 36)));
  }

  /** A money axis: linear, or logarithmic when the amounts span more than two orders of magnitude. */
  function moneyScale(rows, left, plotW) {
    const maxV = Math.max(0, ...rows.map((r) => r.max));
    const positives = rows.flatMap((r) => [r.min, r.max]).filter((v) => v > 0);
    const minPos = positives.length ? Math.min(...positives) : 0;
    if (!(maxV > 0 && minPos > 0 && maxV / minPos > 100)) {
      const vmax = niceMax(maxV);
      return { log: false, x: (v) => left + (Math.max(0, v) / vmax) * plotW, ticks: [0, 1, 2, 3, 4].map((t) => (vmax * t) / 4) };
    }
    const lo = Math.log10(10 ** Math.floor(Math.log10(minPos)));
    const hi = Math.ceil(Math.log10(maxV));
    const x = (v) => (v <= 10 ** lo ? left : left + ((Math.log10(v) - lo) / (hi - lo)) * plotW);
    const every = Math.ceil((hi - lo + 1) / 7);
    const ticks = [];
    for (let e = hi; e >= lo; e -= every) ticks.unshift(10 ** e);
    if (ticks[0] !== 10 ** lo) ticks.unshift(10 ** lo);
    return { log: true, x, ticks };
  }

  /** Shorten text to about `px` pixels (at `perChar` pixels a character), ending it with an ellipsis. */
  function fit(text, px, perChar) {
    const n = Math.max(4, Math.floor(px / perChar));
    return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
  }

  /** A horizontal min–max range chart of exposure rows on one axis. */
  function rangeChart({ id, title, rows, currency, width }) {
    // Narrow screens stack each row's label above its bar; wide ones put labels in a column.
    const stacked = width < 520;
    const label = stacked ? 0 : Math.min(250, Math.round(width * 0.3));
    const right = stacked ? 12 : 24;
    const top = 8;
    const rowH = stacked ? 62 : 46;
    const barY = stacked ? 38 : 12;
    const axisH = 28;
    const plotW = width - label - right;
    const height = top + rows.length * rowH + axisH;
    const scale = moneyScale(rows, label, plotW);
    const x = scale.x;
    const titleId = `${id}-title`;
    const descId = `${id}-desc`;
    const svg = s("svg", { class: `chart ${id}`, viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${titleId} ${descId}`, dataset: { scale: scale.log ? "log" : "linear" } });
    svg.append(
      s("title", { id: titleId }, title + (scale.log ? " (logarithmic scale)" : "")),
      s("desc", { id: descId }, rows.map((r) => `${r.label}: ${moneyRange(r.min, r.max, currency || r.currency)}`).join("; "))
    );
    const grid = s("g", { class: "grid" });
    const axis = s("g", { class: "axis" });
    const baseY = top + rows.length * rowH;
    scale.ticks.forEach((v, t) => {
      const tx = x(v);
      grid.append(s("line", { x1: tx, x2: tx, y1: top, y2: baseY }));
      const anchor = t === 0 ? "start" : t === scale.ticks.length - 1 && tx > width - right - 20 ? "end" : "middle";
      axis.append(s("text", { x: tx, y: baseY + 18, "text-anchor": anchor, "font-size": 11 }, money(v, currency || rows[0].currency, true)));
    });
    axis.append(s("line", { x1: label, x2: label + plotW, y1: baseY, y2: baseY }));
    svg.append(grid, axis);
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      const cur = currency || r.currency;
      const g = s("g", { class: "row", "data-instrument": r.instrument });
      g.append(
        s("title", {}, `${r.label}: ${moneyRange(r.min, r.max, cur)}${r.explanation ? ` — ${r.explanation}` : ""}`),
        s("text", { x: 0, y: y + 18, "font-size": 13, "font-weight": 600 }, fit(r.label, (stacked ? width : label) - 10, 7.6)),
        s("text", { x: 0, y: y + 33, "font-size": 11, fill: "#5a6475" }, moneyRange(r.min, r.max, cur))
      );
      const x0 = x(r.min);
      const x1 = x(r.max);
      g.append(s("rect", { class: "bar-range", x: x0, y: y + barY, width: Math.max(3, x1 - x0), height: 18, rx: 3 }));
      g.append(s("rect", { class: "bar-min", x: Math.max(0, x0 - 1), y: y + barY - 4, width: 3, height: 26 }));
      svg.append(g);
    });
    return svg;
  }

  /** Exposure as a chart: mode "usd" (one axis) or "native" (one axis per currency). */
  function exposureChart(exposure, mode, id, width) {
    const fig = h("figure", { class: `exposure-${mode}` });
    const w = width || chartWidth();
    const rows = exposure.map((e) => ({
      instrument: e.instrument,
      label: `${e.jurisdiction} · ${instrumentShort(e.instrument)}`,
      min: Number(mode === "usd" ? e.usd.min : e.min),
      max: Number(mode === "usd" ? e.usd.max : e.max),
      currency: mode === "usd" ? "USD" : e.currency,
      explanation: e.explanation,
    }));
    if (mode === "usd") {
      const svg = rangeChart({ id: `${id}-usd`, title: "Penalty exposure in USD", rows, currency: "USD", width: w });
      const log = svg.dataset.scale === "log" ? "; logarithmic scale" : "";
      fig.append(h("figcaption", { class: "chart-title", text: `Penalty exposure per instrument, in US dollars (minimum – maximum${log})` }), svg);
    } else {
      fig.append(h("figcaption", { class: "chart-title", text: "Penalty exposure per instrument, in the instrument's currency (minimum – maximum)" }));
      for (const [cur, group] of groupBy(rows, "currency")) {
        fig.append(h("h4", { text: cur }));
        const svg = rangeChart({ id: `${id}-${cur}`, title: `Penalty exposure in ${cur}`, rows: group, currency: cur, width: w });
        fig.append(svg);
        if (svg.dataset.scale === "log") fig.append(h("p", { class: "help", text: "Logarithmic scale." }));
      }
    }
    return fig;
  }

  /** Vertical bars of counts (violations by severity / by jurisdiction). */
  function countChart({ id, title, entries, width, colors }) {
    const height = 200;
    const top = 18;
    const bottom = 28;
    const left = 30;
    const plotH = height - top - bottom;
    const top_ = Math.max(1, ...entries.map(([, n]) => n));
    const tickStep = Math.max(1, Math.ceil(niceMax(top_ / 4)));
    const vmax = Math.ceil(top_ / tickStep) * tickStep;
    const step = (width - left - 8) / entries.length;
    const barW = Math.min(64, step * 0.6);
    const svg = s("svg", { class: `chart ${id}`, viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${id}-title ${id}-desc` });
    svg.append(s("title", { id: `${id}-title` }, title), s("desc", { id: `${id}-desc` }, entries.map(([k, n]) => `${k}: ${n}`).join("; ")));
    const axis = s("g", { class: "axis" });
    axis.append(s("line", { x1: left, x2: width - 8, y1: top + plotH, y2: top + plotH }));
    for (let v = 0; v <= vmax; v += tickStep) {
      const y = top + plotH - (v / vmax) * plotH;
      axis.append(s("text", { x: left - 6, y: y + 4, "text-anchor": "end", "font-size": 11 }, String(v)));
    }
    svg.append(axis);
    entries.forEach(([k, n], i) => {
      const cx = left + step * i + step / 2;
      const bh = (n / vmax) * plotH;
      const g = s("g", { class: "bar", "data-key": k });
      g.append(
        s("title", {}, `${k}: ${n}`),
        s("rect", { x: cx - barW / 2, y: top + plotH - bh, width: barW, height: Math.max(n ? 2 : 0, bh), rx: 3, fill: (colors && colors[k]) || "#1f4fbf" }),
        s("text", { x: cx, y: top + plotH - bh - 4, "text-anchor": "middle", "font-size": 12, "font-weight": 700 }, String(n)),
        s("text", { x: cx, y: height - 8, "text-anchor": "middle", "font-size": 12 }, k)
      );
      svg.append(g);
    });
    return svg;
  }

  function renderExposure() {
    const report = state.report;
    $("#exposure-empty").hidden = !!report;
    const box = clear($("#exposure-content"));
    box.hidden = !report;
    if (!report) return;
    const exposure = report.summary.exposure || [];
    box.append(
      h("p", { class: "lede" }, "For ", h("code", { text: report.product_id }), ` as of ${report.as_of} (markets ${(report.markets || []).join(", ")}). `, h("a", { href: state.evaluation && state.evaluation.id != null ? `#evaluation/${encodeURIComponent(state.evaluation.id)}` : "#evaluate", text: "Back to the report" }), ".")
    );
    const totalMin = exposure.reduce((n, e) => n + Number(e.usd.min), 0);
    const totalMax = exposure.reduce((n, e) => n + Number(e.usd.max), 0);
    box.append(
      h(
        "div",
        { class: "summary-cards" },
        h("div", { class: "card total" }, h("span", { class: "num", text: money(totalMax, "USD", true) }), h("span", { class: "lbl", text: "maximum exposure, all instruments (USD)" })),
        h("div", { class: "card" }, h("span", { class: "num", text: money(totalMin, "USD", true) }), h("span", { class: "lbl", text: "minimum exposure (USD)" })),
        h("div", { class: "card" }, h("span", { class: "num", text: exposure.length }), h("span", { class: "lbl", text: "instruments with violations" }))
      )
    );
    const charts = h("div", { class: "charts" });
    box.append(charts);
    const w = chartWidth();
    const sev = report.summary.by_severity || {};
    if (exposure.length) {
      charts.append(h("h2", { text: "Exposure by instrument" }));
      charts.append(h("div", { class: "panel chart-panel" }, exposureChart(exposure, "usd", "exposure", w)));
      charts.append(h("div", { class: "panel chart-panel" }, exposureChart(exposure, "native", "exposure", w)));
      charts.append(
        h(
          "div",
          { class: "table-wrap panel" },
          h(
            "table",
            { class: "exposure-table" },
            h("caption", { class: "visually-hidden", text: "Exposure per instrument" }),
            h("thead", {}, h("tr", {}, ["Jurisdiction", "Instrument", "In its currency", "In USD", "How it adds up"].map((t) => h("th", { scope: "col", text: t })))),
            h("tbody", {}, exposure.map((e) => h("tr", {}, h("td", { text: e.jurisdiction }), h("td", { text: instrumentLabel(e.instrument) }), h("td", { text: moneyRange(e.min, e.max, e.currency) }), h("td", { text: moneyRange(e.usd.min, e.usd.max, "USD") }), h("td", { text: e.explanation || e.aggregation }))))
          )
        )
      );
    } else {
      charts.append(h("p", { class: "panel", text: "No violation, so no penalty exposure on this date." }));
    }
    charts.append(h("h2", { text: "Violations" }));
    const half = w > 700 ? Math.floor((w - 24) / 2) : w;
    charts.append(
      h(
        "div",
        { class: "chart-grid" },
        h("figure", { class: "panel chart-panel severity-chart" }, h("figcaption", { class: "chart-title", text: "Violations by severity" }), countChart({ id: "chart-severity", title: "Violations by severity", entries: SEVERITIES.map((sv) => [sv, sev[sv] || 0]), width: half, colors: { critical: "#8a1020", high: "#c0392b", medium: "#a35d00", low: "#3f5f8a" } })),
        h("figure", { class: "panel chart-panel jurisdiction-chart" }, h("figcaption", { class: "chart-title", text: "Violations by jurisdiction" }), countChart({ id: "chart-jurisdiction", title: "Violations by jurisdiction", entries: Object.entries(report.summary.by_jurisdiction || {}), width: half }))
      )
    );
  }

  // --- History --------------------------------------------------------------------------------

  /** Local midnight of a YYYY-MM-DD date, plus `days`, as an ISO instant (the API reads UTC). */
  function localMidnight(date, days = 0) {
    const [y, m, d] = date.split("-").map(Number);
    return new Date(y, m - 1, d + days).toISOString();
  }

  function historyParams() {
    const f = Object.fromEntries(new FormData($("#history-filters")).entries());
    return {
      product_id: f.product_id.trim(),
      jurisdiction: f.jurisdiction,
      severity: f.severity,
      created_from: f.stored_from ? localMidnight(f.stored_from) : "",
      created_to: f.stored_to ? localMidnight(f.stored_to, 1) : "",
      as_of_from: f.as_of,
      as_of_to: f.as_of,
    };
  }

  async function loadHistory(more) {
    const list = $("#history-list");
    const moreButton = $("#history-more");
    const params = historyParams();
    if (more === true && state.historyCursor) params.cursor = state.historyCursor;
    list.setAttribute("aria-busy", "true");
    const seq = (state.historySeq = (state.historySeq || 0) + 1);
    try {
      const data = await get(`${API}/evaluations${query(params)}`);
      if (seq !== state.historySeq) return; // a later request supersedes this one
      const items = asList(data, "evaluations").map((x) => normEvaluation(x));
      state.history = more === true ? state.history.concat(items) : items;
      state.historyTotal = data && typeof data.total === "number" ? data.total : state.history.length;
      state.historyCursor = (data && data.next_cursor) || null;
      moreButton.hidden = !state.historyCursor;
      renderHistory();
    } catch (err) {
      clear(list).append(h("p", { class: "status error", text: `Could not load the history: ${err.message}` }));
    } finally {
      if (seq === state.historySeq) list.removeAttribute("aria-busy");
    }
  }

  function renderHistory() {
    const list = clear($("#history-list"));
    const known = new Set(state.history.map((e) => String(e.id)));
    state.selectedForCompare = state.selectedForCompare.filter((id) => known.has(id));
    if (!state.history.length) {
      list.append(h("p", { class: "panel muted", text: "No stored evaluation matches. Evaluations appear here once you run them." }));
      updateCompare();
      return;
    }
    list.append(h("p", { class: "help history-count", text: `Showing ${state.history.length} of ${state.historyTotal ?? state.history.length} stored evaluation${(state.historyTotal ?? 0) === 1 ? "" : "s"}, newest first.` }));
    list.append(
      h(
        "div",
        { class: "table-wrap panel" },
        h(
          "table",
          { class: "history-table" },
          h("caption", { class: "visually-hidden", text: "Stored evaluations, newest first" }),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden", text: "Select to compare" })), ["Evaluated", "Product", "As of", "Markets", "Violations", ""].map((t) => h("th", { scope: "col", text: t })))),
          h(
            "tbody",
            {},
            state.history.map((e) => {
              const id = String(e.id);
              const box = h("input", {
                type: "checkbox",
                class: "compare-check",
                "aria-label": `Select evaluation ${id} of ${e.product_id} for comparison`,
                checked: state.selectedForCompare.includes(id),
                onchange: (ev) => toggleCompare(id, ev.target.checked),
              });
              return h(
                "tr",
                { dataset: { id, product: e.product_id } },
                h("td", {}, box),
                h("td", {}, h("time", { datetime: e.created_at || "", text: dateTime(e.created_at) })),
                h("td", {}, h("code", { text: e.product_id })),
                h("td", { text: e.as_of || "—" }),
                h("td", { text: (e.markets || []).join(", ") || "—" }),
                h("td", {}, e.violations ?? "—", " ", e.worst ? badge(e.worst) : e.violations === 0 ? h("span", { class: "badge ok", text: "none" }) : null),
                h("td", {}, h("a", { href: `#evaluation/${encodeURIComponent(id)}`, class: "open-evaluation", "aria-label": `Open evaluation ${id} of ${e.product_id}`, text: "Open" }))
              );
            })
          )
        )
      )
    );
    updateCompare();
  }

  function toggleCompare(id, on) {
    state.selectedForCompare = state.selectedForCompare.filter((x) => x !== id);
    if (on) state.selectedForCompare.push(id);
    while (state.selectedForCompare.length > 2) state.selectedForCompare.shift();
    for (const box of document.querySelectorAll(".compare-check")) box.checked = state.selectedForCompare.includes(box.closest("tr").dataset.id);
    updateCompare();
  }

  function updateCompare() {
    const sel = state.selectedForCompare.map((id) => state.history.find((e) => String(e.id) === id)).filter(Boolean);
    const button = $("#compare-button");
    const hint = $("#compare-hint");
    if (sel.length < 2) {
      button.disabled = true;
      hint.textContent = `Tick two evaluations of the same product to compare them (${sel.length} of 2 ticked).`;
    } else if (sel[0].product_id !== sel[1].product_id) {
      button.disabled = true;
      hint.textContent = `These are different products (${sel[0].product_id}, ${sel[1].product_id}); compare two evaluations of the same product.`;
    } else {
      button.disabled = false;
      hint.textContent = `Ready to compare two evaluations of ${sel[0].product_id}.`;
    }
  }

  const violationKey = (v) => `${v.rule_id}|${v.subject ? `${v.subject.kind}:${v.subject.id}` : ""}`;

  /** When two reports differ in date or markets, say so: a difference may come from that. */
  function scopeNote(a, b) {
    const notes = [];
    if (String(a.as_of) !== String(b.as_of)) notes.push(`different as-of dates (${a.as_of}, ${b.as_of})`);
    const ma = (a.markets || []).join(", ");
    const mb = (b.markets || []).join(", ");
    if (ma !== mb) notes.push(`different markets (${ma || "—"}; ${mb || "—"})`);
    if (!notes.length) return null;
    return h("p", { class: "status scope-note" }, `These evaluations cover ${notes.join(" and ")}: some differences come from that, not from changes to the description.`);
  }

  async function compareSelected() {
    const box = $("#compare-result");
    const ids = [...state.selectedForCompare];
    try {
      const evs = (await Promise.all(ids.map((id) => get(`${API}/evaluations/${encodeURIComponent(id)}`)))).map((b, i) => {
        const e = normEvaluation(b);
        if (e.id === null) e.id = ids[i];
        return e;
      });
      evs.sort((a, b) => String(a.created_at || "").localeCompare(String(b.created_at || "")) || String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));
      const [older, newer] = evs;
      if (older.report.product_id !== newer.report.product_id) throw new Error("the two evaluations are of different products");
      const before = new Map(older.report.violations.map((v) => [violationKey(v), v]));
      const after = new Map(newer.report.violations.map((v) => [violationKey(v), v]));
      const fixed = [...before].filter(([k]) => !after.has(k)).map(([, v]) => v);
      const added = [...after].filter(([k]) => !before.has(k)).map(([, v]) => v);
      const same = [...after].filter(([k]) => before.has(k)).map(([, v]) => v);
      const item = (v) => h("li", { dataset: { rule: v.rule_id } }, badge(v.severity), " ", v.title, " ", h("span", { class: "muted" }, `— ${v.citation}; ${subjectLabel(v.subject)}`));
      const column = (cls, title, kind, items) =>
        h("section", { class: `panel diff-${cls}`, "aria-label": title }, h("h3", {}, h("span", { class: `badge ${kind}`, text: items.length }), title), items.length ? h("ul", {}, items.map(item)) : h("p", { class: "muted", text: "None." }));
      clear(box).append(
        h("h2", {}, "Comparison for ", h("code", { text: newer.report.product_id })),
        h("p", { class: "meta" }, "From evaluation ", h("a", { href: `#evaluation/${encodeURIComponent(older.id)}`, text: String(older.id) }), ` (${dateTime(older.created_at)}, as of ${older.report.as_of}, ${older.report.violations.length} violations) to evaluation `, h("a", { href: `#evaluation/${encodeURIComponent(newer.id)}`, text: String(newer.id) }), ` (${dateTime(newer.created_at)}, as of ${newer.report.as_of}, ${newer.report.violations.length} violations).`),
        scopeNote(older.report, newer.report),
        h("div", { class: "diff" }, column("fixed", "Fixed", "ok", fixed), column("new", "New", "high", added), column("unchanged", "Unchanged", "neutral", same))
      );
      box.hidden = false;
      box.focus();
      status(`Compared: ${fixed.length} fixed, ${added.length} new, ${same.length} unchanged.`);
    } catch (err) {
      status(`Could not compare: ${err.message}`, "error");
    }
  }

  // --- Rules ----------------------------------------------------------------------------------

  async function searchRules() {
    const params = Object.fromEntries(new FormData($("#rules-filters")).entries());
    const list = $("#rules-list");
    list.setAttribute("aria-busy", "true");
    const seq = (state.rulesSeq = (state.rulesSeq || 0) + 1);
    try {
      const data = await get(`${API}/rules${query(params)}`);
      if (seq !== state.rulesSeq) return; // a later search supersedes this one
      state.rules = asList(data, "rules");
      state.rulesLoaded = true;
      renderRules();
    } catch (err) {
      clear(list).append(h("p", { class: "status error", text: `Could not load the rules: ${err.message}` }));
    } finally {
      if (seq === state.rulesSeq) list.removeAttribute("aria-busy");
    }
  }

  function renderRules() {
    const list = clear($("#rules-list"));
    list.append(h("p", { class: "help rules-count", text: `${state.rules.length} rule${state.rules.length === 1 ? "" : "s"}` }));
    if (!state.rules.length) {
      list.append(h("p", { class: "panel muted", text: "No rule matches this search." }));
      return;
    }
    list.append(
      h(
        "ul",
        {},
        state.rules.map((r) =>
          h(
            "li",
            {},
            h(
              "button",
              { type: "button", class: "rule-item", "aria-pressed": r.id === state.ruleId ? "true" : "false", dataset: { rule: r.id }, onclick: () => showRule(r.id, true) },
              h("span", { class: "t" }, badge(r.severity), " ", r.title),
              h("span", { class: "s", text: `${r.citation} · ${r.jurisdiction} · ${r.instrument} · in force ${r.effective_from}${r.effective_until ? ` – ${r.effective_until}` : ""} · ${r.id}` })
            )
          )
        )
      )
    );
  }

  function penaltyText(p) {
    if (!p) return "—";
    if (typeof p === "string") return p;
    const parts = [];
    if (p.max) parts.push(`up to ${typeof p.max === "object" ? JSON.stringify(p.max) : p.max}`);
    if (p.min) parts.push(`at least ${typeof p.min === "object" ? JSON.stringify(p.min) : p.min}`);
    if (p.sme_max) parts.push(`SMEs: up to ${p.sme_max}`);
    if (p.counts && p.counts !== "once") parts.push(`counted per ${String(p.counts).replace(/^per_/, "")}`);
    return parts.join("; ");
  }

  const conditionText = (c) => (typeof c === "string" ? c : JSON.stringify(c));

  function exampleView(kind, ex, i) {
    const product = ex && typeof ex === "object" && ex.product && !ex.markets ? ex.product : ex;
    return h(
      "details",
      { class: `example example-${kind}` },
      h("summary", {}, `${kind === "violating" ? "Violating" : "Compliant"} example ${i + 1}`, product && product.id ? h("code", { text: ` ${product.id}` }) : null),
      h("pre", { class: "json", tabindex: "0" }, JSON.stringify(product, null, 2)),
      h(
        "div",
        { class: "example-actions" },
        h(
          "button",
          {
            type: "button",
            class: "secondary",
            onclick: () => {
              setEditorText(JSON.stringify(product, null, 2));
              $("#seed-select").value = "";
              location.hash = "#evaluate";
              status("Loaded the rule's example into the editor. Evaluate it when ready.");
            },
          },
          "Evaluate this example"
        )
      )
    );
  }

  async function showRule(id, fromClick) {
    const box = $("#rule-detail");
    state.ruleId = id;
    for (const b of document.querySelectorAll(".rule-item")) b.setAttribute("aria-pressed", b.dataset.rule === id ? "true" : "false");
    if (fromClick) setHashQuietly(`#rules/${encodeURIComponent(id)}`);
    try {
      const r = await get(`${API}/rules/${encodeURIComponent(id)}`);
      const p = r.penalty || {};
      const ex = r.examples || {};
      clear(box).append(
        h("h2", { id: "rule-title" }, badge(r.severity), " ", r.title),
        h("p", { class: "rule-id" }, h("code", { text: r.id })),
        h(
          "dl",
          {},
          h("dt", { text: "Instrument" }),
          h("dd", {}, r.instrument_title || instrumentLabel(r.instrument), ` (${r.instrument})`),
          h("dt", { text: "Jurisdiction" }),
          h("dd", { text: jurisdictionName(r.jurisdiction) }),
          h("dt", { text: "Citation" }),
          h("dd", {}, citationLink(r.citation, r.source)),
          sourceRows(r),
          r.requirement ? [h("dt", { text: "Requirement" }), h("dd", { text: r.requirement })] : null,
          h("dt", { text: "Applies to" }),
          h("dd", { text: r.subject || "—" }),
          h("dt", { text: "In force" }),
          h("dd", { class: "rule-dates" }, `from ${r.effective_from || "—"}`, r.effective_until ? ` until ${r.effective_until}` : " (no end date)"),
          h("dt", { text: "Penalty" }),
          h("dd", { class: "rule-penalty" }, penaltyText(p), p.citation ? ` (${p.citation}${p.tier ? `, tier “${p.tier}”` : ""})` : "", p.confirmed === false ? h("div", { class: "help", text: "This figure could not be confirmed against its source." }) : null),
          h("dt", { text: "Remediation" }),
          h("dd", { text: r.remediation || "—" }),
          r.condition || r.when ? [h("dt", { text: "Condition" }), h("dd", { class: "rule-condition" }, h("code", { text: conditionText(r.condition || r.when) }))] : null,
          r.note ? [h("dt", { text: "Note" }), h("dd", { text: r.note })] : null
        ),
        h("h3", { text: "Examples" }),
        h(
          "div",
          { class: "examples" },
          (ex.violating || []).map((e, i) => exampleView("violating", e, i)),
          (ex.compliant || []).map((e, i) => exampleView("compliant", e, i)),
          !(ex.violating || []).length && !(ex.compliant || []).length ? h("p", { class: "muted", text: "No examples." }) : null
        )
      );
      box.hidden = false;
      if (fromClick) box.focus();
    } catch (err) {
      clear(box).append(h("p", { class: "status error", text: `Could not load rule ${id}: ${err.message}` }));
      box.hidden = false;
    }
  }

  // --- Wiring ---------------------------------------------------------------------------------

  function init() {
    $("#as-of").value = today();
    const ta = editor();
    ta.addEventListener("scroll", syncEditor);
    ta.addEventListener(
      "input",
      debounce(() => {
        if (state.inputErrors.length) drawHighlights(-1);
        tickProductMarkets(ta.value);
      }, 150)
    );
    ta.addEventListener("keydown", (ev) => {
      // Ctrl/Cmd+Enter evaluates; Tab keeps its usual meaning (moving focus) for keyboard users.
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) $("#evaluate-form").requestSubmit();
    });
    new ResizeObserver(() => syncEditor()).observe(ta);
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
      setEditorText("");
      $("#seed-select").value = "";
      ta.focus();
    });
    $("#evaluate-form").addEventListener("submit", submitEvaluation);

    $("#history-filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      loadHistory();
    });
    $("#history-filters").addEventListener("reset", () => setTimeout(loadHistory, 0));
    $("#history-more").addEventListener("click", () => loadHistory(true));
    $("#compare-button").addEventListener("click", compareSelected);

    $("#rules-filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      searchRules();
    });
    $("#r-q").addEventListener("input", debounce(searchRules, 250));
    for (const sel of ["#r-instrument", "#r-severity"]) $(sel).addEventListener("change", searchRules);
    $("#r-jurisdiction").addEventListener("change", () => {
      renderInstrumentOptions();
      searchRules();
    });

    // The skip link moves focus without touching the hash (the hash names the view).
    $(".skip-link").addEventListener("click", (ev) => {
      ev.preventDefault();
      $("main").focus();
    });
    window.addEventListener("hashchange", route);
    window.addEventListener(
      "resize",
      debounce(() => {
        if (!$("#view-exposure").hidden) renderExposure();
        else if (state.report && !$("#view-evaluate").hidden) {
          const old = $("#report .chart-panel");
          if (old && state.report.summary.exposure.length) clear(old).append(exposureChart(state.report.summary.exposure, "usd", "report-usd"));
        }
      }, 200)
    );

    state.metaReady = loadMeta();
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
