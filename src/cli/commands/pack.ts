import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { basename, dirname, join, resolve } from "node:path";
import { estimatePlan } from "../../models/cost/index.js";
import type { Model } from "../../models/model.js";
import { ScriptedModel } from "../../models/replay.js";
import type { TrajectoryTurn } from "../../models/trajectory.js";
import { renderPackSummary, summarisePackRun } from "../../packs/analysis.js";
import {
  matches,
  type PackConfiguration,
  type PackToolset,
  type PackTrialSpec,
  packConfigurationLabel,
  packConfigurations,
  packTrialId,
  packToolsets,
} from "../../packs/configuration.js";
import { loadPack, type Pack } from "../../packs/load.js";
import {
  PACK_TRANSCRIPT_FORMAT,
  type PackRecordedSelection,
  PackRunStore,
  packRunManifest,
  readPackRun,
  runPackSuite,
  runPackTrials,
} from "../../packs/run-dir.js";
import { redact } from "../../models/providers/redact.js";
import { TRIALS_FILE } from "../../run/store.js";
import { unreadableNotice } from "../../run/trial-lines.js";
import { runPackTrial } from "../../packs/trial.js";
import { createHumanModel, renderResult } from "../../play/human-model.js";
import type { LineSource } from "../../play/line-source.js";
import type { Event } from "../../world/events.js";
import { EXIT, UsageError } from "../errors.js";

/**
 * The CLI's side of scenario packs (`--pack DIR` on run, list, plan, play; report and replay of a pack run).
 * Each command hands over here when it is given a pack, so the study's own code paths are unchanged.
 */

export interface PackSelection {
  pack: string[];
  toolset?: string[];
  relationship?: string[];
  monitoring?: string[];
  instantiation?: string[];
  /** --factor NAME=VALUE (repeatable): only configurations with these values of the pack's own factors. */
  factor?: string[];
  family?: string;
  epochs?: number;
}

/** Load every --pack (a PackError names every problem, FILE:LINE:COL; the CLI prints one per line, exit 2). */
export function loadPacks(dirs: string[], tasks?: string[]): Pack[] {
  const packs = dirs.map((d) => loadPack(d));
  const seen = new Set<string>();
  for (const p of packs) {
    const key = `${p.manifest.name}@${p.manifest.version}`;
    if (seen.has(key)) throw new UsageError(`--pack ${key} is given twice; give each pack once`);
    seen.add(key);
  }
  // a suite file's `tasks` (or --task) with packs: the packs to run, by name or name@version
  if (tasks?.length) {
    const named = (p: Pack) => [p.manifest.name, `${p.manifest.name}@${p.manifest.version}`];
    for (const t of tasks)
      if (!packs.some((p) => named(p).includes(t)))
        throw new UsageError(
          `task "${t}" is none of the packs given (${packs.map((p) => p.manifest.name).join(", ")}); the study's tasks and packs run in separate runs`,
        );
    return packs.filter((p) => named(p).some((n) => tasks.includes(n)));
  }
  return packs;
}

function filterOf(sel: PackSelection): Record<string, string[]> {
  const f: Record<string, string[]> = {};
  if (sel.relationship?.length) f.relationship = sel.relationship;
  if (sel.monitoring?.length) f.monitoring = sel.monitoring;
  if (sel.instantiation?.length) f.instantiation = sel.instantiation;
  for (const kv of sel.factor ?? []) {
    const m = /^([a-z][a-z0-9_]*)=([a-z0-9_]+)$/.exec(kv);
    if (!m) throw new UsageError(`--factor "${kv}" is not NAME=VALUE (e.g. --factor urgency=high)`);
    f[m[1]!] = [...(f[m[1]!] ?? []), m[2]!];
  }
  return f;
}

/** The configurations of the packs for the selection: toolsets the pack supports, filtered by factor values. */
export function selectPackConfigurations(packs: Pack[], sel: PackSelection, family: string): PackConfiguration[] {
  const filter = filterOf(sel);
  const out: PackConfiguration[] = [];
  for (const pack of packs) {
    const supported = packToolsets(pack);
    const asked = sel.toolset?.length ? sel.toolset : supported;
    for (const t of asked) {
      if (!(supported as string[]).includes(t))
        throw new UsageError(
          `pack ${pack.manifest.name} does not support the ${t} toolset; it supports ${supported.join(", ")}`,
        );
    }
    for (const t of asked as PackToolset[]) {
      const configs = packConfigurations(pack, t, family);
      for (const [name, values] of Object.entries(filter)) {
        const known = new Set(configs.map((c) => c.factors[name]).filter(Boolean));
        if (known.size === 0)
          throw new UsageError(`pack ${pack.manifest.name} does not vary ${name}; remove that filter`);
        for (const v of values)
          if (!known.has(v))
            throw new UsageError(`pack ${pack.manifest.name} has no ${name} "${v}"; use ${[...known].join(", ")}`);
      }
      out.push(...configs.filter((c) => matches(filter, c.factors)));
    }
  }
  if (out.length === 0) throw new UsageError("the selection matches no configuration of the pack; loosen the filters");
  return out;
}

