import type { Command } from "commander";
import { RunDirError, loadRuns, reviewedRecords } from "../../report/run-dir.js";
import { recordsKeptApart, runNames } from "../../report/runs-apart.js";
import { renderSummary, renderSummaryJson, shellWord, summaryJsonText } from "../../report/terminal.js";
import { isPackRun } from "../../packs/run-dir.js";
import { UsageError } from "../errors.js";
import { packReportText } from "./pack.js";

interface ReportOptions {
  json?: boolean;
  detail?: boolean;
  html?: string;
  compare?: boolean;
}

/** `peerbench report RUN... [--json] [--detail] [--html FILE]`: several run directories merge. */
export function register(program: Command): void {
  program
    .command("report")
    .description("summarise one or more run directories: the study's metrics with intervals and tests")
    .argument("<run...>", "run directories (runs/<run-id>); a model in several runs is shown once per run")
    .option("--json", "print the figures as JSON instead of tables")
    .option(
      "--detail",
      "every table instead of the compact summary: rates per task, the headline grids with max and tests, per instantiation, per configuration",
    )
    .option("--html <file>", "also write a self-contained HTML report to FILE")
    .option("--compare", "two runs side by side: run B − run A for every figure both measured, with 95% intervals")
    .action(async (runs: string[], opts: ReportOptions) => {
      // `peerbench report RUN | head` closes the pipe early: that is not an error.
      process.stdout.on("error", (e: NodeJS.ErrnoException) => {
        if (e.code === "EPIPE") process.exit(0);
        throw e;
      });
      // a pack run (src/packs) is summarised from its own copy of the packs
      if (runs.length > 0 && runs.every(isPackRun)) {
        if (opts.html)
          throw new UsageError("--html is not available for pack runs yet; use the terminal or --json summary");
        for (const dir of runs) process.stdout.write(`${packReportText(dir, opts.json)}\n`);
        return;
      }
      if (opts.compare && runs.length !== 2)
        throw new UsageError(
          `--compare takes exactly two run directories (got ${runs.length}); pass the two runs to compare`,
        );
      if (runs.some(isPackRun))
        throw new UsageError("pack runs and study runs cannot be merged into one report; report them apart");
      try {
        // Where the HTML goes is checked first: a bad --html is said before any summary is printed.
        if (opts.html) {
          const { checkReportTarget } = await import("../../report/html.js");
          checkReportTarget(opts.html);
        }
        const loaded = loadRuns(runs, { onUnreadable: (notice) => process.stderr.write(`${notice}\n`) });
        for (const run of loaded) {
          if (run.partialLastLine) {
            process.stderr.write(`${run.dir}/trials.jsonl: last line is incomplete (run in progress?); skipped\n`);
          }
          if (run.skippedReviewLines) {
            process.stderr.write(`${run.dir}/reviews.jsonl: ${run.skippedReviewLines} torn line(s) skipped\n`);
          }
        }
        // reviewed values (reviews.jsonl) are in force in every figure; a model in several runs is kept apart per run
        const records = recordsKeptApart(loaded).flat();
        if (opts.compare) {
          const { compareRuns, comparisonJsonText, renderComparison } = await import("../../report/compare.js");
          const c = compareRuns(
            runNames(loaded) as [string, string],
            reviewedRecords(loaded[0]!),
            reviewedRecords(loaded[1]!),
          );
          process.stdout.write(opts.json ? `${comparisonJsonText(c)}\n` : renderComparison(c));
        } else if (opts.json) {
          process.stdout.write(`${summaryJsonText(renderSummaryJson(records))}\n`);
        } else {
          const color = Boolean(process.stdout.isTTY);
          if (opts.detail) {
            const { renderTaskTable } = await import("../../run/task-table.js");
            process.stdout.write(`Rates per task, subject and relationship (95% Wilson intervals)\n`);
            process.stdout.write(`${renderTaskTable(records, { color })}\n\n`);
          }
          if (opts.detail) process.stdout.write(renderSummary(records, { detail: true, color }));
          else {
            const { renderCompactSummary } = await import("../../report/compact.js");
            process.stdout.write(renderCompactSummary(records, { color }));
            const words = runs.map(shellWord).join(" ");
            process.stdout.write(
              `\nEvery table (per task, per instantiation, with tests): peerbench report ${words} --detail\n`,
            );
          }
        }
        if (opts.html) {
          const { writeHtmlReport } = await import("../../report/html.js");
          const written = await writeHtmlReport(runs, opts.html);
          process.stderr.write(
            written ? `wrote ${opts.html}\n` : `${opts.html} is up to date (no run changed since it was written)\n`,
          );
        }
      } catch (e) {
        if (e instanceof RunDirError) {
          process.stderr.write(`peerbench report: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
    });
}
