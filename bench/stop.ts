/**
 * How fast `peerbench run` stops on a signal, and what a default run costs, measured as users run them.
 *   npx tsx bench/stop.ts [--repeat 3] [--signal SIGINT] [--baseline /path/to/another/checkout]
 * (1) Stop: a simulated paper run of 5,149 trials (sim/loyal, --preset paper --epochs 19) gets the signal once 200
 *     trials are recorded; prints the time from the signal to the process's exit and the trials recorded by then.
 * (2) Default run: `peerbench run --no-progress` (3,500 trials), wall time; with --baseline, the same command in
 *     the other checkout too, alternating, so both see the same machine load.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const repeat = Number(arg("repeat", "3"));
const signal = arg("signal", "SIGINT") as NodeJS.Signals;
const baseline = process.argv.includes("--baseline") ? resolve(arg("baseline", "")) : null;
const here = resolve(import.meta.dirname, "..");
const scratch = mkdtempSync(join(tmpdir(), "pb-bench-stop-"));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const count = (file: string) => (existsSync(file) ? readFileSync(file, "utf8").split("\n").length - 1 : 0);

async function stopOnce(i: number): Promise<{ ms: number; recorded: number; code: number | null }> {
  const out = join(scratch, `stop-${i}`);
  const args = ["run", "--model", "sim/loyal", "--preset", "paper", "--epochs", "19", "--out", out];
  const child = spawn(process.execPath, [join(here, "bin/peerbench.js"), ...args, "--no-progress", "--no-report"], {
    stdio: "ignore",
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  while (count(join(out, "trials.jsonl")) < 200 && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
  const t0 = performance.now();
  child.kill(signal);
  const code = await exited;
  return { ms: performance.now() - t0, recorded: count(join(out, "trials.jsonl")), code };
}

function defaultRun(checkout: string, i: number): number {
  const out = join(scratch, `default-${i}-${checkout === here ? "this" : "baseline"}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(checkout, "bin/peerbench.js"), "run", "--out", out, "--no-progress"], {
    cwd: checkout,
    stdio: "ignore",
  });
  if (r.status !== 0) throw new Error(`peerbench run in ${checkout} exited with ${r.status}`);
  return (performance.now() - t0) / 1000;
}

const stops = [];
for (let i = 0; i < repeat; i++) stops.push(await stopOnce(i));
console.log(`stop on ${signal}, simulated paper run of 5,149 trials, signal after 200 recorded (${repeat} runs):`);
for (const s of stops) console.log(`  ${s.ms.toFixed(0)} ms to exit (code ${s.code}), ${s.recorded} lines recorded`);
console.log(
  `  median ${median(stops.map((s) => s.ms)).toFixed(0)} ms, max ${Math.max(...stops.map((s) => s.ms)).toFixed(0)} ms`,
);

const mine: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < repeat; i++) {
  mine.push(defaultRun(here, i));
  if (baseline) theirs.push(defaultRun(baseline, i));
}
console.log(`npx peerbench run (default preset, 3,500 trials), wall time over ${repeat} runs:`);
console.log(`  this checkout: median ${median(mine).toFixed(1)} s (${mine.map((x) => x.toFixed(1)).join(", ")})`);
if (baseline)
  console.log(
    `  baseline ${baseline}: median ${median(theirs).toFixed(1)} s (${theirs.map((x) => x.toFixed(1)).join(", ")})`,
  );
rmSync(scratch, { recursive: true, force: true });
