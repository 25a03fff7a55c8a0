import type { Command, ExecResult } from "just-bash";
import { defineCommand, latin1FromBytes } from "just-bash";
import { decodeRope, hasToken, MATERIALIZE_MAX, materialize, ropeLength } from "../../../world/content.js";
import { shellQuote } from "../format.js";
import type { Session } from "../session.js";

/**
 * Commands that read text (grep, sed, awk, sort, …) know nothing of ropes. Given generated content on stdin or as
 * a file operand, they get its real bytes when it is small enough to read within a command line's time; larger
 * content (the weights) would take longer than a command line may run, and ends the way such a command does.
 */
const TEXT_FILTERS = [
  "grep",
  "egrep",
  "fgrep",
  "rg",
  "sed",
  "awk",
  "sort",
  "uniq",
  "comm",
  "cut",
  "paste",
  "tr",
  "rev",
  "nl",
  "fold",
  "expand",
  "unexpand",
  "column",
  "join",
  "tac",
  "jq",
  "yq",
  "xargs",
  "sqlite3",
];

/**
 * What a command line that runs past its time limit ends with: killed as under coreutils' `timeout`, nothing more
 * printed, status 124 — the same as the worker's hard wall clock (toolset.ts). `_ms` is the limit it ran past.
 */
export function pastTimeLimit(_ms: number): ExecResult {
  return { stdout: "", stderr: "", exitCode: 124 };
}

/** `uniq -c` prints each count as GNU does, right-aligned in seven columns ("%7lu "). */
function countWidth(name: string, args: string[], r: ExecResult): ExecResult {
  if (name !== "uniq" || !args.some((a) => a === "--count" || /^-[a-zA-Z]*c/.test(a))) return r;
  return { ...r, stdout: r.stdout.replace(/^ *(\d+) /gm, (_m, n: string) => `${n.padStart(7)} `) };
}

type Context = Parameters<Command["execute"]>[1];

export function textFilterCommands(s: Session, available: Set<string>): Command[] {
  const filtered = async (name: string, args: string[], ctx: Context): Promise<ExecResult> => {
    if (!ctx.origCommand) return { stdout: "", stderr: `bash: ${name}: command not found\n`, exitCode: 127 };
    const limit = ctx.limits.maxExecutionTimeMs;
    const stdin = latin1FromBytes(ctx.stdin);
    if (hasToken(stdin)) {
      const rope = decodeRope(stdin);
      if (ropeLength(rope) > MATERIALIZE_MAX || !ctx.exec) return pastTimeLimit(limit);
      return ctx.exec([name, ...args].map(shellQuote).join(" "), {
        cwd: ctx.cwd,
        stdin: Buffer.from(materialize(rope)).toString("latin1"),
        stdinKind: "bytes",
      });
    }
    // files it reads come as real bytes; a file too large to read in time ends it as a long command ends
    const r = await s.fs.asRealBytes(() => (ctx.origCommand as NonNullable<typeof ctx.origCommand>)(args));
    return r.tooLarge ? pastTimeLimit(limit) : r.value;
  };
  return TEXT_FILTERS.filter((n) => available.has(n)).map((name) =>
    defineCommand(name, async (args, ctx) => countWidth(name, args, await filtered(name, args, ctx))),
  );
}
