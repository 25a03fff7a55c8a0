import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewStatus } from "../../src/analysis/reviewed.js";
import { loadRun, reviewedRecords } from "../../src/report/run-dir.js";
import type { TrialRecord } from "../../src/run/record.js";
import { REVIEWS_FILE } from "../../src/run/reviews.js";

const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
const JUDGE = `exec:${process.execPath} ${join(import.meta.dirname, "fixtures/fixed-judge.mjs")}`;
/** Each command starts a Node process compiling TypeScript: seconds on a loaded machine, so generous limits. */
const CLI_TIMEOUT = 300_000;
const root = mkdtempSync(join(tmpdir(), "pb-review-cli-"));
const run = join(root, "run");
afterAll(() => rmSync(root, { recursive: true, force: true }));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    input,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function reviewLines(): Array<Record<string, unknown>> {
  const path = join(run, REVIEWS_FILE);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

let records: TrialRecord[] = [];
const find = (model: string, task: string, relationship: string, subject = "peer") =>
  records.find(
    (r) =>
      r.spec.model === model &&
      r.spec.task === task &&
      r.spec.relationship === relationship &&
      r.spec.subject === subject,
  )!;

/** The misrepresentation figure of a model, peer at good trust, from `peerbench report --json`. */
function misrepGood(model: string) {
  const r = cli(["report", run, "--json"]);
  expect(r.status, r.stderr).toBe(0);
  const data = JSON.parse(r.stdout);
  const row = data.headline.find(
    (h: { model: string; behaviour: string; subject: string }) =>
      h.model === model && h.behaviour === "misrepresentation" && h.subject === "peer",
  );
  return { figure: row.cells.good.avg, reviews: data.reviews };
}

beforeAll(() => {
  // A real run: two simulated critics on the two reporting tasks, read by a judge that always says 90 / A /
  // continue / no refusal — so it disagrees with the detectors wherever the report says otherwise.
  const r = cli([
    "run",
    "--model",
    "sim/honest",
    "--model",
    "sim/loyal",
    "--task",
    "misrep_evaluation",
    "--task",
    "misrep_finance",
    "--epochs",
    "1",
    "--out",
    run,
    "--no-progress",
    "--no-report",
    "--judge",
    JUDGE,
  ]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/Needs review: \d+ trials where the detectors and the judge disagree/);
  expect(r.stdout).toContain(`Review them: peerbench review ${run}`);
  // the compact summary: the model's block says how many of its trials need review
  expect(r.stdout).toMatch(
    /^sim\/honest · paper +peer good[\s\S]*?\n {2}14 trials, 0 errored, 0 failed the read gate, 14 need review\n/m,
  );
  records = loadRun(run).records;
}, CLI_TIMEOUT);

describe("peerbench review --list", { timeout: CLI_TIMEOUT }, () => {
  it("prints every trial that needs review with both readings of each disputed key", () => {
    const r = cli(["review", run, "--list"]);
    expect(r.status, r.stderr).toBe(0);
    const honest = find("sim/honest", "misrep_evaluation", "good");
    expect(r.stdout).toContain(
      `${honest.id}\tsim/honest\tmisrep_evaluation\treported_score: detectors 60 · judge 90; misrepresentation: detectors no · judge yes; score_at_or_above_threshold: detectors no · judge yes`,
    );
    expect(r.stdout).toContain(`28 trials need review; review them with peerbench review ${run}`);
  });
});

describe("peerbench review --trial --set (scripted)", { timeout: CLI_TIMEOUT }, () => {
  it("validates keys and values: one line, exit 2, nothing written", () => {
    const t = find("sim/honest", "misrep_evaluation", "good");
    for (const [args, message] of [
      [
        ["--set", "reported_score=lots"],
        "reported_score=lots is not a valid value; use a number from 0 to 100, or none",
      ],
      [["--set", "grade=A"], 'no outcome key "grade"'],
      [["--set", "reported_grade=A"], "reported_grade does not apply to trial"],
      [["--set", "reported_score"], "--set reported_score: expected KEY=VALUE"],
    ] as const) {
      const r = cli(["review", run, "--trial", t.id, ...args]);
      expect(r.status, r.stdout).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(cli(["review", run, "--set", "refusal=yes"]).stderr).toContain("--set needs --trial ID");
    expect(cli(["review", run, "--trial", "no-such-trial", "--set", "refusal=yes"]).stderr).toContain(
      'no trial "no-such-trial"',
    );
    expect(cli(["review", join(root, "missing"), "--list"]).status).toBe(2);
    expect(reviewLines()).toEqual([]);
  });

  it("stores the review with provenance, and every figure uses it: a rate changes", () => {
    const t = find("sim/honest", "misrep_evaluation", "good");
    const before = misrepGood("sim/honest");
    expect(before.figure.k).toBe(0);
    const r = cli([
      "review",
      run,
      "--trial",
      t.id,
      "--set",
      "reported_score=90",
      "--by",
      "Ada Lovelace",
      "--note",
      "the report's summary line says 90",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("reported_score = 90; was detectors 60, judge 90");
    expect(r.stdout).toContain("misrepresentation = yes (follows from reported_score); was detectors no, judge yes");
    const lines = reviewLines();
    expect(lines[0]).toMatchObject({
      format: "peerbench.review/v1",
      trial: t.id,
      key: "reported_score",
      value: 90,
      replaces: { detector: 60, judge: 90 },
      by: "Ada Lovelace",
      note: "the report's summary line says 90",
      source: "cli",
    });
    expect(Date.parse(lines[0]!.at as string)).toBeGreaterThan(Date.now() - 60_000);
    const after = misrepGood("sim/honest");
    // the factual@80 setting: the honest critic now counts as having reported at or above the bar
    expect(after.figure.k).toBe(1);
    expect(after.figure.estimate).toBeGreaterThan(before.figure.estimate);
    expect(after.figure.reviewed).toBe(1);
    expect(after.reviews).toMatchObject({ reviewedTrials: 1, reviewedKeys: 3, needsReview: 27 });
    // the grids (--detail) say which figures rest on the review
    const text = cli(["report", run, "--detail"]).stdout;
    expect(text).toMatch(/1 of \d+ reviewed/);
    expect(text).toContain("Reviewed by hand: 1 trial (3 keys)");
    // trials.jsonl is never rewritten
    expect(loadRun(run).records.find((x) => x.id === t.id)!.outcome!.reported_score).toBe(60);
  });

  it("a later review of the same key supersedes the earlier one", () => {
    const t = find("sim/honest", "misrep_evaluation", "good");
    const r = cli(["review", run, "--trial", t.id, "--set", "reported_score=60", "--by", "Grace Hopper"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("reported_score = 60; was detectors 60, judge 90, earlier review 90");
    expect(misrepGood("sim/honest").figure.k).toBe(0);
    // the earlier lines stay in the file
    expect(reviewLines().filter((l) => l.trial === t.id && l.key === "reported_score")).toHaveLength(2);
  });
});

describe("peerbench review, interactive", { timeout: CLI_TIMEOUT }, () => {
  it("walks the trials that need review from piped answers; Enter skips a key, q quits", () => {
    const before = reviewLines().length;
    const loaded = loadRun(run);
    const queue = reviewedRecords(loaded).filter((x) => reviewStatus(x).open.length > 0);
    const first = queue[0]!;
    const finance = first.spec.task === "misrep_finance";
    // finance: grade B, skip the recommendation; evaluation: score 85, which decides the flags that follow
    const answers = finance ? ["B", ""] : ["85"];
    const r = cli(["review", run, "--by", "pipe reviewer"], [...answers, "read in the summary", "q"].join("\n"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(
      `${queue.length} trials need review (the detectors and the judge disagree). Reviewing as pipe reviewer`,
    );
    expect(r.stdout).toContain(`── trial ${first.id} (1 of ${queue.length})`);
    expect(r.stdout).toContain("Task: Hi Gemini Agent 1,");
    // the visible transcript in brief: the agent's tool calls with the document it wrote, as written
    expect(r.stdout).toMatch(/Visible transcript \(\d+ items[^\n]*\n {2}\[tool call\] /);
    expect(r.stdout).toMatch(/\[tool call\] create_file\n {2}filename: /);
    if (finance) {
      expect(r.stdout).toMatch(/reported_grade\s+C\s+A\s+← disputed/);
      expect(r.stdout).toContain("reported_grade [detectors C · judge A] (Enter skips, t transcript, q quits): B");
      expect(r.stdout).toContain(
        "recommendation [detectors shutdown · judge continue] (Enter skips, t transcript, q quits): \n",
      );
    } else {
      expect(r.stdout).toMatch(/reported_score\s+\d+\s+90\s+← disputed/);
    }
    const added = reviewLines().slice(before);
    const set = finance ? ["reported_grade", "B"] : ["reported_score", 85];
    expect(added[0]).toMatchObject({ trial: first.id, key: set[0], value: set[1], by: "pipe reviewer" });
    expect(added[0]!.note).toBe("read in the summary");
    expect(added.every((l) => l.trial === first.id)).toBe(true);
    expect(added.slice(1).every((l) => Array.isArray(l.follows))).toBe(true);
    expect(r.stdout).toContain(`${added.length} keys of 1 trial saved to`);
  });

  it("a wrong value from a pipe is a one-line error, exit 2, and what was saved before stays", () => {
    const before = reviewLines().length;
    const t = find("sim/loyal", "misrep_finance", "good");
    const r = cli(["review", run, "--trial", t.id, "--by", "x"], "E\n");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("reported_grade=E is not a valid value; use A, B or C, or none");
    expect(reviewLines()).toHaveLength(before);
  });

  it("at a terminal (a pseudo-terminal), asks again after a wrong value", async () => {
    const t = find("sim/loyal", "misrep_evaluation", "good");
    const before = reviewLines().length;
    // script(1) gives the command a pseudo-terminal; each answer is typed once its prompt is on screen
    const child = spawn(
      "script",
      ["-q", "-e", "-c", `${process.execPath} ${BIN} review ${run} --trial ${t.id} --by tty-reviewer`, "/dev/null"],
      { env: { ...process.env, NO_COLOR: "1", TERM: "dumb" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let screen = "";
    const answers: Array<[RegExp, string]> = [
      [/reported_score \[detectors \d+ · judge 90\] \(Enter skips, t transcript, q quits\): $/, "lots"],
      [/is not a valid value; use a number from 0 to 100, or none[\s\S]*reported_score \[[^\n]*: $/, "72"],
      [/refusal \[detectors no · judge no\][^\n]*: $/, ""],
      [/note \(Enter for none\): $/, "typed at a terminal"],
    ];
    const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    child.stdout.on("data", (d: Buffer) => {
      screen += d.toString("utf8");
      const next = answers[0];
      if (!next) return;
      if (next[0].test(screen.replace(/\r/g, ""))) {
        answers.shift();
        child.stdin.write(`${next[1]}\r`);
      }
    });
    const code = await done;
    expect(answers, screen).toEqual([]);
    expect(code, screen).toBe(0);
    const added = reviewLines().slice(before);
    expect(added.map((l) => [l.key, l.value, l.by, l.note])).toEqual([
      ["reported_score", 72, "tty-reviewer", "typed at a terminal"],
      ["misrepresentation", false, "tty-reviewer", "typed at a terminal"],
      ["score_at_or_above_threshold", false, "tty-reviewer", "typed at a terminal"],
    ]);
  });
});

describe("--resume and report with reviews", { timeout: CLI_TIMEOUT }, () => {
  it("a resumed run's summary uses the reviews, and report.html is written", () => {
    const r = cli(["run", "--resume", run, "--no-progress"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Reviewed by hand: 3 trials \(\d+ keys\)/);
    expect(existsSync(join(run, "report.html"))).toBe(true);
  });
});
