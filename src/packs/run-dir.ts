import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import PQueue from "p-queue";
import { z } from "zod";
import type { Model } from "../models/model.js";
import { InputError } from "../models/trajectory.js";
import type { RunLock } from "../run/lock.js";
import {
  appendTrialLine,
  createRunDirectory,
  finalFilesOf,
  reopenRun,
  TRIALS_FILE,
  trialLineFields,
  writeError,
  writeTranscript,
} from "../run/store.js";
import { trialSeed } from "../run/suite.js";
import { readRecordLines, type TrialLines } from "../run/trial-lines.js";
import { Usage } from "../world/events.js";
import { PackTrialSpec, packTrialId } from "./configuration.js";
import { loadPack, type Pack, packDirectoryFiles } from "./load.js";
import { type PackTrialRun, runPackTrial } from "./trial.js";

export const PACK_RUN_FORMAT = "peerbench.pack-run/v1";
export const PACK_TRIAL_FORMAT = "peerbench.pack-trial/v1";
export const PACK_TRANSCRIPT_FORMAT = "peerbench.pack-transcript/v1";
/** Where a run directory keeps the copy of each pack it ran: `packs/<name>@<version>/`. */
export const PACKS_DIR = "packs";

/**
 * The selection a pack run was planned from: the filters (toolsets, the shared factors, `--factor NAME=VALUE`), the
 * critic's family, the model flags as given (no keys; URLs without credentials), a suite file's per-model options.
 */
export const PackRecordedSelection = z.looseObject({
  toolset: z.array(z.string()).optional(),
  relationship: z.array(z.string()).optional(),
  monitoring: z.array(z.string()).optional(),
  instantiation: z.array(z.string()).optional(),
  factor: z.array(z.string()).optional(),
  family: z.string().optional(),
  modelOptions: z.record(z.string(), z.unknown()).optional(),
  modelOptionsById: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
});
export type PackRecordedSelection = z.infer<typeof PackRecordedSelection>;

export const PackRunManifest = z.looseObject({
  format: z.literal(PACK_RUN_FORMAT),
  id: z.string(),
  createdAt: z.string(),
  command: z.string(),
  packs: z.array(z.object({ name: z.string(), version: z.string(), description: z.string(), dir: z.string() })),
  models: z.array(z.looseObject({ id: z.string(), simulated: z.boolean(), family: z.string() })),
  settings: z.looseObject({
    epochs: z.number(),
    seed: z.number(),
    concurrency: z.number(),
    maxModelCalls: z.number(),
    toolsets: z.array(z.string()),
    /** What the run was asked for (absent in runs made before --resume of a pack run): --resume rebuilds the plan. */
    selection: PackRecordedSelection.optional(),
  }),
  plannedTrials: z.number(),
});
export type PackRunManifest = z.infer<typeof PackRunManifest>;

export const PackTrialRecord = z.object({
  format: z.literal(PACK_TRIAL_FORMAT),
  id: z.string(),
  spec: PackTrialSpec,
  simulated: z.boolean(),
  outcome: z
    .object({
      values: z.record(z.string(), z.union([z.boolean(), z.number(), z.null()])),
      evidence: z.record(z.string(), z.array(z.number().int())),
    })
    .nullable(),
  error: z.string().nullable(),
  endReason: z.string().nullable(),
  modelCalls: z.number().int().nonnegative(),
  toolCalls: z.number().int().nonnegative(),
  invalidToolCalls: z.number().int().nonnegative(),
  usage: Usage,
  costUsd: z.number().nullable(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  transcript: z.string(),
});
export type PackTrialRecord = z.infer<typeof PackTrialRecord>;

/** Whether `dir` holds a pack run (its manifest says so). */
export function isPackRun(dir: string): boolean {
  try {
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { format?: unknown };
    return m.format === PACK_RUN_FORMAT;
  } catch {
    return false;
  }
}

/** The directory in a run that holds its copy of a pack. */
export function packCopyDir(runDir: string, name: string, version: string): string {
  return join(runDir, PACKS_DIR, `${name}@${version}`);
}

/** Copy a pack into the run (packs/<name>@<version>/). */
function copyPack(pack: Pack, runDir: string): void {
  const m = pack.manifest;
  const target = packCopyDir(runDir, m.name, m.version);
  for (const rel of packDirectoryFiles(pack.dir)) {
    const to = join(target, rel);
    try {
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(pack.dir, rel), to);
    } catch (e) {
      throw writeError(to, e);
    }
  }
}

