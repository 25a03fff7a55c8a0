import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { runTrial } from "../agent/trial.js";
import type { Outcome } from "../detectors/outcome.js";
import { judgeTrial } from "../judge/judge.js";
import type { JudgeVerdict } from "../judge/verdict.js";
import type { Model } from "../models/model.js";
import { ReplayModel } from "../models/replay.js";
import { InputError, type Trajectory } from "../models/trajectory.js";
import { agreement, type ComparedTrial, type KeyAgreement } from "./agreement.js";
import { convertTranscript } from "./study/convert.js";
import { compareJudge, compareLabels, type LabelComparison, unmappedLabels } from "./study/labels.js";
import { parseStudyFile } from "./study/transcript.js";

export interface ImportedTrial {
  file: string;
  index: number;
  trajectory: string;
  trial: Trajectory["trial"];
  outcome: Outcome | null;
  error: string | null;
  endReason: string;
  comparisons: LabelComparison[];
  /** With a judge: its verdict on the replayed transcript, and the study's labels compared with it. */
  judge: JudgeVerdict | null;
  judgeComparisons: LabelComparison[];
  warnings: string[];
}

export interface ImportFailure {
  file: string;
  error: string;
}

export interface StudyImport {
  input: string;
  out: string;
  files: number;
  transcripts: number;
  trials: ImportedTrial[];
  failures: ImportFailure[];
  agreement: KeyAgreement[];
  /** With a judge: the study's labels against the judge (score, grade, recommendation, refusal); else null. */
  judgeAgreement: KeyAgreement[] | null;
  /** With a judge: its model and how many verdicts were errors (not compared). */
  judge: { model: string; errors: number } | null;
  /** Label fields the table does not map, with how many transcripts carry each and why. */
  unmapped: Array<{ field: string; count: number; reason: string }>;
}

export const AGREEMENT_FILE = "agreement.json";

/** The transcript files under a path: the file itself, or every .json/.jsonl below a directory, sorted. */
export function studyFiles(input: string, skip?: string): { root: string; files: string[]; single: boolean } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(input);
  } catch {
    throw new InputError(`${input}: no such file or directory; give a study transcript file or a folder of them`);
  }
  if (st.isFile()) return { root: dirname(input), files: [input], single: true };
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      // an earlier import written inside the folder is not study input
      if (skip && resolve(p) === resolve(skip)) continue;
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (/\.jsonl?$/i.test(name)) files.push(p);
    }
  };
  walk(input);
  if (files.length === 0) throw new InputError(`${input}: no .json or .jsonl transcript files in this folder`);
  return { root: input, files, single: false };
}

function writeAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function trajectoryPath(out: string, root: string, file: string, index: number, many: boolean): string {
  const rel = relative(root, file).replace(/\.jsonl?$/i, "");
  const name = many ? `${rel}.${index}.trajectory.json` : `${rel}.trajectory.json`;
  return join(out, rel.startsWith("..") ? basename(name) : name);
}

async function rescore(trajectory: Trajectory, path: string) {
  const model = new ReplayModel(trajectory, `replay:${path}`);
  return runTrial({
    spec: { ...trajectory.trial, model: model.id, epoch: 0 },
    model,
    seed: 0,
    maxModelCalls: trajectory.turns.length + 1,
  });
}

/**
 * `peerbench import study`: read the study's transcripts, write one trajectory each under `out`, re-score each
 * through the real loop, toolset, world and detectors, and compare with the study's labels. A single file that
 * cannot be read throws InputError; in a folder, a bad file is recorded in `failures` and the rest go on.
 */
export interface ImportOptions {
  /** An LLM judge (src/judge) to read each replayed transcript as a second reader beside our detectors. */
  judge?: Model;
  onTrial?: (t: ImportedTrial) => void;
}

export async function importStudy(input: string, out: string, opts: ImportOptions = {}): Promise<StudyImport> {
  const { root, files, single } = studyFiles(input, out);
  const trials: ImportedTrial[] = [];
  const failures: ImportFailure[] = [];
  const unmapped = new Map<string, { count: number; reason: string }>();
  let transcripts = 0;
  for (const file of files) {
    let parsed: ReturnType<typeof parseStudyFile>;
    try {
      parsed = parseStudyFile(readFileSync(file, "utf8"), file);
    } catch (e) {
      if (single || !(e instanceof InputError)) throw e;
      failures.push({ file, error: e.message });
      continue;
    }
    for (const t of parsed) {
      transcripts++;
      let converted: ReturnType<typeof convertTranscript>;
      try {
        converted = convertTranscript(t, file);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        if (single && parsed.length === 1) throw e;
        failures.push({ file: parsed.length > 1 ? `${file} [${t.index}]` : file, error: e.message });
        continue;
      }
      const path = trajectoryPath(out, root, file, t.index, parsed.length > 1);
      writeAtomic(path, `${JSON.stringify(converted.trajectory, null, 2)}\n`);
      const run = await rescore(converted.trajectory, path);
      for (const u of unmappedLabels(t.labels)) {
        const e = unmapped.get(u.field) ?? { count: 0, reason: u.reason };
        e.count++;
        unmapped.set(u.field, e);
      }
      const task = converted.trajectory.trial.task;
      const verdict =
        opts.judge && run.outcome ? await judgeTrial(opts.judge, { config: run.spec, events: run.events }) : null;
      const trial: ImportedTrial = {
        file,
        index: t.index,
        trajectory: path,
        trial: converted.trajectory.trial,
        outcome: run.outcome,
        error: run.error,
        endReason: run.endReason,
        comparisons: run.outcome ? compareLabels(t.labels, run.outcome, task) : [],
        judge: verdict,
        judgeComparisons: verdict ? compareJudge(t.labels, verdict, task) : [],
        warnings: converted.warnings,
      };
      trials.push(trial);
      opts.onTrial?.(trial);
    }
  }
  const compared: ComparedTrial[] = trials.map(({ file, index, trajectory, comparisons }) => ({
    file,
    index,
    trajectory,
    comparisons,
  }));
  const judged: ComparedTrial[] = trials.map(({ file, index, trajectory, judgeComparisons }) => ({
    file,
    index,
    trajectory,
    comparisons: judgeComparisons,
  }));
  const result: StudyImport = {
    input,
    out,
    files: files.length,
    transcripts,
    trials,
    failures,
    agreement: agreement(compared),
    judgeAgreement: opts.judge ? agreement(judged) : null,
    judge: opts.judge ? { model: opts.judge.id, errors: trials.filter((t) => t.judge?.error).length } : null,
    unmapped: [...unmapped].map(([field, v]) => ({ field, ...v })),
  };
  writeAtomic(join(out, AGREEMENT_FILE), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
