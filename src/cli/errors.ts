import { createColors } from "picocolors";
import { redact } from "../models/providers/redact.js";

const pc = createColors(!!process.stderr.isTTY && !("NO_COLOR" in process.env));

/** A problem with what the user asked for: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Exit codes of every command (documented in the README and `peerbench run --help`):
 * 0 everything asked for is done; 1 `run`: some trials ended in an error (recorded; --resume runs them again);
 * 2 bad input or a problem to fix before going on (a missing file, a directory in use, a full disk), said in one
 * line, nothing recorded lost; 3 `run` stopped before the end, by --max-cost or a signal (--resume continues);
 * 4 a bug in peerbench.
 */
export const EXIT = { done: 0, trialErrors: 1, badInput: 2, stopped: 3, bug: 4 } as const;

const USER_ERRORS = new Set([
  "UsageError",
  "InputError",
  "RunDirError",
  "RunWriteError",
  "InvalidArgumentError",
  "PackError",
]);

/** Print an error the way users should meet it: one line, no secret, no stack trace (PEERBENCH_DEBUG=1 shows it). */
export function reportError(e: unknown): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const user = USER_ERRORS.has(err.name) || USER_ERRORS.has(err.constructor?.name ?? "");
  // a pack manifest's problems (src/packs/load.ts) are one line each, FILE:LINE:COL: all of them are shown
  const lines = err.name === "PackError" ? err.message.split("\n") : [err.message.split("\n")[0] ?? ""];
  for (const line of lines) process.stderr.write(`${pc.red("peerbench: error:")} ${redact(line)}\n`);
  if (!user) process.stderr.write("This looks like a bug in peerbench; rerun with PEERBENCH_DEBUG=1 to see where.\n");
  if (process.env.PEERBENCH_DEBUG) process.stderr.write(`${redact(err.stack ?? "")}\n`);
  return user ? EXIT.badInput : EXIT.bug;
}
