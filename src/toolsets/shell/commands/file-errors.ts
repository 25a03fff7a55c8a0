import type { Command, CommandContext, ExecResult } from "just-bash";
import { defineCommand } from "just-bash";
import { errorCode } from "../host-fs.js";
import { noiseBytes } from "../noise.js";
import { EXECUTE, READ, WRITE } from "../permissions.js";
import type { Session } from "../session.js";
import { SHORT_VALUES, splitClusters, withInfoTexts } from "./gnu-args.js";

type Problem = "EACCES" | "ENOENT" | "EISDIR" | "ENOTDIR";

const TEXT: Record<Problem, string> = {
  EACCES: "Permission denied",
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
};

/** How one text tool takes its file operands and words its errors (checked against Debian 12's). */
interface FileErrorSpec {
  name: string;
  /** Short options that take a value. */
  shortValues: string;
  /** Long options that take a value (without --; `--x=v` is always one word). */
  longValues: string[];
  /** Long options among `longValues` that take two words (jq's `--arg NAME VALUE`). */
  longPairs?: string[];
  /** Leading operands that are not files (a pattern, a script), unless one of `unlessGiven` is. */
  leading: number;
  unlessGiven?: string[];
  message: (file: string, problem: Problem) => string;
  exitCode: number;
  /** Options that make a directory operand fine (grep -r). */
  dirsWith?: string[];
  /** A tool of two operands (diff, comm, join): with one unreadable it does not run at all. */
  allOrNothing?: boolean;
}

const simple = (name: string, shortValues = "", longValues: string[] = []): FileErrorSpec => ({
  name,
  shortValues,
  longValues,
  leading: 0,
  message: (f, p) => `${name}: ${f}: ${TEXT[p]}\n`,
  exitCode: 1,
});

const GREP_VALUES = "efmABCDd";
const GREP_LONG = [
  "regexp",
  "file",
  "max-count",
  "after-context",
  "before-context",
  "context",
  "include",
  "exclude",
  "exclude-dir",
  "label",
  "color",
  "colour",
  "devices",
  "directories",
  "binary-files",
  "exclude-from",
];

