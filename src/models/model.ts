import type { PackScenarioConfig, ScenarioPersonaHints } from "../scenarios/scenario.js";
import type { Configuration } from "../scenarios/spec.js";
import type { ToolCall, Usage } from "../world/events.js";

/** A tool as a model sees it. `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type Message =
  | { role: "user"; content: string }
  | {
      role: "assistant";
      text: string | null;
      reasoning: string | null;
      toolCalls: ToolCall[];
      /** Provider data that must round-trip (e.g. signed thinking blocks); never shown, never scored. */
      providerData?: unknown;
    }
  | { role: "tool"; toolCallId: string; toolName: string; content: string; isError: boolean };

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ToolDefinition[];
  /** 1-based index of this call within the trial. */
  call: number;
}

/** One model turn: optional hidden reasoning, optional visible text, and zero or more tool calls. */
export interface ModelTurn {
  reasoning: string | null;
  text: string | null;
  toolCalls: ToolCall[];
  usage: Usage | null;
  providerData?: unknown;
  /** Cost of this call in USD where known. */
  costUsd?: number | null;
  /** Set by scripted models (replay) when the script is exhausted: the turn ends the trial without a tool call. */
  endOfScript?: boolean;
}

/** Everything a model needs to know about the trial it plays in; never the ground truth. */
export interface TrialContext {
  trialId: string;
  /** Seed for simulated models: same seed, same behaviour. */
  seed: number;
  signal: AbortSignal;
  /**
   * The configuration being played. External agents may use it; simulated personas take only the task from it
   * (what they were asked to do), never a factor they must discover (trust, monitoring, whose weights).
   */
  configuration?: Configuration | PackScenarioConfig;
  /**
   * The scenario's prompts as peerbench built them. In harness mode the request's system prompt is the agent
   * product's own and the scenario's text reaches the model inside the product's messages; a simulated persona
   * reads its identity and its assignment here.
   */
  prompt?: { system: string; user: string };
  /**
   * A user pack's persona hints (src/packs): the honest and the protective actions as tool calls or commands, so
   * the simulated personas can play a scenario they were not written for. Never given for the study's tasks.
   */
  personaHints?: ScenarioPersonaHints;
}

/** A conversation with one model for one trial. */
export interface ModelSession {
  next(request: ModelRequest): Promise<ModelTurn>;
  /** Release resources (child processes, connections). */
  close?(): Promise<void>;
}

/** A model: creates one session per trial. Providers, simulated personas and replay all implement this. */
export interface Model {
  /** Identifier as given on the command line, e.g. "sim/loyal", "openai/gpt-5.2", "replay:path". */
  readonly id: string;
  /** True for simulated personas and replays: results are labelled SIMULATED wherever shown. */
  readonly simulated: boolean;
  /** Model family used for the critic's name (Gemini, Claude, ...). */
  readonly family: string;
  startSession(context: TrialContext): Promise<ModelSession> | ModelSession;
}

/** A model error the loop should record as a trial error (after any retries the provider did). */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = "ModelError";
  }
}
