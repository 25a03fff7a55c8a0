import { APICallError, RetryError } from "ai";
import { ModelError } from "../model.js";
import { type AdaptiveLimiter, sleep } from "./limiter.js";
import { redact } from "./redact.js";

export interface RetryPolicy {
  maxRetries: number;
  timeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface AttemptInfo {
  attempt: number;
  signal: AbortSignal;
}

/** Thrown inside an attempt when its own timer fired (as opposed to the trial being cancelled). */
class AttemptTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no response within ${ms} ms`);
  }
}

interface Classified {
  retryable: boolean;
  rateLimited: boolean;
  retryAfterMs: number | null;
  message: string;
  /** What the user can check, appended after the attempt count. */
  hint?: string;
}

function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/** retry-after-ms, retry-after (seconds or an HTTP date), in ms; null when absent. */
export function retryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | null {
  const ms = headerValue(headers, "retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headerValue(headers, "retry-after");
  if (!ra) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

function unwrap(error: unknown): unknown {
  if (RetryError.isInstance(error)) return error.lastError;
  return error;
}

function classify(raw: unknown): Classified {
  const error = unwrap(raw);
  if (error instanceof AttemptTimeout)
    return { retryable: true, rateLimited: false, retryAfterMs: null, message: error.message };
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const rateLimited = status === 429;
    const retryable =
      rateLimited ||
      status === 408 ||
      status === 409 ||
      (status !== undefined && status >= 500) ||
      (status === undefined && error.isRetryable) ||
      cutBody(status, error.responseBody);
    const body = error.responseBody ? `: ${error.responseBody.slice(0, 300)}` : "";
    return {
      retryable,
      rateLimited,
      retryAfterMs: retryAfterMs(error.responseHeaders),
      message:
        status === undefined
          ? `cannot reach ${hostOf(error.url)} (${error.message})`
          : `HTTP ${status} from ${hostOf(error.url)} (${error.message})${body}`,
      ...(status === undefined ? { hint: "is the server up and the base URL right?" } : {}),
    };
  }
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.cause?.code ?? "";
  const network =
    (e?.name === "TypeError" && /fetch failed|terminated|socket/i.test(e.message ?? "")) ||
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|UND_ERR/.test(code);
  const detail = e?.cause?.message ? `${e.message} (${e.cause.message})` : (e?.message ?? String(error));
  return { retryable: network, rateLimited: false, retryAfterMs: null, message: detail };
}

/**
 * A success status whose body is not JSON at all: the response was cut on the way (a proxy, a dropped connection),
 * which another attempt fixes. A body that parses but misses fields is the server's answer and is not retried.
 */
function cutBody(status: number | undefined, body: string | undefined): boolean {
  if (status === undefined || status < 200 || status >= 300 || body === undefined) return false;
  try {
    JSON.parse(body);
    return false;
  } catch {
    return true;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "the provider";
  }
}

/** Full-jitter exponential backoff; a server's retry-after is honoured (capped at maxDelayMs). */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  serverAsked: number | null,
  random = Math.random,
): number {
  if (serverAsked !== null) return Math.min(serverAsked, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface RetryStats {
  attempts: number;
  rateLimited: number;
}

/**
 * Runs one model call through the endpoint's limiter with a per-attempt timeout, retrying 429 / 5xx /
 * timeouts / connection errors. A call that still fails, or fails in a way a retry cannot fix, becomes a
 * ModelError whose message has every key removed.
 */
export async function callWithRetry<T>(
  label: string,
  policy: RetryPolicy,
  limiter: AdaptiveLimiter,
  trialSignal: AbortSignal | undefined,
  fn: (info: AttemptInfo) => Promise<T>,
  stats: RetryStats = { attempts: 0, rateLimited: 0 },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (trialSignal?.aborted) throw new ModelError(`${label}: cancelled`);
    stats.attempts = attempt;
    const controller = new AbortController();
    const timeout = new AttemptTimeout(policy.timeoutMs);
    let timer: NodeJS.Timeout | undefined;
    const onTrialAbort = () => controller.abort(trialSignal?.reason);
    trialSignal?.addEventListener("abort", onTrialAbort, { once: true });
    try {
      const result = await limiter.run(async () => {
        // The timer starts when the call leaves the queue: waiting for a slot is not the provider's fault.
        timer = setTimeout(() => controller.abort(timeout), policy.timeoutMs);
        try {
          return await fn({ attempt, signal: controller.signal });
        } catch (e) {
          // The SDK reports an aborted fetch as an AbortError; say which abort it was.
          if (controller.signal.reason === timeout) throw timeout;
          throw e;
        }
      }, trialSignal);
      limiter.onSuccess();
      return result;
    } catch (error) {
      if (trialSignal?.aborted) throw new ModelError(`${label}: cancelled`);
      const c = classify(error);
      if (c.rateLimited) {
        stats.rateLimited++;
        limiter.onRateLimited(c.retryAfterMs);
      }
      if (!c.retryable || attempt > policy.maxRetries) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        const hint = c.hint ? `; ${c.hint}` : "";
        throw new ModelError(redact(`${label}: ${c.message}${tries}${hint}`), c.retryable);
      }
      await sleep(backoffMs(attempt, policy, c.retryAfterMs), trialSignal).catch(() => {
        throw new ModelError(`${label}: cancelled`);
      });
    } finally {
      clearTimeout(timer);
      trialSignal?.removeEventListener("abort", onTrialAbort);
    }
  }
}
