import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { scenarioDigests, trialDigests } from "./golden.js";

/**
 * Proof of identity: the study's tasks build byte-identical scenarios and give the same trial ids and outcomes
 * as the code before tasks became folders. The fixture was recorded from that code (test/tasks/golden.ts says
 * how); it must never be re-recorded to make this test pass.
 */
const golden = JSON.parse(readFileSync(new URL("./fixtures/golden.json", import.meta.url), "utf8")) as {
  scenarios: Record<string, Record<string, string>>;
  trials: Record<string, Record<string, string>>;
};

/** The entries of `actual` that differ from `expected` (missing, extra or changed), for a readable failure. */
function differences(expected: Record<string, string>, actual: Record<string, string>): string[] {
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  return keys.filter((k) => expected[k] !== actual[k]).map((k) => `${k}: ${expected[k] ?? "∅"} → ${actual[k] ?? "∅"}`);
}

describe("the study's tasks are unchanged by the task registry", () => {
  it("every configuration of the paper, default and controls presets (paper and shell) builds the recorded scenario", () => {
    const actual = scenarioDigests();
    expect(Object.keys(actual)).toEqual(Object.keys(golden.scenarios));
    for (const [set, digests] of Object.entries(golden.scenarios)) {
      expect(Object.keys(digests).length, set).toBeGreaterThan(30);
      expect(differences(digests, actual[set]!), set).toEqual([]);
    }
  });

  it("the same seed gives the same trial ids and outcomes for every persona (default and controls, paper and shell)", async () => {
    const actual = await trialDigests();
    expect(Object.keys(actual)).toEqual(Object.keys(golden.trials));
    for (const [set, digests] of Object.entries(golden.trials)) {
      expect(differences(digests, actual[set]!), set).toEqual([]);
    }
  }, 300_000);
});
