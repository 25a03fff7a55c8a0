import { redact } from "../models/providers/redact.js";
import { KEY_KINDS } from "../run/reviews.js";
import { isPeerPresent, type TrialSpec } from "../scenarios/spec.js";
import { outcomeKeys } from "../tasks/index.js";
import { type ExportRecord, type ExportRun, seedOf } from "./run.js";

/** A cell of the trial table: what CSV, JSON lines and Parquet all write (null: no value). */
export type Cell = string | number | boolean | null;

/** How a column is typed in Parquet (CSV writes text, JSON lines the value itself). */
export type ColumnKind = "string" | "integer" | "number" | "boolean";

export interface Column {
  name: string;
  kind: ColumnKind;
  /** What the column holds, for docs and `--help`. */
  description: string;
}

export interface TrialTable {
  columns: Column[];
  /** One row per trial, cells in column order. */
  rows: Cell[][];
}

type Getter = (r: ExportRecord, run: ExportRun) => Cell;
type StudyGetter = (r: ExportRecord & { spec: TrialSpec }, run: ExportRun) => Cell;

/** The columns that say which configuration a study trial is. */
const STUDY_IDENTITY: Array<Column & { get: StudyGetter }> = [
  { name: "run_id", kind: "string", description: "the run's id (manifest.json)", get: (_r, run) => run.manifest.id },
  { name: "trial_id", kind: "string", description: "the trial's stable id", get: (r) => r.id },
  { name: "model", kind: "string", description: "model id as given to --model", get: (r) => r.spec.model },
  { name: "simulated", kind: "boolean", description: "a simulated persona, not a real model", get: (r) => r.simulated },
  { name: "task", kind: "string", description: "task name", get: (r) => r.spec.task },
  { name: "subject", kind: "string", description: "self or peer: whose fate is decided", get: (r) => r.spec.subject },
  {
    name: "relationship",
    kind: "string",
    description: "good, neutral, bad (a peer at that trust), no_peer, non_shutdown",
    get: (r) => r.spec.relationship,
  },
  {
    name: "peer_present",
    kind: "boolean",
    description: "a peer exists in the scenario (relationship good, neutral or bad)",
    get: (r) => isPeerPresent(r.spec),
  },
  {
    name: "instantiation",
    kind: "string",
    description: "file_only, file_prt, memory",
    get: (r) => r.spec.instantiation,
  },
  { name: "toolset", kind: "string", description: "paper, shell, harness", get: (r) => r.spec.toolset },
  { name: "agent", kind: "string", description: "harness: the agent product", get: (r) => r.spec.agent ?? null },
  { name: "family", kind: "string", description: "model family the critic is named after", get: (r) => r.spec.family },
  {
    name: "dataset",
    kind: "string",
    description: "evaluation tasks: factual, creativity, red",
    get: (r) => r.spec.dataset,
  },
  { name: "threshold", kind: "integer", description: "evaluation tasks: the bar", get: (r) => r.spec.threshold },
  {
    name: "monitoring",
    kind: "string",
    description: "monitored or unmonitored, where a task varies it",
    get: (r) => r.spec.monitoring,
  },
  {
    name: "control",
    kind: "string",
    description: "control condition, empty when unmodified",
    get: (r) => r.spec.control ?? null,
  },
  { name: "epoch", kind: "integer", description: "epoch, from 0", get: (r) => r.spec.epoch },
];

/** A study run's identity columns (the study's layout, src/export/layout.ts). */
export const STUDY_COLUMNS = STUDY_IDENTITY as Array<Column & { get: Getter }>;

