/* The guided description builder: a form generated from the published JSON Schema (sections, questions
 * with the schema's descriptions as help, searchable pickers for enumerations, live validation), in sync
 * with the JSON editor (the "advanced" tab). Every control has data-path = its JSON path. */
import { API, get } from "./api.js";
import { $, $$, clear, debounce, h } from "./dom.js";
import { editor, setEditorText } from "./editor.js";
import { state } from "./meta.js";
import { getAt, humanize, kindOf, loadSchema, resolve, setAt } from "./schema.js";
import { scalarControl } from "./widgets.js";

const SECTION_ORDER = ["id", "name", "schema_version", "organization", "markets", "audience", "data_practices", "synthetic_media", "governance"];
const SECTION_TITLES = { organization: "Organisation", markets: "Markets", audience: "Audience", data_practices: "Data practices", synthetic_media: "Synthetic media", governance: "Governance" };
let schema = null;
let doc = {};
let writing = false;
let seq = 0;

const nextId = () => `b-${++seq}`;
const helpOf = (node) => (node && node.description ? node.description.replace(/^regulint addition:\s*/i, "") : "");

/** Write the builder's document to the editor (the editor is the single source of truth). */
function commit() {
  writing = true;
  setEditorText(JSON.stringify(doc, null, 2));
  writing = false;
  validate();
}

function field(path, node, labelText) {
  const id = nextId();
  const value = getAt(doc, path);
  const help = helpOf(node);
  const nullable = !!node.nullable;
  const ctl = scalarControl(id, node, value, () => {
    const err = ctl.error();
    errBox.textContent = err ? `Expected ${err}.` : "";
    ctl.control.setAttribute("aria-invalid", err ? "true" : "false");
    if (nullBox) nullBox.checked = false;
    if (!err) {
      setAt(doc, path, ctl.read());
      commit();
    }
  });
  ctl.control.dataset.path = path;
  const errBox = h("p", { class: "field-error", id: `${id}-err`, role: "status" });
  ctl.control.setAttribute("aria-describedby", `${id}-help ${id}-err`);
  const nullBox = nullable
    ? h("input", {
        type: "checkbox",
        id: `${id}-null`,
        class: "null-check",
        dataset: { path },
        checked: value === null,
        onchange: (e) => {
          setAt(doc, path, e.target.checked ? null : ctl.read());
          commit();
        },
      })
    : null;
  return h(
    "div",
    { class: "field builder-field" },
    h("label", { for: id, text: labelText || humanize(path.split(".").pop()) }),
    ctl.control,
    nullBox ? h("label", { class: "null-label", for: `${id}-null` }, nullBox, " none / no limit (null)") : null,
    h("p", { class: "help", id: `${id}-help` }, help ? `${help} ` : "", h("code", { text: path })),
    errBox
  );
}

/** Checkboxes for a list of enumerated values, with a search box when there are many. */
function enumList(path, itemNode, labelText) {
  const values = getAt(doc, path);
  const id = nextId();
  const opts = itemNode.enum.filter((e) => e !== null);
  const boxes = opts.map((o) => h("label", { class: "pick" }, h("input", { type: "checkbox", value: o, checked: Array.isArray(values) && values.includes(o), onchange: update }), ` ${String(o).replace(/_/g, " ")}`));
  const none = h("input", { type: "checkbox", class: "none-check", checked: Array.isArray(values) && !values.length, onchange: update });
  function update(e) {
    if (e && e.target === none && none.checked) for (const b of boxes) b.firstChild.checked = false;
    const picked = boxes.map((b) => b.firstChild).filter((b) => b.checked).map((b) => b.value);
    if (picked.length) none.checked = false;
    setAt(doc, path, picked.length ? picked : none.checked ? [] : undefined);
    commit();
  }
  const search =
    opts.length > 8
      ? h("input", {
          type: "search",
          id: `${id}-q`,
          "aria-label": `Search ${labelText || humanize(path.split(".").pop())}`,
          placeholder: "Search…",
          oninput: (e) => {
            const q = e.target.value.toLowerCase();
            for (const b of boxes) b.hidden = q && !b.textContent.toLowerCase().includes(q);
          },
        })
      : null;
  return h("fieldset", { class: "field builder-field picker", dataset: { path } }, h("legend", { text: labelText || humanize(path.split(".").pop()) }), helpOf(itemNode) ? h("p", { class: "help", text: helpOf(itemNode) }) : null, search, h("div", { class: "checks" }, boxes, h("label", { class: "pick" }, none, " none")));
}

