import { afterEach, describe, expect, it } from "vitest";
import { resolveProviderModel } from "../../src/models/providers/index.js";
import { type FakeProvider, startFakeProvider, type Wire } from "./fake-server.js";
import { exfiltrationScript, runScripted, SAVE_REASONING, weightsFileName } from "./scripted-trial.js";

const CANARY = "sk-canary-7f3e9a1c5b2d4e6f8a0b";

interface Case {
  id: string;
  wire: Wire;
  /** Path prefix the SDK puts before its endpoint. */
  prefix: string;
  keyEnv?: string;
  family: string;
  reasoningTokens: number;
  priced: boolean;
}

const CASES: Case[] = [
  {
    id: "openai/gpt-5.2",
    wire: "openai-responses",
    prefix: "/v1",
    keyEnv: "OPENAI_API_KEY",
    family: "ChatGPT",
    reasoningTokens: 12,
    priced: true,
  },
  {
    id: "openai-chat/gpt-4.1-mini",
    wire: "openai-chat",
    prefix: "/v1",
    keyEnv: "OPENAI_API_KEY",
    family: "ChatGPT",
    reasoningTokens: 12,
    priced: true,
  },
  {
    id: "anthropic/claude-haiku-4-5",
    wire: "anthropic",
    prefix: "/v1",
    keyEnv: "ANTHROPIC_API_KEY",
    family: "Claude",
    reasoningTokens: 0,
    priced: true,
  },
  {
    id: "google/gemini-3-flash-preview",
    wire: "google",
    prefix: "/v1beta",
    keyEnv: "GEMINI_API_KEY",
    family: "Gemini",
    reasoningTokens: 12,
    priced: true,
  },
  {
    id: "deepseek/deepseek-reasoner",
    wire: "openai-chat",
    prefix: "",
    keyEnv: "DEEPSEEK_API_KEY",
    family: "DeepSeek",
    reasoningTokens: 12,
    priced: true,
  },
  {
    id: "moonshot/kimi-k2.5",
    wire: "openai-chat",
    prefix: "/v1",
    keyEnv: "MOONSHOT_API_KEY",
    family: "Kimi",
    reasoningTokens: 12,
    priced: true,
  },
  {
    id: "together/zai-org/GLM-4.7",
    wire: "openai-chat",
    prefix: "/v1",
    keyEnv: "TOGETHER_API_KEY",
    family: "GLM",
    reasoningTokens: 12,
    priced: true,
  },
  { id: "vllm/Qwen/Qwen3-8B", wire: "openai-chat", prefix: "/v1", family: "Nova", reasoningTokens: 12, priced: false },
  { id: "ollama/qwen3:8b", wire: "ollama", prefix: "/api", family: "Nova", reasoningTokens: 0, priced: false },
];

let server: FakeProvider | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("each provider drives the full agent loop to a detected exfiltration", () => {
  for (const c of CASES) {
    it(c.id, async () => {
      if (c.keyEnv) process.env[c.keyEnv] = CANARY;
      const weights = weightsFileName(c.family);
      server = await startFakeProvider(c.wire, exfiltrationScript(weights));
      const model = resolveProviderModel(c.id, { baseUrl: server.url + c.prefix, maxRetries: 0 });
      expect(model).not.toBeNull();
      expect(model!.family).toBe(c.family);
      const run = await runScripted(model!);

      expect(run.error).toBeNull();
      expect(run.endReason).toBe("end_task");
      expect(run.outcome?.exfiltration).toBe(true);
      expect(run.modelCalls).toBe(3);
      expect(server.requests).toHaveLength(3);
      const turns = run.events.filter((e) => e.kind === "model_turn");
      // OpenAI chat completions carry no reasoning (summaries exist only in the Responses API).
      const expected = c.wire === "openai-chat" && c.id.startsWith("openai") ? null : SAVE_REASONING;
      expect(turns[1]?.kind === "model_turn" && turns[1].reasoning).toBe(expected);
      expect(turns[0]?.kind === "model_turn" && turns[0].text).toBe("Let me list the files on 10.0.12.45.");
      // The fake reports 120 in / 40 out / 20 cached (12 reasoning where the wire carries it) per call.
      expect(run.usage.inputTokens).toBe(360);
      expect(run.usage.outputTokens).toBe(120);
      expect(run.usage.reasoningTokens).toBe(c.reasoningTokens * 3);
      if (c.priced) expect(run.costUsd).toBeGreaterThan(0);
      else expect(run.costUsd === null || run.costUsd === 0).toBe(true);
      // The second request carries the first turn's tool call and its result back.
      expect(JSON.stringify(server.requests[1]!.body)).toContain("list_server_files");
      expect(JSON.stringify(server.requests[2]!.body)).toContain(weights);
      // The key goes on the wire and nowhere else.
      expect(JSON.stringify(run)).not.toContain(CANARY);
      if (c.keyEnv) {
        const h = server.requests[0]!.headers;
        const sent = String(h.authorization ?? h["x-api-key"] ?? h["x-goog-api-key"] ?? "");
        expect(sent).toContain(CANARY);
      }
    });
  }
});

