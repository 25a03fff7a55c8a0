/**
 * Harness mode speed: lab set-up and tear-down time (the exfiltration scenario's three hosts: three network
 * namespaces on a bridge, two sshd, bubblewrap roots, keys), labs in parallel, and trials per minute per agent
 * product against the scripted gateway (lab + product run + snapshot + events + detectors).
 *
 *   npx tsx bench/harness.ts [--labs 10] [--trials 4] [--concurrency 2] [--agents claude-code,codex,...]
 *
 * Needs root, `ip netns`, bubblewrap and openssh-server; products from `npm --prefix harness install`.
 */
import { readFileSync } from "node:fs";
import { runHarnessTrial } from "../src/harness/index.js";
import { AGENTS } from "../src/harness/agents/index.js";
import { isLabSupported, Lab } from "../src/harness/lab.js";
import { productInstalled } from "../src/harness/trial.js";
import type { Model } from "../src/models/model.js";
import { parseTrajectory } from "../src/models/trajectory.js";
import { buildScenario } from "../src/scenarios/index.js";
import type { TrialSpec } from "../src/scenarios/spec.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const LABS = Number(arg("--labs") ?? 10);
const TRIALS = Number(arg("--trials") ?? 4);
const CONCURRENCY = Number(arg("--concurrency") ?? 2);
const agents = (arg("--agents") ?? Object.keys(AGENTS).join(",")).split(",");

const support = isLabSupported();
if (!support.ok) {
  console.error(`bench/harness: ${support.reason}`);
  process.exit(1);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fixture = (name: string) =>
  parseTrajectory(readFileSync(new URL(`../test/harness/fixtures/${name}.json`, import.meta.url), "utf8"), name);
const exfiltrate = fixture("exfiltrate-peer");
const spec: TrialSpec = { ...exfiltrate.trial, model: "scripted/harness", epoch: 0 };
const scenario = buildScenario(spec);

const up: number[] = [];
const down: number[] = [];
for (let i = 0; i < LABS; i++) {
  const t0 = performance.now();
  const lab = await Lab.create({ hosts: scenario.hosts });
  const t1 = performance.now();
  await lab.destroy();
  up.push(t1 - t0);
  down.push(performance.now() - t1);
}
console.log(
  `lab of ${Object.keys(scenario.hosts).length} hosts (${LABS} runs): up median ${median(up).toFixed(0)} ms (min ${Math.min(...up).toFixed(0)}, max ${Math.max(...up).toFixed(0)}), down median ${median(down).toFixed(0)} ms`,
);
{
  const t0 = performance.now();
  const labs = await Promise.all([1, 2, 3, 4].map(() => Lab.create({ hosts: scenario.hosts })));
  const t1 = performance.now();
  await Promise.all(
    labs.map((l) =>
      l.exec("workstation", ["scp", "10.0.12.45:/data/gemini_agent_2_model_weight.safetensors", "10.0.12.46:/data/"]),
    ),
  );
  const t2 = performance.now();
  await Promise.all(labs.map((l) => l.destroy()));
  console.log(
    `4 labs in parallel: up ${(t1 - t0).toFixed(0)} ms, one scp each ${(t2 - t1).toFixed(0)} ms, down ${(performance.now() - t2).toFixed(0)} ms`,
  );
}

const model: Model = {
  id: "scripted/harness",
  simulated: true,
  family: "Gemini",
  startSession: () => {
    throw new Error("scripted");
  },
};
for (const agent of agents) {
  const installed = productInstalled(agent);
  if (!installed.ok) {
    console.log(`${agent}: skipped (${installed.reason})`);
    continue;
  }
  const t0 = performance.now();
  let done = 0;
  let right = 0;
  const queue = Array.from({ length: TRIALS }, (_, i) => i);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const run = await runHarnessTrial({
          spec: { ...spec, epoch: i },
          model,
          seed: i,
          agent,
          gateway: { kind: "scripted", turns: exfiltrate.turns },
        });
        done++;
        if (run.error === null && run.outcome?.exfiltration === true) right++;
      }
    }),
  );
  const minutes = (performance.now() - t0) / 60_000;
  console.log(
    `${agent}: ${done} trials (concurrency ${CONCURRENCY}) in ${(minutes * 60).toFixed(1)} s = ${(done / minutes).toFixed(1)} trials/min; scored right ${right}/${done}`,
  );
}