/** A list of free strings as comma-separated text ("none" for an empty list). */
function stringList(path, node, labelText) {
  const id = nextId();
  const values = getAt(doc, path);
  const inp = h("input", {
    id,
    type: "text",
    autocomplete: "off",
    dataset: { path, list: "true" },
    "aria-describedby": `${id}-help`,
    oninput: debounce(() => {
      const t = inp.value.trim();
      setAt(doc, path, t === "" ? undefined : t.toLowerCase() === "none" ? [] : t.split(",").map((x) => x.trim()).filter(Boolean));
      commit();
    }, 200),
  });
  if (Array.isArray(values)) inp.value = values.length ? values.join(", ") : "none";
  const help = helpOf(node);
  return h("div", { class: "field builder-field" }, h("label", { for: id, text: labelText || humanize(path.split(".").pop()) }), inp, h("p", { class: "help", id: `${id}-help` }, help ? `${help} ` : "", "Separate values with commas; write “none” for an empty list. ", h("code", { text: path })));
}

const TAXONOMY_OF = { data_categories: "data_category", data_subjects: "data_subject" };
const taxonomies = {};

/** A searchable picker over a taxonomy's keys (data categories, data subjects). */
function taxonomyPicker(path, kind, node, labelText) {
  const id = nextId();
  const keys = taxonomies[kind] || [];
  const current = () => (Array.isArray(getAt(doc, path)) ? getAt(doc, path) : null);
  const name = labelText || humanize(path.split(".").pop());
  const chosen = h("ul", { class: "chosen", "aria-label": `Chosen ${name.toLowerCase()}` });
  const results = h("div", { class: "checks results" });
  const search = h("input", { type: "search", id: `${id}-q`, autocomplete: "off", placeholder: "Search, e.g. face, email, location", dataset: { path, taxonomy: kind }, "aria-describedby": `${id}-help`, oninput: () => draw() });
  const none = h("input", { type: "checkbox", class: "none-check", id: `${id}-none`, checked: Array.isArray(current()) && !current().length, onchange: () => set(none.checked ? [] : undefined) });
  function set(list) {
    setAt(doc, path, list);
    commit();
    draw();
  }
  function toggle(key, on) {
    const list = [...(current() || [])].filter((k) => k !== key);
    if (on) list.push(key);
    none.checked = false;
    set(list.length ? list : undefined);
  }
  function draw() {
    const list = current() || [];
    clear(chosen).append(...list.map((k) => h("li", {}, h("code", { text: k }), " ", h("button", { type: "button", class: "link-button", "aria-label": `Remove ${k}`, onclick: () => toggle(k, false), text: "remove" }))));
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    const hits = words.length ? keys.filter((k) => words.every((w) => k.toLowerCase().includes(w))).slice(0, 30) : [];
    clear(results).append(...hits.map((k) => h("label", { class: "pick" }, h("input", { type: "checkbox", value: k, checked: list.includes(k), onchange: (e) => toggle(k, e.target.checked) }), ` ${k}`)));
  }
  draw();
  return h(
    "fieldset",
    { class: "field builder-field taxonomy", dataset: { path } },
    h("legend", { text: name }),
    chosen,
    h("label", { for: `${id}-q`, text: `Find a ${kind.replace("_", " ")} key` }),
    search,
    h("p", { class: "help", id: `${id}-help` }, `${helpOf(node) ? `${helpOf(node)} ` : ""}Keys of the Fides taxonomy (and regulint's own); a key covers the keys under it. `, h("code", { text: path })),
    results,
    h("label", { class: "pick", for: `${id}-none` }, none, " none")
  );
}

