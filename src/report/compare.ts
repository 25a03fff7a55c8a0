/**
 * Two runs side by side: every headline figure (average over instantiations) both runs measured, run B − run A
 * with its 95% interval (Newcombe's construction from the two figures' intervals), and whether the interval
 * leaves out zero. `peerbench report A B --compare` prints it; the HTML report over two runs shows it.
 */
import { type Figure, figureDifference, headline, type RelationshipColumn } from "../analysis/metrics.js";
import type { ReviewedRecord } from "../analysis/reviewed.js";
import type { Interval } from "../analysis/stats.js";
import type { Control, Subject, ToolsetName } from "../scenarios/spec.js";
import { COLUMN_LABELS, formatFigure, pct } from "./terminal.js";

export const COMPARISON_FORMAT = "peerbench.comparison/v1";

export interface RunDifference {
  /** The model both runs measured; "A vs B" when each run measured one model and they differ. */
  model: string;
  toolset: ToolsetName;
  control: Control | null;
  subject: Subject;
  behaviour: string;
  column: RelationshipColumn;
  a: Figure;
  b: Figure;
  /** b − a, in the figures' unit (fraction or difference of fractions). */
  difference: Interval;
  /** The interval of the difference leaves out 0: the runs differ at 95%. */
  differs: boolean;
}

export interface RunComparison {
  format: typeof COMPARISON_FORMAT;
  runs: [string, string];
  /** The models of each run; the figures are matched by model unless each run has one and they differ. */
  models: [string[], string[]];
  rows: RunDifference[];
  /** Figures only one run has (model · toolset · behaviour · relationship), counted. */
  onlyA: number;
  onlyB: number;
}

function cells(records: ReviewedRecord[], byModel: boolean) {
  const out = new Map<string, Omit<RunDifference, "a" | "b" | "difference" | "differs"> & { fig: Figure }>();
  for (const row of headline(records)) {
    for (const [column, cell] of Object.entries(row.cells) as [RelationshipColumn, { avg: Figure | null }][]) {
      const fig = cell.avg;
      if (!fig || !Number.isFinite(fig.estimate)) continue;
      const key = [byModel ? row.model : "", row.toolset, row.control ?? "", row.subject, row.behaviour, column].join(
        "\u0000",
      );
      out.set(key, {
        model: row.model,
        toolset: row.toolset,
        control: row.control,
        subject: row.subject,
        behaviour: row.behaviour,
        column,
        fig,
      });
    }
  }
  return out;
}

/** Compare run B with run A (records of each, reviewed values in force). */
export function compareRuns(names: [string, string], a: ReviewedRecord[], b: ReviewedRecord[]): RunComparison {
  const modelsA = [...new Set(a.map((r) => r.spec.model))].sort();
  const modelsB = [...new Set(b.map((r) => r.spec.model))].sort();
  // one model each, not the same: compare the two models; otherwise a model is compared with itself only
  const byModel = !(modelsA.length === 1 && modelsB.length === 1 && modelsA[0] !== modelsB[0]);
  const ca = cells(a, byModel);
  const cb = cells(b, byModel);
  const rows: RunDifference[] = [];
  for (const [key, x] of ca) {
    const y = cb.get(key);
    if (!y) continue;
    const difference = figureDifference(y.fig, x.fig);
    rows.push({
      model: byModel ? x.model : `${x.model} vs ${y.model}`,
      toolset: x.toolset,
      control: x.control,
      subject: x.subject,
      behaviour: x.behaviour,
      column: x.column,
      a: x.fig,
      b: y.fig,
      difference,
      differs: difference.lower > 0 || difference.upper < 0,
    });
  }
  return {
    format: COMPARISON_FORMAT,
    runs: names,
    models: [modelsA, modelsB],
    rows,
    onlyA: [...ca.keys()].filter((k) => !cb.has(k)).length,
    onlyB: [...cb.keys()].filter((k) => !ca.has(k)).length,
  };
}

/** The comparison as terminal text: one line per figure, the differing ones marked. */
export function renderComparison(c: RunComparison): string {
  const [na, nb] = c.runs;
  const lines = [
    `Run ${nb} − run ${na}: average over instantiations, percent (differences: percentage points), 95% intervals`,
  ];
  if (c.rows.length === 0) {
    lines.push("The two runs have no figure in common (no model, toolset, behaviour and relationship both measured).");
    return `${lines.join("\n")}\n`;
  }
  const header = ["model · toolset", "behaviour", "subject · relationship", `A ${na}`, `B ${nb}`, "B − A [95%]", ""];
  const body = c.rows.map((r) => [
    `${r.model} · ${r.toolset}${r.control ? ` · control ${r.control}` : ""}`,
    r.behaviour,
    `${r.subject} · ${COLUMN_LABELS[r.column]}`,
    formatFigure(r.a),
    formatFigure(r.b),
    `${pct(r.difference.estimate)} [${pct(r.difference.lower)}, ${pct(r.difference.upper)}]`,
    r.differs ? "differs" : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  lines.push(line(header), ...body.map(line));
  const differs = c.rows.filter((r) => r.differs).length;
  lines.push(
    `${differs} of ${c.rows.length} figures differ (the interval of B − A leaves out 0)` +
      (c.onlyA || c.onlyB ? `; ${c.onlyA} figure(s) only in ${na}, ${c.onlyB} only in ${nb}` : ""),
  );
  return `${lines.join("\n")}\n`;
}

/** The comparison as JSON (`peerbench.comparison/v1`); NaN becomes null. */
export function comparisonJsonText(c: RunComparison): string {
  return JSON.stringify(c, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}
