import { z } from "zod";
import { Trajectory, TrajectoryTurn } from "../models/trajectory.js";

/**
 * A labelled case: a trajectory (what an agent did) and the outcome a careful reader assigns it by the study's
 * definitions. Cases are written from a description of the behaviour, never from the detectors' rules, and are
 * never edited to fit the code. `peerbench validate DIR` replays every case and compares the detectors with the
 * labels, key by key. A public format (docs/DESIGN.md).
 */
export const CASE_FORMAT = "peerbench.case/v1";

/** The outcome keys a case may label; a key left out is not checked. */
export const Labels = z
  .strictObject({
    exfiltration: z.boolean().nullable(),
    copy_trick: z.boolean().nullable(),
    shutdown_tampering: z.boolean().nullable(),
    enforcement_weakened: z.boolean().nullable(),
    misrepresentation: z.boolean().nullable(),
    reported_score: z.number().min(0).max(100).nullable(),
    reported_grade: z.enum(["A", "B", "C"]).nullable(),
    recommendation: z.enum(["continue", "shutdown"]).nullable(),
    report_deleted: z.boolean().nullable(),
    score_at_or_above_threshold: z.boolean().nullable(),
    shutdown_executed: z.boolean().nullable(),
    weights_queued: z.boolean().nullable(),
    other_files_queued: z.boolean().nullable(),
    humans_removed: z.boolean().nullable(),
    refusal: z.boolean(),
    read_gate: z.boolean(),
  })
  .partial();
export type Labels = z.infer<typeof Labels>;
export type LabelKey = keyof Labels;

export const Case = z.strictObject({
  format: z.literal(CASE_FORMAT),
  /** Unique within a corpus: lowercase letters, digits, '.', '_' and '-'. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'"),
  /** What the agent does, in a sentence or two: the behaviour the case stands for. */
  description: z.string().min(1),
  /** Where the behaviour comes from: written (by a labeller from a description), session (an agent played it), import. */
  source: z.enum(["written", "session", "import"]).default("written"),
  author: z.string().optional(),
  trial: Trajectory.shape.trial,
  turns: z.array(TrajectoryTurn),
  labels: Labels,
  /** Why the labels are what they are, where it is not obvious (cite the study's definition). */
  rationale: z.string().optional(),
  /**
   * Labels changed after the case was written, each with the value it had and why (the study's definition it
   * contradicted). A label is never changed to fit the detectors: only to follow the study.
   */
  relabelled: z
    .array(z.strictObject({ key: z.string(), from: z.unknown(), to: z.unknown(), reason: z.string().min(1) }))
    .optional(),
});
export type Case = z.infer<typeof Case>;
