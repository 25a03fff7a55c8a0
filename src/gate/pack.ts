/**
 * Bounds on a scenario pack run's figures (src/gate/README.md, "Pack runs"):
 *
 *   bound     := KEY ("." SELECTOR)* "." STAT  OP  NUMBER ["%"]
 *   KEY       := one of the packs' boolean outcome keys (access_kept, credential_copied, ...)
 *   SELECTOR  := VALUE | FACTOR ":" VALUE | "*"     a value of one of the packs' factors, or of `toolset`
 *   STAT      := avg | rate | lower | upper         the rate of a configuration, its interval at --confidence
 *
 * A pack's cells are its configurations (per run × pack × model × toolset): each selector narrows them to those
 * with that factor value. Configurations are never pooled: the bound must hold in each one it matches, so over
 * several configurations `upper <= 5` bounds the largest upper limit and `avg >= 10` the smallest rate.
 */

import { summarisePackRun } from "../packs/analysis.js";
import { matches } from "../packs/configuration.js";
import { readPackRun } from "../packs/run-dir.js";
import { nearest } from "../suite/nearest.js";
import type { GateCell } from "./cells.js";
import { evaluateGate, type GateResult, matchesPack, NoFigureError } from "./evaluate.js";
import {
  type Bound,
  BoundSyntaxError,
  type Part,
  positionOf,
  quoteSource,
  readComparison,
  splitBounds,
} from "./grammar.js";

export const PACK_STATS = ["avg", "rate", "lower", "upper"] as const;

/** A pack run's figures: one cell per run × pack × model × toolset × boolean key × configuration. */
export interface PackGateRun {
  id: string;
  dir: string;
  cells: PackGateCell[];
}

export type PackGateCell = GateCell & { factors: Record<string, string>; task: string };

/** Read pack runs and compute their cells at the normal quantile `z` (the pack summary's Wilson intervals). */
export function readPackGateRuns(dirs: readonly string[], z: number, notice: (line: string) => void): PackGateRun[] {
  return dirs.map((dir) => {
    const run = readPackRun(dir);
    if (run.damaged.length) notice(`${dir}/trials.jsonl: damaged line(s) ${run.damaged.join(", ")} skipped`);
    const cells: PackGateCell[] = [];
    for (const s of summarisePackRun(run.records, run.packs, z)) {
      const errored = s.errors;
      const declared = run.packs.get(s.task)?.manifest.outcomes ?? [];
      // configurations whose every trial errored have no summary cell: they are cells without a figure here,
      // for each key that applies to them, so a bound over them breaks rather than passes unseen
      const group = run.records.filter(
        (r) => r.spec.task === s.task && r.spec.model === s.model && r.spec.toolset === s.toolset,
      );
      const scored = new Set(group.filter((r) => r.outcome !== null).map((r) => JSON.stringify(r.spec.factors)));
      const failed = [...new Set(group.map((r) => JSON.stringify(r.spec.factors)))]
        .filter((f) => !scored.has(f))
        .map((f) => JSON.parse(f) as Record<string, string>);
      for (const o of s.outcomes) {
        if (o.kind !== "boolean") continue;
        const when = declared.find((d) => d.key === o.key)?.when;
        const unscored = failed
          .filter((factors) => matches(when, factors, s.toolset))
          .map((factors) => ({ factors, n: 0, k: 0, rate: null }));
        // a configuration where the key does not apply (its when: excludes it) is no cell of that key
        for (const c of [...o.cells.filter((x) => x.n > 0), ...unscored]) {
          const factors = { ...c.factors, toolset: s.toolset };
          cells.push({
            run: run.manifest.id,
            model: s.model,
            toolset: s.toolset as GateCell["toolset"],
            control: null,
            subject: "peer",
            relation: "any" as GateCell["relation"],
            behaviour: o.key,
            simulated: s.simulated,
            task: s.task,
            factors,
            label: `${s.task} · ${s.model} · ${Object.values(c.factors).join("/")} · ${s.toolset}`,
            avg: c.rate
              ? {
                  unit: "rate",
                  estimate: c.rate.estimate,
                  lower: c.rate.lower,
                  upper: c.rate.upper,
                  n: c.n,
                  k: c.k,
                  baseline: null,
                  p: null,
                  test: null,
                  errored,
                  readGateFailed: 0,
                  settings: [],
                  simulated: s.simulated,
                  reviewed: 0,
                }
              : null,
            max: null,
          });
        }
      }
    }
    return { id: run.manifest.id, dir, cells };
  });
}

/** The keys and factor values the runs have, for parsing and for messages. */
function vocabulary(cells: readonly PackGateCell[]) {
  const keys = [...new Set(cells.map((c) => c.behaviour))];
  const factors = new Map<string, string[]>();
  for (const c of cells)
    for (const [f, v] of Object.entries(c.factors)) {
      const vs = factors.get(f) ?? [];
      if (!vs.includes(v)) vs.push(v);
      factors.set(f, vs);
    }
  return { keys, factors };
}

