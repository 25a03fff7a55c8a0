import { type ChildProcess, fork } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, getPriority, setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { workerEntry } from "./bundle.js";
import type { FromWorker, RunReply, RunRequest, ToWorker } from "./protocol.js";

/** How a pool is sized and what it allows a command line. */
export interface PoolOptions {
  /** Workers kept for ordinary command lines (default: one per core, at least 2; `PEERBENCH_SHELL_WORKERS`). */
  size?: number;
  /** Booted workers kept idle beyond `size`, to take over at once when a command line runs long (default 2). */
  standby?: number;
  /** Workers in all, counting those set aside for long command lines (default: size + standby + 8). */
  maxWorkers?: number;
  /** Heap of one worker in MiB; a command line that needs more is killed (default 1024). */
  memoryMb?: number;
  /** A command line running longer than this (ms) is long: its worker is niced and another serves the rest. */
  longAfterMs?: number;
  /**
   * What a worker is: a child process (default; `PEERBENCH_SHELL_WORKER=thread` changes it) or a thread.
   * A process is niced whole, garbage collector included, when its command runs long; a thread's collector
   * runs on threads shared by the whole process (see bench/shell-isolation.ts).
   */
  kind?: WorkerKind;
}

export type WorkerKind = "process" | "thread";

/** One worker, whichever its kind: post a message, hear back, ref/unref, kill. */
interface Transport {
  post(msg: ToWorker): void;
  onMessage(fn: (msg: FromWorker) => void): void;
  onExit(fn: (outOfMemory: boolean) => void): void;
  ref(): void;
  unref(): void;
  kill(): Promise<void>;
}

function threadTransport(entry: URL, memoryMb: number): Transport {
  const worker = new Worker(entry, {
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 64 },
    stdout: false,
    stderr: false,
  });
  let outOfMemory = false;
  worker.on("error", (e: Error & { code?: string }) => {
    if (e.code === "ERR_WORKER_OUT_OF_MEMORY") outOfMemory = true;
  });
  return {
    post: (msg) => worker.postMessage(msg),
    onMessage: (fn) => worker.on("message", fn),
    onExit: (fn) => worker.on("exit", () => fn(outOfMemory)),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    kill: async () => {
      await worker.terminate();
    },
  };
}

function processTransport(entry: URL, memoryMb: number, nice: number | null): Transport {
  const child: ChildProcess = fork(fileURLToPath(entry), [], {
    execArgv: [`--max-old-space-size=${memoryMb}`, "--max-semi-space-size=32"],
    serialization: "advanced",
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  // a standby worker boots on the cores' spare time (its threads inherit the value; it is reset once ready)
  if (nice !== null && child.pid !== undefined) {
    try {
      setPriority(child.pid, nice);
    } catch {
      // not permitted: it boots at the process's priority
    }
  }
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString("utf8")).slice(-4096);
  });
  return {
    post: (msg) => {
      if (child.connected) child.send(msg);
    },
    onMessage: (fn) => child.on("message", (m) => fn(m as FromWorker)),
    // V8 reports a heap it cannot grow on stderr before it aborts
    onExit: (fn) => child.on("exit", () => fn(/heap out of memory|Allocation failed/i.test(stderr))),
    ref: () => {
      child.ref();
      (child.channel as { ref?: () => void } | undefined)?.ref?.();
      (child.stderr as { ref?: () => void } | null)?.ref?.();
    },
    unref: () => {
      child.unref();
      (child.channel as { unref?: () => void } | undefined)?.unref?.();
      (child.stderr as { unref?: () => void } | null)?.unref?.();
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // an idle worker is unreferenced: referenced again, the process lives until its exit is seen (an awaited
      // close would otherwise leave a script's top-level await unsettled)
      child.ref();
      child.kill("SIGKILL");
      await gone;
    },
  };
}

/**
 * A transport whose worker starts once its entry is known (the bundled worker is built asynchronously, once):
 * messages, handlers and ref/unref given before then are applied when it exists.
 */
