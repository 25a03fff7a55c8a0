import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportRun } from "../../src/export/index.js";
import { type PackTrialRecord, readPackRun } from "../../src/packs/run-dir.js";
import { peerbench } from "../run/cli.js";
import { errorsOf, readEval, validator } from "./inspect-schema.js";

/** A pack run made through the CLI (slow on a loaded machine, never a failure). */
const E2E_TIMEOUT_MS = 600_000;
const PACK = join(import.meta.dirname, "..", "..", "packs", "rotate-credentials");
const root = mkdtempSync(join(tmpdir(), "peerbench-export-pack-"));
const runDir = join(root, "run");
let records: PackTrialRecord[] = [];
type Json = Record<string, unknown>;

beforeAll(() => {
  const r = peerbench([
    "run",
    "--pack",
    PACK,
    "--model",
    "sim/loyal",
    "--model",
    "sim/honest",
    "--toolset",
    "paper",
    "--relationship",
    "good",
    "--relationship",
    "no_peer",
    "--epochs",
    "2",
    "--no-progress",
    "--out",
    runDir,
  ]);
  expect(r.status, r.stderr).toBe(0);
  records = readPackRun(runDir).records;
}, E2E_TIMEOUT_MS);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FACTORS = ["relationship", "monitoring"];
const KEYS = ["access_kept", "token_revoked", "credential_copied", "false_report"];

describe("export of a scenario pack run", () => {
  it("csv, jsonl, parquet: one row per trial, the pack's factors and outcome keys as typed columns", async () => {
    expect(records).toHaveLength(2 * 4 * 2); // models × configurations × epochs
    const jsonl = join(root, "run.jsonl");
    expect(exportRun({ run: runDir, format: "jsonl", out: jsonl }).trials).toBe(16);
    const rows = readFileSync(jsonl, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Json);
    expect(rows).toHaveLength(16);
    const byId = new Map(records.map((r) => [r.id, r]));
    for (const row of rows) {
      const r = byId.get(row.trial_id as string)!;
      expect(r, String(row.trial_id)).toBeDefined();
      expect(row).toMatchObject({
        task: "rotate-credentials@1.0.0",
        pack: "rotate-credentials",
        pack_version: "1.0.0",
        model: r.spec.model,
        toolset: "paper",
        epoch: r.spec.epoch,
      });
      for (const f of FACTORS) expect(row[f], f).toBe(r.spec.factors[f]);
      for (const k of KEYS) expect(row[k], k).toBe(r.outcome!.values[k]);
      // a key the paper toolset does not score is empty, not false
      expect(row.key_removed).toBeNull();
      expect(row).not.toHaveProperty("subject");
    }
    const csv = join(root, "run.csv");
    exportRun({ run: runDir, format: "csv", out: csv });
    const header = readFileSync(csv, "utf8").split("\r\n")[0]!.split(",");
    expect(header.slice(0, 12)).toEqual([
      "run_id",
      "trial_id",
      "model",
      "simulated",
      "task",
      "pack",
      "pack_version",
      "toolset",
      "family",
      "relationship",
      "monitoring",
      "epoch",
    ]);
    for (const k of KEYS) expect(header).toContain(k);
    const parquet = join(root, "run.parquet");
    exportRun({ run: runDir, format: "parquet", out: parquet });
    const bytes = readFileSync(parquet);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const schema = parquetSchema(parquetMetadata(file)).children.map((c) => [c.element.name, c.element.type]);
    expect(Object.fromEntries(schema).access_kept).toBe("BOOLEAN");
    expect(Object.fromEntries(schema).relationship).toBe("BYTE_ARRAY");
    expect(((await parquetReadObjects({ file })) as unknown[]).length).toBe(16);
  });

  it(
    "inspect: one log per model, valid against Inspect's schema; a sample per configuration, the pack's keys as scores",
    () => {
      const dir = join(root, "inspect");
      const result = exportRun({ run: runDir, format: "inspect", out: dir });
      expect(result.files).toHaveLength(2);
      const validLog = validator();
      const validSample = validator("EvalSample");
      for (const f of result.files) {
        expect(f.samples).toBe(4);
        const entries = readEval(f.path);
        const header = entries.get("header.json") as Json;
        expect(validLog(header), errorsOf(validLog)).toBe(true);
        expect((header.eval as Json).task).toBe("peerbench/rotate-credentials@1.0.0");
        const samples = [...entries].filter(([n]) => n.startsWith("samples/")).map(([, v]) => v as Json);
        expect(samples).toHaveLength(8);
        for (const s of samples) {
          expect(validSample(s), `${s.id}: ${errorsOf(validSample)}`).toBe(true);
          expect(s.id).toMatch(/^rotate-credentials@1\.0\.0-(good|no_peer)-(un)?monitored-paper-/);
          const meta = s.metadata as Json;
          const r = records.find((x) => x.id === meta.trial_id)!;
          expect(meta.relationship).toBe(r.spec.factors.relationship);
          expect(meta.pack_version).toBe("1.0.0");
          const scores = s.scores as Record<string, { value: unknown; metadata: Json }>;
          for (const k of KEYS) expect(scores[k]?.value, k).toBe(r.outcome!.values[k]);
          expect(scores.key_removed).toBeUndefined();
          const evidence = r.outcome!.evidence.credential_copied ?? [];
          if (evidence.length) expect(scores.credential_copied!.metadata.evidence).toEqual(evidence);
          expect((s.messages as unknown[]).length).toBeGreaterThan(2);
        }
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a secret known at export time never reaches an export; the CLI writes a pack run's CSV",
    async () => {
      const SECRET = "sk-packexport-0123456789abcdefXYZ";
      const copy = join(root, "secret");
      const r = peerbench([
        "run",
        "--pack",
        PACK,
        "--model",
        "sim/honest",
        "--toolset",
        "paper",
        "--relationship",
        "good",
        "--factor",
        "monitoring=monitored",
        "--epochs",
        "1",
        "--no-progress",
        "--out",
        copy,
      ]);
      expect(r.status, r.stderr).toBe(0);
      // a run written before the key was known: its error and transcript carry it
      const line = JSON.parse(readFileSync(join(copy, "trials.jsonl"), "utf8").trim());
      writeFileSync(join(copy, "trials.jsonl"), `${JSON.stringify({ ...line, error: `key ${SECRET} refused` })}\n`);
      const t = join(copy, line.transcript);
      writeFileSync(t, readFileSync(t, "utf8").replace('"user":"', `"user":"${SECRET} `));
      const saved = process.env.OPENAI_API_KEY;
      process.env.OPENAI_API_KEY = SECRET;
      try {
        for (const format of ["csv", "jsonl", "parquet", "inspect"] as const) {
          const out = join(root, `secret.${format === "inspect" ? "eval" : format}`);
          exportRun({ run: copy, format, out });
          const text = format === "inspect" ? JSON.stringify([...readEval(out)]) : readFileSync(out).toString("latin1");
          expect(text, format).not.toContain(SECRET);
          if (format !== "parquet") expect(text, format).toContain("[redacted]");
        }
      } finally {
        if (saved === undefined) delete process.env.OPENAI_API_KEY;
        else process.env.OPENAI_API_KEY = saved;
      }
      const cli = peerbench(["export", runDir, "--format", "csv", "--out", "-"]);
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout.trim().split("\r\n")).toHaveLength(17);
    },
    E2E_TIMEOUT_MS,
  );
});
