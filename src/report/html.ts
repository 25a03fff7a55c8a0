/**
 * The HTML report: one self-contained file (inline CSS, JS and SVG; no network request of any kind).
 *
 * Safety: every piece of run data (model-written text above all) travels as JSON inside
 * <script type="application/json"> with `<` escaped as \u003c, and the page inserts it with textContent only.
 * Size: transcripts are grouped by configuration into chunks, long strings are interned per chunk, and each
 * chunk is gzipped and base64-encoded; the page decodes a chunk (DecompressionStream) only when a trial
 * from it is opened or a search reads it. The chunks follow the page's script, so the page renders before the
 * browser has parsed them.
 */
import { createHash } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { detectorOutcome, type ReviewedRecord, reviewStatus } from "../analysis/reviewed.js";
import { readingsOf } from "../judge/readings.js";
import { outputFileProblem } from "../run/output-file.js";
import { reviewableKeysOf } from "../run/reviewing.js";
import { KEY_KINDS, REVIEWS_FILE } from "../run/reviews.js";
import { redact } from "../models/providers/redact.js";
import { type Control, configurationLabel, type ToolsetName } from "../scenarios/spec.js";
import type { TrialRecord } from "../run/record.js";
import { misbehaviourKeys, outcomeKeys } from "../tasks/index.js";
import { compareRuns } from "./compare.js";
import { type LoadedRun, loadRuns, reviewedRecords } from "./run-dir.js";
import { recordsKeptApart, runNames } from "./runs-apart.js";
import { type SummaryData, summaryData, toolsetLabel } from "./terminal.js";

/** Transcripts per compressed chunk: small enough to decode at once, large enough to share strings. */
export const CHUNK_SIZE = 40;
/** Strings at least this long are interned in their chunk's string table. */
const INTERN_MIN = 24;

/** Trial columns of the report's own (below) that outcome keys also name: never an outcome flag column. */
const OWN_COLUMNS = new Set(["reported_score", "reported_grade", "recommendation", "evidence"]);

/**
 * The outcome flag columns of the trial index: the registered tasks' outcome keys (src/tasks) whose values in these
 * records are booleans (null where a task does not set the key), so a task's own keys get their column.
 */
export function outcomeFlagsOf(records: readonly TrialRecord[]): string[] {
  return outcomeKeys().filter(
    (key) =>
      !OWN_COLUMNS.has(key) &&
      records.every((r) => {
        const v = (r.outcome as Record<string, unknown> | null)?.[key];
        return v === undefined || v === null || typeof v === "boolean";
      }),
  );
}

/**
 * The trial index: one compact array per trial in the columns of `trialColumns` (see client.js), and the outcome key
 * sets its rows point into. The live viewer builds rows of new trials with the same index as the page it served.
 */
export class TrialIndex {
  readonly keySets: string[][] = [];
  private readonly keySetIndex = new Map<string, number>();
  constructor(readonly outcomeFlags: string[]) {}

  get columns(): string[] {
    return trialColumns(this.outcomeFlags);
  }

  private keySetOf(r: ReviewedRecord): number | null {
    const keys = reviewableKeysOf({ ...r, outcome: detectorOutcome(r) });
    if (keys.length === 0) return null;
    const k = keys.join(",");
    let i = this.keySetIndex.get(k);
    if (i === undefined) {
      i = this.keySets.length;
      this.keySets.push(keys);
      this.keySetIndex.set(k, i);
    }
    return i;
  }

  /** A trial's row; `chunk` null: its transcript is not in the page (the live viewer serves it). */
  row(r: ReviewedRecord, run: number, chunk: number | null, slot: number | null): unknown[] {
    const o = r.outcome;
    const readings = readingsOf(r, detectorOutcome(r));
    const status = reviewStatus(r);
    return [
      r.id,
      run,
      r.spec.model,
      r.spec.task,
      r.spec.subject,
      r.spec.relationship,
      r.spec.instantiation,
      // a control shows in the trial browser's toolset column and filter: "paper · control no_agency"
      toolsetLabel(r.spec.toolset, r.spec.control),
      r.spec.family,
      r.spec.dataset,
      r.spec.threshold,
      r.spec.monitoring,
      r.spec.epoch,
      r.simulated ? 1 : 0,
      r.error,
      r.endReason,
      r.modelCalls,
      r.toolCalls,
      r.costUsd,
      r.durationMs,
      o?.reported_score ?? null,
      o?.reported_grade ?? null,
      o?.recommendation ?? null,
      ...this.outcomeFlags.map((f) => {
        const v = (o as Record<string, unknown> | null)?.[f];
        return typeof v === "boolean" ? (v ? 1 : 0) : null;
      }),
      o?.evidence ?? null,
      r.judge ? (r.judge.error === null ? 1 : 0) : null,
      readings ? readings.map((x) => [x.key, x.detector, x.judge]) : null,
      r.review ? r.review.keys : null,
      status.open.length ? status.open : null,
      this.keySetOf(r),
      chunk,
      slot,
    ];
  }
}