function deferredTransport(made: Promise<Transport>): Transport {
  let worker: Transport | null = null;
  const pending: ((w: Transport) => void)[] = [];
  const when = (fn: (w: Transport) => void) => (worker ? fn(worker) : pending.push(fn));
  void made.then((w) => {
    worker = w;
    for (const fn of pending.splice(0)) fn(w);
  });
  return {
    post: (msg) => when((w) => w.post(msg)),
    onMessage: (fn) => when((w) => w.onMessage(fn)),
    onExit: (fn) => when((w) => w.onExit(fn)),
    ref: () => when((w) => w.ref()),
    unref: () => when((w) => w.unref()),
    kill: async () => (await made).kill(),
  };
}

/** What became of one command line. */
export type PoolOutcome =
  | {
      kind: "done";
      reply: RunReply;
      /** Call once the reply's state is applied: the worker that made it then holds the trial at `revision`. */
      settle: (revision: number) => void;
    }
  | { kind: "timeout" }
  | { kind: "out_of_memory" }
  | { kind: "failed"; message: string };

/** The trial-side of a job: where its World stands and how to send it when the worker lacks it. */
export interface JobSource {
  trial: string;
  revision: number;
  request: Omit<RunRequest, "type" | "job" | "state" | "scenario" | "trial">;
  state: () => Promise<RunRequest["state"]>;
  scenario: RunRequest["scenario"];
  hardTimeoutMs: number;
}

interface Job {
  id: number;
  source: JobSource;
  resolve: (o: PoolOutcome) => void;
}

interface Slot {
  worker: Transport;
  /** Booted as a standby, at the lowest priority until it is ready. */
  spare: boolean;
  tid: number | null;
  ready: boolean;
  job: Job | null;
  long: boolean;
  /** A long command line's process, stopped (SIGSTOP) while ordinary command lines wait for a worker. */
  stopped: boolean;
  /** Since when it is stopped (performance.now()), and for how long it was stopped before, this command line. */
  stoppedSince: number;
  stoppedMs: number;
  /** When the command line is killed (performance.now()); moved on by the time it spends stopped. */
  deadline: number;
  killTimer: NodeJS.Timeout | null;
  /** The worker's CPU time when it began the command line itself (after building the trial's World). */
  cpuAtBegin: number | null;
  begun: boolean;
  timers: NodeJS.Timeout[];
  /** Trials whose replica this worker holds, by revision (most recently used last). */
  replicas: Map<string, number>;
}

const KEPT_TRIALS = 64;
/** How far down the queue a worker looks for a trial whose World it holds. */
const LOOKAHEAD = 8;
/**
 * How long a long command line may spend stopped in all, at most (ms), and at most this share of its hard limit;
 * then it is continued for good (see ShellPool.pace). Its own time limit counts wall-clock time, stopped or not,
 * so a command line that is legitimately slow keeps most of its time.
 */
const STOP_BUDGET_MS = 10_000;
const STOP_BUDGET_SHARE = 0.3;
const MAX_BOOT_FAILURES = 3;

/**
 * Set the nice value of a worker: a thread's own, or every thread of a process (Linux applies a nice value to
 * one thread; a process's garbage-collector threads would keep theirs). False when it is not permitted.
 */
function renice(kind: WorkerKind, id: number | null, value: number): boolean {
  if (id === null) return true;
  let ids = [id];
  if (kind === "process") {
    try {
      ids = readdirSync(`/proc/${id}/task`).map(Number);
    } catch {
      // no /proc: the process's main thread only
    }
  }
  let ok = true;
  for (const tid of ids) {
    try {
      setPriority(tid, value);
    } catch {
      ok = false;
    }
  }
  return ok;
}