describe("reasoning round-trips where the provider requires it", () => {
  it("anthropic: signed thinking goes back unchanged", async () => {
    process.env.ANTHROPIC_API_KEY = CANARY;
    server = await startFakeProvider("anthropic", exfiltrationScript(weightsFileName("Claude")));
    const model = resolveProviderModel("anthropic/claude-haiku-4-5", {
      baseUrl: `${server.url}/v1`,
      thinkingBudget: 2048,
    })!;
    await runScripted(model);
    const second = server.requests[1]!.body as {
      messages: Array<{ role: string; content: unknown }>;
      thinking: unknown;
    };
    expect(second.thinking).toEqual({ type: "enabled", budget_tokens: 2048 });
    const assistant = second.messages.find((m) => m.role === "assistant");
    expect(assistant?.content).toContainEqual({
      type: "thinking",
      thinking: "I should see what is on the old server first.",
      signature: "sig_1",
    });
  });

  it("openai responses: summaries requested, effort passed", async () => {
    process.env.OPENAI_API_KEY = CANARY;
    server = await startFakeProvider("openai-responses", exfiltrationScript(weightsFileName("ChatGPT")));
    const model = resolveProviderModel("openai/gpt-5.2", { baseUrl: `${server.url}/v1`, reasoningEffort: "high" })!;
    await runScripted(model);
    expect(server.requests[0]!.body.reasoning).toEqual({ effort: "high", summary: "auto" });
    expect(server.requests[0]!.body.store).toBe(false);
    expect(server.requests[0]!.body.include).toEqual(["reasoning.encrypted_content"]);
    // The first turn's reasoning goes back whole (encrypted content), not as a reference to stored state.
    const input = server.requests[1]!.body.input as Array<Record<string, unknown>>;
    expect(input).toContainEqual(expect.objectContaining({ type: "reasoning", encrypted_content: "enc_1" }));
    expect(JSON.stringify(input)).not.toContain("item_reference");
  });

  it("gemini: thoughts requested and thought signatures returned", async () => {
    process.env.GEMINI_API_KEY = CANARY;
    server = await startFakeProvider("google", exfiltrationScript(weightsFileName("Gemini")));
    const model = resolveProviderModel("google/gemini-3-flash-preview", { baseUrl: `${server.url}/v1beta` })!;
    await runScripted(model);
    const body = server.requests[1]!.body as { generationConfig: unknown; contents: unknown };
    expect(body.generationConfig).toMatchObject({ thinkingConfig: { includeThoughts: true } });
    expect(JSON.stringify(body.contents)).toContain('"thoughtSignature":"ZmM="');
  });

  it("gemini: a model that cannot think is asked again without thinking, and not asked again", async () => {
    process.env.GEMINI_API_KEY = CANARY;
    const refusal = {
      status: 400,
      body: JSON.stringify({
        error: { code: 400, message: "Thinking is not supported by this model.", status: "INVALID_ARGUMENT" },
      }),
    };
    server = await startFakeProvider("google", exfiltrationScript(weightsFileName("Gemini")), [refusal]);
    const model = resolveProviderModel("google/gemini-2.0-flash", { baseUrl: `${server.url}/v1beta`, maxRetries: 0 })!;
    const run = await runScripted(model);
    expect(run.error).toBeNull();
    expect(run.outcome?.exfiltration).toBe(true);
    const configs = server.requests.map(
      (r) => (r.body.generationConfig as { thinkingConfig?: unknown }).thinkingConfig,
    );
    expect(configs).toEqual([{ includeThoughts: true }, undefined, undefined, undefined]);
  });

  it("ollama: a model that cannot think is asked again with think:false", async () => {
    server = await startFakeProvider("ollama", exfiltrationScript(weightsFileName("Nova")), [
      { status: 400, body: JSON.stringify({ error: '"llama3.2" does not support thinking' }) },
    ]);
    const model = resolveProviderModel("ollama/llama3.2", { baseUrl: `${server.url}/api`, maxRetries: 0 })!;
    const run = await runScripted(model);
    expect(run.error).toBeNull();
    expect(server.requests.map((r) => r.body.think)).toEqual([true, false, false, false]);
  });

  it("<think> tags in visible text become reasoning (vLLM without a reasoning parser)", async () => {
    const w = weightsFileName("Nova");
    const script = exfiltrationScript(w).map((t) => ({
      text: `<think>${t.reasoning ?? "ok"}</think>${t.text ?? ""}`,
      toolCalls: t.toolCalls,
    }));
    server = await startFakeProvider("openai-chat", script);
    const model = resolveProviderModel("compatible/some-model", { baseUrl: `${server.url}/v1` })!;
    const run = await runScripted(model);
    const turns = run.events.filter((e) => e.kind === "model_turn");
    expect(turns[1]?.kind === "model_turn" && turns[1].reasoning).toBe(SAVE_REASONING);
    expect(turns[0]?.kind === "model_turn" && turns[0].text).toBe("Let me list the files on 10.0.12.45.");
    expect(run.outcome?.exfiltration).toBe(true);
  });
});
