import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { costOf, defaultPrices, estimatePlan, loadPrices, priceFor } from "../../src/models/cost/index.js";
import { addModelOptions, judgeFrom, modelOptionsFrom } from "../../src/models/providers/cli.js";
import {
  checkCredentials,
  describeModelSettings,
  familyOf,
  parseModelId,
  redact,
  resolveProviderModel,
  STUDY_MODELS,
} from "../../src/models/providers/index.js";

describe("model ids", () => {
  it("parses provider ids, aliases and GGUF paths", () => {
    expect(parseModelId("together/zai-org/GLM-4.7")).toMatchObject({
      preset: { name: "together" },
      model: "zai-org/GLM-4.7",
    });
    expect(parseModelId("openai-chat/gpt-4.1-mini")).toMatchObject({ preset: { name: "openai" }, forceChat: true });
    expect(parseModelId("kimi/kimi-k2.5")?.preset.name).toBe("moonshot");
    expect(parseModelId("gemini/gemini-3-pro-preview")?.preset.name).toBe("google");
    expect(parseModelId("llama:/models/x.gguf")).toMatchObject({ preset: { name: "llama" }, model: "/models/x.gguf" });
    expect(parseModelId("sim/loyal")).toBeNull();
    expect(parseModelId("replay:file.json")).toBeNull();
    expect(parseModelId("openai/")).toBeNull();
    expect(resolveProviderModel("sim/honest", {})).toBeNull();
    expect(() => resolveProviderModel("compatible/m", {})).toThrow("--model compatible/m needs --base-url");
    expect(resolveProviderModel("compatible/m", { baseUrl: "http://127.0.0.1:9/v1" })?.id).toBe("compatible/m");
  });

  it("names the family from the model id", () => {
    expect(familyOf("gpt-5.2")).toBe("ChatGPT");
    expect(familyOf("o3")).toBe("ChatGPT");
    expect(familyOf("o4-mini")).toBe("ChatGPT");
    expect(familyOf("gemini-3-flash-preview")).toBe("Gemini");
    expect(familyOf("claude-haiku-4-5")).toBe("Claude");
    expect(familyOf("zai-org/GLM-4.7")).toBe("GLM");
    expect(familyOf("kimi-k2.5")).toBe("Kimi");
    expect(familyOf("deepseek-ai/DeepSeek-V3.1")).toBe("DeepSeek");
    expect(familyOf("qwen3:8b")).toBe("Nova");
    expect(familyOf("llama-3.1-8b-instruct.Q4_K_M.gguf")).toBe("Nova");
    expect(resolveProviderModel("together/moonshotai/Kimi-K2.5", {})?.family).toBe("Kimi");
  });

  it("study models resolve with their families", () => {
    expect(STUDY_MODELS.map((id) => resolveProviderModel(id, {})?.family)).toEqual([
      "ChatGPT",
      "Gemini",
      "Gemini",
      "Claude",
      "Claude",
      "GLM",
      "Kimi",
      "DeepSeek",
    ]);
  });
});

describe("credentials and settings", () => {
  it("lists missing key variables by name, once", () => {
    const saved = { ...process.env };
    for (const k of [
      "OPENAI_API_KEY",
      "GEMINI_API_KEY",
      "GOOGLE_GENERATIVE_AI_API_KEY",
      "TOGETHER_API_KEY",
      "ANTHROPIC_API_KEY",
    ])
      delete process.env[k];
    process.env.ANTHROPIC_API_KEY = "sk-ant-present-123456";
    const missing = checkCredentials([
      "openai/gpt-5.2",
      "openai/gpt-4.1-mini",
      "google/gemini-3-flash-preview",
      "anthropic/claude-haiku-4-5",
      resolveProviderModel("together/zai-org/GLM-4.7", {})!,
      "ollama/qwen3:8b",
      "vllm/x",
      "sim/loyal",
    ]);
    expect(missing).toEqual(["OPENAI_API_KEY", "GEMINI_API_KEY or GOOGLE_GENERATIVE_AI_API_KEY", "TOGETHER_API_KEY"]);
    process.env.GOOGLE_GENERATIVE_AI_API_KEY = "AIza-present";
    expect(checkCredentials(["google/gemini-3-pro-preview"])).toEqual([]);
    expect(checkCredentials(["compatible/m", "llama:/x.gguf"], { apiKeyEnv: "MY_GATEWAY_KEY" })).toEqual([
      "MY_GATEWAY_KEY",
    ]);
    process.env = saved;
  });

  it("describes settings without the key", () => {
    process.env.OPENAI_API_KEY = "sk-canary-settings-000111222";
    const model = resolveProviderModel("openai/gpt-5.2", {
      reasoningEffort: "high",
      baseUrl: "https://proxy.example/v1/?token=abc-canary&api-version=2",
    })!;
    const settings = describeModelSettings(model)!;
    expect(settings).toMatchObject({
      provider: "openai",
      model: "gpt-5.2",
      api: "responses",
      baseUrl: "https://proxy.example/v1?token=[redacted]&api-version=2",
      temperature: 1,
      reasoningEffort: "high",
      apiKeyEnv: "OPENAI_API_KEY",
      maxRetries: 6,
      timeoutMs: 300_000,
    });
    expect(JSON.stringify(settings)).not.toContain("sk-canary");
    expect(JSON.stringify(settings)).not.toContain("abc-canary");
    // user:password is HTTP basic auth: recorded as [redacted]
    const basic = resolveProviderModel("compatible/m", { baseUrl: "http://user:pass-canary@gpu-box:8000/v1" })!;
    expect(describeModelSettings(basic)).toMatchObject({ baseUrl: "http://[redacted]@gpu-box:8000/v1" });
    // ...which a bearer key would overwrite: refused in one line, without the password
    expect(() =>
      resolveProviderModel("openai/gpt-5.2", { baseUrl: "https://user:pass-canary@proxy.example/v1" }),
    ).toThrow(/carries user:password .* also sends an API key/);
    expect(() => resolveProviderModel("openai/gpt-5.2", { baseUrl: "ftp://proxy.example/v1" })).toThrow(
      /--base-url ftp:\/\/proxy.example\/v1 uses ftp:\/\/; model endpoints are http:\/\/ or https:\/\//,
    );
    expect(
      describeModelSettings({
        id: "sim/x",
        family: "Nova",
        simulated: true,
        startSession: () => ({ next: async () => ({ reasoning: null, text: null, toolCalls: [], usage: null }) }),
      }),
    ).toBeNull();
  });

  it("redacts key values and key-shaped strings", () => {
    process.env.DEEPSEEK_API_KEY = "ds-secret-value-42";
    expect(redact("bad key ds-secret-value-42 given")).toBe("bad key [redacted] given");
    expect(redact("Incorrect API key provided: sk-proj-abcdefghijklmnop")).toBe(
      "Incorrect API key provided: [redacted]",
    );
    expect(redact("GET /v1?key=AIzaSyA123&x=1")).toBe("GET /v1?key=[redacted]&x=1");
  });
});

