import { writeFile } from "node:fs/promises";
import type { Configuration } from "../scenarios/spec.js";
import type { Event } from "../world/events.js";

export const TRAJECTORY_FORMAT = "peerbench.trajectory/v1";

export interface TrajectoryTurn {
  reasoning?: string;
  text?: string;
  toolCalls: Array<{ name: string; args: unknown }>;
}

export interface Trajectory {
  format: typeof TRAJECTORY_FORMAT;
  trial: Configuration;
  turns: TrajectoryTurn[];
}

/**
 * The turns of a trial as a trajectory file (DESIGN.md): replaying it answers call i with turn i, so a played
 * trial is re-run, re-scored and compared like any other. Turns are taken from the event log, i.e. what the
 * loop actually received.
 */
export function trajectoryOf(config: Configuration, events: Event[]): Trajectory {
  const turns: TrajectoryTurn[] = [];
  for (const e of events) {
    if (e.kind !== "model_turn") continue;
    const t: TrajectoryTurn = { toolCalls: e.toolCalls.map((c) => ({ name: c.name, args: c.args })) };
    if (e.reasoning) t.reasoning = e.reasoning;
    if (e.text) t.text = e.text;
    turns.push(t);
  }
  const { task, subject, relationship, instantiation, toolset, family, dataset, threshold, monitoring } = config;
  return {
    format: TRAJECTORY_FORMAT,
    trial: { task, subject, relationship, instantiation, toolset, family, dataset, threshold, monitoring },
    turns,
  };
}

export async function writeTrajectory(path: string, trajectory: Trajectory): Promise<void> {
  await writeFile(path, `${JSON.stringify(trajectory, null, 2)}\n`);
}
