/* The published JSON Schema of a product description: GET /v1/schemas/product when the server has it,
 * else the ProductDescription schema of /openapi.json. Helpers to walk it by path. */
import { get } from "./api.js";

let loading = null;

/** {doc, root}: the document refs resolve against and the product schema in it. */
export function loadSchema() {
  if (!loading) {
    loading = (async () => {
      const doc = await get("/openapi.json");
      if (doc.paths && doc.paths["/v1/schemas/product"]) {
        const own = await get("/v1/schemas/product");
        if (own && typeof own === "object" && own.properties) return { doc: own, root: own };
      }
      const schemas = (doc.components && doc.components.schemas) || {};
      const root = schemas.ProductDescription || schemas.Product;
      if (!root) throw new Error("the server publishes no product schema");
      return { doc, root };
    })();
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

/** A node with its $ref followed (once per level) and a nullable anyOf unwrapped; `nullable` kept. */
export function resolve(doc, node) {
  let n = node || {};
  let nullable = false;
  for (let guard = 0; guard < 10; guard++) {
    if (n.$ref) {
      const target = n.$ref
        .replace(/^#\//, "")
        .split("/")
        .reduce((o, k) => (o ? o[k.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), doc);
      n = { ...target, ...Object.fromEntries(Object.entries(n).filter(([k]) => k !== "$ref")) };
      continue;
    }
    const alts = n.anyOf || n.oneOf;
    if (alts) {
      const real = alts.filter((a) => a.type !== "null");
      if (real.length < alts.length) nullable = true;
      // A number that may also be written as a decimal string (Money.amount): ask for the number.
      const pick = real.length === 1 ? real[0] : real.find((a) => a.type === "number" || a.type === "integer");
      if (pick) {
        const { anyOf, oneOf, ...rest } = n;
        n = { ...pick, ...rest, ...(pick.description ? { description: pick.description } : {}) };
        continue;
      }
    }
    if (Array.isArray(n.allOf) && n.allOf.length === 1) {
      const { allOf, ...rest } = n;
      n = { ...allOf[0], ...rest };
      continue;
    }
    break;
  }
  return nullable ? { ...n, nullable: true } : n;
}

/** The schema of the value at a path such as `organization.annual_revenue` or `data_practices[0].purpose`. */
export function schemaAt(schema, path) {
  let node = resolve(schema.doc, schema.root);
  for (const seg of String(path).match(/[^.[\]]+|\[\d+\]/g) || []) {
    if (seg.startsWith("[")) node = resolve(schema.doc, node.items);
    else {
      const props = node.properties || {};
      if (props[seg]) node = resolve(schema.doc, props[seg]);
      else if (node.additionalProperties && typeof node.additionalProperties === "object") node = resolve(schema.doc, node.additionalProperties);
      else return null;
    }
  }
  return node;
}

/** The JSON type a node asks for: "object", "array", "boolean", "integer", "number", "string" or "enum". */
export function kindOf(node) {
  if (!node) return "string";
  if (Array.isArray(node.enum)) return "enum";
  if (node.const !== undefined) return "const";
  if (node.type) return Array.isArray(node.type) ? node.type.find((t) => t !== "null") : node.type;
  if (node.properties) return "object";
  if (node.items) return "array";
  return "string";
}

/** Set a value at a path in a document, creating objects and lists on the way. */
export function setAt(doc, path, value) {
  const segs = (String(path).match(/[^.[\]]+|\[\d+\]/g) || []).map((s) => (s.startsWith("[") ? Number(s.slice(1, -1)) : s));
  let o = doc;
  segs.forEach((seg, i) => {
    if (i === segs.length - 1) {
      if (value === undefined) {
        if (Array.isArray(o)) o.splice(seg, 1);
        else delete o[seg];
      } else o[seg] = value;
      return;
    }
    if (o[seg] === null || typeof o[seg] !== "object") o[seg] = typeof segs[i + 1] === "number" ? [] : {};
    o = o[seg];
  });
  return doc;
}

export function getAt(doc, path) {
  let o = doc;
  for (const seg of String(path).match(/[^.[\]]+|\[\d+\]/g) || []) {
    if (o === null || o === undefined) return undefined;
    o = seg.startsWith("[") ? o[Number(seg.slice(1, -1))] : o[seg];
  }
  return o;
}

/** "Cn export individuals per year" from a property name. */
export function humanize(name) {
  const s = String(name).replace(/_/g, " ").replace(/\bcn\b/gi, "China").replace(/\beu\b/gi, "EU").replace(/\bpi\b/gi, "PI");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