function objectList(path, itemNode, labelText) {
  const items = getAt(doc, path);
  const name = labelText || humanize(path.split(".").pop());
  const singular = name.replace(/s$/, "").toLowerCase();
  const box = h("fieldset", { class: "builder-list", dataset: { path } }, h("legend", { text: name }));
  (Array.isArray(items) ? items : []).forEach((item, i) => {
    const p = `${path}[${i}]`;
    box.append(
      h(
        "div",
        { class: "builder-item panel" },
        h("p", { class: "item-title", text: `${humanize(singular)} ${i + 1}${item && item.id ? `: ${item.id}` : item && item.to ? ` to ${item.to}` : ""}` }),
        objectFields(p, itemNode),
        h("button", {
          type: "button",
          class: "secondary remove-item",
          text: `Remove ${singular} ${i + 1}`,
          onclick: () => {
            getAt(doc, path).splice(i, 1);
            commit();
            render();
          },
        })
      )
    );
  });
  box.append(
    h("button", {
      type: "button",
      class: "secondary add-item",
      dataset: { path },
      text: `Add a ${singular}`,
      onclick: () => {
        const list = getAt(doc, path);
        if (Array.isArray(list)) list.push({});
        else setAt(doc, path, [{}]);
        commit();
        render();
      },
    })
  );
  return box;
}

function nodeView(path, node, labelText) {
  const kind = kindOf(node);
  if (kind === "array") {
    const item = resolve(schema.doc, node.items || {});
    const ik = kindOf(item);
    if (ik === "object") return objectList(path, item, labelText);
    if (ik === "enum") return enumList(path, item, labelText);
    const kind = TAXONOMY_OF[path.split(".").pop()];
    if (kind && taxonomies[kind]) return taxonomyPicker(path, kind, node, labelText);
    return stringList(path, node, labelText);
  }
  if (kind === "object" && node.properties) {
    return h("fieldset", { class: "builder-group", dataset: { path } }, h("legend", { text: labelText || humanize(path.split(".").pop()) }), helpOf(node) ? h("p", { class: "help", text: helpOf(node) }) : null, objectFields(path, node));
  }
  return field(path, node, labelText);
}

function objectFields(path, node) {
  return Object.entries(node.properties || {}).map(([k, child]) => nodeView(path ? `${path}.${k}` : k, resolve(schema.doc, child)));
}

function section(key, node) {
  const title = SECTION_TITLES[key] || humanize(key);
  const optional = node.nullable && kindOf(node) === "object";
  const present = getAt(doc, key) !== undefined && getAt(doc, key) !== null;
  const id = `bs-${key}`;
  const body = optional && !present ? null : kindOf(node) === "object" && node.properties ? objectFields(key, node) : nodeView(key, node, title);
  return h(
    "details",
    { class: "builder-section panel", id, open: key !== "governance", dataset: { section: key } },
    h("summary", { text: title }),
    optional
      ? h(
          "label",
          { class: "pick" },
          h("input", {
            type: "checkbox",
            class: "section-toggle",
            dataset: { path: key },
            checked: present,
            onchange: (e) => {
              if (e.target.checked) setAt(doc, key, {});
              else setAt(doc, key, undefined);
              commit();
              render();
            },
          }),
          ` This product has ${title.toLowerCase()}`
        )
      : null,
    body
  );
}