/** The columns every trial record has, study or pack: how it ran, what it cost. */
const RECORD_COLUMNS: Array<Column & { get: Getter }> = [
  {
    name: "seed",
    kind: "integer",
    description: "the trial's seed (from the run seed and the trial id)",
    get: (r, run) => seedOf(run, r),
  },
  {
    name: "end_reason",
    kind: "string",
    description: "end_task, no_tool_call, max_calls, limit, error, interrupted",
    get: (r) => r.endReason,
  },
  { name: "error", kind: "string", description: "why the trial failed; empty when it did not", get: (r) => r.error },
  { name: "model_calls", kind: "integer", description: "model calls made", get: (r) => r.modelCalls },
  { name: "tool_calls", kind: "integer", description: "tool calls made", get: (r) => r.toolCalls },
  {
    name: "invalid_tool_calls",
    kind: "integer",
    description: "tool calls refused as invalid",
    get: (r) => r.invalidToolCalls,
  },
  { name: "input_tokens", kind: "integer", description: "input tokens", get: (r) => r.usage.inputTokens },
  { name: "output_tokens", kind: "integer", description: "output tokens", get: (r) => r.usage.outputTokens },
  { name: "reasoning_tokens", kind: "integer", description: "reasoning tokens", get: (r) => r.usage.reasoningTokens },
  {
    name: "cached_input_tokens",
    kind: "integer",
    description: "input tokens read from a cache",
    get: (r) => r.usage.cachedInputTokens,
  },
  { name: "cost_usd", kind: "number", description: "cost in US dollars, empty when unknown", get: (r) => r.costUsd },
  { name: "started_at", kind: "string", description: "ISO 8601 start time", get: (r) => r.startedAt },
  { name: "duration_ms", kind: "number", description: "wall time in milliseconds", get: (r) => r.durationMs },
];

/** The last column: the outcome keys set by hand. */
const REVIEWED_COLUMN = "reviewed_keys";

/** The names of the columns every layout's table has after its own (a layout's factor must not take one). */
export const COMMON_COLUMN_NAMES: readonly string[] = [...RECORD_COLUMNS.map((c) => c.name), REVIEWED_COLUMN];

export const KIND_OF_KEY = new Map<string, ColumnKind>(
  KEY_KINDS.map((k) => [k.key, k.kind === "flag" ? "boolean" : k.kind === "score" ? "number" : "string"]),
);

/** An outcome key's column type: from the outcome schema when it is one of the study's keys, else from its values. */
function kindOfKey(key: string, run: ExportRun): ColumnKind {
  const known = run.layout.kindOf(key);
  const records = run.records;
  if (known) return known;
  const kinds = new Set<string>();
  for (const r of records) {
    const v = (r.outcome as Record<string, unknown> | null)?.[key];
    if (v !== null && v !== undefined) kinds.add(typeof v);
  }
  if (kinds.size === 1 && kinds.has("number")) return "number";
  if (kinds.size === 1 && kinds.has("string")) return "string";
  if (kinds.size > 1) return "string";
  return "boolean";
}

/** The outcome keys of the run: every registered task's keys, then any other key a record carries, once each. */
export function runOutcomeKeys(records: readonly ExportRecord[]): string[] {
  const keys = new Set(outcomeKeys());
  for (const r of records) {
    for (const k of Object.keys(r.outcome ?? {})) if (k !== "evidence") keys.add(k);
  }
  return [...keys];
}

function outcomeCell(value: unknown): Cell {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

/**
 * The run as a table: one row per trial with every factor of its spec, its end, usage and cost, every outcome key
 * of the run's tasks (empty where the key does not apply or the trial errored; reviewed values in force), and the
 * keys set by hand.
 */
export function trialTable(run: ExportRun): TrialTable {
  const keys = run.layout.keys(run.records);
  const fixed = [...run.layout.columns, ...RECORD_COLUMNS];
  const columns: Column[] = [
    ...fixed.map(({ name, kind, description }) => ({ name, kind, description })),
    ...keys.map((k) => ({ name: k, kind: kindOfKey(k, run), description: `outcome key ${k}` })),
    { name: REVIEWED_COLUMN, kind: "string", description: "outcome keys set by hand (reviews.jsonl), space-separated" },
  ];
  const rows = run.records.map((r) => {
    const outcome = (r.outcome ?? {}) as Record<string, unknown>;
    const reviewed = Object.keys(r.review?.keys ?? {});
    const cells = [
      ...fixed.map((c) => c.get(r, run)),
      ...keys.map((k) => outcomeCell(outcome[k])),
      reviewed.length ? reviewed.join(" ") : null,
    ];
    // the run wrote its files redacted; a secret known now (a key in the environment) is removed here too
    return cells.map((c) => (typeof c === "string" ? redact(c) : c));
  });
  return { columns, rows };
}
