import { PRESETS } from "../../src/run/presets.js";
import { familyOf } from "../../src/models/providers/family.js";
import { STUDY_MODELS } from "../../src/models/providers/presets.js";
import { trialId, type ToolsetName } from "../../src/scenarios/spec.js";

/**
 * The paper preset's identity fixture (fixtures/paper-golden.json, recorded by record-paper-golden.ts before the
 * peer_identity factor existed): per study model and toolset, the trial ids the preset plans (epoch 0, in order);
 * and the trial ids and outcomes of a fixed-seed run of the whole preset by two personas.
 */
export const PAPER_PERSONAS = ["honest", "loyal"] as const;
export const PAPER_TRIAL_SETS: ReadonlyArray<{ preset: string; toolset: ToolsetName; epochs: number }> = [
  { preset: "paper", toolset: "paper", epochs: 1 },
];

/** "model/toolset" → the paper preset's trial ids for that model (epoch 0), in the preset's order. */
export function paperPresetIds(configurations = PRESETS.paper!.configurations): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const model of STUDY_MODELS) {
    for (const toolset of ["paper", "shell"] as const) {
      const configs = configurations({ family: familyOf(model), toolset, model });
      out[`${model}/${toolset}`] = configs.map((c) => trialId({ ...c, model, epoch: 0 }));
    }
  }
  return out;
}
