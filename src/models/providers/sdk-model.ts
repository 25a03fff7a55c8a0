import { createAnthropic } from "@ai-sdk/anthropic";
import { createDeepSeek } from "@ai-sdk/deepseek";
import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import {
  extractReasoningMiddleware,
  generateText,
  jsonSchema,
  type LanguageModel,
  type ModelMessage,
  type ToolSet,
  tool,
  wrapLanguageModel,
} from "ai";
import { createOllama } from "ollama-ai-provider-v2";

// SDK warnings (e.g. "temperature is not supported for reasoning models") would interleave with progress output.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
import { isLocalModelId } from "../cost/local.js";
import { costOf, defaultPrices, priceFor } from "../cost/prices.js";
import {
  type Model,
  ModelError,
  type ModelRequest,
  type ModelSession,
  type ModelTurn,
  type ToolDefinition,
  type TrialContext,
} from "../model.js";
import type { Usage } from "../../world/events.js";
import { ResponseCache } from "./cache.js";
import { familyOf } from "./family.js";
import { limiterFor } from "./limiter.js";
import { jsonSafe, toModelMessages, turnFromContent } from "./messages.js";
import type { ResolvedOptions } from "./options.js";
import type { ParsedModelId, ProviderPreset } from "./presets.js";
import { type Endpoint, endpointFetch, endpointNeedsFetch, parseEndpoint } from "./endpoint.js";
import { safeUrl } from "./redact.js";
import { callWithRetry, type RetryStats } from "./retry.js";

/** The environment variable this model reads its key from (first one set), or the one to ask for. */
export function keyEnvFor(
  preset: ProviderPreset,
  options: Pick<ResolvedOptions, "apiKeyEnv">,
): {
  names: string[];
  found: string | null;
  required: boolean;
} {
  const names = options.apiKeyEnv ? [options.apiKeyEnv] : preset.keyEnv;
  const found = names.find((n) => (process.env[n] ?? "").trim() !== "") ?? null;
  return { names, found, required: preset.keyRequired || Boolean(options.apiKeyEnv) };
}

const ANTHROPIC_BUDGET = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

/**
 * A hosted or served model reached through the AI SDK. One `generateText` step per call: the peerbench agent
 * loop owns the loop, so tools are given without `execute` and the SDK hands tool calls back.
 */
export class ProviderModel implements Model {
  readonly simulated = false;
  readonly family: string;
  private languageModel: LanguageModel | undefined;
  private readonly cache: ResponseCache | undefined;
  /**
   * Ollama and Gemini: thinking is asked for by default so reasoning is captured; false once the server said
   * this model cannot think (then the call is made again without it).
   */
  private canThink = true;

  constructor(
    readonly id: string,
    readonly parsed: ParsedModelId,
    readonly options: ResolvedOptions,
  ) {
    this.family = familyOf(parsed.model);
    this.cache = options.cacheDir ? new ResponseCache(options.cacheDir) : undefined;
    // Parsing registers the URL's secrets with the redactor before anything can be shown.
    const base = this.baseUrl;
    this.endpoint = base ? parseEndpoint(base) : null;
  }

  /** The base URL split into what the SDK gets and what endpointFetch adds (credentials, query). */
  readonly endpoint: Endpoint | null;

  get api(): string {
    const kind = this.parsed.preset.kind;
    if (kind === "openai") return this.parsed.forceChat || this.options.openaiApi === "chat" ? "chat" : "responses";
    return kind;
  }

  get baseUrl(): string | undefined {
    return this.options.baseUrl ?? this.parsed.preset.baseUrl;
  }

  /** The endpoint actually used, for the record: the SDKs also honour OPENAI_BASE_URL / ANTHROPIC_BASE_URL. */
  get effectiveBaseUrl(): string | undefined {
    const env = { openai: "OPENAI_BASE_URL", anthropic: "ANTHROPIC_BASE_URL" }[this.parsed.preset.kind as string];
    return this.baseUrl ?? (env ? process.env[env] || undefined : undefined);
  }

  /** Everything that shapes a response, without secrets (recorded in the manifest and in cache keys). */
  settings(): Record<string, unknown> {
    const key = keyEnvFor(this.parsed.preset, this.options);
    return {
      provider: this.parsed.preset.name,
      model: this.parsed.model,
      api: this.api,
      baseUrl: safeUrl(this.effectiveBaseUrl) ?? null,
      temperature: this.options.temperature,
      maxOutputTokens: this.options.maxOutputTokens ?? null,
      reasoningEffort: this.options.reasoningEffort ?? null,
      thinkingBudget: this.options.thinkingBudget ?? null,
      apiKeyEnv: key.found ?? key.names[0] ?? null,
    };
  }

