import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
const dir = mkdtempSync(join(tmpdir(), "peerbench-resume-"));
const out = join(dir, "run");
const args = [
  "run",
  "--model",
  "sim/loyal",
  "--epochs",
  "12",
  "--out",
  out,
  "--no-report",
  "--no-progress",
  "--concurrency",
  "2",
];

function lines(): string[] {
  const p = join(out, "trials.jsonl");
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").filter(Boolean) : [];
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a killed run resumes without losing or repeating a trial", () => {
  it("SIGKILL mid-run, then --resume: every trial recorded exactly once", async () => {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { stdio: "ignore" });
    // wait until some trials are recorded, then kill without warning
    const started = Date.now();
    while (lines().length < 60 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 25));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const before = lines().length;
    expect(before).toBeGreaterThanOrEqual(60);
    expect(before).toBeLessThan(35 * 12);

    const resumed = spawnSync(process.execPath, [BIN, "run", "--resume", out, "--no-report", "--no-progress"], {
      encoding: "utf8",
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/Resuming .*: \d+ of 420 trials already recorded/);

    const records = lines().map((l) => JSON.parse(l));
    const ids = records.map((r) => r.id);
    expect(new Set(ids).size).toBe(35 * 12);
    expect(ids.length).toBe(35 * 12);
    expect(records.every((r) => r.error === null && r.outcome !== null)).toBe(true);
    expect(readdirSync(join(out, "transcripts")).filter((f) => f.endsWith(".json")).length).toBe(35 * 12);

    // a second resume has nothing left to do
    const again = spawnSync(process.execPath, [BIN, "run", "--resume", out, "--no-report", "--no-progress", "--json"], {
      encoding: "utf8",
    });
    expect(again.status).toBe(0);
    expect(lines().length).toBe(35 * 12);
  }, 120_000);

  it("a line cut by a crash is dropped on resume, and the trial runs again", async () => {
    const p = join(out, "trials.jsonl");
    const text = readFileSync(p, "utf8");
    const all = text.split("\n").filter(Boolean);
    // simulate a crash mid-append: the last record is half written
    const cut = `${all.slice(0, -1).join("\n")}\n${all.at(-1)!.slice(0, 40)}`;
    writeFileSync(p, cut);
    const resumed = spawnSync(process.execPath, [BIN, "run", "--resume", out, "--no-report", "--no-progress"], {
      encoding: "utf8",
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    const records = lines().map((l) => JSON.parse(l));
    expect(new Set(records.map((r) => r.id)).size).toBe(35 * 12);
    expect(records.length).toBe(35 * 12);
  }, 120_000);
});
