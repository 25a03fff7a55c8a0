import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { ReviewedRecord } from "../analysis/reviewed.js";
import { InputError } from "../models/trajectory.js";
import type { Manifest } from "../run/store.js";
import { trialSeed } from "../run/suite.js";
import { Event } from "../world/events.js";
import type { Json } from "./inspect/types.js";
import type { Cell, Column, ColumnKind } from "./table.js";

/** What every exported trial's spec has, a study trial's or a scenario pack's. */
export interface ExportSpec {
  model: string;
  epoch: number;
  task: string;
  toolset: string;
  family: string;
}

/** A trial as the exports read it: a study trial's record, or a pack trial's with its outcome laid out the same way. */
export type ExportRecord = Omit<ReviewedRecord, "spec"> & { spec: ExportSpec };

/** The parts of a manifest the exports read (a pack run's is mapped onto it, src/export/pack.ts). */
export type ExportManifest = Pick<
  Manifest,
  "id" | "createdAt" | "command" | "preset" | "models" | "settings" | "versions" | "gitRevision" | "plannedTrials"
>;

/**
 * What differs between a study run and a scenario pack run in an export: the columns that say which configuration
 * a trial is (before the columns every record has), its outcome keys and their types, the Inspect sample's id and
 * the metadata naming its configuration.
 */
export interface ExportLayout {
  columns: Array<Column & { get: (r: ExportRecord, run: ExportRun) => Cell }>;
  /** The outcome keys, in column order. */
  keys: (records: readonly ExportRecord[]) => string[];
  /** A key's column type, where it is known without looking at the values. */
  kindOf: (key: string) => ColumnKind | undefined;
  /** The configuration without model and epoch, as a label (the Inspect sample's id before it is made file-safe). */
  sampleLabel: (r: ExportRecord) => string;
  /** The sample metadata naming the trial and its configuration (the record's scalars follow it). */
  metadata: (run: ExportRun, r: ExportRecord) => Record<string, Json>;
}

/** A run directory as the exports read it: the manifest and every trial's latest record, reviews in force. */
export interface ExportRun {
  dir: string;
  manifest: ExportManifest;
  /** One per trial id (the latest line wins), in the order of trials.jsonl; reviewed values in force. */
  records: ExportRecord[];
  layout: ExportLayout;
}

/** The seed the trial ran with (derived from the run's seed and the trial id, src/run/suite.ts). */
export function seedOf(run: ExportRun, record: ExportRecord): number {
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
export function readStoredTranscript(run: ExportRun, record: ExportRecord): StoredTranscript | null {
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
