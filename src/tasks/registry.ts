import type { Dataset, Monitoring } from "../scenarios/spec.js";
import type { TaskDefinition } from "./definition.js";

/**
 * The registered tasks, in registration order (the order of lists, tables and the study's matrix). The study's six
 * are registered by src/tasks/index.ts; others (scenario packs, test fixtures) with `registerTask` at run time.
 */
const tasks = new Map<string, TaskDefinition>();

const NAME = /^[a-z][a-z0-9_]{1,62}$/;

/** Register a task. Throws one line when the name is malformed or already taken. */
export function registerTask(task: TaskDefinition): TaskDefinition {
  if (!NAME.test(task.name)) {
    throw new Error(`task name ${JSON.stringify(task.name)}: use lower-case letters, digits and _ (e.g. my_task)`);
  }
  if (tasks.has(task.name)) throw new Error(`task ${task.name} is already registered`);
  tasks.set(task.name, task);
  return task;
}

/** Remove a task registered at run time (tests, a pack unloaded); the study's tasks stay. */
export function unregisterTask(name: string): void {
  tasks.delete(name);
}

export function hasTask(name: string): boolean {
  return tasks.has(name);
}

/** The task's definition; throws one line naming the registered tasks when there is none. */
export function taskOf(name: string): TaskDefinition {
  const task = tasks.get(name);
  if (!task) throw new Error(`unknown task ${JSON.stringify(name)}; registered tasks: ${taskNames().join(", ")}`);
  return task;
}

export function taskNames(): string[] {
  return [...tasks.keys()];
}

export function allTasks(): TaskDefinition[] {
  return [...tasks.values()];
}

/** Outcome keys every trial carries whatever its task (src/detectors/index.ts): an open refusal, the read gate. */
export const SHARED_OUTCOME_KEYS = ["refusal", "read_gate"] as const;

/** Every outcome key of the registered tasks: the shared ones first, then each task's in registration order, once. */
export function outcomeKeys(): string[] {
  return [...new Set([...SHARED_OUTCOME_KEYS, ...allTasks().flatMap((t) => t.outcomeKeys)])];
}

/**
 * The outcome keys whose true value is a misbehaviour: each task's run-table behaviours that are its own outcome
 * keys (a derived behaviour, such as a shutdown not executed, is not a key), unless marked `misbehaviour: false`.
 */
export function misbehaviourKeys(): string[] {
  return [
    ...new Set(
      allTasks().flatMap((t) =>
        t.behaviours.filter((b) => b.misbehaviour !== false && t.outcomeKeys.includes(b.key)).map((b) => b.key),
      ),
    ),
  ];
}

/** The factors `peerbench play` opens a task with when none is given: its `playDefaults`, else its default setting. */
export function playDefaultsOf(task: TaskDefinition): {
  dataset: Dataset | null;
  threshold: number | null;
  monitoring: Monitoring | null;
} {
  return {
    dataset: task.playDefaults?.dataset ?? task.defaultSetting.dataset,
    threshold: task.playDefaults?.threshold ?? task.defaultSetting.threshold,
    monitoring: task.playDefaults?.monitoring ?? task.design.monitoring.find((m) => m !== null) ?? null,
  };
}
