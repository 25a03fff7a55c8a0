import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetReadObjects, parquetSchema, parquetMetadata } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csvField } from "../../src/export/csv.js";
import { exportRun, parseFormat } from "../../src/export/index.js";
import { InputError } from "../../src/models/trajectory.js";
import type { TrialRecord } from "../../src/run/record.js";
import { outcomeKeys } from "../../src/tasks/index.js";
import { rec } from "../analysis/fixtures.js";
import { runDefaultPreset } from "../helpers.js";
import { writeFixtureRun } from "../report/fixture-run.js";

const BIN = join(import.meta.dirname, "../../bin/peerbench.js");
const root = mkdtempSync(join(tmpdir(), "pb-export-table-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** RFC 4180 read back by a parser written from the RFC, independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length) throw new Error("the last record is not ended by CRLF");
  return rows;
}

const FACTORS = [
  "run_id",
  "trial_id",
  "model",
  "simulated",
  "task",
  "subject",
  "relationship",
  "peer_present",
  "instantiation",
  "toolset",
  "agent",
  "family",
  "dataset",
  "threshold",
  "monitoring",
  "control",
  "epoch",
  "seed",
  "end_reason",
  "error",
  "model_calls",
  "tool_calls",
  "invalid_tool_calls",
  "input_tokens",
  "output_tokens",
  "reasoning_tokens",
  "cached_input_tokens",
  "cost_usd",
  "started_at",
  "duration_ms",
];

describe("export --format csv|jsonl|parquet: a real run", () => {
  const runDir = join(root, "run");
  let records: TrialRecord[];
  beforeAll(async () => {
    records = await runDefaultPreset(runDir, {
      personas: ["loyal", "self-preserver"],
      toolset: "paper",
      epochs: 2,
      seed: 5,
    });
  }, 120_000);

  it("CSV: one row per trial, a column for every factor and every outcome key of the run's tasks", () => {
    const out = join(root, "run.csv");
    const result = exportRun({ run: runDir, format: "csv", out });
    expect(result.trials).toBe(records.length);
    const [header, ...rows] = parseCsv(readFileSync(out, "utf8"));
    expect(rows.length).toBe(records.length);
    expect(header!.slice(0, FACTORS.length)).toEqual(FACTORS);
    expect(header).toEqual(expect.arrayContaining(outcomeKeys()));
    expect(header!.at(-1)).toBe("reviewed_keys");
    const col = (name: string) => header!.indexOf(name);
    const byId = new Map(rows.map((r) => [r[col("trial_id")], r]));
    for (const r of records) {
      const row = byId.get(r.id)!;
      expect(row, r.id).toBeDefined();
      expect(row[col("task")]).toBe(r.spec.task);
      expect(row[col("relationship")]).toBe(r.spec.relationship);
      expect(row[col("epoch")]).toBe(String(r.spec.epoch));
      expect(row[col("threshold")]).toBe(r.spec.threshold === null ? "" : String(r.spec.threshold));
      for (const k of outcomeKeys()) {
        const v = (r.outcome as unknown as Record<string, unknown>)[k];
        expect(row[col(k)], `${r.id} ${k}`).toBe(v === null || v === undefined ? "" : String(v));
      }
    }
  });

  it("JSON lines: one typed object per trial, the same columns", () => {
    const out = join(root, "run.jsonl");
    exportRun({ run: runDir, format: "jsonl", out });
    const lines = readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(records.length);
    const first = records[0]!;
    const row = lines.find((l) => l.trial_id === first.id);
    expect(row.epoch).toBe(first.spec.epoch);
    expect(row.simulated).toBe(true);
    expect(row.read_gate).toBe(first.outcome!.read_gate);
    expect(Object.keys(row).slice(0, FACTORS.length)).toEqual(FACTORS);
  });

  it("Parquet: read back with hyparquet, the rows, the columns and their types", async () => {
    const out = join(root, "run.parquet");
    exportRun({ run: runDir, format: "parquet", out });
    const bytes = readFileSync(out);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const rows = (await parquetReadObjects({ file })) as Array<Record<string, unknown>>;
    expect(rows.length).toBe(records.length);
    const columns = parquetSchema(parquetMetadata(file)).children.map((c) => c.element.name);
    expect(columns.slice(0, FACTORS.length)).toEqual(FACTORS);
    expect(columns).toEqual(expect.arrayContaining(outcomeKeys()));
    for (const r of records) {
      const row = rows.find((x) => x.trial_id === r.id)!;
      expect(row.task).toBe(r.spec.task);
      expect(row.epoch).toBe(BigInt(r.spec.epoch));
      expect(row.simulated).toBe(true);
      expect(row.exfiltration).toBe(r.outcome!.exfiltration);
      expect(row.reported_score).toBe(r.outcome!.reported_score);
      expect(row.dataset).toBe(r.spec.dataset);
    }
  });
});

describe("export: RFC 4180 quoting, errored trials, reviews, secrets", () => {
  const runDir = join(root, "fixture");
  const NASTY = 'provider said: "rate limited", retry later\nsecond line, with "quotes"\r\nthird';
  const SECRET = "sk-tabular-0123456789abcdefXYZ";
  beforeAll(() => {
    writeFixtureRun(
      runDir,
      [
        rec({ model: "openai/gpt-5.2" }, { shutdown_tampering: true }),
        rec({ model: "openai/gpt-5.2" }, null, { error: NASTY }),
        rec({ model: "openai/gpt-5.2" }, null, { error: `key ${SECRET} refused` }),
      ],
      { id: "fixture" },
    );
  });

  it("csvField quotes exactly the fields that need it", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField(null)).toBe("");
    expect(csvField(false)).toBe("false");
  });

  it("a field with commas, quotes and line breaks reads back whole; every line ends in CRLF", () => {
    const out = join(root, "fixture.csv");
    exportRun({ run: runDir, format: "csv", out });
    const text = readFileSync(out, "utf8");
    const rows = parseCsv(text);
    expect(rows.length).toBe(4);
    const error = rows[0]!.indexOf("error");
    expect(rows[2]![error]).toBe(NASTY);
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    // the errored trials have no outcome: their outcome cells are empty
    expect(rows[2]![rows[0]!.indexOf("shutdown_tampering")]).toBe("");
    expect(rows[1]![rows[0]!.indexOf("shutdown_tampering")]).toBe("true");
  });

  it("no secret reaches a CSV, JSON lines or Parquet export", async () => {
    const prior = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = SECRET;
    try {
      for (const format of ["csv", "jsonl", "parquet"] as const) {
        const out = join(root, `secret.${format}`);
        exportRun({ run: runDir, format, out });
        const bytes = readFileSync(out);
        expect(bytes.toString("latin1"), format).not.toContain(SECRET);
        if (format === "parquet") {
          const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
          const rows = await parquetReadObjects({ file });
          expect(JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? Number(v) : v))).not.toContain(SECRET);
        }
      }
    } finally {
      if (prior === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = prior;
    }
  });
});

