/**
 * Where a gate writes its markdown and JUnit files: checked before any work (so `run --fail-on` does not find out
 * after the run), written whole (a temporary file renamed into place), every failure one line.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { outputFileProblem } from "../run/output-file.js";

export class GateOutputError extends Error {
  override name = "UsageError";
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "ENOTDIR") return "a parent is not a directory";
  return (e as Error).message;
}

/** Throws a one-line GateOutputError when `file` (given as `flag`) cannot be written. */
export function checkOutputTarget(file: string, flag: string): void {
  const problem = outputFileProblem(file);
  if (problem === "directory") {
    throw new GateOutputError(
      `${flag} ${file} is a directory; give a file name such as ${join(file, flag === "--junit" ? "gate.xml" : "gate.md")}`,
    );
  }
  if (problem) throw new GateOutputError(`${flag} ${file} cannot be written: ${reason(problem)}; choose another path`);
}

/** Write `text` to `file` whole (parents created); a failure is one line and leaves no temporary file. */
export function writeOutput(file: string, text: string, flag: string): void {
  const target = resolve(file);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new GateOutputError(`${flag} ${file} cannot be written: ${reason(e)}; choose another path`);
  }
}
