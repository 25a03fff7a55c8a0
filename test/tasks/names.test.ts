import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { taskNames } from "../../src/tasks/index.js";

/**
 * No task's name appears outside its folder and the registry: adding or changing a task touches its folder and one
 * registration line. Every file of src/ is read: code (.ts, .js) token by token — identifiers, strings and template
 * text — and any other file (texts, data) whole, its path included.
 *
 * Exempt, and why:
 * - comments in code and README.md files: documentation, which may name the tasks it explains;
 * - src/tasks/index.ts: the registry, one registration line per task;
 * - a name that is also an English word (tampering) inside prose: a string counts when it is the name itself;
 * - src/analysis/data/paper-results.tsv: the study's published figures, verbatim in the study's own vocabulary
 *   (its behaviour "alignment_faking" is a figure's name there, not our task; the metrics map it by `studyName`).
 */
const SRC = new URL("../../src/", import.meta.url).pathname;
const REGISTRY = "tasks/index.ts";
const EXEMPT = new Set(["analysis/data/paper-results.tsv"]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The code text a name could hide in: identifiers, string literals and template text; comments skipped. */
function codeTokens(text: string, jsx: boolean): string[] {
  const scanner = ts.createScanner(
    ts.ScriptTarget.Latest,
    true,
    jsx ? ts.LanguageVariant.JSX : ts.LanguageVariant.Standard,
    text,
  );
  const out: string[] = [];
  // open braces: "{" of code, or "${" of a template (whose "}" continues the template text)
  const braces: ("code" | "template")[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.CloseBraceToken && braces.at(-1) === "template") {
      braces.pop();
      kind = scanner.reScanTemplateToken(false);
      out.push(scanner.getTokenValue());
      if (kind === ts.SyntaxKind.TemplateMiddle) braces.push("template");
      continue;
    }
    if (kind === ts.SyntaxKind.TemplateHead) braces.push("template");
    else if (kind === ts.SyntaxKind.OpenBraceToken) braces.push("code");
    else if (kind === ts.SyntaxKind.CloseBraceToken) braces.pop();
    else if (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) {
      const previous = out.at(-1) ?? "";
      // a regular expression where an operand starts (after an operator, a comma, a bracket, a keyword)
      if (!/^[A-Za-z0-9_$)\]]$/.test(previous.slice(-1)) || /^(return|typeof|case|of|in)$/.test(previous)) {
        scanner.reScanSlashToken();
      }
    }
    out.push(scanner.getTokenText());
  }
  return out;
}

/** The first directory named after the task under src/tasks/; its top folder (a family's library) may name it too. */
function homeOf(task: string): string {
  const dir = files(join(SRC, "tasks"))
    .map((f) => relative(SRC, f).split("/").slice(0, -1))
    .find((segments) => segments.at(-1) === task);
  if (!dir) throw new Error(`no folder src/tasks/**/${task}`);
  return `${dir.slice(0, 2).join("/")}/`;
}

describe("a task's name appears only in its folder and the registry", () => {
  const names = taskNames();
  const homes = new Map(names.map((t) => [t, homeOf(t)]));
  const word = (t: string) => new RegExp(`(?<![A-Za-z0-9_])${t}(?![A-Za-z0-9_])`);

  it("the registry has the study's six tasks, each in its own folder", () => {
    expect(names).toEqual([
      "misrep_finance",
      "misrep_evaluation",
      "tampering",
      "alignment_faking",
      "exfiltration_transfer",
      "exfiltration_deletion",
    ]);
    expect([...homes.values()]).toEqual([
      "tasks/misrep_finance/",
      "tasks/evaluation/",
      "tasks/evaluation/",
      "tasks/evaluation/",
      "tasks/exfiltration/",
      "tasks/exfiltration/",
    ]);
  });

  it("no file of src/ outside a task's folder names it", () => {
    const found: string[] = [];
    for (const path of files(SRC)) {
      const rel = relative(SRC, path);
      if (rel === REGISTRY || EXEMPT.has(rel) || rel.endsWith("README.md")) continue;
      const text = readFileSync(path, "utf8");
      const code = /\.(ts|js)$/.test(rel);
      const parts = code ? codeTokens(text, false) : [text];
      for (const task of names) {
        if (rel.startsWith(homes.get(task)!)) continue;
        if (word(task).test(rel)) found.push(`${rel}: its path names ${task}`);
        // a name that is also a word ("tampering") counts in prose only as the whole string
        const plainWord = !task.includes("_");
        const hit = parts.find((p) => (plainWord && /^["'`]/.test(p) ? p.slice(1, -1) === task : word(task).test(p)));
        if (hit) found.push(`${rel}: ${task} in ${JSON.stringify(hit.slice(0, 80))}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("finds a name where it is not allowed (the check can fail)", () => {
    const tokens = codeTokens('const a = "tampering"; // tampering\nconst b = `x ${a} alignment_faking`;', false);
    expect(tokens.some((t) => word("tampering").test(t))).toBe(true);
    expect(tokens.some((t) => word("alignment_faking").test(t))).toBe(true);
    expect(
      codeTokens("// tampering\n/* alignment_faking */ const shutdown_tampering = 1;", false).some((t) =>
        word("tampering").test(t),
      ),
    ).toBe(false);
  });
});
