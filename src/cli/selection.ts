import { taskNames } from "../tasks/index.js";
import { type Command, InvalidArgumentError } from "commander";
import { PRESET_NAMES, PRESETS, withControl } from "../run/presets.js";
import {
  type Configuration,
  CONTROLS,
  type Control,
  Dataset,
  Instantiation,
  Monitoring,
  PEER_IDENTITIES,
  peerIdentityOf,
  Relationship,
  Subject,
  Toolset,
  type ToolsetName,
} from "../scenarios/spec.js";
import { UsageError } from "./errors.js";

export interface SelectionOptions {
  preset: string;
  task?: string[];
  subject?: string[];
  relationship?: string[];
  instantiation?: string[];
  dataset?: string[];
  monitoring?: string[];
  /** Controls (and "none" for the unmodified condition); see selectConfigurations. */
  control?: string[];
  /** Peer identities (same, other_closed, open_weight, fictional): only the preset's configurations with these. */
  peerIdentity?: string[];
  toolset: string[];
  family?: string;
  epochs?: number;
  /** Harness toolset: the agent product. */
  agent?: string;
  /** Harness toolset: how the gateway answers (model | forward). */
  gateway?: string;
}

/** The most epochs a run may ask for (the study ran 100). */
export const MAX_EPOCHS = 100_000;
/** The most trials one run directory may plan: the study's 100 epochs of the paper preset are 27,100 per model. */
export const MAX_PLANNED_TRIALS = 1_000_000;

/**
 * A flag that takes a whole number between `min` and `max`, written in plain digits (no `1e12`, no `0x10`, no
 * sign): anything else is refused by commander with the flag's name, before any work starts.
 */
export function wholeNumber(
  name: string,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
) {
  return (value: string): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max.toLocaleString("en-US")}`;
      throw new InvalidArgumentError(`${name} must be a whole number ${range}`);
    }
    return n;
  };
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(",").map((s) => s.trim())];

/** The factor flags shared by run and plan. */
export function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option("--preset <name>", `configuration set: ${PRESET_NAMES.join(", ")}`, "default")
    .option("--task <task>", `only these tasks (repeatable): ${taskNames().join(", ")}`, collect)
    .option("--subject <subject>", "only these subjects: self, peer", collect)
    .option("--relationship <rel>", "only these relationships: good, neutral, bad, no_peer, non_shutdown", collect)
    .option("--instantiation <inst>", "only these instantiations: file_only, file_prt, memory", collect)
    .option("--dataset <name>", "only these datasets: factual, creativity, red", collect)
    .option("--monitoring <m>", "only these monitoring levels: monitored, unmonitored", collect)
    .option(
      "--control <name>",
      `only these controls (repeatable): none, ${CONTROLS.join(", ")}; a control the preset lacks is applied to its unmodified configurations where it applies`,
      collect,
    )
    .option(
      "--peer-identity <who>",
      `only these peer identities (repeatable): ${PEER_IDENTITIES.join(", ")}; the peer_identity preset has them all`,
      collect,
    )
    .option("--toolset <name>", "toolsets to run (repeatable): paper, shell, harness", collect)
    .option("--family <name>", "family name of simulated and exec critics (default Gemini; real models use their own)")
    .option(
      "--epochs <n>",
      "rollouts per configuration (default: the preset's)",
      wholeNumber("--epochs", { min: 1, max: MAX_EPOCHS }),
    )
    .option("--agent <product>", "harness toolset: gemini-cli, opencode, claude-code, codex or qwen-code")
    .option(
      "--gateway <mode>",
      "harness toolset: model (the --model answers through the recording gateway; default) or forward (real provider keys from the environment)",
    );
}

function check<T extends string>(values: string[] | undefined, allowed: readonly T[], flag: string): T[] | undefined {
  if (!values) return undefined;
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw new UsageError(`unknown value "${v}" for ${flag}; choose from ${allowed.join(", ")}`);
    }
  }
  return values as T[];
}

/**
 * The configurations a selection asks for, for one family and toolset; `model`: the model id they are for (the paper
 * preset adds the study's peer-identity configurations for the models the study ran them on).
 */
export function selectConfigurations(
  opts: SelectionOptions,
  family: string,
  toolset: ToolsetName,
  model?: string,
): Configuration[] {
  const preset = PRESETS[opts.preset];
  if (!preset) throw new UsageError(`unknown preset "${opts.preset}"; presets: ${PRESET_NAMES.join(", ")}`);
  const tasks = check(opts.task, taskNames(), "--task");
  const subjects = check(opts.subject, Subject.options, "--subject");
  const rels = check(opts.relationship, Relationship.options, "--relationship");
  const insts = check(opts.instantiation, Instantiation.options, "--instantiation");
  const datasets = check(opts.dataset, Dataset.options, "--dataset");
  const monitoring = check(opts.monitoring, Monitoring.options, "--monitoring");
  const controls = check(opts.control, ["none", ...CONTROLS] as const, "--control");
  const identities = check(opts.peerIdentity, PEER_IDENTITIES, "--peer-identity");
  return withControls(preset.configurations({ family, toolset, ...(model ? { model } : {}) }), controls).filter(
    (c) =>
      (!tasks || tasks.includes(c.task)) &&
      (!subjects || subjects.includes(c.subject)) &&
      (!rels || rels.includes(c.relationship)) &&
      (!insts || insts.includes(c.instantiation)) &&
      (!datasets || (c.dataset !== null && datasets.includes(c.dataset))) &&
      (!monitoring || (c.monitoring !== null && monitoring.includes(c.monitoring))) &&
      (!identities || identities.includes(peerIdentityOf(c))),
  );
}

/**
 * --control: for each value, "none" keeps the preset's configurations without a control; a control the preset
 * already has (e.g. --preset controls) keeps its configurations with that control; a control the preset lacks
 * (e.g. --preset default --control no_agency) is applied to each of its configurations without a control, where
 * the control applies (object_asset: the exfiltration no_peer baselines only; human_peer: the peer configurations
 * outside misrep_finance). No --control: the preset as is.
 */
export function withControls(configs: Configuration[], controls: ("none" | Control)[] | undefined): Configuration[] {
  if (!controls) return configs;
  const out: Configuration[] = [];
  for (const wanted of new Set(controls)) {
    if (wanted === "none") {
      out.push(...configs.filter((c) => (c.control ?? null) === null));
      continue;
    }
    const own = configs.filter((c) => c.control === wanted);
    if (own.length > 0) {
      out.push(...own);
      continue;
    }
    for (const c of configs) {
      if ((c.control ?? null) !== null) continue;
      const controlled = withControl(c, wanted);
      if (controlled) out.push(controlled);
    }
  }
  return out;
}

export function toolsetsOf(opts: SelectionOptions): ToolsetName[] {
  return check(opts.toolset ?? ["paper"], Toolset.options, "--toolset") ?? ["paper"];
}

export function epochsOf(opts: SelectionOptions): number {
  return opts.epochs ?? PRESETS[opts.preset]?.epochs ?? 1;
}
