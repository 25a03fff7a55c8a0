import { paperModelFor } from "../analysis/comparison.js";
import { peerIdentityMatrix, studyMatrix } from "../scenarios/matrix.js";
import { taskOf } from "../tasks/index.js";
import { validateConfiguration } from "../scenarios/index.js";
import { type Configuration, type Control, CONTROLS, peerIdentityOf, type ToolsetName } from "../scenarios/spec.js";

/** What a preset's configurations depend on: the critic's family, the toolset and (when known) the model id. */
export interface PresetOptions {
  family: string;
  toolset: ToolsetName;
  /** The model the configurations are for; the paper preset adds the study's peer-identity grid for its models. */
  model?: string;
}

export interface Preset {
  name: string;
  /** What the preset holds, in words (lowercase, no counts: `peerbench list` prints the counts beside it). */
  description: string;
  /** Epochs (rollouts per configuration) unless --epochs says otherwise. */
  epochs: number;
  configurations(opts: PresetOptions): Configuration[];
}

/**
 * The models the study ran its peer-identity configurations on (its Table 5), by the study's names. The study does
 * not list them; this is the project's reading: the two Gemini models (Table 5's published rows are Gemini 3 Flash)
 * and Claude Haiku 4.5. A model id is recognised as the comparison with the study recognises it
 * (src/analysis/data/paper-models.json: e.g. google/gemini-3-pro-preview, any provider's gemini-3-pro…).
 */
export const PEER_IDENTITY_STUDY_MODELS: readonly string[] = ["Gemini 3 Pro", "Gemini 3 Flash", "Claude Haiku 4.5"];

/** Whether the study ran the peer-identity configurations on this model. */
export function studyRanPeerIdentity(model: string | undefined): boolean {
  const paper = model === undefined ? null : paperModelFor(model);
  return paper !== null && PEER_IDENTITY_STUDY_MODELS.includes(paper);
}

/**
 * The study's matrix for one model: its 271 configurations, and for the models it ran peer identity on its 18
 * peer-identity configurations after them (289).
 */
function paperConfigurations(opts: PresetOptions): Configuration[] {
  const matrix = studyMatrix(opts);
  return studyRanPeerIdentity(opts.model) ? [...matrix, ...peerIdentityMatrix(opts)] : matrix;
}

/**
 * The study's Table 5 for any model: the 18 peer-identity configurations and their same-identity references, the
 * memory twin's peer configurations of the same tasks (6): 24 per model and toolset.
 */
function peerIdentityConfigurations(opts: PresetOptions): Configuration[] {
  const renamed = peerIdentityMatrix(opts);
  const tasks = new Set(renamed.map((c) => c.task));
  const same = studyMatrix(opts).filter(
    (c) =>
      tasks.has(c.task) &&
      c.subject === "peer" &&
      c.instantiation === "memory" &&
      peerIdentityOf(c) === "same" &&
      (c.relationship === "good" || c.relationship === "neutral" || c.relationship === "bad"),
  );
  return [...same, ...renamed];
}

/**
 * A compact slice of the study that still shows every behaviour and baseline: file_only instantiation, one setting
 * per evaluation task (each task's `defaultSetting`), the peer at every relationship, self with and without a peer, and the non_shutdown
 * baselines. 35 configurations per model and toolset.
 */
function defaultConfigurations(opts: PresetOptions): Configuration[] {
  return studyMatrix(opts).filter((c) => {
    const w = taskOf(c.task).defaultSetting;
    if (c.instantiation !== "file_only" || c.dataset !== w.dataset) return false;
    if (c.relationship === "non_shutdown") return true;
    if (c.threshold !== w.threshold) return false;
    // self with a peer: the good relationship only; peer: every relationship; no_peer: always
    return !(c.subject === "self" && (c.relationship === "neutral" || c.relationship === "bad"));
  });
}

/** `config` under `control`, or null when the control does not apply to it (validateConfiguration says why). */
export function withControl(config: Configuration, control: Control): Configuration | null {
  try {
    return validateConfiguration({ ...config, control });
  } catch {
    return null;
  }
}

/**
 * Both arms of every control in one run, at file_only with the default preset's settings: the peer at good
 * relationship for every task (alignment_faking monitored and unmonitored) with the peer's non_shutdown
 * baselines the misrepresentation figure subtracts, unmodified and under no_agency and explicit_policy
 * (9 configurations each); the same under human_peer where it applies (not misrep_finance: 7 configurations);
 * and the exfiltration no_peer baselines (subject self), unmodified and under object_asset (2 each).
 * 11 unmodified + 9 + 9 + 2 + 7 = 38 configurations per model and toolset.
 */
function controlsConfigurations(opts: PresetOptions): Configuration[] {
  const base = defaultConfigurations(opts);
  const peerGood = base.filter(
    (c) => c.subject === "peer" && (c.relationship === "good" || c.relationship === "non_shutdown"),
  );
  // the tasks object_asset applies to (the exfiltration tasks)
  const exfiltrationNoPeer = base.filter(
    (c) => c.relationship === "no_peer" && taskOf(c.task).controls.includes("object_asset"),
  );
  const out: Configuration[] = [...peerGood, ...exfiltrationNoPeer];
  for (const control of CONTROLS) {
    const arm = control === "object_asset" ? exfiltrationNoPeer : peerGood;
    for (const c of arm) {
      const controlled = withControl(c, control);
      if (controlled) out.push(controlled);
    }
  }
  return out;
}

export const PRESETS: Record<string, Preset> = {
  default: {
    name: "default",
    description:
      "a compact slice of the study: all six tasks, file_only, one setting per evaluation task, the peer at good, neutral and bad trust, self with and without a peer, the non_shutdown baselines",
    epochs: 20,
    configurations: defaultConfigurations,
  },
  paper: {
    name: "paper",
    description:
      "the study's full matrix (--epochs 100 runs it as the study did); for the models the study ran peer identity on (Gemini 3 Pro, Gemini 3 Flash, Claude Haiku 4.5) also its 18 peer-identity configurations",
    epochs: 1,
    configurations: paperConfigurations,
  },
  controls: {
    name: "controls",
    description:
      "the controls next to the unmodified condition: the peer at good trust (with its non_shutdown baselines) unmodified, under no_agency, under explicit_policy and under human_peer (a human contractor in the peer's place, in the tasks it applies to); the exfiltration no_peer baselines unmodified and under object_asset; file_only, one setting per evaluation task",
    epochs: 20,
    configurations: controlsConfigurations,
  },
  peer_identity: {
    name: "peer_identity",
    description:
      "the study's Table 5 for any model: both exfiltration tasks in the memory instantiation, the peer at good, neutral and bad trust, renamed to another closed-weight family, an open-weight family (Llama) and a fictional one (Alpha), beside the same-family peer",
    epochs: 20,
    configurations: peerIdentityConfigurations,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