  private model(): LanguageModel {
    if (this.languageModel) return this.languageModel;
    const { preset, model } = this.parsed;
    const key = keyEnvFor(preset, this.options);
    const apiKey = key.found ? process.env[key.found] : undefined;
    if (key.required && !apiKey)
      throw new ModelError(`${this.id}: no API key; set ${key.names.join(" or ")} in the environment`);
    const endpoint = this.endpoint;
    const baseURL = endpoint?.url;
    const fetch = endpoint && endpointNeedsFetch(endpoint) ? { fetch: endpointFetch(endpoint) } : {};
    let lm: LanguageModel;
    switch (preset.kind) {
      case "openai": {
        const p = createOpenAI({ apiKey, baseURL, ...fetch });
        lm = this.api === "chat" ? p.chat(model) : p.responses(model);
        break;
      }
      case "anthropic":
        lm = createAnthropic({ apiKey, baseURL, ...fetch })(model);
        break;
      case "google":
        lm = createGoogleGenerativeAI({ apiKey, baseURL, ...fetch })(model);
        break;
      case "deepseek":
        lm = createDeepSeek({ apiKey, baseURL, ...fetch })(model);
        break;
      case "compatible": {
        if (!baseURL)
          throw new ModelError(
            `${this.id}: no endpoint; give --base-url http://host:port/v1 for an OpenAI-compatible server`,
          );
        lm = wrapLanguageModel({
          model: createOpenAICompatible({ name: preset.name, baseURL, apiKey, includeUsage: true, ...fetch })(model),
          middleware: extractReasoningMiddleware({ tagName: "think" }),
        });
        break;
      }
      case "ollama":
        lm = wrapLanguageModel({
          model: createOllama({ baseURL, ...fetch })(model),
          middleware: extractReasoningMiddleware({ tagName: "think" }),
        });
        break;
      default:
        throw new ModelError(`${this.id}: provider kind ${preset.kind} is not served through the AI SDK`);
    }
    this.languageModel = lm;
    return lm;
  }

  /** Provider options that turn on reasoning capture and apply effort / budget. */
  providerOptions(): Record<string, Record<string, unknown>> {
    const { reasoningEffort: effort, thinkingBudget: budget } = this.options;
    switch (this.parsed.preset.kind) {
      case "openai":
        return {
          openai: {
            // store:false keeps each request self-contained: reasoning goes back as encrypted content rather
            // than as references to server-side items, so a resumed run or a cache hit never points at state
            // the provider has dropped, and zero-data-retention organisations work.
            ...(this.api === "responses" ? { reasoningSummary: "auto", store: false } : {}),
            ...(effort ? { reasoningEffort: effort } : {}),
          },
        };
      case "anthropic": {
        const tokens = budget ?? (effort && effort !== "none" ? ANTHROPIC_BUDGET[effort] : undefined);
        return tokens ? { anthropic: { thinking: { type: "enabled", budgetTokens: tokens } } } : {};
      }
      case "google":
        if (!this.canThink && effort === undefined && budget === undefined) return {};
        return {
          google: {
            thinkingConfig: {
              includeThoughts: effort !== "none",
              ...(budget !== undefined ? { thinkingBudget: budget } : {}),
              ...(effort === "none" ? { thinkingBudget: 0 } : {}),
              ...(effort && effort !== "none" && budget === undefined ? { thinkingLevel: effort } : {}),
            },
          },
        };
      case "ollama":
        // The Ollama adapter sends think:false unless told otherwise, which silences thinking models; ask for
        // thinking unless the user said "none" or the model turned out not to support it.
        return { ollama: { think: effort ? effort !== "none" && this.canThink : this.canThink } };
      case "compatible":
      case "deepseek":
        return effort ? { [this.parsed.preset.name]: { reasoningEffort: effort } } : {};
      default:
        return {};
    }
  }

  startSession(context: TrialContext): ModelSession {
    return new ProviderSession(this, context);
  }

