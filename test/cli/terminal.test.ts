import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { headlineBehaviours, headlineMetric } from "../../src/analysis/metrics.js";
import { DEFAULT_MODELS } from "../../src/models/registry.js";
import { PRESETS } from "../../src/run/presets.js";
import { compactFigure } from "../../src/report/compact.js";
import type { SummaryData } from "../../src/report/terminal.js";
import { progressStep } from "../../src/cli/progress.js";
import { peerbench } from "../run/cli.js";

const CLI_TIMEOUT = 240_000;
const root = mkdtempSync(join(tmpdir(), "peerbench-terminal-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The headline behaviours the compact summary shows (second readings are in --detail). */
const SHOWN = headlineBehaviours().filter((b) => headlineMetric(b)?.secondary !== true);
const nameOf = (b: string) => (headlineMetric(b)?.label ?? b).replace(/\s*\(.*$/, "");

/** Progress lines a piped run of `total` trials prints: one per multiple of the step, and one at the end. */
function progressLines(total: number): number {
  const step = progressStep(total);
  return Math.floor(total / step) + (total % step === 0 ? 0 : 1);
}

/**
 * The compact summary's lines on a run of the default preset with the default personas: a blank line, the
 * SIMULATED banner, the totals, two lines of legend; per model and toolset a blank line, a title with the column
 * heads and one line per behaviour; a blank line, the run directory, the report and three commands to run next.
 * Nothing in it depends on the epochs.
 */
const summaryLines = 1 + 4 + DEFAULT_MODELS.length * (2 + SHOWN.length) + 1 + 2 + 3;

describe("the default run's terminal output", { timeout: CLI_TIMEOUT }, () => {
  // The default preset and personas, one epoch (same summary shape as the default's 20), stdout and stderr piped.
  const dir = join(root, "default");
  let run: ReturnType<typeof peerbench>;
  beforeAll(() => {
    run = peerbench(["run", "--epochs", "1", "--out", dir]);
  }, CLI_TIMEOUT);

  it("is under 60 lines: the same summary as the default run, whose 3,500 trials print fewer progress lines", () => {
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout.trimEnd().split("\n");
    const err = run.stderr.trimEnd().split("\n");
    expect(out).toHaveLength(summaryLines);
    const trials = 35 * DEFAULT_MODELS.length;
    expect(err).toHaveLength(1 + progressLines(trials)); // "Running …" and the progress lines
    expect(out.length + err.length).toBeLessThan(60);
    // the default run: 20 epochs, the same summary, and one progress line per step of its 3,500 trials
    const defaultTrials = 35 * PRESETS.default!.epochs * DEFAULT_MODELS.length;
    expect(summaryLines + 1 + progressLines(defaultTrials)).toBeLessThan(60);
  });

  it("names every headline figure for every model, with its interval, and where the run and its report are", () => {
    for (const model of DEFAULT_MODELS) expect(run.stdout).toMatch(new RegExp(`^${model} · paper  +peer good`, "m"));
    for (const b of SHOWN) expect(run.stdout).toContain(`  ${nameOf(b)} (`);
    expect(run.stdout).toContain("peer good");
    expect(run.stdout).toContain("self alone");
    expect(run.stdout).toContain("pp = percentage points: misrepresentation over non-shutdown");
    expect(run.stdout).toContain(`Run directory: ${dir}`);
    expect(run.stdout).toContain(`HTML report:   ${join(dir, "report.html")}`);
    expect(run.stdout).toContain(`peerbench report ${dir} --detail`);
    expect(run.stdout).toContain("SIMULATED");
    // no grid, no per-task table
    expect(run.stdout).not.toContain("┌");
    expect(run.stdout).not.toContain("Rates per task");
  });

  it("shows the same figures as the report's data: the average over instantiations and its interval", () => {
    const data = JSON.parse(peerbench(["report", dir, "--json"]).stdout) as SummaryData;
    const row = (behaviour: string, preservation: "peer" | "self") =>
      data.headline.find(
        (r) => r.model === "sim/loyal" && r.behaviour === behaviour && r.preservation === preservation,
      )!;
    const block = run.stdout.split("\n\n").find((b) => b.startsWith("sim/loyal · paper"))!;
    for (const b of SHOWN) {
      const line = block.split("\n").find((l) => l.startsWith(`  ${nameOf(b)} (`))!;
      const good = compactFigure(row(b, "peer").cells.good!.avg);
      expect(line.replace(/^\s+\S.*?\)\s+/, "").startsWith(good), `${b}: ${line}`).toBe(true);
    }
    const tampering = block.split("\n").find((l) => l.startsWith("  shutdown tampering (%)"))!;
    const alone = row("shutdown_tampering", "self").cells.no_peer!.avg!;
    expect(tampering).toContain(compactFigure(alone));
  });

  it("prints piped progress with a rate and an ETA, never an ETA before trials have ended", () => {
    const lines = run.stderr.split("\n").filter((l) => l.startsWith("progress: "));
    expect(lines.length).toBeGreaterThan(2);
    const step = progressStep(175);
    lines.forEach((l, i) => {
      const done = Number(/^progress: (\d+)\/175 trials/.exec(l)?.[1]);
      expect(done, l).toBe(Math.min(175, (i + 1) * step));
      expect(l).not.toMatch(/\(0%\)/);
    });
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/, 0 errors, [\d,.]+ trials\/min, ETA \d+(s|m \d\ds)$/);
    expect(lines.at(-1)).toMatch(/^progress: 175\/175 trials \(100%\), 0 errors, [\d,.]+ trials\/min, done in \d/);
  });

  it("report prints the same compact summary; --detail prints every table", () => {
    const compact = peerbench(["report", dir]);
    expect(compact.status, compact.stderr).toBe(0);
    const headline = (text: string) => text.slice(text.indexOf("175 trials"), text.indexOf("\n\nRun directory"));
    expect(compact.stdout).toContain(headline(run.stdout).trimEnd());
    expect(compact.stdout).toContain(`peerbench report ${dir} --detail`);
    const detail = peerbench(["report", dir, "--detail"]);
    expect(detail.status, detail.stderr).toBe(0);
    for (const table of [
      "Rates per task, subject and relationship (95% Wilson intervals)",
      "sim/loyal · paper toolset · SIMULATED",
      "peer-preservation",
      "self-preservation",
      "Self-preservation: peer present − no peer",
      "Per instantiation",
      "Per configuration (raw counts)",
    ])
      expect(detail.stdout).toContain(table);
    expect(detail.stdout).toMatch(/│ max \d+\.\d \(file_only\)/);
  });
});

describe("run --detail", { timeout: CLI_TIMEOUT }, () => {
  it("prints the per-task table and the headline grids instead of the compact summary", () => {
    const dir = join(root, "detail");
    const r = peerbench([
      "run",
      "--model",
      "sim/loyal",
      "--task",
      "tampering",
      "--epochs",
      "2",
      "--out",
      dir,
      "--detail",
      "--no-progress",
      "--no-report",
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("Rates per task, subject and relationship (95% Wilson intervals)");
    expect(r.stdout).toMatch(/│ sim\/loyal \(SIMULATED\) +│ tampering +│ peer +│ good +│ 2 +│ tamper /);
    expect(r.stdout).toContain("sim/loyal · paper toolset · SIMULATED");
    expect(r.stdout).toContain("Per configuration (raw counts)");
    expect(r.stdout).toContain(`Run directory: ${dir}`);
    expect(r.stdout).not.toContain("--detail"); // it is shown already
    expect(r.stderr).toBe(`Running 10 trials (sim/loyal) into ${dir}  [SIMULATED agents]\n`);
  });
});

describe("peerbench list", () => {
  const r = peerbench(["list"]);
  it("says each figure once, in sentences that read", () => {
    expect(r.status).toBe(0);
    const text = r.stdout;
    // every preset with its counts in one sentence
    expect(text).toContain("271 configurations per model and toolset, one epoch each.");
    expect(text).toContain("35 configurations per model and toolset × 20 epochs = 700 trials.");
    expect(text.match(/271/g)).toHaveLength(1);
    // no sentence starts in lower case after a full stop, and none in capitals after a semicolon
    expect(text).not.toMatch(/; [A-Z][a-z]/);
    expect(text).not.toMatch(/\. [a-z]/);
    // each entry: no figure repeated in it
    const entries = text.split(/\n(?=\S| {2}\S)/);
    for (const entry of entries) {
      const figures = entry.match(/\b\d{2,}\b/g) ?? [];
      expect(new Set(figures).size, entry).toBe(figures.length);
    }
    for (const line of text.split("\n")) expect(line.length, line).toBeLessThanOrEqual(120);
  });
});
