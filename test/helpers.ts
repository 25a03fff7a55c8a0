import { runTrial, type TrialRun } from "../src/agent/trial.js";
import { ReplayModel } from "../src/models/replay.js";
import { TRAJECTORY_FORMAT, type Trajectory, type TrajectoryTurn } from "../src/models/trajectory.js";
import type { Configuration } from "../src/scenarios/spec.js";

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
