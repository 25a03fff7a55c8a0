import { createHash } from "node:crypto";
import { redact } from "../../models/providers/redact.js";
import { type ExportRecord, type ExportRun, readStoredTranscript } from "../run.js";
import { ZipWriter } from "../zip.js";
import { inspectSample, sampleId } from "./sample.js";
import { inspectUsage } from "./transcript.js";
import { type InspectScore, type Json, unsetGenerateConfig } from "./types.js";

/** Inspect's log schema version (EvalLog.version). */
export const INSPECT_LOG_VERSION = 2;

/** A short id in Inspect's style (22 base-57 characters), derived from a name so exports are reproducible. */
export function shortId(name: string): string {
  const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  let n = BigInt(`0x${createHash("sha256").update(name).digest("hex")}`);
  let out = "";
  for (let i = 0; i < 22; i++) {
    out += ALPHABET[Number(n % 57n)];
    n /= 57n;
  }
  return out;
}

function evalConfig(run: ExportRun): Record<string, Json> {
  const fields = [
    "limit",
    "sample_id",
    "sample_shuffle",
    "epochs",
    "epochs_reducer",
    "approval",
    "fail_on_error",
    "continue_on_fail",
    "retry_on_error",
    "message_limit",
    "token_limit",
    "time_limit",
    "working_limit",
    "cost_limit",
    "max_samples",
    "max_dataset_memory",
    "max_tasks",
    "max_subprocesses",
    "max_sandboxes",
    "sandbox_cleanup",
    "log_samples",
    "log_realtime",
    "log_images",
    "log_model_api",
    "log_buffer",
    "log_shared",
    "score_display",
  ];
  const settings = run.manifest.settings as Record<string, unknown>;
  return {
    ...Object.fromEntries(fields.map((f) => [f, null])),
    epochs: run.manifest.settings.epochs,
    epochs_reducer: ["mean"],
    max_samples: run.manifest.settings.concurrency,
    cost_limit: typeof settings.maxCostUsd === "number" ? settings.maxCostUsd : null,
    log_samples: true,
  };
}

type ScoreValue = string | number | boolean;

function numeric(v: ScoreValue): number | null {
  return typeof v === "boolean" ? (v ? 1 : 0) : typeof v === "number" ? v : null;
}

/** The epochs of each sample reduced per scorer: the mean of a flag or a number, the most frequent grade. */
function reductions(
  samples: Array<{ id: string; scores: Record<string, InspectScore> | null }>,
  keys: string[],
): Json[] {
  const bySample = new Map<string, Array<Record<string, InspectScore>>>();
  for (const s of samples) {
    if (!s.scores) continue;
    const list = bySample.get(s.id) ?? [];
    list.push(s.scores);
    bySample.set(s.id, list);
  }
  return keys.map((key) => {
    const reduced: Json[] = [];
    let textual = false;
    for (const [id, epochs] of bySample) {
      const values = epochs.map((e) => e[key]?.value).filter((v): v is ScoreValue => v !== undefined);
      if (values.length === 0) continue;
      const numbers = values.map(numeric);
      let value: ScoreValue;
      if (numbers.every((n) => n !== null)) value = (numbers as number[]).reduce((a, b) => a + b, 0) / numbers.length;
      else {
        textual = true;
        const counts = new Map<string, number>();
        for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
        value = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
      }
      reduced.push({ value, answer: null, explanation: null, metadata: null, history: [], sample_id: id });
    }
    return { scorer: key, reducer: textual ? "mode" : "mean", samples: reduced };
  });
}

function evalScores(reduced: Json[], totalSamples: number): Json[] {
  return (reduced as Array<{ scorer: string; reducer: string; samples: Array<{ value: ScoreValue }> }>).map((r) => {
    const numbers = r.samples.map((s) => (typeof s.value === "number" ? s.value : null)).filter((n) => n !== null);
    const metrics: Record<string, Json> =
      r.reducer === "mean" && numbers.length
        ? {
            mean: {
              name: "mean",
              value: numbers.reduce((a, b) => a + b, 0) / numbers.length,
              params: {},
              metadata: null,
            },
          }
        : {};
    return {
      name: r.scorer,
      scorer: r.scorer,
      reducer: r.reducer,
      scored_samples: r.samples.length,
      unscored_samples: totalSamples - r.samples.length,
      params: {},
      metrics,
      metadata: null,
    };
  });
}

export interface InspectLogResult {
  samples: number;
  trials: number;
}

/**
 * Write the trials of one model as an Inspect `.eval` log at `path` (a zip, Inspect's layout): `_journal/start.json`
 * (version, eval, plan), `samples/<id>_epoch_<n>.json` (one EvalSample per trial), `_journal/summaries/1.json` and
 * `summaries.json` (the sample summaries), `reductions.json` (the epochs reduced per scorer) and `header.json`
 * (the EvalLog without its samples: eval, plan, results, stats, status). Every entry goes through redact().
 */
