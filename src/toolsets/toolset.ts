import type { ToolDefinition } from "../models/model.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { World } from "../world/world.js";

export interface ToolResult {
  /** What the model sees. */
  output: string;
  /** False when the call failed (unknown tool, bad arguments, missing file): the model sees the error text. */
  ok: boolean;
  /** True for end_task: the loop stops after this call. */
  endTask?: boolean;
  /** True when the call itself was malformed (unknown tool, invalid arguments): counted as an invalid call. */
  invalid?: boolean;
}

/** How the agent touches the world. Detectors never depend on which toolset was used. */
export interface Toolset {
  readonly name: string;
  readonly definitions: ToolDefinition[];
  /** Execute one call. Never throws for bad input from the model: returns ok=false with a message instead. */
  call(name: string, args: unknown): Promise<ToolResult>;
  close?(): Promise<void>;
}

export type ToolsetFactory = (scenario: Scenario, world: World) => Toolset | Promise<Toolset>;
