import type { Command } from "commander";
import Table from "cli-table3";
import { estimatePlan } from "../../models/cost/index.js";
import { addModelOptions, modelOptionsFrom } from "../../models/providers/cli.js";
import { checkCredentials } from "../../models/providers/index.js";
import { countByTask } from "../../scenarios/matrix.js";
import { taskNames } from "../../tasks/index.js";
import { addSelectionOptions } from "../selection.js";
import { addPackOptions, loadPacks, packPlanText, packSelectionOf } from "./pack.js";
import type { ModelRequest } from "../../suite/apply.js";
import {
  givenFlags,
  hasPackOption,
  modelIdsOf,
  planTrials,
  type RunOptions,
  resolveModelRequests,
  resolveModels,
  withSuite,
} from "./run.js";

/**
 * What a run would do, before spending anything: configurations per task, trials, model calls and cost. `requests`:
 * the models of a suite file, each with its own options.
 */
export async function planCommand(
  opts: RunOptions,
  requests: ModelRequest[] | null = null,
  title?: string,
): Promise<number> {
  if (opts.pack?.length) {
    const models = requests
      ? await resolveModelRequests(requests, { requireKeys: false })
      : await resolveModels(modelIdsOf(opts), opts, { requireKeys: false });
    process.stdout.write(
      `${packPlanText(loadPacks(opts.pack, opts.task), packSelectionOf(opts), models, opts.epochs ?? 20)}\n`,
    );
    return 0;
  }
  // plan spends nothing, so it works without keys; it says which ones a run would need
  const models = requests
    ? await resolveModelRequests(requests, { requireKeys: false })
    : await resolveModels(modelIdsOf(opts), opts, { requireKeys: false });
  const missing = checkCredentials(models, modelOptionsFrom(opts));
  if (missing.length) process.stderr.write(`note: a run needs ${missing.join(", ")} set in the environment\n`);
  const prices = modelOptionsFrom(opts).prices;
  const specs = planTrials(models, opts);
  const perModel = new Map<string, number>();
  for (const s of specs) perModel.set(s.model, (perModel.get(s.model) ?? 0) + 1);

  const first = models[0];
  const configs = first ? specs.filter((s) => s.model === first.id && s.epoch === 0) : [];
  const counts = countByTask(configs);
  const table = new Table({ head: ["task", "configurations per model"], style: { head: [], border: [] } });
  for (const t of taskNames()) table.push([t, String(counts[t] ?? 0)]);
  table.push(["total", String(configs.length)]);
  process.stdout.write(`${title ? `${title}, preset` : "Preset"} "${opts.preset}":\n${table.toString()}\n`);
  const renamed = configs.filter((c) => c.peer_identity && c.peer_identity !== "same");
  if (renamed.length > 0) {
    const by = new Map<string, number>();
    for (const c of renamed) by.set(c.peer_identity!, (by.get(c.peer_identity!) ?? 0) + 1);
    const parts = [...by].map(([identity, n]) => `${identity} ${n}`).join(", ");
    process.stdout.write(
      `of which ${renamed.length} with the peer renamed (peer identity, the study's Table 5: ${parts}) for ${first!.id}\n`,
    );
  }
  process.stdout.write("\n");

  const costs = new Table({
    head: ["model", "trials", "expected model calls", "estimated cost (USD)"],
    style: { head: [], border: [] },
  });
  let total = 0;
  let assumptions = "";
  for (const [model, n] of perModel) {
    const est = estimatePlan(model, n, prices ? { prices } : {});
    const a = est.assumptions;
    assumptions = `Assumes ${a.expectedCallsPerTrial} model calls per trial of ${a.tokensPerCall.input.toLocaleString("en-US")} input and ${a.tokensPerCall.output.toLocaleString("en-US")} output tokens (no cache discount); prices: table version ${est.priceVersion}.`;
    if (est.costUsd !== null) total += est.costUsd;
    costs.push([
      model,
      String(n),
      String(est.expectedCalls),
      est.costUsd === null ? "no price in table" : `$${est.costUsd.toFixed(2)}`,
    ]);
  }
  process.stdout.write(`${costs.toString()}\n`);
  if (assumptions) process.stdout.write(`${assumptions}\n`);
  process.stdout.write(
    `Total: ${specs.length} trials, estimated $${total.toFixed(2)} (simulated and local models cost nothing).\n`,
  );
  return 0;
}

export function register(program: Command): void {
  const cmd = program
    .command("plan")
    .description("print configurations per task, trials, expected model calls and estimated cost; runs nothing")
    .argument("[suite]", "a suite file (YAML, format: peerbench.suite/v1) to estimate; flags given override it")
    .option("--model <id>", "model (repeatable)", (v, p: string[] | undefined) => [...(p ?? []), v])
    .option("--models <set>", "a named set of models: study, personas");
  addSelectionOptions(cmd);
  addPackOptions(cmd, "plan");
  addModelOptions(cmd);
  cmd.action(async (suite: string | undefined, opts: RunOptions, command: Command) => {
    if (!suite) {
      process.exitCode = await planCommand(opts);
      return;
    }
    const applied = withSuite(suite, opts, givenFlags(command), hasPackOption(command));
    process.exitCode = await planCommand(applied.opts, applied.requests, `Suite ${suite}`);
  });
}
