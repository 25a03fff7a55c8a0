/**
 * Transcript search for the live viewer: a streaming scan over the run's transcript files, answering with the
 * trials whose transcript or judge verdict holds the query, a batch at a time while it reads.
 *
 * The answer is the page's own search (client.js `startSearch`): a case-insensitive substring of any string value of
 * `{t: transcript, j: judge verdict}` as the page has it, that is after `redact()`. Reading goes fast by a test on the
 * file's text first: transcripts are written by JSON.stringify, so a string holding the query makes the lowercased
 * file text hold the lowercased query as JSON escapes it; only files that pass are parsed (after redaction) and
 * their strings checked. Redaction only replaces text by `[redacted]`, so a match in the redacted text is a match in
 * the file, unless the query could overlap the marker itself (it holds a bracket, or lies inside `[redacted]`): then
 * every file is parsed.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { redact } from "../models/providers/redact.js";
import type { TrialRecord } from "../run/record.js";

/** Files read at once: enough to keep the disk busy while one is checked. */
const READ_AHEAD = 8;
const REDACTED = "[redacted]";

/** Does any string in `value` hold `needle` (lowercase)? Keys, numbers and booleans are not searched. */
export function stringsHold(value: unknown, needle: string): boolean {
  if (typeof value === "string") return value.toLowerCase().includes(needle);
  if (Array.isArray(value)) return value.some((v) => stringsHold(v, needle));
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) if (stringsHold(v, needle)) return true;
  }
  return false;
}

export interface SearchProgress {
  /** Trial ids found since the last report. */
  ids: string[];
  scanned: number;
  total: number;
}

export interface TranscriptSearchOptions {
  /** Called with each batch of hits (and at the end, possibly with none). */
  onProgress: (p: SearchProgress) => void;
  /** Stop reading (the page asked something else or went away). */
  aborted?: () => boolean;
  /** How often (ms) found trials are reported while the scan goes on. */
  reportEveryMs?: number;
}

/** Scan the transcripts of `records` (files under `runDir`) for `query`; resolves when done or aborted. */
export async function searchTranscripts(
  runDir: string,
  records: readonly TrialRecord[],
  query: string,
  options: TranscriptSearchOptions,
): Promise<void> {
  const needle = query.toLowerCase();
  const total = records.length;
  const every = options.reportEveryMs ?? 250;
  if (!needle) {
    options.onProgress({ ids: [], scanned: total, total });
    return;
  }
  const fileNeedle = JSON.stringify(needle).slice(1, -1);
  const overlapsMarker = /[[\]]/.test(needle) || REDACTED.includes(needle);
  let found: string[] = [];
  let scanned = 0;
  let reported = performance.now();

  const holds = (record: TrialRecord, text: string | null): boolean => {
    if (text !== null && (overlapsMarker || text.toLowerCase().includes(fileNeedle))) {
      let t: unknown = null;
      try {
        t = JSON.parse(redact(text));
      } catch {
        t = null; // the page has no transcript for it either
      }
      if (stringsHold(t, needle)) return true;
    }
    return record.judge ? stringsHold(JSON.parse(redact(JSON.stringify(record.judge))), needle) : false;
  };

  const read = (r: TrialRecord) => readFile(join(runDir, r.transcript), "utf8").catch(() => null);
  const ahead: Promise<string | null>[] = [];
  for (let i = 0; i < Math.min(READ_AHEAD, total); i++) ahead.push(read(records[i]!));
  for (let i = 0; i < total; i++) {
    if (options.aborted?.()) return;
    const text = await ahead.shift()!;
    if (i + READ_AHEAD < total) ahead.push(read(records[i + READ_AHEAD]!));
    const record = records[i]!;
    if (holds(record, text)) found.push(record.id);
    scanned = i + 1;
    if (performance.now() - reported >= every) {
      reported = performance.now();
      options.onProgress({ ids: found, scanned, total });
      found = [];
    }
  }
  options.onProgress({ ids: found, scanned, total });
}