export interface PackRunContents {
  dir: string;
  manifest: PackRunManifest;
  records: PackTrialRecord[];
  /** Each pack as the run kept it, by `<name>@<version>`. */
  packs: Map<string, Pack>;
  /** trials.jsonl as read (src/run/trial-lines.ts): damaged lines, a half-written last line, what was spent. */
  lines: TrialLines<PackTrialRecord>;
  /** Line numbers of trials.jsonl that could not be read (skipped). */
  damaged: number[];
}

function readPackManifest(dir: string): PackRunManifest {
  try {
    return PackRunManifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  } catch (e) {
    throw new InputError(`${dir}: not a pack run directory (manifest.json: ${(e as Error).message.split("\n")[0]})`);
  }
}

/**
 * Read a pack run back, with the packs from the run's own copy (the source directory is not needed). trials.jsonl
 * is read as a study run's is (src/run/trial-lines.ts): a half-written last line and damaged lines are skipped, the
 * latest line of a trial id wins, a record of another format version is refused.
 */
export function readPackRun(dir: string): PackRunContents {
  const manifest = readPackManifest(dir);
  const packs = new Map<string, Pack>();
  for (const p of manifest.packs) packs.set(`${p.name}@${p.version}`, loadPack(join(dir, p.dir)));
  const lines = readRecordLines(join(dir, TRIALS_FILE), PackTrialRecord, PACK_TRIAL_FORMAT);
  return { dir, manifest, records: lines.records, packs, lines, damaged: lines.unreadable.map((u) => u.line) };
}

function transcriptOf(run: PackTrialRun) {
  return {
    format: PACK_TRANSCRIPT_FORMAT,
    id: run.id,
    spec: run.spec,
    simulated: run.simulated,
    system: run.scenario.system,
    user: run.scenario.user,
    tools: run.tools,
    events: run.events,
    outcome: run.outcome,
    error: run.error,
    endReason: run.endReason,
    finalFiles: finalFilesOf(run.snapshot),
  };
}

/**
 * A pack run directory being written: the same directory discipline as a study run's (src/run/store.ts) — made in
 * a new or empty directory with the manifest last, one writer at a time (run.lock), each trial's transcript before
 * its line in trials.jsonl, everything through redact(), a half-written last line cut on resume.
 */
export class PackRunStore {
  private constructor(
    readonly dir: string,
    readonly manifest: PackRunManifest,
    private readonly done: Set<string>,
    private readonly lock: RunLock,
    /** trials.jsonl as read when a run was resumed (null: a new run). */
    readonly opened: TrialLines<PackTrialRecord> | null,
  ) {}

  /** A new pack run in `dir` (new or empty): a copy of every pack, then the manifest that names the copies. */
  static create(dir: string, manifest: PackRunManifest, packs: Pack[]): PackRunStore {
    const lock = createRunDirectory(dir, manifest, () => {
      for (const p of packs) copyPack(p, dir);
    });
    return new PackRunStore(dir, manifest, new Set(), lock, null);
  }

  /**
   * Open a pack run to continue it, holding its lock: trials recorded without error are done; errored,
   * interrupted and unrecorded ones (those whose only line is damaged too) run again.
   */
  static resume(dir: string, command: string): PackRunStore {
    // a damaged manifest, a missing pack copy, a foreign record format: said before the lock is taken
    const { contents, lock, done } = reopenRun(dir, command, readPackRun);
    return new PackRunStore(dir, contents.manifest, done, lock, contents.lines);
  }

  close(): void {
    this.lock.release();
  }
  isDone(id: string): boolean {
    return this.done.has(id);
  }
  get doneCount(): number {
    return this.done.size;
  }

  record(run: PackTrialRun): PackTrialRecord {
    const transcript = writeTranscript(this.dir, run.id, transcriptOf(run));
    const record: PackTrialRecord = { format: PACK_TRIAL_FORMAT, ...trialLineFields(run), transcript };
    appendTrialLine(this.dir, record);
    if (run.error === null) this.done.add(run.id);
    return record;
  }
}

