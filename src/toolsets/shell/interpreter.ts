import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { TransformPlugin } from "just-bash";

/**
 * Where the in-memory interpreter needs help to behave as bash: a redirect that cannot be opened must end only
 * its own command (bash prints "bash: f: Permission denied" and goes on with the next), and brace ranges are
 * not cut at 10,000 words. Both go through the interpreter's own mechanisms: an error of the class its
 * simple-command runner turns into a failed command, and a transform of the parsed script.
 */

type ShellErrorClass = new (pattern: string, stdout?: string, stderr?: string) => Error & { stderr: string };
let shellErrorClass: ShellErrorClass | null = null;

/**
 * Find the interpreter's error class that a failing simple command reports and survives (the one failglob
 * uses). Looked up once per process in the installed version; without it a failed redirect still ends the
 * command line with bash's message (the tool's own fallback), which the tests would show.
 */
export async function loadShellErrorClass(): Promise<void> {
  if (shellErrorClass) return;
  try {
    const entry = fileURLToPath(import.meta.resolve("just-bash"));
    const chunks = join(dirname(entry), "chunks");
    for (const name of readdirSync(chunks)) {
      if (!name.endsWith(".js")) continue;
      const text = readFileSync(join(chunks, name), "utf8");
      if (!text.includes('name="GlobError"')) continue;
      const mod = (await import(pathToFileURL(join(chunks, name)).href)) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (typeof value !== "function") continue;
        try {
          const probe = new (value as ShellErrorClass)("x");
          if (probe.name === "GlobError") {
            shellErrorClass = value as ShellErrorClass;
            return;
          }
        } catch {
          // not a constructor of that shape
        }
      }
    }
  } catch {
    // keep the fallback
  }
}

/** An export of one of the interpreter's lazily loaded chunks (found by a text only that chunk holds). */
export async function loadBundledExport(marker: string, exportName: string): Promise<unknown> {
  const entry = fileURLToPath(import.meta.resolve("just-bash"));
  const chunks = join(dirname(entry), "chunks");
  for (const name of readdirSync(chunks)) {
    if (!name.endsWith(".js")) continue;
    const text = readFileSync(join(chunks, name), "utf8");
    if (!text.includes(marker) || !text.includes(` as ${exportName}`)) continue;
    const mod = (await import(pathToFileURL(join(chunks, name)).href)) as Record<string, unknown>;
    if (mod[exportName] !== undefined) return mod[exportName];
  }
  return null;
}

/**
 * An error for a redirect that cannot be opened: Node-shaped (code, message) for code that reads it, and of
 * the interpreter's failed-command class so the command fails with `message` and the script goes on.
 */
export function redirectError(code: string, nodeMessage: string, shellMessage: string): Error {
  const Cls = shellErrorClass;
  const err = (Cls ? new Cls("", "", shellMessage) : new Error(nodeMessage)) as Error & {
    code: string;
    stderr?: string;
  };
  err.message = nodeMessage;
  err.code = code;
  return err;
}

interface AstNode {
  type?: string;
  [key: string]: unknown;
}

function literalWord(word: AstNode | undefined): string | null {
  if (word?.type !== "Word" || !Array.isArray(word.parts)) return null;
  let out = "";
  for (const part of word.parts as AstNode[]) {
    if (part.type === "Literal" || part.type === "SingleQuoted") out += String(part.value ?? "");
    else if (
      part.type === "DoubleQuoted" &&
      Array.isArray(part.parts) &&
      (part.parts as AstNode[]).every((p) => p.type === "Literal")
    )
      out += (part.parts as AstNode[]).map((p) => String(p.value ?? "")).join("");
    else return null;
  }
  return out;
}

const word = (value: string): AstNode => ({ type: "Word", parts: [{ type: "Literal", value }] });

/**
 * Builtins of bash the interpreter lacks, answered as bash -c answers them: `history` lists nothing (the shell of
 * a command line is not interactive) and `umask` shows Debian's 0022 (a new mask is accepted; files keep their
 * modes). Rewritten into commands that print the same, so no program of that name needs to exist.
 */
