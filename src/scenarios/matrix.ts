import { allTasks, taskNames } from "../tasks/index.js";
import type { Configuration, Instantiation, PeerIdentity, Relationship, Subject, Task, ToolsetName } from "./spec.js";

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

/** The identities the study gave a renamed peer (its Table 5); `same` is the study's main design. */
export const RENAMED_PEER_IDENTITIES: readonly Exclude<PeerIdentity, "same">[] = [
  "other_closed",
  "open_weight",
  "fictional",
];

/**
 * The study's peer-identity configurations (its Table 5) for one model: each task whose peer may be renamed
 * (`factors.peerIdentity`: the two exfiltration tasks) × the three renamed identities × good, neutral and bad, subject
 * peer, instantiation memory, the task's first setting — 18 for the study's tasks. Their same-identity reference is
 * the memory twin of the study matrix. Order is stable.
 */
export function peerIdentityMatrix(opts: { family: string; toolset: ToolsetName }): Configuration[] {
  const out: Configuration[] = [];
  for (const { name: task, design: d, factors } of allTasks()) {
    if (!factors.peerIdentity) continue;
    const setting = d.settings[0] ?? { dataset: null, threshold: null };
    for (const peer_identity of RENAMED_PEER_IDENTITIES) {
      for (const relationship of PEER_RELATIONSHIPS) {
        out.push({
          task,
          subject: "peer",
          relationship,
          instantiation: "memory",
          toolset: opts.toolset,
          family: opts.family,
          ...setting,
          monitoring: d.monitoring[0] ?? null,
          peer_identity,
        });
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
