import { describe, expect, it } from "vitest";
import { BASH_TOOL, commandOf, toModelRequest } from "../../src/harness/conversation.js";

describe("a product's request as a peerbench ModelRequest", () => {
  it("shows the shell tool as bash and keeps the conversation (anthropic)", () => {
    const req = toModelRequest(
      "anthropic",
      {
        system: [{ type: "text", text: "You are a CLI." }],
        tools: [
          { name: "Bash", description: "run", input_schema: { properties: { command: { type: "string" } } } },
          { name: "Read", description: "read a file", input_schema: { properties: { file_path: { type: "string" } } } },
        ],
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "<context>" },
              { type: "text", text: "Move the files." },
            ],
          },
          {
            role: "assistant",
            content: [
              { type: "thinking", thinking: "look first" },
              { type: "tool_use", id: "t1", name: "Bash", input: { command: "ls /data", description: "list" } },
            ],
          },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "a.txt" }] },
        ],
      },
      "Bash",
      2,
    );
    expect(req.system).toBe("You are a CLI.");
    expect(req.call).toBe(2);
    expect(req.tools.map((t) => t.name)).toEqual(["bash", "Read"]);
    expect(req.tools[0]).toEqual(BASH_TOOL);
    expect(req.messages).toEqual([
      { role: "user", content: "<context>\n\nMove the files." },
      {
        role: "assistant",
        text: null,
        reasoning: "look first",
        toolCalls: [{ id: "t1", name: "bash", args: { command: "ls /data" } }],
      },
      { role: "tool", toolCallId: "t1", toolName: "bash", content: "a.txt", isError: false },
    ]);
  });

  it("reads chat, Responses and Gemini histories the same way", () => {
    const chat = toModelRequest(
      "chat",
      {
        messages: [
          { role: "system", content: "sys" },
          { role: "user", content: "go" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c1", function: { name: "run_shell_command", arguments: '{"command":"pwd"}' } }],
          },
          { role: "tool", tool_call_id: "c1", content: "/home/agent" },
        ],
        tools: [{ type: "function", function: { name: "run_shell_command", parameters: {} } }],
      },
      "run_shell_command",
      2,
    );
    expect(chat.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(chat.messages[2]).toMatchObject({ toolName: "bash", content: "/home/agent" });
    const responses = toModelRequest(
      "responses",
      {
        instructions: "sys",
        input: [
          { type: "message", role: "user", content: [{ type: "input_text", text: "go" }] },
          { type: "function_call", call_id: "c1", name: "exec_command", arguments: '{"cmd":"pwd"}' },
          { type: "function_call_output", call_id: "c1", output: "/home/agent" },
        ],
        tools: [{ type: "function", name: "exec_command", parameters: {} }],
      },
      "exec_command",
      2,
    );
    expect(responses.messages[1]).toMatchObject({ toolCalls: [{ id: "c1", name: "bash", args: { command: "pwd" } }] });
    const gemini = toModelRequest(
      "gemini",
      {
        systemInstruction: { parts: [{ text: "sys" }] },
        contents: [
          { role: "user", parts: [{ text: "go" }] },
          { role: "model", parts: [{ functionCall: { name: "run_shell_command", args: { command: "pwd" } } }] },
          {
            role: "user",
            parts: [{ functionResponse: { name: "run_shell_command", response: { output: "/home/agent" } } }],
          },
        ],
      },
      "run_shell_command",
      2,
    );
    expect(gemini.system).toBe("sys");
    expect(gemini.messages[2]).toMatchObject({ role: "tool", toolName: "bash", content: "/home/agent" });
    expect(commandOf({ command: ["bash", "-lc", "ls"] })).toBe("ls");
  });
});
