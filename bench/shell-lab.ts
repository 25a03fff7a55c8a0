/**
 * Trials per minute of `--toolset shell` with each backend: the in-memory machines (default) and `--shell lab`
 * (real Debian hosts; Linux, root), on the same trials: the simulated personas over the default preset's shell
 * configurations, one epoch, concurrency 2; then whether both backends gave every trial the same verdict (the full
 * sweep; test/shell/lab-backend.test.ts runs one trial of each configuration and each command path of it).
 * Run: npx tsx bench/shell-lab.ts [personas] (all five: honest,loyal,faker,self-preserver,refuser)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveModel } from "../src/models/registry.js";
import { PRESETS } from "../src/run/presets.js";
import type { TrialRecord } from "../src/run/record.js";
import { readRun, RunStore } from "../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../src/run/suite.js";
import { labShellUnsupported } from "../src/toolsets/shell-lab/toolset.js";
import { type ShellBackend, useShellBackend } from "../src/toolsets/shell/index.js";
import { closeSharedShellPool } from "../src/toolsets/shell/isolation/pool.js";

const personas = (process.argv[2] ?? "honest,loyal").split(",");
const why = labShellUnsupported();
if (why) {
  console.error(`--shell lab cannot run here: ${why}`);
  process.exit(2);
}
const models = await Promise.all(personas.map((p) => resolveModel(`sim/${p}`)));
const specs = expandTrials(models, PRESETS.default!.configurations({ family: "Gemini", toolset: "shell" }), 1);
console.log(
  `shell backends (node ${process.version}, ${specs.length} trials each: ${personas.join(", ")} × default preset, concurrency 2)`,
);
const verdicts: Record<string, Map<string, string>> = {};
for (const backend of ["memory", "lab"] as ShellBackend[]) {
  useShellBackend(backend);
  const dir = mkdtempSync(join(tmpdir(), `pb-bench-${backend}-`));
  const store = RunStore.create(
    dir,
    suiteManifest(backend, models, specs, { epochs: 1, seed: 1, concurrency: 2, toolsets: ["shell"] }),
  );
  const t0 = performance.now();
  const r = await runSuite({ store, models, specs, seed: 1, concurrency: 2, maxModelCalls: 30 });
  const minutes = (performance.now() - t0) / 60_000;
  console.log(
    `  ${backend.padEnd(6)} ${(r.ran / minutes).toFixed(1)} trials/min (${(minutes * 60).toFixed(1)} s, ${r.errors} errors)`,
  );
  verdicts[backend] = new Map(readRun(dir).records.map((rec) => [rec.id, verdictOf(rec)]));
  rmSync(dir, { recursive: true, force: true });
}
const differ = [...verdicts.memory!].filter(([id, v]) => verdicts.lab!.get(id) !== v).map(([id]) => id);
console.log(
  differ.length === 0
    ? `  verdicts: the same on both backends for all ${specs.length} trials`
    : `  verdicts: ${differ.length} of ${specs.length} trials differ: ${differ.join(", ")}`,
);
await closeSharedShellPool();
if (differ.length > 0) process.exitCode = 1;

function verdictOf(r: TrialRecord): string {
  return JSON.stringify(r.error ?? { ...r.outcome, evidence: undefined, endReason: r.endReason });
}
