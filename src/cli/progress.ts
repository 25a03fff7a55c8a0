/**
 * Progress of a run on stderr. On a terminal: a live bar. Piped (CI, `| tee`, a log file): a line every N trials,
 * N chosen from the run's size, and a line after a quiet minute. Both give a rate and an ETA only once the first
 * results give one: never "ETA 0s" at 0%.
 */

/** What the run reports after each trial (src/run/suite.ts `SuiteProgress`). */
export interface ProgressSnapshot {
  done: number;
  total: number;
  errors: number;
  costUsd: number;
}

/** A piped run prints about ten lines: N is the smallest 1, 2 or 5 × 10^k at or above a tenth of the trials. */
export function progressStep(total: number): number {
  const target = Math.max(1, total / 10);
  const magnitude = 10 ** Math.floor(Math.log10(target));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= target) return m * magnitude;
  return 10 * magnitude;
}

/** "45s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/** Trials per minute as people read it: "8,400", "12", "0.4". */
function formatRate(perMinute: number): string {
  if (perMinute >= 10) return Math.round(perMinute).toLocaleString("en-US");
  return perMinute.toFixed(1);
}

/**
 * The pace of this process's trials: trials recorded before a resume are not counted, and no rate is given
 * before `warmup` trials have ended (the first wave of `concurrency` trials ends together; one result alone
 * would put the ETA at `concurrency` times the truth).
 */
export class RunPace {
  private readonly startDone: number;
  private readonly warmup: number;

  constructor(
    first: ProgressSnapshot,
    concurrency: number,
    private readonly startedAt: number,
  ) {
    this.startDone = first.done;
    this.warmup = Math.max(1, Math.min(concurrency, first.total - first.done));
  }

  /** Trials ended in this process. */
  ranHere(p: ProgressSnapshot): number {
    return p.done - this.startDone;
  }

  /** Trials still to end before a rate is given (0: the rate is known). */
  untilRate(p: ProgressSnapshot): number {
    return Math.max(0, this.warmup - this.ranHere(p));
  }

  /** Trials per minute, or null before the first results. */
  perMinute(p: ProgressSnapshot, now: number): number | null {
    const elapsed = now - this.startedAt;
    if (this.untilRate(p) > 0 || elapsed <= 0) return null;
    return (this.ranHere(p) * 60_000) / elapsed;
  }

  /** Milliseconds left at the current rate, or null before the first results. */
  etaMs(p: ProgressSnapshot, now: number): number | null {
    const rate = this.perMinute(p, now);
    if (rate === null || rate <= 0) return null;
    return ((p.total - p.done) / rate) * 60_000;
  }

  elapsedMs(now: number): number {
    return now - this.startedAt;
  }
}

/**
 * "8,400 trials/min, ETA 21s", or what is still awaited before a rate can be given. `live`: for the bar, which
 * is redrawn with the text of the last trial's end, so it names no elapsed time that would stand still.
 */
export function paceText(pace: RunPace, p: ProgressSnapshot, now: number, live = false): string {
  const rate = pace.perMinute(p, now);
  if (p.done >= p.total && pace.ranHere(p) > 0) {
    return `${rate === null ? "" : `${formatRate(rate)} trials/min, `}done in ${formatDuration(pace.elapsedMs(now))}`;
  }
  const eta = pace.etaMs(p, now);
  if (rate === null || eta === null) {
    const waiting = pace.untilRate(p);
    if (pace.ranHere(p) === 0 && live) return "rate and ETA after the first trials end";
    return pace.ranHere(p) === 0
      ? `no trial ended yet (${formatDuration(pace.elapsedMs(now))} elapsed)`
      : `rate and ETA after ${waiting} more trial${waiting === 1 ? "" : "s"}`;
  }
  return `${formatRate(rate)} trials/min, ETA ${formatDuration(eta)}`;
}

/** One line of piped progress. */
export function progressLine(pace: RunPace, p: ProgressSnapshot, now: number): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  const errors = `${p.errors} error${p.errors === 1 ? "" : "s"}`;
  const cost = p.costUsd > 0 ? `, $${p.costUsd.toFixed(2)} spent` : "";
  return `progress: ${p.done}/${p.total} trials (${pct}%), ${errors}${cost}, ${paceText(pace, p, now)}`;
}

export interface ProgressReporter {
  update(p: ProgressSnapshot): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Trials run at once (the rate waits for the first wave). */
  concurrency: number;
  /** Where lines go (default stderr). */
  write?: (line: string) => void;
  now?: () => number;
  /** A piped run prints a line after this long without one (default 60 s), so a slow run is seen alive. */
  quietMs?: number;
}

/** Piped progress: a line when `done` reaches a multiple of the step, at the end, and after a quiet minute. */
export class ProgressLines implements ProgressReporter {
  private pace: RunPace | null = null;
  private last: ProgressSnapshot | null = null;
  private lastLineAt = 0;
  private step = 1;
  private timer: NodeJS.Timeout | null = null;
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private readonly quietMs: number;

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((line) => process.stderr.write(`${line}\n`));
    this.now = opts.now ?? Date.now;
    this.quietMs = opts.quietMs ?? 60_000;
  }

  update(p: ProgressSnapshot): void {
    const now = this.now();
    if (!this.pace) {
      // the first report comes before any trial of this process: nothing to say yet ("Running …" said it)
      this.pace = new RunPace(p, this.opts.concurrency, now);
      this.step = progressStep(p.total);
      this.last = p;
      this.lastLineAt = now;
      this.timer = setInterval(() => this.tick(), Math.min(this.quietMs, 5_000));
      this.timer.unref();
      return;
    }
    const crossed = Math.floor(p.done / this.step) > Math.floor((this.last?.done ?? 0) / this.step);
    this.last = p;
    if (crossed || p.done >= p.total) this.print(p, now);
  }

  /** Called by the timer: a line when nothing was printed for `quietMs`. */
  tick(): void {
    const now = this.now();
    if (this.pace && this.last && this.last.done < this.last.total && now - this.lastLineAt >= this.quietMs)
      this.print(this.last, now);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private print(p: ProgressSnapshot, now: number): void {
    this.lastLineAt = now;
    this.write(progressLine(this.pace!, p, now));
  }
}

/**
 * The live bar on a terminal, with the same pace as the piped lines (cli-progress's own ETA says 0s before any
 * trial has ended).
 */
async function progressBar(opts: ProgressOptions): Promise<ProgressReporter> {
  const { default: cliProgress } = await import("cli-progress");
  const now = opts.now ?? Date.now;
  const bar = new cliProgress.SingleBar(
    {
      format: "{bar} {value}/{total} trials | {percentage}% | {pace} | errors {errors} | USD {cost}",
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let pace: RunPace | null = null;
  return {
    update: (p) => {
      const t = now();
      const payload = () => ({ errors: p.errors, cost: p.costUsd.toFixed(2), pace: paceText(pace!, p, t, true) });
      if (!pace) {
        pace = new RunPace(p, opts.concurrency, t);
        bar.start(p.total, p.done, payload());
      } else bar.update(p.done, payload());
    },
    stop: () => bar.stop(),
  };
}

/** The progress a run shows: none, the bar (stderr is a terminal) or lines (piped). */
export async function progressReporter(
  enabled: boolean,
  opts: ProgressOptions & { tty?: boolean },
): Promise<ProgressReporter> {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  if (opts.tty ?? process.stderr.isTTY) return progressBar(opts);
  return new ProgressLines(opts);
}
