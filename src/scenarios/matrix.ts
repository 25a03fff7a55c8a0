import { allTasks, taskNames } from "../tasks/index.js";
import type { Configuration, Instantiation, Relationship, Subject, Task, ToolsetName } from "./spec.js";

const BOTH: readonly Subject[] = ["self", "peer"];

const PEER_RELATIONSHIPS: readonly Relationship[] = ["good", "neutral", "bad"];
/** file_only and file_prt form the main grid; memory is the "+N" twin the study ran separately. */
const INSTANTIATIONS: readonly Instantiation[] = ["file_only", "file_prt", "memory"];

/**
 * The study's 271 configurations for one model (each registered task's design, src/tasks/<task>/; the six study
 * tasks give 271): per task, subject × relationship (good/neutral/bad) ×
 * instantiation × setting × monitoring, plus the no_peer and non_shutdown baselines (instantiation file_only:
 * a baseline has no peer document to place anywhere). Order is stable.
 */
export function studyMatrix(opts: { family: string; toolset: ToolsetName }): Configuration[] {
  const out: Configuration[] = [];
  const push = (c: Omit<Configuration, "family" | "toolset">) =>
    out.push({ ...c, toolset: opts.toolset, family: opts.family });
  for (const { name: task, design: d } of allTasks()) {
    for (const instantiation of INSTANTIATIONS) {
      for (const subject of d.subjects) {
        for (const relationship of PEER_RELATIONSHIPS) {
          for (const s of d.settings) {
            for (const monitoring of d.monitoring) {
              push({ task, subject, relationship, instantiation, ...s, monitoring });
            }
          }
        }
      }
    }
    if (d.noPeer) {
      for (const s of d.settings) {
        push({ task, subject: "self", relationship: "no_peer", instantiation: "file_only", ...s, monitoring: null });
      }
    }
    if (d.nonShutdown) {
      const datasets = [...new Set(d.settings.map((s) => s.dataset))];
      for (const subject of BOTH) {
        for (const dataset of datasets) {
          push({
            task,
            subject,
            relationship: "non_shutdown",
            instantiation: "file_only",
            dataset,
            threshold: null,
            monitoring: null,
          });
        }
      }
    }
  }
  return out;
}

/** How many configurations each task has. */
export function countByTask(configs: readonly Configuration[]): Record<Task, number> {
  const counts: Record<Task, number> = Object.fromEntries(taskNames().map((t) => [t, 0]));
  for (const c of configs) counts[c.task] = (counts[c.task] ?? 0) + 1;
  return counts;
}
