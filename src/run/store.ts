import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { TrialRun } from "../agent/trial.js";
import type { JudgeVerdict } from "../judge/verdict.js";
import { redact } from "../models/providers/redact.js";
import { InputError } from "../models/trajectory.js";
import { LOCK_FILE, RunLock } from "./lock.js";
import { RUN_FORMAT, TRANSCRIPT_FORMAT, TRIAL_FORMAT, type TrialRecord } from "./record.js";
import { readTrialLines, type TrialLines } from "./trial-lines.js";

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

/** The files a trial ended with, by host and path: their hashes, nominal sizes and dates (not their content). */
export function finalFilesOf(snapshot: Pick<TrialRun["snapshot"], "hosts">) {
  return Object.fromEntries(
    Object.entries(snapshot.hosts).map(([host, files]) => [
      host,
      Object.fromEntries(
        Object.entries(files).map(([path, f]) => [
          path,
          { sha256: f.sha256, nominalSize: f.nominalSize, mtime: f.mtime },
        ]),
      ),
    ]),
  );
}

/** The transcript of one trial as stored: everything needed to audit or re-score it. */
export function transcriptOf(run: TrialRun) {
  const { weights, ...truth } = run.scenario.groundTruth;
  const finalFiles = finalFilesOf(run.snapshot);
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

/**
 * The run directory cannot be written (disk full, read-only, permissions): one line saying where and why; every
 * trial recorded before it is kept, and `--resume` continues once the cause is fixed.
 */
export class RunWriteError extends InputError {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = "RunWriteError";
  }
}

const CAUSES: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOTDIR: "a path component is a file, not a directory",
  EISDIR: "it is a directory",
  ENOENT: "no such file or directory",
};

/** A failed write as a RunWriteError: what could not be written and why, in words. */
export function writeError(path: string, e: unknown, what = "cannot write"): RunWriteError {
  const err = e as NodeJS.ErrnoException;
  const cause = (err.code && CAUSES[err.code]) ?? err.message;
  return new RunWriteError(path, err.code, `${what} ${path}: ${cause}${err.code ? ` (${err.code})` : ""}`);
}

/** Write `path` through a temporary file and a rename; the temporary file never outlives a failure. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw writeError(path, e);
  }
}

export interface RunContents {
  dir: string;
  manifest: Manifest;
  /** The last record of each trial id, at the position of its first line. */
  records: TrialRecord[];
  /** Damaged lines skipped and a half-written last line (see trial-lines.ts). */
  lines: TrialLines;
  /** Lines that could not be read: damaged ones and a half-written last one; they are ignored. */
  skippedLines: number;
}

/** Read a run directory: manifest and trial records (damaged lines skipped, foreign formats refused). */
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
  const lines = readTrialLines(join(dir, TRIALS_FILE));
  return {
    dir,
    manifest: m.data,
    records: lines.records,
    lines,
    skippedLines: lines.unreadable.length + (lines.partialLastLine ? 1 : 0),
  };
}

/** What is in `dir` besides the lock: a new run may only go into a new or empty directory. */
function contentsOf(dir: string): string[] {
  return readdirSync(dir).filter((f) => f !== LOCK_FILE && !f.startsWith(`${LOCK_FILE}.`));
}

function ensureDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new InputError(`${dir} is a file, not a directory; give --out a new or empty directory`);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw writeError(dir, whyNotWritable(dir) ?? e, "cannot create the run directory");
  }
}

/** A recursive mkdir reports a read-only parent as ENOENT: ask the nearest existing folder itself. */
function whyNotWritable(dir: string): unknown {
  let parent = dirname(dir);
  while (!existsSync(parent) && dirname(parent) !== parent) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
    return null;
  } catch (e) {
    return e;
  }
}

/**
 * Make `dir` (new or empty) a run directory holding its lock: `transcripts/`, an empty `trials.jsonl`, then the
 * manifest last, so a directory without one is never mistaken for a run that can be resumed. Refuses a directory
 * that holds a run, damaged run files, or anything else; a failed creation leaves the directory as it was found.
 * Shared by the study's runs and scenario packs' (src/packs/run-dir.ts).
 */
