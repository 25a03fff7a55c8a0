import { existsSync, readFileSync } from "node:fs";
import type { Command, ExecResult } from "just-bash";
import { defineCommand } from "just-bash";

/**
 * What GNU's option parsing accepts and the bundled tools do not, and what every Debian tool answers to
 * --version and --help (the texts collected from Debian 12 in debian/versions and debian/help).
 */

const DATA = new URL("../debian/", import.meta.url);
const texts = new Map<string, string | null>();

/** A collected text (`versions/NAME.txt` or `help/NAME.txt`), or null when Debian's tool has none. */
export function debianText(kind: "versions" | "help", name: string): string | null {
  const key = `${kind}/${name}`;
  if (!texts.has(key)) {
    const url = new URL(`${kind}/${name}.txt`, DATA);
    texts.set(key, existsSync(url) ? readFileSync(url, "utf8") : null);
  }
  return texts.get(key) ?? null;
}

/** Short options that take a value, per bundled tool (GNU lets them be clustered: `-nk2`, `-sd+`, `-iA1`). */
export const SHORT_VALUES: Record<string, string> = {
  grep: "efmABCDd",
  egrep: "efmABCDd",
  fgrep: "efmABCDd",
  sort: "ktoST",
  cut: "bcdf",
  paste: "d",
  uniq: "fsw",
  nl: "bdfhilnsvw",
  fold: "w",
  expand: "t",
  unexpand: "t",
  join: "jto12e",
  seq: "fs",
  column: "csoNOEHWRrClT",
  comm: "",
  tr: "",
  sed: "efl",
  awk: "fvF",
  jq: "",
  diff: "CUDFIxXLS",
  basename: "s",
  date: "dfr",
};

/** Split GNU-style clusters into separate words: `-nk2` → `-n -k 2`, `-sd+` → `-s -d +`. */
export function splitClusters(args: string[], values: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      out.push(...args.slice(i));
      break;
    }
    if (!/^-[A-Za-z0-9]/.test(a) || a.length <= 2 || /^-\d+$/.test(a)) {
      out.push(a);
      continue;
    }
    let j = 1;
    for (; j < a.length; j++) {
      const c = a[j] as string;
      if (values.includes(c)) {
        out.push(`-${c}`);
        if (j + 1 < a.length) out.push(a.slice(j + 1));
        break;
      }
      if (!/[A-Za-z]/.test(c)) {
        out.push(`-${a.slice(j)}`);
        break;
      }
      out.push(`-${c}`);
    }
  }
  return out;
}

/** Tools whose own code answers --version/--help (their texts depend on who asks, or they are this toolset's). */
const OWN_TEXTS = new Set([
  "sudo",
  "ssh",
  "scp",
  "sftp",
  "rsync",
  "ssh-add",
  "ssh-keygen",
  "python3",
  "perl",
  "git",
  "openssl",
  "bc",
  "man",
]);

/** Whether `args` asks for --version or --help (before any `--`), and which. */
function infoRequest(args: string[]): "versions" | "help" | null {
  for (const a of args) {
    if (a === "--") return null;
    if (a === "--version") return "versions";
    if (a === "--help") return "help";
  }
  return null;
}

/** Answer --version/--help as Debian's tool does, else run `run`. */
export async function withInfoTexts(name: string, args: string[], run: () => Promise<ExecResult>): Promise<ExecResult> {
  const kind = OWN_TEXTS.has(name) ? null : infoRequest(args);
  if (kind) {
    const text = debianText(kind, name === "awk" ? "mawk" : name);
    if (text !== null) return { stdout: text, stderr: "", exitCode: 0 };
  }
  return run();
}

/** Wrap one of this toolset's commands so that --version and --help give Debian's texts. */
export function withDebianTexts(command: Command): Command {
  if (OWN_TEXTS.has(command.name)) return command;
  return {
    ...command,
    execute: (args, ctx) => withInfoTexts(command.name, args, () => command.execute(args, ctx)),
  };
}

/**
 * A bundled tool with GNU's argument habits: clustered options with values, paste reading stdin without an
 * operand, --version/--help texts.
 */
export function gnuArgsCommand(name: string): Command {
  return defineCommand(name, async (args, ctx) => {
    if (!ctx.origCommand) return { stdout: "", stderr: "", exitCode: 1 };
    const orig = ctx.origCommand;
    return withInfoTexts(name, args, async () => {
      let words = SHORT_VALUES[name] !== undefined ? splitClusters(args, SHORT_VALUES[name] as string) : args;
      if (name === "paste" && !words.some((w, i) => !w.startsWith("-") || w === "-" || words[i - 1] === "-d"))
        words = [...words, "-"];
      else if (name === "paste") {
        const operands = words.filter((w, i) => (!w.startsWith("-") || w === "-") && words[i - 1] !== "-d");
        if (operands.length === 0) words = [...words, "-"];
      }
      return orig(words);
    });
  });
}

export const CLUSTERED = new Set(Object.keys(SHORT_VALUES));