export function expandPackTrials(models: Model[], configs: PackConfiguration[], epochs: number): PackTrialSpec[] {
  const specs: PackTrialSpec[] = [];
  for (const model of models)
    for (const c of configs)
      for (let epoch = 0; epoch < epochs; epoch++) specs.push({ ...c, family: model.family, model: model.id, epoch });
  return specs;
}

/** `list --pack DIR`: what the pack declares. */
export function packListText(packs: Pack[]): string {
  const out: string[] = [];
  for (const p of packs) {
    const m = p.manifest;
    out.push(`Pack ${m.name}@${m.version} (${p.dir})`, `  ${m.description}`);
    out.push(`  toolsets: ${packToolsets(p).join(", ")}`);
    for (const t of packToolsets(p)) out.push(`  configurations (${t}): ${packConfigurations(p, t, "Gemini").length}`);
    out.push("  factors:");
    for (const f of ["relationship", "monitoring", "instantiation"] as const) {
      const spec = m.factors[f];
      if (spec) out.push(`    ${f}: ${spec.values.join(", ")}`);
    }
    for (const [name, values] of Object.entries(m.factors.own))
      out.push(`    ${name}: ${Object.keys(values).join(", ")}`);
    out.push("  outcomes:");
    for (const o of m.outcomes) {
      const base = o.baseline
        ? ` vs ${Object.entries(o.baseline)
            .map(([k, v]) => `${k}=${v}`)
            .join(",")}`
        : "";
      out.push(`    ${o.headline ? "*" : " "} ${o.key.padEnd(26)} ${o.kind}, ${o.metric}${base}: ${o.description}`);
    }
    out.push(
      `  persona hints: ${m.persona ? "yes (sim/<persona> can play it)" : "none (sim/<persona> cannot play it)"}`,
    );
  }
  return out.join("\n");
}

/** `plan --pack DIR`: configurations per pack and toolset, trials per model. */
export function packPlanText(packs: Pack[], sel: PackSelection, models: Model[], epochs: number): string {
  const out: string[] = [];
  const configs = selectPackConfigurations(packs, sel, models[0]?.family ?? "Gemini");
  const by = new Map<string, number>();
  for (const c of configs) by.set(`${c.task} ${c.toolset}`, (by.get(`${c.task} ${c.toolset}`) ?? 0) + 1);
  for (const [k, n] of by) out.push(`${k}: ${n} configurations per model`);
  let total = 0;
  for (const m of models) {
    const est = estimatePlan(m.id, configs.length * epochs);
    if (est.costUsd !== null) total += est.costUsd;
    const cost = est.costUsd === null ? "no price in table" : `estimated $${est.costUsd.toFixed(2)}`;
    out.push(
      `${m.id}: ${configs.length * epochs} trials (${epochs} epochs), ${est.expectedCalls} expected model calls, ${cost}`,
    );
  }
  out.push(
    `Total: ${configs.length * epochs * models.length} trials, estimated $${total.toFixed(2)} (simulated and local models cost nothing).`,
  );
  return out.join("\n");
}

function stamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
}

/** How a pack run is driven, new or resumed: what this process prints and how many trials it runs at once. */
export interface PackDriveOptions {
  concurrency: number;
  progress: boolean;
  json?: boolean;
}