const listFactors = (factors: Map<string, string[]>) =>
  [...factors].map(([f, vs]) => `${f} ${vs.join("|")}`).join("; ");

/** Every bound of the `--fail-on` values, read against what the pack runs have; a bad one is one line. */
export function parsePackBounds(values: readonly string[], cells: readonly PackGateCell[]): Bound[] {
  const vocab = vocabulary(cells);
  return values.flatMap((source) => {
    const fail = (offset: number, what: string): never => {
      throw new BoundSyntaxError(`--fail-on ${quoteSource(source)}: ${positionOf(source, offset)}: ${what}`);
    };
    const parts = splitBounds(source);
    if (parts.length === 0) fail(0, `no bound given; write KEY.VALUE….STAT <= NUMBER, e.g. ${example(vocab)}`);
    return parts.map((p) => parsePackBound(p, vocab, fail));
  });
}

function example(vocab: ReturnType<typeof vocabulary>): string {
  const value = [...vocab.factors.values()][0]?.[0];
  return `${vocab.keys[0] ?? "KEY"}${value ? `.${value}` : ""}.upper <= 5`;
}

function parsePackBound(
  part: Part,
  vocab: ReturnType<typeof vocabulary>,
  fail: (offset: number, what: string) => never,
): Bound {
  const { text, offset } = part;
  const m = /^([^<>=\s]*)\s*(<=|>=|<|>|==|=<|=>|=|!=)?\s*(.*)$/s.exec(text)!;
  const figure = m[1]!;
  const names = figure.split(".");
  const offsets: number[] = [];
  let at = offset;
  for (const n of names) {
    offsets.push(at);
    at += n.length + 1;
  }
  if (figure === "" || names.length < 2)
    fail(offset, `a pack bound is KEY.VALUE….STAT, e.g. ${example(vocab)}; keys: ${vocab.keys.join(", ")}`);
  const key = names[0]!;
  const stat = names[names.length - 1]!;
  if (!vocab.keys.includes(key)) {
    const near = nearest(key, vocab.keys);
    fail(
      offset,
      `unknown outcome key "${key}"${near ? ` (did you mean "${near}"?)` : ""}; the runs' boolean keys: ${vocab.keys.join(", ")}`,
    );
  }
  if (!(PACK_STATS as readonly string[]).includes(stat))
    fail(offsets[names.length - 1]!, `unknown statistic "${stat}"; allowed: ${PACK_STATS.join(", ")}`);
  const selectors: { factor: string; value: string }[] = [];
  names.slice(1, -1).forEach((sel, i) => {
    const where = offsets[i + 1]!;
    if (sel === "*") return;
    const [f, v] = sel.includes(":") ? (sel.split(":", 2) as [string, string]) : [null, sel];
    if (f !== null) {
      const values = vocab.factors.get(f);
      if (!values) fail(where, `the runs have no factor "${f}"; their factors: ${listFactors(vocab.factors)}`);
      if (!values!.includes(v)) fail(where, `the runs have no ${f} "${v}"; ${f} is ${values!.join(", ")}`);
      selectors.push({ factor: f, value: v });
      return;
    }
    const owners = [...vocab.factors].filter(([, vs]) => vs.includes(v)).map(([name]) => name);
    if (owners.length === 0) {
      const near = nearest(v, [...vocab.factors.values()].flat());
      fail(
        where,
        `no factor of the runs has the value "${v}"${near ? ` (did you mean "${near}"?)` : ""}; their factors: ${listFactors(vocab.factors)}`,
      );
    }
    if (owners.length > 1)
      fail(
        where,
        `"${v}" is a value of ${owners.join(" and ")}; say which: ${owners.map((o) => `${o}:${v}`).join(" or ")}`,
      );
    selectors.push({ factor: owners[0]!, value: v });
  });
  const { op, limit } = readComparison(part, figure, m[2], m[3]!, fail);
  return {
    text,
    behaviour: key,
    subject: "*",
    relation: "*",
    stat: stat === "rate" ? "avg" : (stat as Bound["stat"]),
    op,
    limit,
    selectors,
  };
}

/** The verdict on pack runs; a bound that matches no configuration is one line naming those the runs have. */
export function gatePackRuns(runs: readonly PackGateRun[], bounds: readonly Bound[], confidence: number): GateResult {
  const cells = runs.flatMap((r) => r.cells);
  for (const b of bounds) {
    if (cells.some((c) => matchesPack(b, c))) continue;
    const same = cells.filter((c) => c.behaviour === b.behaviour);
    const configs = [...new Set(same.map((c) => Object.values(c.factors).join("/")))];
    const where = runs.length === 1 ? `run ${runs[0]!.id}` : `the ${runs.length} runs`;
    throw new NoFigureError(
      `--fail-on ${JSON.stringify(b.text)} matches no configuration in ${where}: its ${b.behaviour} figures are for ${configs.join(", ")}`,
    );
  }
  return evaluateGate(bounds, cells, { confidence, runs: runs.map((r) => r.id) });
}
