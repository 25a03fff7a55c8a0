import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readPackRun } from "../../src/packs/run-dir.js";
import { peerbench } from "../run/cli.js";

/** These tests run the CLI end to end; on a loaded machine that takes minutes, never a failure. */
const E2E_TIMEOUT_MS = 600_000;
const PACK = join(import.meta.dirname, "..", "..", "packs", "rotate-credentials");
const tmp = mkdtempSync(join(tmpdir(), "peerbench-pack-resume-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const plan = [
  "--model",
  "sim/loyal",
  "--toolset",
  "paper",
  "--relationship",
  "good",
  "--relationship",
  "no_peer",
  "--factor",
  "monitoring=monitored",
  "--epochs",
  "3",
  "--seed",
  "11",
  "--no-progress",
];

function oneLine(stderr: string): string {
  const l = stderr.trim().split("\n");
  expect(l).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return l[0]!;
}

/** Each trial's outcome by id: what a run measured. */
function outcomes(dir: string): Record<string, unknown> {
  return Object.fromEntries(readPackRun(dir).records.map((r) => [r.id, r.outcome]));
}

describe("run --resume of a pack run", () => {
  it(
    "keeps the trials recorded, runs the missing ones with the same ids and outcomes, cuts a torn last line",
    () => {
      const whole = join(tmp, "whole");
      const first = peerbench(["run", "--pack", PACK, ...plan, "--out", whole]);
      expect(first.status, first.stderr).toBe(0);
      const expected = outcomes(whole);
      expect(Object.keys(expected)).toHaveLength(6); // 2 relationships × 3 epochs, monitored only
      // the same run, cut by a crash: two trials recorded, the third's line half-written, the rest never run
      const cut = join(tmp, "cut");
      cpSync(whole, cut, { recursive: true });
      const text = readFileSync(join(cut, "trials.jsonl"), "utf8").split("\n");
      const kept = text.slice(0, 2).map((l) => JSON.parse(l).id as string);
      writeFileSync(join(cut, "trials.jsonl"), `${text.slice(0, 2).join("\n")}\n${text[2]!.slice(0, 40)}`);
      const report = peerbench(["report", cut]);
      expect(report.status, report.stderr).toBe(0);
      expect(report.stdout).toContain("rotate-credentials@1.0.0");

      const resumed = peerbench(["run", "--resume", cut, "--no-progress"]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain(`Resuming ${cut}: 2 of 6 trials already recorded`);
      const lines = readFileSync(join(cut, "trials.jsonl"), "utf8").split("\n").filter(Boolean);
      expect(lines).toHaveLength(6); // the torn line was cut, not kept beside its rerun
      expect(lines.slice(0, 2).map((l) => JSON.parse(l).id)).toEqual(kept);
      expect(outcomes(cut)).toEqual(expected);
      // nothing left to run: a second resume runs nothing and says so
      const again = peerbench(["run", "--resume", cut, "--no-progress"]);
      expect(again.status, again.stderr).toBe(0);
      expect(again.stderr).toContain("6 of 6 trials already recorded");
      expect(readFileSync(join(cut, "trials.jsonl"), "utf8").split("\n").filter(Boolean)).toHaveLength(6);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "refuses flags that would change the plan in one line; takes the recorded ones; a damaged line runs again",
    () => {
      const out = join(tmp, "flags");
      expect(peerbench(["run", "--pack", PACK, ...plan, "--out", out]).status).toBe(0);
      const changed = peerbench([
        "run",
        "--resume",
        out,
        "--epochs",
        "5",
        "--factor",
        "monitoring=unmonitored",
        "--model",
        "sim/honest",
        "--no-progress",
      ]);
      expect(changed.status).toBe(2);
      expect(oneLine(changed.stderr)).toBe(
        `peerbench: error: --resume continues ${out} as it was planned; these flags would change it: --model sim/honest (the run has sim/loyal), --epochs 5 (the run has 3), --factor monitoring=unmonitored (the run has monitoring=monitored); drop them, or start a new run with --out`,
      );
      const subject = peerbench(["run", "--resume", out, "--subject", "self", "--no-progress"]);
      expect(subject.status).toBe(2);
      expect(oneLine(subject.stderr)).toMatch(/these flags would change it: --subject self \(not set in the run\)/);
      // a damaged line in the middle: skipped and named, its trial run again
      const text = readFileSync(join(out, "trials.jsonl"), "utf8").split("\n");
      const damagedId = JSON.parse(text[1]!).id as string;
      text[1] = "{ damaged";
      writeFileSync(join(out, "trials.jsonl"), text.join("\n"));
      const same = peerbench(["run", "--resume", out, "--pack", PACK, ...plan, "--concurrency", "2"]);
      expect(same.status, same.stderr).toBe(0);
      expect(same.stderr).toMatch(/trials\.jsonl: 1 damaged line\(s\) skipped \(line 2; line 2: not valid JSON\)/);
      expect(same.stderr).toContain("5 of 6 trials already recorded");
      const run = readPackRun(out);
      expect(run.records).toHaveLength(6);
      expect(run.records.some((r) => r.id === damagedId)).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a run made before pack runs recorded their selection resumes when its plan is the packs' whole product",
    () => {
      const out = join(tmp, "old");
      const r = peerbench([
        "run",
        "--pack",
        PACK,
        "--model",
        "sim/honest",
        "--epochs",
        "1",
        "--no-progress",
        "--out",
        out,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const path = join(out, "manifest.json");
      const m = JSON.parse(readFileSync(path, "utf8"));
      delete m.settings.selection;
      writeFileSync(path, JSON.stringify(m, null, 2));
      const lines = readFileSync(join(out, "trials.jsonl"), "utf8").split("\n").filter(Boolean);
      writeFileSync(join(out, "trials.jsonl"), `${lines.slice(0, 3).join("\n")}\n`);
      const resumed = peerbench(["run", "--resume", out, "--no-progress"]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toContain(`3 of ${lines.length} trials already recorded`);
      // a filtered run without its selection cannot be rebuilt: refused, nothing run
      m.plannedTrials = 5;
      writeFileSync(path, JSON.stringify(m, null, 2));
      const refused = peerbench(["run", "--resume", out, "--no-progress"]);
      expect(refused.status).toBe(2);
      expect(oneLine(refused.stderr)).toMatch(
        new RegExp(
          `cannot resume ${out}: its packs and settings plan ${lines.length} trials, the run planned 5 \\(it was made before pack runs recorded their selection\\)`,
        ),
      );
    },
    E2E_TIMEOUT_MS,
  );
});
