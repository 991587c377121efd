/* Inline SVG charts. Money is drawn on a linear axis, one chart per currency, with the value written on
 * each bar, so a bar's length is its amount. */
import { $, h, s } from "./dom.js";
import { compact } from "./penalty.js";

export function niceMax(max) {
  if (!(max > 0)) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const f of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f * exp >= max) return f * exp;
  return 10 * exp;
}

/** The width a chart has inside a panel of the main column. */
export function chartWidth() {
  const main = $("main");
  const cs = getComputedStyle(main);
  const inner = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
  return Math.max(260, Math.min(1100, Math.floor(inner - 36)));
}

function fit(text, px, perChar) {
  const n = Math.max(4, Math.floor(px / perChar));
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

/**
 * Horizontal min–max bars on one linear axis. rows: [{key, label, min, max, open, conditional}].
 * An open-ended row (max unknown) is drawn from its lower bound to the edge with an arrow.
 */
export function rangeChart({ id, title, rows, currency, width }) {
  const stacked = width < 520;
  const label = stacked ? 0 : Math.min(230, Math.round(width * 0.28));
  const right = stacked ? 12 : 90;
  const top = 8;
  const rowH = stacked ? 56 : 40;
  const barY = stacked ? 24 : 10;
  const axisH = 28;
  const plotW = width - label - right;
  const height = top + rows.length * rowH + axisH;
  const vmax = niceMax(Math.max(0, ...rows.map((r) => (r.open ? r.min : r.max))));
  const x = (v) => label + (Math.max(0, v) / vmax) * plotW;
  const ticks = [0, 1, 2, 3, 4].map((t) => (vmax * t) / 4);
  const svg = s("svg", { class: `chart ${id}`, viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${id}-title ${id}-desc`, dataset: { scale: "linear" } });
  svg.append(
    s("title", { id: `${id}-title` }, `${title} (linear scale)`),
    s("desc", { id: `${id}-desc` }, rows.map((r) => `${r.label}: ${valueText(r, currency)}`).join("; "))
  );
  const grid = s("g", { class: "grid" });
  const axis = s("g", { class: "axis" });
  const baseY = top + rows.length * rowH;
  ticks.forEach((v, t) => {
    const tx = x(v);
    grid.append(s("line", { x1: tx, x2: tx, y1: top, y2: baseY }));
    axis.append(s("text", { x: tx, y: baseY + 18, "text-anchor": t === 0 ? "start" : t === 4 ? "end" : "middle", "font-size": 11 }, compact(v, currency)));
  });
  axis.append(s("line", { x1: label, x2: label + plotW, y1: baseY, y2: baseY }));
  svg.append(grid, axis);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const g = s("g", { class: `row${r.conditional ? " conditional" : ""}${r.open ? " open-ended" : ""}`, "data-key": r.key });
    g.append(s("title", {}, `${r.label}: ${valueText(r, currency)}`));
    g.append(s("text", { x: 0, y: stacked ? y + 16 : y + 24, "font-size": 13, "font-weight": 600 }, fit(r.label, (stacked ? width : label) - 10, 7.4)));
    const x0 = x(r.min);
    const x1 = r.open ? label + plotW : x(r.max);
    g.append(s("rect", { class: "bar-range", x: x0, y: y + barY, width: Math.max(3, x1 - x0), height: 18, rx: 3 }));
    if (r.open) g.append(s("path", { class: "open-arrow", d: `M${x1 - 8},${y + barY - 2} L${x1},${y + barY + 9} L${x1 - 8},${y + barY + 20}` }));
    const vx = Math.min(x1 + 6, width - 4);
    const anchor = x1 + 6 + 80 > width && !stacked ? "end" : stacked && x1 > width - 90 ? "end" : "start";
    g.append(s("text", { class: "value", x: anchor === "end" ? Math.min(x1 - 6, width - 4) : vx, y: y + barY + 14, "text-anchor": anchor, "font-size": 12, "font-weight": 700 }, valueShort(r, currency)));
    svg.append(g);
  });
  return svg;
}

const valueShort = (r, cur) => (r.open ? `≥ ${compact(r.min, cur)}` : compact(r.max, cur));

function valueText(r, cur) {
  if (r.open) return `at least ${compact(r.min, cur)}, no upper bound known`;
  return `${Number(r.min) > 0 ? `${compact(r.min, cur)} – ` : "up to "}${compact(r.max, cur)}${r.conditional ? `, ${r.conditional}` : ""}`;
}

/** Vertical bars of counts (violations by severity / by jurisdiction). */
export function countChart({ id, title, entries, width, colors }) {
  const height = 200;
  const top = 18;
  const bottom = 28;
  const left = 30;
  const plotH = height - top - bottom;
  const top_ = Math.max(1, ...entries.map(([, n]) => n));
  const tickStep = Math.max(1, Math.ceil(niceMax(top_ / 4)));
  const vmax = Math.ceil(top_ / tickStep) * tickStep;
  const step = (width - left - 8) / Math.max(1, entries.length);
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

export const figure = (cls, caption, ...content) => h("figure", { class: cls }, h("figcaption", { class: "chart-title", text: caption }), ...content);