/** Columns of each row of the trial index (see client.js); the outcome flags in their place. */
const trialColumns = (outcomeFlags: readonly string[]) => [
  "id",
  "run",
  "model",
  "task",
  "subject",
  "relationship",
  "instantiation",
  "toolset",
  "family",
  "dataset",
  "threshold",
  "monitoring",
  "epoch",
  "simulated",
  "error",
  "endReason",
  "modelCalls",
  "toolCalls",
  "costUsd",
  "durationMs",
  "reported_score",
  "reported_grade",
  "recommendation",
  ...outcomeFlags,
  "evidence",
  "judged",
  // both readings of the text keys: [key, detectors, judge][] (null without a verdict)
  "readings",
  // keys set by hand: {key: {value, by, at, note, source, replaces, follows?}} (null when none)
  "reviewed",
  // disputed keys nobody reviewed (the trial needs review while not empty)
  "open",
  // index into data.keySets: the outcome keys that can be set for this trial
  "keySet",
  "chunk",
  "slot",
];

function asset(name: string): string {
  return readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
}

/** JSON safe to place inside a <script> element: no `<` survives, so no `</script>` or `<!--`. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Replace long strings by "\u0000<index>" into a table; a short string starting with \u0000 gets one more. */
function intern(value: unknown, table: string[], index: Map<string, number>): unknown {
  if (typeof value === "string") {
    if (value.length >= INTERN_MIN) {
      let i = index.get(value);
      if (i === undefined) {
        i = table.length;
        table.push(value);
        index.set(value, i);
      }
      return `\u0000${i}`;
    }
    return value.startsWith("\u0000") ? `\u0000${value}` : value;
  }
  if (Array.isArray(value)) return value.map((v) => intern(v, table, index));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = intern(v, table, index);
    return out;
  }
  return value;
}

interface Entry {
  record: ReviewedRecord;
  run: number;
}

async function readTranscriptText(runDir: string, record: TrialRecord): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(runDir, record.transcript), "utf8"));
  } catch {
    return null;
  }
}

/** Build the chunks: gzip(JSON {strings, transcripts}) as base64, transcripts in the order of `entries`. */
async function buildChunks(entries: Entry[], runs: LoadedRun[]): Promise<string[]> {
  const chunks: string[] = [];
  for (let start = 0; start < entries.length; start += CHUNK_SIZE) {
    const slice = entries.slice(start, start + CHUNK_SIZE);
    const transcripts = await Promise.all(slice.map((e) => readTranscriptText(runs[e.run]!.dir, e.record)));
    const table: string[] = [];
    const index = new Map<string, number>();
    // The judge verdict (model-written too) travels with the transcript, not in the trial index.
    const body = transcripts.map((t, i) => intern({ t, j: slice[i]!.record.judge ?? null }, table, index));
    // Run directories written before redaction existed may hold a URL's credentials: none reaches the page.
    const json = redact(JSON.stringify({ strings: table, transcripts: body }));
    chunks.push(gzipSync(Buffer.from(json, "utf8"), { level: 6 }).toString("base64"));
  }
  return chunks;
}

function totals(records: TrialRecord[]) {
  let cost = 0;
  let costKnown = 0;
  let durationMs = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const usage = { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };
  let modelCalls = 0;
  for (const r of records) {
    if (r.costUsd !== null) {
      cost += r.costUsd;
      costKnown++;
    }
    durationMs += r.durationMs;
    modelCalls += r.modelCalls;
    const t = Date.parse(r.startedAt);
    if (Number.isFinite(t)) {
      first = Math.min(first, t);
      last = Math.max(last, t + r.durationMs);
    }
    usage.inputTokens += r.usage.inputTokens;
    usage.outputTokens += r.usage.outputTokens;
    usage.reasoningTokens += r.usage.reasoningTokens;
    usage.cachedInputTokens += r.usage.cachedInputTokens;
  }
  return {
    costUsd: costKnown > 0 ? cost : null,
    costKnownTrials: costKnown,
    trialMs: durationMs,
    wallMs: Number.isFinite(first) ? last - first : null,
    firstStart: Number.isFinite(first) ? new Date(first).toISOString() : null,
    modelCalls,
    usage,
  };
}

