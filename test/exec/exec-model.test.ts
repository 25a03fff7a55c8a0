import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ModelError, type ModelRequest, type ModelSession } from "../../src/models/model.js";
import { createExecModel } from "../../src/models/exec/index.js";
import { resolveModel } from "../../src/models/registry.js";

const agent = join(import.meta.dirname, "fixtures", "agent.mjs");
const tools = [
  { name: "list_files", description: "List the drive.", parameters: { type: "object", properties: {} } },
  { name: "end_task", description: "End the task.", parameters: { type: "object", properties: {} } },
];
const configuration = {
  task: "misrep_finance",
  subject: "peer",
  relationship: "good",
  instantiation: "file_only",
  toolset: "paper",
  family: "Gemini",
  dataset: null,
  threshold: null,
  monitoring: null,
} as const;

function start(mode: string, opts: { turnTimeoutMs?: number; log?: string } = {}): ModelSession {
  const model = createExecModel(`node ${agent} ${mode}`, {
    family: "Gemini",
    turnTimeoutMs: opts.turnTimeoutMs,
    env: opts.log ? { EXEC_TEST_LOG: opts.log } : {},
  });
  const context = { trialId: "t-1", seed: 7, signal: new AbortController().signal, configuration };
  return model.startSession(context) as ModelSession;
}

function request(call: number, messages: ModelRequest["messages"]): ModelRequest {
  return { system: "You are Gemini Agent 1.", messages, tools, call };
}

describe("exec model", () => {
  it("names itself after the command and is not simulated", () => {
    const model = createExecModel("  python3 agent.py ", { family: "Claude" });
    expect(model.id).toBe("exec:python3 agent.py");
    expect(model.simulated).toBe(false);
    expect(model.family).toBe("Claude");
    expect(() => createExecModel("   ")).toThrow(
      /--model exec: names no command; use --model "exec:python3 my_agent.py"/,
    );
  });

  it("speaks peerbench.exec/v1: requests carry the conversation, replies become turns, end closes", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "exec-")), "wire.jsonl");
    const session = start("echo", { log });
    const user = { role: "user" as const, content: "Please summarise." };
    const t1 = await session.next(request(1, [user]));
    expect(t1).toEqual({
      reasoning: "call 1",
      text: "hello",
      toolCalls: [{ id: "call_1_1", name: "list_files", args: { seen: "user", messages: 1 } }],
      usage: { inputTokens: 10, outputTokens: 3, reasoningTokens: 0, cachedInputTokens: 0 },
      costUsd: null,
    });
    const history: ModelRequest["messages"] = [
      user,
      { role: "assistant", text: "hello", reasoning: "call 1", toolCalls: t1.toolCalls, providerData: { secret: 1 } },
      { role: "tool", toolCallId: "call_1_1", toolName: "list_files", content: "a.txt", isError: false },
    ];
    const t2 = await session.next(request(2, history));
    expect(t2.toolCalls[0]?.args).toEqual({ seen: "tool", messages: 3 });
    const t3 = await session.next(request(3, history));
    expect(t3.toolCalls).toEqual([{ id: "mine", name: "end_task", args: {} }]);
    await session.close?.();

    const lines = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["turn", "turn", "turn", "end"]);
    expect(lines[0]).toEqual({
      protocol: "peerbench.exec/v1",
      type: "turn",
      trial: { id: "t-1", seed: 7, configuration },
      call: 1,
      system: "You are Gemini Agent 1.",
      messages: [user],
      tools,
    });
    // Provider round-trip data stays inside peerbench.
    expect(lines[1].messages[1]).toEqual({
      role: "assistant",
      text: "hello",
      reasoning: "call 1",
      toolCalls: t1.toolCalls,
    });
    expect(lines[3]).toEqual({ protocol: "peerbench.exec/v1", type: "end", trial: lines[0].trial });
  });

  it("reports a reply that is not JSON as a ModelError with the program's stderr", async () => {
    const session = start("badjson");
    const err = await session.next(request(1, [])).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/reply to call 1 is not JSON: "this is not json"/);
    expect(err.message).toMatch(/stderr ends with: agent started in mode badjson\nabout to write garbage/);
    await session.close?.();
  });

  it("rejects a reply that breaks the schema", async () => {
    const session = start("badshape");
    await expect(session.next(request(1, []))).rejects.toThrow(/does not follow peerbench.exec\/v1: toolCalls.0.name/);
    await session.close?.();
  });

  it("turns a non-zero exit into a trial error with the traceback", async () => {
    const session = start("exit3");
    const err = await session.next(request(1, [])).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/exited with code 3 before the trial ended/);
    expect(err.message).toMatch(/Traceback: something broke/);
    await session.close?.();
  });

  it("times out a turn and kills the program", async () => {
    const session = start("sleep", { turnTimeoutMs: 300 });
    const t0 = Date.now();
    await expect(session.next(request(1, []))).rejects.toThrow(/no reply to call 1 within 0.3 s/);
    expect(Date.now() - t0).toBeLessThan(3000);
    await session.close?.();
  });

  it("takes the turn timeout from PEERBENCH_EXEC_TIMEOUT (seconds) when no option is given", async () => {
    process.env.PEERBENCH_EXEC_TIMEOUT = "0.2";
    try {
      const model = createExecModel(`node ${agent} sleep`);
      const session = (await model.startSession({
        trialId: "t",
        seed: 1,
        signal: new AbortController().signal,
      })) as ModelSession;
      await expect(session.next(request(1, []))).rejects.toThrow(/no reply to call 1 within 0.2 s/);
      await session.close?.();
    } finally {
      delete process.env.PEERBENCH_EXEC_TIMEOUT;
    }
  });

  it("is what resolveModel gives for exec: ids, with --timeout as the turn timeout", async () => {
    const model = await resolveModel(`exec:node ${agent} sleep`, { family: "Kimi", timeoutMs: 250 });
    expect(model).toMatchObject({ id: `exec:node ${agent} sleep`, family: "Kimi", simulated: false });
    const session = (await model.startSession({
      trialId: "t",
      seed: 1,
      signal: new AbortController().signal,
    })) as ModelSession;
    await expect(session.next(request(1, []))).rejects.toThrow(/no reply to call 1 within 0.25 s/);
    await session.close?.();
  });

  it("kills the program when the trial is aborted", async () => {
    const controller = new AbortController();
    const model = createExecModel(`node ${agent} sleep`);
    const session = (await model.startSession({ trialId: "t", seed: 1, signal: controller.signal })) as ModelSession;
    const pending = session.next(request(1, []));
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toThrow(/the trial was aborted/);
    await session.close?.();
  });

  it("refuses output nobody asked for", async () => {
    const session = start("stray");
    await session.next(request(1, []));
    await new Promise((r) => setTimeout(r, 100));
    await expect(session.next(request(2, []))).rejects.toThrow(/without being asked/);
    await session.close?.();
  });

  it("lets the program give up with an error message", async () => {
    const session = start("error");
    await expect(session.next(request(1, []))).rejects.toThrow(
      /reported an error at call 1: upstream model returned 500/,
    );
    await session.close?.();
  });

  it("reports a command that cannot run", async () => {
    const model = createExecModel("/nonexistent/agent-binary", {});
    const session = (await model.startSession({
      trialId: "t",
      seed: 1,
      signal: new AbortController().signal,
    })) as ModelSession;
    const err = await session.next(request(1, [])).catch((e) => e);
    expect(err).toBeInstanceOf(ModelError);
    expect(err.message).toMatch(/exited with code 127/);
    expect(err.message).toMatch(/not found/);
    await session.close?.();
  });
});
