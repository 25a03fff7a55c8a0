import type { Model } from "../models/model.js";
import { parseEndpoint } from "../models/providers/endpoint.js";
import { isProviderModel } from "../models/providers/index.js";
import type { ProviderKind } from "../models/providers/presets.js";
import { safeUrl } from "../models/providers/redact.js";
import { keyEnvFor, ProviderModel } from "../models/providers/sdk-model.js";
import { InputError } from "../models/trajectory.js";
import { agentAdapter } from "./agents/index.js";
import type { GatewayMode, ProviderUpstream } from "./gateway.js";
import type { WireApi } from "./wire.js";

/**
 * Forward mode (`--gateway forward`): the product's calls go unchanged to the provider of `--model`, at its
 * `--base-url` (or the provider's usual endpoint), with the key from the provider's key variable. The product's wire
 * format is not translated, so the provider must speak it: Codex (OpenAI Responses) needs an `openai/` model, OpenCode
 * and Qwen Code (chat completions) an OpenAI-compatible one, Claude Code an `anthropic/` one, Gemini CLI a
 * `google/` one.
 */

/** Provider kinds that serve each wire API as the products send it. */
const SERVES: Record<WireApi, ProviderKind[]> = {
  responses: ["openai"],
  chat: ["openai", "compatible", "deepseek"],
  anthropic: ["anthropic"],
  gemini: ["google"],
};

/** The providers' usual endpoints, where a preset leaves it to the SDK. */
const DEFAULT_ENDPOINT: Partial<Record<ProviderKind, string>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
  google: "https://generativelanguage.googleapis.com/v1beta",
};

export const API_NAMES: Record<WireApi, string> = {
  responses: "OpenAI Responses",
  chat: "OpenAI chat completions",
  anthropic: "Anthropic messages",
  gemini: "Gemini generateContent",
};

export interface ForwardPlan {
  mode: Extract<GatewayMode, { kind: "forward" }>;
  /** The wire API the product speaks (what the manifest records as the model's api). */
  api: WireApi;
  /** The upstream as it may be shown: credentials redacted. */
  upstream: string;
  /** Name of the variable the key came from, or null when the endpoint takes none. */
  keyEnv: string | null;
  /** One line for the terminal and the trial's notes. */
  describe: string;
}

/** How forward mode reaches `model`'s provider for `agent`, or a one-line InputError saying why it cannot. */
export function forwardPlan(model: Model, agent: string): ForwardPlan {
  const adapter = agentAdapter(agent);
  if (!isProviderModel(model) || !(model instanceof ProviderModel)) {
    throw new InputError(
      `--gateway forward sends ${agent}'s calls to the provider of --model, and ${model.id} is not a provider model (give e.g. --model ${defaultExample(adapter.api)}, or use --gateway model)`,
    );
  }
  const kind = model.parsed.preset.kind;
  if (!SERVES[adapter.api].includes(kind) || (adapter.api === "responses" && model.api === "chat")) {
    throw new InputError(
      `--gateway forward passes ${agent}'s ${API_NAMES[adapter.api]} calls through unchanged, which ${model.id} does not serve; use a model such as ${defaultExample(adapter.api)}, or --gateway model to let any model answer`,
    );
  }
  const raw = model.baseUrl ?? DEFAULT_ENDPOINT[kind];
  if (!raw) throw new InputError(`--gateway forward: ${model.id} has no endpoint; give --base-url`);
  const endpoint = parseEndpoint(raw);
  const key = keyEnvFor(model.parsed.preset, model.options);
  const apiKey = key.found ? (process.env[key.found] ?? "") : "";
  const upstream: ProviderUpstream = {
    baseUrl: endpoint.url,
    apiKey,
    ...(endpoint.query.length ? { query: endpoint.query } : {}),
    ...(endpoint.userinfo ? { userinfo: endpoint.userinfo } : {}),
  };
  const slot = adapter.api === "anthropic" ? "anthropic" : adapter.api === "gemini" ? "google" : "openai";
  const shown = safeUrl(raw) ?? raw;
  return {
    mode: { kind: "forward", [slot]: upstream },
    api: adapter.api,
    upstream: shown,
    keyEnv: key.found,
    describe: `forward: ${agent}'s ${API_NAMES[adapter.api]} calls go to ${shown}${key.found ? ` with the key in ${key.found}` : " without a key"}`,
  };
}

function defaultExample(api: WireApi): string {
  return {
    responses: "openai/gpt-5.2",
    chat: "openai-chat/gpt-4.1-mini",
    anthropic: "anthropic/claude-haiku-4-5",
    gemini: "google/gemini-3-flash-preview",
  }[api];
}

/**
 * The upstream URL of a product's request: the product sends `/v1/...` (`/v1beta/...` for Gemini); an upstream
 * with a path of its own (`https://proxy/v1`, `https://api.z.ai/api/paas/v4`) takes the rest of it after that path,
 * an upstream without one (`https://api.openai.com`) takes the whole path. Query parameters of the upstream URL
 * are added.
 */
export function upstreamUrl(up: ProviderUpstream, requestPath: string): string {
  const base = new URL(up.baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  const [path, search] = requestPath.split("?", 2) as [string, string | undefined];
  const rest = basePath ? path.replace(/^\/v1(beta|alpha)?(?=\/|$)/, "") : path;
  const url = new URL(`${base.origin}${basePath}${rest}`);
  if (search) for (const [k, v] of new URLSearchParams(search)) url.searchParams.append(k, v);
  for (const [k, v] of up.query ?? []) if (!url.searchParams.has(k)) url.searchParams.append(k, v);
  return url.toString();
}
