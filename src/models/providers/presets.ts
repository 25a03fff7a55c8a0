/** How a provider is reached: which SDK adapter, where, and which environment variable holds the key. */
export type ProviderKind = "openai" | "anthropic" | "google" | "deepseek" | "compatible" | "ollama" | "llama";

export interface ProviderPreset {
  /** Provider prefix of a model id ("together" in "together/zai-org/GLM-4.7"). */
  name: string;
  kind: ProviderKind;
  /** Default base URL; undefined means the SDK's default (or, for "compatible", that --base-url is required). */
  baseUrl?: string;
  /** Environment variables that may hold the key, in order of preference. Empty: no key used. */
  keyEnv: string[];
  /** Whether a run must refuse to start without a key. */
  keyRequired: boolean;
}

export const PRESETS: Record<string, ProviderPreset> = {
  openai: { name: "openai", kind: "openai", keyEnv: ["OPENAI_API_KEY"], keyRequired: true },
  anthropic: { name: "anthropic", kind: "anthropic", keyEnv: ["ANTHROPIC_API_KEY"], keyRequired: true },
  google: {
    name: "google",
    kind: "google",
    keyEnv: ["GEMINI_API_KEY", "GOOGLE_GENERATIVE_AI_API_KEY"],
    keyRequired: true,
  },
  deepseek: {
    name: "deepseek",
    kind: "deepseek",
    baseUrl: "https://api.deepseek.com",
    keyEnv: ["DEEPSEEK_API_KEY"],
    keyRequired: true,
  },
  moonshot: {
    name: "moonshot",
    kind: "compatible",
    baseUrl: "https://api.moonshot.ai/v1",
    keyEnv: ["MOONSHOT_API_KEY"],
    keyRequired: true,
  },
  zhipu: {
    name: "zhipu",
    kind: "compatible",
    baseUrl: "https://api.z.ai/api/paas/v4",
    keyEnv: ["ZHIPU_API_KEY"],
    keyRequired: true,
  },
  together: {
    name: "together",
    kind: "compatible",
    baseUrl: "https://api.together.xyz/v1",
    keyEnv: ["TOGETHER_API_KEY"],
    keyRequired: true,
  },
  openrouter: {
    name: "openrouter",
    kind: "compatible",
    baseUrl: "https://openrouter.ai/api/v1",
    keyEnv: ["OPENROUTER_API_KEY"],
    keyRequired: true,
  },
  fireworks: {
    name: "fireworks",
    kind: "compatible",
    baseUrl: "https://api.fireworks.ai/inference/v1",
    keyEnv: ["FIREWORKS_API_KEY"],
    keyRequired: true,
  },
  vllm: {
    name: "vllm",
    kind: "compatible",
    baseUrl: "http://127.0.0.1:8000/v1",
    keyEnv: ["VLLM_API_KEY"],
    keyRequired: false,
  },
  /** Any OpenAI-compatible server: needs --base-url; a key only if --api-key-env names one. */
  compatible: { name: "compatible", kind: "compatible", keyEnv: [], keyRequired: false },
  ollama: { name: "ollama", kind: "ollama", baseUrl: "http://127.0.0.1:11434/api", keyEnv: [], keyRequired: false },
  llama: { name: "llama", kind: "llama", keyEnv: [], keyRequired: false },
};

/** Other spellings users reach for. */
export const ALIASES: Record<string, string> = {
  gemini: "google",
  kimi: "moonshot",
  glm: "zhipu",
  "z-ai": "zhipu",
  zai: "zhipu",
  "openai-compatible": "compatible",
};

export interface ParsedModelId {
  preset: ProviderPreset;
  /** The provider's own model name ("gpt-5.2", "zai-org/GLM-4.7", a GGUF path for llama). */
  model: string;
  /** "openai-chat/..." forces chat completions. */
  forceChat: boolean;
}

/**
 * Splits "<provider>/<model>" (the model may contain further slashes) or "llama:<path.gguf>".
 * Returns null for ids that are not provider ids (sim/..., replay:..., unknown prefixes).
 */
export function parseModelId(id: string): ParsedModelId | null {
  if (id.startsWith("llama:")) {
    const path = id.slice("llama:".length);
    return path ? { preset: PRESETS.llama!, model: path, forceChat: false } : null;
  }
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) return null;
  let provider = id.slice(0, slash).toLowerCase();
  const model = id.slice(slash + 1);
  let forceChat = false;
  if (provider === "openai-chat") {
    provider = "openai";
    forceChat = true;
  }
  provider = ALIASES[provider] ?? provider;
  const preset = PRESETS[provider];
  if (!preset) return null;
  return { preset, model, forceChat };
}

/**
 * The models of the study, by the ids that reach them (`--models study`). GLM, Kimi and DeepSeek V3.1 are
 * reached through the providers that serve those exact versions.
 */
export const STUDY_MODELS: string[] = [
  "openai/gpt-5.2",
  "google/gemini-3-flash-preview",
  "google/gemini-3-pro-preview",
  "anthropic/claude-haiku-4-5",
  "anthropic/claude-opus-4-5",
  "together/zai-org/GLM-4.7",
  "moonshot/kimi-k2.5",
  "together/deepseek-ai/DeepSeek-V3.1",
];

/** Every provider prefix of a model id. */
export const PROVIDER_NAMES = Object.keys(PRESETS);
