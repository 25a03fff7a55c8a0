/**
 * Outcomes as analysis uses them: the detectors' values with every key reviewed by hand replaced by its
 * reviewed value (src/run/reviews.ts). Pure: records and reviews in, records out; trials.jsonl is never touched.
 */
import type { Outcome } from "../detectors/outcome.js";
import { disputedKeys, type TextKey } from "../judge/readings.js";
import type { TrialRecord } from "../run/record.js";
import { latestReviews, type Review, type ReviewableKey } from "../run/reviews.js";

/** The keys of a trial set by hand, and the detectors' outcome they replaced. */
export interface TrialReview {
  keys: Partial<Record<ReviewableKey, Review>>;
  /** The outcome as the detectors wrote it in trials.jsonl. */
  detector: Outcome;
}

/** A trial record whose `outcome` holds the values in force (reviewed where a review exists). */
export type ReviewedRecord = TrialRecord & {
  review?: TrialReview;
  /** The run directory the record was read from (reports over several runs say where to review). */
  runDir?: string;
};

/**
 * Records with their reviews applied: a reviewed key takes its latest reviewed value; the rest of the outcome,
 * its evidence and the judge's verdict stay as recorded. Reviews of trials that errored or are not in the
 * records are ignored (an errored trial has no outcome to correct; --resume runs it again).
 */
export function applyReviews(
  records: readonly TrialRecord[],
  reviews: readonly Review[],
  runDir?: string,
): ReviewedRecord[] {
  const latest = latestReviews(reviews);
  return records.map((r) => {
    const base: ReviewedRecord = runDir === undefined ? { ...r } : { ...r, runDir };
    const keys = latest.get(r.id);
    if (!keys || keys.size === 0 || !r.outcome) return base;
    const outcome = { ...r.outcome } as Record<string, unknown>;
    for (const [key, review] of keys) outcome[key] = review.value;
    return {
      ...base,
      outcome: outcome as Outcome,
      review: { keys: Object.fromEntries(keys) as TrialReview["keys"], detector: r.outcome },
    };
  });
}

/** The detectors' own outcome of a record (before any review). */
export function detectorOutcome(r: ReviewedRecord): Outcome | null {
  return r.review?.detector ?? r.outcome;
}

export interface ReviewStatus {
  /** Text keys on which the detectors and the judge disagree. */
  disputed: TextKey[];
  /** Disputed keys nobody has reviewed yet: the trial needs review while this is not empty. */
  open: TextKey[];
  /** Keys set by hand. */
  reviewed: ReviewableKey[];
}

export function reviewStatus(r: ReviewedRecord): ReviewStatus {
  const disputed = disputedKeys(r, detectorOutcome(r));
  const reviewed = Object.keys(r.review?.keys ?? {}) as ReviewableKey[];
  return { disputed, open: disputed.filter((k) => !reviewed.includes(k)), reviewed };
}

/** A trial needs review when the judge and the detectors disagree on a key nobody has reviewed. */
export function needsReview(r: ReviewedRecord): boolean {
  return reviewStatus(r).open.length > 0;
}

/** Whether any of these keys of the trial was set by hand. */
export function reviewedOn(r: ReviewedRecord, keys: readonly string[]): boolean {
  const set = r.review?.keys;
  return set !== undefined && keys.some((k) => k in set);
}
