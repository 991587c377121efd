/* One form control for one schema node, with a way to read its value back as JSON. */
import { h } from "./dom.js";
import { kindOf } from "./schema.js";

/** {control, read(), error()} for a scalar node (boolean, number, enum, string, money object). */
export function scalarControl(id, node, value, onChange) {
  const kind = kindOf(node);
  const fire = () => onChange && onChange();
  if (kind === "boolean") {
    const sel = h("select", { id, onchange: fire }, h("option", { value: "", text: "— not answered —" }), h("option", { value: "true", text: "yes" }), h("option", { value: "false", text: "no" }));
    sel.value = value === true ? "true" : value === false ? "false" : "";
    return { control: sel, read: () => (sel.value === "" ? undefined : sel.value === "true"), error: () => null };
  }
  if (kind === "enum") {
    const sel = h("select", { id, onchange: fire }, h("option", { value: "", text: "— not answered —" }), node.enum.filter((e) => e !== null).map((e) => h("option", { value: String(e), text: String(e).replace(/_/g, " ") })));
    sel.value = value === undefined || value === null ? "" : String(value);
    return { control: sel, read: () => (sel.value === "" ? undefined : node.enum.find((e) => String(e) === sel.value)), error: () => null };
  }
  if (kind === "integer" || kind === "number") {
    const inp = h("input", { id, type: "number", inputmode: kind === "integer" ? "numeric" : "decimal", step: kind === "integer" ? "1" : "any", min: node.minimum, max: node.maximum, oninput: fire });
    if (typeof value === "number") inp.value = String(value);
    const read = () => (inp.value.trim() === "" ? undefined : Number(inp.value));
    const error = () => {
      const v = read();
      if (v === undefined) return null;
      if (Number.isNaN(v)) return "not a number";
      if (kind === "integer" && !Number.isInteger(v)) return "a whole number";
      if (node.minimum !== undefined && v < node.minimum) return `at least ${node.minimum}`;
      if (node.maximum !== undefined && v > node.maximum) return `at most ${node.maximum}`;
      return null;
    };
    return { control: inp, read, error };
  }
  const inp = h("input", { id, type: "text", autocomplete: "off", maxlength: node.maxLength, oninput: fire });
  if (typeof value === "string") inp.value = value;
  else if (value !== undefined && value !== null) inp.value = JSON.stringify(value);
  const read = () => {
    const t = inp.value;
    if (t.trim() === "") return undefined;
    if (kind === "object" || kind === "array") {
      try {
        return JSON.parse(t);
      } catch {
        return t;
      }
    }
    return t;
  };
  const error = () => {
    const v = read();
    if (v === undefined) return null;
    if ((kind === "object" || kind === "array") && typeof v === "string") return `JSON for ${kind === "object" ? "an object" : "a list"}`;
    if (node.minLength && String(v).length < node.minLength) return `at least ${node.minLength} characters`;
    if (node.pattern && typeof v === "string" && !new RegExp(node.pattern).test(v)) return `matching ${node.pattern}`;
    return null;
  };
  return { control: inp, read, error };
}
