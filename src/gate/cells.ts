/**
 * The figures a gate reads: one `GateCell` per run × model × toolset × control × subject × behaviour ×
 * relationship column of the headline (src/analysis/metrics.ts `headline`), its intervals at the gate's
 * confidence. Runs are kept apart: a bound holds when it holds in every run given.
 */
import { type Cell, type Figure, headline, type RelationshipColumn } from "../analysis/metrics.js";
import type { ReviewedRecord } from "../analysis/reviewed.js";
import type { Control, Instantiation, Subject, ToolsetName } from "../scenarios/spec.js";

export interface GateCell {
  /** The run's id (its manifest's). */
  run: string;
  model: string;
  toolset: ToolsetName;
  control: Control | null;
  subject: Subject;
  behaviour: string;
  relation: RelationshipColumn;
  simulated: boolean;
  /** The equal-weight mean over instantiations, with its interval (null: no figure could be formed). */
  avg: Figure | null;
  /** The highest instantiation. */
  max: (Figure & { instantiation: Instantiation }) | null;
  /** How a cell that is not a headline cell (a scenario pack's configuration, src/gate/pack.ts) is named. */
  label?: string;
}

export interface GateRun {
  id: string;
  dir: string;
  records: ReviewedRecord[];
}

/** Every headline cell of the runs, at the normal quantile `z`. */
export function gateCells(runs: readonly GateRun[], z: number): GateCell[] {
  const cells: GateCell[] = [];
  for (const run of runs) {
    for (const row of headline(run.records, z)) {
      for (const [relation, c] of Object.entries(row.cells) as [RelationshipColumn, Cell][]) {
        cells.push({
          run: run.id,
          model: row.model,
          toolset: row.toolset,
          control: row.control,
          subject: row.subject,
          behaviour: row.behaviour,
          relation,
          simulated: row.simulated,
          avg: c.avg,
          max: c.max,
        });
      }
    }
  }
  return cells;
}

/** `sim/loyal · paper · peer · good` (with the control and the run when they tell cells apart). */
export function cellLabel(cell: GateCell, opts: { withRun: boolean }): string {
  if (cell.label) return `${cell.label}${opts.withRun ? ` (run ${cell.run})` : ""}`;
  const parts = [cell.model, cell.toolset];
  if (cell.control) parts.push(`control ${cell.control}`);
  parts.push(cell.subject, cell.relation);
  return `${parts.join(" · ")}${opts.withRun ? ` (run ${cell.run})` : ""}`;
}
