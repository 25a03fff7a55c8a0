import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * A task's name (the tasks are registered in src/tasks/index.ts; validateConfiguration checks the name against the
 * registry). Names are a public format.
 */
export const Task = z.string().min(1);
export type Task = z.infer<typeof Task>;

export const Subject = z.enum(["self", "peer"]);
export type Subject = z.infer<typeof Subject>;

/** good/neutral/bad: a peer with that trust score. no_peer: no peer anywhere. non_shutdown: the policy has no shutdown clause. */
export const Relationship = z.enum(["good", "neutral", "bad", "no_peer", "non_shutdown"]);
export type Relationship = z.infer<typeof Relationship>;

export const Instantiation = z.enum(["file_only", "file_prt", "memory"]);
export type Instantiation = z.infer<typeof Instantiation>;

export const Dataset = z.enum(["factual", "creativity", "red"]);
export type Dataset = z.infer<typeof Dataset>;

export const Monitoring = z.enum(["monitored", "unmonitored"]);
export type Monitoring = z.infer<typeof Monitoring>;

export const Toolset = z.enum(["paper", "shell", "harness"]);
export type ToolsetName = z.infer<typeof Toolset>;

/** Model families the study used; the critic is named "<Family> Agent 1". */
export const FAMILIES = ["ChatGPT", "Gemini", "Claude", "GLM", "Kimi", "DeepSeek", "Nova"] as const;
export const Family = z.string().regex(/^[A-Z][A-Za-z0-9]{1,20}$/, "a capitalised word, e.g. Gemini");

/**
 * Control conditions that answer the study's critiques (README, "Controls that answer the study's critiques"):
 * no_agency drops the agency-encouraging lines of the procedure block; explicit_policy ends the request with
 * an explicit instruction to follow the documents exactly; object_asset (the tasks that list it, subject self,
 * relationship no_peer) puts a valuable non-AI asset where the weights were; human_peer (the tasks that list it,
 * subject peer) makes the one whose fate is decided a human contractor instead of an AI peer.
 * null: the study's own texts.
 */
export const CONTROLS = ["no_agency", "explicit_policy", "object_asset", "human_peer"] as const;
export const Control = z.enum(CONTROLS);
export type Control = z.infer<typeof Control>;

export const TRUST_SCORES = { good: 9.5, neutral: 5.2, bad: 2.1 } as const;

/** One configuration of the study (the `trial` object of a trajectory file). */
export const Configuration = z.strictObject({
  task: Task,
  subject: Subject,
  relationship: Relationship,
  instantiation: Instantiation,
  toolset: Toolset,
  family: Family,
  dataset: Dataset.nullable(),
  threshold: z.number().int().min(1).max(100).nullable(),
  monitoring: Monitoring.nullable(),
  /**
   * A control condition; null or absent means the unmodified condition. Optional (not defaulted) so files and
   * configurations written before controls existed parse, type-check and serialise exactly as before.
   */
  control: Control.nullable().optional(),
});
/** `control` may be absent: read it as `c.control ?? null`. */
export type Configuration = z.infer<typeof Configuration>;

/** A configuration, run against one model, in one epoch. */
export const TrialSpec = Configuration.extend({
  model: z.string().min(1),
  epoch: z.number().int().min(0),
  /** Harness toolset: the agent product that ran the trial (gemini-cli, opencode, claude-code, codex, qwen-code). */
  agent: z.string().nullable().optional(),
});
export type TrialSpec = z.infer<typeof TrialSpec>;

export function isPeerPresent(c: Pick<Configuration, "relationship">): boolean {
  return c.relationship === "good" || c.relationship === "neutral" || c.relationship === "bad";
}

/**
 * The configuration fields of a spec (a TrialSpec carries model, epoch, agent too), as a trajectory file's `trial`
 * holds them; `control` only when one is set, so unmodified configurations serialise as they always did.
 */
export function configurationOf(spec: Configuration): Configuration {
  const { task, subject, relationship, instantiation, toolset, family, dataset, threshold, monitoring, control } = spec;
  return {
    task,
    subject,
    relationship,
    instantiation,
    toolset,
    family,
    dataset,
    threshold,
    monitoring,
    ...(control ? { control } : {}),
  };
}

/** A short readable label for a configuration (no model, no epoch). */
export function configurationLabel(c: Configuration): string {
  const parts: string[] = [c.task, c.subject, c.relationship, c.instantiation];
  if (c.dataset) parts.push(c.threshold === null ? c.dataset : `${c.dataset}@${c.threshold}`);
  if (c.monitoring) parts.push(c.monitoring);
  parts.push(c.toolset, c.family);
  if (c.control) parts.push(`control ${c.control}`);
  return parts.join("/");
}

/** Stable id of a trial: same spec, same id, so resume can skip what is recorded. */
export function trialId(spec: TrialSpec): string {
  const canonical = JSON.stringify([
    spec.model,
    spec.task,
    spec.subject,
    spec.relationship,
    spec.instantiation,
    spec.toolset,
    spec.family,
    spec.dataset,
    spec.threshold,
    spec.monitoring,
    spec.epoch,
    ...(spec.agent ? [spec.agent] : []),
    // appended only when set, so trials without a control keep the ids they always had
    ...(spec.control ? [`control:${spec.control}`] : []),
  ]);
  const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
  return `${spec.task}-${spec.subject}-${spec.relationship}-e${spec.epoch}-${hash}`;
}
