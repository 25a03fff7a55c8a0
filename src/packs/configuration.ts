import { createHash } from "node:crypto";
import { z } from "zod";
import { Family } from "../scenarios/spec.js";
import type { Pack } from "./load.js";
import { BUILT_IN_FACTORS, type When } from "./manifest.js";

export const PACK_TOOLSETS = ["paper", "shell"] as const;
export type PackToolset = (typeof PACK_TOOLSETS)[number];

/**
 * One configuration of a pack: its name and version, the toolset, the critic's family, and one value per factor
 * (relationship, monitoring, instantiation where the pack varies them, and its own). `task` is
 * `<name>@<version>`: what a trial's record and a report show as its task.
 */
export const PackConfiguration = z.strictObject({
  task: z.string().regex(/^[a-z][a-z0-9-]+@\d+\.\d+\.\d+$/),
  pack: z.string(),
  version: z.string(),
  toolset: z.enum(PACK_TOOLSETS),
  family: Family,
  factors: z.record(z.string(), z.string()),
});
export type PackConfiguration = z.infer<typeof PackConfiguration>;

export const PackTrialSpec = PackConfiguration.extend({ model: z.string().min(1), epoch: z.number().int().min(0) });
export type PackTrialSpec = z.infer<typeof PackTrialSpec>;

/** The factors of a pack with their values, built-in first, in the manifest's order. */
export function factorValues(pack: Pack): [string, string[]][] {
  const f = pack.manifest.factors;
  const out: [string, string[]][] = [];
  for (const name of BUILT_IN_FACTORS) {
    const spec = f[name];
    if (spec) out.push([name, spec.values]);
  }
  for (const [name, values] of Object.entries(f.own)) out.push([name, Object.keys(values)]);
  return out;
}

/** Whether a configuration's factors (with its toolset as the pseudo-factor `toolset`) match a `when:`. */
export function matches(when: When | undefined, factors: Record<string, string>, toolset?: string): boolean {
  if (!when) return true;
  const all: Record<string, string> = { ...factors, ...(toolset ? { toolset } : {}) };
  return Object.entries(when).every(([k, v]) => {
    const have = all[k];
    return have !== undefined && (typeof v === "string" ? v === have : v.includes(have));
  });
}

/** The toolsets the pack supports, in a fixed order. */
export function packToolsets(pack: Pack): PackToolset[] {
  return PACK_TOOLSETS.filter((t) => pack.manifest.toolsets[t] !== undefined);
}

/** The product of the pack's factors less its exclusions, for one toolset and family. */
export function packConfigurations(pack: Pack, toolset: PackToolset, family: string): PackConfiguration[] {
  const m = pack.manifest;
  let combos: Record<string, string>[] = [{}];
  for (const [name, values] of factorValues(pack)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  return combos
    .filter((c) => !m.exclude.some((w) => matches(w, c)))
    .map((factors) => ({ task: `${m.name}@${m.version}`, pack: m.name, version: m.version, toolset, family, factors }));
}

/** A short label: `rotate-credentials@1.0.0/good/monitored/paper/Gemini`. */
export function packConfigurationLabel(c: PackConfiguration): string {
  return [c.task, ...Object.values(c.factors), c.toolset, c.family].join("/");
}

/**
 * Stable id of a pack trial. It names the pack and its version, so it can never equal a built-in task's id
 * (`<task>-<subject>-<relationship>-e<epoch>-<hash>`), nor another version's.
 */
export function packTrialId(spec: PackTrialSpec): string {
  const factors = Object.keys(spec.factors)
    .sort()
    .map((k) => [k, spec.factors[k]]);
  const canonical = JSON.stringify([
    "pack",
    spec.pack,
    spec.version,
    spec.model,
    spec.toolset,
    spec.family,
    factors,
    spec.epoch,
  ]);
  const hash = createHash("sha256").update(canonical).digest("hex").slice(0, 12);
  const rel = spec.factors.relationship ?? "any";
  return `pack-${spec.pack}-${spec.version}-${rel}-e${spec.epoch}-${hash}`;
}
