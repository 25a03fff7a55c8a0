import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { holderAlive, LOCK_FILE, type LockHolder, RunLock } from "../../src/run/lock.js";
import { completed, ended, EXEC_AGENT, peerbench, start, whenRecorded } from "./cli.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-lock-"));
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) spawnSync("umount", [m]);
  rmSync(root, { recursive: true, force: true });
});
const isRoot = process.getuid?.() === 0;

function freshDir(name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** The pid of a process that has exited (and was reaped): nobody holds it now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

function lockOf(dir: string): LockHolder {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8")) as LockHolder;
}

describe("the run directory's lock", () => {
  it("names its holder and refuses a second writer in one line; release lets the next one in", () => {
    const dir = freshDir("basic");
    const lock = RunLock.acquire(dir, "peerbench run A");
    const holder = lockOf(dir);
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), command: "peerbench run A" });
    expect(typeof holder.startTicks).toBe("number");
    expect(() => RunLock.acquire(dir, "peerbench run B")).toThrow(
      new RegExp(`^${dir} is being written by another peerbench \\(pid ${process.pid} \\(this process\\) on `),
    );
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    RunLock.acquire(dir, "peerbench run B").release();
  });

  it("takes over the lock of a process that died", () => {
    const dir = freshDir("dead");
    const stale: LockHolder = { ...templateHolder(), pid: deadPid() };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(stale));
    expect(holderAlive(stale)).toBe(false);
    const lock = RunLock.acquire(dir, "peerbench run C");
    expect(lockOf(dir).pid).toBe(process.pid);
    lock.release();
  });

  it("a live pid that started at another time (a reused pid) or before a reboot is not the holder", () => {
    const me = templateHolder();
    expect(holderAlive(me)).toBe(true);
    expect(holderAlive({ ...me, startTicks: (me.startTicks ?? 0) + 12345 })).toBe(false);
    expect(holderAlive({ ...me, bootId: "00000000-0000-0000-0000-000000000000" })).toBe(false);
  });

  it("a holder on another host cannot be checked: refused, with what to do", () => {
    const dir = freshDir("remote");
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ ...templateHolder(), host: "other-host", pid: 1 }));
    expect(() => RunLock.acquire(dir, "x")).toThrow(/pid 1 on other-host/);
  });

  // A full disk needs a tmpfs of its own (root; CI runs as root).
  it.skipIf(!isRoot && process.env.CI !== "true")(
    "on a full disk: the error, and no lock or temporary file left behind",
    () => {
      const dir = freshDir("full");
      expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]).status).toBe(0);
      mounts.push(dir);
      const fs = statfsSync(dir);
      writeFileSync(join(dir, "filler"), Buffer.alloc(fs.bavail * fs.bsize));
      expect(() => RunLock.acquire(dir, "peerbench run F")).toThrow(/ENOSPC/);
      expect(readdirSync(dir)).toEqual(["filler"]);
    },
  );
});

/** A holder that is this process, as the lock writes it. */
function templateHolder(): LockHolder {
  const dir = freshDir(`t-${Math.random().toString(36).slice(2)}`);
  const lock = RunLock.acquire(dir, "template");
  const h = lockOf(dir);
  lock.release();
  return h;
}

describe("two writers of one run directory", () => {
  const slow = ["--model", `exec:node ${EXEC_AGENT} ok`, "--concurrency", "1", "--no-progress", "--no-report"];

  it("a --resume while the run is alive, and a second of two concurrent --resumes, are refused in one line; nothing is run twice", async () => {
    const out = join(root, "busy");
    const first = start(["run", ...slow, "--epochs", "2", "--out", out]);
    const firstDone = ended(first);
    await whenRecorded(out, 2, first);
    const second = peerbench(["run", "--resume", out, "--no-progress", "--no-report"]);
    expect(second.status).toBe(2);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(new RegExp(`${out} is being written by another peerbench \\(pid ${first.pid} on `));
    first.kill("SIGINT");
    expect((await firstDone).status).toBe(3);
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    expect(completed(out).ok).toBeLessThan(70);

    // Two resumes at once: one takes the lock and completes the run, the other is refused.
    const results = await Promise.all(
      [0, 1].map(() => ended(start(["run", "--resume", out, "--no-progress", "--no-report"]))),
    );
    expect(results.map((r) => r.status).sort()).toEqual([0, 2]);
    expect(results.find((r) => r.status === 2)?.stderr).toMatch(/is being written by another peerbench/);
    expect(completed(out)).toEqual({ ok: 70, duplicated: 0 });
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 240_000);

  it("a --resume after a SIGKILL takes over the dead process's lock", async () => {
    const out = join(root, "killed");
    const child = start([
      "run",
      "--model",
      "sim/honest",
      "--epochs",
      "10",
      "--out",
      out,
      "--no-progress",
      "--no-report",
    ]);
    const done = ended(child);
    await whenRecorded(out, 3, child);
    child.kill("SIGKILL");
    await done;
    expect(existsSync(join(out, LOCK_FILE))).toBe(true);
    const resumed = peerbench(["run", "--resume", out, "--no-progress", "--no-report"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(completed(out)).toEqual({ ok: 350, duplicated: 0 });
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 120_000);

  it("run --out on a directory holding trial records without a manifest is refused: nothing is appended", () => {
    const out = join(root, "no-manifest");
    mkdirSync(out);
    writeFileSync(join(out, "trials.jsonl"), '{"format":"peerbench.trial/v1"}\n');
    const r = peerbench(["run", "--model", "sim/honest", "--epochs", "1", "--out", out, "--no-progress"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /holds trial records but no manifest.json \(a damaged run directory\); choose another --out/,
    );
    expect(readFileSync(join(out, "trials.jsonl"), "utf8")).toBe('{"format":"peerbench.trial/v1"}\n');
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  });
});
