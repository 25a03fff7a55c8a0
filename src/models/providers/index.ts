import { existsSync } from "node:fs";
import { defaultPrices } from "../cost/prices.js";
import type { Model } from "../model.js";
import { LlamaModel } from "./llama.js";
import { type ModelOptions, resolveOptions } from "./options.js";
import { parseModelId } from "./presets.js";
import { baseUrlProblem } from "./endpoint.js";
import { registerSecretEnv, safeUrl } from "./redact.js";
import { keyEnvFor, ProviderModel } from "./sdk-model.js";

export { familyOf } from "./family.js";
export { LLAMA_INSTALL_HINT, LlamaModel, loadNodeLlamaCpp } from "./llama.js";
export { DEFAULTS, type ModelOptions, REASONING_EFFORTS, type ReasoningEffort } from "./options.js";
export { ALIASES, PRESETS, parseModelId, type ProviderPreset, PROVIDER_NAMES, STUDY_MODELS } from "./presets.js";
export { baseUrlProblem } from "./endpoint.js";
export { redact, redactUrls, safeUrl } from "./redact.js";
export { ProviderModel } from "./sdk-model.js";

/** A model id that cannot work as given (printed as one line by the CLI). */
export class ProviderInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/** The judge the study used: gpt-4.1-mini at temperature 0. */
export const STUDY_JUDGE = "openai/gpt-4.1-mini";

/**
 * A provider model for "<provider>/<model>" or "llama:<file.gguf>", or null when the id is not a provider id
 * (the registry then tries its other kinds). Creating a model does no I/O and needs no key yet.
 */
export function resolveProviderModel(id: string, options: ModelOptions = {}): Model | null {
  const parsed = parseModelId(id);
  if (!parsed) return null;
  const resolved = resolveOptions(options);
  if (parsed.preset.kind === "compatible" && !resolved.baseUrl && !parsed.preset.baseUrl)
    throw new ProviderInputError(`--model ${id} needs --base-url http://host:port/v1 (the OpenAI-compatible endpoint)`);
  if (parsed.preset.kind === "llama" && !existsSync(parsed.model))
    throw new ProviderInputError(`--model ${id}: no file ${parsed.model}; give the path of a local .gguf model`);
  if (resolved.apiKeyEnv) registerSecretEnv(resolved.apiKeyEnv);
  if (parsed.preset.kind === "llama") return new LlamaModel(id, parsed.model, resolved);
  if (resolved.baseUrl) {
    const problem = baseUrlProblem(resolved.baseUrl);
    if (problem) throw new ProviderInputError(`--base-url ${safeUrl(resolved.baseUrl)} ${problem}`);
  }
  const model = new ProviderModel(id, parsed, resolved);
  // user:password in the URL becomes HTTP basic auth, which these APIs' bearer key would overwrite.
  const bearer = ["openai", "deepseek", "compatible"].includes(parsed.preset.kind);
  if (model.endpoint?.userinfo && bearer && keyEnvFor(parsed.preset, resolved).found) {
    throw new ProviderInputError(
      `--base-url ${safeUrl(resolved.baseUrl)} carries user:password (HTTP basic auth) but ${id} also sends an API key in the same Authorization header; keep one of them`,
    );
  }
  return model;
}

/** True for models this module made (real providers). */
export function isProviderModel(model: Model): model is ProviderModel | LlamaModel {
  return model instanceof ProviderModel || model instanceof LlamaModel;
}

/**
 * Settings of a model for the run manifest: provider, API, base URL (without credentials), sampling settings,
 * limits and the name (never the value) of the key variable. null for models that are not providers.
 */
export function describeModelSettings(model: Model): Record<string, unknown> | null {
  if (!isProviderModel(model)) return null;
  const o = model.options;
  return {
    ...model.settings(),
    timeoutMs: o.timeoutMs,
    maxRetries: o.maxRetries,
    concurrency: o.concurrency,
    cache: Boolean(o.cacheDir),
    priceVersion: (o.prices ?? defaultPrices()).version,
  };
}

/**
 * Environment variables that must be set before a run can start, by name, for the given models or ids
 * (deduplicated; "GEMINI_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY" when either would do). Empty: all set.
 */
export function checkCredentials(models: Array<Model | string>, options: ModelOptions = {}): string[] {
  const missing = new Set<string>();
  for (const m of models) {
    const id = typeof m === "string" ? m : m.id;
    const parsed = parseModelId(id);
    if (!parsed) continue;
    const opts = typeof m !== "string" && m instanceof ProviderModel ? m.options : resolveOptions(options);
    if (parsed.preset.kind === "llama") continue;
    const key = keyEnvFor(parsed.preset, opts);
    if (key.required && !key.found && key.names.length > 0) missing.add(key.names.join(" or "));
  }
  return [...missing];
}

/** Provider prefixes accepted in model ids (for help texts). */
