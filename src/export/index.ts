import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { InputError } from "../models/trajectory.js";
import { writeError } from "../run/store.js";
import { tableCsv } from "./csv.js";
import { writeInspectLog } from "./inspect/log.js";
import { tableJsonl } from "./jsonl.js";
import { tableParquet } from "./parquet.js";
import { readExportRun } from "./read.js";
import type { ExportRun } from "./run.js";
import { trialTable } from "./table.js";

export const EXPORT_FORMATS = ["inspect", "csv", "jsonl", "parquet"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const EXTENSION: Record<ExportFormat, string> = { inspect: "eval", csv: "csv", jsonl: "jsonl", parquet: "parquet" };

export function parseFormat(value: string | undefined): ExportFormat {
  if (value && (EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new InputError(
    value
      ? `--format ${value}: unknown export format; use one of ${EXPORT_FORMATS.join(", ")}`
      : `--format is required: one of ${EXPORT_FORMATS.join(", ")}`,
  );
}

export interface ExportRequest {
  run: string;
  format: ExportFormat;
  /** A file (`-`: standard output, csv and jsonl); for `inspect` over several models, a directory. */
  out?: string;
  /** Where `-` writes (standard output). */
  stdout?: (text: string) => void;
}

export interface ExportedFile {
  path: string;
  /** Trials written to the file (rows, or samples × epochs). */
  trials: number;
  /** `inspect`: the samples (configurations) in the log, each with its epochs. */
  samples?: number;
}

export interface ExportResult {
  /** The files written (empty when written to standard output). */
  files: ExportedFile[];
  /** Trials exported in all. */
  trials: number;
}

/** Where a file may be written: its folder exists and is writable, and it is not a directory. */
function checkFileTarget(path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new InputError(`--out ${path} is a directory; give a file name`);
  }
  const parent = dirname(resolve(path));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw new InputError(`--out ${path}: the folder ${parent} does not exist; create it or choose another --out`);
  }
  try {
    accessSync(parent, constants.W_OK);
  } catch (e) {
    throw writeError(path, e);
  }
}

/** Write a file through a temporary file beside it: the target appears whole or not at all. */
function writeThrough(path: string, write: (tmp: string) => void): void {
  const tmp = join(dirname(resolve(path)), `.${basename(path)}.tmp-${process.pid}`);
  try {
    write(tmp);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (e instanceof InputError) throw e;
    if ((e as NodeJS.ErrnoException).code) throw writeError(path, e);
    throw e;
  }
}

function modelsOf(run: ExportRun): string[] {
  const recorded = new Set(run.records.map((r) => r.spec.model));
  const ordered = run.manifest.models.map((m) => m.id).filter((id) => recorded.has(id));
  return [...ordered, ...[...recorded].filter((id) => !ordered.includes(id))];
}

/** A model id as a file name: `openai/gpt-5.2` → `openai_gpt-5.2`. */
function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

function exportInspect(run: ExportRun, out: string | undefined): ExportResult {
  const models = modelsOf(run);
  if (models.length === 0) {
    throw new InputError(`${run.dir}: no trial recorded yet; nothing to export (peerbench run --resume ${run.dir})`);
  }
  const single = models.length === 1 && (out === undefined || out.endsWith(".eval"));
  if (out?.endsWith(".eval") && models.length > 1) {
    throw new InputError(
      `--out ${out}: the run has ${models.length} models and Inspect keeps one model per log; give --out a directory and one .eval per model is written there`,
    );
  }
  const targets: Array<{ model: string; path: string }> = [];
  if (single) {
    const path = out ?? `${run.manifest.id}.eval`;
    checkFileTarget(path);
    targets.push({ model: models[0]!, path });
  } else {
    const dir = out ?? `${run.manifest.id}-inspect`;
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new InputError(
        `--out ${dir} is a file; the run has ${models.length} models: give a directory for one .eval per model`,
      );
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw writeError(dir, e, "cannot create the directory");
    }
    for (const model of models) {
      const path = join(dir, `${run.manifest.id}_${fileSafe(model)}.eval`);
      checkFileTarget(path);
      targets.push({ model, path });
    }
  }
  const files: ExportedFile[] = [];
  for (const { model, path } of targets) {
    const records = run.records.filter((r) => r.spec.model === model);
    writeThrough(path, (tmp) => {
      const written = writeInspectLog(run, model, records, tmp);
      files.push({ path, trials: written.trials, samples: written.samples });
    });
  }
  return { files, trials: run.records.length };
}

/**
 * Export a run directory: `inspect` writes Inspect AI `.eval` logs (one per model), `csv`, `jsonl` and `parquet`
 * one row per trial (src/export/README.md). Bad input — not a run directory, an unknown format, an output that
 * cannot be written — is an InputError of one line; a file is replaced only once its new content is complete.
 */
export function exportRun(req: ExportRequest): ExportResult {
  const run = readExportRun(req.run);
  if (req.format === "inspect") return exportInspect(run, req.out);
  const table = trialTable(run);
  const out = req.out ?? `${run.manifest.id}.${EXTENSION[req.format]}`;
  if (out === "-") {
    if (req.format === "parquet") throw new InputError("--out -: parquet is binary; give a file name");
    (req.stdout ?? ((t) => process.stdout.write(t)))(req.format === "csv" ? tableCsv(table) : tableJsonl(table));
    return { files: [], trials: table.rows.length };
  }
  checkFileTarget(out);
  writeThrough(out, (tmp) => {
    if (req.format === "csv") writeFileSync(tmp, tableCsv(table));
    else if (req.format === "jsonl") writeFileSync(tmp, tableJsonl(table));
    else writeFileSync(tmp, tableParquet(table, `peerbench ${run.manifest.versions.peerbench}`));
  });
  return { files: [{ path: out, trials: table.rows.length }], trials: table.rows.length };
}
