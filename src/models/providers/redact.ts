import { PRESETS } from "./presets.js";

const KEY_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-), DeepSeek, Moonshot, OpenRouter (sk-or-)
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google
  /\bfw_[A-Za-z0-9]{16,}/g, // Fireworks
  /\b(?:Bearer|x-api-key:?|x-goog-api-key:?)\s+[A-Za-z0-9._-]{8,}/gi,
  /([?&](?:key|api_key|apikey|token)=)[^&\s"']+/gi,
];

const extraEnv = new Set<string>();

/** Registers another variable whose value must never be shown (a custom --api-key-env). */
export function registerSecretEnv(name: string): void {
  extraEnv.add(name);
}

function secretValues(): string[] {
  const names = new Set<string>(extraEnv);
  for (const p of Object.values(PRESETS)) for (const n of p.keyEnv) names.add(n);
  const values: string[] = [];
  for (const n of names) {
    const v = process.env[n];
    if (v && v.length >= 6) values.push(v);
  }
  return values.sort((a, b) => b.length - a.length);
}

/** Removes API keys (the values of every known key variable, and key-shaped strings) from a message. */
export function redact(text: string): string {
  let out = text;
  for (const v of secretValues()) out = out.split(v).join("[redacted]");
  for (const re of KEY_PATTERNS)
    out = out.replace(re, (m, prefix?: string) =>
      typeof prefix === "string" && m.startsWith(prefix) ? `${prefix}[redacted]` : "[redacted]",
    );
  return out;
}

/** A base URL as it may be recorded: credentials and query strings removed. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return redact(url);
  }
}
