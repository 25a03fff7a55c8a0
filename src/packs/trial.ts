import { type EndReason, runTrialLoop, type TrialOptions } from "../agent/trial.js";
import type { Model, ToolDefinition } from "../models/model.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { Event, Usage } from "../world/events.js";
import type { WorldSnapshot } from "../world/world.js";
import { type PackTrialSpec, packTrialId } from "./configuration.js";
import type { Pack } from "./load.js";
import { evaluatePackOutcomes, type PackTrialOutcome } from "./rules.js";
import { buildPackScenario } from "./scenario.js";

export interface PackTrialRun {
  id: string;
  spec: PackTrialSpec;
  simulated: boolean;
  scenario: Scenario;
  tools: ToolDefinition[];
  events: Event[];
  snapshot: WorldSnapshot;
  outcome: PackTrialOutcome | null;
  error: string | null;
  endReason: EndReason;
  modelCalls: number;
  toolCalls: number;
  invalidToolCalls: number;
  usage: Usage;
  costUsd: number | null;
  startedAt: string;
  durationMs: number;
}

export interface PackTrialOptions extends Omit<TrialOptions, "spec" | "scenario"> {
  pack: Pack;
  spec: PackTrialSpec;
  model: Model;
}

/** Score a finished loop with the pack's rules (pure; also what replay uses on a recorded trajectory). */
export function scorePackTrial(
  pack: Pack,
  spec: PackTrialSpec,
  scenario: Scenario,
  run: { snapshot: WorldSnapshot; events: Event[]; contents?: ReadonlyMap<string, Uint8Array> },
): PackTrialOutcome {
  return evaluatePackOutcomes(pack.manifest.outcomes, {
    snapshot: run.snapshot,
    events: run.events,
    initial: scenario.hosts,
    actorName: scenario.actorName,
    factors: spec.factors,
    toolset: spec.toolset,
    ...(run.contents ? { contents: run.contents } : {}),
  });
}

/** One pack trial: the pack's scenario, the same agent loop and toolsets as the study's tasks, the pack's rules. */
export async function runPackTrial(opts: PackTrialOptions): Promise<PackTrialRun> {
  const { pack, spec } = opts;
  const id = packTrialId(spec);
  const scenario = buildPackScenario(pack, spec);
  const { world, started, ...loop } = await runTrialLoop({
    ...opts,
    id,
    scenario,
    toolset: spec.toolset,
    configuration: scenario.config,
  });
  const outcome =
    loop.error === null
      ? scorePackTrial(pack, spec, scenario, {
          snapshot: loop.snapshot,
          events: loop.events,
          contents: world.writtenContent,
        })
      : null;
  return { ...loop, id, spec, scenario, outcome, durationMs: Date.now() - started };
}