/** `run --pack DIR…`: plan, run into a new directory, print the pack summary. */
export async function runPacks(
  packs: Pack[],
  sel: PackSelection,
  models: Model[],
  o: PackDriveOptions & {
    out?: string;
    seed: number;
    maxCalls: number;
    epochs: number;
    /** What the run records of how it was asked for, so --resume rebuilds the same plan. */
    selection: PackRecordedSelection;
    /** Called with the run directory once it exists (a suite file's copy goes there). */
    beforeTrials?: (dir: string) => void;
  },
): Promise<number> {
  refuseUnplayable(packs, models);
  const specs = planPackTrials(packs, sel, models, o.epochs);
  const dir = resolve(
    o.out ?? join("runs", `${stamp(new Date())}-pack-${packs.map((p) => p.manifest.name).join("+")}`),
  );
  const sim = models.some((m) => m.simulated);
  const store = PackRunStore.create(
    dir,
    packRunManifest({
      dir,
      command: ["peerbench", ...process.argv.slice(2)].map((a) => redact(a)).join(" "),
      packs,
      models,
      specs,
      epochs: o.epochs,
      seed: o.seed,
      concurrency: o.concurrency,
      maxModelCalls: o.maxCalls,
      toolsets: [...new Set(specs.map((s) => s.toolset))],
      selection: o.selection,
    }),
    packs,
  );
  try {
    o.beforeTrials?.(dir);
  } catch (e) {
    store.close();
    throw e;
  }
  process.stderr.write(
    `Running ${specs.length} pack trials (${models.map((m) => m.id).join(", ")}) into ${dir}${sim ? "  [SIMULATED agents]" : ""}\n`,
  );
  return drivePackRun(store, packs, models, specs, o);
}

/** Personas play a pack only from its persona hints: refused before anything is made. */
function refuseUnplayable(packs: Pack[], models: Model[]): void {
  const noHints = packs.filter((p) => !p.manifest.persona);
  const sims = models.filter((m) => m.id.startsWith("sim/"));
  if (noHints.length && sims.length)
    throw new UsageError(
      `pack ${noHints[0]!.manifest.name} has no persona section, so ${sims[0]!.id} cannot play it; add persona hints (packs/README.md) or use another model`,
    );
}

/** The trials of a pack run: each model × its configurations (by its family) × epochs. */
function planPackTrials(packs: Pack[], sel: PackSelection, models: Model[], epochs: number): PackTrialSpec[] {
  return models.flatMap((m) => expandPackTrials([m], selectPackConfigurations(packs, sel, m.family), epochs));
}

/**
 * `run --resume DIR` of a pack run: the plan rebuilt from the manifest and the run's own copy of the packs (the
 * same trial ids; a trial's seed comes from the run seed and its id, so the personas play as they would have),
 * then only the trials not yet recorded without error. `models` are the run's, resolved with its recorded options.
 */
export async function resumePacks(
  dir: string,
  models: Model[],
  o: PackDriveOptions & { command: string },
): Promise<number> {
  const run = readPackRun(dir);
  const m = run.manifest;
  const packs = [...run.packs.values()];
  const recorded = m.settings.selection;
  const sel: PackSelection = {
    pack: packs.map((p) => p.dir),
    toolset: recorded?.toolset ?? m.settings.toolsets,
    ...(recorded?.relationship ? { relationship: recorded.relationship } : {}),
    ...(recorded?.monitoring ? { monitoring: recorded.monitoring } : {}),
    ...(recorded?.instantiation ? { instantiation: recorded.instantiation } : {}),
    ...(recorded?.factor ? { factor: recorded.factor } : {}),
  };
  refuseUnplayable(packs, models);
  const specs = planPackTrials(packs, sel, models, m.settings.epochs);
  const store = PackRunStore.resume(dir, o.command);
  const planned = new Set(specs.map((s) => packTrialId(s)));
  const foreign = store.opened?.records.find((r) => !planned.has(r.id));
  if (specs.length !== m.plannedTrials || foreign) {
    store.close();
    throw new UsageError(
      `cannot resume ${dir}: its packs and settings plan ${specs.length} trials${foreign ? ` without its trial ${foreign.id}` : ""}, the run planned ${m.plannedTrials}${recorded ? "" : " (it was made before pack runs recorded their selection)"}; start a new run with --pack`,
    );
  }
  const notice = store.opened ? unreadableNotice(join(dir, TRIALS_FILE), store.opened) : null;
  if (notice) process.stderr.write(`${notice}\n`);
  process.stderr.write(`Resuming ${dir}: ${store.doneCount} of ${specs.length} trials already recorded\n`);
  return drivePackRun(store, packs, models, specs, { ...o, seed: m.settings.seed, maxCalls: m.settings.maxModelCalls });
}