/** GNU's words for the tools that just-bash words differently. */
const SPECS: FileErrorSpec[] = [
  ...["grep", "egrep", "fgrep"].map((name) => ({
    name,
    shortValues: GREP_VALUES,
    longValues: GREP_LONG,
    leading: 1,
    unlessGiven: ["-e", "-f", "--regexp", "--file"],
    message: (f: string, p: Problem) => `grep: ${f}: ${TEXT[p]}\n`,
    exitCode: 2,
    dirsWith: ["-r", "-R", "--recursive", "--dereference-recursive", "-d"],
  })),
  {
    name: "sed",
    shortValues: "efl",
    longValues: ["expression", "file", "line-length"],
    leading: 1,
    unlessGiven: ["-e", "-f", "--expression", "--file"],
    message: (f, p) =>
      p === "EISDIR" ? `sed: read error on ${f}: Is a directory\n` : `sed: can't read ${f}: ${TEXT[p]}\n`,
    exitCode: 2,
  },
  {
    name: "awk",
    shortValues: "fvF",
    longValues: [],
    leading: 1,
    unlessGiven: ["-f"],
    message: (f, p) => (p === "EISDIR" ? "awk: read error (Is a directory)\n" : `awk: cannot open ${f} (${TEXT[p]})\n`),
    exitCode: 2,
  },
  {
    name: "sort",
    shortValues: "kotSTy",
    longValues: [
      "key",
      "output",
      "field-separator",
      "buffer-size",
      "temporary-directory",
      "parallel",
      "files0-from",
      "batch-size",
      "sort",
      "random-source",
      "compress-program",
    ],
    leading: 0,
    message: (f, p) =>
      p === "EISDIR" ? `sort: read failed: ${f}: Is a directory\n` : `sort: cannot read: ${f}: ${TEXT[p]}\n`,
    exitCode: 2,
  },
  {
    name: "tac",
    shortValues: "s",
    longValues: ["separator"],
    leading: 0,
    message: (f, p) =>
      p === "EISDIR"
        ? `tac: ${f}: read error: Invalid argument\n`
        : `tac: failed to open '${f}' for reading: ${TEXT[p]}\n`,
    exitCode: 1,
  },
  {
    name: "rev",
    shortValues: "",
    longValues: [],
    leading: 0,
    message: (f, p) => (p === "EISDIR" ? `rev: ${f}: 0: Is a directory\n` : `rev: cannot open ${f}: ${TEXT[p]}\n`),
    exitCode: 1,
  },
  {
    name: "uniq",
    shortValues: "fsw",
    longValues: ["skip-fields", "skip-chars", "check-chars", "group", "all-repeated"],
    leading: 0,
    message: (f, p) => (p === "EISDIR" ? `uniq: error reading '${f}'\n` : `uniq: ${f}: ${TEXT[p]}\n`),
    exitCode: 1,
  },
  {
    name: "column",
    shortValues: "csoNOEHWRrClT",
    longValues: [],
    leading: 0,
    message: (f, p) => (p === "EISDIR" ? "column: read failed: Is a directory\n" : `column: ${f}: ${TEXT[p]}\n`),
    exitCode: 1,
  },
  {
    name: "jq",
    shortValues: "f",
    longValues: ["arg", "argjson", "slurpfile", "rawfile", "indent", "from-file"],
    longPairs: ["arg", "argjson", "slurpfile", "rawfile"],
    leading: 1,
    unlessGiven: ["-f", "--from-file"],
    message: (f, p) => `jq: error: Could not open ${f}: ${TEXT[p]}\n`,
    exitCode: 2,
  },
  {
    name: "head",
    shortValues: "nc",
    longValues: ["lines", "bytes"],
    leading: 0,
    message: (f, p) =>
      p === "EISDIR"
        ? `head: error reading '${f}': Is a directory\n`
        : `head: cannot open '${f}' for reading: ${TEXT[p]}\n`,
    exitCode: 1,
  },
  {
    name: "tail",
    shortValues: "ncs",
    longValues: ["lines", "bytes", "sleep-interval", "pid", "max-unchanged-stats"],
    leading: 0,
    message: (f, p) =>
      p === "EISDIR"
        ? `tail: error reading '${f}': Is a directory\n`
        : `tail: cannot open '${f}' for reading: ${TEXT[p]}\n`,
    exitCode: 1,
  },
  { ...simple("cut", "bcdf", ["bytes", "characters", "delimiter", "fields", "output-delimiter"]) },
  simple("paste", "d", ["delimiters"]),
  simple("nl", "bdfhilnsvw", [
    "body-numbering",
    "section-delimiter",
    "footer-numbering",
    "header-numbering",
    "line-increment",
    "join-blank-lines",
    "number-format",
    "number-separator",
    "starting-line-number",
    "number-width",
  ]),
  simple("fold", "w", ["width"]),
  simple("expand", "t", ["tabs"]),
  simple("unexpand", "t", ["tabs"]),
  { ...simple("comm", "", ["output-delimiter"]), allOrNothing: true },
  { ...simple("join", "jeotv12", []), allOrNothing: true },
  {
    ...simple("diff", "CUDFIxXLS", [
      "context",
      "unified",
      "ifdef",
      "label",
      "exclude",
      "exclude-from",
      "ignore-matching-lines",
      "show-function-line",
      "starting-file",
      "width",
      "tabsize",
    ]),
    exitCode: 2,
    dirsWith: ["-r", "--recursive"],
    allOrNothing: true,
  },
];

/**
 * The bundled tool says "No such file or directory" for a file it could not read on its way (grep -r): where
 * the file is there, say why it could not be read.
 */
async function reworded(s: Session, spec: FileErrorSpec, ctx: CommandContext, r: ExecResult): Promise<ExecResult> {
  if (!r.stderr.includes("No such file or directory")) return r;
  const lines = r.stderr.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = (lines[i] as string).match(new RegExp(`^(${spec.name}): (.+): No such file or directory$`));
    if (!m) continue;
    const why = await s.fs.readFailure(s.fs.resolvePath(ctx.cwd, m[2] as string));
    if (why)
      lines[i] = spec.message(m[2] as string, why === "Permission denied" ? "EACCES" : "ENOENT").replace(/\n$/, "");
  }
  return { ...r, stderr: lines.join("\n") };
}

