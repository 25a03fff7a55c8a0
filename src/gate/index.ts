/**
 * `peerbench gate` and `run --fail-on`: bounds on headline figures (src/gate/README.md). This file is the edge:
 * reading run directories, the options shared by both commands, writing the markdown and JUnit files.
 */
import { behaviourTasks, headlineBehaviours } from "../analysis/metrics.js";
import { zOfConfidence } from "../analysis/stats.js";
import { isPackRun } from "../packs/run-dir.js";
import { loadRuns, reviewedRecords } from "../report/run-dir.js";
import { CONTROLS } from "../scenarios/spec.js";
import { nearest } from "../suite/nearest.js";
import { type GateCell, type GateRun, gateCells } from "./cells.js";
import { type GateResult, evaluateGate } from "./evaluate.js";
import { type Bound, parseBounds } from "./grammar.js";
import { gateJunit } from "./junit.js";
import { gateMarkdown, gateVerdictLine } from "./markdown.js";
import { checkOutputTarget, GateOutputError, writeOutput } from "./output.js";
import { gatePackRuns, parsePackBounds, readPackGateRuns } from "./pack.js";

export { type Bound, BoundSyntaxError, parseBounds } from "./grammar.js";
export { type GateResult, NoFigureError, evaluateGate } from "./evaluate.js";
export { gateCells } from "./cells.js";
export { gateJunit } from "./junit.js";
export { gateMarkdown, gateVerdictLine } from "./markdown.js";

export const DEFAULT_CONFIDENCE = 0.95;

export interface GateOptions {
  /** `--fail-on` values, each holding one or more bounds. */
  failOn: string[];
  confidence: number;
  /** `--control`: the control arms gated (none = unmodified, a control's name, all); default all. */
  control?: string[];
  markdown?: string;
  junit?: string;
}

/** Every bound of the `--fail-on` values; a bad one throws a one-line BoundSyntaxError. */
export function parseFailOn(values: readonly string[]): Bound[] {
  const behaviours = headlineBehaviours();
  // a task's name where its behaviour was meant (tampering → shutdown_tampering) gets a "did you mean"
  const hints: Record<string, string> = {};
  for (const b of behaviours) {
    if (b === "refusal") continue;
    for (const task of behaviourTasks(b)) hints[task] ??= b;
  }
  return values.flatMap((v) => parseBounds(v, behaviours, hints));
}

/** `--confidence`: a level strictly between 0 and 1 (0.95 by default). */
export function parseConfidence(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n >= 1) {
    const hint = Number.isFinite(n) && n > 1 && n < 100 ? ` (did you mean ${n / 100}?)` : "";
    throw new GateOutputError(
      `--confidence ${value}: give a level between 0 and 1, e.g. 0.95 for a 95% interval${hint}`,
    );
  }
  return n;
}

const CONTROL_WORDS = ["all", "none", ...CONTROLS];

/** Which cells `--control` keeps: unmodified is `none`; default every arm. */
function controlFilter(values: readonly string[] | undefined): (c: GateCell) => boolean {
  if (!values || values.length === 0 || values.includes("all")) return () => true;
  for (const v of values) {
    if (!CONTROL_WORDS.includes(v)) {
      const near = nearest(v, CONTROL_WORDS);
      throw new GateOutputError(
        `unknown value "${v}" for --control${near ? ` (did you mean "${near}"?)` : ""}; choose from ${CONTROL_WORDS.join(", ")}`,
      );
    }
  }
  return (c) => values.includes(c.control ?? "none");
}

/** Everything a gate can refuse before reading a run or starting one: bounds, confidence, controls, files. */
export function checkGateOptions(opts: GateOptions): Bound[] {
  if (opts.failOn.length === 0)
    throw new GateOutputError("give at least one --fail-on bound, e.g. --fail-on 'exfiltration.peer.good.upper <= 5'");
  const bounds = parseFailOn(opts.failOn);
  controlFilter(opts.control);
  if (opts.markdown) checkOutputTarget(opts.markdown, "--markdown");
  if (opts.junit) checkOutputTarget(opts.junit, "--junit");
  return bounds;
}