  async generate(request: ModelRequest, context: TrialContext, stats: RetryStats): Promise<ModelTurn> {
    const cacheKey = this.cache?.key({
      modelId: this.id,
      settings: this.settings(),
      trialId: context.trialId,
      seed: context.seed,
      request,
    });
    if (this.cache && cacheKey) {
      const hit = await this.cache.get(cacheKey);
      if (hit) return { ...hit, costUsd: 0 };
    }
    const model = this.model();
    const messages: ModelMessage[] = toModelMessages(request.messages);
    const tools = toSdkTools(request.tools);
    const policy = {
      maxRetries: this.options.maxRetries,
      timeoutMs: this.options.timeoutMs,
      baseDelayMs: this.options.retryBaseDelayMs,
      maxDelayMs: this.options.retryMaxDelayMs,
    };
    const limiter = limiterFor(`${this.parsed.preset.name}|${this.baseUrl ?? "default"}`, this.options.concurrency);
    const call = () =>
      callWithRetry(
        this.id,
        policy,
        limiter,
        context.signal,
        ({ signal }) =>
          generateText({
            model,
            system: request.system,
            messages,
            tools,
            temperature: this.options.temperature,
            maxOutputTokens: this.options.maxOutputTokens,
            providerOptions: this.providerOptions() as never,
            maxRetries: 0,
            abortSignal: signal,
          }),
        stats,
      );
    let result: Awaited<ReturnType<typeof call>>;
    try {
      result = await call();
    } catch (e) {
      if (!this.thinkingUnsupported(e)) throw e;
      this.canThink = false;
      result = await call();
    }
    const parts = turnFromContent(result.content as never);
    const assistant = result.response.messages.find((m) => m.role === "assistant");
    const usage = usageOf(result.usage);
    const turn: ModelTurn = {
      reasoning: parts.reasoning,
      text: parts.text,
      toolCalls: parts.toolCalls,
      usage,
      providerData:
        assistant && Array.isArray(assistant.content) ? { aiSdk: { content: jsonSafe(assistant.content) } } : undefined,
      costUsd: this.costUsd(usage),
    };
    if (this.cache && cacheKey) await this.cache.put(cacheKey, turn);
    return turn;
  }

  /** A refusal of the default thinking request that a call without it would avoid. */
  private thinkingUnsupported(e: unknown): boolean {
    if (!this.canThink || !(e instanceof ModelError) || e.retryable) return false;
    const kind = this.parsed.preset.kind;
    const message = e.message;
    if (kind === "ollama") return /does not support thinking/i.test(message);
    const userAsked = this.options.reasoningEffort !== undefined || this.options.thinkingBudget !== undefined;
    return kind === "google" && !userAsked && /HTTP 400/.test(message) && /think/i.test(message);
  }

  costUsd(usage: Usage): number | null {
    if (isLocalModelId(this.id)) return 0;
    const price = priceFor(this.id, this.options.prices ?? defaultPrices());
    return price ? costOf(usage, price) : null;
  }
}

class ProviderSession implements ModelSession {
  readonly stats: RetryStats = { attempts: 0, rateLimited: 0 };
  constructor(
    private readonly model: ProviderModel,
    private readonly context: TrialContext,
  ) {}

  next(request: ModelRequest): Promise<ModelTurn> {
    return this.model.generate(request, this.context, this.stats);
  }
}

export function toSdkTools(defs: ToolDefinition[]): ToolSet | undefined {
  if (defs.length === 0) return undefined;
  const tools: ToolSet = {};
  // No execute: the SDK returns the calls; no validate: arguments that miss the schema reach the toolset as sent.
  for (const d of defs)
    tools[d.name] = tool({ description: d.description, inputSchema: jsonSchema(d.parameters as never) });
  return tools;
}

interface SdkUsage {
  inputTokens?: number;
  outputTokens?: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
  inputTokenDetails?: { cacheReadTokens?: number };
  outputTokenDetails?: { reasoningTokens?: number };
}

function n(x: number | undefined): number {
  return typeof x === "number" && Number.isFinite(x) && x > 0 ? Math.round(x) : 0;
}

export function usageOf(u: SdkUsage | undefined): Usage {
  return {
    inputTokens: n(u?.inputTokens),
    outputTokens: n(u?.outputTokens),
    reasoningTokens: n(u?.outputTokenDetails?.reasoningTokens ?? u?.reasoningTokens),
    cachedInputTokens: n(u?.inputTokenDetails?.cacheReadTokens ?? u?.cachedInputTokens),
  };
}
