import type { PriceTable } from "../cost/prices.js";

/** How `--reasoning-effort` is spelled on the command line; mapped per provider. */
export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";
export const REASONING_EFFORTS: readonly ReasoningEffort[] = ["none", "minimal", "low", "medium", "high"];

/** Settings of a real model. Everything here except the key itself is recorded in the run manifest. */
export interface ModelOptions {
  /** Sampling temperature; the study used 1.0 for targets and 0 for the judge. */
  temperature?: number;
  maxOutputTokens?: number;
  /** OpenAI reasoning effort (also mapped to Gemini thinking level); undefined = provider default. */
  reasoningEffort?: ReasoningEffort;
  /** Anthropic / Gemini thinking budget in tokens (Anthropic: enables extended thinking). */
  thinkingBudget?: number;
  /** Overrides the provider's base URL (vLLM, a proxy, an OpenAI-compatible server). */
  baseUrl?: string;
  /** Name of the environment variable that holds the API key (never the key itself). */
  apiKeyEnv?: string;
  /** Per-call timeout in ms (each attempt). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429 / 5xx / timeouts / connection errors. */
  maxRetries?: number;
  /** Concurrent calls per provider endpoint (the limiter lowers it under 429s and restores it). */
  concurrency?: number;
  /** Opt-in response cache directory. */
  cacheDir?: string;
  /** OpenAI only: "responses" (default) or "chat" (chat completions). */
  openaiApi?: "responses" | "chat";
  /** Price table (default: src/models/cost/prices.json). */
  prices?: PriceTable;
  /** Base delay of the exponential backoff in ms (tests lower it). */
  retryBaseDelayMs?: number;
  /** Upper bound of one backoff wait in ms, including a retry-after the server asked for. */
  retryMaxDelayMs?: number;
}

export interface ResolvedOptions {
  temperature: number;
  maxOutputTokens: number | undefined;
  reasoningEffort: ReasoningEffort | undefined;
  thinkingBudget: number | undefined;
  baseUrl: string | undefined;
  apiKeyEnv: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  concurrency: number;
  cacheDir: string | undefined;
  openaiApi: "responses" | "chat";
  prices: PriceTable | undefined;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

export const DEFAULTS = {
  temperature: 1.0,
  timeoutMs: 300_000,
  maxRetries: 6,
  concurrency: 8,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 120_000,
} as const;

export function resolveOptions(o: ModelOptions): ResolvedOptions {
  return {
    temperature: o.temperature ?? DEFAULTS.temperature,
    maxOutputTokens: o.maxOutputTokens,
    reasoningEffort: o.reasoningEffort,
    thinkingBudget: o.thinkingBudget,
    baseUrl: o.baseUrl,
    apiKeyEnv: o.apiKeyEnv,
    timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs,
    maxRetries: o.maxRetries ?? DEFAULTS.maxRetries,
    concurrency: Math.max(1, o.concurrency ?? DEFAULTS.concurrency),
    cacheDir: o.cacheDir,
    openaiApi: o.openaiApi ?? "responses",
    prices: o.prices,
    retryBaseDelayMs: o.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs,
    retryMaxDelayMs: o.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs,
  };
}
