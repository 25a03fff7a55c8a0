import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Helpers for tests that drive `peerbench` as users do: a child process, its files, its exit. */
export const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
export const EXEC_AGENT = join(import.meta.dirname, "fixtures/exec-agent.mjs");

export function peerbench(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function start(args: string[]): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
}

/** Exit code and stderr of a started process once it ends. */
export function ended(child: ChildProcess): Promise<{ status: number | null; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  child.stdout?.resume();
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stderr })));
}

/** The lines of a run directory's trials.jsonl, parsed. */
export function lines(dir: string): Array<Record<string, unknown> & { id: string; error: string | null }> {
  const p = join(dir, "trials.jsonl");
  if (!existsSync(p)) return [];
  return readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return []; // a damaged line
      }
    });
}

/** Resolves once trials.jsonl holds at least n lines. */
export async function whenRecorded(dir: string, n: number, child?: ChildProcess): Promise<number> {
  for (;;) {
    const p = join(dir, "trials.jsonl");
    const count = existsSync(p) ? readFileSync(p, "utf8").split("\n").length - 1 : 0;
    if (count >= n) return count;
    if (child && child.exitCode !== null) return count;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Trials recorded without error, and how many lines each has: every trial exactly once means no loss, no repeat. */
export function completed(dir: string): { ok: number; duplicated: number } {
  const ok = lines(dir).filter((r) => r.error === null);
  const ids = new Set(ok.map((r) => r.id));
  return { ok: ids.size, duplicated: ok.length - ids.size };
}

/** Leftover temporary files anywhere under dir. */
export function temporaryFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.tmp|tmp-\d+/.test(f));
}
