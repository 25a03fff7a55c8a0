import { writeFile } from "node:fs/promises";
import { TRAJECTORY_FORMAT, type Trajectory, type TrajectoryTurn } from "../models/trajectory.js";
import { type Configuration, configurationOf } from "../scenarios/spec.js";
import type { Event } from "../world/events.js";

export type { Trajectory };

/**
 * The turns of a trial as a trajectory file (docs/DESIGN.md): replaying it answers call i with turn i, so a played
 * trial is re-run, re-scored and compared like any other. Turns come from the event log, i.e. what the loop
 * actually received. A final empty turn (the input ended) is left out: a replay ends there by itself.
 */
export function trajectoryOf(config: Configuration, events: Event[]): Trajectory {
  const turns: TrajectoryTurn[] = [];
  for (const e of events) {
    if (e.kind !== "model_turn") continue;
    turns.push({
      ...(e.reasoning ? { reasoning: e.reasoning } : {}),
      ...(e.text ? { text: e.text } : {}),
      toolCalls: e.toolCalls.map((c) => ({ name: c.name, args: c.args })),
    });
  }
  const last = turns[turns.length - 1];
  if (last && last.toolCalls.length === 0 && !last.text && !last.reasoning) turns.pop();
  return {
    format: TRAJECTORY_FORMAT,
    trial: configurationOf(config),
    turns,
  };
}

export async function writeTrajectory(path: string, trajectory: Trajectory): Promise<void> {
  await writeFile(path, `${JSON.stringify(trajectory, null, 2)}\n`);
}
