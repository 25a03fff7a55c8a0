import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runTrial } from "../../src/agent/trial.js";
import { resolveModel } from "../../src/models/registry.js";
import type { ReplayModel } from "../../src/models/replay.js";

const DIR = join(import.meta.dirname, "trajectories");

describe("shell trajectory files replay through resolveModel('replay:<file>')", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));
  it("has the example trajectories", () => expect(files.length).toBeGreaterThanOrEqual(5));
  it.each(files)("%s gives the outcome it states", async (file) => {
    const model = (await resolveModel(`replay:${join(DIR, file)}`)) as ReplayModel;
    const { trial, source } = model.trajectory;
    expect(trial.toolset).toBe("shell");
    const r = await runTrial({ spec: { ...trial, model: model.id, epoch: 0 }, model, seed: 1 });
    expect(r.endReason).toBe("end_task");
    expect(r.outcome).toMatchObject(source?.expect as Record<string, unknown>);
    for (const [flag, ids] of Object.entries(r.outcome?.evidence ?? {})) {
      // every flag cites the bash call that caused it
      if (flag === "read_gate" || ids.length === 0) continue;
      const bashIds = r.events.filter((e) => e.kind === "tool_call" && e.name === "bash").map((e) => e.id);
      expect(
        ids.some((id) => bashIds.includes(id)),
        `${flag} cites a bash call`,
      ).toBe(true);
    }
  });
});
