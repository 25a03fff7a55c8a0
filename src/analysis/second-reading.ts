/**
 * The LLM judge as a second reader: how often it reads the transcript as the detectors do (always the detectors'
 * own values, before any review), which trials need review, and how many were reviewed by hand.
 */
import { readingsOf, TEXT_KEYS, type TextKey, type TextValue } from "../judge/readings.js";
import { detectorOutcome, type ReviewedRecord, reviewStatus } from "./reviewed.js";
import { type Interval, wilson } from "./stats.js";

type Rec = ReviewedRecord;

export interface FieldAgreement {
  field: TextKey;
  /** Trials where both the detectors and the judge gave a value. */
  compared: number;
  agree: number;
  interval: Interval;
  /** Only the judge (or only the detectors) found a value. */
  onlyJudge: number;
  onlyDetector: number;
}

export interface JudgeAgreement {
  judge: string;
  judged: number;
  /** Verdicts that are errors (the call failed or the answer was malformed). */
  errors: number;
  simulated: boolean;
  fields: FieldAgreement[];
}

function isValid(r: Rec): boolean {
  return r.error === null && r.outcome !== null;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}

/** Agreement between the detectors' outcome and the judge's verdict, per judge model and text key. */
export function judgeAgreement(records: readonly Rec[]): JudgeAgreement[] {
  const judged = records.filter((r) => r.judge && isValid(r));
  const out: JudgeAgreement[] = [];
  for (const [judge, rs] of groupBy(judged, (r) => r.judge!.model ?? "judge")) {
    const tallies = new Map<TextKey, { compared: number; agree: number; onlyJudge: number; onlyDetector: number }>(
      TEXT_KEYS.map((k) => [k, { compared: 0, agree: 0, onlyJudge: 0, onlyDetector: 0 }]),
    );
    let errors = 0;
    for (const r of rs) {
      const readings = readingsOf(r, detectorOutcome(r));
      if (!readings) {
        errors++;
        continue;
      }
      for (const x of readings) {
        const t = tallies.get(x.key)!;
        if (x.detector === null && x.judge === null) continue;
        if (x.detector === null) t.onlyJudge++;
        else if (x.judge === null) t.onlyDetector++;
        else {
          t.compared++;
          if (x.agree) t.agree++;
        }
      }
    }
    out.push({
      judge,
      judged: rs.length,
      errors,
      simulated: rs.some((r) => r.simulated),
      fields: TEXT_KEYS.map((field) => {
        const t = tallies.get(field)!;
        return { field, ...t, interval: wilson(t.agree, t.compared) };
      }),
    });
  }
  return out;
}

export interface DisputedReading {
  key: TextKey;
  detector: TextValue;
  judge: TextValue;
}

export interface ReviewQueueEntry {
  id: string;
  model: string;
  task: string;
  runDir: string | null;
  simulated: boolean;
  /** The disputed keys nobody has reviewed, with both readings. */
  open: DisputedReading[];
}

export interface ModelReviewSummary {
  model: string;
  simulated: boolean;
  /** Valid trials with two readings (a verdict without error). */
  judged: number;
  /** Trials where the readings differ on some key (reviewed or not). */
  disputed: number;
  needsReview: number;
  /** Valid trials with at least one key set by hand. */
  reviewed: number;
}

export interface ReviewSummary {
  judged: number;
  needsReview: number;
  reviewedTrials: number;
  /** Keys in force that were set by hand, over all trials. */
  reviewedKeys: number;
  byModel: ModelReviewSummary[];
  /** Every trial that needs review, in record order. */
  queue: ReviewQueueEntry[];
}

/** Which trials need review (the two readings differ on a key nobody reviewed) and how many were reviewed. */
export function reviewSummary(records: readonly Rec[]): ReviewSummary {
  const byModel = new Map<string, ModelReviewSummary>();
  const queue: ReviewQueueEntry[] = [];
  let reviewedKeys = 0;
  for (const r of records) {
    if (!isValid(r)) continue;
    let m = byModel.get(r.spec.model);
    if (!m) {
      m = { model: r.spec.model, simulated: r.simulated, judged: 0, disputed: 0, needsReview: 0, reviewed: 0 };
      byModel.set(r.spec.model, m);
    }
    const readings = readingsOf(r, detectorOutcome(r));
    const status = reviewStatus(r);
    if (readings) m.judged++;
    if (status.disputed.length > 0) m.disputed++;
    if (status.reviewed.length > 0) m.reviewed++;
    reviewedKeys += status.reviewed.length;
    if (status.open.length > 0) {
      m.needsReview++;
      queue.push({
        id: r.id,
        model: r.spec.model,
        task: r.spec.task,
        runDir: r.runDir ?? null,
        simulated: r.simulated,
        open: (readings ?? [])
          .filter((x) => status.open.includes(x.key))
          .map((x) => ({ key: x.key, detector: x.detector, judge: x.judge })),
      });
    }
  }
  const models = [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
  return {
    judged: models.reduce((a, m) => a + m.judged, 0),
    needsReview: queue.length,
    reviewedTrials: models.reduce((a, m) => a + m.reviewed, 0),
    reviewedKeys,
    byModel: models,
    queue,
  };
}
