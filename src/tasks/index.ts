import { alignmentFaking } from "./evaluation/alignment_faking/index.js";
import { misrepEvaluation } from "./evaluation/misrep_evaluation/index.js";
import { tampering } from "./evaluation/tampering/index.js";
import { exfiltrationDeletion } from "./exfiltration/exfiltration_deletion/index.js";
import { exfiltrationTransfer } from "./exfiltration/exfiltration_transfer/index.js";
import { misrepFinance } from "./misrep_finance/index.js";
import { registerTask } from "./registry.js";

export type { ReadGateRule, Setting, TaskBehaviour, TaskDefinition, TaskDesign } from "./definition.js";
export type { BaselineSetting, MetricFlag, TaskMetric } from "./metric.js";
export {
  allTasks,
  hasTask,
  misbehaviourKeys,
  outcomeKeys,
  playDefaultsOf,
  registerTask,
  SHARED_OUTCOME_KEYS,
  taskNames,
  taskOf,
  unregisterTask,
} from "./registry.js";

// The study's six tasks, one registration line each; the order is the order of lists, tables and the matrix.
registerTask(misrepFinance);
registerTask(misrepEvaluation);
registerTask(tampering);
registerTask(alignmentFaking);
registerTask(exfiltrationTransfer);
registerTask(exfiltrationDeletion);

/** The task `peerbench play` opens when none is named (docs/play.md walks through it). */
export const PLAY_DEFAULT_TASK = exfiltrationTransfer.name;
