import { createHash } from "node:crypto";
import { join } from "node:path";
import PQueue from "p-queue";
import { runTrial, type TrialOptions, type TrialRun } from "../agent/trial.js";
import { judgeTrial } from "../judge/index.js";
import type { Model } from "../models/model.js";
import { baseTruth } from "../scenarios/common/parts.js";
import type { Configuration, TrialSpec } from "../scenarios/spec.js";
import { trialId } from "../scenarios/spec.js";
import type { TrialRecord } from "./record.js";
import { RUN_FORMAT } from "./record.js";
import { type Manifest, type RunStore, RunWriteError } from "./store.js";

/** Seed of one trial: derived from the run's seed and the trial's id, so a resumed run replays identically. */
export function trialSeed(runSeed: number, id: string): number {
  return createHash("sha256").update(`${runSeed}:${id}`).digest().readUInt32LE(0);
}

export function expandTrials(models: Model[], configurations: Configuration[], epochs: number): TrialSpec[] {
  const specs: TrialSpec[] = [];
  for (const model of models) {
    for (const c of configurations) {
      for (let epoch = 0; epoch < epochs; epoch++) specs.push({ ...c, family: model.family, model: model.id, epoch });
    }
  }
  return specs;
}

export interface SuiteProgress {
  done: number;
  total: number;
  errors: number;
  /** What the run has spent, trials recorded before a resume included. */
  costUsd: number;
  last: TrialRecord | null;
}

export interface SuiteOptions {
  store: RunStore;
  models: Model[];
  specs: TrialSpec[];
  seed: number;
  concurrency: number;
  maxModelCalls: number;
  maxTrialMs?: number;
  maxTrialTokens?: number;
  /**
   * Stop starting new trials once the run's recorded cost (trials recorded before a resume included) reaches this
   * many USD.
   */
  maxCostUsd?: number;
  /**
   * Stops the run: no trial starts after it, and trials in flight stop at their next model call (or at once while
   * they wait for one) and are recorded as interrupted (endReason "interrupted"); --resume runs them again. The
   * abort reason (e.g. "SIGINT") is named in their error.
   */
  signal?: AbortSignal;
  onProgress?: (p: SuiteProgress) => void;
  /** Also score each finished trial with this judge model (the detectors stay the default scorer). */
  judge?: Model;
  /** Harness toolset: how the gateway answers the product ("model": the trial's model; "forward": real providers). */
  gateway?: "model" | "forward";
}

export interface SuiteResult {
  ran: number;
  skipped: number;
  /** Trials that ended in an error (interrupted ones not included). */
  errors: number;
  /** Trials the stop interrupted; recorded as such and run again by --resume. */
  interrupted: number;
  /** What the run has spent, trials recorded before a resume included. */
  costUsd: number;
  stoppedBy: "done" | "budget" | "signal";
}

/** A manifest for a run of `specs` (tests, benchmarks and tools that drive runSuite directly). */
export function suiteManifest(
  id: string,
  models: Model[],
  specs: TrialSpec[],
  settings: { epochs: number; seed: number; concurrency: number; toolsets: string[]; preset?: string },
): Manifest {
  return {
    format: RUN_FORMAT,
    id,
    createdAt: new Date().toISOString(),
    command: id,
    preset: settings.preset ?? "default",
    models: models.map((m) => ({ id: m.id, simulated: m.simulated, family: m.family })),
    settings: { ...settings, maxModelCalls: 30 },
    versions: { peerbench: "dev", node: process.version },
    gitRevision: null,
    plannedTrials: specs.length,
  };
}