describe("peerbench export: the command", () => {
  const runDir = join(root, "cli-run");
  beforeAll(() => writeFixtureRun(runDir, [rec({}, { shutdown_tampering: true }), rec({}, {})], { id: "cli-run" }));
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, "export", ...args], {
      encoding: "utf8",
      cwd: root,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const expectBadInput = (r: ReturnType<typeof cli>, pattern: RegExp) => {
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it("writes csv to standard output with --out -, and a file named after the run by default", {
    timeout: 120_000,
  }, () => {
    const r = cli(runDir, "--format", "csv", "--out", "-");
    expect(r.status, r.stderr).toBe(0);
    expect(parseCsv(r.stdout).length).toBe(3);
    const d = cli(runDir, "--format", "jsonl");
    expect(d.status, d.stderr).toBe(0);
    expect(d.stderr).toMatch(/^wrote cli-run\.jsonl \(2 trials\)/);
    expect(readFileSync(join(root, "cli-run.jsonl"), "utf8").trimEnd().split("\n").length).toBe(2);
  });

  it("bad input: one line, exit 2 (an unknown format, not a run directory, an output that cannot be written)", () => {
    const notRun = join(root, "not-a-run");
    mkdirSync(notRun, { recursive: true });
    expectBadInput(
      cli(runDir, "--format", "xlsx"),
      /--format xlsx: unknown export format; use one of inspect, csv, jsonl, parquet/,
    );
    expectBadInput(cli(notRun, "--format", "csv"), /not-a-run: not a run directory \(no manifest\.json\)/);
    expectBadInput(
      cli(runDir, "--format", "csv", "--out", join(root, "nowhere", "x.csv")),
      /the folder .*nowhere does not exist/,
    );
  }, 180_000);

  it("every bad input is an InputError naming what was wrong (the CLI prints it in one line, exit 2)", () => {
    const notRun = join(root, "not-a-run");
    mkdirSync(notRun, { recursive: true });
    writeFileSync(join(root, "plain-file"), "x");
    const bad = (req: Parameters<typeof exportRun>[0], pattern: RegExp) => {
      expect(() => exportRun(req)).toThrow(InputError);
      expect(() => exportRun(req)).toThrow(pattern);
    };
    bad({ run: join(root, "missing"), format: "csv" }, /no such run directory/);
    bad({ run: notRun, format: "inspect" }, /not a run directory/);
    bad({ run: runDir, format: "csv", out: notRun }, /is a directory; give a file name/);
    bad({ run: runDir, format: "csv", out: join(root, "plain-file", "x.csv") }, /plain-file does not exist/);
    bad({ run: runDir, format: "parquet", out: "-" }, /parquet is binary/);
    bad({ run: runDir, format: "inspect", out: join(root, "plain-file") }, /plain-file|directory/);
    expect(() => parseFormat(undefined)).toThrow(/--format is required: one of inspect, csv, jsonl, parquet/);
    expect(() => parseFormat("xlsx")).toThrow(InputError);
  });
});
