import type { Command } from "commander";

interface ExportOptions {
  format?: string;
  out?: string;
}

/** `peerbench export RUN --format inspect|csv|jsonl|parquet [--out FILE]`. */
export function register(program: Command): void {
  program
    .command("export")
    .description(
      "export a run for other tools: an Inspect AI .eval log, or one row per trial as CSV, JSON lines or Parquet",
    )
    .argument("<run>", "run directory (runs/<run-id>)")
    .option("--format <format>", "inspect, csv, jsonl or parquet")
    .option(
      "--out <file>",
      "where to write (default here: <run-id>.eval, .csv, .jsonl or .parquet; - is standard output for csv and jsonl; inspect of a run of several models: a directory, one .eval per model)",
    )
    .action(async (run: string, opts: ExportOptions) => {
      const { exportRun, parseFormat } = await import("../../export/index.js");
      const format = parseFormat(opts.format);
      const result = exportRun({ run, format, out: opts.out });
      const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
      for (const f of result.files) {
        const samples = f.samples === undefined ? "" : `, ${plural(f.samples, "sample")}`;
        process.stderr.write(`wrote ${f.path} (${plural(f.trials, "trial")}${samples})\n`);
      }
    });
}