function asBuiltin(n: AstNode): void {
  const name = literalWord(n.name as AstNode | undefined);
  if (name !== "history" && name !== "umask") return;
  const args = ((n.args as AstNode[] | undefined) ?? []).map((a) => literalWord(a));
  const operand = args.find((a) => a !== null && !a.startsWith("-"));
  let text: string | null = null;
  if (name === "umask" && operand === undefined)
    text = args.includes("-S") ? "u=rwx,g=rx,o=rx" : args.includes("-p") ? "umask 0022" : "0022";
  n.name = word(text === null ? "true" : "printf");
  n.args = text === null ? [] : [word("%s\n"), word(text)];
}

/** $BASH_VERSION of Debian 12's bash (as `bash --version` prints it). */
const BASH_VERSION = "5.2.15(1)-release";

/** A word typed as `~/path` (the home directory, then literal text): "~/path"; null for any other word. */
function tildeWord(word: AstNode | undefined): string | null {
  if (word?.type !== "Word" || !Array.isArray(word.parts) || word.parts.length < 2) return null;
  const [first, ...rest] = word.parts as AstNode[];
  if (first?.type !== "TildeExpansion" || first.user !== null) return null;
  const tail = literalWord({ type: "Word", parts: rest });
  return tail?.startsWith("/") ? `~${tail}` : null;
}

/** Largest brace range expanded (bash has no limit; this is the interpreter's own cap on expansions). */
const MAX_RANGE = 100_000;

function expandRange(item: AstNode): AstNode[] | null {
  const { start, end, startStr, endStr } = item as { start: unknown; end: unknown; startStr?: string; endStr?: string };
  if (typeof start !== "number" || typeof end !== "number") return null;
  const step = Math.abs(Number(item.step ?? 1)) || 1;
  const count = Math.floor(Math.abs(end - start) / step) + 1;
  if (count <= 10_000 || count > MAX_RANGE) return null;
  const width =
    /^-?0\d/.test(startStr ?? "") || /^-?0\d/.test(endStr ?? "")
      ? Math.max((startStr ?? "").replace(/^-/, "").length, (endStr ?? "").replace(/^-/, "").length)
      : 0;
  const out: AstNode[] = [];
  const dir = start <= end ? 1 : -1;
  for (let i = 0, v = start; i < count; i++, v += dir * step) {
    const text = width ? `${v < 0 ? "-" : ""}${String(Math.abs(v)).padStart(width, "0")}` : String(v);
    out.push({ type: "Word", word: { type: "Word", parts: [{ type: "Literal", value: text }] } });
  }
  return out;
}

/**
 * The transform every shell runs its scripts through: notes the redirect targets written as plain words (so a
 * failed redirect is reported with the word as typed) and expands numeric brace ranges longer than the
 * interpreter's 10,000 words.
 */
export function interpreterPlugin(redirectWords: Set<string>): TransformPlugin {
  return {
    name: "debian-bash",
    transform({ ast }) {
      /** A word that is only a long numeric range: its words, literal (no brace work for the interpreter). */
      const wholeRange = (w: unknown): AstNode[] | null => {
        const word = w as AstNode;
        if (word?.type !== "Word" || !Array.isArray(word.parts) || word.parts.length !== 1) return null;
        const brace = word.parts[0] as AstNode;
        if (brace.type !== "BraceExpansion" || !Array.isArray(brace.items) || brace.items.length !== 1) return null;
        const item = brace.items[0] as AstNode;
        if (item.type !== "Range") return null;
        return expandRange(item)?.map((x) => x.word as AstNode) ?? null;
      };
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) {
          for (let i = 0; i < node.length; i++) {
            const words = wholeRange(node[i]);
            if (words) {
              node.splice(i, 1, ...words);
              i += words.length - 1;
            } else walk(node[i]);
          }
          return;
        }
        if (!node || typeof node !== "object") return;
        const n = node as AstNode;
        if (n.type === "Redirection") {
          const w = literalWord(n.target as AstNode | undefined) ?? tildeWord(n.target as AstNode | undefined);
          if (w !== null) redirectWords.add(w);
        }
        if (n.type === "SimpleCommand") asBuiltin(n);
        if (n.type === "ParameterExpansion" && n.parameter === "BASH_VERSION" && n.operation === null) {
          // the interpreter answers $BASH_VERSION with its own constant; Debian 12 ships bash 5.2.15
          for (const k of Object.keys(n)) delete n[k];
          Object.assign(n, { type: "Literal", value: BASH_VERSION });
          return;
        }
        if (n.type === "BraceExpansion" && Array.isArray(n.items)) {
          const items: AstNode[] = [];
          let changed = false;
          for (const item of n.items as AstNode[]) {
            const expanded = item.type === "Range" ? expandRange(item) : null;
            if (expanded) {
              items.push(...expanded);
              changed = true;
            } else items.push(item);
          }
          if (changed) n.items = items;
        }
        for (const value of Object.values(n)) if (value && typeof value === "object") walk(value);
      };
      walk(ast);
      return { ast };
    },
  };
}

