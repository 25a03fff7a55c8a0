import { type Command, InvalidArgumentError, Option } from "commander";
import { loadPrices } from "../cost/prices.js";
import { baseUrlProblem, parseEndpoint } from "./endpoint.js";
import { type ModelOptions, REASONING_EFFORTS, type ReasoningEffort } from "./options.js";
import { safeUrl } from "./redact.js";

function number(name: string, { min, integer }: { min: number; integer: boolean }) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`${name} must be ${integer ? "an integer" : "a number"} >= ${min}`);
    return n;
  };
}

/** Adds the real-model flags to `run` and `plan`. */
export function addModelOptions(cmd: Command): Command {
  return cmd
    .option("--base-url <url>", "endpoint of the provider (vLLM, a proxy, any OpenAI-compatible server)")
    .option("--api-key-env <name>", "environment variable that holds the API key for --base-url endpoints")
    .option(
      "--temperature <t>",
      "sampling temperature (default 1.0, as in the study)",
      number("--temperature", { min: 0, integer: false }),
    )
    .option(
      "--max-output-tokens <n>",
      "cap on output tokens per model call",
      number("--max-output-tokens", { min: 1, integer: true }),
    )
    .addOption(
      new Option(
        "--reasoning-effort <level>",
        "reasoning effort (OpenAI; mapped for Gemini, Anthropic, Ollama)",
      ).choices(REASONING_EFFORTS as string[]),
    )
    .option(
      "--thinking-budget <tokens>",
      "thinking budget in tokens (Anthropic, Gemini)",
      number("--thinking-budget", { min: 0, integer: true }),
    )
    .addOption(
      new Option("--openai-api <api>", "OpenAI API to call (default responses)").choices(["responses", "chat"]),
    )
    .option(
      "--max-retries <n>",
      "retries of a failed model call (429, 5xx, timeout; default 6)",
      number("--max-retries", { min: 0, integer: true }),
    )
    .option(
      "--timeout <seconds>",
      "time limit of one model call attempt (default 300)",
      number("--timeout", { min: 1, integer: false }),
    )
    .option("--cache <dir>", "reuse responses stored in DIR for identical requests (opt-in)")
    .option("--prices <file>", "price table overriding src/models/cost/prices.json")
    .option("--judge <model>", "also score each trial with an LLM judge, e.g. openai/gpt-4.1-mini (temperature 0)")
    .option("--judge-base-url <url>", "endpoint of the judge's provider when it is not the default");
}

export interface ModelCliOptions {
  baseUrl?: string;
  apiKeyEnv?: string;
  temperature?: number;
  maxOutputTokens?: number;
  reasoningEffort?: string;
  thinkingBudget?: number;
  openaiApi?: string;
  maxRetries?: number;
  timeout?: number;
  cache?: string;
  prices?: string;
  judge?: string;
  judgeBaseUrl?: string;
  concurrency?: number | string;
}

/** A base URL flag that cannot be an endpoint: one line, the URL shown without its credentials. */
export class BaseUrlError extends Error {
  override name = "InputError";
}

/** Check a --base-url / --judge-base-url value and register its secrets with the redactor. */
export function checkBaseUrl(flag: string, url: string): string {
  const problem = baseUrlProblem(url);
  if (problem) throw new BaseUrlError(`${flag} ${safeUrl(url)} ${problem}`);
  parseEndpoint(url);
  return url;
}

/**
 * Parsed flags → ModelOptions for the target models. Throws a one-line InputError for a bad --base-url or
 * --prices file.
 */
export function modelOptionsFrom(opts: ModelCliOptions): ModelOptions {
  const options: ModelOptions = {};
  if (opts.judgeBaseUrl) checkBaseUrl("--judge-base-url", opts.judgeBaseUrl);
  if (opts.baseUrl) options.baseUrl = checkBaseUrl("--base-url", opts.baseUrl);
  if (opts.apiKeyEnv) options.apiKeyEnv = opts.apiKeyEnv;
  if (opts.temperature !== undefined) options.temperature = opts.temperature;
  if (opts.maxOutputTokens !== undefined) options.maxOutputTokens = opts.maxOutputTokens;
  if (opts.reasoningEffort) options.reasoningEffort = opts.reasoningEffort as ReasoningEffort;
  if (opts.thinkingBudget !== undefined) options.thinkingBudget = opts.thinkingBudget;
  if (opts.openaiApi === "chat" || opts.openaiApi === "responses") options.openaiApi = opts.openaiApi;
  if (opts.maxRetries !== undefined) options.maxRetries = opts.maxRetries;
  if (opts.timeout !== undefined) options.timeoutMs = Math.round(opts.timeout * 1000);
  if (opts.cache) options.cacheDir = opts.cache;
  if (opts.prices) options.prices = loadPrices(opts.prices);
  if (opts.concurrency !== undefined && Number.isFinite(Number(opts.concurrency)))
    options.concurrency = Number(opts.concurrency);
  return options;
}

/**
 * The judge named by --judge, with the study's settings (temperature 0) and the run's limits and prices, but
 * not the target's endpoint, effort or budget. null without --judge.
 */
export function judgeFrom(opts: ModelCliOptions): { id: string; options: ModelOptions } | null {
  if (!opts.judge) return null;
  const base = modelOptionsFrom(opts);
  const options: ModelOptions = { temperature: 0, ...(opts.judgeBaseUrl ? { baseUrl: opts.judgeBaseUrl } : {}) };
  for (const k of ["maxRetries", "timeoutMs", "cacheDir", "prices", "concurrency"] as const) {
    if (base[k] !== undefined) (options as Record<string, unknown>)[k] = base[k];
  }
  return { id: opts.judge, options };
}
