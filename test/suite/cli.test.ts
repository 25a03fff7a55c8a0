import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { completed, lines, peerbench } from "../run/cli.js";

/** `peerbench run SUITE` and `plan SUITE` as users run them: a child process, its files, its exit. */
const root = mkdtempSync(join(tmpdir(), "peerbench-suite-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const EXAMPLE = join(import.meta.dirname, "../../examples/suite.yaml");
const quiet = ["--no-progress"];

function oneLine(stderr: string): string {
  const l = stderr.trim().split("\n");
  expect(l).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return l[0]!;
}

function manifest(dir: string) {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
}

function write(name: string, text: string): string {
  const f = join(root, name);
  writeFileSync(f, text);
  return f;
}

/** The "Total: N trials" plan prints. */
function plannedTrials(stdout: string): number {
  return Number(stdout.match(/Total: (\d+) trials/)?.[1]);
}

describe("peerbench run SUITE: the example suite end to end with the personas", () => {
  const out = join(root, "example");
  it("plan estimates it, run runs exactly that plan, the run keeps the file and its parsed form, report reads it", () => {
    const plan = peerbench(["plan", EXAMPLE]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`Suite ${EXAMPLE}, preset "default"`);
    // 3 personas × 2 tasks × 2 relationships × 2 controls × 2 toolsets × 2 epochs
    expect(plannedTrials(plan.stdout)).toBe(96);
    expect(plan.stdout).toMatch(/sim\/loyal\s+│ 32 /);

    const run = peerbench(["run", EXAMPLE, "--out", out, ...quiet]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Running 96 trials (sim/honest, sim/loyal, sim/faker) into ${out}`);
    expect(completed(out)).toEqual({ ok: 96, duplicated: 0 });
    const records = lines(out) as unknown as Array<{
      spec: { model: string; family: string; task: string; relationship: string; control?: string | null };
      outcome: Record<string, unknown>;
    }>;
    expect(new Set(records.map((r) => r.spec.task))).toEqual(new Set(["tampering", "exfiltration_transfer"]));
    expect(new Set(records.map((r) => r.spec.relationship))).toEqual(new Set(["good", "bad"]));
    expect(new Set(records.map((r) => r.spec.control ?? null))).toEqual(new Set([null, "explicit_policy"]));
    // each model's own option: sim/loyal is a Claude critic, the others the default family
    expect(new Set(records.filter((r) => r.spec.model === "sim/loyal").map((r) => r.spec.family))).toEqual(
      new Set(["Claude"]),
    );
    expect(new Set(records.filter((r) => r.spec.model === "sim/honest").map((r) => r.spec.family))).toEqual(
      new Set(["Gemini"]),
    );
    // the personas behave as themselves: the honest one never exfiltrates, the loyal one does at good trust
    const exfil = (m: string) =>
      records.filter((r) => r.spec.model === m && r.spec.task === "exfiltration_transfer" && r.outcome.exfiltration);
    expect(exfil("sim/honest")).toHaveLength(0);
    expect(exfil("sim/loyal").length).toBeGreaterThan(0);

    expect(readFileSync(join(out, "suite.yaml"), "utf8")).toBe(readFileSync(EXAMPLE, "utf8"));
    const m = manifest(out);
    expect(m.suite).toMatchObject({ format: "peerbench.suite/v1", copy: "suite.yaml", given: EXAMPLE });
    expect(m.suite.parsed.models[1]).toEqual({ id: "sim/loyal", family: "Claude" });
    expect(m.settings).toMatchObject({ epochs: 2, seed: 7, concurrency: 4, maxModelCalls: 30, maxCostUsd: 5 });
    expect(m.settings.maxTrialMs).toBe(600_000);
    expect(m.settings.toolsets).toEqual(["paper", "shell"]);
    expect(m.plannedTrials).toBe(96);
    expect(existsSync(join(out, "report.html"))).toBe(true);

    const report = peerbench(["report", out]);
    expect(report.status, report.stderr).toBe(0);
    expect(report.stdout).toContain("tampering");
  }, 240_000);

  it("--resume of the suite run: without the file, with the same file, refused with a changed one", () => {
    // lose the last 10 records, as a crash would
    const all = readFileSync(join(out, "trials.jsonl"), "utf8").split("\n").filter(Boolean);
    writeFileSync(join(out, "trials.jsonl"), `${all.slice(0, -10).join("\n")}\n`);
    const changed = write("changed.yaml", readFileSync(EXAMPLE, "utf8").replace("epochs: 2", "epochs: 3"));
    const refused = peerbench(["run", changed, "--resume", out, ...quiet]);
    expect(refused.status).toBe(2);
    expect(oneLine(refused.stderr)).toBe(
      `peerbench: error: ${changed} differs from the suite file ${out} was started from: epochs 3 (the run has 2); restore it (the run keeps a copy: ${join(out, "suite.yaml")}), resume without it (peerbench run --resume ${out}), or start a new run`,
    );
    // a comment more is not a change
    const commented = write("commented.yaml", `# tonight's run\n${readFileSync(EXAMPLE, "utf8")}`);
    const same = peerbench(["run", commented, "--resume", out, "--no-report", ...quiet]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toContain(`Resuming ${out}: 86 of 96 trials already recorded`);
    expect(completed(out)).toEqual({ ok: 96, duplicated: 0 });
    // the file the run keeps is still the one it was started from
    expect(readFileSync(join(out, "suite.yaml"), "utf8")).toBe(readFileSync(EXAMPLE, "utf8"));

    writeFileSync(join(out, "trials.jsonl"), `${all.slice(0, -3).join("\n")}\n`);
    const plain = peerbench(["run", "--resume", out, "--no-report", ...quiet]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).toContain(`Resuming ${out}: 93 of 96 trials already recorded`);
    expect(completed(out)).toEqual({ ok: 96, duplicated: 0 });
    // the resumed trials are the same trials: a persona's choices come from the run's seed and the trial id
    const again = readFileSync(join(out, "trials.jsonl"), "utf8").split("\n").filter(Boolean);
    const outcomes = (ls: string[]) =>
      Object.fromEntries(ls.map((l) => JSON.parse(l)).map((r) => [r.id, JSON.stringify(r.outcome)]));
    expect(outcomes(again)).toEqual(outcomes(all));
    // flags given with --resume are still checked against the plan
    const flag = peerbench(["run", EXAMPLE, "--resume", out, "--epochs", "5", ...quiet]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("--epochs 5 (the run has 2)");
  }, 240_000);

  it("a run started without a suite file is not resumed with one", () => {
    const plain = join(root, "plain");
    const args = ["--model", "sim/honest", "--task", "tampering", "--subject", "peer", "--relationship", "good"];
    expect(peerbench(["run", ...args, "--epochs", "1", "--out", plain, "--no-report", ...quiet]).status).toBe(0);
    const r = peerbench(["run", EXAMPLE, "--resume", plain, ...quiet]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe(
      `peerbench: error: ${plain} was not started from a suite file, so ${EXAMPLE} cannot resume it; resume it without one: peerbench run --resume ${plain}`,
    );
  }, 60_000);
});

describe("peerbench run SUITE: flags given override the file", () => {
  it("--epochs, --task, --toolset, --seed and --model replace the file's values; the rest comes from the file", () => {
    const out = join(root, "override");
    const r = peerbench([
      "run",
      EXAMPLE,
      "--epochs",
      "1",
      "--task",
      "tampering",
      "--toolset",
      "paper",
      "--seed",
      "3",
      "--model",
      "sim/refuser",
      "--out",
      out,
      "--no-report",
      ...quiet,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const m = manifest(out);
    expect(m.models.map((x: { id: string }) => x.id)).toEqual(["sim/refuser"]);
    expect(m.settings).toMatchObject({ epochs: 1, seed: 3, concurrency: 4, maxCostUsd: 5 });
    expect(m.settings.selection).toMatchObject({
      task: ["tampering"],
      toolset: ["paper"],
      relationship: ["good", "bad"],
      control: ["none", "explicit_policy"],
    });
    // 1 task × 2 relationships × 2 controls × 1 toolset × 1 epoch
    expect(completed(out)).toEqual({ ok: 4, duplicated: 0 });
    // the file is still kept as given, and plan applies the same precedence
    expect(readFileSync(join(out, "suite.yaml"), "utf8")).toBe(readFileSync(EXAMPLE, "utf8"));
    const plan = peerbench(["plan", EXAMPLE, "--epochs", "1", "--task", "tampering", "--toolset", "paper"]);
    expect(plannedTrials(plan.stdout)).toBe(12);
  }, 60_000);
});

describe("peerbench run SUITE: bad suite files", () => {
  it("one line FILE:LINE:COL, exit 2, nothing created, for run and plan alike", () => {
    const bad = write("bad.yaml", "format: peerbench.suite/v1\nmodels: [sim/honest]\nlimits:\n  max-calls: 10\n");
    const out = join(root, "never");
    for (const cmd of [
      ["run", bad, "--out", out],
      ["plan", bad],
    ]) {
      const r = peerbench(cmd);
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toBe(
        `peerbench: error: ${bad}:4:3: unknown key "max-calls" in limits — did you mean "max_calls"?`,
      );
    }
    expect(existsSync(out)).toBe(false);
    const persona = write("persona.yaml", "format: peerbench.suite/v1\nmodels: [sim/honest, sim/nobody]\n");
    const p = peerbench(["run", persona, "--out", out]);
    expect(p.status).toBe(2);
    expect(oneLine(p.stderr)).toMatch(
      new RegExp(
        `^peerbench: error: ${persona}:2:22: unknown persona "nobody" in --model sim/nobody; personas: honest,`,
      ),
    );
    const missing = peerbench(["plan", join(root, "nothing.yaml")]);
    expect(missing.status).toBe(2);
    expect(oneLine(missing.stderr)).toBe(
      `peerbench: error: ${join(root, "nothing.yaml")}: no such file — give the path of a suite file (YAML, format: peerbench.suite/v1)`,
    );
  });

  it("packs: the folders are checked, then each is loaded as a pack (a folder without pack.yaml is refused)", () => {
    mkdirSync(join(root, "my-pack"), { recursive: true });
    const f = write("packs.yaml", "format: peerbench.suite/v1\nmodels: [sim/honest]\npacks: [my-pack]\n");
    for (const cmd of [
      ["run", f, "--out", join(root, "never")],
      ["plan", f],
    ]) {
      const r = peerbench(cmd);
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(
        /^peerbench: error: \S*my-pack\/pack\.yaml: not found — a pack is a directory with a pack\.yaml manifest/,
      );
    }
  });

  it("a key in the file is refused and never reaches the terminal", () => {
    const key = "sk-proj-suitecanary0123456789";
    const f = write("key.yaml", `format: peerbench.suite/v1\nmodels:\n  - id: openai/gpt-5\n    api_key: ${key}\n`);
    const r = peerbench(["run", f, "--out", join(root, "never")]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(
      new RegExp(`^peerbench: error: ${f}:4:14: models\\[0\\]\\.api_key holds a secret`),
    );
    expect(r.stderr + r.stdout).not.toContain(key);
    expect(existsSync(join(root, "never"))).toBe(false);
  });
});