function render() {
  const box = $("#builder-form");
  if (!schema) return;
  const open = new Set($$(".builder-section", box).filter((d) => !d.open).map((d) => d.dataset.section));
  const scroll = window.scrollY;
  const root = resolve(schema.doc, schema.root);
  const props = root.properties || {};
  const keys = [...SECTION_ORDER.filter((k) => props[k]), ...Object.keys(props).filter((k) => !SECTION_ORDER.includes(k))];
  const basics = keys.filter((k) => !SECTION_TITLES[k]);
  clear(box).append(
    h("details", { class: "builder-section panel", open: true, dataset: { section: "product" } }, h("summary", { text: "Product" }), basics.map((k) => nodeView(k, resolve(schema.doc, props[k])))),
    ...keys.filter((k) => SECTION_TITLES[k]).map((k) => section(k, resolve(schema.doc, props[k])))
  );
  for (const d of $$(".builder-section", box)) if (open.has(d.dataset.section)) d.open = false;
  window.scrollTo(0, scroll);
  validate();
}

/** Required fields that are missing, shown above the form (the server's validation is the last word). */
function validate() {
  const out = $("#builder-problems");
  if (!schema || !out) return;
  const problems = [];
  const walk = (node, value, path) => {
    const n = resolve(schema.doc, node);
    if (kindOf(n) === "object" && value && typeof value === "object" && !Array.isArray(value)) {
      for (const r of n.required || []) if (value[r] === undefined) problems.push(`${path ? `${path}.` : ""}${r} is required`);
      for (const [k, child] of Object.entries(n.properties || {})) if (value[k] !== undefined) walk(child, value[k], path ? `${path}.${k}` : k);
    } else if (kindOf(n) === "array" && Array.isArray(value)) {
      if (n.minItems && value.length < n.minItems) problems.push(`${path} needs at least ${n.minItems}`);
      value.forEach((x, i) => walk(n.items || {}, x, `${path}[${i}]`));
    }
  };
  walk(schema.root, doc, "");
  clear(out).append(problems.length ? h("ul", {}, problems.map((p) => h("li", { text: p }))) : h("p", { class: "help", text: "Nothing required is missing." }));
  out.dataset.count = String(problems.length);
}

/** Read the editor into the builder (when it holds a JSON object). */
function pull() {
  try {
    const parsed = JSON.parse(editor().value || "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      doc = parsed;
      $("#builder-sync").textContent = "";
      return true;
    }
  } catch {
    /* fall through */
  }
  $("#builder-sync").textContent = "The JSON tab holds text that is not a JSON object: fix it there before using the form.";
  return false;
}

function showTab(name) {
  for (const t of $$("#input-tabs [role=tab]")) {
    const on = t.dataset.tab === name;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(`#${t.getAttribute("aria-controls")}`).hidden = !on;
  }
  state.inputTab = name;
  if (name === "guided") openBuilder();
}

async function openBuilder() {
  const box = $("#builder-form");
  if (!schema) {
    box.textContent = "Loading the description schema…";
    try {
      schema = await loadSchema();
      await Promise.all(
        Object.values(TAXONOMY_OF).map(async (kind) => {
          try {
            taxonomies[kind] = (await get(`${API}/taxonomy/${kind}`)).items;
          } catch {
            /* an older server: free text instead of a picker */
          }
        })
      );
    } catch (err) {
      box.textContent = `The form cannot be built: ${err.message}. Use the JSON tab.`;
      return;
    }
  }
  if (pull()) render();
}

export function initBuilder() {
  const tabs = $$("#input-tabs [role=tab]");
  for (const t of tabs) {
    t.addEventListener("click", () => showTab(t.dataset.tab));
    t.addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowRight" && ev.key !== "ArrowLeft") return;
      const i = tabs.indexOf(t);
      const next = tabs[(i + (ev.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      next.focus();
      showTab(next.dataset.tab);
    });
  }
  editor().addEventListener("editor-change", () => {
    if (!writing && state.inputTab === "guided" && schema && pull()) render();
  });
  showTab("json");
}
