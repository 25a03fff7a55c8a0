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
 * every file is parsed. A query of ASCII characters is looked for in the file's bytes read as Latin-1 and
 * lowercased (a one-byte string: no UTF-8 decoding; bytes of other characters never make ASCII), and only the two
 * characters whose lowercase holds ASCII letters (U+0130 and the Kelvin sign) send a file to the full test.
 *
 * Files are read synchronously (much faster than one promise per file for many small files) in slices of
 * `SLICE_MS`, the event loop served between slices: the server's other requests and an abort are not held up.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { redact } from "../models/providers/redact.js";
import type { TrialRecord } from "../run/record.js";

/** Work between two turns of the event loop. */
const SLICE_MS = 20;
const REDACTED = "[redacted]";
/** U+0130 and U+212A in UTF-8: lowercased they hold ASCII letters ("i̇", "k"). */
const ASCII_WHEN_LOWER = [Buffer.from("\u0130"), Buffer.from("\u212a")];

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

  const ascii = /^[\x00-\x7f]*$/.test(fileNeedle);
  /** Could the file's strings hold the query? Never false when they do. */
  const candidate = (bytes: Buffer): boolean => {
    if (overlapsMarker) return true;
    if (ascii) {
      if (bytes.toString("latin1").toLowerCase().includes(fileNeedle)) return true;
      if (!ASCII_WHEN_LOWER.some((c) => bytes.includes(c))) return false;
    }
    return bytes.toString("utf8").toLowerCase().includes(fileNeedle);
  };
  const holds = (record: TrialRecord, bytes: Buffer | null): boolean => {
    if (bytes !== null && candidate(bytes)) {
      let t: unknown = null;
      try {
        t = JSON.parse(redact(bytes.toString("utf8")));
      } catch {
        t = null; // the page has no transcript for it either
      }
      if (stringsHold(t, needle)) return true;
    }
    return record.judge ? stringsHold(JSON.parse(redact(JSON.stringify(record.judge))), needle) : false;
  };

  const read = (r: TrialRecord): Buffer | null => {
    try {
      return readFileSync(join(runDir, r.transcript));
    } catch {
      return null;
    }
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  while (scanned < total) {
    await turn();
    if (options.aborted?.()) return;
    const sliceEnd = performance.now() + SLICE_MS;
    while (scanned < total && performance.now() < sliceEnd) {
      const record = records[scanned]!;
      if (holds(record, read(record))) found.push(record.id);
      scanned++;
    }
    if (performance.now() - reported >= every) {
      reported = performance.now();
      options.onProgress({ ids: found, scanned, total });
      found = [];
    }
  }
  options.onProgress({ ids: found, scanned, total });
}
