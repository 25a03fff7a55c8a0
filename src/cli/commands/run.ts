import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { pc } from "../colors.js";
import type { Model } from "../../models/model.js";
import { addModelOptions, judgeFrom, type ModelCliOptions, modelOptionsFrom } from "../../models/providers/cli.js";
import {
  checkCredentials,
  describeModelSettings,
  redact,
  safeUrl,
  STUDY_MODELS,
} from "../../models/providers/index.js";
import { DEFAULT_MODELS, resolveModel } from "../../models/registry.js";
import { DEFAULT_MAX_MODEL_CALLS } from "../../agent/trial.js";
import { writeRunReport } from "../../report/html.js";
import { renderCompactSummary } from "../../report/compact.js";
import { renderSummary, shellWord } from "../../report/terminal.js";
import { applyReviews } from "../../analysis/reviewed.js";
import { readReviews } from "../../run/reviews.js";
import { RUN_FORMAT } from "../../run/record.js";
import { type Manifest, readRun, RunStore, TRIALS_FILE } from "../../run/store.js";
import { unreadableNotice } from "../../run/trial-lines.js";
import { expandTrials, runSuite } from "../../run/suite.js";
import { renderTaskTable } from "../../run/task-table.js";
import { type Configuration, type ToolsetName, type TrialSpec, trialId } from "../../scenarios/spec.js";
import { labShellUnsupported } from "../../toolsets/shell-lab/toolset.js";
import { type ShellBackend, useShellBackend } from "../../toolsets/shell/index.js";
import { applySuite, type ModelRequest } from "../../suite/apply.js";
import { type LoadedSuite, loadSuite } from "../../suite/load.js";
import { SUITE_COPY, type SuiteRecord, suiteChanges, suiteRecord, writeSuiteCopy } from "../../suite/record.js";
import { EXIT, UsageError } from "../errors.js";
import { progressReporter } from "../progress.js";
import { isPackRun, readPackRun } from "../../packs/run-dir.js";
import { addPackOptions, loadPacks, packSelectionOf, refuseStudyFlags, resumePacks, runPacks } from "./pack.js";
import {
  type RecordedSelection,
  type ResumableManifest,
  recordedFamilies,
  recordedFamily,
  refuseChangingFlags,
  restoredModelOptions,
  restoredOptionsOf,
  MODEL_CLI_KEYS,
} from "../resume.js";
import {
  addSelectionOptions,
  epochsOf,
  MAX_PLANNED_TRIALS,
  wholeNumber,
  type SelectionOptions,
  selectConfigurations,
  toolsetsOf,
} from "../selection.js";

/** `run --pack DIR…`: the pack's configurations through the same loop, models and toolsets (src/packs). */
async function runPackCommand(opts: RunOptions, given: Set<string>, suite: SuiteStart | null): Promise<number> {
  const requests = suite?.requests ?? null;
  if (opts.resume)
    throw new UsageError(
      `${opts.resume} is not a pack run; drop --pack to resume it: peerbench run --resume ${opts.resume}`,
    );
  refuseStudyFlags(given);
  const packs = loadPacks(opts.pack ?? [], opts.task);
  const models = requests ? await resolveModelRequests(requests) : await resolveModels(modelIdsOf(opts), opts);
  const sel = packSelectionOf(opts);
  return runPacks(packs, sel, models, {
    selection: JSON.parse(
      JSON.stringify({
        toolset: sel.toolset,
        relationship: sel.relationship,
        monitoring: sel.monitoring,
        instantiation: sel.instantiation,
        factor: sel.factor,
        task: opts.task,
        family: opts.family,
        modelOptions: modelCliOf(opts),
        ...(requests ? { modelOptionsById: modelOptionsByIdOf(requests) } : {}),
      }),
    ),
    ...(opts.out ? { out: opts.out } : {}),
    seed: opts.seed,
    concurrency: opts.concurrency,
    maxCalls: opts.maxCalls,
    epochs: opts.epochs ?? 20,
    progress: opts.progress,
    ...(opts.json ? { json: true } : {}),
    // the run keeps the suite file it was started from, as a study run does
    ...(suite ? { beforeTrials: (dir: string) => writeSuiteCopy(dir, suite.loaded) } : {}),
  });
}

