import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { applyReviews, type ReviewedRecord } from "../analysis/reviewed.js";
import { InputError } from "../models/trajectory.js";
import { isPackRun } from "../packs/run-dir.js";
import { readReviews } from "../run/reviews.js";
import { type Manifest, readRun } from "../run/store.js";
import { trialSeed } from "../run/suite.js";
import { Event } from "../world/events.js";

/** A run directory as the exports read it: the manifest and every trial's latest record, reviews in force. */
export interface ExportRun {
  dir: string;
  manifest: Manifest;
  /** One per trial id (the latest line wins), in the order of trials.jsonl; reviewed values in force. */
  records: ReviewedRecord[];
}

/**
 * Read `dir` through the run store's own readers (a missing or damaged manifest, a foreign record format: one-line
 * errors). Everything read was redacted when the run wrote it; exports redact again on the way out.
 */
export function readExportRun(dir: string): ExportRun {
  if (existsSync(join(dir, "manifest.json")) && isPackRun(dir)) {
    throw new InputError(
      `${dir}: a scenario-pack run; export reads study runs only for now (peerbench report ${dir} --json summarises it)`,
    );
  }
  const run = readRun(dir);
  let reviews: ReturnType<typeof readReviews>["reviews"];
  try {
    reviews = readReviews(dir, { skipInvalid: true }).reviews;
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  return { dir, manifest: run.manifest, records: applyReviews(run.records, reviews) };
}

/** The seed the trial ran with (derived from the run's seed and the trial id, src/run/suite.ts). */
export function seedOf(run: ExportRun, record: ReviewedRecord): number {
  return trialSeed(run.manifest.settings.seed, record.id);
}

/** The parts of a stored transcript (src/run/store.ts transcriptOf) an export uses; the rest is kept loosely. */
export const StoredTranscript = z.looseObject({
  id: z.string(),
  system: z.string().nullable().optional(),
  user: z.string().nullable().optional(),
  tools: z
    .array(z.looseObject({ name: z.string(), description: z.string().default(""), parameters: z.unknown() }))
    .default([]),
  events: z.array(Event).default([]),
  groundTruth: z.unknown().optional(),
});
export type StoredTranscript = z.infer<typeof StoredTranscript>;

/** A trial's transcript, or null when the file is missing (a trial recorded without one). Damaged: one line. */
export function readStoredTranscript(run: ExportRun, record: ReviewedRecord): StoredTranscript | null {
  const path = join(run.dir, record.transcript);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); the transcript is damaged`);
  }
  const parsed = StoredTranscript.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${path}: not a peerbench transcript (${issue?.path.join(".") || "root"}: ${issue?.message})`);
  }
  return parsed.data;
}
