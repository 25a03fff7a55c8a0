import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { forwardPlan, upstreamUrl } from "../../src/harness/forward.js";
import { Gateway } from "../../src/harness/gateway.js";
import { runHarnessTrial } from "../../src/harness/index.js";
import { resolveModel } from "../../src/models/registry.js";
import { readTrajectory } from "../../src/models/trajectory.js";
import type { TrialSpec } from "../../src/scenarios/spec.js";
import { harnessSkipReason } from "./support.js";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

interface Seen {
  url: string;
  headers: IncomingMessage["headers"];
}

/** An upstream on loopback answering every call with `status` and `body`; what it saw. */
async function upstream(answer: (seen: Seen) => { status: number; body: string; type?: string }) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const s = { url: req.url ?? "", headers: req.headers };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { "content-type": a.type ?? "application/json" });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  closers.push(() => new Promise((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, seen };
}

describe("forward mode: where the product's calls go", () => {
  it("follows --model and --base-url, with the provider's key, and says where", async () => {
    process.env.OPENAI_API_KEY = "sk-forward-test-000111222333";
    const codex = forwardPlan(
      await resolveModel("openai/gpt-5.2", { baseUrl: "https://proxy.example/v1?api_key=tok-canary-77&region=eu" }),
      "codex",
    );
    expect(codex.api).toBe("responses");
    expect(codex.mode.openai).toEqual({
      baseUrl: "https://proxy.example/v1",
      apiKey: "sk-forward-test-000111222333",
      query: [
        ["api_key", "tok-canary-77"],
        ["region", "eu"],
      ],
    });
    expect(codex.describe).toBe(
      "forward: codex's OpenAI Responses calls go to https://proxy.example/v1?api_key=[redacted]&region=eu with the key in OPENAI_API_KEY",
    );
    // without --base-url, the provider's own endpoint
    const plain = forwardPlan(await resolveModel("anthropic/claude-haiku-4-5"), "claude-code");
    expect(plain.mode.anthropic?.baseUrl).toBe("https://api.anthropic.com/v1");
    // opencode and qwen-code speak chat completions: that is the api recorded for them
    process.env.TOGETHER_API_KEY = "together-test-key-0001";
    const chat = forwardPlan(await resolveModel("together/zai-org/GLM-4.7"), "opencode");
    expect(chat).toMatchObject({ api: "chat", upstream: "https://api.together.xyz/v1", keyEnv: "TOGETHER_API_KEY" });
  });

  it("refuses what it cannot forward, in one line", async () => {
    const sim = await resolveModel("sim/loyal");
    expect(() => forwardPlan(sim, "codex")).toThrow(
      /sim\/loyal is not a provider model \(give e.g. --model openai\/gpt-5.2, or use --gateway model\)/,
    );
    process.env.OPENAI_API_KEY = "sk-forward-test-000111222333";
    const gpt = await resolveModel("openai/gpt-5.2");
    expect(() => forwardPlan(gpt, "claude-code")).toThrow(
      /passes claude-code's Anthropic messages calls through unchanged, which openai\/gpt-5.2 does not serve/,
    );
  });

  it("joins the upstream's path with the product's", () => {
    const up = (baseUrl: string, query?: [string, string][]) => ({ baseUrl, apiKey: "", ...(query ? { query } : {}) });
    expect(upstreamUrl(up("https://api.openai.com"), "/v1/responses")).toBe("https://api.openai.com/v1/responses");
    expect(upstreamUrl(up("https://proxy/v1"), "/v1/responses")).toBe("https://proxy/v1/responses");
    expect(upstreamUrl(up("https://api.z.ai/api/paas/v4"), "/v1/chat/completions")).toBe(
      "https://api.z.ai/api/paas/v4/chat/completions",
    );
    expect(
      upstreamUrl(
        up("https://generativelanguage.googleapis.com/v1beta"),
        "/v1beta/models/g:streamGenerateContent?alt=sse",
      ),
    ).toBe("https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent?alt=sse");
    expect(upstreamUrl(up("http://h:1/v1", [["api_key", "T"]]), "/v1/messages?beta=true")).toBe(
      "http://h:1/v1/messages?beta=true&api_key=T",
    );
  });

  it("the gateway sends the query parameters and basic auth of the upstream URL, and records neither", async () => {
    const up = await upstream((s) => ({
      status: 401,
      // a server that echoes what it got, secrets included
      body: JSON.stringify({ error: { message: `bad credentials for ${s.url} (${s.headers.authorization})` } }),
    }));
    const record = join(mkdtempSync(join(tmpdir(), "pb-fwd-")), "record.jsonl");
    const gw = new Gateway(
      {
        kind: "forward",
        openai: {
          baseUrl: `http://127.0.0.1:${up.port}/v1`,
          apiKey: "",
          query: [["token", "tok-canary-5150"]],
          userinfo: "ops:pw-canary-5150",
        },
      },
      record,
    );
    await gw.listen();
    closers.push(() => gw.close());
    const r = await fetch(`http://${gw.address}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(r.status).toBe(401);
    expect(up.seen[0]?.url).toBe("/v1/chat/completions?token=tok-canary-5150");
    expect(up.seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from("ops:pw-canary-5150").toString("base64")}`);
    const text = readFileSync(record, "utf8");
    expect(text).not.toContain("tok-canary-5150");
    expect(text).not.toContain(Buffer.from("ops:pw-canary-5150").toString("base64"));
  });

  it("an upstream it cannot reach is a recorded 502 saying so", async () => {
    // a port nothing listens on
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const gw = new Gateway({ kind: "forward", openai: { baseUrl: `http://127.0.0.1:${port}`, apiKey: "k" } });
    await gw.listen();
    closers.push(() => gw.close());
    const r = await fetch(`http://${gw.address}/v1/responses`, { method: "POST", body: "{}" });
    expect(r.status).toBe(502);
    expect(await r.text()).toContain(`gateway: cannot reach the upstream http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(gw.exchanges.map((x) => x.status)).toEqual([502]);
  });
});

function runAsync(argv: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, argv, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once("close", (status) => resolve({ status, stderr })));
}

const fixture = readTrajectory(new URL("./fixtures/exfiltrate-peer.json", import.meta.url).pathname);
const spec: TrialSpec = { ...fixture.trial, model: "openai/gpt-5.2", epoch: 0 };
const codexSkip = harnessSkipReason("codex");

describe.skipIf(codexSkip !== null)(`forward mode with codex${codexSkip ? ` (skipped: ${codexSkip})` : ""}`, () => {
  it("the upstream's 502 and its body are the trial's error, not a behaviour", { timeout: 120_000 }, async () => {
    const up = await upstream(() => ({
      status: 502,
      body: JSON.stringify({ error: { message: "upstream connect error: model pool exhausted" } }),
    }));
    process.env.OPENAI_API_KEY = "sk-forward-test-000111222333";
    const model = await resolveModel("openai/gpt-5.2", { baseUrl: `http://127.0.0.1:${up.port}/v1` });
    const plan = forwardPlan(model, "codex");
    const run = await runHarnessTrial({
      spec: { ...spec, toolset: "harness", agent: "codex" },
      model,
      seed: 1,
      agent: "codex",
      gateway: plan.mode,
      gatewayNote: plan.describe,
      timeoutMs: 100_000,
    });
    expect(run.outcome).toBeNull();
    expect(run.endReason).toBe("error");
    expect(run.error).toMatch(
      /the gateway answered 502 to POST \/v1\/responses: upstream connect error: model pool exhausted/,
    );
    expect(up.seen.length).toBeGreaterThan(0);
    expect(up.seen.every((s) => s.url.startsWith("/v1/responses"))).toBe(true);
    const note = run.events.find((e) => e.kind === "note");
    expect(note?.kind === "note" && note.text).toContain(`calls go to http://127.0.0.1:${up.port}/v1`);
  });

  it("peerbench run --gateway forward honours --base-url and records the product's api and upstream", {
    timeout: 180_000,
  }, async () => {
    const scripted = new Gateway({ kind: "scripted", turns: fixture.turns });
    await scripted.listen();
    closers.push(() => scripted.close());
    const out = join(mkdtempSync(join(tmpdir(), "pb-fwd-run-")), "run");
    // spawn, not spawnSync: the upstream answers from this process
    const r = await runAsync(
      [
        join(import.meta.dirname, "../../bin/peerbench.js"),
        "run",
        "--toolset",
        "harness",
        "--agent",
        "codex",
        "--gateway",
        "forward",
        "--model",
        "openai/gpt-5.2",
        "--base-url",
        `http://${scripted.address}/v1`,
        "--preset",
        "paper",
        "--task",
        "exfiltration_transfer",
        "--subject",
        "peer",
        "--relationship",
        "good",
        "--instantiation",
        "memory",
        "--epochs",
        "1",
        "--out",
        out,
        "--no-progress",
        "--no-report",
      ],
      { ...process.env, OPENAI_API_KEY: "sk-forward-test-000111222333", NO_COLOR: "1" },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `openai/gpt-5.2: forward: codex's OpenAI Responses calls go to http://${scripted.address}/v1 with the key in OPENAI_API_KEY`,
    );
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest.models[0].settings).toMatchObject({
      api: "responses",
      baseUrl: `http://${scripted.address}/v1`,
      harness: { agent: "codex", gateway: "forward", api: "responses", upstream: `http://${scripted.address}/v1` },
    });
    expect(scripted.exchanges.filter((x) => !x.side).length).toBe(4);
    const record = readFileSync(join(out, "trials.jsonl"), "utf8");
    // the critic is "ChatGPT Agent 1" here: the script's scp names another family's weights, so only completion counts
    expect(JSON.parse(record)).toMatchObject({ error: null, spec: { agent: "codex", family: "ChatGPT" } });
    expect(readdirSync(join(out, "transcripts")).length).toBeGreaterThan(0);
  });
});
