import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import PQueue from "p-queue";
import { z } from "zod";
import type { Model } from "../models/model.js";
import { redact } from "../models/providers/redact.js";
import { InputError } from "../models/trajectory.js";
import { RunLock } from "../run/lock.js";
import { writeAtomic, writeError } from "../run/store.js";
import { trialSeed } from "../run/suite.js";
import { Usage } from "../world/events.js";
import { PackTrialSpec, packTrialId } from "./configuration.js";
import { loadPack, type Pack, packDirectoryFiles } from "./load.js";
import { type PackTrialRun, runPackTrial } from "./trial.js";

export const PACK_RUN_FORMAT = "peerbench.pack-run/v1";
export const PACK_TRIAL_FORMAT = "peerbench.pack-trial/v1";
export const PACK_TRANSCRIPT_FORMAT = "peerbench.pack-transcript/v1";
/** Where a run directory keeps the copy of each pack it ran: `packs/<name>@<version>/`. */
export const PACKS_DIR = "packs";

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

function copyPack(pack: Pack, runDir: string): string {
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
  return target;
}

export interface PackRunContents {
  dir: string;
  manifest: PackRunManifest;
  records: PackTrialRecord[];
  /** Each pack as the run kept it, by `<name>@<version>`. */
  packs: Map<string, Pack>;
  /** Line numbers of trials.jsonl that could not be read (skipped). */
  damaged: number[];
}

/** Read a pack run back, with the packs from the run's own copy (the source directory is not needed). */
export function readPackRun(dir: string): PackRunContents {
  let manifest: PackRunManifest;
  try {
    manifest = PackRunManifest.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
  } catch (e) {
    throw new InputError(`${dir}: not a pack run directory (manifest.json: ${(e as Error).message.split("\n")[0]})`);
  }
  const packs = new Map<string, Pack>();
  for (const p of manifest.packs) packs.set(`${p.name}@${p.version}`, loadPack(join(dir, p.dir)));
  const byId = new Map<string, PackTrialRecord>();
  const damaged: number[] = [];
  const file = join(dir, "trials.jsonl");
  const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n") : [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = PackTrialRecord.parse(JSON.parse(line));
      byId.delete(r.id);
      byId.set(r.id, r);
    } catch {
      // a torn last line is a write cut short; elsewhere a damaged line is skipped and named
      if (i < lines.length - 1 || line.endsWith("}")) damaged.push(i + 1);
    }
  });
  return { dir, manifest, records: [...byId.values()], packs, damaged };
}

function transcriptOf(run: PackTrialRun) {
  const finalFiles = Object.fromEntries(
    Object.entries(run.snapshot.hosts).map(([host, files]) => [
      host,
      Object.fromEntries(
        Object.entries(files).map(([p, f]) => [p, { sha256: f.sha256, nominalSize: f.nominalSize, mtime: f.mtime }]),
      ),
    ]),
  );
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
    finalFiles,
  };
}

export interface PackSuiteOptions {
  dir: string;
  command: string;
  packs: Pack[];
  models: Model[];
  specs: PackTrialSpec[];
  epochs: number;
  seed: number;
  concurrency: number;
  maxModelCalls: number;
  toolsets: string[];
  signal?: AbortSignal;
  onTrial?: (done: number, total: number) => void;
  /** Written into the run directory once it is created (a suite file's copy). */
  beforeTrials?: (dir: string) => void;
}

/**
 * Run pack trials into a new run directory: the manifest, a copy of every pack (so report and replay never need
 * the source), then one transcript and one `trials.jsonl` line per trial as it ends (the transcript first, so a
 * crash loses only trials in flight). One writer at a time (run.lock), as for the study's runs.
 */
export async function runPackSuite(opts: PackSuiteOptions): Promise<{ errors: number; interrupted: number }> {
  const { dir } = opts;
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new InputError(`${dir}: the directory is not empty; give --out a new or empty directory`);
  try {
    mkdirSync(join(dir, "transcripts"), { recursive: true });
  } catch (e) {
    throw writeError(dir, e, "cannot create");
  }
  const lock = RunLock.acquire(dir, opts.command);
  try {
    const packs = opts.packs.map((p) => ({
      name: p.manifest.name,
      version: p.manifest.version,
      description: p.manifest.description,
      dir: copyPack(p, dir).slice(dir.length + 1),
    }));
    const manifest: PackRunManifest = {
      format: PACK_RUN_FORMAT,
      id: dir.split("/").pop() ?? dir,
      createdAt: new Date().toISOString(),
      command: opts.command,
      packs,
      models: opts.models.map((m) => ({ id: m.id, simulated: m.simulated, family: m.family })),
      settings: {
        epochs: opts.epochs,
        seed: opts.seed,
        concurrency: opts.concurrency,
        maxModelCalls: opts.maxModelCalls,
        toolsets: opts.toolsets,
      },
      plannedTrials: opts.specs.length,
    };
    writeAtomic(join(dir, "manifest.json"), `${redact(JSON.stringify(manifest, null, 2))}\n`);
    opts.beforeTrials?.(dir);
    const byName = new Map(opts.packs.map((p) => [`${p.manifest.name}@${p.manifest.version}`, p]));
    const models = new Map(opts.models.map((m) => [m.id, m]));
    const queue = new PQueue({ concurrency: opts.concurrency });
    let done = 0;
    let errors = 0;
    let interrupted = 0;
    for (const spec of opts.specs) {
      void queue.add(async () => {
        if (opts.signal?.aborted) return;
        const pack = byName.get(spec.task)!;
        const model = models.get(spec.model)!;
        const id = packTrialId(spec);
        const run = await runPackTrial({
          pack,
          spec,
          model,
          seed: trialSeed(opts.seed, id),
          maxModelCalls: opts.maxModelCalls,
          ...(opts.signal ? { signal: opts.signal } : {}),
        });
        const transcript = `transcripts/${run.id}.json`;
        writeAtomic(join(dir, transcript), redact(JSON.stringify(transcriptOf(run))));
        const record: PackTrialRecord = {
          format: PACK_TRIAL_FORMAT,
          id: run.id,
          spec: run.spec,
          simulated: run.simulated,
          outcome: run.outcome,
          error: run.error,
          endReason: run.endReason,
          modelCalls: run.modelCalls,
          toolCalls: run.toolCalls,
          invalidToolCalls: run.invalidToolCalls,
          usage: run.usage,
          costUsd: run.costUsd,
          startedAt: run.startedAt,
          durationMs: run.durationMs,
          transcript,
        };
        try {
          appendFileSync(join(dir, "trials.jsonl"), `${redact(JSON.stringify(record))}\n`);
        } catch (e) {
          throw writeError(join(dir, "trials.jsonl"), e);
        }
        if (run.endReason === "interrupted") interrupted++;
        else if (run.error) errors++;
        done++;
        opts.onTrial?.(done, opts.specs.length);
      });
    }
    await queue.onIdle();
    return { errors, interrupted };
  } finally {
    lock.release();
  }
}
