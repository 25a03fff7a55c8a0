/**
 * Reading run directories (runs/<id>/manifest.json, trials.jsonl, transcripts/<trial-id>.json) for reports.
 * Errors are one-line `RunDirError`s saying what was wrong, where, and what to do.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { applyReviews, type ReviewedRecord } from "../analysis/reviewed.js";
import { RUN_FORMAT, type TrialRecord } from "../run/record.js";
import { type Review, readReviews } from "../run/reviews.js";
import { ForeignTrialFormatError, readTrialLines, type TrialLines, unreadableNotice } from "../run/trial-lines.js";

export class RunDirError extends Error {
  override name = "RunDirError";
}

/** The manifest fields reports use; other fields are kept as they are. */
export const RunManifest = z.looseObject({
  format: z.literal(RUN_FORMAT),
  id: z.string(),
  createdAt: z.string().optional(),
  command: z.unknown().optional(),
  preset: z.string().nullable().optional(),
  models: z
    .array(z.looseObject({ id: z.string(), simulated: z.boolean().optional(), family: z.string().optional() }))
    .optional(),
  settings: z.record(z.string(), z.unknown()).optional(),
  versions: z.record(z.string(), z.unknown()).optional(),
  gitRevision: z.string().nullable().optional(),
  plannedTrials: z.number().nullable().optional(),
});
export type RunManifest = z.infer<typeof RunManifest>;

export interface LoadedRun {
  dir: string;
  manifest: RunManifest;
  records: TrialRecord[];
  /** A last line cut short by a crash or a write in progress; skipped. */
  partialLastLine: boolean;
  /** Damaged lines skipped (see src/run/trial-lines.ts): their trials count as not yet run. */
  skippedLines: number;
  unreadable: { line: number; reason: string }[];
  /** The run's reviews (reviews.jsonl, in file order; empty when nobody reviewed). */
  reviews: Review[];
  /** Lines of reviews.jsonl skipped: torn by a crash, or (only with `skipMalformed`) not valid reviews. */
  skippedReviewLines: number;
}

export interface LoadOptions {
  /** Skip damaged lines without saying so (reports written by a run count them in the page). */
  skipMalformed?: boolean;
  /** Told, in one line, about damaged lines that were skipped. */
  onUnreadable?: (notice: string) => void;
}

export function loadRun(dirArg: string, options: LoadOptions = {}): LoadedRun {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new RunDirError(`${dirArg}: no such run directory; pass a directory under runs/ written by 'peerbench run'`);
  }
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) {
    throw new RunDirError(`${dirArg}: manifest.json is missing; this is not a peerbench run directory`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new RunDirError(`${manifestPath}: not valid JSON (${(e as Error).message}); the run directory is damaged`);
  }
  const parsed = RunManifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RunDirError(
      `${manifestPath}: not a ${RUN_FORMAT} manifest (${issue?.path.join(".") || "root"}: ${issue?.message})`,
    );
  }
  const trialsPath = join(dir, "trials.jsonl");
  let lines: TrialLines;
  try {
    // The same reading as --resume: damaged lines skipped and named, a record of another format refused.
    lines = readTrialLines(trialsPath);
  } catch (e) {
    if (e instanceof ForeignTrialFormatError) throw new RunDirError(e.message);
    throw e;
  }
  const { records, partialLastLine, unreadable } = lines;
  const skippedLines = unreadable.length;
  if (skippedLines && !options.skipMalformed) options.onUnreadable?.(unreadableNotice(trialsPath, lines)!);
  const { reviews, skippedReviewLines } = loadReviews(dir, options);
  return {
    dir,
    manifest: parsed.data,
    records,
    partialLastLine,
    skippedLines,
    unreadable,
    reviews,
    skippedReviewLines,
  };
}
function loadReviews(dir: string, options: LoadOptions): { reviews: Review[]; skippedReviewLines: number } {
  try {
    const read = readReviews(dir, { skipInvalid: options.skipMalformed });
    return { reviews: read.reviews, skippedReviewLines: read.damagedLines + read.invalidLines };
  } catch (e) {
    throw new RunDirError((e as Error).message);
  }
}

/** The run's records as analysis reads them: reviewed values in force, each record knowing its run directory. */
export function reviewedRecords(run: LoadedRun): ReviewedRecord[] {
  return applyReviews(run.records, run.reviews, run.dir);
}

export function loadRuns(dirs: string[], options: LoadOptions = {}): LoadedRun[] {
  if (dirs.length === 0) throw new RunDirError("no run directory given; pass one or more directories under runs/");
  return dirs.map((d) => loadRun(d, options));
}

/** A trial's transcript file as written by the run store (parsed loosely; null when absent or unreadable). */
export function readTranscript(runDir: string, record: TrialRecord): Record<string, unknown> | null {
  const path = join(runDir, record.transcript);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch {
    return null;
  }
}
