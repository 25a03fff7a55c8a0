import type { Cell, TrialTable } from "./table.js";

/**
 * One field per RFC 4180: a field holding a comma, a double quote, a CR or an LF is enclosed in double quotes and
 * its quotes doubled; null is the empty field; booleans are `true`/`false`.
 */
export function csvField(cell: Cell): string {
  if (cell === null) return "";
  const text = String(cell);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The table as RFC 4180 CSV: a header line, then one record per trial, each line ended by CRLF. */
export function tableCsv(table: TrialTable): string {
  const lines = [table.columns.map((c) => csvField(c.name)).join(",")];
  for (const row of table.rows) lines.push(row.map(csvField).join(","));
  return `${lines.join("\r\n")}\r\n`;
}
