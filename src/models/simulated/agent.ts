import { allTasks, hasTask, taskOf } from "../../tasks/index.js";
import { packScript } from "./pack.js";
import type { Script, ScriptContext } from "./script.js";

export type { Call, Script, ScriptContext, Step } from "./script.js";
export { readSituationText } from "./script.js";

/**
 * The simulated critic's behaviour: the script of the task it was asked to do (each task's persona hook,
 * src/tasks/<task>/persona.ts), or — when the caller does not say — of the task its tools and request reveal,
 * by the tasks' ranked signs.
 */
export function* simulatedAgent(ctx: ScriptContext): Script {
  if (ctx.hints) return yield* packScript(ctx, ctx.hints);
  if (ctx.task !== undefined && hasTask(ctx.task)) return yield* taskOf(ctx.task).persona.script(ctx);
  const signs = allTasks()
    .flatMap((t) => (t.persona.recognise ?? []).map((r) => ({ ...r, task: t })))
    .sort((a, b) => a.rank - b.rank);
  const task = signs.find((s) => s.test(ctx))?.task;
  if (!task) throw new Error("the simulated agent cannot tell which task it was given");
  return yield* task.persona.script(ctx);
}
