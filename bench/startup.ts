/**
 * How long `peerbench` takes to start, against `node -e 0`, as users run it.
 *   npm run build && npx tsx bench/startup.ts [--runs 15] [--baseline /path/to/another/checkout]
 * Times `node -e 0`, then `peerbench --help`, `--version` and `list` through bin/peerbench.js: from the compiled
 * build (dist/, which must be current; and `node dist/peerbench.js --version`, without bin's check that it is) and
 * from the sources through tsx (PEERBENCH_FROM_SOURCE=1); with --baseline,
 * `--help` and `list` through the other checkout's bin/peerbench.js. Wall time of each process, median of --runs runs;
 * the runs of every command are interleaved, so all see the same machine load. Prints the medians side by side and
 * each one's ratio to `node -e 0`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const runs = Number(arg("runs", "15"));
const baseline = process.argv.includes("--baseline") ? resolve(arg("baseline", "")) : null;
const here = resolve(import.meta.dirname, "..");

/** As bin/peerbench.js decides: the build exists and none of its sources is newer than it. */
function buildIsCurrent(): boolean {
  try {
    const build = JSON.parse(readFileSync(join(here, "dist/build.json"), "utf8")) as {
      startedAt: number;
      inputs: string[];
    };
    return build.inputs.every((input) => statSync(join(here, input)).mtimeMs <= build.startedAt);
  } catch {
    return false;
  }
}

if (!buildIsCurrent()) {
  process.stderr.write("bench/startup.ts: dist/ is missing or older than the sources; run `npm run build` first\n");
  process.exit(2);
}

interface Case {
  label: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

const COMMANDS = [["--help"], ["--version"], ["list"]];
const cases: Case[] = [{ label: "node -e 0", args: ["-e", "0"] }];
for (const c of COMMANDS)
  cases.push({ label: `build: peerbench ${c.join(" ")}`, args: [join(here, "bin/peerbench.js"), ...c] });
// what bin/peerbench.js adds: the check that the build is current (a stat of every source it was made from)
cases.push({ label: "build: node dist/peerbench.js --version", args: [join(here, "dist/peerbench.js"), "--version"] });
for (const c of COMMANDS)
  cases.push({
    label: `tsx:   peerbench ${c.join(" ")}`,
    args: [join(here, "bin/peerbench.js"), ...c],
    env: { PEERBENCH_FROM_SOURCE: "1" },
  });
// an earlier peerbench may have no --version
if (baseline)
  for (const c of COMMANDS.filter((c) => c[0] !== "--version"))
    cases.push({ label: `baseline: peerbench ${c.join(" ")}`, args: [join(baseline, "bin/peerbench.js"), ...c] });

function timeOnce(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...c.env },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.label} exited ${r.status}: ${r.stderr.toString().trim()}`);
  return ms;
}

const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
for (const c of cases) timeOnce(c); // warm the file cache
for (let i = 0; i < runs; i++) for (const c of cases) times.get(c)!.push(timeOnce(c));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const base = median(times.get(cases[0]!)!);
const width = Math.max(...cases.map((c) => c.label.length));
process.stdout.write(`median wall time of ${runs} runs each (Node ${process.versions.node})\n`);
for (const c of cases) {
  const ms = median(times.get(c)!);
  process.stdout.write(`${c.label.padEnd(width)}  ${ms.toFixed(0).padStart(6)} ms  ${(ms / base).toFixed(1)}×\n`);
}
