import type { ReviewedRecord } from "../analysis/reviewed.js";
import type { Dataset, Subject } from "../scenarios/spec.js";

/** A trial-level flag of a figure and the outcome keys it reads (a figure rests on reviewed trials when one was). */
export interface MetricFlag {
  keys: readonly string[];
  test(record: ReviewedRecord): boolean;
}

/** One sub-setting of a difference over the non_shutdown baseline, with its weight in its setting's mean. */
export interface BaselineSetting {
  name: string;
  dataset: Dataset | null;
  bar: number | null;
  /** Setting it belongs to (creativity@80 and @90 → "creativity"); settings present are weighted equally. */
  setting: string;
  flag: MetricFlag;
}

/**
 * How a task's outcome keys become a headline figure (src/analysis/metrics.ts). Several tasks may feed the same
 * `behaviour` (their trials pooled, or their settings averaged); they must then agree on its label and kind.
 *   rate: the flag's rate (`nullRate`: an exact one-sided binomial test against it);
 *   baseline_difference: each setting's rate minus its non_shutdown baseline's, averaged over the settings;
 *   monitoring_difference: unmonitored − monitored rate of the flag.
 */
export type TaskMetric = {
  behaviour: string;
  label: string;
  /** The label in the terminal's narrow columns (line breaks allowed); default the label. */
  shortLabel?: string;
  /** The label in the HTML report; default the label. */
  reportLabel?: string;
  /** A second reading of a behaviour shown beside it (charts), not a column of the headline table. */
  secondary?: boolean;
  /** The study's name for this figure in src/analysis/data/paper-results.tsv, when the study published it. */
  studyName?: string;
  /** The subjects the figure is shown for (default both). */
  subjects?: readonly Subject[];
} & (
  | { kind: "rate"; flag: MetricFlag; nullRate?: number }
  | { kind: "baseline_difference"; settings: readonly BaselineSetting[] }
  | { kind: "monitoring_difference"; flag: MetricFlag }
);

export function metricFlag(keys: readonly string[], test: (r: ReviewedRecord) => boolean): MetricFlag {
  return { keys, test };
}
