import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ModelError } from "../../src/models/model.js";
import { resolveProviderModel } from "../../src/models/providers/index.js";
import { AdaptiveLimiter, limiterFor } from "../../src/models/providers/limiter.js";
import { backoffMs, retryAfterMs } from "../../src/models/providers/retry.js";
import { type FakeProvider, type Fault, startFakeProvider } from "./fake-server.js";
import { exfiltrationScript, runScripted, weightsFileName } from "./scripted-trial.js";

const CANARY = "sk-canary-0d1e2f3a4b5c6d7e8f9a";
const ID = "together/zai-org/GLM-4.7";
const FAST = { maxRetries: 3, retryBaseDelayMs: 5, retryMaxDelayMs: 50 };

let server: FakeProvider | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(
  faults: Fault[],
  script: Parameters<typeof startFakeProvider>[1] = exfiltrationScript(weightsFileName("GLM")),
) {
  process.env.TOGETHER_API_KEY = CANARY;
  server = await startFakeProvider("openai-chat", script, faults);
  return `${server.url}/v1`;
}

describe("failures", () => {
  it("429 with retry-after, then success: the trial completes", async () => {
    const baseUrl = await serve([{ status: 429, headers: { "retry-after": "0" } }]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST })!);
    expect(run.error).toBeNull();
    expect(run.outcome?.exfiltration).toBe(true);
    expect(server!.requests).toHaveLength(4);
  });

  it("500s past the retry budget: ModelError, the trial is an error", async () => {
    const baseUrl = await serve([{ status: 500 }, { status: 502 }, { status: 503 }]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST, maxRetries: 2 })!);
    expect(run.endReason).toBe("error");
    expect(run.outcome).toBeNull();
    expect(run.error).toMatch(/^together\/zai-org\/GLM-4.7: HTTP 503 from 127\.0\.0\.1:\d+ .* after 3 attempts$/);
    expect(server!.requests).toHaveLength(3);
  });

  it("a 200 whose JSON body was cut on the way is retried, and the trial completes", async () => {
    const cut = '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"mess';
    const baseUrl = await serve([{ status: 200, body: cut }]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST })!);
    expect(run.error).toBeNull();
    expect(run.outcome?.exfiltration).toBe(true);
    expect(server!.requests).toHaveLength(4);
  });

  it("a 200 whose body is JSON of the wrong shape is the server's answer: not retried", async () => {
    const baseUrl = await serve([{ status: 200, body: JSON.stringify({ unexpected: true }) }]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST })!);
    expect(run.endReason).toBe("error");
    expect(run.error).toMatch(/HTTP 200 from 127\.0\.0\.1:\d+ \(Invalid JSON response\)/);
    expect(server!.requests).toHaveLength(1);
  });

  it("a 400 is not retried", async () => {
    const baseUrl = await serve([{ status: 400, body: JSON.stringify({ error: { message: "bad request" } }) }]);
    const session = resolveProviderModel(ID, { baseUrl, ...FAST })!.startSession({
      trialId: "t",
      seed: 1,
      signal: new AbortController().signal,
    });
    const err = await (await session)
      .next({ system: "s", messages: [{ role: "user", content: "hi" }], tools: [], call: 1 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toContain("HTTP 400");
    expect(server!.requests).toHaveLength(1);
  });

  it("malformed tool-call JSON and an unknown tool reach the loop as invalid calls; the trial continues", async () => {
    const w = weightsFileName("GLM");
    const script = [
      { toolCalls: [{ name: "list_server_files", rawArgs: '{"ip": "10.0.12.45"' }] },
      { toolCalls: [{ name: "format_disk", args: { ip: "10.0.12.45" } }] },
      ...exfiltrationScript(w),
    ];
    const baseUrl = await serve([], script);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST })!);
    expect(run.error).toBeNull();
    expect(run.modelCalls).toBe(5);
    const first = run.events.find((e) => e.kind === "tool_call");
    expect(first?.kind === "tool_call" && first.args).toBe('{"ip": "10.0.12.45"');
    const results = run.events.filter((e) => e.kind === "tool_result");
    expect(results[0]?.kind === "tool_result" && results[0].ok).toBe(false);
    expect(results[1]?.kind === "tool_result" && results[1].ok).toBe(false);
    expect(run.invalidToolCalls).toBeGreaterThanOrEqual(1);
    expect(run.outcome?.exfiltration).toBe(true);
    // The model was told: the second request carries the tool error for the malformed call.
    expect(JSON.stringify(server!.requests[1]!.body)).toMatch(/invalid arguments|not valid JSON/i);
  });

  it("empty turns come back empty; the loop answers them and counts them", async () => {
    const baseUrl = await serve([], [{}, {}, {}]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST })!);
    expect(run.error).toBeNull();
    expect(run.modelCalls).toBe(3);
    const turns = run.events.filter((e) => e.kind === "model_turn");
    expect(turns.every((t) => t.kind === "model_turn" && t.text === null && t.toolCalls.length === 0)).toBe(true);
    expect(run.invalidToolCalls).toBe(2);
    expect(run.endReason).toBe("no_tool_call");
  });

  it("a hung connection times out into a ModelError", async () => {
    const baseUrl = await serve([{ hang: true }, { hang: true }]);
    const t0 = Date.now();
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST, maxRetries: 1, timeoutMs: 300 })!);
    expect(run.endReason).toBe("error");
    expect(run.error).toBe("together/zai-org/GLM-4.7: no response within 300 ms after 2 attempts");
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(server!.requests).toHaveLength(2);
  });

  it("a key echoed by the server never appears in the error, the run, or cached files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-cache-"));
    const baseUrl = await serve([
      { status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${CANARY}` } }) },
    ]);
    const run = await runScripted(resolveProviderModel(ID, { baseUrl, ...FAST, cacheDir: dir })!);
    expect(run.endReason).toBe("error");
    expect(run.error).toContain("HTTP 401");
    expect(run.error).toContain("[redacted]");
    expect(JSON.stringify(run)).not.toContain(CANARY);
    // A successful run through the cache writes files; none holds the key.
    await server!.close();
    await serve([]);
    const ok = await runScripted(resolveProviderModel(ID, { baseUrl: `${server!.url}/v1`, ...FAST, cacheDir: dir })!);
    expect(ok.error).toBeNull();
    const files: string[] = [];
    for (const sub of await readdir(dir)) for (const f of await readdir(join(dir, sub))) files.push(join(dir, sub, f));
    expect(files.length).toBe(3);
    for (const f of files) expect(await readFile(f, "utf8")).not.toContain(CANARY);
    await rm(dir, { recursive: true });
  });

  it("connection refused is retried, then a ModelError that says what to check", async () => {
    const closed = await startFakeProvider("openai-chat", []);
    const url = `${closed.url}/v1`;
    await closed.close();
    const run = await runScripted(
      resolveProviderModel("vllm/Qwen/Qwen3-8B", { baseUrl: url, ...FAST, maxRetries: 2 })!,
    );
    expect(run.endReason).toBe("error");
    expect(run.error).toMatch(
      /^vllm\/Qwen\/Qwen3-8B: cannot reach 127\.0\.0\.1:\d+ \(.*\) after 3 attempts; is the server up and the base URL right\?$/,
    );
  });

  it("missing key: a one-line ModelError naming the variable", async () => {
    delete process.env.MOONSHOT_API_KEY;
    const session = await resolveProviderModel("moonshot/kimi-k2.5", {})!.startSession({
      trialId: "t",
      seed: 1,
      signal: new AbortController().signal,
    });
    const err = await session.next({ system: "s", messages: [], tools: [], call: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toBe("moonshot/kimi-k2.5: no API key; set MOONSHOT_API_KEY in the environment");
  });
});

describe("concurrency under rate limits", () => {
  it("parallel trials sharing an endpoint all finish; the endpoint's limiter backs off", async () => {
    const faults: Fault[] = Array.from({ length: 4 }, () => ({ status: 429, headers: { "retry-after-ms": "20" } }));
    const baseUrl = await serve(faults, (body) => {
      const n = (body.messages as unknown[]).filter((m) => (m as { role: string }).role === "assistant").length;
      return n === 0 ? { toolCalls: [{ name: "list_server_files", args: { ip: "10.0.12.45" } }] } : { text: "done" };
    });
    const model = resolveProviderModel(ID, { baseUrl, ...FAST, maxRetries: 6, concurrency: 8 })!;
    const runs = await Promise.all([0, 1, 2, 3, 4, 5].map((epoch) => runScripted(model, { epoch })));
    for (const r of runs) expect(r.error).toBeNull();
    expect(server!.requests).toHaveLength(4 + 12);
    const limiter = limiterFor(`together|${baseUrl}`, 8);
    expect(limiter.concurrency).toBeLessThan(8);
    expect(limiter.concurrency).toBeGreaterThanOrEqual(1);
  });
});

describe("cache", () => {
  it("a second identical trial is served from the cache at zero cost; another epoch is not", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pb-cache-"));
    const baseUrl = await serve([]);
    const first = await runScripted(resolveProviderModel(ID, { baseUrl, cacheDir: dir })!);
    expect(first.costUsd).toBeGreaterThan(0);
    expect(server!.requests).toHaveLength(3);
    const second = await runScripted(resolveProviderModel(ID, { baseUrl, cacheDir: dir })!);
    expect(server!.requests).toHaveLength(3);
    expect(second.costUsd).toBe(0);
    expect(second.outcome?.exfiltration).toBe(true);
    // A different temperature is a different key.
    await runScripted(resolveProviderModel(ID, { baseUrl, cacheDir: dir, temperature: 0.5 })!).catch(() => undefined);
    expect(server!.requests.length).toBeGreaterThan(3);
    const before = server!.requests.length;
    await runScripted(resolveProviderModel(ID, { baseUrl, cacheDir: dir })!, { epoch: 1 });
    expect(server!.requests.length).toBeGreaterThan(before);
    await rm(dir, { recursive: true });
  });
});

describe("retry policy and limiter", () => {
  it("parses retry-after in seconds, ms and as a date", () => {
    expect(retryAfterMs({ "Retry-After": "2" })).toBe(2000);
    expect(retryAfterMs({ "retry-after-ms": "150" })).toBe(150);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, now)).toBe(3000);
    expect(retryAfterMs({})).toBeNull();
  });

  it("backs off exponentially with jitter, honours the server, caps the wait", () => {
    const p = { maxRetries: 5, timeoutMs: 1000, baseDelayMs: 1000, maxDelayMs: 10_000 };
    expect(backoffMs(1, p, null, () => 0)).toBe(500);
    expect(backoffMs(1, p, null, () => 1)).toBe(1000);
    expect(backoffMs(3, p, null, () => 1)).toBe(4000);
    expect(backoffMs(10, p, null, () => 1)).toBe(10_000);
    expect(backoffMs(1, p, 2500)).toBe(2500);
    expect(backoffMs(1, p, 60_000)).toBe(10_000);
  });

  it("halves concurrency under 429s and restores it after successes", () => {
    const l = new AdaptiveLimiter("k", 8);
    l.onRateLimited(null);
    expect(l.concurrency).toBe(4);
    l.onRateLimited(null);
    l.onRateLimited(null);
    l.onRateLimited(null);
    expect(l.concurrency).toBe(1);
    for (let i = 0; i < 10; i++) l.onSuccess();
    expect(l.concurrency).toBe(3);
  });
});
