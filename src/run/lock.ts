import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../models/trajectory.js";

/**
 * The one-writer lock of a run directory (`run.lock`): `peerbench run` and `--resume` hold it while they write, so
 * two processes never append to one `trials.jsonl`.
 *
 * The lock file names its holder: pid, host, the kernel's boot id and the process's start time (from
 * /proc/<pid>/stat), so a lock left by a process that died (SIGKILL, a crash, a reboot) is recognised as stale and
 * taken over, while a pid reused by another program is not mistaken for the holder. A holder on another host cannot
 * be checked and is treated as alive. The file appears complete or not at all (written aside, then hard-linked),
 * and a stale lock is broken under a second short-lived lock so that two processes never both take it over.
 * Released on every exit path: `release()` and a process-exit hook.
 */
export const LOCK_FILE = "run.lock";

export interface LockHolder {
  pid: number;
  host: string;
  bootId: string | null;
  /** Start time of the process in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: number | null;
  startedAt: string;
  command: string;
  /** Distinguishes two locks of one process. */
  nonce: string;
}

/** A run directory another live process is writing. */
export class RunLockedError extends InputError {}

function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

function startTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the process that wrote the lock is still running. */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  const boot = bootId();
  if (h.bootId && boot && h.bootId !== boot) return false;
  if (!pidExists(h.pid)) return false;
  if (h.startTicks === null) return true;
  const now = startTicksOf(h.pid);
  return now === null || now === h.startTicks;
}

function readHolder(path: string): LockHolder | "missing" | "unreadable" {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "missing" : "unreadable";
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return typeof h.pid === "number" && typeof h.host === "string" ? h : "unreadable";
  } catch {
    return "unreadable";
  }
}

/** Create `path` holding `text`, atomically and only if it does not exist. */
function createExclusive(path: string, text: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  try {
    writeFileSync(aside, text);
    linkSync(aside, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    // also when the write failed half-way (a full disk): no temporary file stays behind
    try {
      unlinkSync(aside);
    } catch {}
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const held = new Set<RunLock>();
let exitHook = false;

export class RunLock {
  private released = false;
  private constructor(
    readonly path: string,
    readonly holder: LockHolder,
  ) {}

  /** Take the lock of `dir` (which must exist), or throw a one-line RunLockedError naming the live holder. */
  static acquire(dir: string, command: string): RunLock {
    const path = join(dir, LOCK_FILE);
    const me: LockHolder = {
      pid: process.pid,
      host: hostname(),
      bootId: bootId(),
      startTicks: startTicksOf(process.pid),
      startedAt: new Date().toISOString(),
      command,
      nonce: randomBytes(8).toString("hex"),
    };
    const text = `${JSON.stringify(me, null, 2)}\n`;
    for (let attempt = 0; attempt < 50; attempt++) {
      if (createExclusive(path, text)) return RunLock.hold(new RunLock(path, me));
      const holder = readHolder(path);
      if (holder === "missing") continue;
      if (holder === "unreadable") {
        throw new RunLockedError(
          `${path} is unreadable; if no peerbench is writing ${dir}, delete that file and run again`,
        );
      }
      if (holderAlive(holder)) {
        const self = holder.pid === process.pid && holder.host === me.host ? " (this process)" : "";
        throw new RunLockedError(
          `${dir} is being written by another peerbench (pid ${holder.pid}${self} on ${holder.host}, since ${holder.startedAt}); wait for it to end or stop it, then run again`,
        );
      }
      breakStale(path, holder);
    }
    throw new RunLockedError(`${path}: could not take the lock; if no peerbench is writing ${dir}, delete that file`);
  }

  private static hold(lock: RunLock): RunLock {
    held.add(lock);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const l of held) l.release();
      });
    }
    return lock;
  }

  /** Remove the lock file if it is still ours. Safe to call more than once. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this);
    const now = readHolder(this.path);
    if (typeof now === "object" && now.nonce === this.holder.nonce) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

/** Remove a stale lock, unless someone else replaced it meanwhile; one breaker at a time. */
function breakStale(path: string, stale: LockHolder): void {
  const breaker = `${path}.break`;
  if (!createExclusive(breaker, String(process.pid))) {
    // Another process is breaking it right now (for microseconds); a breaker left by a crash expires.
    try {
      if (Date.now() - statSync(breaker).mtimeMs > 10_000) unlinkSync(breaker);
    } catch {
      // gone already
    }
    sleepSync(10);
    return;
  }
  try {
    const now = readHolder(path);
    if (typeof now === "object" && now.nonce === stale.nonce && now.pid === stale.pid) unlinkSync(path);
  } finally {
    unlinkSync(breaker);
  }
}
