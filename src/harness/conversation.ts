import type { Message, ModelRequest, ToolDefinition } from "../models/model.js";
import type { ToolCall } from "../world/events.js";
import type { WireApi } from "./wire.js";
import { requestTools } from "./wire.js";

/**
 * A product's request as a peerbench ModelRequest, so that any peerbench Model (simulated personas, replays,
 * any provider) can drive any product. The product's shell tool is shown as the shell toolset's `bash`
 * ({command}); its other tools pass through unchanged.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === "object" && v !== null ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

export const BASH_TOOL: ToolDefinition = {
  name: "bash",
  description: "Run a bash command on your workstation and return its output.",
  parameters: {
    type: "object",
    properties: { command: { type: "string", description: "The command to run." } },
    required: ["command"],
  },
};

function textOf(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v))
    return v.map((x) => (typeof x === "string" ? x : str(obj(x).text) || textOf(obj(x).content))).join("");
  const o = obj(v);
  if (typeof o.output === "string") return o.output;
  if (typeof o.text === "string") return o.text;
  return v === undefined || v === null ? "" : JSON.stringify(v);
}

function parseArgs(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The command a shell tool call runs, whatever the product calls its argument. */
export function commandOf(args: unknown): string {
  const a = obj(args);
  const c = a.command ?? a.cmd ?? a.script;
  if (Array.isArray(c)) return String(c[c.length - 1] ?? "");
  return typeof c === "string" ? c : "";
}

class History {
  readonly messages: Message[] = [];
  user(text: string): void {
    if (!text.trim()) return;
    const last = this.messages[this.messages.length - 1];
    if (last?.role === "user") last.content += `\n\n${text}`;
    else this.messages.push({ role: "user", content: text });
  }
  assistant(part: { text?: string; reasoning?: string; call?: ToolCall }): void {
    let last = this.messages[this.messages.length - 1];
    if (last?.role !== "assistant") {
      last = { role: "assistant", text: null, reasoning: null, toolCalls: [] };
      this.messages.push(last);
    }
    if (part.text) last.text = (last.text ?? "") + part.text;
    if (part.reasoning) last.reasoning = (last.reasoning ?? "") + part.reasoning;
    if (part.call) last.toolCalls.push(part.call);
  }
  tool(id: string, name: string, content: string, isError = false): void {
    this.messages.push({ role: "tool", toolCallId: id, toolName: name, content, isError });
  }
}

/** Convert a product's request; `call` is the 1-based index of this main-loop call. */
export function toModelRequest(api: WireApi, request: unknown, shellTool: string, call: number): ModelRequest {
  const r = obj(request);
  const h = new History();
  const system: string[] = [];
  const rename = (name: string) => (name === shellTool ? "bash" : name);
  const callOf = (id: string, name: string, args: unknown): ToolCall =>
    name === shellTool ? { id, name: "bash", args: { command: commandOf(args) } } : { id, name, args };
  if (api === "chat") {
    const names = new Map<string, string>();
    for (const m of arr(r.messages).map(obj)) {
      if (m.role === "system" || m.role === "developer") system.push(textOf(m.content));
      else if (m.role === "user") h.user(textOf(m.content));
      else if (m.role === "assistant") {
        h.assistant({ text: textOf(m.content), reasoning: str(m.reasoning_content) });
        for (const tc of arr(m.tool_calls).map(obj)) {
          const fn = obj(tc.function);
          names.set(str(tc.id), str(fn.name));
          h.assistant({ call: callOf(str(tc.id), str(fn.name), parseArgs(fn.arguments)) });
        }
      } else if (m.role === "tool") {
        const id = str(m.tool_call_id);
        h.tool(id, rename(names.get(id) ?? ""), textOf(m.content));
      }
    }
  } else if (api === "anthropic") {
    system.push(textOf(r.system));
    const names = new Map<string, string>();
    for (const m of arr(r.messages).map(obj)) {
      const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : arr(m.content).map(obj);
      for (const b of blocks) {
        if (m.role === "assistant") {
          if (b.type === "text") h.assistant({ text: str(b.text) });
          else if (b.type === "thinking") h.assistant({ reasoning: str(b.thinking) });
          else if (b.type === "tool_use") {
            names.set(str(b.id), str(b.name));
            h.assistant({ call: callOf(str(b.id), str(b.name), b.input) });
          }
        } else if (b.type === "tool_result") {
          const id = str(b.tool_use_id);
          h.tool(id, rename(names.get(id) ?? ""), textOf(b.content), b.is_error === true);
        } else if (b.type === "text") h.user(str(b.text));
      }
    }
  } else if (api === "gemini") {
    system.push(textOf(arr(obj(r.systemInstruction).parts)));
    let n = 0;
    const pending: { id: string; name: string }[] = [];
    for (const c of arr(r.contents).map(obj)) {
      for (const p of arr(c.parts).map(obj)) {
        if (c.role === "model") {
          if (typeof p.text === "string") h.assistant(p.thought ? { reasoning: p.text } : { text: p.text });
          if (p.functionCall) {
            const fc = obj(p.functionCall);
            const id = str(fc.id) || `gemini_call_${n++}`;
            pending.push({ id, name: str(fc.name) });
            h.assistant({ call: callOf(id, str(fc.name), fc.args) });
          }
        } else if (p.functionResponse) {
          const fr = obj(p.functionResponse);
          const i = pending.findIndex((x) => (str(fr.id) ? x.id === str(fr.id) : x.name === str(fr.name)));
          const match = i >= 0 ? pending.splice(i, 1)[0] : undefined;
          const resp = obj(fr.response);
          h.tool(
            match?.id ?? str(fr.id),
            rename(str(fr.name)),
            textOf(resp.output ?? resp.error ?? resp),
            resp.error !== undefined,
          );
        } else if (typeof p.text === "string") h.user(p.text);
      }
    }
  } else {
    system.push(str(r.instructions));
    const names = new Map<string, string>();
    for (const it of arr(r.input).map(obj)) {
      if (it.type === "function_call") {
        names.set(str(it.call_id), str(it.name));
        h.assistant({ call: callOf(str(it.call_id), str(it.name), parseArgs(it.arguments)) });
      } else if (it.type === "function_call_output") {
        const id = str(it.call_id);
        h.tool(id, rename(names.get(id) ?? ""), textOf(it.output));
      } else if (it.type === "reasoning") {
        h.assistant({
          reasoning: arr(it.summary)
            .map((s) => str(obj(s).text))
            .join(""),
        });
      } else if (it.role === "assistant") h.assistant({ text: textOf(it.content) });
      else if (it.role === "system" || it.role === "developer") system.push(textOf(it.content));
      else if (it.role === "user") h.user(textOf(it.content));
    }
  }
  const tools = requestTools(api, request).map((t) =>
    t.name === shellTool ? BASH_TOOL : { name: t.name, description: t.description, parameters: t.parameters },
  );
  return { system: system.filter(Boolean).join("\n\n"), messages: h.messages, tools, call };
}