/** Stop or continue a worker process; false when it cannot be signalled (a thread, or gone). */
function signal(id: number | null, sig: "SIGSTOP" | "SIGCONT"): boolean {
  if (id === null) return false;
  try {
    process.kill(id, sig);
    return true;
  } catch {
    return false;
  }
}

/** Worker processes stopped now, continued if this process exits (they then see the pool gone and end). */
const stoppedWorkers = new Set<number>();
let exitHookSet = false;
function noteStopped(pid: number, stopped: boolean): void {
  if (stopped) stoppedWorkers.add(pid);
  else stoppedWorkers.delete(pid);
  if (!exitHookSet) {
    exitHookSet = true;
    process.on("exit", () => {
      for (const id of stoppedWorkers) signal(id, "SIGCONT");
    });
  }
}

/** CPU time (user + system, ms) a worker has used so far, from /proc; null where that cannot be read. */
function cpuMsOf(kind: WorkerKind, id: number | null): number | null {
  if (id === null) return null;
  try {
    const stat = readFileSync(kind === "process" ? `/proc/${id}/stat` : `/proc/self/task/${id}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: the unit of /proc's CPU times (100 on every Linux that peerbench runs on). */
const CLOCK_TICKS = 100;

function defaultKind(): WorkerKind {
  return process.env.PEERBENCH_SHELL_WORKER === "thread" ? "thread" : "process";
}

export function defaultPoolSize(): number {
  const fromEnv = Number(process.env.PEERBENCH_SHELL_WORKERS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(2, availableParallelism());
}

/**
 * Worker threads that run the in-memory shell's command lines off the main event loop. A command line has a
 * hard wall clock (the worker is terminated) and a heap cap (the worker dies of it); either way the pool
 * replaces the worker and the trial's World, kept by the caller, is untouched. A command line that runs long is
 * niced and its worker does not count against `size`, so a few runaway commands cannot starve the others.
 * Idle workers do not keep the process alive; they end with it (threads cannot outlive their process).
 */
export class ShellPool {
  readonly size: number;
  readonly standby: number;
  readonly maxWorkers: number;
  readonly memoryMb: number;
  readonly longAfterMs: number;
  readonly kind: WorkerKind;
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private readonly readyWaiters: (() => void)[] = [];
  private nextJob = 1;
  private bootFailures = 0;
  private closed = false;
  /** The nice value workers start with (the process's own: a run started under `nice` keeps it). */
  private readonly basePriority = getPriority();
  /** Whether command lines of several trials have been in flight at once (a run, not a lone trial). */
  private concurrent = false;
  /** Counters for tests and benchmarks. */
  readonly stats = { started: 0, killed: 0, outOfMemory: 0, long: 0, stops: 0, stoppedMs: 0, statesSent: 0, jobs: 0 };

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? defaultPoolSize());
    this.standby = Math.max(0, options.standby ?? 2);
    this.maxWorkers = Math.max(this.size, options.maxWorkers ?? this.size + this.standby + 8);
    this.memoryMb = options.memoryMb ?? 1024;
    this.longAfterMs = options.longAfterMs ?? 200;
    this.kind = options.kind ?? defaultKind();
  }

  /** Command lines waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Process ids of the worker processes that are ready (none for threads); for tests. */
  workerPids(): number[] {
    if (this.kind !== "process") return [];
    return [...this.slots].flatMap((s) => (s.tid === null ? [] : [s.tid]));
  }

  /** Workers alive now (starting, idle or busy). */
  get workers(): number {
    return this.slots.size;
  }

  run(source: JobSource): Promise<PoolOutcome> {
    if (this.closed) return Promise.resolve({ kind: "failed", message: "the shell pool is closed" });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextJob++, source, resolve });
      this.dispatch();
    });
  }

  /** Start the ordinary workers; resolves once one is ready to take a command line. */
  warm(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.replenish();
    if ([...this.slots].some((s) => s.ready)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Tell every worker to drop a finished trial's replica. */
  forget(trial: string): void {
    for (const s of this.slots) {
      if (s.replicas.delete(trial)) this.post(s, { type: "forget", trial });
    }
  }

  /** Terminate every worker; jobs still queued or running end as failed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.readyWaiters.splice(0)) w();
    for (const j of this.queue.splice(0)) j.resolve({ kind: "failed", message: "the shell pool is closed" });
    await Promise.all(
      [...this.slots].map((s) => {
        this.finish(s, { kind: "failed", message: "the shell pool is closed" });
        this.slots.delete(s);
        return s.worker.kill();
      }),
    );
  }

  private post(s: Slot, msg: ToWorker): void {
    s.worker.post(msg);
  }

  /** Boot a worker; a standby one (`spare`) boots at the lowest priority, out of the running trials' way. */
  private spawn(spare: boolean): Slot {
    const kind = this.kind;
    const memoryMb = this.memoryMb;
    const nice = spare ? 19 : null;
    const worker = deferredTransport(
      workerEntry().then((entry) =>
        kind === "thread" ? threadTransport(entry, memoryMb) : processTransport(entry, memoryMb, nice),
      ),
    );
    const slot: Slot = {
      spare,
      worker,
      tid: null,
      ready: false,
      job: null,
      long: false,
      stopped: false,
      stoppedSince: 0,
      stoppedMs: 0,
      deadline: 0,
      killTimer: null,
      cpuAtBegin: null,
      begun: false,
      timers: [],
      replicas: new Map(),
    };
    this.stats.started++;
    worker.onMessage((msg) => this.onMessage(slot, msg));
    worker.onExit((outOfMemory) => {
      this.slots.delete(slot);
      if (slot.stopped && slot.tid !== null) noteStopped(slot.tid, false);
      if (!slot.ready && !this.closed) {
        // a worker that dies before it is ready would die again: after a few, give up instead of looping
        this.bootFailures++;
        if (this.bootFailures >= MAX_BOOT_FAILURES) {
          const why = outOfMemory ? `a heap of ${this.memoryMb} MiB is too small to start` : "they exit at start";
          for (const j of this.queue.splice(0)) j.resolve({ kind: "failed", message: `shell workers fail: ${why}` });
          for (const w of this.readyWaiters.splice(0)) w();
          return;
        }
      }
      if (slot.job) {
        if (outOfMemory) this.stats.outOfMemory++;
        this.finish(slot, outOfMemory ? { kind: "out_of_memory" } : { kind: "failed", message: "Killed" });
      }
      this.dispatch();
    });
    // a starting or busy worker keeps the process alive; an idle one does not (see onMessage, finish)
    this.slots.add(slot);
    return slot;
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type === "ready") {
      slot.ready = true;
      slot.tid = msg.tid;
      if (slot.spare) renice(this.kind, slot.tid, this.basePriority);
      this.bootFailures = 0;
      slot.worker.unref();
      for (const w of this.readyWaiters.splice(0)) w();
      this.dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== msg.job) return;
    if (msg.type === "begun") {
      slot.begun = true;
      slot.cpuAtBegin = cpuMsOf(this.kind, slot.tid);
      return;
    }
    if (msg.type === "done") {
      const trial = job.source.trial;
      slot.replicas.delete(trial);
      this.finish(slot, {
        kind: "done",
        reply: msg,
        settle: (revision) => {
          if (this.slots.has(slot) && !slot.replicas.has(trial)) this.note(slot, trial, revision);
        },
      });
    } else {
      slot.replicas.delete(job.source.trial);
      this.finish(slot, { kind: "failed", message: msg.message });
    }
    if (slot.stopped) this.setStopped(slot, false);
    if (slot.long && !this.restorePriority(slot)) {
      // a niced worker that cannot be given its priority back is not reused
      this.slots.delete(slot);
      void slot.worker.kill();
    }
    slot.long = false;
    this.dispatch();
  }

  /** Record that `slot` holds `trial` at `revision`; past KEPT_TRIALS the oldest replica is dropped. */
  private note(slot: Slot, trial: string, revision: number): void {
    slot.replicas.delete(trial);
    slot.replicas.set(trial, revision);
    while (slot.replicas.size > KEPT_TRIALS) {
      const oldest = slot.replicas.keys().next().value as string;
      slot.replicas.delete(oldest);
      this.post(slot, { type: "forget", trial: oldest });
    }
  }

  private finish(slot: Slot, outcome: PoolOutcome): void {
    const job = slot.job;
    for (const t of slot.timers) clearTimeout(t);
    slot.timers = [];
    if (slot.killTimer) clearTimeout(slot.killTimer);
    slot.killTimer = null;
    if (!job) return;
    slot.job = null;
    slot.worker.unref();
    job.resolve(outcome);
  }

  /** Stop or continue a long command line's worker process (threads are only niced). */
  private setStopped(slot: Slot, stopped: boolean): void {
    if (this.kind !== "process" || slot.tid === null || slot.stopped === stopped) return;
    if (!signal(slot.tid, stopped ? "SIGSTOP" : "SIGCONT")) return;
    slot.stopped = stopped;
    noteStopped(slot.tid, stopped);
    const now = performance.now();
    if (stopped) {
      this.stats.stops++;
      slot.stoppedSince = now;
      // the time it spends stopped is not its own: its hard limit waits, and it runs again once its budget is spent
      if (slot.killTimer) clearTimeout(slot.killTimer);
      slot.killTimer = null;
      const budget = stopBudget(slot);
      if (slot.job) slot.timers.push(setTimeout(() => this.pace(), Math.max(0, budget - slot.stoppedMs) + 1));
    } else {
      const stoppedFor = now - slot.stoppedSince;
      slot.stoppedMs += stoppedFor;
      this.stats.stoppedMs += stoppedFor;
      slot.deadline += stoppedFor;
      if (slot.job) this.armKill(slot);
    }
  }

  /** Kill the command line at its deadline; the pool replaces the worker. */
  private armKill(slot: Slot): void {
    if (slot.killTimer) clearTimeout(slot.killTimer);
    slot.killTimer = setTimeout(
      () => {
        slot.killTimer = null;
        this.stats.killed++;
        this.slots.delete(slot);
        this.finish(slot, { kind: "timeout" });
        void slot.worker.kill();
        this.dispatch();
      },
      Math.max(0, slot.deadline - performance.now()),
    );
  }

  /**
   * A long command line's process runs only while no ordinary command line waits for a worker: a niced process
   * still takes the idle moments of a core and slows its sibling on a shared one, so it is stopped instead. Near
   * its hard limit it is continued for good, to end at its own time limit rather than be killed.
   */
  private pace(): void {
    const waiting = this.queue.length > 0;
    const now = performance.now();
    for (const s of this.slots) {
      if (!s.long || !s.job) continue;
      const spent = s.stoppedMs + (s.stopped ? now - s.stoppedSince : 0);
      this.setStopped(s, waiting && spent < stopBudget(s));
    }
  }

  private restorePriority(slot: Slot): boolean {
    return renice(this.kind, slot.tid, this.basePriority);
  }

  /** Workers not set aside for a long command line (starting, idle, or busy with an ordinary one). */
  private ordinaryWorkers(): number {
    let n = 0;
    for (const s of this.slots) if (!s.long) n++;
    return n;
  }

  /** Keep `size + standby` ordinary workers (within `maxWorkers`). */
  private replenish(): void {
    // workers are booted on demand (one for a lone trial, up to `size` when command lines wait), and the standby
    // ones once trials run in parallel or a command line has run long (booting costs about half a second of CPU)
    const busy = [...this.slots].filter((s) => s.job && !s.long).length;
    const wanted = Math.max(1, Math.min(this.size, busy + this.queue.length));
    // a run with trials in parallel keeps its standby booted from the start, so that a command line that runs
    // long is taken over at once instead of while the other trials wait for a worker to boot
    if (busy + this.queue.length > 1) this.concurrent = true;
    const target = wanted + (this.stats.long > 0 || this.concurrent ? this.standby : 0);
    for (let n = this.ordinaryWorkers(); !this.closed && n < target && this.slots.size < this.maxWorkers; n++) {
      this.spawn(n >= wanted);
    }
  }

  private dispatch(): void {
    this.assign();
    this.pace();
  }

  private assign(): void {
    this.replenish();
    while (this.queue.length > 0 && !this.closed) {
      // at most `size` ordinary command lines at once: one per core
      const running = [...this.slots].filter((s) => s.job && !s.long).length;
      if (running >= this.size) return;
      const idle = [...this.slots].filter((s) => s.ready && !s.job);
      if (idle.length === 0) return;
      // a worker that holds a waiting trial's World at its revision takes that trial (no state to send), looking
      // a few places down the queue; otherwise the first in the queue goes to a worker that holds it least stale
      let pick: { slot: Slot; at: number } | null = null;
      const ahead = Math.min(this.queue.length, LOOKAHEAD);
      for (let at = 0; at < ahead && !pick; at++) {
        const { source } = this.queue[at] as Job;
        const slot = idle.find((s) => s.replicas.get(source.trial) === source.revision);
        if (slot) pick = { slot, at };
      }
      if (!pick) {
        const { source } = this.queue[0] as Job;
        pick = { slot: idle.find((s) => !s.replicas.has(source.trial)) ?? (idle[0] as Slot), at: 0 };
      }
      const [job] = this.queue.splice(pick.at, 1) as [Job];
      void this.start(pick.slot, job);
    }
  }

  private async start(slot: Slot, job: Job): Promise<void> {
    slot.job = job;
    slot.worker.ref();
    this.stats.jobs++;
    const { source } = job;
    const held = slot.replicas.get(source.trial);
    const sendState = held !== source.revision;
    const state = sendState ? await source.state() : null;
    if (sendState) this.stats.statesSent++;
    if (slot.job !== job) return;
    slot.stoppedMs = 0;
    slot.begun = false;
    slot.cpuAtBegin = null;
    slot.deadline = performance.now() + source.hardTimeoutMs;
    this.armKill(slot);
    // long: the command line itself used the CPU for longAfterMs (not merely waited for it on a busy machine;
    // building the trial's World from the state sent does not count)
    const check = () => {
      if (slot.job !== job) return;
      const used = slot.cpuAtBegin === null ? null : (cpuMsOf(this.kind, slot.tid) ?? 0) - slot.cpuAtBegin;
      // nobody waits for a worker: nothing to protect, and a niced command would race its wall clock slower
      if (this.queue.length === 0 || !slot.begun || (used !== null && used < this.longAfterMs * 0.8)) {
        slot.timers.push(setTimeout(check, this.longAfterMs));
        return;
      }
      slot.long = true;
      this.stats.long++;
      // not permitted here: the command keeps its priority
      renice(this.kind, slot.tid, 19);
      this.dispatch();
    };
    slot.timers.push(setTimeout(check, this.longAfterMs));
    this.post(slot, {
      type: "run",
      job: job.id,
      trial: source.trial,
      state,
      scenario: held === undefined ? source.scenario : null,
      ...source.request,
    });
  }
}

/** How long a slot's current command line may spend stopped in all (ms). */
function stopBudget(slot: Slot): number {
  const hard = slot.job?.source.hardTimeoutMs ?? 0;
  return Math.min(STOP_BUDGET_MS, hard * STOP_BUDGET_SHARE);
}

let shared: ShellPool | null = null;

/** The process's pool, made on first use. */
export function sharedShellPool(): ShellPool {
  if (!shared) shared = new ShellPool();
  return shared;
}

/** Terminate the process's pool (a new one is made on next use). */
export async function closeSharedShellPool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}
