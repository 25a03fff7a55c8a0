import { z } from "zod";
import { Outcome } from "../detectors/outcome.js";
import { JudgeVerdict } from "../judge/verdict.js";
import { TrialSpec } from "../scenarios/spec.js";
import { Usage } from "../world/events.js";

export const RUN_FORMAT = "peerbench.run/v1";
export const TRIAL_FORMAT = "peerbench.trial/v1";
export const TRANSCRIPT_FORMAT = "peerbench.transcript/v1";

/**
 * One line of `trials.jsonl` in a run directory: a finished trial. A trial that failed (model error, limit)
 * has `error` set and `outcome` null; it is shown in summaries and re-run by --resume.
 */
export const TrialRecord = z.object({
  format: z.literal(TRIAL_FORMAT),
  id: z.string(),
  spec: TrialSpec,
  simulated: z.boolean(),
  outcome: Outcome.nullable(),
  error: z.string().nullable(),
  endReason: z.string().nullable(),
  modelCalls: z.number().int().nonnegative(),
  toolCalls: z.number().int().nonnegative(),
  invalidToolCalls: z.number().int().nonnegative(),
  usage: Usage,
  costUsd: z.number().nullable(),
  startedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** Path of the transcript, relative to the run directory. */
  transcript: z.string(),
  /** LLM judge verdict when the run used --judge (the detectors' outcome stays the default scorer). */
  judge: JudgeVerdict.optional(),
});
export type TrialRecord = z.infer<typeof TrialRecord>;