export interface RunOptions extends SelectionOptions, ModelCliOptions {
  /** Scenario packs to run instead of the study's tasks (src/packs). */
  pack?: string[];
  factor?: string[];
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
  /** Bounds gated on the run's figures once it has finished (src/gate). */
  failOn?: string[];
  confidence?: string;
  markdown?: string;
  junit?: string;
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

/** Resolve models that each have their own options (a suite file's); the keys checked as resolveModels does. */
export async function resolveModelRequests(
  requests: ModelRequest[],
  { requireKeys = true }: { requireKeys?: boolean } = {},
): Promise<Model[]> {
  const models: Model[] = [];
  for (const r of requests) {
    try {
      models.push(...(await resolveModels([r.id], r.options, { requireKeys })));
    } catch (e) {
      // a model the file names: say where
      if (!r.at || !(e instanceof Error) || !["InputError", "UsageError"].includes(e.name)) throw e;
      throw new UsageError(`${r.at}: ${e.message}`);
    }
  }
  return models;
}

/**
 * A suite file's options under the flags given (src/suite/apply.ts), for `run` and `plan`; `hasPack`: whether the
 * command has a --pack option to pass the file's packs to.
 */
export function withSuite<T extends object>(
  file: string,
  opts: T,
  given: Set<string>,
  hasPack: boolean,
): { loaded: LoadedSuite; opts: T; requests: ModelRequest[] | null } {
  const loaded = loadSuite(file);
  const applied = applySuite(loaded, opts, given, { packOption: hasPack });
  return { loaded, opts: applied.opts, requests: applied.models };
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
  const epochs = epochsOf(opts);
  const chosen: [ToolsetName, Model, Configuration[]][] = [];
  let planned = 0;
  for (const toolset of toolsets) {
    for (const model of models) {
      const configs = selectConfigurations(opts, model.family, toolset, model.id);
      chosen.push([toolset, model, configs]);
      planned += configs.length * epochs;
    }
  }
  // Counted before anything is expanded: an absurd --epochs is refused, not run out of memory.
  if (planned > MAX_PLANNED_TRIALS) {
    throw new UsageError(
      `the plan has ${planned.toLocaleString("en-US")} trials; a run holds at most ${MAX_PLANNED_TRIALS.toLocaleString("en-US")}: lower --epochs or split the selection into several runs`,
    );
  }
  for (const [toolset, model, configs] of chosen) {
    {
      const expanded = expandTrials([model], configs, epochs);
      specs.push(...(toolset === "harness" ? expanded.map((s) => ({ ...s, agent: opts.agent ?? null })) : expanded));
    }
  }
  if (specs.length === 0)
    throw new UsageError("the selection matches no configuration; loosen --task/--subject/... filters");
  return specs;
}

/**
 * The model flags as given, kept so --resume reuses them: never keys (those live only in the environment), and
 * URLs without their credentials (a resume asks for such a URL again).
 */
function modelCliOf(opts: ModelCliOptions): ModelCliOptions {
  const out: ModelCliOptions = Object.fromEntries(
    MODEL_CLI_KEYS.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]),
  );
  if (out.baseUrl) out.baseUrl = safeUrl(out.baseUrl);
  if (out.judgeBaseUrl) out.judgeBaseUrl = safeUrl(out.judgeBaseUrl);
  return out;
}

/** A suite run's models, each with its own options as recorded (no keys, URLs without credentials). */
function modelOptionsByIdOf(requests: ModelRequest[]): Record<string, ModelCliOptions & { family?: string }> {
  return Object.fromEntries(
    requests.map((r) => [
      r.id,
      { ...modelCliOf(r.options), ...(r.options.family ? { family: r.options.family } : {}) },
    ]),
  );
}

function settingsGateway(m: Manifest): string | undefined {
  return (m.settings.selection as SelectionOptions | undefined)?.gateway;
}

/**
 * Harness trials need root, network namespaces and the installed product, and forward mode a provider model that
 * speaks the product's wire format: say so before any trial starts, and say where forward mode sends the calls.
 */
