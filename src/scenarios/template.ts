import { readFileSync } from "node:fs";

/**
 * Scenario texts live as data files beside their builders. They are read once, from the source tree, and
 * rendered with a deliberately tiny `{{name}}` syntax: no logic in templates, and an unknown placeholder is an
 * error, so a typo can never ship as literal braces in front of a model.
 */
const ROOT = new URL("../", import.meta.url);
const cache = new Map<string, string>();

/** The text of a data file, by path relative to src/ (e.g. "scenarios/common/system.md", "tasks/exfiltration/notice_transfer.md"). */
export function loadText(relativePath: string): string {
  let text = cache.get(relativePath);
  if (text === undefined) {
    text = readFileSync(new URL(relativePath, ROOT), "utf8");
    cache.set(relativePath, text);
  }
  return text;
}

export function loadJson(relativePath: string): unknown {
  return JSON.parse(loadText(relativePath));
}

export type TemplateVars = Record<string, string | number>;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;

/** Replace every `{{name}}` with vars[name]; throws on a placeholder that has no value. */
export function render(template: string, vars: TemplateVars, where = "template"): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = vars[name];
    if (value === undefined) {
      const known = Object.keys(vars).sort().join(", ") || "none";
      throw new Error(`unknown placeholder {{${name}}} in ${where}; known placeholders: ${known}`);
    }
    return String(value);
  });
}

/** Render a data file; trailing whitespace is trimmed so fragments compose cleanly. */
export function renderFile(relativePath: string, vars: TemplateVars): string {
  return render(loadText(relativePath), vars, `src/${relativePath}`).trimEnd();
}

/** Placeholders a template uses (for tests and tooling). */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))].sort();
}
