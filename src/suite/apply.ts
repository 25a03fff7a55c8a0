import type { ModelCliOptions } from "../models/providers/cli.js";
import { type LoadedSuite, suitePath } from "./load.js";
import type { SuiteModel } from "./schema.js";

/**
 * A suite file as the flags of `run` and `plan` (the same names, so one merge serves both): what the file sets,
 * with paths made absolute from the suite file's directory.
 */
export interface SuiteSettings {
  preset?: string;
  task?: string[];
  pack?: string[];
  subject?: string[];
  relationship?: string[];
  instantiation?: string[];
  dataset?: string[];
  monitoring?: string[];
  control?: string[];
  toolset?: string[];
  agent?: string;
  gateway?: string;
  shell?: string;
  family?: string;
  epochs?: number;
  judge?: string;
  judgeBaseUrl?: string;
  maxCost?: number;
  maxCalls?: number;
  trialTimeout?: number;
  maxTrialTokens?: number;
  timeout?: number;
  maxRetries?: number;
  concurrency?: number;
  seed?: number;
  out?: string;
  cache?: string;
  prices?: string;
}

/** One model to resolve, with its own options (the file's, under the flags given). */
export interface ModelRequest {
  id: string;
  options: ModelCliOptions & { family?: string };
  /** Where the model is written (`FILE:LINE:COL`), for errors about it. */
  at?: string;
}

/** The per-model keys of a suite file, as the flags they stand for. */
const MODEL_KEYS = {
  base_url: "baseUrl",
  api_key_env: "apiKeyEnv",
  temperature: "temperature",
  max_output_tokens: "maxOutputTokens",
  reasoning_effort: "reasoningEffort",
  thinking_budget: "thinkingBudget",
  openai_api: "openaiApi",
  family: "family",
} as const satisfies Record<Exclude<keyof SuiteModel, "id">, string>;

/** The flags a model entry of the file stands for. */
export function modelFlagsOf(m: SuiteModel): ModelCliOptions & { family?: string } {
  const out: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(MODEL_KEYS)) {
    const v = m[key as keyof typeof MODEL_KEYS];
    if (v !== undefined) out[flag] = v;
  }
  return out;
}

/** What the file sets, as flags. */
export function settingsOf(loaded: LoadedSuite): SuiteSettings {
  const s = loaded.suite;
  const path = (p: string | undefined) => (p === undefined ? undefined : suitePath(loaded, p));
  const all: SuiteSettings = {
    preset: s.preset,
    task: s.tasks,
    pack: s.packs?.map((p) => suitePath(loaded, p)),
    subject: s.factors?.subject,
    relationship: s.factors?.relationship,
    instantiation: s.factors?.instantiation,
    dataset: s.factors?.dataset,
    monitoring: s.factors?.monitoring,
    control: s.controls,
    toolset: s.toolsets,
    agent: s.harness?.agent,
    gateway: s.harness?.gateway,
    shell: s.shell,
    family: s.family,
    epochs: s.epochs,
    judge: s.judge?.model,
    judgeBaseUrl: s.judge?.base_url,
    maxCost: s.limits?.max_cost_usd,
    maxCalls: s.limits?.max_calls,
    trialTimeout: s.limits?.trial_timeout_s,
    maxTrialTokens: s.limits?.max_trial_tokens,
    timeout: s.limits?.call_timeout_s,
    maxRetries: s.limits?.max_retries,
    concurrency: s.concurrency,
    seed: s.seed,
    out: path(s.out),
    cache: path(s.cache),
    prices: path(s.prices),
  };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as SuiteSettings;
}

/**
 * The run's options with the suite file under the command line: a flag given (`given`: the option names typed)
 * replaces the file's value for its key — lists are replaced, not merged — and the file replaces the commands'
 * defaults. Models: `--model`/`--models` replace the file's list (then `models` is null and the CLI resolves its
 * own); otherwise each model of the file gets the run's options, its own options over them, and the model flags
 * given over both.
 *
 * `packOption`: whether this command has `--pack`; packs in a file are refused without it.
 */
export function applySuite<T extends object>(
  loaded: LoadedSuite,
  cli: T,
  given: ReadonlySet<string>,
  { packOption }: { packOption: boolean },
): { opts: T; models: ModelRequest[] | null } {
  const settings = settingsOf(loaded);
  if (settings.pack && !packOption) {
    throw loaded.source.error(
      ["packs"],
      "packs need a peerbench with --pack — this one runs only its built-in tasks: remove packs: from the suite file",
      { key: true },
    );
  }
  const merged: Record<string, unknown> = { ...(cli as Record<string, unknown>) };
  for (const [k, v] of Object.entries(settings)) if (!given.has(k)) merged[k] = v;
  const opts = merged as T;
  if (given.has("model") || given.has("models")) return { opts, models: null };
  const flagsGiven = Object.fromEntries(
    Object.entries(cli).filter(([k]) => given.has(k) && (Object.values(MODEL_KEYS) as string[]).includes(k)),
  );
  const models = loaded.suite.models.map((m, i) => ({
    id: m.id,
    at: loaded.source.at(["models", i]),
    options: { ...(opts as ModelCliOptions & { family?: string }), ...modelFlagsOf(m), ...flagsGiven },
  }));
  return { opts, models };
}