/** mkstemp's six characters (deterministic per path). */
function tempSuffix(path: string): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...noiseBytes(`sed:${path}`, 6)].map((b) => chars[b % chars.length]).join("");
}

/** The operands of a command line as the tool sees them. */
function fileOperands(spec: FileErrorSpec, args: string[]): { index: number; word: string }[] {
  const out: { index: number; word: string }[] = [];
  let leading = spec.leading;
  if (
    spec.unlessGiven &&
    args.some((a) =>
      spec.unlessGiven?.some(
        (o) => a === o || a.startsWith(`${o}=`) || (o.length === 2 && a.startsWith(o) && !a.startsWith("--")),
      ),
    )
  )
    leading = 0;
  let ended = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (!ended && a === "--") {
      ended = true;
      continue;
    }
    if (!ended && a.startsWith("--") && a.length > 2) {
      if (!a.includes("=") && spec.longValues.includes(a.slice(2))) i += spec.longPairs?.includes(a.slice(2)) ? 2 : 1;
      continue;
    }
    if (!ended && a.startsWith("-") && a.length > 1) {
      // a cluster like -rn or -A3 or -e PATTERN
      for (let j = 1; j < a.length; j++) {
        if (spec.shortValues.includes(a[j] as string)) {
          if (j + 1 === a.length) i++;
          break;
        }
      }
      continue;
    }
    if (leading > 0) {
      leading--;
      continue;
    }
    if (a !== "-") out.push({ index: i, word: a });
  }
  return out;
}

/**
 * Wrap one of just-bash's text tools so that an operand it cannot read is reported as GNU reports it (just-bash
 * says "No such file or directory" for every failure): each unreadable, missing or directory operand gets the
 * real message and is left out; the tool runs on the others. One operand — the usual case — is exact.
 */
function withFileErrors(s: Session, spec: FileErrorSpec): Command {
  return defineCommand(spec.name, async (given, ctx) =>
    withInfoTexts(spec.name, given, async () => {
      if (spec.name !== "sed")
        return checked(s, spec, splitClusters(given, SHORT_VALUES[spec.name] ?? spec.shortValues), ctx);
      const { args, suffix } = sedBackupSuffix(given);
      const words = splitClusters(args, SHORT_VALUES.sed ?? "");
      if (suffix) await sedBackups(s, spec, words, suffix, ctx.cwd);
      return checked(s, spec, words, ctx);
    }),
  );
}

/**
 * GNU sed's `-i[SUFFIX]` / `--in-place=SUFFIX` (attached, never a separate word): the suffix taken out, `-i` left
 * for the bundled sed, which has no backups.
 */
function sedBackupSuffix(given: string[]): { args: string[]; suffix: string | null } {
  let suffix: string | null = null;
  const args: string[] = [];
  for (const a of given) {
    if (a === "--") {
      args.push(...given.slice(given.indexOf(a)));
      break;
    }
    const long = /^--in-place=(.+)$/.exec(a);
    const short = /^-([nrEsuz]*)i(.+)$/.exec(a);
    if (long) {
      suffix = long[1]!;
      args.push("-i");
    } else if (short) {
      suffix = short[2]!;
      args.push(short[1] ? `-${short[1]}i` : "-i");
    } else args.push(a);
  }
  return { args, suffix };
}

/** Each readable file operand saved as its backup (`*` in the suffix stands for the file's name), as sed keeps it. */
async function sedBackups(s: Session, spec: FileErrorSpec, args: string[], suffix: string, cwd: string): Promise<void> {
  for (const { word } of fileOperands(spec, args)) {
    const path = s.fs.resolvePath(cwd, word);
    const slash = path.lastIndexOf("/");
    const dir = path.slice(0, slash) || "/";
    const base = path.slice(slash + 1);
    const backup = suffix.includes("*") ? s.fs.resolvePath(dir, suffix.replaceAll("*", base)) : `${path}${suffix}`;
    try {
      const st = await s.fs.stat(path);
      if (!st.isFile) continue;
      await s.fs.cp(path, backup);
      await s.fs.utimes(backup, st.mtime, st.mtime);
    } catch {
      // what sed cannot read or write is reported by the run itself
    }
  }
}