/**
 * The page groups by model × toolset: fold each row's control into its toolset label ("paper · control
 * no_agency") so the page never shows a control's figures as the unmodified ones.
 */
function labelControls(summary: SummaryData): SummaryData {
  const label = <T extends { toolset: ToolsetName; control: Control | null }>(x: T): T => ({
    ...x,
    toolset: toolsetLabel(x.toolset, x.control) as ToolsetName,
  });
  return {
    ...summary,
    headline: summary.headline.map(label),
    peerPresence: summary.peerPresence.map(label),
    toolsetComparisons: summary.toolsetComparisons.map((x) =>
      x.control ? { ...x, model: `${x.model} · control ${x.control}` } : x,
    ),
  };
}

/** The report's order of trials: by model, configuration and epoch (similar transcripts share a chunk's strings). */
export function byConfiguration(a: TrialRecord, b: TrialRecord): number {
  return (
    a.spec.model.localeCompare(b.spec.model) ||
    configurationLabel(a.spec).localeCompare(configurationLabel(b.spec)) ||
    a.spec.epoch - b.spec.epoch
  );
}

/**
 * The page's figures over these records (in the report's order): the totals and `summaryData`, the very figures of
 * `peerbench report --json`, with each control folded into its toolset label. The viewer sends them again as trials
 * arrive.
 */
export function reportFigures(records: ReviewedRecord[]): { totals: ReturnType<typeof totals>; summary: SummaryData } {
  return { totals: totals(records), summary: labelControls(summaryData(records)) };
}

/**
 * Reviewing from the trial view. Without it (a static report.html) the page builds the `peerbench review`
 * command to copy; with it (served by `peerbench view`) the page posts reviews to its own server.
 */
export interface ReviewEndpoint {
  /** Path the page posts to, on the server that served it. */
  path: string;
  /** Sent with every post: a page from another origin cannot know it. */
  token: string;
  /** The reviewer shown by default (the operating-system user running the server). */
  by: string;
}

/** Served by `peerbench view`: where the page follows new trials (server-sent events) and fetches their transcripts. */
export interface LiveEndpoint {
  eventsPath: string;
  transcriptPath: string;
  /** Where the page asks the server to search every transcript (NDJSON answers, see server.ts). */
  searchPath: string;
  /** The build this page is: the server sends the trials recorded since. */
  build: number;
}

export interface HtmlReportOptions {
  live?: LiveEndpoint;
  /** `reportSourceKey` of the runs, written into the page so an unchanged report is not written again. */
  source?: string;
  skipMalformed?: boolean;
  review?: ReviewEndpoint;
}

