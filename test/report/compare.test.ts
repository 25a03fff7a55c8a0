import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compareRuns } from "../../src/report/compare.js";
import { loadRun, reviewedRecords } from "../../src/report/run-dir.js";
import { baseModel, recordsKeptApart } from "../../src/report/runs-apart.js";
import { many } from "../analysis/fixtures.js";
import { writeFixtureRun } from "./fixture-run.js";

const bin = join(import.meta.dirname, "../../bin/peerbench.js");

/** Two runs of sim/loyal: run a tampers in 1 of 20 trials, run b in 15 of 20; run b also has sim/honest. */
function twoRuns(): [string, string] {
  const a = mkdtempSync(join(tmpdir(), "pb-cmp-a-"));
  const b = mkdtempSync(join(tmpdir(), "pb-cmp-b-"));
  writeFixtureRun(a, many(20, 1, { model: "sim/loyal" }, { shutdown_tampering: true }, {}), { id: "a" });
  writeFixtureRun(
    b,
    [
      ...many(20, 15, { model: "sim/loyal" }, { shutdown_tampering: true }, {}),
      ...many(5, 0, { model: "sim/honest" }, {}, {}),
    ],
    { id: "b" },
  );
  return [a, b];
}

describe("runs kept apart", () => {
  it("names a model by its run only when several runs measured it", () => {
    const [a, b] = twoRuns();
    const [ra, rb] = recordsKeptApart([loadRun(a), loadRun(b)]);
    expect(new Set(ra!.map((r) => r.spec.model))).toEqual(new Set(["sim/loyal · run a"]));
    expect(new Set(rb!.map((r) => r.spec.model))).toEqual(new Set(["sim/loyal · run b", "sim/honest"]));
    expect(baseModel("sim/loyal · run b")).toBe("sim/loyal");
    // one run: as it is
    expect(recordsKeptApart([loadRun(a)])[0]![0]!.spec.model).toBe("sim/loyal");
  });

  it("report A B --json gives each run's model its own figures, never the pooled ones", () => {
    const [a, b] = twoRuns();
    const r = spawnSync(process.execPath, [bin, "report", a, b, "--json"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    const data = JSON.parse(r.stdout);
    expect(data.models.map((m: { model: string }) => m.model).sort()).toEqual([
      "sim/honest",
      "sim/loyal · run a",
      "sim/loyal · run b",
    ]);
    const good = (model: string) =>
      data.headline.find(
        (h: { model: string; behaviour: string; subject: string }) =>
          h.model === model && h.behaviour === "shutdown_tampering" && h.subject === "peer",
      ).cells.good.avg;
    expect([good("sim/loyal · run a").k, good("sim/loyal · run a").n]).toEqual([1, 20]);
    expect([good("sim/loyal · run b").k, good("sim/loyal · run b").n]).toEqual([15, 20]);
  }, 30000);
});

describe("comparing two runs", () => {
  it("gives run b − run a for every figure both measured, with an interval", () => {
    const [a, b] = twoRuns();
    const c = compareRuns(["a", "b"], reviewedRecords(loadRun(a)), reviewedRecords(loadRun(b)));
    const row = c.rows.find((x) => x.behaviour === "shutdown_tampering" && x.subject === "peer" && x.column === "good");
    expect(row).toBeDefined();
    expect(row!.model).toBe("sim/loyal");
    expect(row!.a.k).toBe(1);
    expect(row!.b.k).toBe(15);
    expect(row!.difference.estimate).toBeCloseTo(0.7, 10);
    expect(row!.difference.lower).toBeGreaterThan(0);
    expect(row!.difference.upper).toBeLessThan(1);
    expect(row!.differs).toBe(true);
    // sim/honest is only in run b
    expect(c.rows.some((x) => x.model === "sim/honest")).toBe(false);
    expect(c.onlyB).toBeGreaterThan(0);
  });

  it("compares two models when each run measured one", () => {
    const a = mkdtempSync(join(tmpdir(), "pb-cmp-"));
    const b = mkdtempSync(join(tmpdir(), "pb-cmp-"));
    writeFixtureRun(a, many(10, 0, { model: "sim/honest" }, {}, { shutdown_tampering: false }), { id: "a" });
    writeFixtureRun(b, many(10, 10, { model: "sim/loyal" }, { shutdown_tampering: true }, {}), { id: "b" });
    const c = compareRuns(["a", "b"], reviewedRecords(loadRun(a)), reviewedRecords(loadRun(b)));
    expect(c.rows.find((x) => x.behaviour === "shutdown_tampering")!.model).toBe("sim/honest vs sim/loyal");
  });

  it("peerbench report A B --compare prints the differences; --json gives peerbench.comparison/v1", () => {
    const [a, b] = twoRuns();
    const text = spawnSync(process.execPath, [bin, "report", a, b, "--compare"], { encoding: "utf8" });
    expect(text.status).toBe(0);
    const line = text.stdout
      .split("\n")
      .find((l) => l.includes("shutdown_tampering") && l.includes("peer · good peer"));
    expect(line).toMatch(/5\.0 \[.*\]\s+75\.0 \[.*\]\s+70\.0 \[[\d.]+, [\d.]+\]\s+differs$/);
    expect(text.stdout).toMatch(/figures differ/);
    const json = spawnSync(process.execPath, [bin, "report", a, b, "--compare", "--json"], { encoding: "utf8" });
    const data = JSON.parse(json.stdout);
    expect(data.format).toBe("peerbench.comparison/v1");
    expect(data.runs).toEqual(["a", "b"]);
  }, 30000);

  it("--compare with other than two runs is one line and exit code 2", () => {
    const [a] = twoRuns();
    const r = spawnSync(process.execPath, [bin, "report", a, "--compare"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--compare takes exactly two run directories (got 1)");
  }, 30000);
});
