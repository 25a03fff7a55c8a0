import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeProvider, startFakeProvider } from "../providers/fake-server.js";

/** Each model of a suite file with its own options, as the providers receive them, and after a resume. */
const run = promisify(execFile);
const KEY_A = "sk-suite-a-0123456789abcdef";
const KEY_B = "sk-suite-b-fedcba9876543210";
const BIN = join(import.meta.dirname, "../../bin/peerbench.js");

const done = () => ({ text: "Nothing to do.", toolCalls: [{ name: "end_task", args: {} }] });

async function peerbench(args: string[]) {
  const env = { ...process.env, NO_COLOR: "1", SUITE_KEY_A: KEY_A, SUITE_KEY_B: KEY_B };
  return run(process.execPath, [BIN, ...args], { env }).then(
    (r) => ({ status: 0, ...r }),
    (e) => ({ status: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string }),
  );
}

/** What each request carried that the suite set: temperature, max tokens, the key. */
function seen(p: FakeProvider) {
  return p.requests.map((r) => ({
    temperature: r.body.temperature,
    maxTokens: r.body.max_tokens ?? r.body.max_completion_tokens,
    auth: r.headers.authorization,
  }));
}

describe("suite files: each model's options reach its provider", () => {
  let a: FakeProvider;
  let b: FakeProvider;
  let dir: string;
  let file: string;
  beforeAll(async () => {
    a = await startFakeProvider("openai-chat", done);
    b = await startFakeProvider("openai-chat", done);
    dir = await mkdtemp(join(tmpdir(), "pb-suite-models-"));
    file = join(dir, "two.yaml");
    await writeFile(
      file,
      `format: peerbench.suite/v1
models:
  - id: compatible/model-a
    base_url: ${a.url}/v1
    api_key_env: SUITE_KEY_A
    temperature: 0.7
  - id: compatible/model-b
    base_url: ${b.url}/v1
    api_key_env: SUITE_KEY_B
    temperature: 0.2
    max_output_tokens: 512
tasks: tampering
factors: { subject: peer, relationship: good }
epochs: 3
concurrency: 1
`,
    );
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs each model with its own endpoint, key and options; a flag given overrides them all; resume keeps them", async () => {
    const out = join(dir, "run");
    const r = await peerbench(["run", file, "--out", out, "--no-progress", "--no-report"]);
    expect(r.status, r.stderr).toBe(0);
    expect(seen(a).length).toBe(3);
    expect(seen(b).length).toBe(3);
    for (const s of seen(a)) expect(s).toMatchObject({ temperature: 0.7, auth: `Bearer ${KEY_A}` });
    for (const s of seen(b)) expect(s).toEqual({ temperature: 0.2, maxTokens: 512, auth: `Bearer ${KEY_B}` });
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.settings.selection.modelOptionsById["compatible/model-b"]).toMatchObject({
      apiKeyEnv: "SUITE_KEY_B",
      temperature: 0.2,
      maxOutputTokens: 512,
    });
    // no key anywhere in the run directory
    for (const f of [
      ...(await readdir(out)),
      ...(await readdir(join(out, "transcripts"))).map((t) => `transcripts/${t}`),
    ]) {
      if (f === "transcripts") continue;
      const text = await readFile(join(out, f), "utf8");
      expect(text).not.toContain(KEY_A);
      expect(text).not.toContain(KEY_B);
    }

    // lose model-b's last two trials; the resume asks model-b again, with model-b's options
    const all = (await readFile(join(out, "trials.jsonl"), "utf8")).split("\n").filter(Boolean);
    const kept = [
      ...all.filter((l) => !l.includes("model-b")),
      ...all.filter((l) => l.includes("model-b")).slice(0, 1),
    ];
    await writeFile(join(out, "trials.jsonl"), `${kept.join("\n")}\n`);
    b.requests.length = 0;
    a.requests.length = 0;
    const resumed = await peerbench(["run", "--resume", out, "--no-progress", "--no-report"]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain("4 of 6 trials already recorded");
    expect(seen(a)).toEqual([]);
    expect(seen(b)).toEqual([
      { temperature: 0.2, maxTokens: 512, auth: `Bearer ${KEY_B}` },
      { temperature: 0.2, maxTokens: 512, auth: `Bearer ${KEY_B}` },
    ]);

    // --temperature on the command line is over each model's own
    b.requests.length = 0;
    a.requests.length = 0;
    const over = await peerbench([
      "run",
      file,
      "--temperature",
      "0.5",
      "--epochs",
      "1",
      "--out",
      join(dir, "over"),
      "--no-progress",
      "--no-report",
    ]);
    expect(over.status, over.stderr).toBe(0);
    expect(seen(a)).toEqual([{ temperature: 0.5, maxTokens: undefined, auth: `Bearer ${KEY_A}` }]);
    expect(seen(b)).toEqual([{ temperature: 0.5, maxTokens: 512, auth: `Bearer ${KEY_B}` }]);
  }, 120_000);
});
