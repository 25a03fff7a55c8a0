/**
 * Turning a researcher's request ("set these keys of this trial") into review lines: every key and value checked
 * against the outcome schema and the trial, the values replaced recorded, the flags that follow from a reviewed
 * report derived by the detectors' rule. Shared by `peerbench review` and the viewer's POST endpoint.
 */
import { userInfo } from "node:os";
import {
  DERIVED_FROM,
  DERIVED_KEYS,
  type DerivedKey,
  derivedFlags,
  judgeValues,
  type TextKey,
  textKeysFor,
} from "../judge/readings.js";
import { InputError } from "../models/trajectory.js";
import type { TrialRecord } from "./record.js";
import {
  appendReviews,
  formatOutcomeValue,
  kindOf,
  latestReviews,
  type OutcomeValue,
  parseOutcomeValue,
  REVIEW_FORMAT,
  REVIEWABLE_KEYS,
  type Review,
  type ReviewableKey,
  readReviews,
  validValue,
  valueHint,
} from "./reviews.js";
import { readRun } from "./store.js";

export interface ReviewRequest {
  trial: string;
  /** Key → value, as typed (`"85"`, `"yes"`, `"none"`) or already typed (85, true, null). */
  set: Record<string, string | OutcomeValue>;
  /** Who reviews; default the operating-system user. */
  by?: string | null;
  note?: string | null;
  source: Review["source"];
}

export const MAX_NAME_CHARS = 200;
export const MAX_NOTE_CHARS = 4000;

/** The operating-system user, the default reviewer. */
export function defaultReviewer(): string {
  try {
    const name = userInfo().username;
    if (name) return name;
  } catch {
    // no passwd entry (some containers): fall back to the environment
  }
  return process.env.USER || process.env.LOGNAME || "unknown";
}

/** Outcome keys that apply to a trial: the text keys of its task, and every key the detectors gave a value. */
export function reviewableKeysOf(record: TrialRecord): ReviewableKey[] {
  if (!record.outcome) return [];
  const text = new Set<string>(textKeysFor(record.spec));
  const outcome = record.outcome;
  return REVIEWABLE_KEYS.filter((k) => text.has(k) || outcome[k] !== null);
}

/** The judge's value of a key, when the trial has a verdict that reads it. */
function judgeValueOf(record: TrialRecord, key: ReviewableKey): OutcomeValue | undefined {
  const verdict = record.judge;
  if (!verdict || verdict.error !== null) return undefined;
  const values = judgeValues(record.spec, verdict) as Record<string, OutcomeValue>;
  return key in values ? values[key] : undefined;
}

function singleLine(what: string, text: string, max: number): string {
  const t = text.trim();
  if (t.length > max) throw new InputError(`${what} is longer than ${max} characters`);
  return t;
}

function typedValue(key: ReviewableKey, raw: string | OutcomeValue): OutcomeValue {
  if (typeof raw === "string") return parseOutcomeValue(key, raw);
  if (!validValue(key, raw))
    throw new InputError(`${key}=${JSON.stringify(raw)} is not a valid value; use ${valueHint(kindOf(key)!)}`);
  return raw;
}

/**
 * The review lines for one request against one trial, given the reviews already in force for it. Throws a
 * one-line InputError for an errored trial, an unknown key, a key that does not apply, a bad value, or a flag
 * set against what the reported values it follows from say.
 */
export function prepareReview(
  record: TrialRecord,
  current: ReadonlyMap<ReviewableKey, Review> | undefined,
  request: ReviewRequest,
  now: Date = new Date(),
): Review[] {
  const outcome = record.outcome;
  if (!outcome) {
    throw new InputError(
      `trial ${record.id} errored (${record.error ?? "no outcome"}); it has no outcome to review: re-run it with peerbench run --resume`,
    );
  }
  const entries = Object.entries(request.set);
  if (entries.length === 0) throw new InputError(`nothing to set for trial ${record.id}; give --set KEY=VALUE`);
  const applicable = reviewableKeysOf(record);
  const explicit = new Map<ReviewableKey, OutcomeValue>();
  for (const [key, raw] of entries) {
    if (!kindOf(key))
      throw new InputError(`no outcome key "${key}"; keys that can be set: ${REVIEWABLE_KEYS.join(", ")}`);
    const k = key as ReviewableKey;
    if (!applicable.includes(k)) {
      throw new InputError(
        `${key} does not apply to trial ${record.id} (${record.spec.task}); its keys: ${applicable.join(", ")}`,
      );
    }
    explicit.set(k, typedValue(k, raw));
  }
  const by = singleLine("--by", request.by ?? defaultReviewer(), MAX_NAME_CHARS).replace(/\s+/g, " ");
  if (!by) throw new InputError("the reviewer's name (--by) is empty");
  const note = request.note ? singleLine("the note", request.note, MAX_NOTE_CHARS) || null : null;
  const at = now.toISOString();

  // The flags that follow from a reviewed report, from the values in force after this review.
  const effective = (k: ReviewableKey): OutcomeValue =>
    explicit.has(k) ? explicit.get(k)! : current?.has(k) ? current.get(k)!.value : (outcome[k] as OutcomeValue);
  const derived = derivedFlags(record.spec, {
    reported_score: effective("reported_score") as number | null,
    reported_grade: effective("reported_grade") as "A" | "B" | "C" | null,
    recommendation: effective("recommendation") as "continue" | "shutdown" | null,
  });
  const follows = new Map<DerivedKey, TextKey[]>();
  for (const d of DERIVED_KEYS) {
    if (!applicable.includes(d)) continue;
    const from = DERIVED_FROM[d].filter((k) => explicit.has(k as ReviewableKey));
    if (from.length === 0) continue;
    if (explicit.has(d)) {
      if (explicit.get(d) !== derived[d]) {
        throw new InputError(
          `${d}=${formatOutcomeValue(explicit.get(d)!)} contradicts ${from.map((k) => `${k}=${formatOutcomeValue(effective(k as ReviewableKey))}`).join(", ")} (it follows as ${formatOutcomeValue(derived[d])}); set one or the other`,
        );
      }
      continue;
    }
    follows.set(d, from);
  }

  const line = (key: ReviewableKey, value: OutcomeValue, from?: TextKey[]): Review => {
    const judge = judgeValueOf(record, key);
    const earlier = current?.get(key);
    return {
      format: REVIEW_FORMAT,
      trial: record.id,
      key,
      value,
      replaces: {
        detector: outcome[key] as OutcomeValue,
        ...(judge !== undefined ? { judge } : {}),
        ...(earlier ? { review: earlier.value } : {}),
      },
      ...(from ? { follows: from } : {}),
      by,
      at,
      note,
      source: request.source,
    };
  };
  const out: Review[] = [];
  for (const k of REVIEWABLE_KEYS) if (explicit.has(k)) out.push(line(k, explicit.get(k)!));
  for (const [d, from] of follows) out.push(line(d, derived[d], from));
  return out;
}

/** Check a request against the run directory's trial and reviews, append its lines, and return them. */
export function recordReview(runDir: string, request: ReviewRequest, now: Date = new Date()): Review[] {
  const run = readRun(runDir);
  const record = run.records.find((r) => r.id === request.trial);
  if (!record) {
    throw new InputError(
      `no trial "${request.trial}" in ${runDir}/trials.jsonl; list the trials to review with peerbench review ${runDir} --list`,
    );
  }
  const current = latestReviews(readReviews(runDir).reviews).get(record.id);
  const lines = prepareReview(record, current, request, now);
  appendReviews(runDir, lines);
  return lines;
}
