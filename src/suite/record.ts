import { join } from "node:path";
import { redact } from "../models/providers/redact.js";
import { writeAtomic } from "../run/store.js";
import type { LoadedSuite } from "./load.js";
import { SUITE_FORMAT, type SuiteFile } from "./schema.js";

/** The copy of the suite file in a run directory. */
export const SUITE_COPY = "suite.yaml";

/** What a run's manifest says of the suite file it was started from (`manifest.suite`). */
export interface SuiteRecord {
  format: typeof SUITE_FORMAT;
  /** The copy in the run directory. */
  copy: typeof SUITE_COPY;
  /** The path it was given as. */
  given: string;
  /** sha256 of the file as given. */
  sha256: string;
  /** The file as parsed (every key as written, lists of one value as lists). */
  parsed: SuiteFile;
}

export function suiteRecord(loaded: LoadedSuite): SuiteRecord {
  return {
    format: SUITE_FORMAT,
    copy: SUITE_COPY,
    given: loaded.file,
    sha256: loaded.sha256,
    parsed: JSON.parse(JSON.stringify(loaded.suite)),
  };
}

/**
 * Keep the suite file in the run directory as it was given. A file that holds a secret is refused when it is
 * loaded, so the copy is the file byte for byte; it still goes through the redactor, as everything the run writes.
 */
export function writeSuiteCopy(runDir: string, loaded: LoadedSuite): void {
  writeAtomic(join(runDir, SUITE_COPY), redact(loaded.text));
}

/**
 * Where a suite file differs from the one a run recorded, as `path: now, the run has was` (at most `max`): empty
 * when the two mean the same (comments, order and layout do not count).
 */
export function suiteChanges(recorded: unknown, now: unknown, max = 4): string[] {
  const out: string[] = [];
  const show = (v: unknown) => JSON.stringify(v);
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= max) return;
    const objects = a !== null && b !== null && typeof a === "object" && typeof b === "object";
    if (objects && Array.isArray(a) === Array.isArray(b)) {
      const keys = Array.isArray(a)
        ? [...Array(Math.max(a.length, (b as unknown[]).length)).keys()]
        : [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])];
      for (const k of keys) {
        const sub = typeof k === "number" ? `${path}[${k}]` : path ? `${path}.${k}` : k;
        walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], sub);
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const was = a === undefined ? "not in the run" : `the run has ${show(a)}`;
    out.push(`${path || "the file"} ${b === undefined ? "removed" : show(b)} (${was})`);
  };
  walk(recorded, now, "");
  return out;
}
