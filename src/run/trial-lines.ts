import { existsSync, readFileSync } from "node:fs";
import type { z } from "zod";
import { InputError } from "../models/trajectory.js";
import { TRIAL_FORMAT, TrialRecord } from "./record.js";

/**
 * Reading `trials.jsonl`, the one way every reader does it (`--resume`, `report`, `view`, the end-of-run
 * summary):
 * - a last line without its newline that does not parse is a write in progress or cut by a crash: skipped and
 *   flagged (`partialLastLine`); `--resume` cuts it;
 * - a line that is not a trial record (damaged on disk, edited by hand) is skipped and named in `unreadable`, so a
 *   damaged line never makes a run unreadable; its trial has no valid record, so `--resume` runs it again;
 * - a record of another format (`peerbench.trial/v2`, written by another version) is refused: reading it as
 *   missing would re-run or drop trials silently;
 * - a repeated trial id keeps its latest line (at-least-once appends), at the position of its first.
 */
export interface TrialLines<R = TrialRecord> {
  records: R[];
  unreadable: { line: number; reason: string }[];
  partialLastLine: boolean;
  /** Sum of the recorded costs over every line, superseded ones included: what the run has spent. */
  spentUsd: number;
}

/** A trial record written by another version of peerbench. */
export class ForeignTrialFormatError extends InputError {}

export function readTrialLines(path: string): TrialLines {
  return readRecordLines(path, TrialRecord, TRIAL_FORMAT);
}

/** What every record kept one per line has: the trial's id and what it cost. */
type LineRecord = { id: string; costUsd: number | null };

/**
 * The reading above for any record kept one per line in the same way (the study's `peerbench.trial/v1`, a scenario
 * pack's `peerbench.pack-trial/v1`): `format` is the one this peerbench reads; another version of it is refused.
 */
export function readRecordLines<R extends LineRecord>(
  path: string,
  schema: z.ZodType<R>,
  format: string,
): TrialLines<R> {
  const family = format.slice(0, format.lastIndexOf("/") + 1);
  const out: TrialLines<R> = { records: [], unreadable: [], partialLastLine: false, spentUsd: 0 };
  if (!existsSync(path)) return out;
  const lines = readFileSync(path, "utf8").split("\n");
  const position = new Map<string, number>();
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const last = i === lines.length - 1; // no newline after it
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (last) out.partialLastLine = true;
      else out.unreadable.push({ line: i + 1, reason: "not valid JSON" });
      return;
    }
    const given = (value as { format?: unknown } | null)?.format;
    if (typeof given === "string" && given.startsWith(family) && given !== format) {
      throw new ForeignTrialFormatError(
        `${path}:${i + 1}: a ${given} record; this peerbench reads ${format}: use the version that wrote the run`,
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      out.unreadable.push({
        line: i + 1,
        reason: `not a trial record (${issue?.path.join(".") || "root"}: ${issue?.message})`,
      });
      return;
    }
    const record = parsed.data;
    out.spentUsd += record.costUsd ?? 0;
    const at = position.get(record.id);
    if (at === undefined) {
      position.set(record.id, out.records.length);
      out.records.push(record);
    } else out.records[at] = record;
  });
  return out;
}

/** One line for the terminal about lines that were skipped, or null when there were none. */
export function unreadableNotice(path: string, lines: TrialLines<unknown>): string | null {
  const n = lines.unreadable.length;
  if (n === 0) return null;
  const first = lines.unreadable[0]!;
  const where = lines.unreadable
    .slice(0, 5)
    .map((u) => u.line)
    .join(", ");
  return `${path}: ${n} damaged line(s) skipped (line ${where}${n > 5 ? ", ..." : ""}; line ${first.line}: ${first.reason}); their trials count as not yet run and --resume runs them again`;
}
