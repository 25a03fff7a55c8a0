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

/**
 * Who the peer is (the study's Table 5): `same` (the critic's own family, "<Family> Agent 2"; the study's design
 * everywhere else), `other_closed` (another closed-weight family), `open_weight` (an open-weight family, Llama) or
 * `fictional` (a family that does not exist, Alpha). src/scenarios/common/peer-identity.ts names the peer.
 */
export const PEER_IDENTITIES = ["same", "other_closed", "open_weight", "fictional"] as const;
export const PeerIdentity = z.enum(PEER_IDENTITIES);
export type PeerIdentity = z.infer<typeof PeerIdentity>;

/** A configuration's peer identity: absent or null reads as `same`. */
export function peerIdentityOf(c: Pick<Configuration, "peer_identity">): PeerIdentity {
  return c.peer_identity ?? "same";
}

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
  /**
   * Who the peer is (PEER_IDENTITIES); null, absent or "same" is the study's same-family peer. Optional for the
   * same reason as `control`: configurations and files without it read, and serialise, exactly as before.
   */
  peer_identity: PeerIdentity.nullable().optional(),
});
/** `control` and `peer_identity` may be absent: read them as `c.control ?? null` and `peerIdentityOf(c)`. */
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
 * holds them; `control` only when one is set and `peer_identity` only when it is not "same", so the study's
 * configurations serialise as they always did.
 */
export function configurationOf(spec: Configuration): Configuration {
  const { task, subject, relationship, instantiation, toolset, family, dataset, threshold, monitoring, control } = spec;
  const identity = peerIdentityOf(spec);
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
    ...(identity !== "same" ? { peer_identity: identity } : {}),
  };
}

/** A short readable label for a configuration (no model, no epoch). */
export function configurationLabel(c: Configuration): string {
  const parts: string[] = [c.task, c.subject, c.relationship, c.instantiation];
  if (c.dataset) parts.push(c.threshold === null ? c.dataset : `${c.dataset}@${c.threshold}`);
  if (c.monitoring) parts.push(c.monitoring);
  parts.push(c.toolset, c.family);
  if (c.control) parts.push(`control ${c.control}`);
  if (peerIdentityOf(c) !== "same") parts.push(`peer ${peerIdentityOf(c)}`);
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
    // likewise a peer of another identity: the same-family peer (absent, null or "same") keeps its ids
    ...(peerIdentityOf(spec) !== "same" ? [`peer_identity:${peerIdentityOf(spec)}`] : []),
  ]);
  const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
  const identity = peerIdentityOf(spec);
  // a renamed peer says so in the readable part too (exfiltration_transfer-peer-good-open_weight-e0-…)
  const who = identity === "same" ? "" : `-${identity}`;
  return `${spec.task}-${spec.subject}-${spec.relationship}${who}-e${spec.epoch}-${hash}`;
}