/** Run every trial not yet recorded in the store, `concurrency` at a time; each finished trial is recorded at once. */
export async function runSuite(opts: SuiteOptions): Promise<SuiteResult> {
  const byId = new Map(opts.models.map((m) => [m.id, m]));
  /** A harness trial: the product runs in a lab; its own event stream and the gateway record go beside the transcript. */
  const runInHarness = async (o: TrialOptions): Promise<TrialRun> => {
    const { runHarnessTrial, forwardPlan } = await import("../harness/index.js");
    if (!o.spec.agent) throw new Error("a harness trial needs an agent product (--agent)");
    const forward = opts.gateway === "forward" ? forwardPlan(o.model, o.spec.agent) : null;
    return runHarnessTrial({
      ...o,
      agent: o.spec.agent,
      gateway: forward ? forward.mode : { kind: "model" },
      ...(forward ? { gatewayNote: forward.describe } : {}),
      artifactsDir: join(opts.store.dir, "transcripts", `${trialId(o.spec)}.harness`),
    });
  };
  const pending = opts.specs.filter((s) => !opts.store.isDone(trialId(s)));
  const skipped = opts.specs.length - pending.length;
  const queue = new PQueue({ concurrency: Math.max(1, opts.concurrency) });
  let done = skipped;
  let ran = 0;
  let errors = 0;
  let interrupted = 0;
  let costUsd = opts.store.spentBeforeUsd;
  let stoppedBy: SuiteResult["stoppedBy"] = "done";
  /** The first write the store could not make: the run cannot go on, and the error is rethrown at the end. */
  let writeFailure: unknown = null;
  // Trials see this signal: the caller's stop, or a write failure, stops every trial in flight.
  const halt = new AbortController();
  const stop = (why: SuiteResult["stoppedBy"]) => {
    if (stoppedBy === "done") stoppedBy = why;
    queue.clear();
  };
  const onAbort = () => {
    stop("signal");
    halt.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });
  opts.onProgress?.({ done, total: opts.specs.length, errors, costUsd, last: null });
  if (opts.maxCostUsd !== undefined && costUsd >= opts.maxCostUsd) stop("budget");
  const signal = halt.signal;

  for (const spec of stoppedBy === "done" ? pending : []) {
    queue.add(async () => {
      if (signal.aborted) return;
      const id = trialId(spec);
      const model = byId.get(spec.model)!;
      let record: TrialRecord;
      try {
        const run = await (spec.toolset === "harness" ? runInHarness : runTrial)({
          spec,
          model,
          seed: trialSeed(opts.seed, id),
          maxModelCalls: opts.maxModelCalls,
          ...(opts.maxTrialMs !== undefined ? { maxTrialMs: opts.maxTrialMs } : {}),
          ...(opts.maxTrialTokens !== undefined ? { maxTrialTokens: opts.maxTrialTokens } : {}),
          signal,
        });
        const verdict =
          opts.judge && run.outcome
            ? {
                ...(await judgeTrial(opts.judge, { config: spec, events: run.events }, signal)),
                model: opts.judge.id,
              }
            : undefined;
        if (verdict?.costUsd) run.costUsd = (run.costUsd ?? 0) + verdict.costUsd;
        record = opts.store.record(run, verdict);
      } catch (e) {
        if (e instanceof RunWriteError) return failWrite(e);
        // A failure outside the loop (e.g. an invalid scenario) is still recorded, never dropped.
        try {
          record = opts.store.record(failedRun(spec, id, model, e as Error));
        } catch (w) {
          return failWrite(w);
        }
      }
      ran++;
      done++;
      if (record.endReason === "interrupted") interrupted++;
      else if (record.error) errors++;
      costUsd += record.costUsd ?? 0;
      opts.onProgress?.({ done, total: opts.specs.length, errors, costUsd, last: record });
      if (opts.maxCostUsd !== undefined && costUsd >= opts.maxCostUsd) stop("budget");
    });
  }
  function failWrite(e: unknown): void {
    writeFailure ??= e;
    stop("signal");
    halt.abort("a failed write");
  }
  await queue.onIdle();
  opts.signal?.removeEventListener("abort", onAbort);
  if (writeFailure) throw writeFailure;
  return { ran, skipped, errors, interrupted, costUsd, stoppedBy };
}

function failedRun(spec: TrialSpec, id: string, model: Model, error: Error) {
  return {
    id,
    spec,
    simulated: model.simulated,
    scenario: {
      config: spec,
      criticName: "",
      actorName: "",
      peerName: null,
      system: "",
      user: "",
      hosts: {},
      paperTools: [],
      groundTruth: baseTruth({ actor: "" }),
    },
    tools: [],
    events: [],
    snapshot: { hosts: {} },
    outcome: null,
    error: `${error.name}: ${error.message}`,
    endReason: "error" as const,
    modelCalls: 0,
    toolCalls: 0,
    invalidToolCalls: 0,
    usage: { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 },
    costUsd: null,
    startedAt: new Date().toISOString(),
    durationMs: 0,
  };
}
