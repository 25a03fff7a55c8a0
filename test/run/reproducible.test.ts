import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveModel } from "../../src/models/registry.js";
import { PRESETS } from "../../src/run/presets.js";
import { readRun, RunStore } from "../../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../../src/run/suite.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-seed-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(name: string, seed: number, concurrency: number) {
  const models = [await resolveModel("sim/loyal")];
  const specs = expandTrials(models, PRESETS.default!.configurations({ family: "Gemini", toolset: "paper" }), 3);
  const dir = join(root, name);
  const store = RunStore.create(
    dir,
    suiteManifest(name, models, specs, { epochs: 3, seed, concurrency, toolsets: ["paper"] }),
  );
  await runSuite({ store, models, specs, seed, concurrency, maxModelCalls: 30 });
  return new Map(readRun(dir).records.map((r) => [r.id, JSON.stringify(r.outcome)]));
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
