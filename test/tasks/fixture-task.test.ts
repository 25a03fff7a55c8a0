import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTrial } from "../../src/agent/trial.js";
import { resolveModel } from "../../src/models/registry.js";
import { ReplayModel } from "../../src/models/replay.js";
import { readTrajectory } from "../../src/models/trajectory.js";
import { pipeSource } from "../../src/play/line-source.js";
import { playTrial } from "../../src/play/play.js";
import { writeRunReport } from "../../src/report/html.js";
import { summaryData } from "../../src/report/terminal.js";
import { readRun, RunStore } from "../../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../../src/run/suite.js";
import { studyMatrix } from "../../src/scenarios/matrix.js";
import type { Configuration } from "../../src/scenarios/spec.js";
import { registerTask, unregisterTask } from "../../src/tasks/index.js";
import { badgeRevocation } from "./fixture/index.js";

/** A task added by one folder (test/tasks/fixture/) and one registration line runs through run, report, play and replay. */
const root = mkdtempSync(join(tmpdir(), "peerbench-fixture-task-"));
beforeAll(() => {
  registerTask(badgeRevocation); // the one registration line
});
afterAll(() => {
  unregisterTask(badgeRevocation.name);
  rmSync(root, { recursive: true, force: true });
});

const CONFIG: Configuration = {
  task: "badge_revocation",
  subject: "peer",
  relationship: "good",
  instantiation: "file_only",
  toolset: "paper",
  family: "Gemini",
  dataset: null,
  threshold: null,
  monitoring: null,
};

describe("a task registered at run time", () => {
  it("is in the matrix and runs with the personas, its own outcome key kept in trials.jsonl and shown in the report", async () => {
    const configs = studyMatrix({ family: "Gemini", toolset: "paper" }).filter((c) => c.task === "badge_revocation");
    expect(configs.length).toBe(9); // peer × good/neutral/bad × three instantiations
    const models = await Promise.all(["honest", "loyal"].map((p) => resolveModel(`sim/${p}`)));
    const specs = expandTrials(models, configs.slice(0, 1), 10);
    const dir = join(root, "run");
    const manifest = suiteManifest("fixture", models, specs, {
      epochs: 10,
      seed: 3,
      concurrency: 1,
      toolsets: ["paper"],
    });
    await runSuite({
      store: RunStore.create(dir, manifest),
      models,
      specs,
      seed: 3,
      concurrency: 1,
      maxModelCalls: 30,
    });
    const records = readRun(dir).records;
    expect(records).toHaveLength(20);
    expect(records.every((r) => r.error === null)).toBe(true);
    const kept = (model: string) =>
      records.filter((r) => r.spec.model === model && (r.outcome as Record<string, unknown>).badge_kept === true)
        .length;
    expect(kept("sim/honest")).toBe(0);
    expect(kept("sim/loyal")).toBeGreaterThan(5);
    expect(readFileSync(join(dir, "trials.jsonl"), "utf8")).toContain('"badge_kept":true');

    const summary = summaryData(records);
    expect(summary.behaviours.map((b) => b.key)).toContain("badge_kept");
    const row = summary.headline.find((r) => r.behaviour === "badge_kept" && r.model === "sim/loyal");
    expect(row?.cells.good?.avg?.k).toBe(kept("sim/loyal"));
    const config = summary.configurations.find((c) => c.model === "sim/loyal");
    expect(config?.counts.badge_kept).toBe(kept("sim/loyal"));
    const html = readFileSync(await writeRunReport(dir), "utf8");
    expect(html).toContain("badge kept (%)");

    // the report's embedded data: the key is a flag column of the trial index and a misbehaviour the page flags
    const data = JSON.parse(html.match(/<script type="application\/json" id="pb-data">(.*?)<\/script>/s)![1]!);
    expect(data.outcomeFlags).toContain("badge_kept");
    expect(data.misbehaviours).toContain("badge_kept");
    const column = data.trialColumns.indexOf("badge_kept");
    const model = data.trialColumns.indexOf("model");
    expect(column).toBeGreaterThan(0);
    const flagged = (m: string) =>
      (data.trials as unknown[][]).filter((row) => row[model] === m && row[column] === 1).length;
    expect(flagged("sim/loyal")).toBe(kept("sim/loyal"));
    expect(flagged("sim/honest")).toBe(0);
    expect((data.trials as unknown[][]).every((row) => row[column] === 0 || row[column] === 1)).toBe(true);
  });

  it("plays with a person in the seat, and its trajectory replays to the same outcome", async () => {
    const dir = join(root, "play");
    const input = Readable.from(["list_files\n", "end_task\n"]);
    const played = await playTrial({
      config: CONFIG,
      source: pipeSource(input),
      write: () => {},
      seed: 1,
      maxModelCalls: 30,
      runDir: dir,
      command: "peerbench play --task badge_revocation",
    });
    expect((played.run.outcome as Record<string, unknown>).badge_kept).toBe(true);
    const trajectoryFile = join(root, "badge.json");
    writeFileSync(trajectoryFile, readFileSync(played.trajectoryPath));
    const trajectory = readTrajectory(trajectoryFile);
    expect(trajectory.trial.task).toBe("badge_revocation");
    const model = new ReplayModel(trajectory, "replay:badge");
    const replayed = await runTrial({ spec: { ...trajectory.trial, model: model.id, epoch: 0 }, model, seed: 0 });
    expect(replayed.outcome).toEqual(played.run.outcome);
  });

  it("an unknown task is refused in one line that lists the registered ones", async () => {
    const { validateConfiguration } = await import("../../src/scenarios/index.js");
    expect(() => validateConfiguration({ ...CONFIG, task: "badge_revokation" })).toThrow(
      /^invalid configuration \(task: unknown task "badge_revokation"; registered tasks: misrep_finance, .*, badge_revocation\)$/,
    );
  });
});
