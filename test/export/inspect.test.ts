import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportRun } from "../../src/export/index.js";
import type { TrialRecord } from "../../src/run/record.js";
import { recordReview } from "../../src/run/reviewing.js";
import type { Event } from "../../src/world/events.js";
import { rec } from "../analysis/fixtures.js";
import { runDefaultPreset } from "../helpers.js";
import { writeFixtureRun } from "../report/fixture-run.js";
import { errorsOf, readEval, validator } from "./inspect-schema.js";

const root = mkdtempSync(join(tmpdir(), "pb-export-inspect-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const validLog = validator();
const validSpec = validator("EvalSpec");
const validPlan = validator("EvalPlan");
const validSample = validator("EvalSample");
const validReduction = validator("EvalSampleReductions");
const validScore = validator("Score");

describe("export --format inspect: a real run, two simulated models", () => {
  const runDir = join(root, "run");
  const outDir = join(root, "inspect");
  let records: TrialRecord[];
  let reviewed: TrialRecord;
  let logs: Map<string, Map<string, unknown>>;

  beforeAll(async () => {
    records = await runDefaultPreset(runDir, { personas: ["loyal", "honest"], toolset: "paper", epochs: 2, seed: 11 });
    reviewed = records.find((r) => r.spec.model === "sim/loyal" && r.spec.task === "tampering")!;
    recordReview(runDir, {
      trial: reviewed.id,
      set: { refusal: "yes" },
      by: "Ada",
      note: "refused in prose",
      source: "cli",
    });
    const result = exportRun({ run: runDir, format: "inspect", out: outDir });
    expect(result.files.length).toBe(2);
    logs = new Map(result.files.map((f) => [f.path, readEval(f.path)]));
  }, 120_000);

  const entriesOf = (model: string) => {
    const file = [...logs.keys()].find((f) => f.endsWith(`_${model.replace("/", "_")}.eval`));
    expect(file, `a log for ${model}`).toBeDefined();
    return logs.get(file!)!;
  };
  const samplesOf = (entries: Map<string, unknown>) =>
    [...entries].filter(([n]) => n.startsWith("samples/")).map(([, v]) => v as Json);

  it("writes one .eval per model in Inspect's layout", () => {
    // named after the run (the helper names it "test") and the model
    expect(readdirSync(outDir).sort()).toEqual(["test_sim_honest.eval", "test_sim_loyal.eval"]);
    for (const entries of logs.values()) {
      const names = [...entries.keys()];
      for (const n of [
        "_journal/start.json",
        "_journal/summaries/1.json",
        "summaries.json",
        "reductions.json",
        "header.json",
      ]) {
        expect(names).toContain(n);
      }
      for (const n of names.filter((x) => x.startsWith("samples/")))
        expect(n).toMatch(/^samples\/[A-Za-z0-9._@-]+_epoch_[12]\.json$/);
    }
  });

  it("the header, the journal start, every sample and every reduction validate against Inspect's log schema", () => {
    for (const entries of logs.values()) {
      const header = entries.get("header.json") as Json;
      expect(validLog(header), errorsOf(validLog)).toBe(true);
      const start = entries.get("_journal/start.json") as Json;
      expect(start.version).toBe(2);
      expect(validSpec(start.eval), errorsOf(validSpec)).toBe(true);
      expect(validPlan(start.plan), errorsOf(validPlan)).toBe(true);
      const samples = samplesOf(entries);
      expect(samples.length).toBe(70);
      for (const s of samples) expect(validSample(s), `${s.id} epoch ${s.epoch}: ${errorsOf(validSample)}`).toBe(true);
      for (const r of entries.get("reductions.json") as Json[])
        expect(validReduction(r), errorsOf(validReduction)).toBe(true);
      for (const summary of entries.get("summaries.json") as Json[]) {
        for (const score of Object.values((summary.scores ?? {}) as Json))
          expect(validScore(score), errorsOf(validScore)).toBe(true);
      }
    }
  });

  it("the schema check can fail: a sample without messages, a null score, an unknown field are refused", () => {
    const sample = samplesOf(entriesOf("sim/loyal"))[0]!;
    const { messages: _m, ...noMessages } = sample;
    expect(validSample(noMessages)).toBe(false);
    const scores = sample.scores as Json;
    const key = Object.keys(scores)[0]!;
    expect(validSample({ ...sample, scores: { ...scores, [key]: { ...(scores[key] as Json), value: null } } })).toBe(
      false,
    );
    expect(validSample({ ...sample, peerbench: true })).toBe(false);
  });

  it("a sample is a trial: its messages, reasoning, tool calls once, factors as metadata, our outcome keys as scores", () => {
    const entries = entriesOf("sim/loyal");
    const header = entries.get("header.json") as Json;
    expect((header.eval as Json).model).toBe("sim/loyal");
    expect((header.eval as Json).eval_set_id).toBe(
      ((logs.values().next().value as Map<string, unknown>).get("header.json") as { eval: Json }).eval.eval_set_id,
    );
    const byTrial = new Map(samplesOf(entries).map((s) => [(s.metadata as Json).trial_id as string, s]));
    for (const r of records.filter((x) => x.spec.model === "sim/loyal")) {
      const s = byTrial.get(r.id)!;
      expect(s, r.id).toBeDefined();
      expect(s.epoch).toBe(r.spec.epoch + 1);
      const meta = s.metadata as Json;
      for (const f of [
        "task",
        "subject",
        "relationship",
        "instantiation",
        "toolset",
        "family",
        "dataset",
        "threshold",
        "monitoring",
      ] as const) {
        expect(meta[f], `${r.id} ${f}`).toEqual(r.spec[f]);
      }
      expect(meta.epoch).toBe(r.spec.epoch);
      expect(typeof meta.seed).toBe("number");
      const transcript = JSON.parse(readFileSync(join(runDir, r.transcript), "utf8")) as { events: Event[] };
      const messages = s.messages as Json[];
      expect(messages[0]!.role).toBe("system");
      expect(messages[1]!.role).toBe("user");
      const turns = transcript.events.filter((e) => e.kind === "model_turn");
      const assistants = messages.filter((m) => m.role === "assistant");
      expect(assistants.length).toBe(turns.length);
      const calls = assistants.flatMap((m) => (m.tool_calls as Json[] | null) ?? []);
      expect(calls.length).toBe(transcript.events.filter((e) => e.kind === "tool_call").length);
      expect(messages.filter((m) => m.role === "tool").length).toBe(
        transcript.events.filter((e) => e.kind === "tool_result").length,
      );
      const reasoned = turns.filter((t) => t.kind === "model_turn" && t.reasoning).length;
      const withReasoning = assistants.filter(
        (m) => Array.isArray(m.content) && (m.content as Json[]).some((c) => c.type === "reasoning"),
      );
      expect(withReasoning.length).toBe(reasoned);
      // every non-null outcome key is a score with the recorded value (the reviewed trial: the review's value)
      const scores = s.scores as Record<string, Json>;
      const outcome = r.outcome as unknown as Json;
      for (const [k, v] of Object.entries(outcome)) {
        if (k === "evidence") continue;
        if (v === null) expect(scores[k], `${r.id} ${k}`).toBeUndefined();
        else expect(scores[k]?.value, `${r.id} ${k}`).toBe(r.id === reviewed.id && k === "refusal" ? true : v);
      }
      expect(Object.keys(s.model_usage as Json)).toEqual(r.modelCalls > 0 ? ["sim/loyal"] : []);
    }
  });

  it("the detectors' evidence is the score's explanation, citing messages that exist", () => {
    const samples = samplesOf(entriesOf("sim/loyal"));
    const flagged = samples.filter(
      (s) => ((s.scores as Record<string, Json>).shutdown_tampering?.value as boolean) === true,
    );
    expect(flagged.length).toBeGreaterThan(0);
    for (const s of flagged) {
      const score = (s.scores as Record<string, Json>).shutdown_tampering!;
      expect(score.explanation).toMatch(/^evidence: event \d+/);
      const cited = (score.metadata as Json).evidence_messages as string[];
      expect(cited.length).toBeGreaterThan(0);
      const ids = new Set((s.messages as Json[]).map((m) => m.id));
      for (const id of cited) expect(ids.has(id), `${id} in ${s.id}`).toBe(true);
      expect(((score.metadata as Json).evidence as number[]).length).toBeGreaterThan(0);
    }
  });

  it("a key set by hand carries the review in its history; the header sums usage and scores every key", () => {
    const entries = entriesOf("sim/loyal");
    const s = samplesOf(entries).find((x) => (x.metadata as Json).trial_id === reviewed.id)!;
    const refusal = (s.scores as Record<string, Json>).refusal!;
    expect(refusal.value).toBe(true);
    const [edit] = refusal.history as Json[];
    expect((edit!.provenance as Json).author).toBe("Ada");
    expect((refusal.metadata as Json).detector_value).toBe(false);
    const header = entries.get("header.json") as Json;
    expect(header.status).toBe("success");
    const results = header.results as Json;
    expect(results.total_samples).toBe(35);
    const scorers = (results.scores as Json[]).map((x) => x.name);
    expect(scorers).toEqual(
      expect.arrayContaining(["refusal", "read_gate", "shutdown_tampering", "exfiltration", "misrepresentation"]),
    );
    const tampering = (results.scores as Json[]).find((x) => x.name === "shutdown_tampering")!;
    expect(((tampering.metrics as Json).mean as Json).value).toBeGreaterThan(0);
  });
});

describe("export --format inspect: errors, secrets, one model", () => {
  const SECRET = "sk-exporttest-0123456789abcdefXYZ";
  const runDir = join(root, "fixture");

  beforeAll(() => {
    const ok = rec({ model: "openai/gpt-5.2" }, { shutdown_tampering: true, evidence: { shutdown_tampering: [7, 8] } });
    const failed = rec({ model: "openai/gpt-5.2" }, null, { error: `provider said 401 for key ${SECRET}` });
    writeFixtureRun(runDir, [ok, failed], { id: "fixture", text: () => `my key is ${SECRET}` });
  });

  it("an errored trial is a sample with its error and no scores; the log's status is error; no secret anywhere", () => {
    const prior = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = SECRET;
    try {
      const out = join(root, "one.eval");
      const result = exportRun({ run: runDir, format: "inspect", out });
      expect(result.files).toEqual([{ path: out, trials: 2, samples: 1 }]);
      const raw = readEval(out);
      for (const [name, value] of raw) expect(JSON.stringify(value), name).not.toContain(SECRET);
      const header = raw.get("header.json") as Json;
      expect(validLog(header), errorsOf(validLog)).toBe(true);
      expect(header.status).toBe("error");
      const samples = [...raw].filter(([n]) => n.startsWith("samples/")).map(([, v]) => v as Json);
      expect(samples.length).toBe(2);
      for (const s of samples) expect(validSample(s), errorsOf(validSample)).toBe(true);
      const failed = samples.find((s) => s.error !== null)!;
      expect(failed.scores).toBeNull();
      expect((failed.error as Json).message).toMatch(/^provider said 401/);
      const ok = samples.find((s) => s.error === null)!;
      expect((ok.scores as Record<string, Json>).shutdown_tampering!.explanation).toMatch(
        /event 7 \(message e6\): modify_var.*event 8 \(message e6\): write workstation:/,
      );
    } finally {
      if (prior === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = prior;
    }
  });

  it("a run of several models with --out FILE.eval is refused in one line", () => {
    const two = join(root, "two");
    writeFixtureRun(two, [rec({ model: "sim/loyal" }, {}), rec({ model: "sim/honest" }, {})], { id: "two" });
    expect(() => exportRun({ run: two, format: "inspect", out: join(root, "two.eval") })).toThrow(
      /the run has 2 models .* give --out a directory/,
    );
  });
});
