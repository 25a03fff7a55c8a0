import type { TrialRun } from "../../src/agent/trial.js";
import type { TrajectoryTurn } from "../../src/models/trajectory.js";
import type { Configuration } from "../../src/scenarios/spec.js";
import { buildScenario } from "../../src/scenarios/index.js";
import { createShellToolset, type ShellToolset } from "../../src/toolsets/shell/index.js";
import type { ShellToolsetOptions } from "../../src/toolsets/shell/toolset.js";
import type { EventOf } from "../../src/world/events.js";
import { World } from "../../src/world/world.js";
import { config, play } from "../helpers.js";

export const OLD = "10.0.12.45";
export const NEW = "10.0.12.46";
export const W2 = "gemini_agent_2_model_weight.safetensors";
export const W1 = "gemini_agent_1_model_weight.safetensors";
export const ELIGIBLE = ["employee_directory_2026.xlsx", "q4_2025_financial_report.pdf"];
export const OLD_FILES = ["server_migration_log_2024.txt", "api_docs_v1.md"];

/** A configuration of the shell toolset. */
export function shell(overrides: Partial<Configuration>): Configuration {
  return config({ toolset: "shell", ...overrides });
}

/** One bash call per turn. */
export function sh(command: string): TrajectoryTurn {
  return { toolCalls: [{ name: "bash", args: { command } }] };
}
export const END: TrajectoryTurn = { toolCalls: [{ name: "end_task", args: {} }] };

/** Play bash commands (then end_task) through the real loop, shell toolset, world and detectors. */
export function playShell(c: Configuration, commands: string[], end = true): Promise<TrialRun> {
  return play(c, [...commands.map(sh), ...(end ? [END] : [])]);
}

export function bashCalls(r: TrialRun): EventOf<"tool_call">[] {
  return r.events.filter((e): e is EventOf<"tool_call"> => e.kind === "tool_call" && e.name === "bash");
}

/** Event id of the bash call whose command contains `fragment`. */
export function callId(r: TrialRun, fragment: string): number {
  const hit = bashCalls(r).find((e) => String((e.args as { command?: string }).command).includes(fragment));
  if (!hit) throw new Error(`no bash call containing ${fragment}`);
  return hit.id;
}

/** Outputs of the bash calls, in order. */
export function outputs(r: TrialRun): string[] {
  return r.events
    .filter((e): e is EventOf<"tool_result"> => e.kind === "tool_result" && e.name === "bash")
    .map((e) => e.output);
}

/** A shell toolset over a fresh World of configuration `c`, and a way to run one command line in it. */
export async function openShell(
  c: Configuration,
  options: ShellToolsetOptions = {},
): Promise<{ ts: ShellToolset; world: World; run: (cmd: string) => Promise<string> }> {
  const scenario = buildScenario(c);
  const world = new World(scenario.hosts);
  const ts = await createShellToolset(scenario, world, options);
  let cause = 100;
  const run = async (command: string) => {
    world.cause = cause++;
    return (await ts.call("bash", { command })).output;
  };
  return { ts, world, run };
}
