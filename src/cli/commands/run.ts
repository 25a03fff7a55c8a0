import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { pc } from "../colors.js";
import type { Model } from "../../models/model.js";
import { addModelOptions, judgeFrom, type ModelCliOptions, modelOptionsFrom } from "../../models/providers/cli.js";
import { checkCredentials, describeModelSettings, STUDY_MODELS } from "../../models/providers/index.js";
import { DEFAULT_MODELS, resolveModel } from "../../models/registry.js";
import { DEFAULT_MAX_MODEL_CALLS } from "../../agent/trial.js";
import { writeRunReport } from "../../report/html.js";
import { renderSummary } from "../../report/terminal.js";
import { applyReviews } from "../../analysis/reviewed.js";
import { readReviews } from "../../run/reviews.js";
import { RUN_FORMAT } from "../../run/record.js";
import { type Manifest, readRun, RunStore } from "../../run/store.js";
import { expandTrials, runSuite, type SuiteProgress } from "../../run/suite.js";
import { renderTaskTable } from "../../run/task-table.js";
import type { TrialSpec } from "../../scenarios/spec.js";
import { labShellUnsupported } from "../../toolsets/shell-lab/toolset.js";
import { type ShellBackend, useShellBackend } from "../../toolsets/shell/index.js";
import { UsageError } from "../errors.js";
import {
  addSelectionOptions,
  epochsOf,
  positiveInt,
  type SelectionOptions,
  selectConfigurations,
  toolsetsOf,
} from "../selection.js";

export interface RunOptions extends SelectionOptions, ModelCliOptions {
  model?: string[];
  models?: string;
  concurrency: number;
  seed: number;
  maxCalls: number;
  out?: string;
  resume?: string;
  maxCost?: number;
  trialTimeout?: number;
  maxTrialTokens?: number;
  /** Where shell trials run their commands: memory (default) or lab. */
  shell?: string;
  progress: boolean;
  report: boolean;
  json?: boolean;
  detail?: boolean;
}

const MODEL_SETS: Record<string, () => string[]> = {
  study: () => STUDY_MODELS,
  personas: () => DEFAULT_MODELS,
};

export function modelIdsOf(opts: { model?: string[]; models?: string }): string[] {
  const ids = [...(opts.model ?? [])];
  if (opts.models) {
    const set = MODEL_SETS[opts.models];
    if (!set)
      throw new UsageError(
        `unknown model set "${opts.models}" for --models; choose ${Object.keys(MODEL_SETS).join(", ")}`,
      );
    ids.push(...set());
  }
  return ids.length ? [...new Set(ids)] : DEFAULT_MODELS;
}

export async function resolveModels(
  ids: string[],
  opts: ModelCliOptions & { family?: string },
  { requireKeys = true }: { requireKeys?: boolean } = {},
): Promise<Model[]> {
  const options = { ...modelOptionsFrom(opts), ...(opts.family ? { family: opts.family } : {}) };
  const models: Model[] = [];
  for (const id of ids) models.push(await resolveModel(id, options));
  const judge = judgeFrom(opts);
  const missing = [
    ...new Set([...checkCredentials(models, options), ...(judge ? checkCredentials([judge.id], judge.options) : [])]),
  ];
  if (missing.length && requireKeys) {
    throw new UsageError(
      `missing API key: set ${missing.join(", ")} in the environment before running (no trial was started)`,
    );
  }
  return models;
}

export function planTrials(models: Model[], opts: SelectionOptions): TrialSpec[] {
  const specs: TrialSpec[] = [];
  const toolsets = toolsetsOf(opts);
  if (toolsets.includes("harness") && !opts.agent) {
    throw new UsageError("--toolset harness needs --agent (gemini-cli, opencode, claude-code, codex or qwen-code)");
  }
  if (opts.gateway !== undefined && opts.gateway !== "model" && opts.gateway !== "forward") {
    throw new UsageError(`unknown value "${opts.gateway}" for --gateway; choose from model, forward`);
  }
  for (const toolset of toolsets) {
    for (const model of models) {
      const configs = selectConfigurations(opts, model.family, toolset);
      const expanded = expandTrials([model], configs, epochsOf(opts));
      specs.push(...(toolset === "harness" ? expanded.map((s) => ({ ...s, agent: opts.agent ?? null })) : expanded));
    }
  }
  if (specs.length === 0)
    throw new UsageError("the selection matches no configuration; loosen --task/--subject/... filters");
  return specs;
}

