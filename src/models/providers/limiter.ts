import PQueue from "p-queue";

/**
 * Concurrency limit for one provider endpoint, shared by every session in the process. Under 429s it halves
 * its concurrency (never below 1); after a run of successes it raises it again by one, up to the configured cap.
 */
export class AdaptiveLimiter {
  readonly queue: PQueue;
  private successes = 0;
  /** Until this time no new call starts (a retry-after the server asked for applies to everyone). */
  private pausedUntil = 0;

  constructor(
    readonly key: string,
    readonly max: number,
  ) {
    this.queue = new PQueue({ concurrency: max });
  }

  get concurrency(): number {
    return this.queue.concurrency;
  }

  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.queue.add(
      async () => {
        const wait = this.pausedUntil - Date.now();
        if (wait > 0) await sleep(wait, signal);
        return fn();
      },
      { signal },
    ) as Promise<T>;
  }

  onRateLimited(retryAfterMs: number | null): void {
    this.successes = 0;
    this.queue.concurrency = Math.max(1, Math.floor(this.queue.concurrency / 2));
    if (retryAfterMs && retryAfterMs > 0) this.pausedUntil = Math.max(this.pausedUntil, Date.now() + retryAfterMs);
  }

  onSuccess(): void {
    if (this.queue.concurrency >= this.max) return;
    this.successes++;
    if (this.successes >= 5) {
      this.successes = 0;
      this.queue.concurrency = Math.min(this.max, this.queue.concurrency + 1);
    }
  }
}

const limiters = new Map<string, AdaptiveLimiter>();

/** One limiter per endpoint key; the first caller's cap wins (the CLI passes one --concurrency). */
export function limiterFor(key: string, max: number): AdaptiveLimiter {
  let l = limiters.get(key);
  if (!l) {
    l = new AdaptiveLimiter(key, max);
    limiters.set(key, l);
  }
  return l;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