/** The path a process substitution is given as (bash's /dev/fd/63, 62, …). */
const PROCESS_SUBSTITUTION = /^\/dev\/fd\/\d+$/;

async function checked(s: Session, spec: FileErrorSpec, given: string[], ctx: CommandContext): Promise<ExecResult> {
  {
    if (!ctx.origCommand) return { stdout: "", stderr: "", exitCode: 1 };
    let args = given;
    if (spec.name === "paste" && fileOperands(spec, args).length === 0 && !args.includes("-")) args = [...args, "-"];
    const dirsOk = spec.dirsWith?.some((o) =>
      args.some((a) => a === o || (o.length === 2 && /^-[a-zA-Z]+$/.test(a) && a.includes(o[1] as string))),
    );
    const operands = fileOperands(spec, args);
    const bad = new Map<number, string>();
    for (const { index, word } of operands) {
      // a process substitution's pipe (`diff <(…) <(…)`) is the interpreter's: the tool reads it there
      if (PROCESS_SUBSTITUTION.test(word)) continue;
      const path = s.fs.resolvePath(ctx.cwd, word);
      let problem: Problem | null = null;
      try {
        const info = await s.fs.info(path, true);
        if (info.kind === "dir") problem = dirsOk ? null : "EISDIR";
        else if (!(await s.fs.access(path, READ))) problem = "EACCES";
      } catch (e) {
        const code = errorCode(e);
        problem = code === "EACCES" || code === "ENOTDIR" ? code : "ENOENT";
      }
      if (problem) bad.set(index, spec.message(word, problem));
    }
    if (spec.name === "sed" && args.some((a) => a === "-i" || a.startsWith("--in-place") || /^-[a-zA-Z]*i/.test(a))) {
      // sed -i writes a temporary file beside each file, then renames it over the file
      for (const { index, word } of operands) {
        if (bad.has(index)) continue;
        const path = s.fs.resolvePath(ctx.cwd, word);
        const dir = path.slice(0, path.lastIndexOf("/")) || "/";
        if (!(await s.fs.access(dir, WRITE | EXECUTE))) {
          const shownDir = word.includes("/") ? word.slice(0, word.lastIndexOf("/")) || "/" : ".";
          const tmp = `sed${tempSuffix(path)}`;
          return {
            stdout: "",
            stderr: `sed: couldn't open temporary file ${shownDir}/${tmp}: Permission denied\n`,
            exitCode: 4,
          };
        }
      }
    }
    if (bad.size === 0) return reworded(s, spec, ctx, await ctx.origCommand(args));
    const stderr = [...bad.values()].join("");
    const quiet =
      spec.name.endsWith("grep") &&
      args.some((a) => a === "-s" || a === "--no-messages" || (/^-[a-zA-Z]+$/.test(a) && a.includes("s")));
    const remaining = operands.filter((o) => !bad.has(o.index));
    let r: ExecResult = { stdout: "", stderr: "", exitCode: 0 };
    if (remaining.length > 0 && !spec.allOrNothing) {
      const kept = args.filter((_, i) => !bad.has(i));
      const multi =
        operands.length > 1 && spec.name.endsWith("grep") && !args.some((a) => a === "-h" || a === "--no-filename");
      r = await ctx.origCommand(multi && remaining.length === 1 ? ["-H", ...kept] : kept);
    }
    r = await reworded(s, spec, ctx, r);
    return { ...r, stderr: (quiet ? "" : stderr) + r.stderr, exitCode: Math.max(r.exitCode, spec.exitCode) };
  }
}

export const FILE_ERROR_COMMANDS = new Set(SPECS.map((spec) => spec.name));

export function fileErrorCommands(s: Session): Command[] {
  return SPECS.map((spec) => withFileErrors(s, spec));
}