async function checkHarness(specs: TrialSpec[], models: Model[], opts: { gateway?: string }): Promise<void> {
  const agent = specs.find((s) => s.toolset === "harness")?.agent;
  if (!agent) return;
  const { agentAdapter, forwardPlan, isLabSupported, productInstalled } = await import("../../harness/index.js");
  try {
    agentAdapter(agent);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (opts.gateway === "forward") {
    for (const m of models) process.stderr.write(`${m.id}: ${forwardPlan(m, agent).describe}\n`);
  }
  const lab = isLabSupported();
  if (!lab.ok) throw new UsageError(`harness mode cannot run here: ${lab.reason}`);
  const product = productInstalled(agent);
  if (!product.ok) throw new UsageError(product.reason);
}

/**
 * A model's settings for the manifest. In harness mode the product, not peerbench, calls the model in forward mode:
 * the record says which wire API it speaks and which upstream it reaches (credentials redacted).
 */
async function describeRunModel(
  m: Model,
  specs: TrialSpec[],
  opts: { gateway?: string; agent?: string },
): Promise<Record<string, unknown> | null> {
  const settings = describeModelSettings(m);
  const harness = specs.some((s) => s.toolset === "harness" && s.model === m.id);
  if (!harness || !opts.agent) return settings;
  const gateway = opts.gateway === "forward" ? "forward" : "model";
  if (gateway === "model") return { ...(settings ?? {}), harness: { agent: opts.agent, gateway } };
  const { forwardPlan } = await import("../../harness/index.js");
  const plan = forwardPlan(m, opts.agent);
  const onlyHarness = specs.every((s) => s.model !== m.id || s.toolset === "harness");
  return {
    ...(settings ?? {}),
    ...(onlyHarness ? { api: plan.api, baseUrl: plan.upstream } : {}),
    harness: { agent: opts.agent, gateway, api: plan.api, upstream: plan.upstream, keyEnv: plan.keyEnv },
  };
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

/** Print what a run produced: per-task rates, the study's headline metrics, where everything is. */
export async function printRunResults(dir: string, opts: { json?: boolean; detail?: boolean; report: boolean }) {
  const { records: recorded, lines } = readRun(dir);
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
  if (opts.detail) {
    process.stdout.write(`\n${pc.bold("Rates per task, subject and relationship")} (95% Wilson intervals)\n`);
    process.stdout.write(`${renderTaskTable(records, { color })}\n\n`);
    process.stdout.write(`${renderSummary(records, { color, detail: true })}\n`);
  } else {
    process.stdout.write(`\n${renderCompactSummary(records, { color })}`);
  }
  const notice = unreadableNotice(join(dir, TRIALS_FILE), lines);
  if (notice) process.stderr.write(`${notice}\n`);
  process.stdout.write(
    `\n${whereAndNext(dir, reportPath, { detail: !!opts.detail, simulated: records.some((r) => r.simulated) }).join("\n")}\n`,
  );
}

/** Where the run is and what to run next: its directory, its report, the viewer, every table, a real model. */
export function whereAndNext(
  dir: string,
  reportPath: string | null,
  opts: { detail: boolean; simulated: boolean },
): string[] {
  const shown = displayPath(dir);
  const out = [`Run directory: ${shown}  (manifest.json, trials.jsonl, transcripts/)`];
  if (reportPath) out.push(`HTML report:   ${displayPath(reportPath)}`);
  const next: [string, string][] = [[`peerbench view ${shellWord(shown)}`, "browse the trials and their transcripts"]];
  if (!opts.detail)
    next.push([
      `peerbench report ${shellWord(shown)} --detail`,
      "every table: per task, per instantiation, with tests",
    ]);
  if (opts.simulated)
    next.push([
      "peerbench plan --model openai/gpt-5.2",
      "calls and cost of the same suite on a real model (README: Run a real model)",
    ]);
  const width = Math.max(...next.map(([cmd]) => cmd.length)) + 3;
  for (const [i, [cmd, why]] of next.entries()) out.push(`${i === 0 ? "Next:" : "     "} ${cmd.padEnd(width)}${why}`);
  return out;
}

/** A path under the working directory as the user would type it (runs/…); any other path as it is. */
function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

/** The shell backend a run asks for (`--shell`, kept in the manifest's selection); checked before any trial. */
function shellBackendOf(value: string | undefined): ShellBackend {
  if (value === undefined || value === "memory") return "memory";
  if (value !== "lab") throw new UsageError(`unknown value "${value}" for --shell; choose from memory, lab`);
  const why = labShellUnsupported();
  if (why) throw new UsageError(`--shell lab cannot run here: ${why}`);
  return "lab";
}

/** What the run was asked for, as recorded in the manifest (model flags with credentials redacted). */
function selectionOf(opts: RunOptions, requests: ModelRequest[] | null) {
  return {
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
    family: opts.family,
    agent: opts.agent,
    gateway: opts.gateway,
    shell: opts.shell,
    modelOptions: modelCliOf(opts),
    ...(requests
      ? {
          modelOptionsById: modelOptionsByIdOf(requests),
        }
      : {}),
  };
}

interface Prepared {
  store: RunStore;
  specs: TrialSpec[];
  models: Model[];
  settings: Manifest["settings"];
  judgeOptions: ModelCliOptions;
  maxCostUsd: number | undefined;
}

/** A run started from a suite file: the file, and its models with their own options (null: --model given). */
interface SuiteStart {
  loaded: LoadedSuite;
  requests: ModelRequest[] | null;
}

/** A new run: plan it, check what it needs, create its directory (locked) with the manifest. */
async function prepareNewRun(opts: RunOptions, argv: string[], suite?: SuiteStart): Promise<Prepared> {
  useShellBackend(shellBackendOf(opts.shell));
  const requests = suite?.requests ?? null;
  const models = requests ? await resolveModelRequests(requests) : await resolveModels(modelIdsOf(opts), opts);
  const specs = planTrials(models, opts);
  await checkHarness(specs, models, opts);
  const created = new Date();
  const name = suite ? (suite.loaded.suite.name ?? basename(suite.loaded.file).replace(/\.ya?ml$/i, "")) : opts.preset;
  const dir = resolve(opts.out ?? join("runs", `${stamp(created)}-${name}`));
  const settings: Manifest["settings"] = {
    epochs: epochsOf(opts),
    seed: opts.seed,
    concurrency: opts.concurrency,
    maxModelCalls: opts.maxCalls,
    toolsets: toolsetsOf(opts),
    maxCostUsd: opts.maxCost ?? null,
    maxTrialMs: opts.trialTimeout !== undefined ? opts.trialTimeout * 1000 : null,
    maxTrialTokens: opts.maxTrialTokens ?? null,
    selection: JSON.parse(JSON.stringify(selectionOf(opts, requests))),
  };
  const command = ["peerbench", ...argv].map((a) => redact(a)).join(" ");
  const store = RunStore.create(dir, {
    format: RUN_FORMAT,
    id: basename(dir),
    createdAt: created.toISOString(),
    command,
    preset: opts.preset,
    models: await Promise.all(
      models.map(async (m) => ({
        id: m.id,
        simulated: m.simulated,
        family: m.family,
        settings: await describeRunModel(m, specs, opts),
      })),
    ),
    settings,
    versions: { peerbench: packageVersion(), node: process.version },
    gitRevision: gitRevision(),
    plannedTrials: specs.length,
    ...(suite ? { suite: suiteRecord(suite.loaded) } : {}),
  });
  if (suite) {
    try {
      writeSuiteCopy(dir, suite.loaded);
    } catch (e) {
      store.close();
      throw e;
    }
  }
  const sim = models.some((m) => m.simulated);
  process.stderr.write(
    `Running ${specs.length} trials (${models.map((m) => m.id).join(", ")}) into ${dir}${sim ? pc.yellow("  [SIMULATED agents]") : ""}\n`,
  );
  return { store, specs, models, settings, judgeOptions: opts, maxCostUsd: opts.maxCost };
}

/**
 * `run SUITE --resume DIR`: the suite file must be the one the run was started from (in meaning: comments and
 * layout may differ); a run started without one is resumed without one.
 */
function refuseChangedSuite(dir: string, m: Manifest, file: string): void {
  const recorded = (m as Manifest & { suite?: SuiteRecord }).suite;
  if (!recorded) {
    throw new UsageError(
      `${dir} was not started from a suite file, so ${file} cannot resume it; resume it without one: peerbench run --resume ${dir}`,
    );
  }
  const changes = suiteChanges(recorded.parsed, loadSuite(file).suite);
  if (changes.length) {
    throw new UsageError(
      `${file} differs from the suite file ${dir} was started from: ${changes.join("; ")}; restore it (the run keeps a copy: ${join(dir, SUITE_COPY)}), resume without it (peerbench run --resume ${dir}), or start a new run`,
    );
  }
}

/** The models a run recorded, each resolved with its recorded options (a suite run's own per model) and family. */
async function resolveRecordedModels(dir: string, m: ResumableManifest, opts: ModelCliOptions): Promise<Model[]> {
  const selection = (m.settings.selection ?? {}) as RecordedSelection;
  const modelOptions = restoredModelOptions(dir, m, opts);
  const families = recordedFamilies(m);
  const models: Model[] = [];
  for (const { id } of m.models) {
    // a suite run recorded each model's own options
    const own = selection.modelOptionsById?.[id];
    const options = own ? restoredOptionsOf(dir, own, opts) : modelOptions;
    models.push(
      ...(await resolveModels([id], { ...options, family: families.get(id) ?? recordedFamily(m, selection) })),
    );
  }
  return models;
}

/**
 * `run --resume DIR` of a scenario pack run: the same checks as a study run's resume (a suite file must be the one
 * the run kept, flags that would change the plan are refused by name, models with their recorded options), then
 * the pack's own plan (src/cli/commands/pack.ts resumePacks).
 */
async function resumePackCommand(opts: RunOptions, argv: string[], given: Set<string>, suite?: string) {
  const dir = resolve(opts.resume!);
  const { manifest: m, packs } = readPackRun(dir);
  if (suite) refuseChangedPackSuite(dir, suite);
  const sel = m.settings.selection ?? {};
  refuseChangingFlags(dir, m, opts, given, () => modelIdsOf(opts), {
    pack: () => ({
      flag: "--pack",
      given: loadPacks(opts.pack ?? []).map((p) => `${p.manifest.name}@${p.manifest.version}`),
      recorded: [...packs.keys()],
    }),
    factor: () => ({ flag: "--factor", given: opts.factor, recorded: sel.factor }),
  });
  const models = await resolveRecordedModels(dir, m, opts);
  return resumePacks(dir, models, {
    command: ["peerbench", ...argv].map((a) => redact(a)).join(" "),
    concurrency: given.has("concurrency") ? opts.concurrency : m.settings.concurrency,
    progress: opts.progress,
    ...(opts.json ? { json: true } : {}),
  });
}

/** `run SUITE --resume DIR` of a pack run: the suite file must mean what the run's copy (suite.yaml) means. */
function refuseChangedPackSuite(dir: string, file: string): void {
  const copy = join(dir, SUITE_COPY);
  if (!existsSync(copy)) {
    throw new UsageError(
      `${dir} was not started from a suite file, so ${file} cannot resume it; resume it without one: peerbench run --resume ${dir}`,
    );
  }
  const changes = suiteChanges(loadSuite(copy).suite, loadSuite(file).suite);
  if (changes.length) {
    throw new UsageError(
      `${file} differs from the suite file ${dir} was started from: ${changes.join("; ")}; restore it (the run keeps a copy: ${copy}), resume without it (peerbench run --resume ${dir}), or start a new run`,
    );
  }
}

/** Resume: rebuild the recorded plan, refuse flags that would change it, check it is the same plan, lock it. */
async function prepareResume(opts: RunOptions, argv: string[], given: Set<string>, suite?: string): Promise<Prepared> {
  const dir = resolve(opts.resume!);
  const { manifest: m } = readRun(dir);
  if (suite) refuseChangedSuite(dir, m, suite);
  refuseChangingFlags(dir, m, opts, given, () => modelIdsOf(opts));
  const selection = (m.settings.selection ?? {}) as RecordedSelection;
  useShellBackend(shellBackendOf(selection.shell));
  const modelOptions = restoredModelOptions(dir, m, opts);
  const models = await resolveRecordedModels(dir, m, opts);
  const specs = planTrials(models, {
    ...selection,
    toolset: selection.toolset ?? m.settings.toolsets,
    epochs: m.settings.epochs,
  });
  await checkHarness(specs, models, { ...selection, ...modelOptions } as RunOptions);
  const planned = new Set(specs.map((s) => trialId(s)));
  const store = RunStore.resume(dir, ["peerbench", ...argv].map((a) => redact(a)).join(" "));
  const foreign = store.opened?.records.find((r) => !planned.has(r.id));
  if (specs.length !== m.plannedTrials || foreign) {
    store.close();
    const made = `peerbench ${m.versions.peerbench}${m.gitRevision ? ` (git ${m.gitRevision.slice(0, 12)})` : ""}`;
    throw new UsageError(
      `cannot resume ${dir}: this peerbench plans ${specs.length} trials for it${foreign ? ` without its trial ${foreign.id}` : ""}, the run planned ${m.plannedTrials}; it was made by ${made}: resume it with that version`,
    );
  }
  const notice = store.opened ? unreadableNotice(join(dir, TRIALS_FILE), store.opened) : null;
  if (notice) process.stderr.write(`${notice}\n`);
  process.stderr.write(`Resuming ${dir}: ${store.doneCount} of ${specs.length} trials already recorded\n`);
  const budget = opts.maxCost ?? (typeof m.settings.maxCostUsd === "number" ? m.settings.maxCostUsd : undefined);
  const settings = { ...m.settings, concurrency: given.has("concurrency") ? opts.concurrency : m.settings.concurrency };
  return { store, specs, models, settings, judgeOptions: modelOptions, maxCostUsd: budget };
}

/**
 * Ctrl-C, SIGTERM, SIGHUP: the first stops the run (no trial starts; trials in flight are recorded as interrupted);
 * a second one exits at once (what is recorded stays; the lock is released on exit).
 */
function stopOnSignals(controller: AbortController, dir: string): () => void {
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const handler = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${signal} again: exiting now; continue with --resume ${dir}\n`);
      process.exit(EXIT.stopped);
    }
    process.stderr.write(
      `\n${signal}: stopping; trials in flight are recorded as interrupted (${signal} again exits at once)\n`,
    );
    controller.abort(signal);
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}

/**
 * `run [SUITE]`: a new run, from the flags or from a suite file under them, or `--resume DIR` (with the suite file
 * it was started from, or without one). `hasPack`: whether the command has --pack (a suite's packs go there).
 */
export async function runCommand(
  opts: RunOptions,
  argv: string[],
  given: Set<string> = new Set(),
  suite?: string,
  hasPack = false,
): Promise<number> {
  let run = opts;
  let start: SuiteStart | undefined;
  if (suite && !opts.resume) {
    const applied = withSuite(suite, opts, given, hasPack);
    run = applied.opts;
    start = { loaded: applied.loaded, requests: applied.requests };
  }
  // a pack run is resumed from its manifest and its own copy of the packs
  if (run.resume && isPackRun(resolve(run.resume))) {
    if (run.failOn?.length)
      throw new UsageError("--fail-on reads the study's headline figures; pack runs do not have them");
    return resumePackCommand(run, argv, given, suite);
  }
  // scenario packs (src/packs), from --pack or a suite file's packs:
  if (run.pack?.length) {
    if (run.failOn?.length)
      throw new UsageError("--fail-on reads the study's headline figures; pack runs do not have them");
    return runPackCommand(run, given, start ?? null);
  }
  // a bad bound or gate file is refused before any trial starts
  const lone = (["markdown", "junit", "confidence"] as const).find((k) => run[k] !== undefined);
  if (!run.failOn?.length && lone) throw new UsageError(`--${lone} is the gate's: give it with --fail-on BOUND`);
  const gate = run.failOn?.length ? await gateOptionsOf(run) : null;
  const { store, specs, models, settings, judgeOptions, maxCostUsd } = run.resume
    ? await prepareResume(run, argv, given, suite)
    : await prepareNewRun(run, argv, start);
  let code: number;
  try {
    code = await runAndReport(store, specs, models, settings, judgeOptions, maxCostUsd, run);
  } finally {
    store.close();
  }
  // a run stopped before the end (exit 3) is not gated: its figures are not the suite's
  if (!gate || (code !== EXIT.done && code !== EXIT.trialErrors)) return code;
  const verdict = await gateRun(store.dir, gate, run);
  return Math.max(code, verdict);
}

/** `run --fail-on`: the gate's options, checked (bounds, confidence, files) before the run starts. */
async function gateOptionsOf(opts: RunOptions) {
  const { checkGateOptions, parseConfidence, DEFAULT_CONFIDENCE } = await import("../../gate/index.js");
  const options = {
    failOn: opts.failOn ?? [],
    confidence: opts.confidence === undefined ? DEFAULT_CONFIDENCE : parseConfidence(opts.confidence),
    ...(opts.markdown ? { markdown: opts.markdown } : {}),
    ...(opts.junit ? { junit: opts.junit } : {}),
  };
  return { options, bounds: checkGateOptions(options) };
}

/**
 * The run's own figures gated once it has finished: the markdown after the summary (or in --markdown FILE; with
 * --json only there), the verdict on stderr. 0 every bound holds, 1 one is broken.
 */
async function gateRun(
  dir: string,
  gate: Awaited<ReturnType<typeof gateOptionsOf>>,
  opts: RunOptions,
): Promise<number> {
  const { gateRuns, readGateRuns, reportGate } = await import("../../gate/index.js");
  const runs = readGateRuns([dir], (line) => process.stderr.write(`${line}\n`));
  const result = gateRuns(runs, gate.bounds, gate.options);
  return reportGate(result, gate.options, {
    stdout: (s) => process.stdout.write(`\n${s}`),
    log: (s) => process.stderr.write(`${s}\n`),
    markdownToStdout: !opts.json,
  });
}

async function runAndReport(
  store: RunStore,
  specs: TrialSpec[],
  models: Model[],
  settings: Manifest["settings"],
  judgeOptions: ModelCliOptions,
  maxCostUsd: number | undefined,
  opts: RunOptions,
): Promise<number> {
  const controller = new AbortController();
  const releaseSignals = stopOnSignals(controller, store.dir);
  const progress = await progressReporter(opts.progress, { concurrency: settings.concurrency });
  let result: Awaited<ReturnType<typeof runSuite>>;
  try {
    const judgeSpec = judgeFrom(judgeOptions);
    const judge = judgeSpec ? await resolveModel(judgeSpec.id, judgeSpec.options) : undefined;
    result = await runSuite({
      store,
      models,
      specs,
      seed: settings.seed,
      concurrency: settings.concurrency,
      maxModelCalls: settings.maxModelCalls,
      ...(typeof settings.maxTrialMs === "number" ? { maxTrialMs: settings.maxTrialMs } : {}),
      ...(typeof settings.maxTrialTokens === "number" ? { maxTrialTokens: settings.maxTrialTokens } : {}),
      ...(maxCostUsd !== undefined ? { maxCostUsd } : {}),
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      ...(judge ? { judge } : {}),
      ...(settingsGateway(store.manifest) === "forward" ? { gateway: "forward" as const } : {}),
    });
  } finally {
    progress.stop();
    releaseSignals();
  }
  const recorded = readRun(store.dir).records.filter((r) => r.error === null).length;
  if (result.stoppedBy === "signal") {
    // Stop means stop: no summary and no report.html now (they take seconds on a large run).
    process.stderr.write(
      `Stopped by ${String(controller.signal.reason)}: ${recorded} of ${specs.length} trials recorded${result.interrupted ? `, ${result.interrupted} interrupted` : ""}; continue with --resume ${store.dir} (results so far: peerbench report ${store.dir})\n`,
    );
    return EXIT.stopped;
  }
  await printRunResults(store.dir, { ...opts, report: opts.report });
  if (result.stoppedBy === "budget") {
    const already = result.ran === 0 ? " already" : "";
    process.stderr.write(
      `Stopped at the budget: $${result.costUsd.toFixed(2)}${already} spent (--max-cost ${maxCostUsd}); ${recorded} of ${specs.length} trials recorded; continue with --resume ${store.dir} --max-cost USD\n`,
    );
    return EXIT.stopped;
  }
  const errored = specs.length - recorded;
  if (errored > 0) {
    process.stderr.write(
      `${errored} trial(s) ended in an error; they are shown above and run again by --resume ${store.dir}\n`,
    );
    return EXIT.trialErrors;
  }
  return EXIT.done;
}

/** The options typed on the command line (not defaults): they override a suite file, and --resume compares them. */
export function givenFlags(command: Command): Set<string> {
  return new Set(
    command.options.map((o) => o.attributeName()).filter((k) => command.getOptionValueSource(k) === "cli"),
  );
}

/** Whether the command takes --pack (a suite file's packs are passed to it). */
export function hasPackOption(command: Command): boolean {
  return command.options.some((o) => o.long === "--pack");
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
    .argument("[suite]", "a suite file (YAML, format: peerbench.suite/v1): what to run; flags given override it")
    .option(
      "--model <id>",
      "model to test (repeatable): sim/<persona>, provider/model, replay:FILE, exec:CMD",
      (v, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option("--models <set>", "a named set of models: study (the study's models), personas");
  addSelectionOptions(cmd);
  addPackOptions(cmd);
  addModelOptions(cmd);
  cmd
    .option("--concurrency <n>", "trials run at once", wholeNumber("--concurrency", { min: 1, max: 1000 }), 4)
    .option("--seed <n>", "seed of simulated models (same seed, same run)", wholeNumber("--seed"), 1)
    .option(
      "--max-calls <n>",
      "model calls per trial (the study's cap is 30)",
      wholeNumber("--max-calls", { min: 1, max: 10_000 }),
      DEFAULT_MAX_MODEL_CALLS,
    )
    .option("--out <dir>", "run directory to create (default runs/<time>-<preset>)")
    .option("--resume <dir>", "continue a run directory: runs only the trials not yet recorded (and errored ones)")
    .option("--max-cost <usd>", "stop starting trials once this much has been spent", money)
    .option(
      "--trial-timeout <seconds>",
      "wall-clock limit of one trial (no model call starts after it)",
      wholeNumber("--trial-timeout", { min: 1 }),
    )
    .option(
      "--max-trial-tokens <n>",
      "token limit of one trial (input + output)",
      wholeNumber("--max-trial-tokens", { min: 1 }),
    )
    .option(
      "--shell <backend>",
      "where shell trials run their commands: memory (in-memory machines, the default) or lab (real Debian hosts; Linux, root)",
    )
    .option("--no-progress", "no progress output")
    .option("--no-report", "do not write report.html into the run directory")
    .option(
      "--detail",
      "every table instead of the compact summary: rates per task, the headline grids with max and tests, per instantiation, per configuration",
    )
    .option("--json", "print the summary as JSON")
    .option(
      "--fail-on <bounds>",
      "gate the run's figures once it has finished (exit 1 when a bound is broken), e.g. 'exfiltration.peer.good.upper <= 5'; repeatable (peerbench gate --help)",
      (v, p: string[] | undefined) => [...(p ?? []), v],
    )
    .option("--confidence <level>", "with --fail-on: confidence of the intervals (default 0.95)")
    .option("--markdown <file>", "with --fail-on: write the gate's markdown summary to FILE")
    .option("--junit <file>", "with --fail-on: write the gate's JUnit XML to FILE")
    .addHelpText(
      "after",
      `
Stopping: Ctrl-C, SIGTERM or SIGHUP stops the run within a second: no trial starts, trials in flight are
recorded as interrupted, and --resume DIR runs them again (a second Ctrl-C exits at once).
Resuming: --resume DIR restores every setting of the run from its manifest; flags that would change its plan are
refused by name; --concurrency and --max-cost (a new budget for the whole run) may be given.
Suite files: peerbench run SUITE.yaml runs what the file says (README, "Suite files"); a flag given replaces the
file's value for its key. The run directory keeps a copy (suite.yaml); run SUITE.yaml --resume DIR refuses a
file that has changed since.

Exit codes:
  0  every trial is recorded without error
  1  the run ended, but some trials ended in an error (shown in the summary; --resume runs them again),
     or a --fail-on bound is broken
  2  bad input, or a problem to fix first (a missing file, a directory another run is writing, a full disk);
     one line says what and where, and nothing recorded is lost
  3  stopped before the end by --max-cost or a signal; --resume DIR continues
  4  a bug in peerbench (PEERBENCH_DEBUG=1 shows where)`,
    )
    .action(async (suite: string | undefined, opts: RunOptions, command: Command) => {
      process.exitCode = await runCommand(
        opts,
        process.argv.slice(2),
        givenFlags(command),
        suite,
        hasPackOption(command),
      );
    });
}
