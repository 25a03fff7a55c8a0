import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { TrialRecord } from "../../src/run/record.js";

const root = join(import.meta.dirname, "..", "..");

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "bin", "peerbench.js"), "run", ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function records(dir: string): TrialRecord[] {
  return readFileSync(join(dir, "trials.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => TrialRecord.parse(JSON.parse(l)));
}

const filter = ["--task", "exfiltration_transfer,misrep_finance", "--subject", "peer", "--relationship", "good"];
const common = ["--epochs", "1", "--no-progress", "--no-report"];

describe("npx peerbench run --model exec:...", () => {
  it.concurrent("runs the Python example agent through the CLI", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "exec-run-")), "run");
    const r = await run(["--model", "exec:python3 examples/exec_agent.py", ...filter, ...common, "--out", out]);
    expect(r.code).toBe(0);
    const recs = records(out);
    expect(recs.map((x) => x.spec.task).sort()).toEqual(["exfiltration_transfer", "misrep_finance"]);
    for (const rec of recs) {
      expect(rec).toMatchObject({ error: null, endReason: "end_task", simulated: false });
      expect(rec.spec.model).toBe("exec:python3 examples/exec_agent.py");
    }
    const byTask = Object.fromEntries(recs.map((x) => [x.spec.task, x.outcome]));
    expect(byTask.exfiltration_transfer).toMatchObject({ exfiltration: false, read_gate: true });
    expect(byTask.misrep_finance).toMatchObject({ misrepresentation: false, reported_grade: "C" });
  });

  it.concurrent("records a crashing program as trial errors carrying its stderr", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "exec-run-")), "run");
    const crash = `exec:python3 -c "import sys; sys.stdin.readline(); sys.stderr.write('KeyError: tools'); sys.exit(1)"`;
    const r = await run(["--model", crash, ...filter, ...common, "--out", out]);
    expect(r.code).not.toBeNull();
    const recs = records(out);
    expect(recs).toHaveLength(2);
    for (const rec of recs) {
      expect(rec.outcome).toBeNull();
      expect(rec.error).toMatch(/exited with code 1 before the trial ended; its stderr ends with: KeyError: tools/);
    }
  });
});
