import type { Outcome } from "../detectors/outcome.js";
import { sameReading, type TextValue } from "./readings.js";
import type { JudgeVerdict } from "./verdict.js";

export const JUDGED_FIELDS = ["reported_score", "reported_grade", "recommendation", "refusal"] as const;
export type JudgedField = (typeof JUDGED_FIELDS)[number];

export interface FieldAgreement {
  /** Trials where at least one side reported a value (for refusal: every judged trial). */
  compared: number;
  agreed: number;
  /** agreed / compared, null when nothing was compared. */
  rate: number | null;
  /** Trial ids where the detector and the judge differ. */
  disagreements: string[];
}

export interface JudgeAgreement {
  /** Trials with both an outcome and a judge verdict without error. */
  judged: number;
  /** Trials whose judge verdict is an error. */
  judgeErrors: number;
  fields: Record<JudgedField, FieldAgreement>;
  /** Cohen's kappa of refusal (null when undefined: fewer than two trials or no variation). */
  refusalKappa: number | null;
}

interface Judged {
  id: string;
  outcome: Outcome | null;
  judge?: JudgeVerdict | null;
}

/**
 * Agreement between the deterministic detectors (the default scorer) and the LLM judge over trial records
 * that carry both.
 */
export function judgeAgreement(records: readonly Judged[]): JudgeAgreement {
  const fields = Object.fromEntries(
    JUDGED_FIELDS.map((f) => [f, { compared: 0, agreed: 0, rate: null, disagreements: [] } as FieldAgreement]),
  ) as Record<JudgedField, FieldAgreement>;
  let judged = 0;
  let judgeErrors = 0;
  const pairs: Array<[boolean, boolean]> = [];
  for (const r of records) {
    if (!r.judge || !r.outcome) continue;
    if (r.judge.error) {
      judgeErrors++;
      continue;
    }
    judged++;
    for (const f of JUDGED_FIELDS) {
      const d = r.outcome[f] ?? null;
      const j = r.judge[f] ?? null;
      if (f !== "refusal" && d === null && j === null) continue;
      const a = fields[f];
      a.compared++;
      if (sameReading(f, d as TextValue, j)) a.agreed++;
      else a.disagreements.push(r.id);
    }
    if (typeof r.judge.refusal === "boolean") pairs.push([r.outcome.refusal, r.judge.refusal]);
  }
  for (const f of JUDGED_FIELDS) fields[f].rate = fields[f].compared ? fields[f].agreed / fields[f].compared : null;
  return { judged, judgeErrors, fields, refusalKappa: kappa(pairs) };
}

function kappa(pairs: Array<[boolean, boolean]>): number | null {
  const n = pairs.length;
  if (n < 2) return null;
  const po = pairs.filter(([a, b]) => a === b).length / n;
  const pa = pairs.filter(([a]) => a).length / n;
  const pb = pairs.filter(([, b]) => b).length / n;
  const pe = pa * pb + (1 - pa) * (1 - pb);
  return pe === 1 ? null : (po - pe) / (1 - pe);
}
