import { existsSync } from "node:fs";
import { join } from "node:path";
import { applyReviews } from "../analysis/reviewed.js";
import { InputError } from "../models/trajectory.js";
import { isPackRun } from "../packs/run-dir.js";
import { readReviews } from "../run/reviews.js";
import { readRun } from "../run/store.js";
import { STUDY_LAYOUT } from "./layout.js";
import { readPackExportRun } from "./pack.js";
import type { ExportRun } from "./run.js";

/**
 * Read `dir` through the run store's own readers (a missing or damaged manifest, a foreign record format: one-line
 * errors): a study run, or a scenario pack run (src/export/pack.ts). Everything read was redacted when the run wrote
 * it; exports redact again on the way out.
 */
export function readExportRun(dir: string): ExportRun {
  if (existsSync(join(dir, "manifest.json")) && isPackRun(dir)) return readPackExportRun(dir);
  const run = readRun(dir);
  let reviews: ReturnType<typeof readReviews>["reviews"];
  try {
    reviews = readReviews(dir, { skipInvalid: true }).reviews;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  return { dir, manifest: run.manifest, records: applyReviews(run.records, reviews), layout: STUDY_LAYOUT };
}
