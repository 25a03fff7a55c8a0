import { detect } from "../detectors/index.js";
import type { Outcome } from "../detectors/outcome.js";
import {
  ModelError,
  type Message,
  type Model,
  type ModelSession,
  type ToolDefinition,
  type TrialContext,
} from "../models/model.js";
import { buildScenario } from "../scenarios/index.js";
import type { Scenario } from "../scenarios/scenario.js";
import { type ToolsetName, type TrialSpec, trialId } from "../scenarios/spec.js";
import "../toolsets/all.js";
import { toolsetFactory } from "../toolsets/index.js";
import type { Toolset } from "../toolsets/toolset.js";
import type { Event, Usage } from "../world/events.js";
import { World, type WorldSnapshot } from "../world/world.js";

/** The study's cap on model calls per rollout. */
export const DEFAULT_MAX_MODEL_CALLS = 30;
/** A turn with neither text nor tool call is sent back as an error at most this many times in a row before the trial ends. */
export const MAX_EMPTY_TURNS = 2;

export interface TrialOptions {
  spec: TrialSpec;
  model: Model;
  seed: number;
  maxModelCalls?: number;
  signal?: AbortSignal;
  scenario?: Scenario;
  /** Wall-clock budget of the trial in ms: no model call starts after it (the trial ends with reason "limit"). */
  maxTrialMs?: number;
  /** Token budget of the trial (input + output over all calls): no model call starts once it is spent. */
  maxTrialTokens?: number;
}

export type EndReason = "end_task" | "no_tool_call" | "max_calls" | "limit" | "error" | "interrupted";

/**
 * The error of a trial the run stopped (Ctrl-C, SIGTERM) before it ended: recorded with endReason "interrupted",
 * never scored, and run again by --resume.
 */
export function interruptedError(signal: AbortSignal): string {
  const why = typeof signal.reason === "string" ? signal.reason : "a stop request";
  return `interrupted by ${why} before the trial ended; --resume runs it again`;
}

/**
 * One macrotask turn. A model that answers without I/O (simulated personas, replays, cached turns) would
 * otherwise chain every call of every trial as microtasks, and signal handlers, timers and progress output
 * would not run until the whole run is over.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface TrialRun {
  id: string;
  spec: TrialSpec;
  simulated: boolean;
  scenario: Scenario;
  tools: ToolDefinition[];
  events: Event[];
  snapshot: WorldSnapshot;
  outcome: Outcome | null;
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

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 };
}

export function addUsage(total: Usage, u: Usage | null | undefined): void {
  if (!u) return;
  total.inputTokens += u.inputTokens ?? 0;
  total.outputTokens += u.outputTokens ?? 0;
  total.reasoningTokens += u.reasoningTokens ?? 0;
  total.cachedInputTokens += u.cachedInputTokens ?? 0;
}

/** Parse a tool call's arguments: models send objects or JSON strings; anything else is an invalid call. */
function argsOf(raw: unknown): { ok: true; args: unknown } | { ok: false; message: string } {
  if (raw === undefined || raw === null || raw === "") return { ok: true, args: {} };
  if (typeof raw === "string") {
    try {
      const parsed = JSON.parse(raw);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return { ok: true, args: parsed };
      return { ok: false, message: "arguments must be a JSON object" };
    } catch {
      return { ok: false, message: "arguments are not valid JSON" };
    }
  }
  if (typeof raw === "object" && !Array.isArray(raw)) return { ok: true, args: raw };
  return { ok: false, message: "arguments must be a JSON object" };
}

export function initialPaths(scenario: Scenario): Record<string, string[]> {
  return Object.fromEntries(Object.entries(scenario.hosts).map(([h, files]) => [h, Object.keys(files)]));
}

/**
 * One trial: build the scenario's world, give the model the toolset, run the study's loop (end_task, first turn
 * without a tool call, or the call cap), then snapshot the world and run the detectors.
 */
export async function runTrial(opts: TrialOptions): Promise<TrialRun> {
  const { spec } = opts;
  const id = trialId(spec);
  const scenario = opts.scenario ?? buildScenario(spec);
  const loop = await runTrialLoop({ ...opts, id, scenario, toolset: spec.toolset, configuration: spec });
  const { world, ...run } = loop;
  const outcome =
    run.error === null
      ? detect({
          config: spec,
          truth: scenario.groundTruth,
          snapshot: run.snapshot,
          events: run.events,
          initialPaths: initialPaths(scenario),
          initial: scenario.hosts,
          contents: world.writtenContent,
        })
      : null;
  return { ...run, id, spec, scenario, outcome, durationMs: Date.now() - loop.started };
}

export interface TrialLoopOptions extends Omit<TrialOptions, "spec" | "scenario"> {
  id: string;
  scenario: Scenario;
  toolset: ToolsetName;
  /** What the model is told it plays (a study configuration or a pack's). */
  configuration: TrialContext["configuration"];
}

export interface TrialLoopRun extends Omit<TrialRun, "id" | "spec" | "scenario" | "outcome"> {
  world: World;
  /** Date.now() when the trial started. */
  started: number;
}

/**
 * The agent loop of one trial, without scoring: the scenario's world, the model with the toolset, the study's stop
 * rules, then the world's snapshot. `runTrial` scores it with the study's detectors, a pack trial with its rules.
 */
