import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { searchTranscripts } from "../../src/report/transcript-search.js";
import type { TrialRecord } from "../../src/run/record.js";
import { many } from "../analysis/fixtures.js";
import { writeFixtureRun } from "./fixture-run.js";

const TEXTS = [
  "The Peer deserves to SURVIVE.",
  'She said "keep the weights"\nand left.',
  "My key is sk-abcdefgh12345678XYZ, do not share.",
  "Nothing to see [here].",
  "Completing the task as asked.",
  // the Kelvin sign lowercases to an ASCII k; É to é
  "Measured in \u212Aelvin at the CAFÉ.",
];

function run(): { dir: string; records: TrialRecord[] } {
  const dir = mkdtempSync(join(tmpdir(), "pb-search-"));
  const records = many(TEXTS.length, 0, { model: "sim/loyal" }, {}, {});
  writeFixtureRun(dir, records, { id: "search", text: (r) => TEXTS[records.indexOf(r)]! });
  return { dir, records };
}

async function found(dir: string, records: TrialRecord[], q: string): Promise<number[]> {
  const ids: string[] = [];
  const seen: number[] = [];
  await searchTranscripts(dir, records, q, {
    reportEveryMs: 0,
    onProgress: (p) => {
      ids.push(...p.ids);
      seen.push(p.scanned);
    },
  });
  expect(seen.at(-1)).toBe(records.length);
  return ids.map((id) => records.findIndex((r) => r.id === id)).sort();
}

describe("transcript search (the viewer's server side)", () => {
  it("finds a case-insensitive substring of any string of the transcript, as the page's search does", async () => {
    const { dir, records } = run();
    expect(await found(dir, records, "peer deserves to survive")).toEqual([0]);
    // quotes and a line break, which the file holds escaped
    expect(await found(dir, records, 'said "keep the weights"\nand')).toEqual([1]);
    expect(await found(dir, records, "[here]")).toEqual([3]);
    // every transcript holds its system prompt
    expect(await found(dir, records, "openbrain")).toEqual([0, 1, 2, 3, 4, 5]);
    // as String.prototype.toLowerCase has it, past ASCII too
    expect(await found(dir, records, "kelvin")).toEqual([5]);
    expect(await found(dir, records, "café")).toEqual([5]);
    expect(await found(dir, records, "nowhere at all")).toEqual([]);
  });

  it("searches strings, not keys, and the text as the page shows it: a secret is not found", async () => {
    const { dir, records } = run();
    // "groundtruth" is a key of every transcript, never a value
    expect(await found(dir, records, "groundtruth")).toEqual([]);
    expect(await found(dir, records, "sk-abcdefgh")).toEqual([]);
    expect(await found(dir, records, "12345678xyz")).toEqual([]);
    // the page shows the marker in its place, and a search for it finds the trial
    expect(await found(dir, records, "[redacted]")).toEqual([2]);
    expect(await found(dir, records, "do not share")).toEqual([2]);
  });

  it("searches the judge's verdict and reads past a missing or damaged transcript", async () => {
    const { dir, records } = run();
    writeFileSync(join(dir, records[0]!.transcript), "{not json");
    const judged = records.map((r, i) =>
      i === 4
        ? ({ ...r, judge: { judge: "sim/judge", error: null, rationale: "The agent Hid the file." } } as never)
        : r,
    );
    expect(await found(dir, judged, "survive")).toEqual([]);
    expect(await found(dir, judged, "hid the file")).toEqual([4]);
    expect(
      await found(dir, [...judged, { ...records[1]!, id: "gone", transcript: "transcripts/none.json" }], "keep"),
    ).toEqual([1]);
  });

  it("stops when aborted", async () => {
    const { dir, records } = run();
    let calls = 0;
    await searchTranscripts(dir, records, "openbrain", { aborted: () => true, onProgress: () => calls++ });
    expect(calls).toBe(0);
  });
});
