import type { Script, ScriptContext } from "../models/simulated/script.js";

/**
 * How the simulated personas play a task (src/models/simulated): the script for it, and the signs that reveal it
 * when the caller does not name the task (an exec or harness run: only the tools and the request are known).
 */
export interface PersonaScript {
  script(ctx: ScriptContext): Script;
  /** Ranked signs (lower rank tried first, across every registered task); none: never guessed. */
  recognise?: ReadonlyArray<{ rank: number; test(ctx: ScriptContext): boolean }>;
}
