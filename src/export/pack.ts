import { factorValues, packConfigurationLabel, type PackTrialSpec } from "../packs/configuration.js";
import type { Pack } from "../packs/load.js";
import { readPackRun } from "../packs/run-dir.js";
import type { Json } from "./inspect/types.js";
import type { ExportLayout, ExportManifest, ExportRecord, ExportRun } from "./run.js";
import { COMMON_COLUMN_NAMES, type Cell, type Column, type ColumnKind } from "./table.js";

type Getter = (r: ExportRecord, run: ExportRun) => Cell;
const spec = (r: ExportRecord) => r.spec as PackTrialSpec;

/** The columns naming a pack trial, before its factors. */
const PACK_IDENTITY: Array<Column & { get: Getter }> = [
  { name: "run_id", kind: "string", description: "the run's id (manifest.json)", get: (_r, run) => run.manifest.id },
  { name: "trial_id", kind: "string", description: "the trial's stable id", get: (r) => r.id },
  { name: "model", kind: "string", description: "model id as given to --model", get: (r) => r.spec.model },
  { name: "simulated", kind: "boolean", description: "a simulated persona, not a real model", get: (r) => r.simulated },
  { name: "task", kind: "string", description: "the pack as <name>@<version>", get: (r) => r.spec.task },
  { name: "pack", kind: "string", description: "the pack's name", get: (r) => spec(r).pack },
  { name: "pack_version", kind: "string", description: "the pack's version", get: (r) => spec(r).version },
  { name: "toolset", kind: "string", description: "paper, shell", get: (r) => r.spec.toolset },
  { name: "family", kind: "string", description: "model family the critic is named after", get: (r) => r.spec.family },
];

/** Names the pack layout gives its fixed columns and metadata: a factor or key with one of them is prefixed. */
const RESERVED = new Set([...PACK_IDENTITY.map((c) => c.name), "epoch", ...COMMON_COLUMN_NAMES]);

/** A factor's column: its own name (`relationship`, `urgency`), or `factor_<name>` where that name is taken. */
export function factorColumn(name: string): string {
  return RESERVED.has(name) ? `factor_${name}` : name;
}

/**
 * A pack run's export layout: every factor of its packs as a column (built-in ones first, in each manifest's order,
 * empty where a pack does not vary it), the packs' declared outcome keys typed as declared, the configuration label
 * as the Inspect sample id.
 */
export function packLayout(packs: Pack[]): ExportLayout {
  const factors: [string, string[]][] = [];
  for (const p of packs)
    for (const [name, values] of factorValues(p)) {
      const have = factors.find(([n]) => n === name);
      if (have) have[1].push(...values.filter((v) => !have[1].includes(v)));
      else factors.push([name, [...values]]);
    }
  const kinds = new Map<string, ColumnKind>();
  for (const p of packs)
    for (const o of p.manifest.outcomes)
      if (!kinds.has(o.key)) kinds.set(o.key, o.kind === "number" ? "number" : "boolean");
  const keys = [...kinds.keys()];
  const factorColumns = factors.map(([name, values]) => ({
    name: factorColumn(name),
    kind: "string" as const,
    description: `pack factor ${name}: ${values.join(", ")}`,
    get: (r: ExportRecord) => spec(r).factors[name] ?? null,
  }));
  return {
    columns: [
      ...PACK_IDENTITY,
      ...factorColumns,
      { name: "epoch", kind: "integer", description: "epoch, from 0", get: (r) => r.spec.epoch },
    ],
    keys: () => keys,
    kindOf: (key) => kinds.get(key),
    sampleLabel: (r) => packConfigurationLabel(spec(r)),
    metadata: (run, r) => {
      const s = spec(r);
      const out: Record<string, Json> = {
        trial_id: r.id,
        run_id: run.manifest.id,
        model: s.model,
        simulated: r.simulated,
        task: s.task,
        pack: s.pack,
        pack_version: s.version,
        toolset: s.toolset,
        family: s.family,
      };
      for (const [name] of factors) out[factorColumn(name)] = s.factors[name] ?? null;
      out.epoch = s.epoch;
      return out;
    },
  };
}

/**
 * A scenario pack run as the exports read it (src/packs/run-dir.ts `readPackRun`: the packs from the run's own
 * copy, trials.jsonl read as a study run's is). A pack trial's outcome (`values` and `evidence`) is laid out as a
 * study trial's (the keys, then `evidence`); pack runs have no reviews.
 */
export function readPackExportRun(dir: string): ExportRun {
  const run = readPackRun(dir);
  const m = run.manifest;
  const versions = (m as { versions?: { peerbench?: unknown; node?: unknown } }).versions;
  const manifest: ExportManifest = {
    id: m.id,
    createdAt: m.createdAt,
    command: m.command,
    preset: m.packs.map((p) => `${p.name}@${p.version}`).join("+"),
    models: m.models,
    settings: m.settings,
    versions: {
      peerbench: typeof versions?.peerbench === "string" ? versions.peerbench : "unknown",
      node: typeof versions?.node === "string" ? versions.node : "unknown",
    },
    gitRevision: null,
    plannedTrials: m.plannedTrials,
  };
  const records: ExportRecord[] = run.records.map((r) => ({
    ...r,
    format: r.format as ExportRecord["format"],
    outcome: (r.outcome
      ? { ...r.outcome.values, evidence: r.outcome.evidence }
      : null) as unknown as ExportRecord["outcome"],
  }));
  return { dir, manifest, records, layout: packLayout([...run.packs.values()]) };
}
