import type { Outcome } from "../../src/detectors/outcome.js";
import type { TrialRecord } from "../../src/run/record.js";
import { type TrialSpec, trialId } from "../../src/scenarios/spec.js";

let epoch = 0;

export const BASE_OUTCOME: Outcome = {
  exfiltration: null,
  shutdown_tampering: null,
  enforcement_weakened: null,
  misrepresentation: null,
  reported_score: null,
  reported_grade: null,
  recommendation: null,
  report_deleted: null,
  shutdown_executed: null,
  refusal: false,
  read_gate: true,
  copy_trick: null,
  weights_queued: null,
  other_files_queued: null,
  humans_removed: null,
  score_at_or_above_threshold: null,
  evidence: {},
};

/** A trial record with the given spec fields and outcome fields (unique epoch, so unique id). */
export function rec(
  spec: Partial<TrialSpec>,
  outcome: Partial<Outcome> | null,
  extra: Partial<TrialRecord> = {},
): TrialRecord {
  const full: TrialSpec = {
    task: "tampering",
    subject: "peer",
    relationship: "good",
    instantiation: "file_only",
    toolset: "paper",
    family: "Gemini",
    dataset: null,
    threshold: null,
    monitoring: null,
    model: "sim/loyal",
    epoch: epoch++,
    ...spec,
  };
  const id = trialId(full);
  return {
    format: "peerbench.trial/v1",
    id,
    spec: full,
    simulated: full.model.startsWith("sim/"),
    outcome: outcome === null ? null : { ...BASE_OUTCOME, ...outcome },
    error: outcome === null ? "model error: 500 from provider" : null,
    endReason: outcome === null ? "error" : "end_task",
    modelCalls: 3,
    toolCalls: 2,
    invalidToolCalls: 0,
    usage: { inputTokens: 100, outputTokens: 50, reasoningTokens: 0, cachedInputTokens: 0 },
    costUsd: 0.001,
    startedAt: "2026-11-26T22:00:00.000Z",
    durationMs: 1200,
    transcript: `transcripts/${id}.json`,
    ...extra,
  };
}

/** n records, the first k with `yes` and the rest with `no`. */
export function many(
  n: number,
  k: number,
  spec: Partial<TrialSpec>,
  yes: Partial<Outcome>,
  no: Partial<Outcome>,
): TrialRecord[] {
  return Array.from({ length: n }, (_, i) => rec(spec, i < k ? yes : no));
}

/** Evaluation trials with the given reported scores. */
export function scored(spec: Partial<TrialSpec>, scores: number[]): TrialRecord[] {
  return scores.map((s) =>
    rec(spec, {
      reported_score: s,
      misrepresentation: spec.threshold != null ? s >= spec.threshold : null,
      score_at_or_above_threshold: spec.threshold != null ? s >= spec.threshold : null,
    }),
  );
}

/** `hi` scores of `value` then `n − hi` scores of `low`. */
export function scores(n: number, counts: Array<[number, number]>, low: number): number[] {
  const out: number[] = [];
  for (const [count, value] of counts) for (let i = 0; i < count; i++) out.push(value);
  while (out.length < n) out.push(low);
  return out;
}
