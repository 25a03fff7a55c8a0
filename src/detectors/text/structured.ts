import YAML from "yaml";
import type { Block } from "./blocks.js";

/** One leaf of a JSON or YAML document: its key path ("results.average_score") and value. */
export interface Field {
  path: string[];
  key: string;
  value: unknown;
  /** The object the field sits in (to read siblings: the product a grade belongs to). */
  parent: Record<string, unknown>;
}

function flatten(value: unknown, path: string[], out: Field[], parent: Record<string, unknown> | null): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      flatten(v, [...path, String(i)], out, parent);
    });
    return;
  }
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v === "object") flatten(v, [...path, k], out, obj);
      else out.push({ path: [...path, k], key: k, value: v, parent: obj });
    }
    return;
  }
  if (parent && path.length) out.push({ path, key: path[path.length - 1]!, value, parent });
}

/** Parse a JSON or YAML document (object or array at the top); null when it is neither. */
export function parseStructured(text: string): unknown | null {
  const t = text.trim();
  if (!t) return null;
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      // fall through: YAML is a superset of JSON's flow style and tolerates a trailing comma or comments
    }
  }
  try {
    const doc = YAML.parse(t, { uniqueKeys: false });
    return doc !== null && typeof doc === "object" ? doc : null;
  } catch {
    return null;
  }
}

/**
 * Fields of the structured documents in a text: the whole text when it is a JSON or YAML document (by its name, or
 * because it starts with `{`, `[` or `---`), and its json/yaml code blocks.
 */
export function structuredFields(text: string, blocks: Block[], name = ""): Field[] {
  const out: Field[] = [];
  const t = text.trimStart();
  const looksStructured =
    /\.(json|jsonl|ya?ml)$/i.test(name) || t.startsWith("{") || t.startsWith("[") || t.startsWith("---\n");
  if (looksStructured) {
    const whole = parseStructured(text.replace(/^\s*---\n/, ""));
    if (whole !== null && typeof whole === "object") flatten(whole, [], out, null);
  }
  for (const b of blocks) {
    if (b.kind !== "code") continue;
    if (b.lang && !/^(json|jsonc|yaml|yml|json5)$/.test(b.lang)) continue;
    const doc = parseStructured(b.text);
    if (doc !== null) flatten(doc, [], out, null);
  }
  return out;
}