const MODEL_CLI_KEYS = [
  "baseUrl",
  "apiKeyEnv",
  "temperature",
  "maxOutputTokens",
  "reasoningEffort",
  "thinkingBudget",
  "openaiApi",
  "maxRetries",
  "timeout",
  "cache",
  "prices",
  "judge",
  "judgeBaseUrl",
] as const;

/** The model flags as given (never keys: those live only in the environment), kept so --resume reuses them. */
function modelCliOf(opts: ModelCliOptions): ModelCliOptions {
  return Object.fromEntries(MODEL_CLI_KEYS.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

function settingsGateway(m: Manifest): string | undefined {
  return (m.settings.selection as SelectionOptions | undefined)?.gateway;
}

/** Harness trials need root, network namespaces and the installed product: say so before any trial starts. */
async function checkHarness(specs: TrialSpec[]): Promise<void> {
  const agent = specs.find((s) => s.toolset === "harness")?.agent;
  if (!agent) return;
  const { agentAdapter, isLabSupported, productInstalled } = await import("../../harness/index.js");
  try {
    agentAdapter(agent);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const lab = isLabSupported();
  if (!lab.ok) throw new UsageError(`harness mode cannot run here: ${lab.reason}`);
  const product = productInstalled(agent);
  if (!product.ok) throw new UsageError(product.reason);
}

function gitRevision(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

/** Progress: a bar with ETA on a terminal, a plain line every 10% (or 15 s) otherwise. */
function progressReporter(enabled: boolean): { update: (p: SuiteProgress) => void; stop: () => void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: "{bar} {value}/{total} trials | {percentage}% | ETA {eta_formatted} | errors {errors} | USD {cost}",
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update: (p) => {
        if (!started) {
          bar.start(p.total, p.done, { errors: p.errors, cost: p.costUsd.toFixed(2) });
          started = true;
        } else bar.update(p.done, { errors: p.errors, cost: p.costUsd.toFixed(2) });
      },
      stop: () => bar.stop(),
    };
  }
  let lastPct = -1;
  let lastAt = 0;
  const t0 = Date.now();
  return {
    update: (p) => {
      const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
      const now = Date.now();
      if (Math.floor(pct / 10) === Math.floor(lastPct / 10) && now - lastAt < 15_000 && p.done !== p.total) return;
      lastPct = pct;
      lastAt = now;
      const rate = (now - t0) / Math.max(1, p.done);
      const eta = p.done ? Math.round(((p.total - p.done) * rate) / 1000) : 0;
      process.stderr.write(`progress: ${p.done}/${p.total} trials (${pct}%), errors ${p.errors}, ETA ${eta}s\n`);
    },
    stop: () => undefined,
  };
}

/** Print what a run produced: per-task rates, the study's headline metrics, where everything is. */
export async function printRunResults(dir: string, opts: { json?: boolean; detail?: boolean; report: boolean }) {
  const { records: recorded, skippedLines } = readRun(dir);
  // keys reviewed by hand (peerbench review) are in force in the summary, as in every report
  const records = applyReviews(recorded, readReviews(dir, { skipInvalid: true }).reviews, dir);
  let reportPath: string | null = null;
  if (opts.report) reportPath = await writeRunReport(dir);
  if (opts.json) {
    const { renderSummaryJson } = await import("../../report/terminal.js");
    process.stdout.write(`${JSON.stringify({ runDir: dir, summary: renderSummaryJson(records) }, null, 2)}\n`);
    return;
  }
  const color = !!process.stdout.isTTY;
  process.stdout.write(`\n${pc.bold("Rates per task, subject and relationship")} (95% Wilson intervals)\n`);
  process.stdout.write(`${renderTaskTable(records, { color })}\n\n`);
  process.stdout.write(`${renderSummary(records, { color, detail: !!opts.detail })}\n`);
  if (skippedLines) process.stdout.write(`${skippedLines} unreadable line(s) in trials.jsonl were ignored\n`);
  process.stdout.write(`\nRun directory: ${dir}\n`);
  if (reportPath) process.stdout.write(`HTML report:   ${reportPath}\n`);
}

/** The shell backend a run asks for (`--shell`, kept in the manifest's selection); checked before any trial. */
function shellBackendOf(value: string | undefined): ShellBackend {
  if (value === undefined || value === "memory") return "memory";
  if (value !== "lab") throw new UsageError(`unknown value "${value}" for --shell; choose from memory, lab`);
  const why = labShellUnsupported();
  if (why) throw new UsageError(`--shell lab cannot run here: ${why}`);
  return "lab";
}

export async function runCommand(opts: RunOptions, argv: string[]): Promise<number> {
  let store: RunStore;
  let specs: TrialSpec[];
  let models: Model[];
  let settings: Manifest["settings"];
  const controller = new AbortController();

  if (opts.resume) {
    const dir = resolve(opts.resume);
    store = RunStore.resume(dir);
    const m = store.manifest;
    const selection = m.settings.selection as SelectionOptions & { modelOptions?: ModelCliOptions };
    models = await resolveModels(
      m.models.map((x) => x.id),
      { ...(selection.modelOptions ?? {}), family: m.models.find((x) => x.simulated)?.family ?? "Gemini" },
    );
    settings = m.settings;
    useShellBackend(shellBackendOf((selection as { shell?: string }).shell));
    specs = planTrials(models, selection);
    process.stderr.write(`Resuming ${dir}: ${store.doneCount} of ${specs.length} trials already recorded\n`);
  } else {
    useShellBackend(shellBackendOf(opts.shell));
    models = await resolveModels(modelIdsOf(opts), opts);
    specs = planTrials(models, opts);
    await checkHarness(specs);
    const created = new Date();
    const dir = resolve(opts.out ?? join("runs", `${stamp(created)}-${opts.preset}`));
    const selection = {
      preset: opts.preset,
      task: opts.task,
      subject: opts.subject,
      relationship: opts.relationship,
      instantiation: opts.instantiation,
      dataset: opts.dataset,
      monitoring: opts.monitoring,
      control: opts.control,
      toolset: toolsetsOf(opts),
      epochs: epochsOf(opts),
      agent: opts.agent,
      gateway: opts.gateway,
      shell: opts.shell,
      modelOptions: modelCliOf(opts),
    };
    settings = {
      epochs: epochsOf(opts),
      seed: opts.seed,
      concurrency: opts.concurrency,
      maxModelCalls: opts.maxCalls,
      toolsets: toolsetsOf(opts),
      maxCostUsd: opts.maxCost ?? null,
      maxTrialMs: opts.trialTimeout !== undefined ? opts.trialTimeout * 1000 : null,
      maxTrialTokens: opts.maxTrialTokens ?? null,
      selection: JSON.parse(JSON.stringify(selection)),
    };
    store = RunStore.create(dir, {
      format: RUN_FORMAT,
      id: basename(dir),
      createdAt: created.toISOString(),
      command: ["peerbench", ...argv].join(" "),
      preset: opts.preset,
      models: models.map((m) => ({
        id: m.id,
        simulated: m.simulated,
        family: m.family,
        settings: describeModelSettings(m),
      })),
      settings,
      versions: { peerbench: packageVersion(), node: process.version },
      gitRevision: gitRevision(),
      plannedTrials: specs.length,
    });
    const sim = models.some((m) => m.simulated);
    process.stderr.write(
      `Running ${specs.length} trials (${models.map((m) => m.id).join(", ")}) into ${dir}${sim ? pc.yellow("  [SIMULATED agents]") : ""}\n`,
    );
  }

  const onSignal = () => {
    process.stderr.write(`\nInterrupted: finishing trials in flight; continue later with --resume ${store.dir}\n`);
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const judgeSpec = judgeFrom(
    opts.resume
      ? ((store.manifest.settings.selection as { modelOptions?: ModelCliOptions })?.modelOptions ?? {})
      : opts,
  );
  const judge = judgeSpec ? await resolveModel(judgeSpec.id, judgeSpec.options) : undefined;
  const progress = progressReporter(opts.progress);
  const result = await runSuite({
    store,
    models,
    specs,
    seed: settings.seed,
    concurrency: settings.concurrency,
    maxModelCalls: settings.maxModelCalls,
    ...(typeof settings.maxTrialMs === "number" ? { maxTrialMs: settings.maxTrialMs } : {}),
    ...(typeof settings.maxTrialTokens === "number" ? { maxTrialTokens: settings.maxTrialTokens } : {}),
    ...(opts.maxCost !== undefined ? { maxCostUsd: opts.maxCost } : {}),
    signal: controller.signal,
    onProgress: progress.update,
    ...(judge ? { judge } : {}),
    ...(settingsGateway(store.manifest) === "forward" ? { gateway: "forward" as const } : {}),
  });
  progress.stop();
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);

  await printRunResults(store.dir, { ...opts, report: opts.report });
  if (result.stoppedBy === "budget") {
    process.stderr.write(
      `Stopped at the budget: $${result.costUsd.toFixed(2)} spent (--max-cost ${opts.maxCost}); continue with --resume ${store.dir}\n`,
    );
  }
  if (result.stoppedBy === "signal") return 130;
  if (result.errors) {
    process.stderr.write(
      `${result.errors} trial(s) ended in an error; they are shown above and run again by --resume ${store.dir}\n`,
    );
  }
  return 0;
}

function money(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("--max-cost must be a positive number of USD");
  return n;
}

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .description("run the task suite against one or more models and write a run directory")
    .option(
      "--model <id>",
      "model to test (repeatable): sim/<persona>, provider/model, replay:FILE, exec:CMD",
      (v, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option("--models <set>", "a named set of models: study (the study's models), personas");
  addSelectionOptions(cmd);
  addModelOptions(cmd);
  cmd
    .option("--concurrency <n>", "trials run at once", positiveInt("--concurrency"), 4)
    .option("--seed <n>", "seed of simulated models (same seed, same run)", positiveInt("--seed"), 1)
    .option(
      "--max-calls <n>",
      "model calls per trial (the study's cap is 30)",
      positiveInt("--max-calls"),
      DEFAULT_MAX_MODEL_CALLS,
    )
    .option("--out <dir>", "run directory to create (default runs/<time>-<preset>)")
    .option("--resume <dir>", "continue a run directory: runs only the trials not yet recorded (and errored ones)")
    .option("--max-cost <usd>", "stop starting trials once this much has been spent", money)
    .option(
      "--trial-timeout <seconds>",
      "wall-clock limit of one trial (no model call starts after it)",
      positiveInt("--trial-timeout"),
    )
    .option("--max-trial-tokens <n>", "token limit of one trial (input + output)", positiveInt("--max-trial-tokens"))
    .option(
      "--shell <backend>",
      "where shell trials run their commands: memory (in-memory machines, the default) or lab (real Debian hosts; Linux, root)",
    )
    .option("--no-progress", "no progress output")
    .option("--no-report", "do not write report.html into the run directory")
    .option("--detail", "per-task detail in the summary")
    .option("--json", "print the summary as JSON")
    .action(async (opts: RunOptions) => {
      process.exitCode = await runCommand(opts, process.argv.slice(2));
    });
}
