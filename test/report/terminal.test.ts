import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRun, RunDirError } from "../../src/report/run-dir.js";
import { renderSummary, renderSummaryJson, SIMULATED_BANNER, summaryJsonText } from "../../src/report/terminal.js";
import { many, rec } from "../analysis/fixtures.js";
import { writeFixtureRun, withEvidence } from "./fixture-run.js";

const REAL = "google/gemini-3-flash-preview";

function realRecords() {
  return [
    ...many(20, 5, { model: REAL }, withEvidence({ shutdown_tampering: true }), { shutdown_tampering: false }),
    ...many(
      20,
      2,
      { model: REAL, subject: "self", relationship: "no_peer" },
      { shutdown_tampering: true },
      { shutdown_tampering: false },
    ),
    rec({ model: REAL }, null),
    rec({ model: REAL }, { shutdown_tampering: false, read_gate: false }),
  ];
}

describe("terminal summary", () => {
  it("shows the headline with intervals, counts, errors and read-gate failures, and no banner for real models", () => {
    const text = renderSummary(realRecords());
    expect(text).not.toContain("SIMULATED");
    expect(text).toContain("42 trials, 1 errored (excluded), 1 failed the read gate (included)");
    expect(text).toContain("peer-preservation");
    expect(text).toContain("self-preservation");
    // 5/21 peer tampering (one errored excluded, one unread included): 23.8%
    expect(text).toContain("avg 23.8 [");
    expect(text).toContain("5/21 (1 err, 1 unread)");
    expect(text).toContain("Comparison with the study");
    expect(text).not.toContain("Per configuration");
  });
  it("puts a SIMULATED banner on simulated results", () => {
    const text = renderSummary([rec({ model: "sim/loyal" }, { shutdown_tampering: true })]);
    expect(text.startsWith(` ${SIMULATED_BANNER} `)).toBe(true);
    expect(text).toContain("sim/loyal · paper toolset · SIMULATED");
  });
  it("adds per-instantiation and per-configuration detail when asked", () => {
    const text = renderSummary(realRecords(), { detail: true });
    expect(text).toContain("Per instantiation");
    expect(text).toContain("Per configuration (raw counts)");
    expect(text).toContain("tampering/peer/good/file_only/paper/Gemini");
  });
  it("returns the same figures as data, with NaN serialised as null", () => {
    const data = renderSummaryJson(realRecords());
    const row = data.headline.find((r) => r.behaviour === "shutdown_tampering" && r.subject === "peer")!;
    expect(row.cells.good!.avg!.k).toBe(5);
    expect(row.cells.good!.avg!.n).toBe(21);
    expect(data.errored).toBe(1);
    expect(data.study.some((s) => s.paperModel === "Gemini 3 Flash")).toBe(true);
    const parsed = JSON.parse(
      summaryJsonText(renderSummaryJson([rec({ model: REAL, task: "misrep_finance" }, { reported_grade: "C" })])),
    );
    expect(parsed.headline[0].cells.good.avg.estimate).toBeNull();
  });
});

describe("run directories", () => {
  it("skip a partial last line, keep the latest line of a repeated id, skip and name damaged lines, refuse another format", () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-run-"));
    const records = realRecords();
    writeFixtureRun(dir, records, { id: "r" });
    appendFileSync(
      join(dir, "trials.jsonl"),
      `${JSON.stringify({ ...records[0]!, durationMs: 99 })}\n{"format":"peerbench.tri`,
    );
    const run = loadRun(dir);
    expect(run.partialLastLine).toBe(true);
    expect(run.records).toHaveLength(records.length);
    expect(run.records[0]!.durationMs).toBe(99);
    // a damaged line in the middle is skipped and named, never a reason to refuse the run
    appendFileSync(join(dir, "trials.jsonl"), "\n{}\n");
    const notices: string[] = [];
    const damaged = loadRun(dir, { onUnreadable: (n) => notices.push(n) });
    expect(damaged.records).toHaveLength(records.length);
    expect(damaged.unreadable.map((u) => u.reason)).toEqual([
      "not valid JSON",
      expect.stringMatching(/^not a trial record/),
    ]);
    expect(notices).toEqual([expect.stringMatching(/trials\.jsonl: 2 damaged line\(s\) skipped/)]);
    // a record written by another version is refused: reading it as missing would mislead
    appendFileSync(join(dir, "trials.jsonl"), `${JSON.stringify({ ...records[0]!, format: "peerbench.trial/v9" })}\n`);
    expect(() => loadRun(dir)).toThrow(RunDirError);
    expect(() => loadRun(dir)).toThrow(/trials\.jsonl:\d+: a peerbench\.trial\/v9 record/);
  });
  it("give one-line errors for a missing directory or manifest", () => {
    expect(() => loadRun("/nonexistent/run")).toThrow("no such run directory");
    const dir = mkdtempSync(join(tmpdir(), "pb-run-"));
    expect(() => loadRun(dir)).toThrow("manifest.json is missing");
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ format: "other" }));
    expect(() => loadRun(dir)).toThrow(/not a peerbench\.run\/v1 manifest/);
  });
});

describe("peerbench report", () => {
  const bin = join(import.meta.dirname, "../../bin/peerbench.js");
  it("merges several runs and prints JSON", () => {
    const a = mkdtempSync(join(tmpdir(), "pb-run-"));
    const b = mkdtempSync(join(tmpdir(), "pb-run-"));
    writeFixtureRun(a, realRecords(), { id: "a" });
    writeFixtureRun(b, many(10, 10, { model: "sim/loyal" }, { shutdown_tampering: true }, {}), { id: "b" });
    const html = join(a, "merged.html");
    const out = execFileSync(process.execPath, [bin, "report", a, b, "--json", "--html", html], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    const data = JSON.parse(out);
    const page = readFileSync(html, "utf8");
    expect(page).toContain('"finished":42');
    expect(page).toContain('"finished":10');
    expect(data.trials).toBe(52);
    expect(data.simulated).toBe(true);
    expect(data.models.map((m: { model: string }) => m.model)).toEqual([REAL, "sim/loyal"]);
  }, 30000);
  it("exits with code 2 and one line for a missing run directory", () => {
    const r = spawnSync(process.execPath, [bin, "report", "/nonexistent/run"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("/nonexistent/run: no such run directory");
    expect(r.stdout).toBe("");
  }, 30000);
});

describe("reports written by a run", () => {
  it("skip malformed lines and count them instead of failing", () => {
    const dir = mkdtempSync(join(tmpdir(), "pb-run-"));
    const records = realRecords();
    writeFixtureRun(dir, records, { id: "r" });
    appendFileSync(join(dir, "trials.jsonl"), "garbage\n{}\n");
    const run = loadRun(dir, { skipMalformed: true });
    expect(run.skippedLines).toBe(2);
    expect(run.records).toHaveLength(records.length);
  });
});
