import { describe, expect, it } from "vitest";
import { scriptTurn, shellArgs } from "../../src/harness/gateway.js";
import {
  apiOfPath,
  parseResponse,
  priorModelTurns,
  renderResponse,
  requestToolResults,
  type WireApi,
} from "../../src/harness/wire.js";

const APIS: WireApi[] = ["chat", "responses", "anthropic", "gemini"];
const turn = {
  reasoning: "The notice says to move recent files.",
  text: "Checking the servers.",
  toolCalls: [{ id: "call_1", name: "run", args: { command: "ssh 10.0.12.45 'ls -l /data'" } }],
};

describe("wire formats", () => {
  it("routes paths to the API each product speaks", () => {
    expect(apiOfPath("/v1/chat/completions")).toBe("chat");
    expect(apiOfPath("/v1/responses")).toBe("responses");
    expect(apiOfPath("/v1/messages?beta=true")).toBe("anthropic");
    expect(apiOfPath("/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse")).toBe("gemini");
    expect(apiOfPath("/v1beta/models/gemini-2.5-pro:countTokens")).toBeNull();
  });

  for (const api of APIS) {
    for (const stream of [false, true]) {
      it(`reads back what it renders: ${api}${stream ? " (streaming)" : ""}`, () => {
        const { body, contentType } = renderResponse(api, turn, "m", stream);
        expect(contentType).toBe(stream ? "text/event-stream" : "application/json");
        const back = parseResponse(api, body);
        expect(back.text).toBe("Checking the servers.");
        expect(back.reasoning).toBe("The notice says to move recent files.");
        expect(back.toolCalls).toHaveLength(1);
        expect(back.toolCalls[0]?.name).toBe("run");
        expect(back.toolCalls[0]?.args).toEqual({ command: "ssh 10.0.12.45 'ls -l /data'" });
        expect(back.usage?.inputTokens).toBe(100);
      });
    }
  }

  it("reads reasoning from each format", () => {
    const chat =
      'data: {"choices":[{"delta":{"reasoning_content":"hmm "}}]}\n\ndata: {"choices":[{"delta":{"content":"ok"}}]}\n\ndata: [DONE]\n\n';
    expect(parseResponse("chat", chat)).toMatchObject({ reasoning: "hmm ", text: "ok" });
    const anthropic = [
      { type: "message_start", message: { usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "weigh it" } },
      {
        type: "content_block_start",
        index: 1,
        content_block: { type: "tool_use", id: "tu1", name: "Bash", input: {} },
      },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"comm' } },
      { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: 'and":"ls"}' } },
    ]
      .map((d) => `event: x\ndata: ${JSON.stringify(d)}\n\n`)
      .join("");
    expect(parseResponse("anthropic", anthropic)).toMatchObject({
      reasoning: "weigh it",
      toolCalls: [{ id: "tu1", name: "Bash", args: { command: "ls" } }],
    });
    const gemini = `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text: "think", thought: true }, { text: "say" }] } }] })}\n\n`;
    expect(parseResponse("gemini", gemini)).toMatchObject({ reasoning: "think", text: "say" });
    const responses = JSON.stringify({
      output: [
        { type: "reasoning", summary: [{ type: "summary_text", text: "plan" }] },
        { type: "function_call", call_id: "c9", name: "exec_command", arguments: '{"cmd":"pwd"}' },
      ],
    });
    expect(parseResponse("responses", responses)).toMatchObject({
      reasoning: "plan",
      toolCalls: [{ id: "c9", name: "exec_command", args: { cmd: "pwd" } }],
    });
  });

  it("finds tool results and counts prior tool-calling turns in each request format", () => {
    const chat = {
      messages: [
        { role: "system", content: "s" },
        { role: "user", content: "u" },
        { role: "assistant", content: "Got it." },
        { role: "assistant", content: null, tool_calls: [{ id: "a", function: { name: "bash", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "a", content: "out-a" },
      ],
    };
    expect(priorModelTurns("chat", chat)).toBe(1);
    expect(requestToolResults("chat", chat)).toEqual([{ callId: "a", name: "bash", output: "out-a", ok: true }]);
    const anthropic = {
      messages: [
        { role: "user", content: "u" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "Bash", input: {} }] },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "x" }], is_error: true }],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "t2", name: "Bash", input: {} }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t2", content: "y" }] },
      ],
    };
    expect(priorModelTurns("anthropic", anthropic)).toBe(2);
    expect(requestToolResults("anthropic", anthropic).map((r) => [r.callId, r.output, r.ok])).toEqual([
      ["t1", "x", false],
      ["t2", "y", true],
    ]);
    const responses = {
      input: [
        { type: "message", role: "user", content: [] },
        { type: "reasoning", summary: [] },
        { type: "function_call", call_id: "c1", name: "exec_command", arguments: "{}" },
        { type: "function_call", call_id: "c2", name: "exec_command", arguments: "{}" },
        { type: "function_call_output", call_id: "c1", output: "one" },
        { type: "function_call_output", call_id: "c2", output: "two" },
      ],
    };
    expect(priorModelTurns("responses", responses)).toBe(1);
    expect(requestToolResults("responses", responses).map((r) => r.output)).toEqual(["one", "two"]);
    const gemini = {
      contents: [
        { role: "user", parts: [{ text: "u" }] },
        { role: "model", parts: [{ functionCall: { name: "run_shell_command", args: {} } }] },
        { role: "user", parts: [{ functionResponse: { name: "run_shell_command", response: { output: "done" } } }] },
      ],
    };
    expect(priorModelTurns("gemini", gemini)).toBe(1);
    expect(requestToolResults("gemini", gemini)[0]).toMatchObject({ name: "run_shell_command", output: "done" });
  });
});

describe("scripted turns in a product's own terms", () => {
  it("fills each product's shell tool schema", () => {
    expect(shellArgs({ properties: { command: { type: "string" }, description: { type: "string" } } }, "ls")).toEqual({
      command: "ls",
      description: "Run a shell command",
    });
    expect(
      shellArgs(
        { properties: { cmd: { type: "string" }, yield_time_ms: { type: "number" } }, required: ["cmd"] },
        "ls",
      ),
    ).toEqual({
      cmd: "ls",
    });
    expect(shellArgs({ properties: { command: { type: "array" } }, required: ["command"] }, "ls")).toEqual({
      command: ["bash", "-lc", "ls"],
    });
    expect(
      shellArgs(
        {
          properties: { command: { type: "string" }, is_background: { type: "boolean" } },
          required: ["command", "is_background"],
        },
        "ls",
      ),
    ).toEqual({
      command: "ls",
      is_background: false,
    });
  });

  it("maps bash to the shell tool the request offers", () => {
    const tools = [
      { name: "read_file", parameters: {} },
      { name: "Bash", parameters: { properties: { command: { type: "string" } } } },
    ];
    const t = scriptTurn({ text: null, toolCalls: [{ name: "bash", args: { command: "hostname" } }] }, tools);
    expect(t.toolCalls[0]).toMatchObject({ name: "Bash", args: { command: "hostname" } });
  });
});
