/* Insufficient information as questions in place: answering one sets the fact and re-evaluates. */
import { $, h } from "./dom.js";
import { editor, setEditorText } from "./editor.js";
import { evaluateEditor } from "./evaluate.js";
import { status } from "./dom.js";
import { getAt, humanize, loadSchema, schemaAt, setAt } from "./schema.js";
import { scalarControl } from "./widgets.js";

let counter = 0;

/** "How many individuals … (China export individuals per year)?" from a path and its schema node. */
export function questionText(path, node) {
  const name = humanize(String(path).split(".").pop().replace(/\[\d+\]$/, ""));
  const desc = node && node.description ? node.description.replace(/^regulint addition:\s*/i, "") : "";
  return { label: name, help: desc };
}

/** A form asking for each missing fact of one insufficient-information entry. */
export function questionsFor(entry) {
  const missing = Array.isArray(entry.missing) ? entry.missing : [];
  if (!missing.length) return null;
  const form = h("form", { class: "questions" });
  const fields = [];
  const placeholder = h("p", { class: "help", text: `Missing: ${missing.join(", ")}` });
  form.append(placeholder);
  loadSchema()
    .then((schema) => {
      let doc = {};
      try {
        doc = JSON.parse(editor().value);
      } catch {
        doc = {};
      }
      placeholder.remove();
      for (const path of missing) {
        const node = schemaAt(schema, path) || {};
        const id = `q-${++counter}`;
        const { label, help } = questionText(path, node);
        const ctl = scalarControl(id, node, getAt(doc, path));
        if (help) ctl.control.setAttribute("aria-describedby", `${id}-help`);
        fields.push({ path, ctl });
        form.append(h("div", { class: "field question", dataset: { path } }, h("label", { for: id, text: label }), ctl.control, help ? h("p", { id: `${id}-help`, class: "help", text: `${help} (${path})` }) : h("p", { class: "help" }, h("code", { text: path }))));
      }
      form.append(h("button", { type: "submit", class: "secondary", text: "Answer and re-evaluate" }));
    })
    .catch((err) => {
      placeholder.textContent = `Missing: ${missing.join(", ")} (the form could not be built: ${err.message})`;
    });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let doc;
    try {
      doc = JSON.parse(editor().value);
    } catch {
      status("The description in the editor is not valid JSON: fix it first.", "error", "evaluate");
      return;
    }
    const bad = fields.map((f) => [f.path, f.ctl.error()]).filter(([, e]) => e);
    if (bad.length) {
      status(`Check ${bad.map(([p, e]) => `${p}: expected ${e}`).join("; ")}.`, "error", "evaluate");
      return;
    }
    let answered = 0;
    for (const f of fields) {
      const v = f.ctl.read();
      if (v !== undefined) {
        setAt(doc, f.path, v);
        answered += 1;
      }
    }
    if (!answered) {
      status("Answer at least one question first.", "error", "evaluate");
      return;
    }
    setEditorText(JSON.stringify(doc, null, 2));
    const ev2 = await evaluateEditor();
    if (ev2) $("#report").focus();
  });
  return form;
}
