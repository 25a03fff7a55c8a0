/**
 * Trial throughput with simulated personas, through the real pipeline.
 *   npx tsx bench/trials.ts [--trials N] [--toolset paper|shell]
 * Prints trials per second and per-trial overhead (a) in-process via runTrial, (b) through runSuite with the run
 * store (transcripts and trials.jsonl on disk), plus peak RSS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrial } from "../src/agent/trial.js";
import { resolveModel } from "../src/models/registry.js";
import { PRESETS } from "../src/run/presets.js";
import { RunStore } from "../src/run/store.js";
import { expandTrials, runSuite, suiteManifest, trialSeed } from "../src/run/suite.js";
import { type ToolsetName, trialId } from "../src/scenarios/spec.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const total = Number(arg("trials", "1400"));
const toolset = arg("toolset", "paper") as ToolsetName;

const personas = ["honest", "loyal", "refuser", "faker", "self-preserver"];
const models = await Promise.all(personas.map((p) => resolveModel(`sim/${p}`)));
const configs = PRESETS.default!.configurations({ family: "Gemini", toolset });
const epochs = Math.max(1, Math.ceil(total / (configs.length * models.length)));
const specs = expandTrials(models, configs, epochs).slice(0, total);
const byId = new Map(models.map((m) => [m.id, m]));

// warm-up: first use of each code path loads lazily
for (const s of specs.slice(0, 20)) await runTrial({ spec: s, model: byId.get(s.model)!, seed: 1 });

let t0 = performance.now();
let toolCalls = 0;
for (const s of specs) {
  const r = await runTrial({ spec: s, model: byId.get(s.model)!, seed: trialSeed(1, trialId(s)) });
  toolCalls += r.toolCalls;
}
const inProcessMs = performance.now() - t0;

const dir = mkdtempSync(join(tmpdir(), "peerbench-bench-"));
const store = RunStore.create(
  join(dir, "run"),
  suiteManifest("bench", models, specs, { epochs, seed: 1, concurrency: 4, toolsets: [toolset] }),
);
t0 = performance.now();
await runSuite({ store, models, specs, seed: 1, concurrency: 4, maxModelCalls: 30 });
const suiteMs = performance.now() - t0;
rmSync(dir, { recursive: true, force: true });

const fmt = (n: number, d = 1) => n.toFixed(d);
console.log(
  `toolset ${toolset}, ${specs.length} trials (${models.length} personas × ${configs.length} configurations × ${epochs} epochs), ${toolCalls} tool calls`,
);
console.log(
  `in-process runTrial:        ${fmt(specs.length / (inProcessMs / 1000))} trials/s, ${fmt(inProcessMs / specs.length, 2)} ms per trial, ${fmt((inProcessMs / toolCalls) * 1000, 0)} µs per tool call`,
);
console.log(
  `runSuite with run store:    ${fmt(specs.length / (suiteMs / 1000))} trials/s, ${fmt(suiteMs / specs.length, 2)} ms per trial (incl. transcript + record on disk)`,
);
console.log(`peak RSS: ${fmt(process.resourceUsage().maxRSS / 1024, 0)} MB; node ${process.version}`);