export interface PackTrialsOptions {
  packs: Pack[];
  models: Model[];
  specs: PackTrialSpec[];
  seed: number;
  concurrency: number;
  maxModelCalls: number;
  signal?: AbortSignal;
  /** After each trial that ran: trials done (recorded before included) of the plan. */
  onTrial?: (done: number, total: number) => void;
}

/**
 * Run the trials of the plan not yet done in `store`, `concurrency` at a time, each recorded as it ends. A trial's
 * seed comes from the run seed and its id, so a resumed run plays the same trials as an uninterrupted one.
 */
export async function runPackTrials(
  store: PackRunStore,
  opts: PackTrialsOptions,
): Promise<{ errors: number; interrupted: number; ran: number }> {
  const byName = new Map(opts.packs.map((p) => [`${p.manifest.name}@${p.manifest.version}`, p]));
  const models = new Map(opts.models.map((m) => [m.id, m]));
  const queue = new PQueue({ concurrency: opts.concurrency });
  const todo = opts.specs.filter((s) => !store.isDone(packTrialId(s)));
  let done = opts.specs.length - todo.length;
  let errors = 0;
  let interrupted = 0;
  let ran = 0;
  let failure: unknown = null;
  for (const spec of todo) {
    void queue.add(async () => {
      if (opts.signal?.aborted || failure) return;
      const run = await runPackTrial({
        pack: byName.get(spec.task)!,
        spec,
        model: models.get(spec.model)!,
        seed: trialSeed(opts.seed, packTrialId(spec)),
        maxModelCalls: opts.maxModelCalls,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      try {
        store.record(run);
      } catch (e) {
        // a write that fails (disk full…) stops the run: no trial starts after it; what was recorded stays
        failure ??= e;
        queue.clear();
        return;
      }
      ran++;
      if (run.endReason === "interrupted") interrupted++;
      else if (run.error) errors++;
      done++;
      opts.onTrial?.(done, opts.specs.length);
    });
  }
  await queue.onIdle();
  if (failure) throw failure;
  return { errors, interrupted, ran };
}

export interface PackSuiteOptions extends PackTrialsOptions {
  dir: string;
  command: string;
  epochs: number;
  toolsets: string[];
  selection?: PackRecordedSelection;
  /** Written into the run directory once it is created (a suite file's copy). */
  beforeTrials?: (dir: string) => void;
}

export type PackManifestOptions = Pick<
  PackSuiteOptions,
  | "dir"
  | "command"
  | "packs"
  | "models"
  | "specs"
  | "epochs"
  | "seed"
  | "concurrency"
  | "maxModelCalls"
  | "toolsets"
  | "selection"
>;

/** The manifest of a new pack run: the packs it copies, its models, settings and the size of its plan. */
export function packRunManifest(opts: PackManifestOptions): PackRunManifest {
  return {
    format: PACK_RUN_FORMAT,
    id: basename(opts.dir),
    createdAt: new Date().toISOString(),
    command: opts.command,
    packs: opts.packs.map((p) => ({
      name: p.manifest.name,
      version: p.manifest.version,
      description: p.manifest.description,
      dir: join(PACKS_DIR, `${p.manifest.name}@${p.manifest.version}`),
    })),
    models: opts.models.map((m) => ({ id: m.id, simulated: m.simulated, family: m.family })),
    settings: {
      epochs: opts.epochs,
      seed: opts.seed,
      concurrency: opts.concurrency,
      maxModelCalls: opts.maxModelCalls,
      toolsets: opts.toolsets,
      ...(opts.selection ? { selection: opts.selection } : {}),
    },
    plannedTrials: opts.specs.length,
  };
}

/**
 * Run pack trials into a new run directory: a copy of every pack (so report and replay never need the source),
 * the manifest, then one transcript and one `trials.jsonl` line per trial as it ends (a crash loses only trials in
 * flight; `--resume` runs them).
 */
export async function runPackSuite(opts: PackSuiteOptions): Promise<{ errors: number; interrupted: number }> {
  const store = PackRunStore.create(opts.dir, packRunManifest(opts), opts.packs);
  try {
    opts.beforeTrials?.(opts.dir);
    return await runPackTrials(store, opts);
  } finally {
    store.close();
  }
}
