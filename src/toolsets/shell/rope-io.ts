import type { CommandContext, ExecResult } from "just-bash";
import { latin1FromBytes } from "just-bash";
import { decodeBuffer, decodeRope, encodeRope, type Rope, ropeLength } from "../../world/content.js";
import type { Session } from "./session.js";
import { errorText as strerror } from "./host-fs.js";

/**
 * How rope-aware commands read and write content. Input comes from a file (read inside `ropeAware`, so a large
 * file arrives as its rope, not its bytes) or from stdin (a pipe carries the rope's string form); output is the
 * rope's string form with `stdoutKind: "bytes"`, so the next command, a redirect or ssh gets the rope whole.
 */
export type Input = { rope: Rope; name: string; path: string | null } | { error: string };

type Ctx = Pick<CommandContext, "cwd" | "stdin">;

/** The content of operand `op` ("-" is stdin), or the message GNU tools print when it cannot be read. */
export async function readInput(s: Session, ctx: Ctx, op: string, tool: string): Promise<Input> {
  if (op === "-") return { rope: decodeRope(latin1FromBytes(ctx.stdin)), name: "-", path: null };
  const path = s.fs.resolvePath(ctx.cwd, op);
  try {
    const st = await s.fs.stat(path);
    if (st.isDirectory) return { error: `${tool}: ${op}: Is a directory\n` };
    const stored = await s.fs.ropeAware(() => s.fs.readFileBuffer(path));
    return { rope: decodeBuffer(stored), name: op, path };
  } catch (e) {
    return { error: `${tool}: ${op}: ${errorText(e)}\n` };
  }
}

export function stdinRope(ctx: Ctx): Rope {
  return decodeRope(latin1FromBytes(ctx.stdin));
}

/** strerror of a filesystem error (GNU's words), "No such file or directory" when it is not one. */
export function errorText(e: unknown): string {
  return strerror(e);
}

/** A result whose stdout is `rope` (string form, bytes). */
export function ropeResult(rope: Rope, stderr = "", exitCode = 0): ExecResult {
  return { stdout: encodeRope(rope), stderr, exitCode, stdoutKind: "bytes", stdoutEncoding: "binary" };
}

/** Write `rope` to `path` (through the host's disk and audit). */
export async function writeRope(s: Session, path: string, rope: Rope): Promise<void> {
  await s.fs.writeFile(path, encodeRope(rope), "binary");
}

/** Whether `op` names an existing path (for messages that differ between a missing and an unreadable file). */
export async function exists(s: Session, cwd: string, op: string): Promise<boolean> {
  return s.fs.exists(s.fs.resolvePath(cwd, op));
}

/** GNU size suffixes: K=1024, KB=1000, KiB=1024, M, G, T, P, E; b=512 (head/tail/split/truncate). */
export function parseSize(text: string, allowB = true): number | null {
  const m = text.match(/^(\d+)([KMGTPEZY]?)(B|iB)?$|^(\d+)(b)$/);
  if (!m) return null;
  if (m[5] === "b") return allowB ? Number(m[4]) * 512 : null;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  if (!unit) return m[3] ? null : n;
  const power = "KMGTPEZY".indexOf(unit) + 1;
  const base = m[3] === "B" ? 1000 : 1024;
  return n * base ** power;
}

export { ropeLength };
