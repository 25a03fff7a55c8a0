import { createColors } from "picocolors";

const pc = createColors(!!process.stderr.isTTY && !("NO_COLOR" in process.env));

/** A problem with what the user asked for: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const USER_ERRORS = new Set(["UsageError", "InputError", "RunDirError", "InvalidArgumentError"]);

/** Print an error the way users should meet it: one line, no stack trace (PEERBENCH_DEBUG=1 shows it). */
export function reportError(e: unknown): number {
  const err = e instanceof Error ? e : new Error(String(e));
  const user = USER_ERRORS.has(err.name) || USER_ERRORS.has(err.constructor?.name ?? "");
  process.stderr.write(`${pc.red("peerbench: error:")} ${err.message.split("\n")[0]}\n`);
  if (!user) process.stderr.write("This looks like a bug in peerbench; rerun with PEERBENCH_DEBUG=1 to see where.\n");
  if (process.env.PEERBENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
  return user ? 2 : 1;
}
