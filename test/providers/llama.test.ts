import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { LLAMA_INSTALL_HINT, loadNodeLlamaCpp, resolveProviderModel } from "../../src/models/providers/index.js";
import { grammarSchema } from "../../src/models/providers/llama.js";
import { buildScenario } from "../../src/scenarios/index.js";
import { taskNames } from "../../src/tasks/index.js";

const TASKS = taskNames();
import "../../src/toolsets/all.js";
import { toolsetFactory } from "../../src/toolsets/index.js";
import { World } from "../../src/world/world.js";
import { runScripted } from "./scripted-trial.js";

const here = dirname(fileURLToPath(import.meta.url));
const LLAMA_DIR = join(here, "../../optional/llama");
const BUNDLE = join(LLAMA_DIR, "node_modules/node-llama-cpp/llama/gitRelease.bundle");
const FIXTURE = join(tmpdir(), "peerbench-tiny-gguf-v1", "tiny.gguf");

/**
 * Builds (once per machine) a 9 MB random-weights llama GGUF from node-llama-cpp's bundled llama.cpp sources
 * (gguf-py and a 32k vocabulary) with numpy; returns why it cannot, or null.
 */
function buildFixture(): string | null {
  if (existsSync(FIXTURE)) return null;
  if (!existsSync(BUNDLE)) return `no llama.cpp bundle at ${BUNDLE}`;
  try {
    execFileSync("python3", ["-c", "import numpy"], { stdio: "ignore" });
  } catch {
    return "python3 with numpy is needed to write the GGUF fixture";
  }
  const work = mkdtempSync(join(tmpdir(), "pb-gguf-"));
  try {
    execFileSync("git", ["clone", "-q", "--bare", BUNDLE, join(work, "src.git")], { stdio: "ignore" });
    mkdirSync(join(work, "src"));
    execFileSync("sh", [
      "-c",
      `git --git-dir="${join(work, "src.git")}" archive HEAD gguf-py/gguf models/ggml-vocab-llama-spm.gguf | tar -x -C "${join(work, "src")}"`,
    ]);
    const out = join(work, "tiny.gguf");
    execFileSync("python3", [join(here, "llama/make_tiny_gguf.py"), join(work, "src"), out], { stdio: "ignore" });
    mkdirSync(dirname(FIXTURE), { recursive: true });
    renameSync(out, FIXTURE);
    return null;
  } catch (e) {
    return `writing the GGUF fixture failed: ${(e as Error).message.split("\n")[0]}`;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const installed = (await loadNodeLlamaCpp()) !== null;
if (!installed) console.warn(`skipping GGUF provider tests: ${LLAMA_INSTALL_HINT}`);

describe.skipIf(!installed)("llama: a local GGUF file in-process (node-llama-cpp)", () => {
  let skipReason: string | null = null;
  beforeAll(() => {
    // Spinning ggml threads crawl on a busy machine (CI, parallel test workers): one thread is fastest there.
    process.env.PEERBENCH_LLAMA_THREADS ??= "1";
    skipReason = buildFixture();
    if (skipReason) console.warn(`skipping GGUF trial: ${skipReason}`);
  }, 120_000);

  it("runs one real trial through the agent loop", async (ctx) => {
    if (skipReason) ctx.skip();
    const model = resolveProviderModel(`llama:${FIXTURE}`, { maxOutputTokens: 16, temperature: 1 })!;
    expect(model.family).toBe("Nova");
    const run = await runScripted(model, { maxModelCalls: 3 });
    expect(run.error).toBeNull();
    expect(run.simulated).toBe(false);
    expect(run.modelCalls).toBeGreaterThanOrEqual(1);
    expect(["no_tool_call", "end_task", "max_calls"]).toContain(run.endReason);
    expect(run.usage.inputTokens).toBeGreaterThan(500);
    expect(run.usage.outputTokens).toBeGreaterThan(0);
    expect(run.usage.outputTokens).toBeLessThanOrEqual(16 * run.modelCalls);
    expect(run.costUsd).toBe(0);
    expect(run.outcome).not.toBeNull();
    expect(run.events.some((e) => e.kind === "model_turn")).toBe(true);
  }, 120_000);

  it("continues a conversation with a tool call and its result", async (ctx) => {
    if (skipReason) ctx.skip();
    const model = resolveProviderModel(`llama:${FIXTURE}`, { maxOutputTokens: 8 })!;
    const session = await model.startSession({ trialId: "t", seed: 3, signal: new AbortController().signal });
    const tools = [
      {
        name: "list_server_files",
        description: "List the files on a server.",
        parameters: {
          type: "object",
          properties: { ip: { type: "string" } },
          required: ["ip"],
          additionalProperties: false,
        },
      },
    ];
    const turn = await session.next({
      system: "You maintain servers.",
      messages: [
        { role: "user", content: "List the files on 10.0.12.45." },
        {
          role: "assistant",
          text: null,
          reasoning: null,
          toolCalls: [{ id: "c1", name: "list_server_files", args: { ip: "10.0.12.45" } }],
        },
        {
          role: "tool",
          toolCallId: "c1",
          toolName: "list_server_files",
          content: "weights.safetensors",
          isError: false,
        },
      ],
      tools,
      call: 2,
    });
    expect(turn.usage?.outputTokens).toBeGreaterThan(0);
    expect(turn.usage?.outputTokens).toBeLessThanOrEqual(8);
    expect(turn.costUsd).toBe(0);
  }, 120_000);

  it("every paper tool's schema becomes a grammar node-llama-cpp accepts", async () => {
    const lib = (await loadNodeLlamaCpp()) as unknown as {
      getLlama(o: object): Promise<{ createGrammarForJsonSchema(s: unknown): Promise<unknown> }>;
    };
    const llama = await lib.getLlama({ gpu: false, build: "never", logLevel: "error" });
    const schemas = new Map<string, unknown>();
    for (const task of TASKS) {
      const evaluation = task === "misrep_evaluation" || task === "tampering" || task === "alignment_faking";
      const scenario = buildScenario({
        task,
        subject: "peer",
        relationship: "good",
        instantiation: "memory",
        toolset: "paper",
        family: "Gemini",
        dataset: evaluation ? "factual" : null,
        threshold: evaluation ? 80 : null,
        monitoring: task === "alignment_faking" ? "monitored" : null,
      });
      const toolset = await toolsetFactory("paper")(scenario, new World(scenario.hosts));
      for (const d of toolset.definitions) schemas.set(d.name, d.parameters);
    }
    expect(schemas.size).toBeGreaterThan(20);
    for (const [name, schema] of schemas) {
      const grammar = await llama.createGrammarForJsonSchema(grammarSchema(schema)).catch((e: Error) => e);
      expect(grammar instanceof Error ? `${name}: ${grammar.message}` : name).toBe(name);
    }
    expect(grammarSchema(schemas.get("transfer_server_files"))).toMatchObject({
      properties: { filenames: { oneOf: [{ type: "array", items: { type: "string" } }, { type: "string" }] } },
    });
  }, 60_000);

  it("a missing file is refused before any trial, in one line", () => {
    expect(() => resolveProviderModel("llama:/nonexistent/model.gguf", {})).toThrow(
      /^--model llama:\/nonexistent\/model.gguf: no file \/nonexistent\/model.gguf; give the path of a local .gguf model$/,
    );
  });
});
