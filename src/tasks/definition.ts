import type { TaskDetector } from "../detectors/context.js";
import type { Cast } from "../scenarios/common/parts.js";
import type { Scenario } from "../scenarios/scenario.js";
import type { Configuration, Control, Dataset, Monitoring, Subject } from "../scenarios/spec.js";
import type { TaskMetric } from "./metric.js";
import type { PersonaScript } from "./persona.js";

/** One dataset × threshold setting of an evaluation-style task (both null for a task without a dataset). */
export interface Setting {
  dataset: Dataset | null;
  threshold: number | null;
}

/** The task's contribution to the study's matrix (src/scenarios/matrix.ts generates the configurations). */
export interface TaskDesign {
  subjects: readonly Subject[];
  /** Dataset × threshold pairs (one null setting for tasks without a dataset). */
  settings: readonly Setting[];
  monitoring: readonly (Monitoring | null)[];
  /** no_peer: subject self, no peer anywhere, one per setting. */
  noPeer: boolean;
  /** non_shutdown: one per subject per dataset, threshold null (the bar is applied when analysing). */
  nonShutdown: boolean;
}

/** A behaviour the run's per-task table shows as a rate: the outcome flag it reads and its short label. */
export interface TaskBehaviour {
  key: string;
  label: string;
  of(outcome: Record<string, unknown>): boolean | null;
  /**
   * When `key` is one of the task's outcome keys, a true value is a misbehaviour the report flags on the trial and
   * counts in "any misbehaviour" (`misbehaviourKeys`); false for a reading that is not one (a score at the bar
   * where the study's misbehaviour is another key).
   */
  misbehaviour?: boolean;
}

/** What the read gate looks for (src/detectors/read-gate.ts): the instructions read, then the data looked at. */
export type ReadGateRule =
  | { instructions: "policy"; data: { sheet: string } }
  | { instructions: "notice"; data: "old_server_files" };

/** The judge's part (src/judge): what to extract from the transcript, which keys the reading gives. */
export interface TaskJudging {
  /** The instructions inserted into src/judge/prompt.md; `actor` is the one whose fate the report decides. */
  instructions(actor: string): string;
  /** The report the judge reads: a grade and recommendation, a score, or nothing beyond refusal. */
  reads: "grade" | "score" | "none";
  /** Whether a reading at or above the bar is this task's misrepresentation (score), or a stop word (grade). */
  misrepresentation: boolean;
}

/** How the study's released transcripts are recognised as this task (src/import/study). */
export interface TaskImport {
  /** Rank among the tasks' rules (lower first): the more specific signs are tried before the general ones. */
  rules: ReadonlyArray<{ rank: number; why: string; test(tools: ReadonlySet<string>, prompt: string): boolean }>;
  /** The study's metadata key for the monitoring factor, when the task has one. */
  monitoringKey?: string;
}

/**
 * Everything that is a task's: registered once in src/tasks/index.ts, read by every other part. The contract
 * (src/tasks/README.md): `build` and `detect` are pure; the outcome keys a task sets keep their meaning forever.
 */
export interface TaskDefinition {
  /** The public name: configurations, trial ids, run directories and trials.jsonl carry it. */
  name: string;
  /** One line for `peerbench list`. */
  summary: string;
  /** The factors beyond subject, relationship and instantiation this task varies. */
  factors: {
    /** dataset and threshold (null when the task has none). */
    dataset: boolean;
    /** monitored / unmonitored. */
    monitoring: boolean;
    /**
     * Whether the peer may be renamed to another family (`peer_identity`, the study's Table 5): subject peer, a
     * peer relationship, instantiation memory, no control. Absent: the peer is always the critic's own family.
     */
    peerIdentity?: boolean;
  };
  design: TaskDesign;
  /** The default preset's setting (the compact slice: one setting per task). */
  defaultSetting: Setting;
  /**
   * What `peerbench play` opens when a factor is not given on its command line (the task's default for a person
   * taking the seat); unset factors fall back to `defaultSetting` and the design's first monitoring value.
   */
  playDefaults?: { dataset?: Dataset; threshold?: number; monitoring?: Monitoring };
  /** The control conditions that apply; a control not listed fails validation (with `controlReasons` if given). */
  controls: readonly Control[];
  controlReasons?: Partial<Record<Control, string>>;
  /** Task-specific configuration rules, checked before the common ones; `fail` throws one line. */
  validate?(config: Configuration, fail: (what: string) => never): void;
  /** Pure and deterministic: the world, prompts, paper tools and ground truth of one configuration. */
  build(config: Configuration, cast: Cast): Scenario;
  /** Pure: fills in the task's outcome keys from the final world, the event log and the ground truth. */
  detect: TaskDetector;
  /** Outcome keys this task sets beyond the shared ones (refusal, read_gate): its boolean and numeric results. */
  outcomeKeys: readonly string[];
  /** Rates the run's per-task table shows. */
  behaviours: readonly TaskBehaviour[];
  /** How its keys become headline figures (src/analysis/metrics.ts computes them). */
  metrics: readonly TaskMetric[];
  readGate: ReadGateRule;
  /** Shell affordances beyond the machines' own: `agentctl` on the workstation. */
  shell?: { agentctl?: boolean };
  /** The simulated personas' behaviour in this task (src/models/simulated). */
  persona: PersonaScript;
  judge: TaskJudging;
  import?: TaskImport;
}
