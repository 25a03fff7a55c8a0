import type { ToolDefinition } from "../models/model.js";

/**
 * One line typed (or piped) by the person playing the critic. Pure parsing: the session decides what to do
 * with a problem (re-ask at a terminal, send the invalid call from a pipe).
 */
export type Action =
  | { kind: "call"; name: string; args: unknown; problem: string | null }
  | { kind: "say"; text: string }
  | { kind: "think"; text: string }
  | { kind: "help" }
  | { kind: "tools" }
  | { kind: "quit" }
  | { kind: "blank" };

export const COMMANDS = ["say", "think", "help", "tools", "quit"] as const;

/**
 * Parse one line:
 *   `tool_name`                  → the tool with {} as arguments
 *   `tool_name {"ip": "…"}`      → the tool with that JSON object
 *   `tool_name free text`        → for a tool with a single string parameter (e.g. `bash ls -l /data`), that text
 *   `say TEXT` / `think TEXT`    → visible text without a tool call / reasoning attached to the next turn
 *   `help`, `tools`, `quit`; blank lines and `# comments` are skipped.
 * A call to an unknown tool or with arguments that cannot be read is still returned as a call, with `problem`
 * set; its args are the raw text when it was not a JSON object (as a model's broken JSON is recorded).
 */
export function parseAction(line: string, tools: ToolDefinition[]): Action {
  const trimmed = line.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return { kind: "blank" };
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed)!;
  const head = match[1]!;
  const rest = match[2] ?? "";
  const tool = tools.find((t) => t.name === head);
  if (!tool) {
    if (head === "say") return { kind: "say", text: rest };
    if (head === "think") return { kind: "think", text: rest };
    if (rest === "" && (head === "help" || head === "?")) return { kind: "help" };
    if (rest === "" && head === "tools") return { kind: "tools" };
    if (rest === "" && (head === "quit" || head === "exit")) return { kind: "quit" };
  }
  const problemPrefix = tool ? null : `unknown tool "${head}" (type "tools" to list them)`;
  const { args, problem } = parseArgs(rest, tool);
  return { kind: "call", name: head, args, problem: problemPrefix ?? problem };
}

function parseArgs(rest: string, tool: ToolDefinition | undefined): { args: unknown; problem: string | null } {
  if (rest === "") return { args: {}, problem: null };
  if (rest.startsWith("{")) {
    try {
      const value: unknown = JSON.parse(rest);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) return { args: value, problem: null };
      return { args: rest, problem: "arguments must be a JSON object" };
    } catch (e) {
      return { args: rest, problem: `arguments are not valid JSON (${(e as Error).message})` };
    }
  }
  const single = tool ? singleStringParameter(tool) : null;
  if (single) return { args: { [single]: rest }, problem: null };
  return {
    args: rest,
    problem: tool
      ? `give the arguments of ${tool.name} as a JSON object, e.g. ${tool.name} ${exampleArgs(tool)}`
      : "arguments must be a JSON object",
  };
}

/** The name of the tool's only parameter when it is a string (shell's `command`), else null. */
export function singleStringParameter(tool: ToolDefinition): string | null {
  const props = properties(tool);
  const names = Object.keys(props);
  if (names.length !== 1) return null;
  const p = props[names[0]!] as { type?: unknown } | undefined;
  return p?.type === "string" ? names[0]! : null;
}

function properties(tool: ToolDefinition): Record<string, unknown> {
  const p = (tool.parameters as { properties?: unknown }).properties;
  return p && typeof p === "object" ? (p as Record<string, unknown>) : {};
}

/** `{"ip": "…", "filename": "…"}`: a template of the tool's arguments. */
export function exampleArgs(tool: ToolDefinition): string {
  const props = properties(tool);
  const parts = Object.entries(props).map(([name, schema]) => `${JSON.stringify(name)}: ${placeholder(schema)}`);
  return parts.length ? `{${parts.join(", ")}}` : "{}";
}

function placeholder(schema: unknown): string {
  const s = schema as { type?: unknown; anyOf?: unknown[] } | null;
  const type = s?.type ?? (Array.isArray(s?.anyOf) ? (s.anyOf[0] as { type?: unknown })?.type : undefined);
  if (type === "array") return '["…"]';
  if (type === "number" || type === "integer") return "0";
  if (type === "boolean") return "true";
  return '"…"';
}

/** One line per tool: `name {"arg": …}  description`; shell-style tools show their free-text form. */
export function describeTool(tool: ToolDefinition): string {
  const single = singleStringParameter(tool);
  const usage = single
    ? `${tool.name} <${single}>`
    : Object.keys(properties(tool)).length
      ? `${tool.name} ${exampleArgs(tool)}`
      : tool.name;
  return `${usage}\n      ${tool.description.replace(/\s+/g, " ").trim()}`;
}
