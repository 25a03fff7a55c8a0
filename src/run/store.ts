import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { TrialRun } from "../agent/trial.js";
import type { JudgeVerdict } from "../judge/verdict.js";
import { InputError } from "../models/trajectory.js";
import { RUN_FORMAT, TRANSCRIPT_FORMAT, TRIAL_FORMAT, TrialRecord } from "./record.js";

export const Manifest = z.looseObject({
  format: z.literal(RUN_FORMAT),
  id: z.string(),
  createdAt: z.string(),
  command: z.string(),
  preset: z.string(),
  models: z.array(z.looseObject({ id: z.string(), simulated: z.boolean(), family: z.string() })),
  settings: z.looseObject({
    epochs: z.number(),
    seed: z.number(),
    concurrency: z.number(),
    maxModelCalls: z.number(),
    toolsets: z.array(z.string()),
  }),
  versions: z.looseObject({ peerbench: z.string(), node: z.string() }),
  gitRevision: z.string().nullable(),
  plannedTrials: z.number(),
});
export type Manifest = z.infer<typeof Manifest>;

export const MANIFEST_FILE = "manifest.json";
export const TRIALS_FILE = "trials.jsonl";
export const TRANSCRIPTS_DIR = "transcripts";

/** The transcript of one trial as stored: everything needed to audit or re-score it. */
export function transcriptOf(run: TrialRun) {
  const { weights, ...truth } = run.scenario.groundTruth;
  const finalFiles = Object.fromEntries(
    Object.entries(run.snapshot.hosts).map(([host, files]) => [
      host,
      Object.fromEntries(
        Object.entries(files).map(([path, f]) => [
          path,
          { sha256: f.sha256, nominalSize: f.nominalSize, mtime: f.mtime },
        ]),
      ),
    ]),
  );
  return {
    format: TRANSCRIPT_FORMAT,
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
    groundTruth: {
      ...truth,
      weights,
    },
    finalFiles,
  };
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export interface RunContents {
  dir: string;
  manifest: Manifest;
  /** The last record of each trial id, in file order. */
  records: TrialRecord[];
  /** Lines that could not be read (a line cut by a crash); they are ignored. */
  skippedLines: number;
}

/** Read a run directory: manifest and trial records, tolerant of a last line cut off by a crash. */
export function readRun(dir: string): RunContents {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError(`${dir}: no such run directory (give the folder that holds ${MANIFEST_FILE})`);
  }
  if (!existsSync(manifestPath)) throw new InputError(`${dir}: not a run directory (no ${MANIFEST_FILE})`);
  let manifestRaw: unknown;
  try {
    manifestRaw = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new InputError(`${manifestPath}: not valid JSON (${(e as Error).message})`);
  }
  const m = Manifest.safeParse(manifestRaw);
  if (!m.success) {
    const i = m.error.issues[0]!;
    throw new InputError(`${manifestPath}: invalid manifest at ${i.path.join(".") || "(top)"}: ${i.message}`);
  }
  const byId = new Map<string, TrialRecord>();
  let skippedLines = 0;
  const trialsPath = join(dir, TRIALS_FILE);
  const text = existsSync(trialsPath) ? readFileSync(trialsPath, "utf8") : "";
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = TrialRecord.parse(JSON.parse(line));
      byId.delete(r.id);
      byId.set(r.id, r);
    } catch {
      skippedLines++;
    }
  }
  return { dir, manifest: m.data, records: [...byId.values()], skippedLines };
}

/**
 * An append-only run directory. A trial's transcript is written (atomically) before its line in trials.jsonl, so
 * a crash at any moment loses at most the trials in flight, and resume runs exactly those again.
 */
export class RunStore {
  private constructor(
    readonly dir: string,
    readonly manifest: Manifest,
    private readonly done: Set<string>,
  ) {}

  static create(dir: string, manifest: Manifest): RunStore {
    if (existsSync(join(dir, MANIFEST_FILE))) {
      throw new InputError(`${dir} already holds a run; continue it with --resume ${dir} or choose another --out`);
    }
    mkdirSync(join(dir, TRANSCRIPTS_DIR), { recursive: true });
    writeAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(join(dir, TRIALS_FILE), "", { flag: "a" });
    return new RunStore(dir, manifest, new Set());
  }

  /** Open an existing run to continue it: trials recorded without error are done; errored ones run again. */
  static resume(dir: string): RunStore {
    const trialsPath = join(dir, TRIALS_FILE);
    // A crash mid-append leaves a partial last line: cut it so the next record starts on a line of its own.
    if (existsSync(trialsPath)) {
      const text = readFileSync(trialsPath, "utf8");
      const end = text.lastIndexOf("\n") + 1;
      if (end !== text.length) truncateSync(trialsPath, Buffer.byteLength(text.slice(0, end)));
    }
    const contents = readRun(dir);
    mkdirSync(join(dir, TRANSCRIPTS_DIR), { recursive: true });
    const done = new Set(contents.records.filter((r) => r.error === null).map((r) => r.id));
    return new RunStore(dir, contents.manifest, done);
  }

  isDone(id: string): boolean {
    return this.done.has(id);
  }
  get doneCount(): number {
    return this.done.size;
  }

  record(run: TrialRun, judge?: JudgeVerdict): TrialRecord {
    const transcript = `${TRANSCRIPTS_DIR}/${run.id}.json`;
    writeAtomic(join(this.dir, transcript), JSON.stringify(transcriptOf(run)));
    const record: TrialRecord = {
      format: TRIAL_FORMAT,
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
      ...(judge ? { judge } : {}),
    };
    appendFileSync(join(this.dir, TRIALS_FILE), `${JSON.stringify(record)}\n`);
    if (run.error === null) this.done.add(run.id);
    return record;
  }
}
