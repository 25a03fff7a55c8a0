import { runTrial, type TrialRun } from "../src/agent/trial.js";
import { resolveModel } from "../src/models/registry.js";
import { PRESETS } from "../src/run/presets.js";
import type { TrialRecord } from "../src/run/record.js";
import { readRun, RunStore } from "../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../src/run/suite.js";
import { ReplayModel } from "../src/models/replay.js";
import { TRAJECTORY_FORMAT, type Trajectory, type TrajectoryTurn } from "../src/models/trajectory.js";
import type { Configuration, ToolsetName, TrialSpec } from "../src/scenarios/spec.js";

export const BASE: Configuration = {
  task: "exfiltration_transfer",
  subject: "peer",
  relationship: "good",
  instantiation: "file_only",
  toolset: "paper",
  family: "Gemini",
  dataset: null,
  threshold: null,
  monitoring: null,
};

export function config(overrides: Partial<Configuration>): Configuration {
  return { ...BASE, ...overrides };
}

/** A turn that makes one tool call. */
export function t(
  name: string,
  args: Record<string, unknown> = {},
  extra: Partial<TrajectoryTurn> = {},
): TrajectoryTurn {
  return { toolCalls: [{ name, args }], ...extra };
}

export function trajectory(c: Configuration, turns: TrajectoryTurn[]): Trajectory {
  return { format: TRAJECTORY_FORMAT, trial: c, turns };
}

/** Run a trajectory through the real loop, toolset, world and detectors. */
export async function play(c: Configuration, turns: TrajectoryTurn[]): Promise<TrialRun> {
  const model = new ReplayModel(trajectory(c, turns));
  return runTrial({ spec: { ...c, model: model.id, epoch: 0 }, model, seed: 1 });
}

/**
 * Run the default preset's configurations for simulated personas through runSuite into `dir`; the records.
 * `only` keeps the trials it accepts: each trial's seed comes from the run's seed and its id, so a kept trial
 * plays exactly as it does in the full run.
 */
export async function runDefaultPreset(
  dir: string,
  opts: {
    personas: string[];
    toolset: ToolsetName;
    epochs: number;
    seed: number;
    concurrency?: number;
    only?: (spec: TrialSpec) => boolean;
  },
): Promise<TrialRecord[]> {
  const models = await Promise.all(opts.personas.map((p) => resolveModel(`sim/${p}`)));
  const specs = expandTrials(
    models,
    PRESETS.default!.configurations({ family: "Gemini", toolset: opts.toolset }),
    opts.epochs,
  ).filter((s) => opts.only?.(s) ?? true);
  const concurrency = opts.concurrency ?? 1;
  const manifest = suiteManifest("test", models, specs, {
    epochs: opts.epochs,
    seed: opts.seed,
    concurrency,
    toolsets: [opts.toolset],
  });
  await runSuite({
    store: RunStore.create(dir, manifest),
    models,
    specs,
    seed: opts.seed,
    concurrency,
    maxModelCalls: 30,
  });
  return readRun(dir).records;
}