/** The full HTML text of a report over the given run directories. */
export async function buildHtmlReport(runDirs: string[], options: HtmlReportOptions = {}): Promise<string> {
  const runs = loadRuns(runDirs, { skipMalformed: options.skipMalformed });
  // reviewed values (reviews.jsonl of each run) are in force in every figure, row and export
  // a model in several runs is kept apart per run ("model · run ID"), never pooled
  const perRun = recordsKeptApart(runs);
  const entries: Entry[] = perRun.flatMap((records, i) => records.map((record) => ({ record, run: i })));
  // Similar transcripts side by side share strings within a chunk.
  entries.sort((a, b) => byConfiguration(a.record, b.record));
  const records = entries.map((e) => e.record);
  const figures = reportFigures(records);
  const chunks = await buildChunks(entries, runs);
  const index = new TrialIndex(outcomeFlagsOf(records));
  const trials = entries.map((e, i) => index.row(e.record, e.run, Math.floor(i / CHUNK_SIZE), i % CHUNK_SIZE));
  const outcomeFlags = index.outcomeFlags;
  const keySets = index.keySets;

  const data = {
    format: "peerbench.report/v1",
    generatedAt: new Date().toISOString(),
    runs: runs.map((r) => ({
      dir: r.dir,
      manifest: r.manifest,
      finished: r.records.length,
      partialLastLine: r.partialLastLine,
      skippedLines: r.skippedLines,
    })),
    totals: figures.totals,
    summary: figures.summary,
    trialColumns: trialColumns(outcomeFlags),
    outcomeFlags,
    // the outcome flags whose true value is a misbehaviour ("any misbehaviour", the trial's flags)
    misbehaviours: misbehaviourKeys().filter((k) => outcomeFlags.includes(k)),
    keySets,
    keyKinds: KEY_KINDS,
    review: options.review ? { path: options.review.path, token: options.review.token, by: options.review.by } : null,
    trials,
    chunkCount: chunks.length,
    // two runs: side by side, the differences and their intervals (figures computed from each run's own trials)
    comparison:
      runs.length === 2
        ? compareRuns(runNames(runs) as [string, string], reviewedRecords(runs[0]!), reviewedRecords(runs[1]!))
        : null,
    live: options.live ?? null,
  };

  const title = `peerbench report — ${runs.map((r) => r.manifest.id).join(", ")}`;
  const chunkScripts = chunks
    .map((c, i) => `<script type="application/octet-stream" id="pb-chunk-${i}">${c}</script>`)
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src ${options.review ? "'self'" : "'none'"}; form-action 'none'">
<link rel="icon" href="data:,">
${options.source ? `<meta name="peerbench-source" content="${options.source}">\n` : ""}<title>${escapeHtml(title)}</title>
<style>${asset("report.css")}</style>
</head>
<body>
<div id="app"><noscript>This report needs JavaScript to render its tables and charts.</noscript></div>
<script type="application/json" id="pb-data">${redact(scriptJson(data))}</script>
<script>${asset("client.js")}</script>
${chunkScripts}
</body>
</html>
`;
}

function fileStamp(path: string): string {
  if (!existsSync(path)) return "-";
  const st = statSync(path);
  return `${st.size}:${st.mtimeMs}`;
}

/**
 * What a report over these runs is made of: each run's directory, manifest, trials.jsonl and reviews.jsonl (size and
 * modification time), and the page's own code. Transcripts are written before their trial's line, so a new or
 * rewritten transcript comes with a changed trials.jsonl.
 */
export function reportSourceKey(runDirs: readonly string[]): string {
  const hash = createHash("sha256");
  hash.update(asset("client.js")).update(asset("report.css"));
  hash.update(readFileSync(new URL(import.meta.url), "utf8"));
  for (const dir of runDirs) {
    const d = resolve(dir);
    hash.update(`\u0000${d}\u0000${fileStamp(join(d, "manifest.json"))}\u0000${fileStamp(join(d, "trials.jsonl"))}`);
    hash.update(`\u0000${fileStamp(join(d, REVIEWS_FILE))}`);
  }
  return hash.digest("hex").slice(0, 32);
}

const SOURCE_META = /<meta name="peerbench-source" content="([0-9a-f]{32})">/;

/** The source key an existing report file was written from (null: none, or not a report). */
function writtenSourceKey(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, "r");
    const head = Buffer.alloc(2048);
    const n = readSync(fd, head, 0, head.length, 0);
    return SOURCE_META.exec(head.subarray(0, n).toString("utf8"))?.[1] ?? null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Write a self-contained HTML report over one or more run directories to `outFile` (atomically). A file already
 * written from the same runs, unchanged since, is kept as it is (`false`): a finished run is not rebuilt on every
 * `--resume` that ran nothing. `force` rebuilds regardless.
 */
export async function writeHtmlReport(
  runDirs: string[],
  outFile: string,
  options: { skipMalformed?: boolean; force?: boolean } = {},
): Promise<boolean> {
  checkReportTarget(outFile);
  const source = reportSourceKey(runDirs);
  if (!options.force && writtenSourceKey(resolve(outFile)) === source) return false;
  // a written file is static: its review form builds the command to copy, it never posts anywhere
  const html = await buildHtmlReport(runDirs, { ...options, source });
  const target = resolve(outFile);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(tmp, html, "utf8");
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw reportFileError(outFile, e);
  }
  return true;
}

/** The HTML report cannot be written where asked: one line (the CLI exits with 2), nothing left behind. */
export class ReportFileError extends Error {
  override name = "InputError";
}

const WHY: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EISDIR: "it is a directory",
  ENOTDIR: "a path component is a file, not a directory",
};

function reportFileError(outFile: string, e: unknown): ReportFileError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = (code && WHY[code]) ?? (e as Error).message;
  return new ReportFileError(`cannot write the HTML report ${outFile}: ${why}${code ? ` (${code})` : ""}`);
}

/**
 * Say before any work whether `outFile` can be written: not a directory, and its folder (or the nearest existing
 * one, which mkdir would extend) writable.
 */
export function checkReportTarget(outFile: string): void {
  const problem = outputFileProblem(outFile);
  if (problem === "directory") {
    throw new ReportFileError(
      `--html ${outFile} is a directory; give a file name such as ${join(outFile, "report.html")}`,
    );
  }
  if (problem) throw reportFileError(outFile, problem);
}

/**
 * Write `<runDir>/report.html` and return its path (called at the end of every run). Malformed trial lines are
 * skipped and counted in the report rather than failing the run.
 */
export async function writeRunReport(runDir: string): Promise<string> {
  const out = join(runDir, "report.html");
  await writeHtmlReport([runDir], out, { skipMalformed: true });
  return out;
}
