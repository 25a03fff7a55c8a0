import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applySuite } from "../../src/suite/apply.js";
import { loadSuite } from "../../src/suite/load.js";
import { nearest } from "../../src/suite/nearest.js";
import { suiteChanges } from "../../src/suite/record.js";
import { SuiteFile, SuiteFactors, SuiteHarness, SuiteJudge, SuiteLimits, SuiteModel } from "../../src/suite/schema.js";

const root = mkdtempSync(join(tmpdir(), "peerbench-suite-load-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** Write a suite file and return its path. */
function suite(text: string): string {
  const f = join(root, `s${++n}.yaml`);
  writeFileSync(f, text);
  return f;
}

/** The one-line message loading `text` fails with, the file's path replaced by FILE. */
function problem(text: string): string {
  const f = suite(text);
  try {
    loadSuite(f);
  } catch (e) {
    expect((e as Error).name).toBe("InputError");
    const msg = (e as Error).message;
    expect(msg.split("\n")).toHaveLength(1);
    return msg.replace(f, "FILE");
  }
  throw new Error("the suite loaded");
}

const HEAD = "format: peerbench.suite/v1\nmodels: [sim/honest]\n";

describe("suite files: errors at FILE:LINE:COL, what is wrong — what to do", () => {
  it("YAML syntax", () => {
    expect(problem("format: peerbench.suite/v1\nmodels: [sim/honest\ntasks: x\n")).toBe(
      "FILE:3:1: Flow sequence in block collection must be sufficiently indented and end with a ] — fix the YAML there",
    );
    expect(problem(`${HEAD}epochs: 2\nepochs: 3\n`)).toMatch(
      /^FILE:4:1: Map keys must be unique — fix the YAML there$/,
    );
  });

  it("the format line: missing, another version, not a mapping", () => {
    expect(problem("models: [sim/honest]\n")).toBe(
      "FILE:1:1: no format: line — start the file with format: peerbench.suite/v1",
    );
    expect(problem("models: [sim/honest]\nformat: peerbench.suite/v2\n")).toBe(
      "FILE:2:9: format peerbench.suite/v2 is not one this peerbench reads — it reads peerbench.suite/v1; use the peerbench the file was written for",
    );
    expect(problem("format: suite\nmodels: [sim/honest]\n")).toBe(
      'FILE:1:9: format is "suite" — write format: peerbench.suite/v1',
    );
    expect(problem("- sim/honest\n")).toMatch(/^FILE:1:1: a suite file is a mapping of keys — start it with format:/);
  });

  it("unknown keys, with the closest valid key, at every level", () => {
    expect(problem("format: peerbench.suite/v1\nmodles: [sim/honest]\n")).toBe(
      'FILE:2:1: unknown key "modles" at the top level — did you mean "models"?',
    );
    expect(problem(`${HEAD}limits:\n  max-calls: 10\n`)).toBe(
      'FILE:4:3: unknown key "max-calls" in limits — did you mean "max_calls"?',
    );
    expect(problem("format: peerbench.suite/v1\nmodels:\n  - id: sim/honest\n    temprature: 0.5\n")).toBe(
      'FILE:4:5: unknown key "temprature" in models[0] — did you mean "temperature"?',
    );
    expect(problem(`${HEAD}factors:\n  relationships: good\n`)).toBe(
      'FILE:4:3: unknown key "relationships" in factors — did you mean "relationship"?',
    );
    expect(problem(`${HEAD}colour: blue\n`)).toMatch(
      /^FILE:3:1: unknown key "colour" at the top level — remove it; the keys here are format, name, description, models, preset, tasks, packs,/,
    );
  });

  it("values of the wrong kind or out of range, with the value and what to write", () => {
    expect(problem("format: peerbench.suite/v1\nmodels:\n  - id: openai/gpt-5\n    temperature: hot\n")).toBe(
      'FILE:4:18: models[0].temperature is "hot" — write a number >= 0, e.g. 1.0',
    );
    expect(problem(`${HEAD}limits:\n  max_calls: 0\n`)).toBe(
      "FILE:4:14: limits.max_calls is 0 — write a whole number from 1 to 10,000",
    );
    expect(problem(`${HEAD}epochs: 2.5\n`)).toBe("FILE:3:9: epochs is 2.5 — write a whole number from 1 to 100,000");
    expect(problem(`${HEAD}factors:\n  subject: peers\n`)).toBe(
      'FILE:4:12: factors.subject is "peers" — did you mean "peer"? choose from self, peer',
    );
    expect(problem(`${HEAD}toolsets: [paper, shel]\n`)).toBe(
      'FILE:3:19: toolsets[1] is "shel" — did you mean "shell"? choose from paper, shell, harness',
    );
    expect(problem(`${HEAD}preset: papers\n`)).toBe(
      'FILE:3:9: preset is "papers" — did you mean "paper"? choose from default, paper, controls, peer_identity',
    );
    expect(problem(`${HEAD}tasks: [tampering, exfiltration]\n`)).toMatch(
      /^FILE:3:20: tasks\[1\] is "exfiltration" — did you mean "exfiltration_\w+"\? choose from misrep_finance,/,
    );
    expect(problem("format: peerbench.suite/v1\nmodels: []\n")).toBe(
      "FILE:2:9: models is a list — list at least one model, e.g. models: [sim/honest]",
    );
    expect(problem("format: peerbench.suite/v1\nmodels: [sim/honest, sim/honest]\n")).toBe(
      "FILE:2:22: models[1] is sim/honest again (models[0]) — list each model once: trial ids are made from the model id",
    );
    expect(problem(`${HEAD}judge:\n  base_url: http://127.0.0.1:9/v1\n`)).toBe(
      "FILE:4:3: no judge.model — write the judge's model id, e.g. openai/gpt-4.1-mini",
    );
    expect(problem("format: peerbench.suite/v1\nmodels:\n  - id: vllm/x\n    base_url: ftp://host/v1\n")).toBe(
      'FILE:4:15: models[0].base_url "ftp://host/v1" uses ftp://; model endpoints are http:// or https://',
    );
  });

  it("refuses a secret anywhere in the file, whatever key holds it", () => {
    expect(
      problem("format: peerbench.suite/v1\nmodels:\n  - id: openai/gpt-5\n    api_key: sk-proj-abcdefghijklmnop\n"),
    ).toBe(
      "FILE:4:14: models[0].api_key holds a secret (an API key, or a URL's credentials) — a suite file is copied into every run directory: keep the key in an environment variable and name the variable with api_key_env",
    );
    expect(
      problem(
        "format: peerbench.suite/v1\nmodels:\n  - id: vllm/x\n    base_url: http://user:hunter22@127.0.0.1:8000/v1\n",
      ),
    ).toMatch(/^FILE:4:15: models\[0\]\.base_url holds a secret/);
    expect(
      problem("format: peerbench.suite/v1\nmodels:\n  - id: vllm/x\n    base_url: http://h:1/v1?api_key=abcd1234\n"),
    ).toMatch(/^FILE:4:15: models\[0\]\.base_url holds a secret/);
    // a key-named key without a key-shaped value is still no place for a key
    expect(problem("format: peerbench.suite/v1\nmodels:\n  - id: vllm/x\n    api_key: hunter2\n")).toBe(
      'FILE:4:5: unknown key "api_key" in models[0] — a suite file holds no keys: put the key in an environment variable and name it with api_key_env: NAME',
    );
    expect(
      problem("format: peerbench.suite/v1\nmodels:\n  - id: vllm/x\n    api_key_env: sk-abcdefghijklmnop\n"),
    ).toMatch(/^FILE:4:18: models\[0\]\.api_key_env holds a secret/);
  });

  it("files and folders the suite names must be there, relative to the suite file", () => {
    expect(problem(`${HEAD}packs: [./no-such-pack]\n`)).toBe(
      `FILE:3:9: packs[0] "./no-such-pack": no such directory (${join(root, "no-such-pack")}) — give a pack directory, relative to the suite file`,
    );
    expect(problem(`${HEAD}prices: prices.json\n`)).toMatch(/^FILE:3:9: prices "prices.json": no such file/);
    expect(() => loadSuite(join(root, "none.yaml"))).toThrow(
      `${join(root, "none.yaml")}: no such file — give the path of a suite file (YAML, format: peerbench.suite/v1)`,
    );
  });
});

describe("suite files: what they mean", () => {
  it("reads the example suite, a value alone as a list of one, paths from the suite file's folder", () => {
    const example = loadSuite(join(import.meta.dirname, "../../examples/suite.yaml"));
    expect(example.suite.models.map((m) => m.id)).toEqual(["sim/honest", "sim/loyal", "sim/faker"]);
    expect(example.suite.factors?.subject).toEqual(["peer"]);
    mkdirSync(join(root, "pack"), { recursive: true });
    const f = suite(`${HEAD}packs: pack\nout: runs/x\ncache: ../cache\n`);
    const applied = applySuite(loadSuite(f), { preset: "default" }, new Set(), { packOption: true });
    expect(applied.opts).toMatchObject({
      pack: [join(root, "pack")],
      out: join(root, "runs/x"),
      cache: join(root, "../cache"),
    });
  });

  it("flags given replace the file's values (lists too); defaults do not; model flags beat each model's own", () => {
    const f = suite(
      "format: peerbench.suite/v1\nmodels:\n  - id: sim/honest\n  - id: vllm/m\n    base_url: http://127.0.0.1:9/v1\n    temperature: 0.3\n    family: Claude\nepochs: 4\nseed: 9\ntasks: [tampering, misrep_finance]\nconcurrency: 2\n",
    );
    const cli = { preset: "default", seed: 1, concurrency: 4, epochs: 2, task: ["alignment_faking"], temperature: 0.9 };
    const { opts, models } = applySuite(loadSuite(f), cli, new Set(["epochs", "task", "temperature"]), {
      packOption: false,
    });
    expect(opts).toMatchObject({ epochs: 2, task: ["alignment_faking"], seed: 9, concurrency: 2 });
    expect(models?.map((m) => [m.id, m.options.temperature, m.options.baseUrl, m.options.family])).toEqual([
      ["sim/honest", 0.9, undefined, undefined],
      ["vllm/m", 0.9, "http://127.0.0.1:9/v1", "Claude"],
    ]);
    const without = applySuite(loadSuite(f), cli, new Set(), { packOption: false });
    expect(without.opts).toMatchObject({ epochs: 4, task: ["tampering", "misrep_finance"] });
    expect(without.models?.[1]?.options.temperature).toBe(0.3);
    // --model replaces the file's models
    expect(applySuite(loadSuite(f), cli, new Set(["model"]), { packOption: false }).models).toBeNull();
  });

  it("packs without a --pack option: one line, at the packs key", () => {
    mkdirSync(join(root, "pack"), { recursive: true });
    const f = suite(`${HEAD}packs: [pack]\n`);
    expect(() => applySuite(loadSuite(f), {}, new Set(), { packOption: false })).toThrow(
      `${f}:3:1: packs need a peerbench with --pack — this one runs only its built-in tasks: remove packs: from the suite file`,
    );
  });

  it("changes between two suites are named; comments and layout are not changes", () => {
    const a = loadSuite(suite(`${HEAD}epochs: 2\ntasks: tampering\n`)).suite;
    const b = loadSuite(suite(`# same\n${HEAD}tasks: [tampering]   # one\nepochs: 2\n`)).suite;
    expect(suiteChanges(a, b)).toEqual([]);
    const c = loadSuite(suite("format: peerbench.suite/v1\nmodels: [sim/honest, sim/loyal]\nepochs: 3\n")).suite;
    expect(suiteChanges(a, c)).toEqual([
      'models[1] {"id":"sim/loyal"} (not in the run)',
      'tasks removed (the run has ["tampering"])',
      "epochs 3 (the run has 2)",
    ]);
  });

  it("nearest: typos, other spellings, nothing for words far from any", () => {
    expect(nearest("modles", ["models", "name"])).toBe("models");
    expect(nearest("Max-Calls", ["max_calls", "max_cost_usd"])).toBe("max_calls");
    expect(nearest("colour", ["format", "models"])).toBeNull();
  });

  it("the README's reference names every key of the schema", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const start = readme.indexOf("## Suite files");
    const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
    expect(section.length).toBeGreaterThan(100);
    const keys = (o: { shape: Record<string, unknown> }, prefix: string) =>
      Object.keys(o.shape).map((k) => `${prefix}${k}`);
    const all = [
      ...keys(SuiteFile, ""),
      ...keys(SuiteModel, "models[]."),
      ...keys(SuiteFactors, "factors."),
      ...keys(SuiteLimits, "limits."),
      ...keys(SuiteJudge, "judge."),
      ...keys(SuiteHarness, "harness."),
    ];
    for (const k of all) expect(section, k).toContain(`\`${k}\``);
  });
});
