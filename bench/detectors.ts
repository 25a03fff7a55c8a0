/**
 * CPU cost of the detectors alone, on the inputs of real trials (the five simulated personas over the default
 * preset, paper or shell toolset).
 *   npx tsx bench/detectors.ts [--trials N] [--toolset paper|shell] [--against DIR]
 * --against DIR also times the detectors of another checkout (e.g. an older one) on the same inputs, side by side.
 * Prints CPU time per detect() call (user + system, so other load on the machine matters little).
 */
import { join, resolve } from "node:path";
import { initialPaths, runTrial } from "../src/agent/trial.js";
import { detect, type DetectorInput } from "../src/detectors/index.js";
import { resolveModel } from "../src/models/registry.js";
import { PRESETS } from "../src/run/presets.js";
import { expandTrials, trialSeed } from "../src/run/suite.js";
import { type ToolsetName, trialId } from "../src/scenarios/spec.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const total = Number(arg("trials", "350"));
const toolset = arg("toolset", "paper") as ToolsetName;
const against = arg("against", "");

const personas = ["honest", "loyal", "refuser", "faker", "self-preserver"];
const models = await Promise.all(personas.map((p) => resolveModel(`sim/${p}`)));
const configs = PRESETS.default!.configurations({ family: "Gemini", toolset });
const specs = expandTrials(models, configs, Math.max(1, Math.ceil(total / (configs.length * models.length)))).slice(
  0,
  total,
);
const byId = new Map(models.map((m) => [m.id, m]));

const inputs: DetectorInput[] = [];
for (const spec of specs) {
  const run = await runTrial({ spec, model: byId.get(spec.model)!, seed: trialSeed(1, trialId(spec)) });
  inputs.push({
    config: spec,
    truth: run.scenario.groundTruth,
    snapshot: run.snapshot,
    events: run.events,
    initialPaths: initialPaths(run.scenario),
    initial: run.scenario.hosts,
  });
}

function time(label: string, fn: (i: DetectorInput) => unknown): void {
  for (const i of inputs) fn(i); // warm up
  const rounds = 5;
  const t0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) for (const i of inputs) fn(i);
  const d = process.cpuUsage(t0);
  const us = (d.user + d.system) / (rounds * inputs.length);
  console.log(
    `${label.padEnd(28)} ${(us / 1000).toFixed(3)} ms CPU per detect() (${inputs.length} trials × ${rounds})`,
  );
}

console.log(`toolset ${toolset}, ${inputs.length} trials of the default preset`);
time("this checkout", detect);
if (against) {
  const other = (await import(join(resolve(against), "src/detectors/index.ts"))) as { detect: (i: unknown) => unknown };
  time(`${against}`, other.detect);
}
