import { PRESETS } from "./presets.js";

/**
 * Secrets never shown: the values of every known key variable, values registered from URLs (the password and the
 * secret query parameters of a `--base-url`), key-shaped strings, and in any text the credentials of URLs
 * (`scheme://user:password@`) and the values of query parameters whose names look like secrets.
 */

const KEY_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{8,}/g, // OpenAI, Anthropic (sk-ant-), DeepSeek, Moonshot, OpenRouter (sk-or-)
  /\bAIza[0-9A-Za-z_-]{20,}/g, // Google
  /\bfw_[A-Za-z0-9]{16,}/g, // Fireworks
  /\b(?:Bearer|x-api-key:?|x-goog-api-key:?)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

/** Parameter names whose values are secrets, in `?name=value` / `&name=value` (URL-encoded names included). */
const SECRET_QUERY =
  /([?&;](?:[\w.%-]*?)(?:key|token|secret|passw|pwd|auth|signature|credential|session|jwt|bearer)[\w.%-]*=|[?&;]sig=)([^&#\s"'<>\\]+)/gi;

/** Query parameter names that hold secrets. */
export const SECRET_PARAM_NAME = /key|token|secret|passw|pwd|auth|signature|^sig$|credential|session|jwt|bearer/i;

/** `scheme://userinfo@`: everything between `//` and the last `@` before the host. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#\s"'<>@\\]+)@/gi;

const extraEnv = new Set<string>();
const extraValues = new Set<string>();

/** Registers another variable whose value must never be shown (a custom --api-key-env). */
export function registerSecretEnv(name: string): void {
  extraEnv.add(name);
}

/** Registers a secret seen in a URL (a password, a token); short values are too common to replace safely. */
export function registerSecretValue(value: string): void {
  if (value.length >= 4) extraValues.add(value);
}

function secretValues(): string[] {
  const names = new Set<string>(extraEnv);
  for (const p of Object.values(PRESETS)) for (const n of p.keyEnv) names.add(n);
  const values: string[] = [...extraValues];
  for (const n of names) {
    const v = process.env[n];
    if (v && v.length >= 6) values.push(v);
  }
  // Each value also as it appears inside JSON text and in a URL.
  const forms = new Set<string>();
  for (const v of values) {
    forms.add(v);
    forms.add(JSON.stringify(v).slice(1, -1));
    forms.add(encodeURIComponent(v));
  }
  return [...forms].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
}

/** Credentials of every URL in `text` and secret query values removed. */
export function redactUrls(text: string): string {
  let out = text;
  if (out.includes("@")) out = out.replace(URL_USERINFO, (_m, scheme: string) => `${scheme}[redacted]@`);
  if (out.includes("=")) out = out.replace(SECRET_QUERY, (_m, name: string) => `${name}[redacted]`);
  return out;
}

/** Cheap test for the key patterns' anchors, so long texts without any skip the expressions. */
const KEY_ANCHORS = /sk-|AIza|fw_|bearer|x-api-key|x-goog-api-key/i;

/** Removes API keys and URL credentials from a message, a record or a file before it is shown or written. */
export function redact(text: string): string {
  let out = text;
  for (const v of secretValues()) if (out.includes(v)) out = out.split(v).join("[redacted]");
  if (KEY_ANCHORS.test(out)) for (const re of KEY_PATTERNS) out = out.replace(re, "[redacted]");
  return redactUrls(out);
}

/** A base URL as it may be recorded: credentials and secret query values shown as [redacted]. */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return redact(url);
  }
  const creds = u.username || u.password ? "[redacted]@" : "";
  const query = [...u.searchParams.entries()]
    .map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_PARAM_NAME.test(k) ? "[redacted]" : encodeURIComponent(v)}`)
    .join("&");
  const path = u.pathname.replace(/\/+$/, "");
  return redact(`${u.protocol}//${creds}${u.host}${path}${query ? `?${query}` : ""}`);
}
