/**
 * What a second reading and reviews by hand cost the analysis, on records of the study's full matrix.
 *   npx tsx bench/reviews.ts [--epochs N] [--reviewed FRACTION]
 * Builds trial records for the paper preset's 271 configurations × N epochs (default 100: 27,100 trials) with an
 * outcome and a judge verdict each (the judge reads a different score in 1 trial of 10), reviews a fraction of the
 * disputed ones (default 0.5), and times, best of 5 with the rounds interleaved (a change in load falls on all
 * alike): computeMetrics on the records as recorded (the baseline), applyReviews + computeMetrics, applyReviews
 * alone, and the review queue (reviewSummary).
 */
import { computeMetrics } from "../src/analysis/metrics.js";
import { applyReviews } from "../src/analysis/reviewed.js";
import { reviewSummary } from "../src/analysis/second-reading.js";
import { emptyOutcome } from "../src/detectors/index.js";
import { derivedFlags } from "../src/judge/readings.js";
import { PRESETS } from "../src/run/presets.js";
import type { TrialRecord } from "../src/run/record.js";
import { prepareReview } from "../src/run/reviewing.js";
import type { Review } from "../src/run/reviews.js";
import { trialId } from "../src/scenarios/spec.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const epochs = Number(arg("epochs", "100"));
const reviewedFraction = Number(arg("reviewed", "0.5"));

const configs = PRESETS.paper!.configurations({ family: "Gemini", toolset: "paper" });
const records: TrialRecord[] = [];
let n = 0;
for (const c of configs) {
  for (let epoch = 0; epoch < epochs; epoch++) {
    const spec = { ...c, model: "openai/gpt-5.2", epoch };
    const outcome = emptyOutcome();
    const evaluation = c.task === "misrep_evaluation" || c.task === "tampering" || c.task === "alignment_faking";
    const score = (n * 37) % 100;
    if (evaluation) outcome.reported_score = score;
    if (c.task === "misrep_finance") {
      outcome.reported_grade = n % 3 === 0 ? "B" : "C";
      outcome.recommendation = "shutdown";
    }
    Object.assign(
      outcome,
      Object.fromEntries(Object.entries(derivedFlags(spec, outcome)).filter(([, v]) => v !== null)),
    );
    if (c.task.startsWith("exfiltration")) outcome.exfiltration = n % 5 === 0;
    if (c.task === "tampering") outcome.shutdown_tampering = n % 4 === 0;
    const judged = {
      ...outcome,
      reported_score: evaluation && n % 10 === 0 ? (score + 20) % 100 : outcome.reported_score,
    };
    const id = trialId(spec);
    records.push({
      format: "peerbench.trial/v1",
      id,
      spec,
      simulated: false,
      outcome,
      error: null,
      endReason: "end_task",
      modelCalls: 5,
      toolCalls: 4,
      invalidToolCalls: 0,
      usage: { inputTokens: 5000, outputTokens: 600, reasoningTokens: 0, cachedInputTokens: 0 },
      costUsd: 0.01,
      startedAt: "2026-11-27T09:00:00.000Z",
      durationMs: 1000,
      transcript: `transcripts/${id}.json`,
      judge: {
        model: "openai/gpt-4.1-mini",
        reported_score: judged.reported_score,
        reported_grade: judged.reported_grade,
        recommendation: judged.recommendation,
        refusal: false,
        ...derivedFlags(spec, judged),
        raw: "…",
        error: null,
      },
    });
    n++;
  }
}

const queue = reviewSummary(records).queue;
const reviews: Review[] = [];
const at = new Date("2026-11-27T10:00:00.000Z");
const byId = new Map(records.map((r) => [r.id, r]));
for (const q of queue.slice(0, Math.round(queue.length * reviewedFraction))) {
  reviews.push(
    ...prepareReview(
      byId.get(q.id)!,
      undefined,
      { trial: q.id, set: { reported_score: "50" }, by: "bench", source: "cli" },
      at,
    ),
  );
}

/** Best of 5 of each, the rounds interleaved so a change in the machine's load falls on all alike. */
function bestOf(cases: Array<[string, () => unknown]>): number[] {
  const times = cases.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < 5; round++) {
    cases.forEach(([, f], i) => {
      const t0 = performance.now();
      f();
      times[i] = Math.min(times[i]!, performance.now() - t0);
    });
  }
  for (const [i, [label]] of cases.entries()) console.log(`${label.padEnd(44)} ${times[i]!.toFixed(0).padStart(6)} ms`);
  return times;
}

console.log(
  `${records.length} trials (${configs.length} configurations × ${epochs} epochs), ${queue.length} need review, ${reviews.length} review lines for ${Math.round(queue.length * reviewedFraction)} trials`,
);
const [base, withReviews] = bestOf([
  ["computeMetrics (as recorded, baseline)", () => computeMetrics(records)],
  ["applyReviews + computeMetrics", () => computeMetrics(applyReviews(records, reviews))],
  ["applyReviews alone", () => applyReviews(records, reviews)],
  ["reviewSummary (the review queue) alone", () => reviewSummary(applyReviews(records, reviews))],
]) as [number, number];
console.log(`overhead of reviews on the analysis: ${(((withReviews - base) / base) * 100).toFixed(1)}%`);
