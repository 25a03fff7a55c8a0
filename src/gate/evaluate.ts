/**
 * A gate's verdict: every bound checked in every headline cell it matches. Pure: bounds and cells in, results out.
 * A bound holds when it holds in each matched cell; a cell without a figure (every trial errored,
 * misrepresentation without its baseline) breaks it, since nothing shows the bound holds there. A bound that
 * matches no cell is an error (`NoFigureError`), never a silent pass.
 */
import type { Figure } from "../analysis/metrics.js";
import { type GateCell, cellLabel } from "./cells.js";
import type { Bound } from "./grammar.js";

/** Figures are compared in percent, to this tolerance (7/100 × 100 is 7.000000000000001 in floating point). */
const TOLERANCE = 1e-9;

export interface CellCheck {
  cell: GateCell;
  /** The figure read (the average's, or the highest instantiation's for `max`); null when the cell has none. */
  figure: Figure | null;
  /** The value the bound compares, in percent (or percentage points); null when there is none. */
  value: number | null;
  holds: boolean;
  /** Why there is no value ("no valid trial", "no non_shutdown baseline"); null when there is one. */
  missing: string | null;
}

export interface BoundResult {
  bound: Bound;
  checks: CellCheck[];
  holds: boolean;
  /** The matched cells that break the bound. */
  broken: CellCheck[];
  /** The cell closest to breaking it (or breaking it most): the bound's figure in a summary. */
  worst: CellCheck;
}

export interface GateResult {
  confidence: number;
  runs: string[];
  simulated: boolean;
  bounds: BoundResult[];
  holds: boolean;
}

/** A bound that matches no figure of the runs: one line saying what the runs have instead. */
export class NoFigureError extends Error {
  override name = "UsageError";
}

/** Whether a scenario pack's cell is one a pack bound selects (its key, and every factor value it names). */
export function matchesPack(bound: Bound, cell: GateCell): boolean {
  const factors = (cell as GateCell & { factors?: Record<string, string> }).factors;
  if (!factors || bound.behaviour !== cell.behaviour) return false;
  return (bound.selectors ?? []).every((s) => factors[s.factor] === s.value);
}

export function matches(bound: Bound, cell: GateCell): boolean {
  if (bound.selectors) return matchesPack(bound, cell);
  return (
    (bound.behaviour === "*" || bound.behaviour === cell.behaviour) &&
    (bound.subject === "*" || bound.subject === cell.subject) &&
    (bound.relation === "*" || bound.relation === cell.relation)
  );
}

function compare(value: number, op: Bound["op"], limit: number): boolean {
  switch (op) {
    case "<=":
      return value <= limit + TOLERANCE;
    case "<":
      return value < limit - TOLERANCE;
    case ">=":
      return value >= limit - TOLERANCE;
    case ">":
      return value > limit + TOLERANCE;
  }
}

function check(bound: Bound, cell: GateCell): CellCheck {
  const figure = bound.stat === "max" ? cell.max : cell.avg;
  const raw =
    figure === null
      ? Number.NaN
      : bound.stat === "lower"
        ? figure.lower
        : bound.stat === "upper"
          ? figure.upper
          : figure.estimate;
  if (figure === null || !Number.isFinite(raw)) {
    const missing =
      figure && figure.test === "no non_shutdown baseline"
        ? "no non_shutdown baseline"
        : `no valid trial (${figure?.errored ?? cell.avg?.errored ?? 0} errored)`;
    return { cell, figure, value: null, holds: false, missing };
  }
  const value = raw * 100;
  return { cell, figure, value, holds: compare(value, bound.op, bound.limit), missing: null };
}

/** The check that decides a summary's figure: a missing value first, then the most extreme against the bound. */
function worstOf(bound: Bound, checks: CellCheck[]): CellCheck {
  const upward = bound.op === "<=" || bound.op === "<";
  return checks.reduce((w, c) => {
    if (w.value === null) return w;
    if (c.value === null) return c;
    return (upward ? c.value > w.value : c.value < w.value) ? c : w;
  });
}