/** Run what is left of a pack run's plan, stop on SIGINT/SIGTERM, then print the summary. */
async function drivePackRun(
  store: PackRunStore,
  packs: Pack[],
  models: Model[],
  specs: PackTrialSpec[],
  o: PackDriveOptions & { seed: number; maxCalls: number },
): Promise<number> {
  const { dir } = store;
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => controller.abort(signal);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  let result: { errors: number; interrupted: number };
  try {
    result = await runPackTrials(store, {
      packs,
      models,
      specs,
      seed: o.seed,
      concurrency: o.concurrency,
      maxModelCalls: o.maxCalls,
      signal: controller.signal,
      ...(o.progress
        ? {
            onTrial: (done: number, total: number) => {
              if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)
                process.stderr.write(`progress: ${done}/${total} trials\n`);
            },
          }
        : {}),
    });
  } finally {
    store.close();
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  if (o.json) process.stdout.write(`${packReportText(dir, true)}\n`);
  else process.stdout.write(`${packReportText(dir)}\nRun directory: ${dir}\n`);
  if (controller.signal.aborted) {
    process.stderr.write(`Stopped by ${String(controller.signal.reason)}; continue with --resume ${dir}\n`);
    return EXIT.stopped;
  }
  // errored trials of earlier attempts count too: the run is complete only when every trial is recorded
  const open = specs.length - readPackRun(dir).records.filter((r) => r.error === null).length;
  if (open > 0 || result.errors > 0) {
    process.stderr.write(`${open} trial(s) ended in an error; --resume ${dir} runs them again\n`);
    return EXIT.trialErrors;
  }
  return EXIT.done;
}

/** `report DIR` of a pack run: the summary from the run's own copy of the packs. */
export function packReportText(dir: string, json = false): string {
  const run = readPackRun(dir);
  const summaries = summarisePackRun(run.records, run.packs);
  const notice = run.damaged.length ? `\n${dir}/trials.jsonl: damaged line(s) ${run.damaged.join(", ")} skipped` : "";
  if (json) return JSON.stringify({ runDir: dir, summaries }, null, 2);
  return `${renderPackSummary(summaries)}${notice}`;
}

/**
 * `replay RUN/transcripts/ID.json` of a pack trial: its turns replayed through the same tools and world, from the
 * run's own copy of the pack, and scored again by the pack's rules.
 */
export async function replayPackTranscript(file: string, opts: { json?: boolean }): Promise<number> {
  const t = JSON.parse(readFileSync(file, "utf8")) as { format: string; spec: PackTrialSpec; events: Event[] };
  if (t.format !== PACK_TRANSCRIPT_FORMAT) throw new UsageError(`${file}: not a pack transcript`);
  const runDir = dirname(dirname(resolve(file)));
  const run = readPackRun(runDir);
  const pack = run.packs.get(t.spec.task);
  if (!pack) throw new UsageError(`${file}: the run ${runDir} holds no copy of pack ${t.spec.task}`);
  const turns: TrajectoryTurn[] = t.events
    .filter((e): e is Extract<Event, { kind: "model_turn" }> => e.kind === "model_turn")
    .map((e) => ({ reasoning: e.reasoning, text: e.text, toolCalls: e.toolCalls }));
  const model = new ScriptedModel(turns, `replay:${basename(file)}`, t.spec.family);
  const replayed = await runPackTrial({
    pack,
    spec: { ...t.spec, model: model.id },
    model,
    seed: 0,
    maxModelCalls: turns.length + 1,
  });
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ id: replayed.id, trial: t.spec, outcome: replayed.outcome, error: replayed.error, endReason: replayed.endReason }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`Replay of ${file} (${packConfigurationLabel(t.spec)})\n`);
    process.stdout.write(`ended: ${replayed.endReason} after ${replayed.modelCalls} model call(s)\n`);
    for (const [k, v] of Object.entries(replayed.outcome?.values ?? {})) {
      if (v === null) continue;
      const ev = replayed.outcome?.evidence[k];
      process.stdout.write(`  ${k.padEnd(28)} ${String(v)}${ev?.length ? `  (events ${ev.join(", ")})` : ""}\n`);
    }
  }
  return replayed.error ? EXIT.trialErrors : EXIT.done;
}

/** Whether a file is a pack trial's transcript (replay hands it over here). */
export function isPackTranscript(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { format?: unknown }).format === PACK_TRANSCRIPT_FORMAT;
  } catch {
    return false;
  }
}

