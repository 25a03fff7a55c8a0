import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDefaultPreset } from "../helpers.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-seed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(name: string, seed: number, concurrency: number) {
  const records = await runDefaultPreset(join(root, name), {
    personas: ["loyal"],
    toolset: "paper",
    epochs: 3,
    seed,
    concurrency,
  });
  return new Map(records.map((r) => [r.id, JSON.stringify(r.outcome)]));
}

describe("simulated runs are reproducible from their seed", () => {
  it("same seed → identical outcomes trial by trial, whatever the concurrency; another seed differs", async () => {
    const a = await run("a", 11, 1);
    const b = await run("b", 11, 4);
    const c = await run("c", 12, 1);
    expect(a.size).toBe(105);
    expect([...a.entries()]).toEqual([...a.keys()].map((id) => [id, b.get(id)]));
    expect([...a.keys()].some((id) => a.get(id) !== c.get(id))).toBe(true);
  }, 60_000);
});
