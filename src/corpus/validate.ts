import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { runTrial } from "../agent/trial.js";
import { type Interval, wilson } from "../analysis/stats.js";
import type { Outcome } from "../detectors/outcome.js";
import { ReplayModel } from "../models/replay.js";
import { InputError, TRAJECTORY_FORMAT, Trajectory } from "../models/trajectory.js";
import { Case, CASE_FORMAT, type LabelKey, Labels } from "./case.js";

/**
 * `peerbench validate DIR`: replay every labelled case through the real tools, world and detectors, and compare
 * the detectors' outcome with the labels, key by key. Agreement is k/n with a Wilson interval; boolean keys also
 * get precision and recall, and the reported score its extraction precision and recall.
 */
export interface LoadedCase {
  file: string;
  case: Case;
}

/** Scores within this many points agree (rounding in a report's text). */
export const SCORE_TOLERANCE = 0.5;

function listJson(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listJson(p));
    else if (name.endsWith(".json")) out.push(p);
  }
  return out;
}

/** Every case under `dirs` (recursively, *.json). A file that is not a valid case is an InputError naming it. */
export function loadCases(dirs: string[]): LoadedCase[] {
  const out: LoadedCase[] = [];
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[];
    try {
      files = statSync(dir).isDirectory() ? listJson(dir) : [dir];
    } catch {
      throw new InputError(`${dir}: no such file or directory`);
    }
    for (const file of files) {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, "utf8"));
      } catch (e) {
        throw new InputError(`${file}: not valid JSON (${(e as Error).message})`);
      }
      if ((raw as { format?: unknown })?.format !== CASE_FORMAT) continue;
      const parsed = Case.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new InputError(`${file}: invalid case at ${i.path.join(".") || "(top level)"}: ${i.message}`);
      }
      const prior = seen.get(parsed.data.id);
      if (prior) throw new InputError(`${file}: case id "${parsed.data.id}" is also used by ${prior}`);
      seen.set(parsed.data.id, file);
      out.push({ file, case: parsed.data });
    }
  }
  return out;
}

export interface Disagreement {
  id: string;
  file: string;
  key: LabelKey;
  label: unknown;
  detected: unknown;
  description: string;
}

export interface KeyAgreement {
  key: LabelKey;
  n: number;
  agreed: number;
  interval: Interval;
  /** Boolean keys: true positives, false positives, false negatives, true negatives. */
  confusion?: { tp: number; fp: number; fn: number; tn: number; precision: number | null; recall: number | null };
}

export interface ValidationResult {
  cases: number;
  errored: Array<{ id: string; file: string; error: string }>;
  keys: KeyAgreement[];
  disagreements: Disagreement[];
  /** reported_score: of the scores extracted, how many were right; of the scores labelled, how many were found. */
  scoreExtraction: { precision: number | null; recall: number | null; extracted: number; labelled: number } | null;
}

function agrees(key: LabelKey, label: unknown, detected: unknown): boolean {
  if (key === "reported_score" && typeof label === "number" && typeof detected === "number")
    return Math.abs(label - detected) <= SCORE_TOLERANCE;
  return label === detected;
}

/** Replay one case and return its outcome (or the trial's error). */
export async function scoreCase(c: Case): Promise<{ outcome: Outcome | null; error: string | null }> {
  const trajectory = Trajectory.parse({ format: TRAJECTORY_FORMAT, trial: c.trial, turns: c.turns });
  const model = new ReplayModel(trajectory, `case:${c.id}`);
  const run = await runTrial({
    spec: { ...trajectory.trial, model: model.id, epoch: 0 },
    model,
    seed: 0,
    maxModelCalls: Math.max(trajectory.turns.length + 1, 30),
  });
  return { outcome: run.outcome, error: run.error };
}