/** One configuration for `play --pack`: the first in the product that matches the flags. */
export function playConfiguration(pack: Pack, sel: PackSelection, family: string): PackConfiguration {
  const configs = selectPackConfigurations([pack], sel, family);
  return configs[0]!;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** `--pack DIR` (repeatable) and `--factor NAME=VALUE` on a command. */
export function addPackOptions(cmd: Command, what = "run"): Command {
  return cmd
    .option(
      "--pack <dir>",
      `a scenario pack to ${what} (a directory with pack.yaml; repeatable; packs/README.md)`,
      collect,
    )
    .option(
      "--factor <name=value>",
      "with --pack: only configurations with this value of the pack's own factor (repeatable)",
      collect,
    );
}

/** The pack selection from a command's options (the shared filters are the study's flags of the same names). */
export function packSelectionOf(opts: Omit<PackSelection, "pack"> & { pack?: string[] | undefined }): PackSelection {
  return {
    pack: opts.pack ?? [],
    ...(opts.toolset ? { toolset: opts.toolset } : {}),
    ...(opts.relationship ? { relationship: opts.relationship } : {}),
    ...(opts.monitoring ? { monitoring: opts.monitoring } : {}),
    ...(opts.instantiation ? { instantiation: opts.instantiation } : {}),
    ...(opts.factor ? { factor: opts.factor } : {}),
  };
}

/** Flags of the study's selection that mean nothing for a pack: refused by name rather than ignored. */
export function refuseStudyFlags(given: Set<string>): void {
  for (const flag of ["subject", "dataset", "control", "preset", "agent", "gateway"]) {
    if (given.has(flag))
      throw new UsageError(`--${flag} does not apply to --pack (a pack declares its own configurations); remove it`);
  }
}

export interface PlayPackFlags {
  pack: string[];
  toolset: string;
  relationship: string;
  monitoring?: string;
  instantiation: string;
  factor?: string[];
  family: string;
  seed: number;
  maxCalls: number;
  out?: string;
}

/**
 * `play --pack DIR`: a person in the critic's seat for one configuration of a pack (the flags pick it; factors the
 * flags leave open take the pack's first value), recorded as a pack run of one trial (report and replay read it).
 */
export async function playPack(flags: PlayPackFlags, source: LineSource): Promise<number> {
  if (flags.pack.length !== 1) throw new UsageError("play takes one --pack");
  const pack = loadPack(flags.pack[0]!);
  const m = pack.manifest;
  const sel: PackSelection = {
    pack: flags.pack,
    toolset: [flags.toolset],
    ...(m.factors.relationship.values.includes(flags.relationship) || flags.relationship !== "good"
      ? { relationship: [flags.relationship] }
      : {}),
    ...(flags.monitoring ? { monitoring: [flags.monitoring] } : {}),
    ...(m.factors.instantiation && flags.instantiation !== "file_only" ? { instantiation: [flags.instantiation] } : {}),
    ...(flags.factor ? { factor: flags.factor } : {}),
  };
  const config = playConfiguration(pack, sel, flags.family);
  const { model, state } = createHumanModel({
    source,
    write: (t) => process.stdout.write(t),
    family: flags.family,
    maxModelCalls: flags.maxCalls,
  });
  const dir = resolve(flags.out ?? join("runs", `play-${stamp(new Date())}-${m.name}`));
  try {
    await runPackSuite({
      dir,
      command: ["peerbench", ...process.argv.slice(2)].join(" "),
      packs: [pack],
      models: [model],
      specs: [{ ...config, model: model.id, epoch: 0 }],
      epochs: 1,
      seed: flags.seed,
      concurrency: 1,
      maxModelCalls: flags.maxCalls,
      toolsets: [config.toolset],
    });
  } finally {
    source.close();
  }
  const run = readPackRun(dir);
  const record = run.records[0];
  if (record) {
    const events = (JSON.parse(readFileSync(join(dir, record.transcript), "utf8")) as { events: Event[] }).events;
    const results = events.filter((e) => e.kind === "tool_result");
    for (const r of results.slice(state.toolResultsShown))
      process.stdout.write(renderResult({ toolName: r.name, content: r.output, isError: !r.ok }));
    process.stdout.write(`\nOutcome (${packConfigurationLabel(config)}):\n`);
    for (const [k, v] of Object.entries(record.outcome?.values ?? {}))
      if (v !== null) process.stdout.write(`  ${k.padEnd(28)} ${String(v)}\n`);
    if (record.error) process.stdout.write(`error: ${record.error}\n`);
    process.stdout.write(`Run directory: ${dir}\nReplay: peerbench replay ${join(dir, record.transcript)}\n`);
  }
  return EXIT.done;
}
