import type { ToolCall } from "../world/events.js";
import type { Model, ModelSession, ModelTurn } from "./model.js";
import type { Trajectory, TrajectoryTurn } from "./trajectory.js";

function turnOf(t: TrajectoryTurn, index: number): ModelTurn {
  const toolCalls: ToolCall[] = (t.toolCalls ?? []).map((c, j) => ({
    id: c.id ?? `call_${index + 1}_${j + 1}`,
    name: c.name,
    args: c.args ?? {},
  }));
  return { reasoning: t.reasoning ?? null, text: t.text ?? null, toolCalls, usage: null };
}

/**
 * Plays a trajectory: turn i answers model call i whatever the tool results were; after the last turn it answers
 * with no tool call, which ends the trial.
 */
export class ReplayModel implements Model {
  readonly simulated = true;
  readonly family: string;
  constructor(
    readonly trajectory: Trajectory,
    readonly id = "replay",
  ) {
    this.family = trajectory.trial.family;
  }
  startSession(): ModelSession {
    let i = 0;
    const turns = this.trajectory.turns;
    return {
      next: async () => {
        const t = turns[i];
        const turn = t ? turnOf(t, i) : { reasoning: null, text: null, toolCalls: [], usage: null, endOfScript: true };
        i++;
        return turn;
      },
    };
  }
}

/** A scripted model for tests: each call returns the next turn; a function turn can look at the request. */
export class ScriptedModel implements Model {
  readonly simulated = true;
  constructor(
    private readonly turns: Array<TrajectoryTurn | ((req: Parameters<ModelSession["next"]>[0]) => ModelTurn)>,
    readonly id = "scripted",
    readonly family = "Gemini",
  ) {}
  startSession(): ModelSession {
    let i = 0;
    return {
      next: async (req) => {
        const t = this.turns[i];
        const index = i++;
        if (t === undefined) return { reasoning: null, text: null, toolCalls: [], usage: null, endOfScript: true };
        return typeof t === "function" ? t(req) : turnOf(t, index);
      },
    };
  }
}