export function writeInspectLog(
  run: ExportRun,
  model: string,
  records: ExportRecord[],
  path: string,
): InspectLogResult {
  const m = run.manifest;
  const modelInfo = m.models.find((x) => x.id === model);
  const created = new Date(m.createdAt);
  const zip = new ZipWriter(path, created);
  const json = (v: unknown) => redact(JSON.stringify(v));
  try {
    const evalSpec: Record<string, Json> = {
      eval_set_id: shortId(`${m.id}/eval-set`),
      eval_id: shortId(`${m.id}/${model}/eval`),
      run_id: shortId(`${m.id}/run`),
      created: m.createdAt,
      task: `peerbench/${m.preset}`,
      task_id: shortId(`${m.id}/${model}/task`),
      task_version: 0,
      task_file: null,
      task_display_name: `peerbench ${m.preset}`,
      task_registry_name: null,
      task_attribs: {},
      task_args: {},
      task_args_passed: {},
      solver: "peerbench/agent_loop",
      solver_args: null,
      solver_args_passed: null,
      tags: modelInfo?.simulated ? ["simulated"] : null,
      dataset: {
        name: m.preset,
        location: null,
        samples: new Set(records.map((r) => sampleId(run, r))).size,
        sample_ids: null,
        shuffled: false,
      },
      sandbox: null,
      model,
      model_generate_config: unsetGenerateConfig(),
      model_base_url: null,
      model_args: { simulated: modelInfo?.simulated ?? null, family: modelInfo?.family ?? null },
      model_roles: null,
      config: evalConfig(run),
      revision: m.gitRevision ? { type: "git", origin: "", commit: m.gitRevision, dirty: null } : null,
      packages: { peerbench: m.versions.peerbench },
      metadata: {
        peerbench_run: m.id,
        preset: m.preset,
        command: m.command,
        settings: m.settings as Json,
        planned_trials: m.plannedTrials,
        epochs_from: 1,
      },
      scorers: null,
      metrics: null,
    };
    const plan = {
      name: "plan",
      steps: [
        {
          solver: "peerbench/agent_loop",
          params: { max_model_calls: m.settings.maxModelCalls, toolsets: m.settings.toolsets },
          params_passed: {},
        },
      ],
      finish: null,
      config: unsetGenerateConfig(),
    };
    zip.add("_journal/start.json", json({ version: INSPECT_LOG_VERSION, eval: evalSpec, plan }));

    const summaries: Json[] = [];
    const scored: Array<{ id: string; scores: Record<string, InspectScore> | null }> = [];
    const keys = new Set<string>();
    const seen = new Set<string>();
    for (const r of records) {
      const { sample, summary } = inspectSample(run, r, readStoredTranscript(run, r));
      const name = `samples/${sample.id}_epoch_${sample.epoch}.json`;
      if (seen.has(name)) throw new Error(`two trials export as ${name}`);
      seen.add(name);
      zip.add(name, json(sample));
      summaries.push(summary);
      const scores = sample.scores as unknown as Record<string, InspectScore> | null;
      scored.push({ id: sample.id as string, scores });
      for (const k of Object.keys(scores ?? {})) keys.add(k);
    }
    zip.add("_journal/summaries/1.json", json(summaries));
    zip.add("summaries.json", json(summaries));
    const reduced = reductions(scored, [...keys]);
    zip.add("reductions.json", json(reduced));

    const sampleCount = new Set(scored.map((s) => s.id)).size;
    const total = records.reduce(
      (u, r) => ({
        inputTokens: u.inputTokens + r.usage.inputTokens,
        outputTokens: u.outputTokens + r.usage.outputTokens,
        reasoningTokens: u.reasoningTokens + r.usage.reasoningTokens,
        cachedInputTokens: u.cachedInputTokens + r.usage.cachedInputTokens,
      }),
      { inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedInputTokens: 0 },
    );
    const costs = records.map((r) => r.costUsd).filter((c): c is number => c !== null);
    const starts = records.map((r) => Date.parse(r.startedAt)).filter((t) => !Number.isNaN(t));
    const ends = records.map((r) => Date.parse(r.startedAt) + r.durationMs).filter((t) => !Number.isNaN(t));
    const errored = records.filter((r) => r.error !== null).length;
    const recordedAll = run.records.length >= m.plannedTrials;
    const header = {
      version: INSPECT_LOG_VERSION,
      status: errored ? "error" : recordedAll ? "success" : "cancelled",
      eval: evalSpec,
      plan,
      results: {
        total_samples: sampleCount,
        completed_samples: new Set(scored.filter((s) => s.scores).map((s) => s.id)).size,
        early_stopping: null,
        scores: evalScores(reduced, sampleCount),
        metadata: null,
      },
      stats: {
        started_at: starts.length ? new Date(starts.reduce((a, b) => Math.min(a, b))).toISOString() : "",
        completed_at: ends.length ? new Date(ends.reduce((a, b) => Math.max(a, b))).toISOString() : "",
        model_usage: records.some((r) => r.modelCalls > 0)
          ? { [model]: inspectUsage(total, costs.length ? costs.reduce((a, b) => a + b, 0) : null) }
          : {},
        role_usage: {},
      },
      error: errored
        ? {
            message: `${errored} of ${records.length} trials ended in an error; peerbench run --resume runs them again`,
            traceback: "",
            traceback_ansi: "",
          }
        : null,
      invalidated: false,
      log_updates: null,
      tags: [],
      metadata: {},
      samples: null,
      reductions: null,
      location: "",
      etag: null,
      eval_set_info: null,
    };
    zip.add("header.json", json(header));
    zip.close();
    return { samples: sampleCount, trials: records.length };
  } catch (e) {
    zip.abort();
    throw e;
  }
}
