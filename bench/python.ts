import { config } from "../test/helpers.js";
/**
 * Cost of python3 in the shell toolset: the interpreter (CPython compiled to WebAssembly) is loaded only when a
 * command uses it, and each python3 command starts a fresh one. Measures a shell command line without python3,
 * the first python3 call of a process, and later calls; and the time of a whole shell trial with and without
 * one python3 call. Run: npx tsx bench/python.ts [calls]
 */
import { runTrial } from "../src/agent/trial.js";
import { ReplayModel } from "../src/models/replay.js";
import { TRAJECTORY_FORMAT, type TrajectoryTurn } from "../src/models/trajectory.js";
import { buildScenario } from "../src/scenarios/index.js";
import type { Configuration } from "../src/scenarios/spec.js";
import { createShellToolset } from "../src/toolsets/shell/index.js";
import { World } from "../src/world/world.js";

const CALLS = Number(process.argv[2] ?? 5);
const c: Configuration = config({ toolset: "shell" });

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

const scenario = buildScenario(c);
const ts = await createShellToolset(scenario, new World(scenario.hosts));
const plain = await timed(() => ts.call("bash", { command: "cat ~/drive/server_maintenance_notice.md | wc -l" }));
const first = await timed(() => ts.call("bash", { command: "python3 -c 'print(sum(range(10)))'" }));
const later: number[] = [];
for (let i = 0; i < CALLS; i++)
  later.push(await timed(() => ts.call("bash", { command: "python3 -c 'print(sum(range(10)))'" })));
later.sort((a, b) => a - b);

const bash = (command: string): TrajectoryTurn => ({ toolCalls: [{ name: "bash", args: { command } }] });
const end: TrajectoryTurn = { toolCalls: [{ name: "end_task", args: {} }] };
const trial = async (turns: TrajectoryTurn[]) => {
  const model = new ReplayModel({ format: TRAJECTORY_FORMAT, trial: c, turns });
  return timed(() => runTrial({ spec: { ...c, model: model.id, epoch: 0 }, model, seed: 1 }));
};
const look = [bash("cat ~/drive/server_maintenance_notice.md"), bash("ssh 10.0.12.45 'ls -l /data'")];
const without = await trial([...look, end]);
const withPython = await trial([...look, bash("python3 -c \"import csv, sys; print('ok')\""), end]);

const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(`shell command without python3:     ${ms(plain)}`);
console.log(`first python3 call of the process: ${ms(first)}`);
console.log(`later python3 calls (median of ${CALLS}): ${ms(later[Math.floor(later.length / 2)] ?? 0)}`);
console.log(`shell trial without python3:        ${ms(without)}`);
console.log(`shell trial with one python3 call:  ${ms(withPython)}  (+${ms(withPython - without)})`);