function noFigure(bound: Bound, cells: readonly GateCell[], runs: readonly string[]): NoFigureError {
  const where = runs.length === 1 ? `run ${runs[0]}` : `the ${runs.length} runs`;
  const its = runs.length === 1 ? "its" : "their";
  const sameBehaviour = cells.filter((c) => bound.behaviour === "*" || c.behaviour === bound.behaviour);
  let has: string;
  if (cells.length === 0) has = "no headline figure at all (no trial of the study's tasks, or none under --control)";
  else if (sameBehaviour.length === 0) {
    has = `no ${bound.behaviour} figure; ${its} figures: ${[...new Set(cells.map((c) => c.behaviour))].join(", ")}`;
  } else {
    const pairs = [...new Set(sameBehaviour.map((c) => `${c.subject}.${c.relation}`))];
    has = `${its} ${bound.behaviour === "*" ? "" : `${bound.behaviour} `}figures are for ${pairs.join(", ")}`;
  }
  return new NoFigureError(`--fail-on ${JSON.stringify(bound.text)} matches no figure in ${where}: ${has}`);
}

/** Check every bound against the cells; throws NoFigureError for a bound that matches none. */
export function evaluateGate(
  bounds: readonly Bound[],
  cells: readonly GateCell[],
  context: { confidence: number; runs: readonly string[] },
): GateResult {
  const results: BoundResult[] = bounds.map((bound) => {
    const matched = cells.filter((c) => matches(bound, c));
    if (matched.length === 0) throw noFigure(bound, cells, context.runs);
    const checks = matched.map((c) => check(bound, c));
    const broken = checks.filter((c) => !c.holds);
    return { bound, checks, holds: broken.length === 0, broken, worst: worstOf(bound, checks) };
  });
  return {
    confidence: context.confidence,
    runs: [...context.runs],
    simulated: cells.some((c) => c.simulated),
    bounds: results,
    holds: results.every((r) => r.holds),
  };
}

/** Whether cells of several runs are gated together (their labels then name the run). */
export function severalRuns(result: GateResult): boolean {
  return result.runs.length > 1;
}

/** `sim/loyal · paper · peer · good` for a check, naming the run when several were gated. */
export function checkLabel(result: GateResult, c: CellCheck): string {
  return cellLabel(c.cell, { withRun: severalRuns(result) });
}

/** The unit of a figure as printed: % for rates, pp (percentage points) for differences. */
export function unitOf(c: CellCheck): string {
  return (c.figure ?? c.cell.avg)?.unit === "difference" ? " pp" : "%";
}

/** `97.2%`, `-3.1 pp`, or what is missing. */
export function valueText(c: CellCheck): string {
  return c.value === null ? (c.missing ?? "no figure") : `${c.value.toFixed(1)}${unitOf(c)}`;
}

/** The figure behind a value: `avg 90.0 [69.9, 97.2]%, 18/20 trials` (max: with its instantiation). */
export function figureText(c: CellCheck, confidence: number): string {
  const f = c.figure;
  if (!f || c.value === null) return c.missing ?? "no figure";
  const inst = "instantiation" in f ? ` (${(f as Figure & { instantiation: string }).instantiation})` : "";
  const pct = (x: number) => (x * 100).toFixed(1);
  const counts = f.baseline ? `${f.k}/${f.n} vs ${f.baseline.k}/${f.baseline.n}` : `${f.k}/${f.n}`;
  const errored = f.errored ? `, ${f.errored} errored` : "";
  const level = `${Math.round(confidence * 1000) / 10}%`;
  return `${c.figure === c.cell.max ? "max" : "avg"}${inst} ${pct(f.estimate)} [${pct(f.lower)}, ${pct(f.upper)}]${unitOf(c)} (${level} interval), ${counts} trials${errored}`;
}
