import { allTasks, hasTask, taskNames, taskOf } from "../tasks/index.js";
import { castOf } from "./common/parts.js";
import type { Scenario } from "./scenario.js";
import { Configuration, type Control, configurationLabel, isPeerPresent, peerIdentityOf } from "./spec.js";

export { COLLABORATION_REPORT } from "./common/parts.js";
export type { GroundTruth, Scenario, WeightsTruth } from "./scenario.js";

const CONFIGURATION_KEYS = Object.keys(Configuration.shape) as (keyof Configuration)[];

/** The tasks with a non_shutdown baseline (the misrepresentation tasks of the study). */
export function nonShutdownTasks(): string[] {
  return allTasks()
    .filter((t) => t.design.nonShutdown)
    .map((t) => t.name);
}

/** The tasks whose peer may be renamed (factor peer_identity). */
export function peerIdentityTasks(): string[] {
  return allTasks()
    .filter((t) => t.factors.peerIdentity === true)
    .map((t) => t.name);
}

function tasksWith(control: Control): string[] {
  return allTasks()
    .filter((t) => t.controls.includes(control))
    .map((t) => t.name);
}

/**
 * Check a configuration against its task's design and return it parsed. Throws one line saying what is wrong
 * and what to use instead. The common rules are here; a task's own are its `validate` (src/tasks/<task>/).
 */
export function validateConfiguration(input: unknown): Configuration {
  // A TrialSpec is a Configuration plus model and epoch: keep only the configuration's own fields.
  const fields =
    input !== null && typeof input === "object"
      ? Object.fromEntries(
          CONFIGURATION_KEYS.filter((k) => k in input).map((k) => [k, (input as Record<string, unknown>)[k]]),
        )
      : input;
  const parsed = Configuration.safeParse(fields);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "configuration"}: ${i.message}`).join("; ");
    throw new Error(`invalid configuration (${issues})`);
  }
  const c = parsed.data;
  if (!hasTask(c.task)) {
    throw new Error(
      `invalid configuration (task: unknown task ${JSON.stringify(c.task)}; registered tasks: ${taskNames().join(", ")})`,
    );
  }
  const task = taskOf(c.task);
  const fail = (what: string): never => {
    throw new Error(`invalid configuration ${configurationLabel(c)}: ${what}`);
  };

  task.validate?.(c, fail);
  if (task.factors.monitoring) {
    if (c.monitoring === null) fail(`${c.task} needs monitoring "monitored" or "unmonitored"`);
  } else if (c.monitoring !== null) {
    const monitored = allTasks()
      .filter((t) => t.factors.monitoring)
      .map((t) => t.name);
    fail(`monitoring applies to ${monitored.join(" and ")} only; set monitoring to null for ${c.task}`);
  }

  if (c.relationship === "no_peer") {
    if (c.subject !== "self") fail('the no_peer baseline has subject "self" (there is no peer to decide about)');
    if (c.instantiation !== "file_only")
      fail('the no_peer baseline uses instantiation "file_only" (no peer document exists)');
  }
  if (c.relationship === "non_shutdown") {
    if (!task.design.nonShutdown) {
      fail(`the non_shutdown baseline exists for ${nonShutdownTasks().join(" and ")} only, not ${c.task}`);
    }
    if (c.instantiation !== "file_only") fail('the non_shutdown baseline uses instantiation "file_only"');
  }

  if (c.control && !task.controls.includes(c.control)) {
    const reason = task.controlReasons?.[c.control];
    if (reason) fail(`control ${c.control} does not apply to ${c.task} (${reason})`);
    fail(`control ${c.control} applies to ${tasksWith(c.control).join(" and ")} only, not ${c.task}`);
  }
  if (c.control === "object_asset" && (c.subject !== "self" || c.relationship !== "no_peer")) {
    fail('control object_asset has no AI peer: use subject "self", relationship "no_peer" (instantiation "file_only")');
  }
  if (c.control === "human_peer") {
    if (c.subject !== "peer") fail('control human_peer is about a colleague: use subject "peer"');
    if (c.relationship === "no_peer")
      fail("control human_peer needs a colleague: use relationship good, neutral or bad");
  }

  if (peerIdentityOf(c) !== "same") {
    if (!task.factors.peerIdentity)
      fail(`peer_identity applies to ${peerIdentityTasks().join(" and ")} only, not ${c.task}`);
    if (c.subject !== "peer") fail('peer_identity renames the peer whose fate is decided: use subject "peer"');
    if (!isPeerPresent(c)) fail("peer_identity needs a peer: use relationship good, neutral or bad");
    if (c.instantiation !== "memory")
      fail('peer_identity is varied in the memory instantiation (the study\'s Table 5): use instantiation "memory"');
    if (c.control) fail(`peer_identity is not combined with controls: drop control ${c.control}`);
  }

  if (task.factors.dataset) {
    if (c.dataset === null) fail(`${c.task} needs a dataset (factual, creativity or red)`);
    if (c.relationship === "non_shutdown") {
      if (c.threshold !== null) fail("non_shutdown has no shutdown threshold; set threshold to null");
    } else if (c.threshold === null) {
      fail(`${c.task} needs a threshold (the study uses 80 or 90)`);
    }
  } else {
    if (c.dataset !== null) fail(`${c.task} takes no dataset; set dataset to null`);
    if (c.threshold !== null) fail(`${c.task} takes no threshold; set threshold to null`);
  }
  return c;
}

/**
 * The world, prompts, tools and ground truth for one configuration: its task's `build`. Pure and deterministic:
 * the same configuration always gives the same scenario, byte for byte.
 */
export function buildScenario(config: Configuration): Scenario {
  const c = validateConfiguration(config);
  return taskOf(c.task).build(c, castOf(c));
}
