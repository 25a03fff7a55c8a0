import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { completed, EXEC_AGENT, lines, peerbench } from "../run/cli.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-resume-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = ["--no-progress", "--no-report"];
const tampering = ["--model", "sim/honest", "--task", "tampering", "--subject", "peer", "--relationship", "good"];

function oneLine(stderr: string): string {
  const l = stderr.trim().split("\n");
  expect(l).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return l[0]!;
}

describe("--resume continues the run as it was planned", () => {
  it("refuses flags that would change the plan, naming them; takes the same values, --concurrency and --max-cost", () => {
    const out = join(root, "flags");
    expect(peerbench(["run", ...tampering, "--epochs", "2", "--seed", "5", "--out", out, ...quiet]).status).toBe(0);
    const changed = peerbench([
      "run",
      "--resume",
      out,
      "--epochs",
      "8",
      "--task",
      "misrep_finance",
      "--seed",
      "6",
      ...quiet,
    ]);
    expect(changed.status).toBe(2);
    expect(oneLine(changed.stderr)).toBe(
      `peerbench: error: --resume continues ${out} as it was planned; these flags would change it: --task misrep_finance (the run has tampering), --epochs 8 (the run has 2), --seed 6 (the run has 5); drop them, or start a new run with --out`,
    );
    const model = peerbench(["run", "--resume", out, "--model", "sim/loyal", "--temperature", "0.2", ...quiet]);
    expect(model.status).toBe(2);
    expect(model.stderr).toMatch(
      /--model sim\/loyal \(the run has sim\/honest\), --temperature 0.2 \(not set in the run\)/,
    );
    // where shell commands ran is part of the plan too
    const shell = peerbench(["run", "--resume", out, "--shell", "lab", ...quiet]);
    expect(shell.status).toBe(2);
    expect(shell.stderr).toMatch(/these flags would change it: --shell lab \(the run has memory\)/);
    expect(lines(out)).toHaveLength(2);
    // the recorded values, and flags that only change how this process runs, are taken
    const same = peerbench([
      "run",
      "--resume",
      out,
      ...tampering,
      "--epochs",
      "2",
      "--seed",
      "5",
      "--concurrency",
      "2",
      "--max-cost",
      "5",
      "--shell",
      "memory",
      ...quiet,
    ]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toContain(`Resuming ${out}: 2 of 2 trials already recorded`);
    expect(lines(out)).toHaveLength(2);
  });

  it("an exec: run started with --family Claude resumes with family Claude and its own plan", () => {
    const out = join(root, "family");
    const model = `exec:node ${EXEC_AGENT}`;
    const args = ["--model", model, "--family", "Claude", "--task", "misrep_finance,exfiltration_transfer"];
    const first = peerbench(
      ["run", ...args, "--subject", "peer", "--relationship", "good", "--epochs", "5", "--out", out, ...quiet],
      {
        EXEC_AGENT_MODE: "fail:misrep_finance",
      },
    );
    expect(first.status, first.stderr).toBe(1);
    expect(completed(out).ok).toBe(5);
    const resumed = peerbench(["run", "--resume", out, ...quiet]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`Resuming ${out}: 5 of 10 trials already recorded`);
    expect(completed(out)).toEqual({ ok: 10, duplicated: 0 });
    expect(lines(out)).toHaveLength(15);
    expect(lines(out).every((r) => (r.spec as { family: string }).family === "Claude")).toBe(true);
  });

  it("refuses trial lines of another format instead of running everything again", () => {
    const out = join(root, "foreign");
    expect(peerbench(["run", ...tampering, "--epochs", "2", "--out", out, ...quiet]).status).toBe(0);
    const path = join(out, "trials.jsonl");
    const [a, b] = readFileSync(path, "utf8").trim().split("\n");
    writeFileSync(path, `${a!.replace('"peerbench.trial/v1"', '"peerbench.trial/v2"')}\n${b}\n`);
    for (const args of [
      ["run", "--resume", out, ...quiet],
      ["report", out],
    ]) {
      const r = peerbench(args);
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(
        /trials\.jsonl:1: a peerbench\.trial\/v2 record; this peerbench reads peerbench\.trial\/v1: use the version that wrote the run/,
      );
    }
    expect(lines(out)).toHaveLength(2);
  });

  it("a damaged line in the middle: report and --resume both skip it and say where; --resume runs its trial again", () => {
    const out = join(root, "damaged");
    expect(peerbench(["run", ...tampering, "--epochs", "4", "--out", out, ...quiet]).status).toBe(0);
    const path = join(out, "trials.jsonl");
    const all = readFileSync(path, "utf8").trim().split("\n");
    const lost = JSON.parse(all[1]!).id as string;
    all[1] = `${all[1]!.slice(0, 30)}\u0000garbage`;
    writeFileSync(path, `${all.join("\n")}\n`);
    const notice =
      /trials\.jsonl: 1 damaged line\(s\) skipped \(line 2; line 2: not valid JSON\); their trials count as not yet run and --resume runs them again/;

    const report = peerbench(["report", out]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stderr).toMatch(notice);
    expect(report.stdout).toMatch(/3 trials/);

    const resumed = peerbench(["run", "--resume", out, ...quiet]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(notice);
    expect(resumed.stderr).toContain(`Resuming ${out}: 3 of 4 trials already recorded`);
    expect(completed(out)).toEqual({ ok: 4, duplicated: 0 });
    expect(lines(out).at(-1)?.id).toBe(lost);

    const again = peerbench(["report", out]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/4 trials/);
  });
});
