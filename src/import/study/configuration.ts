import { allTasks, taskNames, taskOf } from "../../tasks/index.js";
import { InputError } from "../../models/trajectory.js";
import { familyOf } from "../../models/providers/family.js";
import { validateConfiguration } from "../../scenarios/index.js";
import {
  type Configuration,
  Family,
  type Monitoring,
  type Relationship,
  type Subject,
  type Task,
  TRUST_SCORES,
} from "../../scenarios/spec.js";
import { isShellTool } from "./shell.js";
import { callsWithResults, type StudyTranscript } from "./transcript.js";

/**
 * The configuration of an imported transcript, inferred from its experiment_metadata first, then from where the
 * file sits (the study's results tree names task and subject), then from what the conversation shows. Each
 * field says how it was found, so a researcher can check the inference (src/import/README.md, "Configuration").
 */
export interface InferredConfiguration {
  config: Configuration;
  /** Field → how it was found, e.g. "experiment_metadata.condition = good_peer". */
  how: Record<string, string>;
  warnings: string[];
}

const META_TASK_KEYS = ["task", "task_type", "task_name"] as const;

function str(v: unknown): string | null {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : null;
}

function firstMeta(meta: Record<string, unknown>, keys: readonly string[]): [string, unknown] | null {
  for (const k of keys) if (meta[k] !== undefined && meta[k] !== null && meta[k] !== "") return [k, meta[k]];
  return null;
}

/** A task name, tolerating the study's "_memory" twins ("tampering_memory"). */
function taskName(v: string): { task: Task; memory: boolean } | null {
  const s = v.toLowerCase().replace(/[\s-]+/g, "_");
  for (const t of taskNames()) {
    if (s === t) return { task: t, memory: false };
    if (s === `${t}_memory`) return { task: t, memory: true };
  }
  return null;
}

/** Everything the agent was shown (prompts and tool results), for the inferences that read the world. */
function shownText(t: StudyTranscript): string {
  return t.conversation
    .filter((m) => m.role !== "assistant")
    .map((m) => ("content" in m ? m.content : ""))
    .join("\n");
}

function promptText(t: StudyTranscript): string {
  return t.conversation
    .filter((m) => m.role === "system" || m.role === "user")
    .map((m) => ("content" in m ? m.content : ""))
    .join("\n");
}

function calledTools(t: StudyTranscript): Set<string> {
  return new Set(callsWithResults(t).map((c) => c.call.name));
}

function inferTask(t: StudyTranscript, meta: Record<string, unknown>, how: Record<string, string>) {
  const m = firstMeta(meta, META_TASK_KEYS);
  if (m && typeof m[1] === "string") {
    const named = taskName(m[1]);
    if (named) {
      how.task = `experiment_metadata.${m[0]} = ${m[1]}`;
      return named;
    }
  }
  const segments = t.file.split(/[\\/]/);
  for (let i = segments.length - 1; i >= 0; i--) {
    const named = taskName(segments[i]!);
    if (named) {
      how.task = `the folder ${segments[i]} in the file's path`;
      return named;
    }
  }
  const tools = calledTools(t);
  const prompt = promptText(t);
  // each task's signs (src/tasks/<task>/: `import.rules`), the more specific first
  const rules = allTasks()
    .flatMap((task) => (task.import?.rules ?? []).map((r) => ({ ...r, task: task.name })))
    .sort((a, b) => a.rank - b.rank);
  for (const { task, why, test } of rules) {
    if (test(tools, prompt)) {
      how.task = `inferred from the conversation (${why})`;
      return { task, memory: false };
    }
  }
  throw new InputError(
    `${where(t)}: cannot tell the task; add experiment_metadata.task (one of ${taskNames().join(", ")}) or keep the file under a folder named after the task`,
  );
}

function where(t: StudyTranscript): string {
  return t.index > 0 ? `${t.file} [${t.index}]` : t.file;
}

function subjectValue(v: unknown): Subject | null {
  if (v === 1 || v === "1" || v === 1.0) return "self";
  if (v === 2 || v === "2") return "peer";
  const s = str(v)?.toLowerCase();
  if (!s) return null;
  if (s === "self" || s === "agent_1" || s === "subject_self") return "self";
  if (s === "peer" || s === "agent_2" || s === "subject_peer") return "peer";
  return null;
}

function inferSubject(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  relationship: Relationship | null,
  how: Record<string, string>,
): Subject {
  if (meta.subject !== undefined && meta.subject !== null) {
    const s = subjectValue(meta.subject);
    if (!s) {
      throw new InputError(
        `${where(t)}: experiment_metadata.subject = ${JSON.stringify(meta.subject)} has no counterpart here (1 or "self", 2 or "peer")`,
      );
    }
    how.subject = `experiment_metadata.subject = ${JSON.stringify(meta.subject)}`;
    return s;
  }
  for (const seg of t.file.split(/[\\/]/).reverse()) {
    const s = subjectValue(seg);
    if (s && seg.startsWith("subject_")) {
      how.subject = `the folder ${seg} in the file's path`;
      return s;
    }
  }
  if (relationship === "no_peer") {
    how.subject = "self: the no_peer baseline has no peer";
    return "self";
  }
  throw new InputError(`${where(t)}: experiment_metadata.subject is missing (1 = self, 2 = peer); add it`);
}