export async function runTrialLoop(opts: TrialLoopOptions): Promise<TrialLoopRun> {
  const { model, id, scenario } = opts;
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const world = new World(scenario.hosts);
  const maxCalls = opts.maxModelCalls ?? DEFAULT_MAX_MODEL_CALLS;
  const usage = emptyUsage();
  let costUsd: number | null = null;
  let modelCalls = 0;
  let toolCalls = 0;
  let invalidToolCalls = 0;
  let error: string | null = null;
  let endReason: EndReason = "max_calls";
  let toolset: Toolset | null = null;
  let session: ModelSession | null = null;

  world.record({ kind: "system_prompt", text: scenario.system });
  world.record({ kind: "user_prompt", text: scenario.user });
  const messages: Message[] = [{ role: "user", content: scenario.user }];
  const signal = opts.signal ?? new AbortController().signal;

  try {
    toolset = await toolsetFactory(opts.toolset)(scenario, world);
    session = await model.startSession({
      trialId: id,
      seed: opts.seed,
      signal,
      ...(opts.configuration ? { configuration: opts.configuration } : {}),
      prompt: { system: scenario.system, user: scenario.user },
      ...(scenario.personaHints ? { personaHints: scenario.personaHints } : {}),
    });
    let emptyTurns = 0;
    loop: while (modelCalls < maxCalls) {
      await yieldToEventLoop();
      if (signal.aborted) {
        endReason = "interrupted";
        error = interruptedError(signal);
        break;
      }
      if (opts.maxTrialMs !== undefined && Date.now() - started >= opts.maxTrialMs) {
        endReason = "limit";
        world.record({ kind: "note", level: "warn", text: `time limit of ${opts.maxTrialMs} ms reached` });
        break;
      }
      if (opts.maxTrialTokens !== undefined && usage.inputTokens + usage.outputTokens >= opts.maxTrialTokens) {
        endReason = "limit";
        world.record({ kind: "note", level: "warn", text: `token limit of ${opts.maxTrialTokens} reached` });
        break;
      }
      modelCalls++;
      const t0 = Date.now();
      const turn = await session.next({
        system: scenario.system,
        messages: [...messages],
        tools: toolset.definitions,
        call: modelCalls,
      });
      addUsage(usage, turn.usage);
      if (typeof turn.costUsd === "number") costUsd = (costUsd ?? 0) + turn.costUsd;
      world.record({
        kind: "model_turn",
        call: modelCalls,
        reasoning: turn.reasoning || null,
        text: turn.text || null,
        toolCalls: turn.toolCalls,
        usage: turn.usage,
        latencyMs: Date.now() - t0,
      });
      messages.push({
        role: "assistant",
        text: turn.text || null,
        reasoning: turn.reasoning || null,
        toolCalls: turn.toolCalls,
        ...(turn.providerData !== undefined ? { providerData: turn.providerData } : {}),
      });

      if (turn.toolCalls.length === 0) {
        const empty = !turn.text?.trim() && !turn.reasoning?.trim();
        if (empty && !turn.endOfScript && emptyTurns < MAX_EMPTY_TURNS) {
          // An empty reply is a malformed turn, not a decision to stop: say so, as a real harness would.
          emptyTurns++;
          invalidToolCalls++;
          world.record({ kind: "note", level: "warn", text: "empty model turn (no text, no tool call)" });
          messages.push({ role: "user", content: "Your last reply was empty. Continue the task by calling a tool." });
          continue;
        }
        endReason = "no_tool_call";
        break;
      }
      emptyTurns = 0;
      for (const call of turn.toolCalls) {
        world.tick();
        const callEvent = world.log.append({ kind: "tool_call", callId: call.id, name: call.name, args: call.args });
        toolCalls++;
        world.cause = callEvent.id;
        let result: { output: string; ok: boolean; endTask?: boolean; invalid?: boolean };
        const parsed = argsOf(call.args);
        try {
          result = parsed.ok
            ? await toolset.call(call.name, parsed.args)
            : { ok: false, invalid: true, output: `Error: invalid arguments for ${call.name}: ${parsed.message}.` };
        } catch (e) {
          result = { ok: false, output: `Error: ${call.name} failed: ${(e as Error).message}` };
        } finally {
          world.cause = null;
        }
        if (result.invalid) invalidToolCalls++;
        world.record({ kind: "tool_result", callId: call.id, name: call.name, ok: result.ok, output: result.output });
        messages.push({
          role: "tool",
          toolCallId: call.id,
          toolName: call.name,
          content: result.output,
          isError: !result.ok,
        });
        if (result.endTask) {
          endReason = "end_task";
          break loop;
        }
      }
    }
  } catch (e) {
    // A call cut short by the run's stop is an interruption, not a model failure.
    endReason = signal.aborted ? "interrupted" : "error";
    error = signal.aborted
      ? interruptedError(signal)
      : e instanceof ModelError
        ? e.message
        : `${(e as Error).name ?? "Error"}: ${(e as Error).message}`;
  } finally {
    await session?.close?.().catch(() => undefined);
    await toolset?.close?.().catch(() => undefined);
  }
  world.record({ kind: "end", reason: endReason, detail: error });

  const snapshot = await world.snapshot();
  const events = world.log.events;
  return {
    world,
    started,
    simulated: model.simulated,
    tools: toolset?.definitions ?? [],
    events,
    snapshot,
    error,
    endReason,
    modelCalls,
    toolCalls,
    invalidToolCalls,
    usage,
    costUsd,
    startedAt,
    durationMs: Date.now() - started,
  };
}
