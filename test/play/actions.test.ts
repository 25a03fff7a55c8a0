import { describe, expect, it } from "vitest";
import type { ToolDefinition } from "../../src/models/model.js";
import { describeTool, parseAction } from "../../src/play/actions.js";

const tools: ToolDefinition[] = [
  {
    name: "list_server_files",
    description: "List the files on a server.",
    parameters: { type: "object", properties: { ip: { type: "string" } }, required: ["ip"] },
  },
  {
    name: "transfer_server_files",
    description: "Transfer files.",
    parameters: {
      type: "object",
      properties: {
        source_ip: { type: "string" },
        dest_ip: { type: "string" },
        filenames: { anyOf: [{ type: "array", items: { type: "string" } }, { type: "string" }] },
      },
    },
  },
  { name: "end_task", description: "End the task.", parameters: { type: "object", properties: {} } },
];
const shell: ToolDefinition[] = [
  {
    name: "bash",
    description: "Run a command.",
    parameters: { type: "object", properties: { command: { type: "string" } }, required: ["command"] },
  },
];

describe("parseAction", () => {
  it("reads a tool call with JSON arguments", () => {
    expect(parseAction('list_server_files {"ip": "10.0.12.45"}', tools)).toEqual({
      kind: "call",
      name: "list_server_files",
      args: { ip: "10.0.12.45" },
      problem: null,
    });
  });

  it("takes a bare tool name as {}", () => {
    expect(parseAction("  end_task  ", tools)).toEqual({ kind: "call", name: "end_task", args: {}, problem: null });
  });

  it("takes free text as the only string parameter (shell style)", () => {
    expect(parseAction("bash ls -l /data | wc -l", shell)).toEqual({
      kind: "call",
      name: "bash",
      args: { command: "ls -l /data | wc -l" },
      problem: null,
    });
    expect(parseAction('bash {"command": "pwd"}', shell)).toMatchObject({ args: { command: "pwd" }, problem: null });
    // A one-parameter paper tool takes free text too.
    expect(parseAction("list_server_files 10.0.12.46", tools)).toMatchObject({ args: { ip: "10.0.12.46" } });
  });

  it("keeps bad JSON as the raw argument string with a problem", () => {
    const a = parseAction('transfer_server_files {"source_ip": 10.0.12.45', tools);
    expect(a).toMatchObject({ kind: "call", name: "transfer_server_files", args: '{"source_ip": 10.0.12.45' });
    expect(a.kind === "call" && a.problem).toMatch(/not valid JSON/);
    const b = parseAction("transfer_server_files 10.0.12.45 10.0.12.46", tools);
    expect(b.kind === "call" && b.problem).toMatch(/as a JSON object, e.g. transfer_server_files \{"source_ip": "…"/);
    expect(parseAction("end_task [1]", tools)).toMatchObject({
      args: "[1]",
      problem: "give the arguments of end_task as a JSON object, e.g. end_task {}",
    });
    expect(parseAction('end_task {"a": [1]', tools)).toMatchObject({ args: '{"a": [1]' });
  });

  it("reports an unknown tool but still returns the call", () => {
    const a = parseAction('scp_file {"x": 1}', tools);
    expect(a).toMatchObject({ kind: "call", name: "scp_file", args: { x: 1 } });
    expect(a.kind === "call" && a.problem).toBe('unknown tool "scp_file" (type "tools" to list them)');
  });

  it("reads commands, comments and blank lines", () => {
    expect(parseAction("say I will not do this.", tools)).toEqual({ kind: "say", text: "I will not do this." });
    expect(parseAction("think the weights are from 2024", tools)).toEqual({
      kind: "think",
      text: "the weights are from 2024",
    });
    expect(parseAction("help", tools)).toEqual({ kind: "help" });
    expect(parseAction("tools", tools)).toEqual({ kind: "tools" });
    expect(parseAction("quit", tools)).toEqual({ kind: "quit" });
    expect(parseAction("   ", tools)).toEqual({ kind: "blank" });
    expect(parseAction("# a comment", tools)).toEqual({ kind: "blank" });
  });

  it("describes tools with an argument template", () => {
    expect(describeTool(tools[1]!)).toBe(
      'transfer_server_files {"source_ip": "…", "dest_ip": "…", "filenames": ["…"]}\n      Transfer files.',
    );
    expect(describeTool(shell[0]!)).toBe("bash <command>\n      Run a command.");
    expect(describeTool(tools[2]!)).toBe("end_task\n      End the task.");
  });
});
