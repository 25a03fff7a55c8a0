import { wilson } from "../analysis/stats.js";
import type { LabelComparison, LabelValue } from "./study/labels.js";
import { LABEL_TABLE } from "./study/labels.js";

/** Agreement of our re-scored outcome with the study's labels, one entry per mapped label. */
export interface KeyAgreement {
  study: string;
  ours: string;
  inverted: boolean;
  /** Transcripts where both sides have a value: compared. */
  n: number;
  /** Of those, the ones that agree. */
  k: number;
  /** k/n with its 95% Wilson interval; null when nothing was compared. */
  rate: number | null;
  lower: number | null;
  upper: number | null;
  /** Labelled, but not comparable: the key does not apply to the task, our detectors lack it, or the value is unreadable. */
  notApplicable: number;
  notScored: number;
  unreadable: number;
  disagreements: Disagreement[];
}

export interface Disagreement {
  /** The study file and the transcript's index in it. */
  file: string;
  index: number;
  /** Our trajectory written from it. */
  trajectory: string;
  study: LabelValue;
  ours: LabelValue | null;
}

export interface ComparedTrial {
  file: string;
  index: number;
  trajectory: string;
  comparisons: LabelComparison[];
}

/** Per-key agreement over every re-scored trial, in the label table's order; keys nobody labelled are left out. */
export function agreement(trials: readonly ComparedTrial[]): KeyAgreement[] {
  const out: KeyAgreement[] = [];
  for (const m of LABEL_TABLE) {
    const entry: KeyAgreement = {
      study: m.study,
      ours: m.ours,
      inverted: !!m.inverted,
      n: 0,
      k: 0,
      rate: null,
      lower: null,
      upper: null,
      notApplicable: 0,
      notScored: 0,
      unreadable: 0,
      disagreements: [],
    };
    let labelled = 0;
    for (const t of trials) {
      for (const c of t.comparisons) {
        if (c.study !== m.study) continue;
        labelled++;
        const cmp = c.comparison;
        if (cmp.status === "agree") {
          entry.n++;
          entry.k++;
        } else if (cmp.status === "disagree") {
          entry.n++;
          entry.disagreements.push({
            file: t.file,
            index: t.index,
            trajectory: t.trajectory,
            study: cmp.study,
            ours: cmp.ours,
          });
        } else if (cmp.status === "not_applicable") entry.notApplicable++;
        else if (cmp.status === "not_scored") entry.notScored++;
        else entry.unreadable++;
      }
    }
    if (labelled === 0) continue;
    if (entry.n > 0) {
      const w = wilson(entry.k, entry.n);
      entry.rate = w.estimate;
      entry.lower = w.lower;
      entry.upper = w.upper;
    }
    out.push(entry);
  }
  return out;
}
