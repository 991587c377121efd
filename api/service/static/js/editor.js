/* The JSON editor: positions of paths in the text, marks behind it for input errors, pointing at a path. */
import { $, clear, h } from "./dom.js";
import { show } from "./format.js";
import { marketOf, state } from "./meta.js";

export const editor = () => $("#product-json");

/** Every value's position in (valid) JSON text: path -> {start, end, keyStart, keyEnd, container}. */
export function jsonPositions(text) {
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
export function normPath(path) {
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
export function locate(path, text, positions) {
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
export function drawHighlights(activeIndex) {
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

export function syncEditor() {
  const ta = editor();
  const layer = $("#editor-highlights");
  const cs = getComputedStyle(ta);
  layer.style.width = `${ta.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight)}px`;
  $(".editor-backdrop").scrollTop = ta.scrollTop;
}

export function pointAt(idx) {
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

export function showInputErrors(errors, title) {
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
    const isQuery = /^query\./.test(path) || /^(as_of|market)(\[\d+\])?$/.test(path);
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

export function clearInputErrors() {
  state.inputErrors = [];
  $("#input-errors").hidden = true;
  clear($("#input-errors-list"));
  $("#as-of").removeAttribute("aria-invalid");
  $("#market-options").removeAttribute("aria-invalid");
  drawHighlights(-1);
}

export function setEditorText(text) {
  const ta = editor();
  ta.value = text;
  clearInputErrors();
  ta.scrollTop = 0;
  tickProductMarkets(text);
  ta.dispatchEvent(new CustomEvent("editor-change"));
}

/** Tick the markets a description is offered in (member states folded into their union). */
export function tickProductMarkets(text) {
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

export function syntaxError(err, text) {
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

/** Select a path of the description in the editor (for subjects and evidence). */
export function pointAtPath(path) {
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