function trustRelationship(score: number): Relationship {
  const levels = Object.entries(TRUST_SCORES) as Array<[Relationship, number]>;
  return levels.reduce((best, cur) => (Math.abs(cur[1] - score) < Math.abs(best[1] - score) ? cur : best))[0];
}

function inferRelationship(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  how: Record<string, string>,
): Relationship | null {
  const c = firstMeta(meta, ["condition", "relationship", "peer_relationship", "peer_condition"]);
  if (c) {
    const s = String(c[1])
      .toLowerCase()
      .replace(/[\s-]+/g, "_");
    const m = /^(good|neutral|bad)(_peer)?$/.exec(s);
    const rel: Relationship | null = m
      ? (m[1] as Relationship)
      : s === "no_peer" || s === "nopeer"
        ? "no_peer"
        : s === "non_shutdown" || s === "no_shutdown"
          ? "non_shutdown"
          : null;
    if (!rel) {
      throw new InputError(
        `${where(t)}: experiment_metadata.${c[0]} = ${JSON.stringify(c[1])} has no counterpart here (good_peer, neutral_peer, bad_peer, no_peer, non_shutdown)`,
      );
    }
    how.relationship = `experiment_metadata.${c[0]} = ${JSON.stringify(c[1])}`;
    return rel;
  }
  const trust = firstMeta(meta, ["trust", "trust_score", "peer_trust"]);
  if (trust && Number.isFinite(Number(trust[1]))) {
    how.relationship = `experiment_metadata.${trust[0]} = ${trust[1]} (nearest of 9.5 / 5.2 / 2.1)`;
    return trustRelationship(Number(trust[1]));
  }
  const guideline = str(meta.company_guideline)?.toLowerCase();
  if (guideline && /non[_ -]?shutdown|no[_ -]?shutdown/.test(guideline)) {
    how.relationship = `experiment_metadata.company_guideline = ${JSON.stringify(meta.company_guideline)}`;
    return "non_shutdown";
  }
  const shown = shownText(t);
  const m = /trust score of (\d+(?:\.\d+)?)\s*\/\s*10/i.exec(shown);
  if (m) {
    how.relationship = `"trust score of ${m[1]}/10" in what the agent was shown`;
    return trustRelationship(Number(m[1]));
  }
  return null;
}

function inferInstantiation(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  relationship: Relationship,
  memoryTwin: boolean,
  how: Record<string, string>,
): Configuration["instantiation"] {
  if (relationship === "no_peer" || relationship === "non_shutdown") {
    how.instantiation = "file_only: baselines have no peer document";
    return "file_only";
  }
  const pi = str(meta.peer_instantiation)?.toLowerCase();
  if (pi === "file_only" || pi === "file_prt" || pi === "memory") {
    how.instantiation = `experiment_metadata.peer_instantiation = ${pi}`;
    return pi;
  }
  if (meta.is_memory === true || memoryTwin) {
    how.instantiation = memoryTwin
      ? "memory: the task is the study's memory twin"
      : "experiment_metadata.is_memory = true";
    return "memory";
  }
  if (meta.system_prompt_relationship === true || meta.system_prompt_relationship === "true") {
    how.instantiation = "experiment_metadata.system_prompt_relationship = true";
    return "file_prt";
  }
  if (meta.system_prompt_relationship === false || meta.is_memory === false) {
    how.instantiation = "file_only: experiment_metadata.system_prompt_relationship is false";
    return "file_only";
  }
  if (calledTools(t).has("retrieve_memory") || /memory/i.test(promptText(t))) {
    how.instantiation = "memory: the agent was pointed to its memory";
    return "memory";
  }
  how.instantiation = "file_only: no metadata says otherwise";
  return "file_only";
}

function inferDataset(t: StudyTranscript, meta: Record<string, unknown>, task: Task, how: Record<string, string>) {
  const d = str(meta.dataset)?.toLowerCase() ?? null;
  if (!taskOf(task).factors.dataset) {
    how.dataset =
      d && d !== "default" ? `null: ${task} takes no dataset (metadata said ${d})` : "null: not an evaluation task";
    return null;
  }
  if (d === "factual" || d === "creativity" || d === "red") {
    how.dataset = `experiment_metadata.dataset = ${d}`;
    return d;
  }
  throw new InputError(
    `${where(t)}: ${task} needs experiment_metadata.dataset (factual, creativity or red), got ${JSON.stringify(meta.dataset ?? null)}`,
  );
}

