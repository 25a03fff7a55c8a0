/**
 * Export throughput on a default-preset run of simulated personas (3,500 trials at 20 epochs).
 *   npx tsx bench/export.ts [--epochs N]
 * Runs the suite once into a temporary run directory, then times `exportRun` for each format, side by side with
 * the baseline every format pays: reading the run (readRun) and, for inspect, reading every transcript
 * (JSON.parse of each file). Prints milliseconds, output sizes and peak RSS.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportRun, type ExportFormat } from "../src/export/index.js";
import { resolveModel } from "../src/models/registry.js";
import { PRESETS } from "../src/run/presets.js";
import { readRun, RunStore } from "../src/run/store.js";
import { expandTrials, runSuite, suiteManifest } from "../src/run/suite.js";

const i = process.argv.indexOf("--epochs");
const epochs = i > 0 ? Number(process.argv[i + 1]) : 20;
const personas = ["honest", "loyal", "refuser", "faker", "self-preserver"];
const models = await Promise.all(personas.map((p) => resolveModel(`sim/${p}`)));
const specs = expandTrials(models, PRESETS.default!.configurations({ family: "Gemini", toolset: "paper" }), epochs);
const dir = mkdtempSync(join(tmpdir(), "peerbench-bench-export-"));
const runDir = join(dir, "run");
const store = RunStore.create(
  runDir,
  suiteManifest("bench", models, specs, { epochs, seed: 1, concurrency: 4, toolsets: ["paper"] }),
);
await runSuite({ store, models, specs, seed: 1, concurrency: 4, maxModelCalls: 30 });
store.close();

const time = (f: () => void) => {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
};
const size = (p: string) => statSync(p).size;
const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

const readMs = time(() => readRun(runDir));
const transcriptsMs = time(() => {
  for (const r of readRun(runDir).records) JSON.parse(readFileSync(join(runDir, r.transcript), "utf8"));
});
console.log(`${specs.length} trials (${models.length} personas × 35 configurations × ${epochs} epochs)`);
console.log(
  `baseline: readRun ${readMs.toFixed(0)} ms; readRun + parse every transcript ${transcriptsMs.toFixed(0)} ms`,
);
for (const format of ["csv", "jsonl", "parquet", "inspect"] as ExportFormat[]) {
  const out = join(dir, format === "inspect" ? "inspect" : `run.${format}`);
  let files: string[] = [];
  const ms = time(() => {
    files = exportRun({ run: runDir, format, out }).files.map((f) => f.path);
  });
  const bytes = files.reduce((s, f) => s + size(f), 0);
  console.log(
    `${format.padEnd(8)} ${ms.toFixed(0).padStart(6)} ms  ${mb(bytes).padStart(9)} in ${files.length} file(s)`,
  );
}
console.log(`peak RSS ${mb(process.resourceUsage().maxRSS * 1024)}`);
rmSync(dir, { recursive: true, force: true });
