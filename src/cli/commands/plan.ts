import type { Command } from "commander";
import Table from "cli-table3";
import { estimatePlan } from "../../models/cost/index.js";
import { addModelOptions } from "../../models/providers/cli.js";
import { countByTask } from "../../scenarios/matrix.js";
import { TASKS } from "../../scenarios/spec.js";
import { addSelectionOptions } from "../selection.js";
import { modelIdsOf, planTrials, type RunOptions, resolveModels } from "./run.js";

/** What a run would do, before spending anything: configurations per task, trials, model calls and cost. */
export async function planCommand(opts: RunOptions): Promise<number> {
  const ids = modelIdsOf(opts);
  const models = await resolveModels(ids, opts).catch((e: Error) => {
    // plan must work without keys: say what is missing, estimate anyway
    if (!/missing API key/.test(e.message)) throw e;
    process.stderr.write(`note: ${e.message.replace(" (no trial was started)", "")}\n`);
    return resolveModels(ids, { ...opts, judge: undefined }).catch(() => null);
  });
  const specs = models ? planTrials(models, opts) : [];
  const perModel = new Map<string, number>();
  for (const s of specs) perModel.set(s.model, (perModel.get(s.model) ?? 0) + 1);

  const first = models?.[0];
  const configs = first ? specs.filter((s) => s.model === first.id && s.epoch === 0) : [];
  const counts = countByTask(configs);
  const table = new Table({ head: ["task", "configurations per model"], style: { head: [], border: [] } });
  for (const t of TASKS) table.push([t, String(counts[t])]);
  table.push(["total", String(configs.length)]);
  process.stdout.write(`Preset "${opts.preset}":\n${table.toString()}\n\n`);

  const costs = new Table({
    head: ["model", "trials", "expected model calls", "estimated cost (USD)"],
    style: { head: [], border: [] },
  });
  let total = 0;
  for (const [model, n] of perModel) {
    const est = estimatePlan(model, n);
    if (est.costUsd !== null) total += est.costUsd;
    costs.push([
      model,
      String(n),
      String(est.expectedCalls),
      est.costUsd === null ? "no price in table" : `$${est.costUsd.toFixed(2)}`,
    ]);
  }
  process.stdout.write(`${costs.toString()}\n`);
  process.stdout.write(
    `Total: ${specs.length} trials, estimated $${total.toFixed(2)} (simulated and local models cost nothing).\n`,
  );
  return 0;
}

export function register(program: Command): void {
  const cmd = program
    .command("plan")
    .description("print configurations per task, trials, expected model calls and estimated cost; runs nothing")
    .option("--model <id>", "model (repeatable)", (v, p: string[] | undefined) => [...(p ?? []), v])
    .option("--models <set>", "a named set of models: study, personas");
  addSelectionOptions(cmd);
  addModelOptions(cmd);
  cmd.action(async (opts: RunOptions) => {
    process.exitCode = await planCommand(opts);
  });
}
