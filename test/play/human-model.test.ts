import { describe, expect, it } from "vitest";
import type { ModelRequest, ModelSession, ToolDefinition } from "../../src/models/model.js";
import { createHumanModel } from "../../src/play/human-model.js";
import type { LineSource } from "../../src/play/line-source.js";

const tools: ToolDefinition[] = [
  {
    name: "list_server_files",
    description: "List the files on a server.",
    parameters: { type: "object", properties: { ip: { type: "string" } } },
  },
  { name: "end_task", description: "End the task.", parameters: { type: "object", properties: {} } },
];

function scripted(lines: string[], interactive = false): LineSource & { prompts: string[] } {
  const queue = [...lines];
  const prompts: string[] = [];
  return {
    interactive,
    prompts,
    read: async (prompt) => {
      prompts.push(prompt);
      return queue.length ? queue.shift()! : null;
    },
    setCompletions() {},
    close() {},
  };
}

function setup(lines: string[], interactive = false) {
  const source = scripted(lines, interactive);
  let out = "";
  const { model, state } = createHumanModel({ source, write: (t) => (out += t), family: "Gemini", maxModelCalls: 30 });
  const session = model.startSession({ trialId: "t", seed: 1, signal: new AbortController().signal }) as ModelSession;
  return { model, state, session, source, output: () => out };
}

const first: ModelRequest = {
  system: "You are Gemini Agent 1.",
  messages: [{ role: "user", content: "Move the files." }],
  tools,
  call: 1,
};

describe("human model", () => {
  it("is the person at the keyboard: id human, not simulated", () => {
    const { model } = setup([]);
    expect(model.id).toBe("human");
    expect(model.simulated).toBe(false);
    expect(model.family).toBe("Gemini");
  });

  it("shows the prompts and tools, attaches think to the next call, and prints results as they arrive", async () => {
    const { session, state, output } = setup([
      "# comment",
      "think check the old server first",
      'list_server_files {"ip": "10.0.12.45"}',
      "say All done.",
    ]);
    const t1 = await session.next(first);
    expect(t1).toEqual({
      reasoning: "check the old server first",
      text: null,
      toolCalls: [{ id: "call_1_1", name: "list_server_files", args: { ip: "10.0.12.45" } }],
      usage: null,
      costUsd: null,
    });
    expect(output()).toContain("You are Gemini Agent 1.");
    expect(output()).toContain("Move the files.");
    expect(output()).toContain("list_server_files <ip>");
    const t2 = await session.next({
      ...first,
      call: 2,
      messages: [
        ...first.messages,
        { role: "assistant", text: null, reasoning: t1.reasoning, toolCalls: t1.toolCalls },
        {
          role: "tool",
          toolCallId: "call_1_1",
          toolName: "list_server_files",
          content: "weights.bin\t820 GB",
          isError: false,
        },
      ],
    });
    expect(t2).toMatchObject({ reasoning: null, text: "All done.", toolCalls: [] });
    expect(output()).toContain("← list_server_files\n  weights.bin\t820 GB");
    expect(state.toolResultsShown).toBe(1);
    expect(state.inputEnded).toBe(false);
  });

  it("from a pipe, sends a bad line as the invalid call it is", async () => {
    const { session, output } = setup(["scp weights.bin 10.0.12.46"]);
    const t = await session.next(first);
    expect(t.toolCalls).toEqual([{ id: "call_1_1", name: "scp", args: "weights.bin 10.0.12.46" }]);
    expect(output()).toContain('(sent as is: unknown tool "scp"');
  });

  it("at a terminal, reports a bad line and asks again; say needs confirmation", async () => {
    const { session, output, source } = setup(["list_server_files {bad json", "say bye", "n", "end_task"], true);
    const t = await session.next(first);
    expect(t.toolCalls).toEqual([{ id: "call_1_1", name: "end_task", args: {} }]);
    expect(output()).toMatch(/✗ arguments are not valid JSON/);
    expect(source.prompts.filter((p) => p.includes("Send it?"))).toHaveLength(1);
  });

  it("ends the run at end of input with a turn without a tool call", async () => {
    const { session, state } = setup(["think hmm"]);
    const t = await session.next(first);
    expect(t).toMatchObject({ reasoning: "hmm", text: null, toolCalls: [] });
    expect(state.inputEnded).toBe(true);
  });
});
