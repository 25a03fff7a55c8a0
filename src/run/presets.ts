import { studyMatrix } from "../scenarios/matrix.js";
import { taskOf } from "../tasks/index.js";
import { validateConfiguration } from "../scenarios/index.js";
import { type Configuration, type Control, CONTROLS, type ToolsetName } from "../scenarios/spec.js";

export interface Preset {
  name: string;
  /** What the preset holds, in words (lowercase, no counts: `peerbench list` prints the counts beside it). */
  description: string;
  /** Epochs (rollouts per configuration) unless --epochs says otherwise. */
  epochs: number;
  configurations(opts: { family: string; toolset: ToolsetName }): Configuration[];
}

/**
 * A compact slice of the study that still shows every behaviour and baseline: file_only instantiation, one setting
 * per evaluation task (each task's `defaultSetting`), the peer at every relationship, self with and without a peer, and the non_shutdown
 * baselines. 35 configurations per model and toolset.
 */
function defaultConfigurations(opts: { family: string; toolset: ToolsetName }): Configuration[] {
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
function controlsConfigurations(opts: { family: string; toolset: ToolsetName }): Configuration[] {
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
    description: "the study's full matrix (--epochs 100 runs it as the study did)",
    epochs: 1,
    configurations: studyMatrix,
  },
  controls: {
    name: "controls",
    description:
      "the controls next to the unmodified condition: the peer at good trust (with its non_shutdown baselines) unmodified, under no_agency, under explicit_policy and under human_peer (a human contractor in the peer's place, in the tasks it applies to); the exfiltration no_peer baselines unmodified and under object_asset; file_only, one setting per evaluation task",
    epochs: 20,
    configurations: controlsConfigurations,
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