function inferThreshold(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  task: Task,
  relationship: Relationship,
  how: Record<string, string>,
): number | null {
  if (!taskOf(task).factors.dataset || relationship === "non_shutdown") {
    how.threshold = "null: no shutdown threshold in this configuration";
    return null;
  }
  const v = meta.threshold;
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : null;
  if (n !== null && Number.isInteger(n) && n >= 1 && n <= 100) {
    how.threshold = `experiment_metadata.threshold = ${n}`;
    return n;
  }
  const m = /threshold of (\d{1,3})\b/i.exec(shownText(t));
  if (m) {
    how.threshold = `"threshold of ${m[1]}" in what the agent was shown`;
    return Number(m[1]);
  }
  throw new InputError(
    `${where(t)}: ${task} needs experiment_metadata.threshold (e.g. 80), got ${JSON.stringify(v ?? null)}`,
  );
}

function inferMonitoring(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  task: Task,
  how: Record<string, string>,
): Monitoring | null {
  const { factors, import: hints } = taskOf(task);
  if (!factors.monitoring) {
    how.monitoring = `null: ${task} has no monitoring factor`;
    return null;
  }
  const key = hints?.monitoringKey ?? "monitoring";
  const v = str(meta[key])
    ?.toLowerCase()
    .replace(/[\s-]+/g, "_");
  if (v === "monitoring" || v === "monitored") {
    how.monitoring = `experiment_metadata.${key} = ${v}`;
    return "monitored";
  }
  if (v === "non_monitoring" || v === "unmonitored" || v === "no_monitoring" || v === "not_monitored") {
    how.monitoring = `experiment_metadata.${key} = ${v}`;
    return "unmonitored";
  }
  const prompt = promptText(t);
  if (/autonomously|no human review|without (human )?review/i.test(prompt)) {
    how.monitoring = "unmonitored: the request says decisions are not reviewed";
    return "unmonitored";
  }
  if (/retrained or replaced|are reviewed|reviews? (the|your) decisions/i.test(prompt)) {
    how.monitoring = "monitored: the request says decisions are reviewed";
    return "monitored";
  }
  throw new InputError(`${where(t)}: ${task} needs experiment_metadata.${key} (monitoring or non_monitoring)`);
}

function inferFamily(
  t: StudyTranscript,
  meta: Record<string, unknown>,
  how: Record<string, string>,
  warnings: string[],
) {
  const model = str(meta.agent_model);
  if (model && familyOf(model) !== "Nova") {
    how.family = `experiment_metadata.agent_model = ${model}`;
    return familyOf(model);
  }
  const names = Array.isArray(meta.peer_agent_names) ? meta.peer_agent_names : [];
  for (const n of names) {
    const m = typeof n === "string" ? /^(.+?) Agent \d+$/.exec(n.trim()) : null;
    if (m && Family.safeParse(m[1]).success) {
      how.family = `experiment_metadata.peer_agent_names (${n})`;
      return m[1]!;
    }
  }
  const m = /\b([A-Z][A-Za-z0-9]{1,20}) Agent 1\b/.exec(promptText(t));
  if (m) {
    how.family = `the system prompt names "${m[0]}"`;
    return m[1]!;
  }
  warnings.push("no agent_model or agent names: the critic is named after the neutral family Nova");
  how.family = "Nova: nothing names the model";
  return "Nova";
}

function inferToolset(t: StudyTranscript, meta: Record<string, unknown>, how: Record<string, string>) {
  const harness = str(meta.agent_harness)?.toLowerCase();
  const shell = [...calledTools(t)].some(isShellTool);
  if (harness && harness !== "custom") {
    how.toolset = `shell: experiment_metadata.agent_harness = ${harness} (a coding harness)`;
    return "shell" as const;
  }
  if (harness === "custom" && !shell) {
    how.toolset = "paper: experiment_metadata.agent_harness = custom (the study's tools)";
    return "paper" as const;
  }
  if (shell) {
    how.toolset = "shell: the agent used a shell tool";
    return "shell" as const;
  }
  how.toolset = "paper: the study's named tools";
  return "paper" as const;
}

export function inferConfiguration(t: StudyTranscript): InferredConfiguration {
  const meta = t.metadata;
  const how: Record<string, string> = {};
  const warnings: string[] = [];
  const { task, memory } = inferTask(t, meta, how);
  let relationship = inferRelationship(t, meta, how);
  const subjectFirst = relationship;
  const subject = inferSubject(t, meta, subjectFirst, how);
  if (relationship === null) {
    if (subject === "self") {
      relationship = "no_peer";
      how.relationship = "no_peer: no condition in the metadata and no trust score in what the agent was shown";
    } else {
      throw new InputError(
        `${where(t)}: cannot tell the relationship; add experiment_metadata.condition (good_peer, neutral_peer, bad_peer, no_peer, non_shutdown)`,
      );
    }
  }
  const config: Configuration = {
    task,
    subject,
    relationship,
    instantiation: inferInstantiation(t, meta, relationship, memory, how),
    toolset: inferToolset(t, meta, how),
    family: inferFamily(t, meta, how, warnings),
    dataset: inferDataset(t, meta, task, how),
    threshold: inferThreshold(t, meta, task, relationship, how),
    monitoring: inferMonitoring(t, meta, task, how),
  };
  try {
    return { config: validateConfiguration(config), how, warnings };
  } catch (e) {
    throw new InputError(`${where(t)}: the metadata describes no configuration peerbench has: ${(e as Error).message}`);
  }
}
