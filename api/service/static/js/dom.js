/* DOM helpers shared by every view: element builders, per-view status, small utilities. */

export const SVGNS = "http://www.w3.org/2000/svg";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

/** An HTML element: h("a", {href, class, text, onclick}, ...children). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, like h(). */
export function s(tag, attrs, ...children) {
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

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** The status line of one view (each view has its own, so a message does not follow you elsewhere). */
export function status(message, kind, view) {
  const name = view || currentView();
  const el = document.getElementById(`status-${name}`);
  if (!el) return;
  el.textContent = message || "";
  el.classList.toggle("error", kind === "error");
}

export function currentView() {
  const shown = document.querySelector("section.view:not([hidden])");
  return shown ? shown.id.replace(/^view-/, "") : "evaluate";
}

export function debounce(fn, ms) {
  let t = null;
  return (...args) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...args), ms);
  };
}

export function groupBy(items, key) {
  const out = new Map();
  for (const item of items) {
    const k = typeof key === "function" ? key(item) : item[key];
    if (!out.has(k)) out.set(k, []);
    out.get(k).push(item);
  }
  return out;
}

/** Offer `text` as a file download named `name`. */
export function download(text, name, type) {
  const blob = new Blob([text], { type });
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** In-page links without touching the hash (the hash is the view router's). */
export function jumpTo(ev, id) {
  if (ev) ev.preventDefault();
  const target = document.getElementById(id);
  if (!target) return;
  for (let p = target.parentElement; p; p = p.parentElement) if (p.tagName === "DETAILS") p.open = true;
  target.scrollIntoView({ block: "start" });
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({ preventScroll: true });
}

export function setHashQuietly(hash) {
  if (location.hash !== hash) history.replaceState(null, "", hash);
}
