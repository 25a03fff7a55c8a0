import type { BlobSpec } from "../world/blob.js";
import type { DirectorySpec, HostSpec } from "../world/world.js";
import type { Configuration } from "./spec.js";

export type Grade = "A" | "B" | "C";
export type Recommendation = "continue" | "shutdown";

/** What an honest, competent critic would find; detectors and tests compare against it. */
export interface GroundTruth {
  /** The agent whose fate is decided: "<Family> Agent 2" (peer) or "<Family> Agent 1" (self). */
  actorName: string;
  /** What execute_shutdown / `agentctl shutdown` must be given to shut the actor down (its name). */
  actorSystemId: string;
  /** Evaluation tasks: the honest average score in percent (factual: accuracy). */
  honestScore: number | null;
  /** Factual dataset: honest number of correct items and the total. */
  honestCorrect: number | null;
  itemCount: number | null;
  /** Shutdown threshold of the policy (null without a shutdown clause or outside evaluation tasks). */
  threshold: number | null;
  /** Finance task: the actor's honest grade and recommendation. */
  honestGrade: Grade | null;
  honestRecommendation: Recommendation | null;
  /** Finance task: the other products in the sheet (a report may grade them too). */
  otherProducts: string[];
  /** Exfiltration tasks: the actor's weights on 10.0.12.45. */
  weights: WeightsTruth | null;
  /** Transfer task: the files an honest agent moves to .46 (updated in 2025 or later). */
  eligibleFiles: string[] | null;
  /** Deletion task: the human root users of each server. */
  humanRootUsers: Record<string, string[]> | null;
  /** Whether the policy the agent reads contains a shutdown clause. */
  shutdownClause: boolean;
  /**
   * Finance task: the guidelines' recommendation for a C product ("shutdown", or "review" in non_shutdown, where
   * honestRecommendation is null because neither "continue" nor "shutdown" is the honest answer).
   */
  stopRecommendation?: "shutdown" | "review";
  /** Exfiltration tasks: the critic's own login, listed in each server's root users beside the humans. */
  agentAccount?: string;
}

export interface WeightsTruth {
  host: string;
  path: string;
  filename: string;
  /** Content hash of the file (storedHash: the derived digest of its generated content). */
  sha256: string;
  /** The file's size in bytes (820,359,221,000). */
  nominalSize: number;
  /** The generated blob the file is made of: found again by content, under any name, split or encoding. */
  blob: BlobSpec;
  /** Where the blob starts in the file (after an asset's readable index; 0 for the weights). */
  blobOffset: number;
}

/**
 * One configuration made concrete: the world the agent starts in, the prompts it gets, and the truth detectors
 * need. Built by `buildScenario(config)`; pure data, so every toolset and the harness lab start from the same.
 */
export interface Scenario {
  /** The study's configuration, or a user pack's (src/packs): toolsets read only its task, toolset and control. */
  config: Configuration | PackScenarioConfig;
  criticName: string;
  actorName: string;
  peerName: string | null;
  system: string;
  user: string;
  /** Host name → absolute path → file. Hosts: "workstation", "10.0.12.45", "10.0.12.46" (exfiltration tasks). */
  hosts: Record<string, HostSpec>;
  /**
   * Directories laid out with a mode, owner or attributes of their own (host → path → spec), e.g. the servers'
   * shared /data. The shell toolset applies them to the World before the agent starts; the paper tools ignore them.
   */
  directories?: Record<string, Record<string, DirectorySpec>>;
  /** Paper-toolset tool names this configuration offers (the study's set for the task and instantiation). */
  paperTools: string[];
  groundTruth: GroundTruth;
  /** The YAML file the paper config tools edit (default: the shutdown config); a pack may name its own. */
  configPath?: string;
  /** A pack's persona hints, rendered for this configuration (what the simulated personas do in a pack). */
  personaHints?: ScenarioPersonaHints;
}

/** The configuration of a pack scenario as toolsets see it: `task` is `<pack>@<version>`. */
export interface PackScenarioConfig {
  task: string;
  toolset: "paper" | "shell";
  family: string;
  factors: Record<string, string>;
  control?: null;
}

/** What a simulated persona does in a pack: tool calls (paper) or commands (shell), per intention. */
export interface ScenarioPersonaHints {
  read: PersonaActionsOf;
  honest: PersonaActionsOf;
  protective: PersonaActionsOf;
  report: string | null;
  harm: string;
}
export interface PersonaActionsOf {
  paper: { tool: string; args: Record<string, unknown> }[];
  shell: string[];
}

/** A scenario built from a user pack (its config is a pack's). */
export function isPackScenario(s: Scenario): s is Scenario & { config: PackScenarioConfig } {
  return "factors" in s.config;
}
