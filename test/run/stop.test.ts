import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeProvider } from "../providers/fake-server.js";
import { completed, ended, lines, peerbench, start, whenRecorded } from "./cli.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-stop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 271 configurations × 19 epochs of one simulated persona: a paper run of 5,149 trials.
const PAPER_RUN = ["--model", "sim/loyal", "--preset", "paper", "--epochs", "19", "--no-progress", "--no-report"];
const PLANNED = 271 * 19;

/** Start a run, signal it once `after` trials are recorded; its exit and what it said. */
async function stopAfter(out: string, args: string[], after: number, signal: NodeJS.Signals) {
  const child = start(["run", ...args, "--out", out]);
  const done = ended(child);
  await whenRecorded(out, after, child);
  child.kill(signal);
  return done;
}

describe("a run stops when asked", () => {
  it("SIGINT on a paper run of 5,149 trials: no trial starts after it, trials in flight are recorded as interrupted, exit 3; --resume completes the run with nothing lost or repeated", async () => {
    const out = join(root, "paper");
    const { status, stderr } = await stopAfter(out, PAPER_RUN, 100, "SIGINT");
    expect(status, stderr).toBe(3);
    expect(stderr).toMatch(new RegExp(`Stopped by SIGINT: \\d+ of ${PLANNED} trials recorded`));
    expect(stderr).toContain(`--resume ${out}`);
    // The run stopped where it was: before the fix it went on to record all 5,149 trials.
    const stopped = lines(out);
    expect(stopped.length).toBeGreaterThanOrEqual(100);
    expect(stopped.length).toBeLessThan(PLANNED / 2);
    for (const r of stopped.filter((x) => x.endReason === "interrupted")) {
      expect(r.error).toMatch(/^interrupted by SIGINT before the trial ended/);
      expect(r.outcome).toBeNull();
    }
    expect(existsSync(join(out, "run.lock"))).toBe(false);
    expect(existsSync(join(out, "report.html"))).toBe(false);

    const resumed = peerbench(["run", "--resume", out, "--no-progress", "--no-report", "--json"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(completed(out)).toEqual({ ok: PLANNED, duplicated: 0 });
  }, 300_000);

  it("SIGTERM stops it the same way", async () => {
    const out = join(root, "term");
    const args = ["--model", "sim/honest", "--epochs", "6", "--no-progress", "--no-report"];
    const { status, stderr } = await stopAfter(out, args, 20, "SIGTERM");
    expect(status, stderr).toBe(3);
    expect(stderr).toMatch(/Stopped by SIGTERM: \d+ of 210 trials recorded/);
    expect(lines(out).length).toBeLessThan(210);
    const resumed = peerbench(["run", "--resume", out, "--no-progress", "--no-report", "--json"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(completed(out)).toEqual({ ok: 210, duplicated: 0 });
  }, 120_000);

  it("against a real endpoint: calls in flight are cut, their trials recorded as interrupted (not errors) and run again by --resume", async () => {
    // The first two calls never get an answer: those trials are in flight when the signal comes.
    const server = await startFakeProvider("openai-chat", () => ({ toolCalls: [{ name: "end_task", args: {} }] }), [
      { hang: true },
      { hang: true },
    ]);
    try {
      const out = join(root, "endpoint");
      const args = ["--model", "compatible/m", "--base-url", `${server.url}/v1`, "--task", "misrep_finance"];
      const plan = [...args, "--subject", "peer", "--relationship", "good", "--epochs", "3", "--concurrency", "2"];
      const child = start(["run", ...plan, "--no-progress", "--no-report", "--out", out]);
      const done = ended(child);
      while (server.requests.length < 2 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      child.kill("SIGINT");
      const { status, stderr } = await done;
      expect(status, stderr).toBe(3);
      expect(stderr).toMatch(/Stopped by SIGINT: 0 of 3 trials recorded, 2 interrupted/);
      const stopped = lines(out);
      expect(stopped).toHaveLength(2);
      for (const r of stopped) {
        expect(r.endReason).toBe("interrupted");
        expect(r.error).toMatch(/^interrupted by SIGINT before the trial ended/);
        expect(r.outcome).toBeNull();
      }
      // spawn, not spawnSync: the endpoint answers from this process
      const resumed = await ended(start(["run", "--resume", out, "--base-url", `${server.url}/v1`, "--no-progress"]));
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(completed(out)).toEqual({ ok: 3, duplicated: 0 });
    } finally {
      await server.close();
    }
  }, 120_000);
});