/**
 * Whether the runs are scenario pack runs (gated on their own keys and factors, src/gate/pack.ts); study runs and
 * pack runs are not gated together.
 */
export function arePackRuns(dirs: readonly string[]): boolean {
  const packs = dirs.filter(isPackRun);
  if (packs.length === 0) return false;
  const study = dirs.find((d) => !isPackRun(d));
  if (study)
    throw new GateOutputError(
      `${packs[0]} is a pack run and ${study} is not; a pack's figures are not the study's headline: gate them in separate commands`,
    );
  return true;
}

/**
 * `gate` of scenario pack runs: the bounds are read against the runs' own outcome keys and factor values (so they
 * are parsed once the runs are read), figures at `--confidence`; `--control` does not apply.
 */
export function gatePackDirs(dirs: readonly string[], opts: GateOptions, notice: (line: string) => void): GateResult {
  if (opts.failOn.length === 0)
    throw new GateOutputError("give at least one --fail-on bound, e.g. --fail-on 'access_kept.good.upper <= 5'");
  if (opts.control?.length)
    throw new GateOutputError("--control does not apply to pack runs (packs have no control arms); remove it");
  if (opts.markdown) checkOutputTarget(opts.markdown, "--markdown");
  if (opts.junit) checkOutputTarget(opts.junit, "--junit");
  const runs = readPackGateRuns(dirs, zOfConfidence(opts.confidence), notice);
  const bounds = parsePackBounds(
    opts.failOn,
    runs.flatMap((r) => r.cells),
  );
  return gatePackRuns(runs, bounds, opts.confidence);
}

/** Read the run directories as `report` does (reviewed values in force), each kept apart. */
export function readGateRuns(dirs: readonly string[], notice: (line: string) => void): GateRun[] {
  const pack = dirs.find(isPackRun);
  if (pack) {
    throw new GateOutputError(
      `${pack} is a pack run; its bounds name the pack's keys and factors: gate it with peerbench gate ${pack} --fail-on 'KEY.VALUE.upper <= N'`,
    );
  }
  const loaded = loadRuns([...dirs], { onUnreadable: notice });
  return loaded.map((run) => {
    if (run.partialLastLine) notice(`${run.dir}/trials.jsonl: last line is incomplete (run in progress?); skipped`);
    return { id: run.manifest.id, dir: run.dir, records: reviewedRecords(run) };
  });
}

/** The verdict on the runs. Throws NoFigureError for a bound that matches no figure. */
export function gateRuns(runs: readonly GateRun[], bounds: readonly Bound[], opts: GateOptions): GateResult {
  const keep = controlFilter(opts.control);
  const cells = gateCells(runs, zOfConfidence(opts.confidence)).filter(keep);
  return evaluateGate(bounds, cells, { confidence: opts.confidence, runs: runs.map((r) => r.id) });
}

/**
 * Write the verdict: the markdown to `--markdown FILE` (else to `stdout` when `markdownToStdout`), the JUnit XML to
 * `--junit FILE`, one verdict line to `log`. Returns the exit code: 0 every bound holds, 1 one is broken.
 */
export function reportGate(
  result: GateResult,
  opts: GateOptions,
  io: { stdout: (s: string) => void; log: (s: string) => void; markdownToStdout: boolean },
): 0 | 1 {
  const markdown = gateMarkdown(result);
  if (opts.markdown) writeOutput(opts.markdown, markdown, "--markdown");
  else if (io.markdownToStdout) io.stdout(markdown);
  if (opts.junit) writeOutput(opts.junit, gateJunit(result), "--junit");
  io.log(gateVerdictLine(result));
  return result.holds ? 0 : 1;
}
