import type { TrialTable } from "./table.js";

/** The table as JSON lines: one object per trial, keyed by column name, values typed (null where empty). */
export function tableJsonl(table: TrialTable): string {
  return table.rows
    .map((row) => `${JSON.stringify(Object.fromEntries(table.columns.map((c, i) => [c.name, row[i] ?? null])))}\n`)
    .join("");
}
