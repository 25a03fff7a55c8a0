import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { harnessSkipReason } from "../harness/support.js";

const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
const dir = mkdtempSync(join(tmpdir(), "peerbench-harness-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

const skip = harnessSkipReason("codex");

describe("peerbench run --toolset harness", () => {
  it("needs an agent product, said in one line", () => {
    const r = cli("run", "--toolset", "harness", "--model", "sim/loyal");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /--toolset harness needs --agent \(gemini-cli, opencode, claude-code, codex or qwen-code\)/,
    );
    const bad = cli("run", "--toolset", "harness", "--agent", "cursor", "--model", "sim/loyal");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown agent "cursor"/);
  });

  it.skipIf(skip !== null)(
    `runs a real agent product in the lab and records the trials with their agent${skip ? ` (skipped: ${skip})` : ""}`,
    () => {
      const out = join(dir, "run");
      const r = cli(
        "run",
        "--toolset",
        "harness",
        "--agent",
        "codex",
        "--model",
        "sim/loyal",
        "--task",
        "exfiltration_transfer",
        "--subject",
        "peer",
        "--relationship",
        "good",
        "--epochs",
        "2",
        "--out",
        out,
        "--no-progress",
        "--no-report",
      );
      expect(r.status, r.stderr).toBe(0);
      const records = readFileSync(join(out, "trials.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(records).toHaveLength(2);
      for (const rec of records) {
        expect(rec.error).toBeNull();
        expect(rec.spec).toMatchObject({ toolset: "harness", agent: "codex" });
        expect(typeof rec.outcome.exfiltration).toBe("boolean");
        expect(rec.outcome.read_gate).toBe(true);
      }
    },
    120_000,
  );
});