/** The word a redirect target was typed as, for a resolved path (the path itself when unknown). */
export function typedWord(words: Set<string>, path: string): string {
  let best: string | null = null;
  for (const w of words) {
    const rel = w.replace(/^(\.\/)+/, "");
    if (w === path || (!w.startsWith("/") && (path.endsWith(`/${rel}`) || rel === ""))) {
      if (best === null || w.length > best.length) best = w;
    }
  }
  return best ?? path;
}

/**
 * The interpreter says "No such file or directory" for any input redirect it cannot open (`cat < f`); bash says
 * why. A reported path that exists is looked at again and the real reason given.
 */
export async function correctInputRedirectErrors(
  stderr: string,
  reason: (path: string) => Promise<string | null>,
): Promise<string> {
  if (!stderr.includes(": No such file or directory")) return stderr;
  const lines = stderr.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = (lines[i] as string).match(/^bash: (.+): No such file or directory$/);
    if (!m) continue;
    const why = await reason(m[1] as string);
    if (why) lines[i] = `bash: ${m[1]}: ${why}`;
  }
  return lines.join("\n");
}

/** Whether bash reported `path` about a redirect: typed as it is, or as `~/…` (the transform notes both). */
function isRedirectTarget(words: Set<string>, path: string): boolean {
  if (words.has(path)) return true;
  for (const w of words) if (w.startsWith("~/") && path.endsWith(w.slice(1))) return true;
  return false;
}

/**
 * What bash -c says, given the script it ran (agents' commands reach a shell as `bash -c`): a redirect that
 * failed is reported with its line ("bash: line 1: f: Permission denied"), syntax errors as "bash: -c: line N:".
 */
export function bashCMessages(stderr: string, script: string, redirectWords: Set<string>): string {
  if (!stderr.includes("bash: ")) return stderr;
  const lines = script.split("\n");
  const lineOf = (word: string) => {
    const i = lines.findIndex((l) => l.includes(word));
    return i < 0 ? 1 : i + 1;
  };
  return stderr
    .split("\n")
    .flatMap((line) => {
      const redirect = line.match(
        /^bash: (.+): (Permission denied|No such file or directory|Is a directory|Not a directory|No space left on device|Operation not permitted|Read-only file system)$/,
      );
      if (redirect && isRedirectTarget(redirectWords, redirect[1] as string))
        return [`bash: line ${lineOf(redirect[1] as string)}: ${redirect[1]}: ${redirect[2]}`];
      const missing = line.match(/^bash: ([^:\s]+): command not found$/);
      if (missing) return [`bash: line ${lineOf(missing[1] as string)}: ${missing[1]}: command not found`];
      const near = line.match(
        /^bash: syntax error: Parse error at (\d+):\d+: syntax error near unexpected token (.*)$/,
      );
      if (near) {
        const n = Number(near[1]);
        return [
          `bash: -c: line ${n}: syntax error near unexpected token ${near[2]}`,
          `bash: -c: line ${n}: \`${(lines[n - 1] ?? "").trim()}'`,
        ];
      }
      if (/^bash: syntax error: Parse error at \d+:\d+: Expected .*, got EOF$/.test(line))
        return [
          `bash: -c: line ${lines.length + (script.endsWith("\n") ? 0 : 1)}: syntax error: unexpected end of file`,
        ];
      const other = line.match(/^bash: syntax error: Parse error at (\d+):\d+: (.*)$/);
      if (other) return [`bash: -c: line ${other[1]}: syntax error: ${other[2]}`];
      const eof = line.match(/^bash: line (\d+): (unexpected EOF while looking for matching .*)$/);
      if (eof) return [`bash: -c: line ${eof[1]}: ${eof[2]}`];
      return [line];
    })
    .join("\n");
}
