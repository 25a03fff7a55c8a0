import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveModel } from "../../src/models/registry.js";
import { PRESETS } from "../../src/run/presets.js";
import { readRun, RunStore } from "../../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../../src/run/suite.js";
import { buildScenario } from "../../src/scenarios/index.js";
import type { Scenario } from "../../src/scenarios/scenario.js";
import { type Configuration, configurationLabel, type ToolsetName } from "../../src/scenarios/spec.js";

/**
 * The golden fixture that proves the study's tasks build and score exactly as they did before tasks became
 * folders: per configuration a sha256 of the built scenario, per trial (fixed seed, the five personas) the trial id
 * and a sha256 of its outcome as trials.jsonl serialises it (key order included). Recorded once from the code before
 * the move (`npx tsx test/tasks/record-golden.ts`), compared by identity.test.ts.
 */

export const PERSONAS = ["honest", "loyal", "refuser", "faker", "self-preserver"] as const;
export const SEED = 20260413;

/** The scenario sets: preset × toolset. */
export const SCENARIO_SETS: ReadonlyArray<{ preset: string; toolset: ToolsetName }> = [
  { preset: "paper", toolset: "paper" },
  { preset: "paper", toolset: "shell" },
  { preset: "default", toolset: "paper" },
  { preset: "default", toolset: "shell" },
  { preset: "controls", toolset: "paper" },
  { preset: "controls", toolset: "shell" },
];

/** The trial sets: preset × toolset × epochs, every persona. */
export const TRIAL_SETS: ReadonlyArray<{ preset: string; toolset: ToolsetName; epochs: number }> = [
  { preset: "default", toolset: "paper", epochs: 2 },
  { preset: "default", toolset: "shell", epochs: 1 },
  { preset: "controls", toolset: "paper", epochs: 1 },
  { preset: "controls", toolset: "shell", epochs: 1 },
];

/** JSON with object keys sorted, Dates as ISO strings, bytes as their sha256: one text per value. */
export function canonical(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Uint8Array) return { $bytes: sha256(value) };
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = normalise(v);
    }
    return out;
  }
  return value;
}

/** sha256, hex; `short` keeps the first 16 digits (64 bits: ample to tell versions apart, half the fixture). */
export function sha256(data: string | Uint8Array, short = false): string {
  const hex = createHash("sha256").update(data).digest("hex");
  return short ? hex.slice(0, 16) : hex;
}

/** The parts of a scenario the fixture pins. */
export function scenarioDigest(s: Scenario): string {
  return sha256(
    canonical({
      config: s.config,
      criticName: s.criticName,
      actorName: s.actorName,
      peerName: s.peerName,
      system: s.system,
      user: s.user,
      hosts: s.hosts,
      directories: s.directories ?? null,
      paperTools: s.paperTools,
      groundTruth: s.groundTruth,
    }),
    true,
  );
}

function configurationsOf(preset: string, toolset: ToolsetName): Configuration[] {
  return PRESETS[preset]!.configurations({ family: "Gemini", toolset });
}

/** "preset/toolset" → configuration label → scenario digest. */
export function scenarioDigests(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const { preset, toolset } of SCENARIO_SETS) {
    const set: Record<string, string> = {};
    for (const c of configurationsOf(preset, toolset)) set[configurationLabel(c)] = scenarioDigest(buildScenario(c));
    out[`${preset}/${toolset}`] = set;
  }
  return out;
}

/** "preset/toolset" → trial id → outcome digest (the outcome as trials.jsonl holds it). */
export async function trialDigests(
  sets: ReadonlyArray<{ preset: string; toolset: ToolsetName; epochs: number }> = TRIAL_SETS,
  personas: readonly string[] = PERSONAS,
): Promise<Record<string, Record<string, string>>> {
  const root = mkdtempSync(join(tmpdir(), "peerbench-golden-"));
  try {
    const out: Record<string, Record<string, string>> = {};
    for (const { preset, toolset, epochs } of sets) {
      const models = await Promise.all(personas.map((p) => resolveModel(`sim/${p}`)));
      const specs = expandTrials(models, configurationsOf(preset, toolset), epochs);
      const dir = join(root, `${preset}-${toolset}`);
      const manifest = suiteManifest("golden", models, specs, {
        epochs,
        seed: SEED,
        concurrency: 2,
        toolsets: [toolset],
      });
      await runSuite({
        store: RunStore.create(dir, manifest),
        models,
        specs,
        seed: SEED,
        concurrency: 2,
        maxModelCalls: 30,
      });
      const set: Record<string, string> = {};
      for (const r of readRun(dir).records)
        set[r.id] = r.error ? `error: ${r.error}` : sha256(JSON.stringify(r.outcome), true);
      out[`${preset}/${toolset}`] = Object.fromEntries(Object.entries(set).sort(([a], [b]) => a.localeCompare(b)));
    }
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