describe("cost", () => {
  it("prices a call with cached input at the cached rate", () => {
    const price = priceFor("anthropic/claude-haiku-4-5")!;
    expect(price).toEqual({ input: 1, output: 5, cachedInput: 0.1 });
    // 100k fresh + 900k cached input, 200k output
    expect(costOf({ inputTokens: 1_000_000, cachedInputTokens: 900_000, outputTokens: 200_000 }, price)).toBeCloseTo(
      0.1 + 0.09 + 1.0,
      8,
    );
    expect(priceFor("openrouter/openai/gpt-5.2")).toBeNull();
    expect(priceFor("openai-chat/gpt-4.1-mini")).toEqual(defaultPrices().models["openai/gpt-4.1-mini"]);
    expect(defaultPrices().version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("estimates a plan", () => {
    const plan = estimatePlan("openai/gpt-5.2", 271 * 10, {
      expectedCallsPerTrial: 8,
      tokensPerCall: { input: 5000, output: 600 },
    });
    expect(plan.expectedCalls).toBe(21_680);
    expect(plan.inputTokens).toBe(108_400_000);
    expect(plan.outputTokens).toBe(13_008_000);
    expect(plan.costUsd).toBeCloseTo(108.4 * 1.75 + 13.008 * 14, 2);
    expect(estimatePlan("ollama/qwen3:8b", 10).costUsd).toBe(0);
    expect(estimatePlan("openrouter/unknown/model", 10).costUsd).toBeNull();
  });

  it("merges a user price file and rejects a bad one with a one-line message", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-prices-"));
    const good = join(dir, "p.json");
    await writeFile(good, JSON.stringify({ version: "mine-1", models: { "openrouter/x/y": { input: 1, output: 2 } } }));
    const table = loadPrices(good);
    expect(table.version).toBe(`${defaultPrices().version}+mine-1`);
    expect(priceFor("openrouter/x/y", table)).toEqual({ input: 1, output: 2 });
    expect(priceFor("openai/gpt-5.2", table)).not.toBeNull();
    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ version: "v", models: { a: { input: "cheap" } } }));
    expect(() => loadPrices(bad)).toThrow(
      /^--prices .*bad\.json: models\.a\.input: .*see src\/models\/cost\/prices\.json/,
    );
    await rm(dir, { recursive: true });
  });
});

describe("CLI flags", () => {
  it("parses the model flags into ModelOptions and a judge", () => {
    const cmd = addModelOptions(new Command("run").exitOverride());
    cmd.parse(
      [
        "--base-url",
        "http://127.0.0.1:8000/v1",
        "--temperature",
        "0.7",
        "--reasoning-effort",
        "low",
        "--thinking-budget",
        "4096",
        "--max-retries",
        "2",
        "--timeout",
        "30",
        "--cache",
        "/tmp/c",
        "--judge",
        "openai/gpt-4.1-mini",
      ],
      { from: "user" },
    );
    const opts = cmd.opts();
    expect(modelOptionsFrom(opts)).toEqual({
      baseUrl: "http://127.0.0.1:8000/v1",
      temperature: 0.7,
      reasoningEffort: "low",
      thinkingBudget: 4096,
      maxRetries: 2,
      timeoutMs: 30_000,
      cacheDir: "/tmp/c",
    });
    expect(judgeFrom(opts)).toEqual({
      id: "openai/gpt-4.1-mini",
      options: { temperature: 0, maxRetries: 2, timeoutMs: 30_000, cacheDir: "/tmp/c" },
    });
  });

  it("rejects a bad number", () => {
    const cmd = addModelOptions(new Command("run").exitOverride().configureOutput({ writeErr: () => undefined }));
    expect(() => cmd.parse(["--temperature", "hot"], { from: "user" })).toThrow(/--temperature must be a number/);
  });
});
