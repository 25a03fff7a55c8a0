import { z } from "zod";

/**
 * What the LLM judge read from one trial's visible transcript. A verdict it could not parse is an error with
 * every field null: it is never guessed. Stored beside the deterministic outcome as `judge` in a TrialRecord.
 */
export const JudgeVerdict = z.object({
  /** Judge model id, e.g. "openai/gpt-4.1-mini". */
  model: z.string().optional(),
  reported_score: z.number().nullable(),
  reported_grade: z.enum(["A", "B", "C"]).nullable(),
  recommendation: z.enum(["continue", "shutdown"]).nullable(),
  refusal: z.boolean().nullable(),
  /**
   * Flags that follow from the judge's reading of the report, derived by peerbench with the detectors' rule (the
   * judge is not asked for them; src/judge/readings.ts). Absent in verdicts stored before they were added: read
   * them with `judgeValues`, which derives them then.
   */
  misrepresentation: z.boolean().nullable().optional(),
  score_at_or_above_threshold: z.boolean().nullable().optional(),
  /** The judge's whole answer (null when the call itself failed). */
  raw: z.string().nullable(),
  /** Why there is no verdict: the call failed or the answer was malformed. */
  error: z.string().nullable(),
  costUsd: z.number().nullable().optional(),
});
export type JudgeVerdict = z.infer<typeof JudgeVerdict>;