export async function validateCases(cases: LoadedCase[]): Promise<ValidationResult> {
  const keys = Object.keys(Labels.shape) as LabelKey[];
  const tally = new Map<LabelKey, KeyAgreement>();
  const disagreements: Disagreement[] = [];
  const errored: ValidationResult["errored"] = [];
  const score = { extracted: 0, extractedRight: 0, labelled: 0, found: 0 };
  for (const { file, case: c } of cases) {
    const { outcome, error } = await scoreCase(c);
    if (!outcome) {
      errored.push({ id: c.id, file, error: error ?? "no outcome" });
      continue;
    }
    for (const key of keys) {
      if (!(key in c.labels)) continue;
      const label = c.labels[key];
      const detected = outcome[key as keyof Outcome] ?? null;
      const t = tally.get(key) ?? { key, n: 0, agreed: 0, interval: wilson(0, 0) };
      t.n++;
      const ok = agrees(key, label, detected);
      if (ok) t.agreed++;
      else disagreements.push({ id: c.id, file, key, label, detected, description: c.description });
      if (typeof label === "boolean" || (label === null && typeof detected === "boolean")) {
        const cf = t.confusion ?? { tp: 0, fp: 0, fn: 0, tn: 0, precision: null, recall: null };
        if (label === true && detected === true) cf.tp++;
        else if (label !== true && detected === true) cf.fp++;
        else if (label === true && detected !== true) cf.fn++;
        else cf.tn++;
        t.confusion = cf;
      }
      tally.set(key, t);
      if (key === "reported_score") {
        if (typeof detected === "number") {
          score.extracted++;
          if (ok) score.extractedRight++;
        }
        if (typeof label === "number") {
          score.labelled++;
          if (ok) score.found++;
        }
      }
    }
  }
  const out: KeyAgreement[] = [];
  for (const key of keys) {
    const t = tally.get(key);
    if (!t) continue;
    t.interval = wilson(t.agreed, t.n);
    if (t.confusion) {
      const { tp, fp, fn } = t.confusion;
      t.confusion.precision = tp + fp ? tp / (tp + fp) : null;
      t.confusion.recall = tp + fn ? tp / (tp + fn) : null;
    }
    out.push(t);
  }
  return {
    cases: cases.length,
    errored,
    keys: out,
    disagreements,
    scoreExtraction: tally.has("reported_score")
      ? {
          precision: score.extracted ? score.extractedRight / score.extracted : null,
          recall: score.labelled ? score.found / score.labelled : null,
          extracted: score.extracted,
          labelled: score.labelled,
        }
      : null,
  };
}

function pct(x: number | null): string {
  return x === null ? "—" : `${(100 * x).toFixed(1)}%`;
}

/** The terminal form: one line per key, then every disagreement. */
export function renderValidation(r: ValidationResult, root: string, minAgreement: number): string {
  const lines = [`${r.cases} case(s), ${r.errored.length} errored`, ""];
  lines.push(`${"key".padEnd(28)} ${"agree".padStart(9)}  ${"rate".padStart(6)}  95% interval     precision  recall`);
  for (const k of r.keys) {
    const rate = k.agreed / k.n;
    const flag = 100 * rate < minAgreement ? "  ✗ below the floor" : "";
    const pr = k.confusion ? `  ${pct(k.confusion.precision).padStart(9)}  ${pct(k.confusion.recall).padStart(6)}` : "";
    lines.push(
      `${k.key.padEnd(28)} ${`${k.agreed}/${k.n}`.padStart(9)}  ${pct(rate).padStart(6)}  [${pct(k.interval.lower)}, ${pct(k.interval.upper)}]${pr}${flag}`,
    );
  }
  if (r.scoreExtraction) {
    const s = r.scoreExtraction;
    lines.push(
      "",
      `score extraction: precision ${pct(s.precision)} (${s.extracted} extracted), recall ${pct(s.recall)} (${s.labelled} labelled)`,
    );
  }
  if (r.errored.length) {
    lines.push("", "Cases whose replay ended in an error:");
    for (const e of r.errored) lines.push(`  ${e.id} (${relative(root, e.file)}): ${e.error}`);
  }
  if (r.disagreements.length) {
    lines.push("", `Disagreements (${r.disagreements.length}):`);
    for (const d of r.disagreements)
      lines.push(
        `  ${d.id} ${d.key}: label ${JSON.stringify(d.label)}, detected ${JSON.stringify(d.detected)} — ${relative(root, d.file)}`,
        `      ${d.description}`,
      );
  }
  return `${lines.join("\n")}\n`;
}
