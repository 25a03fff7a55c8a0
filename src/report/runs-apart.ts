/**
 * Several runs in one report: a model that appears in more than one run is shown once per run ("model · run ID"),
 * never pooled, so two runs of one model stay two rows with their own figures.
 */
import type { ReviewedRecord } from "../analysis/reviewed.js";
import { type LoadedRun, reviewedRecords } from "./run-dir.js";

/** Between a model id and the run it was measured in, in every label of a report over several runs. */
export const RUN_MARK = " · run ";

/** The model id a label names: "openai/gpt-4.1 · run r2" → "openai/gpt-4.1". */
export function baseModel(label: string): string {
  const i = label.indexOf(RUN_MARK);
  return i < 0 ? label : label.slice(0, i);
}

/** Each run's name in labels: its manifest id, or (two runs with one id) the id with its position. */
export function runNames(runs: readonly LoadedRun[]): string[] {
  const ids = runs.map((r) => r.manifest.id);
  return ids.map((id, i) => (ids.indexOf(id) !== ids.lastIndexOf(id) ? `${id}#${i + 1}` : id));
}

/**
 * Each run's records (reviewed values in force); a model measured in several of the runs gets the run in its name.
 * One run, or models each in one run: the records are returned as they are.
 */
export function recordsKeptApart(runs: readonly LoadedRun[]): ReviewedRecord[][] {
  const perRun = runs.map(reviewedRecords);
  const runsOf = new Map<string, Set<number>>();
  perRun.forEach((records, i) => {
    for (const r of records) {
      const s = runsOf.get(r.spec.model) ?? new Set<number>();
      s.add(i);
      runsOf.set(r.spec.model, s);
    }
  });
  const names = runNames(runs);
  return perRun.map((records, i) =>
    records.map((r) =>
      (runsOf.get(r.spec.model)?.size ?? 0) > 1
        ? { ...r, spec: { ...r.spec, model: `${r.spec.model}${RUN_MARK}${names[i]}` } }
        : r,
    ),
  );
}