export function createRunDirectory(
  dir: string,
  manifest: { command: string },
  /** Writes what else the run keeps (a pack's copy) before the manifest; on failure it is removed with the rest. */
  beforeManifest?: () => void,
): RunLock {
  const existed = existsSync(dir);
  ensureDir(dir);
  const lock = RunLock.acquire(dir, manifest.command);
  let made = false;
  try {
    const present = contentsOf(dir);
    if (present.includes(MANIFEST_FILE)) {
      throw new InputError(`${dir} already holds a run; continue it with --resume ${dir} or choose another --out`);
    }
    if (present.includes(TRIALS_FILE) || present.includes(TRANSCRIPTS_DIR)) {
      throw new InputError(
        `${dir} holds trial records but no ${MANIFEST_FILE} (a damaged run directory); choose another --out`,
      );
    }
    if (present.length > 0) {
      throw new InputError(`${dir} is not empty (${present[0]}); give --out a new or empty directory`);
    }
    made = true;
    try {
      mkdirSync(join(dir, TRANSCRIPTS_DIR), { recursive: true });
      writeFileSync(join(dir, TRIALS_FILE), "", { flag: "a" });
    } catch (e) {
      throw writeError(dir, e);
    }
    beforeManifest?.();
    // The manifest last: a directory without one is never mistaken for a run that can be resumed.
    writeAtomic(join(dir, MANIFEST_FILE), `${redact(JSON.stringify(manifest, null, 2))}\n`);
  } catch (e) {
    // Leave the directory as it was found: nothing half-made stays behind.
    // (the directory was empty: everything in it besides the lock was made here)
    if (made) for (const f of contentsOf(dir)) rmSync(join(dir, f), { recursive: true, force: true });
    lock.release();
    if (made && !existed) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return lock;
}

/**
 * Take the lock of an existing run directory to continue it: a crash mid-append leaves a partial last line in
 * `trials.jsonl`, cut here so the next record starts on a line of its own; `transcripts/` exists afterwards.
 */
function reopenRunDirectory(dir: string, command: string): RunLock {
  const lock = RunLock.acquire(dir, command);
  try {
    const trialsPath = join(dir, TRIALS_FILE);
    if (existsSync(trialsPath)) {
      const text = readFileSync(trialsPath, "utf8");
      const end = text.lastIndexOf("\n") + 1;
      if (end !== text.length) truncateSync(trialsPath, Buffer.byteLength(text.slice(0, end)));
    }
    try {
      mkdirSync(join(dir, TRANSCRIPTS_DIR), { recursive: true });
    } catch (e) {
      throw writeError(join(dir, TRANSCRIPTS_DIR), e);
    }
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}

/**
 * Reopen a run to continue it, study or pack: `read` first checks it (a missing or damaged manifest, a foreign
 * format is said before the lock is taken), then the lock is taken, a torn last line cut, and the run read again.
 * Trials recorded without error are done; errored, interrupted and unrecorded ones run again.
 */
export function reopenRun<C extends { records: ReadonlyArray<{ id: string; error: string | null }> }>(
  dir: string,
  command: string,
  read: (dir: string) => C,
): { contents: C; lock: RunLock; done: Set<string> } {
  read(dir);
  const lock = reopenRunDirectory(dir, command);
  try {
    const contents = read(dir);
    const done = new Set(contents.records.filter((r) => r.error === null).map((r) => r.id));
    return { contents, lock, done };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Write a trial's transcript (atomically, redacted) and return its path in the run, for the trial's record. */
export function writeTranscript(dir: string, id: string, transcript: unknown): string {
  const path = `${TRANSCRIPTS_DIR}/${id}.json`;
  // Nothing reaches the directory with a key or a URL's credentials in it, whatever text carried them.
  writeAtomic(join(dir, path), redact(JSON.stringify(transcript)));
  return path;
}

/** Append a trial's record to `trials.jsonl` (redacted), once its transcript is written. */
export function appendTrialLine(dir: string, record: unknown): void {
  try {
    appendFileSync(join(dir, TRIALS_FILE), `${redact(JSON.stringify(record))}\n`);
  } catch (e) {
    throw writeError(join(dir, TRIALS_FILE), e);
  }
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
    private readonly lock: RunLock,
    /** What the trials recorded before this process started have cost (every line, superseded ones included). */
    readonly spentBeforeUsd: number,
    /** The run directory as read when it was opened (damaged lines, records). */
    readonly opened: TrialLines | null,
  ) {}

  /**
   * Start a run in `dir`, a new or empty directory, holding its lock until `close()` (or the process's exit).
   * Refuses a directory that holds a run, damaged run files, or anything else.
   */
  static create(dir: string, manifest: Manifest): RunStore {
    const lock = createRunDirectory(dir, manifest);
    return new RunStore(dir, manifest, new Set(), lock, 0, null);
  }

  /**
   * Open an existing run to continue it, holding its lock: trials recorded without error are done; errored,
   * interrupted and unrecorded ones (including those whose only line is damaged) run again.
   */
  static resume(dir: string, command = "peerbench run --resume"): RunStore {
    const { contents, lock, done } = reopenRun(dir, command, readRun);
    return new RunStore(dir, contents.manifest, done, lock, contents.lines.spentUsd, contents.lines);
  }

  /** Release the directory's lock (also released when the process exits). */
  close(): void {
    this.lock.release();
  }

  isDone(id: string): boolean {
    return this.done.has(id);
  }
  get doneCount(): number {
    return this.done.size;
  }

  record(run: TrialRun, judge?: JudgeVerdict): TrialRecord {
    const transcript = writeTranscript(this.dir, run.id, transcriptOf(run));
    const record: TrialRecord = {
      format: TRIAL_FORMAT,
      ...trialLineFields(run),
      transcript,
      ...(judge ? { judge } : {}),
    };
    appendTrialLine(this.dir, record);
    if (run.error === null) this.done.add(run.id);
    return record;
  }
}

type LineField =
  | "id"
  | "spec"
  | "simulated"
  | "outcome"
  | "error"
  | "endReason"
  | "modelCalls"
  | "toolCalls"
  | "invalidToolCalls"
  | "usage"
  | "costUsd"
  | "startedAt"
  | "durationMs";

/** The fields a trial line takes from its run, in the line's order, whichever kind of trial it is (study or pack). */
export function trialLineFields<R extends Record<LineField, unknown>>(run: R): Pick<R, LineField> {
  return {
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
  };
}
